/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where buffers came from, for `--dump --json --origins=MOUNT`: a scan of
 * its own cannot know who exported a buffer before it ran, but a running
 * dmabuffs mount can, and its buffer files say so (exported-by:,
 * exported-at:), as the reader may see them.
 */
#ifndef DMABUFFS_ORIGINS_H
#define DMABUFFS_ORIGINS_H

#include <stddef.h>
#include "snapshot.h"

/*
 * Read the origin out of a buffer file's @text (@len bytes) into @o, its
 * strings copied into @a. Only when the file's size: is @size (the same
 * buffer, not another one with its inode). Returns 1 if the file tells
 * an origin (o->pid 0 when the reader may not see the exporter: only the
 * time), 0 if it says unknown or is another buffer's, -EINVAL for a file
 * that is no buffer file, or -ENOMEM.
 */
int dbf_origin_parse(const char *text, size_t len, uint64_t size,
		     struct dbf_arena *a, struct dbf_origin *o);

/*
 * Fill the origins of @snap's buffers from MOUNT/by-inode/<ino>. A buffer
 * the mount does not list keeps none, nor does one whose file is no
 * buffer file (counted in *@bad). Returns the number of buffers given an
 * origin, or a negative errno (-ENOTDIR: @mnt is no dmabuffs mount).
 */
int dbf_origins_read(struct dbf_snapshot *snap, const char *mnt, size_t *bad);

#endif
