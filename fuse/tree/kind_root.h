/* SPDX-License-Identifier: GPL-2.0-only */
/* The fixed nodes: which kind serves each (kind_root.c). */
#ifndef DMABUFFS_KIND_ROOT_H
#define DMABUFFS_KIND_ROOT_H

#include "tree_int.h"

/*
 * The kind that serves fixed node @key: the one whose top directory it
 * is, DBF_KIND_FIXED for the root and the files, DBF_NKINDS for none.
 */
enum dbf_node_kind fixed_kind(uint64_t key);
/* Is fixed node @key a directory (its version is t->fixed[@key])? */
bool fixed_is_dir(uint64_t key);
/* The top directory of kind @k (by-name/ for names), or the root. */
uint64_t kind_top(enum dbf_node_kind k);

/* The kind @node is, or whose top it is: by-name/ and by-name/x are names. */
static inline enum dbf_node_kind node_kind(uint64_t node)
{
	return is_fixed(node) ? fixed_kind(dbf_node_key(node)) : dbf_node_kind(node);
}

#endif
