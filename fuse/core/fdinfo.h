/* SPDX-License-Identifier: GPL-2.0-only */
/* /proc/<pid>/fdinfo/<n> of a dma-buf fd. */
#ifndef DMABUFFS_FDINFO_H
#define DMABUFFS_FDINFO_H

#include "snapshot.h"

#define DBF_FDINFO_MAX_DEVICES 32

struct dbf_fdinfo {
	bool has_ino, has_size, has_count, has_exp_name, has_name, has_mnt_id;
	uint64_t ino;		/* generic fdinfo prints it from 5.14 */
	uint64_t mnt_id;	/* generic fdinfo prints it from 3.15 */
	uint64_t size;
	int64_t count;
	struct dbf_str exp_name;	/* points into the parsed text */
	struct dbf_str name;
	/*
	 * "attachments:\t<n>" and n "attached_dev:\t<dev>" lines (kernel/
	 * patches); devices_known only when the list is whole. The kernel
	 * only tries the buffer's reservation lock and prints
	 * "attachments:\tskipped" alone when it was busy: devices unknown.
	 */
	bool has_attachments;	/* the kernel lists attachments at all */
	bool attachments_skipped;
	bool devices_known;
	uint32_t ndevices;
	struct dbf_str devices[DBF_FDINFO_MAX_DEVICES];
};

/*
 * Parse fdinfo text. Fields are read in order up to "name:", the last line
 * dma-buf prints (6.1): the rest of the text is the name, since a name may
 * hold newlines and must not be read as further fields.
 * Returns 0, or -EINVAL if it is not a dma-buf's fdinfo (no size or exp_name).
 */
int dbf_fdinfo_parse(const char *buf, size_t len, struct dbf_fdinfo *out);

#endif
