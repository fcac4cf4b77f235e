/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The files of the /dmabuf tree: a buffer's text, summary, metrics and
 * usage.svg. The tree says which node is a file (its kind and key); this
 * layer writes what the file says, from the snapshot and the tree's row
 * queries. The tree never calls it.
 */
#ifndef DMABUFFS_RENDER_H
#define DMABUFFS_RENDER_H

#include <stddef.h>
#include "tree.h"

/*
 * The text of file @node of @t as @caller may see it, malloc'd in *text
 * (NULL on failure). -EISDIR for a node that is no file, -ENOENT for a
 * buffer @t lacks, -ENOMEM.
 */
int dbf_render(const struct dbf_tree *t, uint64_t node,
	       const struct dbf_caller *caller, char **text, size_t *len);

#endif
