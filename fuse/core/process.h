/* SPDX-License-Identifier: GPL-2.0-only */
/* A process's comm and real uid. */
#ifndef DMABUFFS_PROCESS_H
#define DMABUFFS_PROCESS_H

#include "snapshot.h"

struct dbf_buf_io;

/*
 * Parse /proc/<pid>/status text: the real uid, and the owner procfs lets
 * look into the process besides root, which is that uid only when the
 * real, effective, saved and filesystem uids all agree (ptrace access
 * checks all four), else 0. -EINVAL if there is no Uid line.
 */
int dbf_status_uid(const char *buf, size_t len, uid_t *uid, uid_t *owner);

/* Likewise the Gid line: the real gid, and whether all four agree. */
int dbf_status_gid(const char *buf, size_t len, gid_t *gid, bool *uniform);

/*
 * Read comm (without its newline), the real uid and gid, and the owner
 * through @piddir: owner 0 unless all four uids and all four gids agree;
 * owner_gid is then the gid.
 */
int dbf_process_read(int piddir, struct dbf_buf_io *io, uid_t *uid,
		     uid_t *owner, gid_t *gid, gid_t *owner_gid,
		     char comm[DBF_COMM_MAX]);

#endif
