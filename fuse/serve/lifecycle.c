// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mount, serve and unmount: the first scan, the mount, privileges, the
 * threads, signals, and the way down.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"
#include "devprobe.h"
#include "fileio.h"
#include "log.h"
#include "privs.h"
#include "sandbox.h"

/* ---- messages: libfuse's go through here too ---- */

static bool log_capture = true;
static bool log_debug;
static char log_last[512];
static size_t log_len;

static void fuse_log_fn(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char line[512];
	const char *p = line;

	if (level > FUSE_LOG_ERR && !log_capture && !log_debug)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (!log_capture) {
		if (!strncmp(p, "fuse: ", 6))
			p += 6;
		/* fuse_log_level has syslog's values; -d shows all of them. */
		dbf_log(log_debug && level > FUSE_LOG_NOTICE ? LOG_NOTICE : (int)level,
			"%s", p);
		return;
	}
	/* libfuse writes one line in pieces; keep the last whole line. */
	if (log_len && log_last[log_len - 1] == '\n')
		log_len = 0;
	log_len += (size_t)snprintf(log_last + log_len, sizeof(log_last) - log_len,
				    "%s", p);
	if (log_len >= sizeof(log_last))
		log_len = sizeof(log_last) - 1;
}

/* The last libfuse error, without its "fuse: " prefix and newline. */
static const char *fuse_last_error(void)
{
	char *p = log_last;

	while (log_len && (log_last[log_len - 1] == '\n'))
		log_last[--log_len] = '\0';
	if (!log_len)
		return "unknown error";
	if (!strncmp(p, "fuse: ", 6))
		p += 6;
	return p;
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dbf_vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	return 1;
}

/* ---- setup ---- */

/* Is @path the root of a mount? statx knows since 5.8; else compare st_dev. */
static bool is_mount_root(const char *path, const struct stat *st)
{
	struct statx stx;
	struct stat up;
	char *parent;
	bool r;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) == 0 &&
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	if (asprintf(&parent, "%s/..", path) < 0)
		return false;
	r = stat(parent, &up) == 0 &&
	    (up.st_dev != st->st_dev || up.st_ino == st->st_ino);
	free(parent);
	return r;
}

static int check_mountpoint(const char *mp)
{
	struct stat st;

	if (stat(mp, &st) < 0 && errno == ENOENT) {
		if (mkdir(mp, 0755) < 0)
			return fail("cannot create mountpoint %s: %s", mp,
				    strerror(errno));
	}
	if (stat(mp, &st) < 0) {
		if (errno == ENOTCONN)
			return fail("%s is already mounted by a daemon that has exited (fusermount3 -u %s)",
				    mp, mp);
		return fail("mountpoint %s: %s", mp, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return fail("mountpoint %s is not a directory", mp);
	if (is_mount_root(mp, &st))
		return fail("%s is already mounted", mp);
	return 0;
}

/* fuse_daemonize() moves to /, so relative roots must be made absolute. */
static int absolute(const char **path, char **owned)
{
	char *cwd;

	if (!*path || (*path)[0] == '/')
		return 0;
	*owned = realpath(*path, NULL);
	if (*owned) {
		*path = *owned;
		return 0;
	}
	cwd = getcwd(NULL, 0);
	if (!cwd || asprintf(owned, "%s/%s", cwd, *path) < 0) {
		free(cwd);
		*owned = NULL;
		return -ENOMEM;
	}
	free(cwd);
	*path = *owned;
	return 0;
}

/* Is @opt one of the comma-separated @opts? */
static bool has_option(const char *opts, const char *opt)
{
	size_t len = strlen(opt);

	while (*opts) {
		size_t n = strcspn(opts, ",");

		if (n == len && !strncmp(opts, opt, n))
			return true;
		opts += n;
		if (*opts)
			opts++;
	}
	return false;
}

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/*
 * Whether the FUSE mount at @mp (a real path) lets other users in, as
 * the kernel mounted it: its super options in /proc/self/mountinfo. The
 * -o string cannot tell: libfuse's option parser reads "allow\_other"
 * as allow_other, and allow_root is allow_other to the kernel. The last
 * mount at @mp is the one on top. -ENOENT: no FUSE mount there.
 */
static int mount_shared(const char *mp, bool *shared)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int r = -ENOENT;

	if (!f)
		return -errno;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - FSTYPE SOURCE SUPEROPTS" */
	while (getline(&line, &cap, f) > 0) {
		char *at = line, *end, *fstype, *super;

		for (int i = 0; i < 4 && at; i++) {
			at = strchr(at, ' ');
			if (at)
				at++;
		}
		if (!at || !(end = strchr(at, ' ')))
			continue;
		*end = '\0';
		fstype = strstr(end + 1, " - ");
		if (!fstype)
			continue;
		fstype += 3;
		/* after the type, the source, then the super options */
		super = strchr(fstype, ' ');
		super = super ? strchr(super + 1, ' ') : NULL;
		if (!super || strncmp(fstype, "fuse", 4))
			continue;
		super[strcspn(super, "\n")] = '\0';
		unescape_octal(at);
		if (strcmp(at, mp))
			continue;
		*shared = has_option(super + 1, "allow_other");
		r = 0;
	}
	free(line);
	fclose(f);
	return r;
}

/* The write end of view.signals, for the handler. */
static int signal_fd = -1;

static void on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int e = errno;
	/* Nonblocking: a full pipe has said it already. */
	ssize_t n = write(signal_fd, &c, 1);

	(void)n;
	errno = e;
}

