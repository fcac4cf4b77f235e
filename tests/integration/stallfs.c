// SPDX-License-Identifier: GPL-2.0-only
/*
 * stallfs MOUNTPOINT: a FUSE filesystem that hangs. It answers INIT (libfuse
 * does) and nothing else: every GETATTR, LOOKUP, OPEN... stays unanswered,
 * like a server that died with its mount still in place. A process that
 * asks it anything blocks until the mount goes away; the integration test
 * checks that a scan never asks.
 */
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 12)
#include <fuse_lowlevel.h>
#include <stdio.h>

/* Keep the request: never replying is the point. */
static void stall_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)req;
	(void)ino;
	(void)fi;
}

static void stall_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)req;
	(void)parent;
	(void)name;
}

static void stall_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)req;
	(void)ino;
	(void)fi;
}

static void stall_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	(void)req;
	(void)ino;
	(void)mask;
}

static void stall_statfs(fuse_req_t req, fuse_ino_t ino)
{
	(void)req;
	(void)ino;
}

static const struct fuse_lowlevel_ops stall_ops = {
	.getattr = stall_getattr,
	.lookup = stall_lookup,
	.open = stall_open,
	.opendir = stall_open,
	.access = stall_access,
	.statfs = stall_statfs,
};

int main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-o", "fsname=stallfs,subtype=stallfs", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se;
	int r = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: stallfs MOUNTPOINT\n");
		return 2;
	}
	se = fuse_session_new(&args, &stall_ops, sizeof(stall_ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) == 0) {
		if (fuse_session_mount(se, argv[1]) == 0) {
			/* single-threaded: one stalled request must not stop INIT */
			r = fuse_session_loop(se) ? 1 : 0;
			fuse_session_unmount(se);
		}
		fuse_remove_signal_handlers(se);
	}
	fuse_session_destroy(se);
	return r;
}
