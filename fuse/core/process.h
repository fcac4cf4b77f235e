/* SPDX-License-Identifier: GPL-2.0-only */
/* A process's comm and real uid. */
#ifndef DMABUFFS_PROCESS_H
#define DMABUFFS_PROCESS_H

#include "snapshot.h"

struct dbf_buf_io;

/* Parse the real uid from /proc/<pid>/status text; -EINVAL if absent. */
int dbf_status_uid(const char *buf, size_t len, uid_t *uid);

/* Read comm (without its newline) and the real uid through @piddir. */
int dbf_process_read(int piddir, struct dbf_buf_io *io, uid_t *uid,
		     char comm[DBF_COMM_MAX]);

#endif
