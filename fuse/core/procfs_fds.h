/* SPDX-License-Identifier: GPL-2.0-only */
/* /proc/<pid>/fd: which fds of a process are dma-bufs. */
#ifndef DMABUFFS_PROCFS_FDS_H
#define DMABUFFS_PROCFS_FDS_H

#include "snapshot.h"

struct dbf_builder;
struct dbf_buf_io;

enum dbf_link_kind {
	DBF_LINK_OTHER,
	DBF_LINK_DMABUF,	/* "/dmabuf:<name>", 5.3 and later */
	DBF_LINK_ANON,		/* "anon_inode:dmabuf", before 5.3 */
};

/* Classify a readlink() result; for DBF_LINK_DMABUF, *name is the name. */
enum dbf_link_kind dbf_link_classify(const char *target, size_t len,
				     struct dbf_str *name);

/*
 * Scan the fds of one process. Reads fdinfo only for dma-buf fds.
 * *held counts dma-buf fds, *anon pre-5.3 ones.
 * Returns 0, or -ENOENT/-ESRCH if the process went away, -EACCES if its fds
 * cannot be read, or another negative errno.
 */
int dbf_procfs_fds_scan(int piddir, pid_t pid, struct dbf_builder *b,
			struct dbf_buf_io *io, uint32_t *held, uint32_t *anon);

#endif