/*
 * SIGTERM, SIGINT and SIGHUP end the loop through the receiver, which
 * stops the invalidation thread first (stop_serving()). Installed whatever
 * the disposition was: a shell starts background jobs with SIGINT ignored,
 * and both must unmount. Without SA_RESTART, a signal wakes the loop.
 */
static int signals_catch(struct view *v)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (pipe2(v->signals, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	signal_fd = v->signals[1];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* as libfuse's handlers do */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void signals_release(struct view *v)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal_fd = -1;
	close(v->signals[0]);
	close(v->signals[1]);
}

static int serve(struct view *v)
{
	struct fuse_loop_config *cfg;
	int r;

	if (v->opts->single_thread)
		return fuse_session_loop(v->se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(cfg, 0);
	r = fuse_session_loop_mt(v->se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return r;
}

/*
 * Mounted: build the first tree, go to the background, and serve as the
 * service user with no capability at all and the server's seccomp filter:
 * the scanner (already running) reads /proc, the watcher unmounts.
 */
static int serve_mounted(struct view *v, const struct dbf_options *o,
			 const struct dbf_privs *privs, struct dbf_watcher *watcher)
{
	int r;

	/* The first tree is built now that the mount says what it is. */
	r = dbf_tree_build(v->first, v->interner, NULL, v->uid, v->gid, v->shared,
			   v->opts->metrics_top, &v->cur);
	v->first = NULL;
	if (r < 0)
		return fail("cannot build the view: %s", strerror(-r));
	/* Counting starts here: every counter at 0. */
	v->cur->counts = view_stream_counts(v);
	dbf_notify_ready();
	/* Said once, after the mount, so that errors stay one line. */
	view_note_sources(v, NULL, v->cur->snap);
	if (fuse_daemonize(o->foreground) < 0)
		return fail("cannot go to the background");
	log_capture = false;
	if (!o->foreground)
		dbf_log_to_syslog();
	dbf_log(LOG_INFO, "serving %s (dmabuffs %s)", o->mountpoint, DMABUFFS_VERSION);
	/* Before any other thread starts: capabilities are per thread. */
	if (privs && (dbf_watcher_start(o->mountpoint, watcher) < 0 ||
		      dbf_privs_drop(privs, 0) < 0 || dbf_sandbox_server() < 0))
		return 1;
	v->loop_thread = pthread_self();
	r = view_recv_start(v);
	if (r < 0)
		return fail("cannot start the receiver: %s", strerror(-r));

	r = serve(v);
	/* The receiver first: it may still be ending the loop. */
	view_recv_stop(v);
	if (v->lost)
		return 1;	/* said by the receiver */
	if (r < 0 && !v->ended)
		return fail("serving %s: %s", o->mountpoint, strerror(-r));
	return 0;
}

static void unmount(struct view *v, struct dbf_watcher *watcher)
{
	if (watcher->pid > 0) {
		dbf_watcher_unmount(watcher);
		/*
		 * Once the connection is gone, libfuse's unmount only closes the
		 * device and frees what it keeps; before that it would try to
		 * unmount itself, which nobody cannot.
		 */
		if (poll(&(struct pollfd){ .fd = fuse_session_fd(v->se) }, 1, 0) == 1)
			fuse_session_unmount(v->se);
	} else {
		fuse_session_unmount(v->se);
	}
}

static int mount_and_serve(struct view *v, const struct dbf_options *o,
			   const struct dbf_privs *privs)
{
	struct dbf_watcher watcher = { .pid = -1, .fd = -1 };
	__do_free char *mp = NULL;
	int r, ret;

	if (access("/dev/fuse", F_OK) < 0)
		return fail("/dev/fuse: %s (is the fuse module loaded?)", strerror(errno));
	if (o->no_drop)
		dbf_log(LOG_WARNING, "--no-drop: serving with every privilege of uid %d",
			(int)geteuid());
	/* Resolved before: on the mount it would wait for the loop. */
	mp = realpath(o->mountpoint, NULL);
	r = mp ? 0 : -errno;
	if (fuse_session_mount(v->se, o->mountpoint) < 0)
		return fail("cannot mount %s: %s", o->mountpoint, fuse_last_error());
	if (r == 0)
		r = mount_shared(mp, &v->shared);
	if (r < 0) {
		/* Per caller, no caller can get what is another's. */
		dbf_log(LOG_WARNING, "cannot read the options of %s back (%s); serving it as shared",
			o->mountpoint, strerror(-r));
		v->shared = true;
	}
	ret = serve_mounted(v, o, privs, &watcher);
	/* The scanner still runs if serving failed before it began. */
	view_recv_stop(v);
	unmount(v, &watcher);
	return ret;
}

static int catch_and_mount(struct view *v, const struct dbf_options *o,
			   const struct dbf_privs *privs)
{
	int r = signals_catch(v), ret;

	if (r < 0)
		return fail("cannot install signal handlers: %s", strerror(-r));
	ret = mount_and_serve(v, o, privs);
	signals_release(v);
	return ret;
}

static void free_argsp(struct fuse_args *args)
{
	fuse_opt_free_args(args);
}

/* The session, with our mount options: @privs NULL keeps ours. */
static int run(struct view *v, const struct dbf_options *o, const struct dbf_privs *privs)
{
	__do_free char *mopts = NULL;
	char *argv[5];
	__attribute__((__cleanup__(free_argsp))) struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	int argc = 0, ret;

	/* Ours come last so a user's -o cannot make the mount writable. */
	if (asprintf(&mopts, "%s%sro,default_permissions,fsname=dmabuffs,subtype=dmabuffs",
		     o->fuse_opts ? o->fuse_opts : "", o->fuse_opts ? "," : "") < 0) {
		mopts = NULL;
		return fail("out of memory");
	}
	argv[argc++] = "dmabuffs";
	argv[argc++] = "-o";
	argv[argc++] = mopts;
	if (o->debug)
		argv[argc++] = "-d";
	argv[argc] = NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);

	v->se = fuse_session_new(&args, &view_ops, sizeof(view_ops), v);
	if (!v->se)
		return fail("%s", fuse_last_error());
	ret = catch_and_mount(v, o, privs);
	fuse_session_destroy(v->se);
	return ret;
}

/* What outlives run(): the trees and what builds them. */
static void view_free(struct view *v)
{
	for (int k = 0; k < NKEPT; k++)
		tree_unref(v->kept[k].tree);
	tree_unref(v->cur);
	dbf_snapshot_free(v->first);
	dbf_interner_free(v->interner);
	dbf_classes_free(v->classes);
	view_stream_free(&v->stream);
}

int dbf_view_run(const struct dbf_options *opts)
{
	struct dbf_options o = *opts;
	__do_free char *proc = NULL;
	__do_free char *debugfs = NULL;
	__do_free char *sysfs = NULL;
	__attribute__((__cleanup__(view_free))) struct view v = {
		.opts = &o,
		.timeout = opts->refresh_ms / 1000.0,
		.uid = getuid(),
		.gid = getgid(),
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.inval.lock = PTHREAD_MUTEX_INITIALIZER,
		.inval.cond = PTHREAD_COND_INITIALIZER,
		.inval.tail = &v.inval.jobs,
		.scanner = { .pid = -1, .pidfd = -1, .frames = -1, .ctl = -1 },
	};
	/* Root drops; anyone else has nothing to drop (and mounts through fusermount3). */
	bool drop = !o.no_drop && geteuid() == 0;
	struct dbf_privs privs;
	struct dbf_scanner_cfg cfg = {
		.scan = &o.scan,
		.refresh_ms = o.refresh_ms,
		.privs = drop ? &privs : NULL,
		.sandbox = drop,
		.foreground = o.foreground,
		.choice = o.scanner,
		.btf = o.btf,
		.verbose = o.debug,
	};
	bool lost;
	int r, ret;

	log_debug = opts->debug;
	/*
	 * A tree's arrays are megabytes, and every rebuild frees the last
	 * tree's. glibc raises its mmap threshold to the largest block freed
	 * (up to 32 MiB), after which such arrays come from the heap, which
	 * does not shrink: at 100000 buffers the server then held three
	 * trees' worth of memory. Mapped, a freed tree goes back at once.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	fuse_set_log_func(fuse_log_fn);
	if (absolute(&o.scan.proc_root, &proc) < 0 ||
	    absolute(&o.scan.debugfs_root, &debugfs) < 0 ||
	    absolute(&o.scan.sysfs_root, &sysfs) < 0)
		return fail("out of memory");
	if (check_mountpoint(o.mountpoint))
		return 1;
	if (drop && dbf_privs_lookup(o.user, &privs) < 0)
		return 1;

	v.interner = dbf_interner_new();
	v.classes = dbf_classes_new(DBF_CLASS_MAX);
	if (!v.interner || !v.classes ||
	    view_stream_init(&v.stream, o.events_backlog, DBF_COUNTER_CGROUPS(o.metrics_top)) < 0)
		return fail("out of memory");
	/*
	 * Learn the dma-buf device while still root, so that every scan can
	 * check maps lines from the first one on.
	 */
	dbf_scan_opts_probe(&o.scan);
	/*
	 * The scanner starts before the mount and its first scan is awaited
	 * here, so that a bad root fails in one line and nothing is mounted.
	 */
	if (dbf_scanner_start(&cfg, &v.scanner) < 0)
		return 1;
	r = view_read_snapshot(&v, NULL, &v.first, &lost);
	if (r < 0) {
		int status = dbf_scanner_stop(&v.scanner);
		char how[64];

		dbf_scanner_describe(status, how, sizeof(how));
		if (lost)
			return fail("the scanner exited before its first scan (%s)", how);
		return fail("cannot scan %s: %s", o.scan.proc_root, strerror(-r));
	}

	ret = run(&v, &o, drop ? &privs : NULL);
	/* run() may end before the receiver starts: the scanner goes here. */
	view_recv_stop(&v);
	return ret;
}
