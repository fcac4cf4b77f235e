/* SPDX-License-Identifier: GPL-2.0-only */
/* /proc/<pid>/maps: the only place a buffer held by a mapping alone shows. */
#ifndef DMABUFFS_MAPS_H
#define DMABUFFS_MAPS_H

#include "snapshot.h"

struct dbf_builder;
struct dbf_buf_io;

/*
 * One "/dmabuf:" mapping of @len bytes on device @dev (makedev() form);
 * @name has \\012 decoded to a newline (the only escape maps has) and
 * lives in the parse buffer.
 */
typedef int (*dbf_maps_cb)(void *ctx, uint64_t dev, uint64_t ino, uint64_t len,
			   struct dbf_str name);

/*
 * Parse maps text in place (names are decoded into @buf). Calls @cb for
 * each "/dmabuf:" mapping and counts "anon_inode:dmabuf" mappings (before
 * 5.3) in *anon. Malformed lines are skipped. Returns 0 or @cb's error.
 */
int dbf_maps_parse(char *buf, size_t len, dbf_maps_cb cb, void *ctx,
		   uint32_t *anon);

/*
 * Read /proc/<pid>/maps through @piddir and report each buffer with its
 * mapping count to @b. *held is set to the number of distinct buffers.
 */
int dbf_maps_scan(int piddir, pid_t pid, struct dbf_builder *b,
		  struct dbf_buf_io *io, uint32_t *anon, uint32_t *held);

#endif
