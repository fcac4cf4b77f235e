/* SPDX-License-Identifier: GPL-2.0-only */
/* The rows the renderers read: per cgroup, and per name, exporter and device. */
#ifndef DMABUFFS_ROWS_H
#define DMABUFFS_ROWS_H

#include "node.h"

/*
 * The totals of one cgroup directory, a row of the summary's [cgroups]:
 * what du -s of the directory counts, as the caller of
 * dbf_tree_cgroup_rows() sees it.
 */
struct dbf_cgroup_row {
	struct dbf_str path;		/* raw, into the snapshot; len 0: %unknown */
	uint32_t buffers;		/* distinct buffers held in the subtree */
	uint64_t bytes;			/* their sizes */
	uint64_t pss;			/* sum of the pss of the subtree's processes */
	/* the cgroup's own processes, snap->procs indices, whoever sees them */
	const uint32_t *procs;
	uint32_t nprocs;
};

/*
 * The [cgroups] rows as @c sees them: by-cgroup/ itself ("/", whose
 * subtree is every directory, %unknown included) first, then every other
 * cgroup directory in byte order of its path, %unknown last. Only the
 * processes @c sees count (dbf_caller_sees), and a row where it sees
 * none is left out. A cgroup with no directory (a component too long
 * once escaped, or empty) is in no row, nor is its subtree. *rows is
 * malloc'd; it points into @t. Returns 0 or -ENOMEM.
 */
int dbf_tree_cgroup_rows(const struct dbf_tree *t, const struct dbf_caller *c,
			 struct dbf_cgroup_row **rows, size_t *n);

/*
 * One name, exporter or attached device, a row of the summary's [names],
 * [exporters] or [devices]; its by-* directory, when the key fits
 * NAME_MAX once escaped.
 */
struct dbf_group_row {
	struct dbf_str key;		/* raw, into the snapshot */
	uint32_t buffers;		/* distinct buffers with that key */
	uint64_t bytes;			/* their sizes */
};

/*
 * The rows of kind @k (DBF_KIND_NAME, _EXPORTER or _DEVICE), in byte
 * order of the key; public, as the buffer files are. No devices when no
 * source lists attachments (snap->device_sources 0). *rows is malloc'd
 * and points into @t. Returns 0, -EINVAL for another kind, or -ENOMEM.
 */
int dbf_tree_group_rows(const struct dbf_tree *t, enum dbf_node_kind k,
			struct dbf_group_row **rows, size_t *n);

#endif
