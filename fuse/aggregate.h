/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-cgroup and per-device totals of one snapshot, for the renderers of
 * metrics and usage.svg. They follow by-cgroup/ and by-device/ (a cgroup
 * counts its whole subtree, each buffer once); once the tree keeps these
 * totals itself, the renderers can take them from there.
 */
#ifndef DMABUFFS_AGGREGATE_H
#define DMABUFFS_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>
#include "tree.h"

struct dbf_cgroup_row {
	struct dbf_str path;	/* points into the snapshot; len 0: unknown */
	uint32_t buffers;	/* distinct buffers held in the subtree */
	uint64_t bytes;		/* their sizes */
	uint64_t pss;		/* sum of the pss of the subtree's processes */
};

/*
 * One row per cgroup whose subtree holds a buffer: the cgroup of every
 * holding process and each of its ancestors, "/" included, in byte order
 * of the path; then one row (path len 0) for the processes whose cgroup is
 * unknown. Only processes that @c sees count, and a row where @c sees
 * nothing is left out. *rows is malloc'd (NULL when *n is 0).
 * Returns 0 or -ENOMEM.
 */
int dbf_cgroup_rows(const struct dbf_snapshot *s, const struct dbf_caller *c,
		    struct dbf_cgroup_row **rows, size_t *n);

/* The row of a process's own cgroup in @rows, or -1 (@c may not see it). */
long dbf_cgroup_row_of(const struct dbf_cgroup_row *rows, size_t n,
		       const struct dbf_proc *p);

struct dbf_device_row {
	struct dbf_str device;	/* points into the snapshot */
	uint32_t buffers;	/* distinct buffers attached to it */
	uint64_t bytes;
};

/*
 * One row per attached device, in byte order of its name. Attachments
 * are public, as the buffer files' devices line is. Returns 0 or -ENOMEM.
 */
int dbf_device_rows(const struct dbf_snapshot *s, struct dbf_device_row **rows,
		    size_t *n);

#endif
