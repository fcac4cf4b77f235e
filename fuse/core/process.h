/* SPDX-License-Identifier: GPL-2.0-only */
/* A process's comm, ids, owner and start time. */
#ifndef DMABUFFS_PROCESS_H
#define DMABUFFS_PROCESS_H

#include "snapshot.h"

struct dbf_buf_io;
struct dbf_proc_fact;

/* What /proc/<pid>/status says about a process's ids. */
struct dbf_status_ids {
	uid_t uid;		/* real uid */
	gid_t gid;		/* real gid, (gid_t)-1 without a Gid: line */
	bool uids_equal;	/* real, effective, saved and fs uids agree */
	bool gids_equal;	/* likewise the gids (false without a Gid: line) */
};

/*
 * Parse /proc/<pid>/status text. Returns 0, or -EINVAL if there is no
 * well-formed Uid: line (a malformed Gid: line is -EINVAL too).
 */
int dbf_status_ids(const char *buf, size_t len, struct dbf_status_ids *ids);

/*
 * Field 22 of /proc/<pid>/stat, the start time in clock ticks after boot.
 * comm (field 2) may hold spaces and parentheses, so fields are counted
 * from the last ')'. Returns 0 or -EINVAL.
 */
int dbf_stat_start_time(const char *buf, size_t len, uint64_t *start_time);

/*
 * The kernel prints no longer cgroup path (it formats it in a PATH_MAX
 * buffer, and fails the read with ENAMETOOLONG beyond).
 */
#define DBF_CGROUP_MAX 4096

/*
 * The cgroup v2 path in /proc/<pid>/cgroup text: everything after the
 * "0::" that starts the file or a line, up to the file's final newline.
 * The kernel prints that line last, after one "N:controllers:path" line
 * per v1 hierarchy (N >= 1), and prints names raw: a name may hold a
 * newline, even one followed by "0::". The first such line is the
 * kernel's own, since the unified hierarchy is the one whose names an
 * unprivileged user can choose (delegated subtrees). Sets *path (pointing
 * into @buf) and returns true; false when there is no such line or the
 * path does not start with '/' (unknown).
 */
bool dbf_cgroup_v2_path(const char *buf, size_t len, struct dbf_str *path);

/*
 * Read a process through @piddir into @f: uid, gid, owner, owner_gid,
 * start_time, comm (without its newline, into @comm; f->comm points
 * there) and the cgroup v2 path (into @cgroup; f->cgroup points there).
 * The owner is the uid procfs lets read the process's fdinfo besides
 * root: only when all four uids agree, all four gids agree and the
 * process is dumpable, which procfs shows by giving /proc/<pid> the
 * process's euid and egid (root's otherwise). A missing stat file leaves
 * start_time 0; a cgroup file without a "0::" line, missing (a kernel
 * without cgroups) or unreadable leaves the cgroup unknown (length 0).
 * Returns 0 or a negative errno (-ENOENT or -ESRCH: the process is gone).
 */
int dbf_process_read(int piddir, struct dbf_buf_io *io, struct dbf_proc_fact *f,
		     char comm[DBF_COMM_MAX], char cgroup[DBF_CGROUP_MAX]);

#endif
