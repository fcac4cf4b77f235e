/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /sys/kernel/dmabuf/buffers/<ino>/{size,exporter_name}: CONFIG_DMABUF_SYSFS_STATS
 * (5.13 to 6.x, deprecated) lists every buffer without debugfs.
 */
#ifndef DMABUFFS_SYSFS_STATS_H
#define DMABUFFS_SYSFS_STATS_H

struct dbf_builder;

/* Returns the number of buffers added, or a negative errno (-ENOENT: absent). */
int dbf_sysfs_read(const char *sysfs_root, struct dbf_builder *b);

#endif
