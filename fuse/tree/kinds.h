/* SPDX-License-Identifier: GPL-2.0-only */
/* Every kind's operations, for tree.c's dispatch table alone. */
#ifndef DMABUFFS_KINDS_H
#define DMABUFFS_KINDS_H

#include "tree_int.h"

extern const struct kind_ops kind_root;		/* the root and its files */
extern const struct kind_ops kind_buffer;	/* buffers, by-inode/ */
extern const struct kind_ops kind_group;	/* by-name/, by-exporter/ */
extern const struct kind_ops kind_device;	/* by-device/ */
extern const struct kind_ops kind_pid;		/* by-pid/ */
extern const struct kind_ops kind_cgroup;	/* by-cgroup/ */

#endif
