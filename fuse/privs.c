// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"
#include "sandbox.h"


static int fail(const char *what)
{
	dbf_log(LOG_ERR, "cannot drop privileges: %s: %s", what, strerror(errno));
	return -1;
}

static int set_caps(const cap_value_t *keep, int nkeep)
{
	cap_t caps = cap_init();	/* all clear */
	int r;

	if (!caps)
		return fail("cap_init");
	r = (nkeep && (cap_set_flag(caps, CAP_PERMITTED, nkeep, keep, CAP_SET) ||
		       cap_set_flag(caps, CAP_EFFECTIVE, nkeep, keep, CAP_SET))) ||
	    cap_set_proc(caps);
	cap_free(caps);
	return r ? fail("cap_set_proc") : 0;
}

/*
 * What @path is now, from the kernel's cached attributes: a FUSE request
 * could wait forever on a server that has stopped serving.
 */
static int mount_stat(const char *path, struct statx *stx)
{
	return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
		     STATX_BASIC_STATS, stx);
}

/*
 * The same file system: each FUSE mount has a device number of its own
 * while it lives. (The root's inode number changes once the server first
 * answers for it.)
 */
static bool same_fs(const struct statx *a, const struct statx *b)
{
	return a->stx_dev_major == b->stx_dev_major &&
	       a->stx_dev_minor == b->stx_dev_minor;
}

/* The watcher: CAP_SYS_ADMIN only, no other fd, waiting for EOF. */
static void __attribute__((noreturn)) watch(const char *mountpoint, int fd)
{
	static const cap_value_t admin[] = { CAP_SYS_ADMIN };
	cap_t caps = cap_init();
	struct statx own, now;
	char c;

	prctl(PR_SET_NAME, "dmabuffs-umount", 0, 0, 0);
	/* A debugger's SIGINT to the group must not unmount under the daemon. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if (dup2(fd, 3) < 0 || close_range(4, ~0U, 0) < 0) {
		dbf_log(LOG_ERR, "unmount watcher: cannot set up its fds: %s", strerror(errno));
		_exit(1);
	}
	/*
	 * The mount's root, to unmount this one mount and no other: by the
	 * end, the path may lead elsewhere (a parent directory renamed, and
	 * something else mounted where the mount was).
	 */
	if (mount_stat(mountpoint, &own) < 0) {
		dbf_log(LOG_ERR, "unmount watcher: %s: %s", mountpoint, strerror(errno));
		_exit(1);
	}
	if (caps) {
		cap_set_flag(caps, CAP_PERMITTED, 1, admin, CAP_SET);
		cap_set_flag(caps, CAP_EFFECTIVE, 1, admin, CAP_SET);
		cap_set_proc(caps);
		cap_free(caps);
	}
	/* dbf_sandbox_watcher() says why it failed. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		dbf_log(LOG_ERR, "unmount watcher: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		_exit(1);
	}
	if (dbf_sandbox_watcher() < 0)
		_exit(1);
	while (read(3, &c, 1) < 0 && errno == EINTR)
		;
	if (mount_stat(mountpoint, &now) < 0) {
		if (errno != ENOENT)
			dbf_log(LOG_ERR, "cannot unmount %s: %s", mountpoint, strerror(errno));
		_exit(0);
	}
	if (!same_fs(&own, &now)) {
		/* Unmounted already (umount, fusermount3 -u), or replaced. */
		if (!(now.stx_attributes & STATX_ATTR_MOUNT_ROOT))
			_exit(0);
		dbf_log(LOG_ERR, "not unmounting %s: another file system is mounted there now",
			mountpoint);
		_exit(1);
	}
	/* The mountpoint is the daemon's own; a symlink put there since is not. */
	if (umount2(mountpoint, UMOUNT_NOFOLLOW | MNT_DETACH) < 0 &&
	    errno != EINVAL && errno != ENOENT)
		dbf_log(LOG_ERR, "cannot unmount %s: %s", mountpoint, strerror(errno));
	_exit(0);
}

int dbf_watcher_start(const char *mountpoint, struct dbf_watcher *w)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("pipe");
	w->pid = fork();
	if (w->pid < 0) {
		close(p[0]);
		close(p[1]);
		return fail("fork");
	}
	if (w->pid == 0) {
		close(p[1]);
		watch(mountpoint, p[0]);
	}
	close(p[0]);
	w->fd = p[1];
	return 0;
}

void dbf_watcher_unmount(struct dbf_watcher *w)
{
	close(w->fd);
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int dbf_privs_lookup(const char *user, struct dbf_privs *p)
{
	struct passwd *pw;

	/* A dedicated user if the system has one: nobody is shared by many. */
	if (!user) {
		pw = getpwnam("dmabuffs");
		user = "nobody";
		if (pw) {
			p->uid = pw->pw_uid;
			p->gid = pw->pw_gid;
			return 0;
		}
	}
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		dbf_log(LOG_ERR, "--user %s: %s", user,
			errno ? strerror(errno) : "no such user");
		return -1;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	return 0;
}

int dbf_privs_drop(const struct dbf_privs *p, unsigned int keep_caps)
{
	cap_value_t keep[3];
	int nkeep = 0;
	bool kept;

	if (keep_caps & DBF_KEEP_PTRACE)
		keep[nkeep++] = CAP_SYS_PTRACE;
	if (keep_caps & DBF_KEEP_DAC)
		keep[nkeep++] = CAP_DAC_READ_SEARCH;
	if (keep_caps & DBF_KEEP_BPF)
		keep[nkeep++] = CAP_BPF;
	/* Every capability not kept leaves the bounding set for good. */
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		kept = false;
		for (int i = 0; i < nkeep; i++)
			kept |= keep[i] == c;
		if (!kept && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0)
			return fail("cap_drop_bound");
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail("PR_SET_KEEPCAPS");
	if (setgroups(0, NULL) < 0)
		return fail("setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return fail("setresgid");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return fail("setresuid");
	/* setresuid() cleared the effective set; keep just those, or none. */
	if (set_caps(keep, nkeep) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return fail("PR_SET_KEEPCAPS");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail("PR_SET_NO_NEW_PRIVS");
	/*
	 * Changing uid made us non-dumpable already; say so, so that no
	 * process of the service user can ptrace or read us.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail("PR_SET_DUMPABLE");
#ifdef __SANITIZE_ADDRESS__
	/*
	 * Non-dumpable, /proc/self is root's and LeakSanitizer cannot list
	 * the server's threads at exit. Test builds only; the scanner ends
	 * with _exit() and is never checked for leaks.
	 */
	if (!keep_caps)
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}
