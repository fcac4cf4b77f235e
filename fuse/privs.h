/* SPDX-License-Identifier: GPL-2.0-only */
/* Running with the fewest privileges that still read every process. */
#ifndef DMABUFFS_PRIVS_H
#define DMABUFFS_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

struct dbf_privs {
	uid_t uid;
	gid_t gid;
};

/*
 * Once unprivileged the daemon cannot umount(2) its mount. A watcher
 * process keeps CAP_SYS_ADMIN alone and unmounts when the daemon's end of
 * a pipe closes: at a clean exit (then the daemon waits for it, so the
 * mount is gone when the daemon is) and at kill -9 alike.
 */
struct dbf_watcher {
	pid_t pid;
	int fd;
};

/* Start it while still root, before the drop. 0 or -1 after printing why. */
int dbf_watcher_start(const char *mountpoint, struct dbf_watcher *w);
/* Unmount now and wait for it. */
void dbf_watcher_unmount(struct dbf_watcher *w);

/*
 * Look @user up before mounting, so a bad name fails early. NULL: the
 * user dmabuffs if it exists, else nobody. 0 or -1.
 */
int dbf_privs_lookup(const char *user, struct dbf_privs *p);

/* What the scanner keeps (the server keeps nothing: 0). */
enum {
	/* other users' fd links, fdinfo and maps (procfs scanner) */
	DBF_KEEP_PTRACE	= 1u << 0,
	/* their 0500 fd directories (procfs scanner) and the 0700 debugfs */
	DBF_KEEP_DAC	= 1u << 1,
	/* reading BPF iterators, on kernels that check it (docs/security.md) */
	DBF_KEEP_BPF	= 1u << 2,
};

/*
 * Become @p's user with no_new_privs, not dumpable, and the bounding set
 * emptied of every capability but the DBF_KEEP_* in @keep_caps, which
 * stay permitted and effective. Call it before any other thread starts:
 * capabilities are per thread. Returns 0, or -1 after printing why.
 */
int dbf_privs_drop(const struct dbf_privs *p, unsigned int keep_caps);

#endif
