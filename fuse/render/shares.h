/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every buffer's bytes shared out so that each is counted exactly once:
 * among the cgroups of the processes holding it, and among the devices
 * attached to it. The families built on these add up to dmabuf_bytes, so
 * a panel stacked by cgroup or by device is whole (docs/metrics.md).
 */
#ifndef DMABUFFS_SHARES_H
#define DMABUFFS_SHARES_H

#include <stddef.h>
#include <stdint.h>
#include "tree.h"

struct dbf_share_row {
	struct dbf_str key;		/* raw, into the snapshot */
	uint64_t bytes;
};

/* What has no key of its own; with the rows, it sums to total_bytes. */
struct dbf_cgroup_rest {
	uint64_t unknown;		/* holders whose cgroup is not known */
	uint64_t nobody;		/* buffers no process holds */
	uint64_t hidden;		/* holders @c may not see */
};

/*
 * A buffer held by k processes gives each size / k and the remainder to
 * the lowest pid: a process's PSS and what its rounding left; a cgroup's
 * row is the sum over its own processes (not its descendants). Rows in
 * byte order of the path. *rows is malloc'd. Returns 0 or -ENOMEM.
 */
int dbf_cgroup_shares(const struct dbf_snapshot *s, const struct dbf_caller *c,
		      struct dbf_share_row **rows, size_t *n,
		      struct dbf_cgroup_rest *rest);

struct dbf_device_rest {
	uint64_t unattached;		/* listed, attached to nothing */
	uint64_t unknown;		/* no source listed its attachments */
};

/*
 * A buffer attached to k distinct devices gives each size / k and the
 * remainder to the first in byte order. Rows in byte order of the
 * device. *rows is malloc'd. Returns 0 or -ENOMEM.
 */
int dbf_device_shares(const struct dbf_snapshot *s, struct dbf_share_row **rows,
		      size_t *n, struct dbf_device_rest *rest);

#endif
