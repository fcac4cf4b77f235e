// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FUSE view: serves fuse/tree.c over the low-level API, keeps the
 * snapshot fresh, and tells the kernel which names vanished.
 */
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 12)

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "devprobe.h"
#include "log.h"
#include "options.h"
#include "privs.h"
#include "render.h"
#include "sandbox.h"
#include "scanner.h"
#include "tree.h"
#include "wire.h"

/* A rebuild's before and after, for the invalidation thread. */
struct inval_job {
	struct dbf_tree *old, *new;
	struct inval_job *next;
};

struct view {
	const struct dbf_options *opts;
	struct fuse_session *se;
	double timeout;			/* entry and attr timeouts, seconds */
	uid_t uid;
	gid_t gid;
	bool shared;			/* mounted allow_other (or allow_root) */
	struct dbf_classes *classes;	/* callers, when shared */
	struct dbf_snapshot *first;	/* the first scan, until mounted */

	pthread_mutex_t lock;
	struct dbf_tree *cur;		/* published; readers take a ref */
	bool failed;			/* the last rebuild failed (said once) */
	struct dbf_interner *interner;	/* receiver only */

	struct dbf_scanner scanner;	/* the process that reads /proc */
	pthread_t recv_thread;		/* reads its frames, builds, publishes */
	bool recv_running;
	pthread_t loop_thread;		/* runs the loop */
	bool lost;			/* the scanner is gone: exit 1 */
	bool ended;			/* the receiver ended the loop */
	int recv_stop[2];		/* closing [1] stops the receiver */
	int signals[2];			/* SIGTERM and co. write to [1] */

	/*
	 * Not shared, directories are opened without OPENDIR (op_init).
	 * A listing not finished yet, kept a while so that its next read
	 * continues it: its directory, and the newest tree that has the
	 * directory as the listing began.
	 */
	bool no_opendir;
	struct kept_listing {
		struct dbf_tree *tree;
		uint64_t dir;
		struct timespec until;	/* CLOCK_MONOTONIC */
	} kept[2];

	pthread_t inval_thread;
	bool inval_running;
	pthread_cond_t inval_cond;
	struct inval_job *jobs, **jobs_tail;
	bool stopping;
};

/*
 * Per open file: the text as it was at open, so reads agree. It is the
 * text of the node's caller class, which alone reads that node's page
 * cache (tree.h).
 */
struct open_text {
	int refs;			/* the open, and each read in flight */
	size_t len;
	char text[];
};

static struct dbf_tree *tree_ref(struct dbf_tree *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
	return t;
}

static void tree_unref(struct dbf_tree *t)
{
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		dbf_tree_free(t);
}

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

/* ---- freshness ---- */

/*
 * The scanner's next frame, over @prev's snapshot. *lost: the scanner is
 * gone or talks nonsense, and no frame will come any more. Otherwise a
 * negative errno is a failed scan (or no memory): that rebuild is lost.
 */
static int read_snapshot(struct view *v, const struct dbf_tree *prev,
			 struct dbf_snapshot **snap, bool *lost)
{
	size_t len;
	char *bytes;
	int r, err;

	*lost = false;
	r = dbf_scanner_read(v->scanner.frames, &bytes, &len, &err);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		*lost = true;
		return r;
	}
	if (err)
		return -err;
	r = dbf_wire_decode(bytes, len, prev ? prev->snap : NULL, snap);
	free(bytes);
	if (r == -EINVAL)
		*lost = true;
	return r;
}

/* The scanner's next frame as a tree over @prev: see read_snapshot(). */
static int build_tree(struct view *v, const struct dbf_tree *prev,
		      struct dbf_tree **out, bool *lost)
{
	struct dbf_snapshot *snap;
	int r = read_snapshot(v, prev, &snap, lost);

	if (r < 0)
		return r;
	return dbf_tree_build(snap, v->interner, prev, v->uid, v->gid, v->shared,
			      v->opts->metrics_top, out);
}

/*
 * One line whenever debugfs stops (or starts again) answering, so falling
 * back to procfs is said once, not at every rebuild. @prev NULL: the first.
 */
static void note_sources(const struct view *v, const struct dbf_snapshot *prev,
			 const struct dbf_snapshot *snap)
{
	int was = prev ? prev->bufinfo_err : 0;

	if (snap->bufinfo_err == was)
		return;
	if (snap->bufinfo_err)
		dbf_log(LOG_NOTICE, "%s/dma_buf/bufinfo: %s; %s",
			v->opts->scan.debugfs_root, strerror(snap->bufinfo_err),
			snap->sources & DBF_SRC_ITER ? "no attachments" :
			snap->sources & DBF_SRC_SYSFS ? "sysfs and procfs only" :
							"procfs only");
	else
		dbf_log(LOG_NOTICE, "%s/dma_buf/bufinfo: readable again",
			v->opts->scan.debugfs_root);
}

/*
 * With v->lock held. A job the thread has not taken yet is stretched to
 * @new rather than followed by another, so that a thread that lags holds
 * two trees, not two per rebuild. What only the tree in between had then
 * expires with the entry and attribute timeouts. The trees let go are
 * put in @out, as in kept_update(); returns how many.
 */
static int inval_push(struct view *v, struct dbf_tree *old, struct dbf_tree *new,
		      struct dbf_tree *out[2])
{
	struct inval_job *j;

	if (v->jobs) {
		/* Then it is the only one waiting. */
		j = v->jobs;
		out[0] = j->new;
		out[1] = old;
		j->new = new;
		return 2;
	}
	j = malloc(sizeof(*j));
	if (!j || !v->inval_running || v->stopping) {
		/* Names then expire with entry_timeout instead. */
		free(j);
		out[0] = old;
		out[1] = new;
		return 2;
	}
	j->old = old;
	j->new = new;
	j->next = NULL;
	*v->jobs_tail = j;
	v->jobs_tail = &j->next;
	pthread_cond_signal(&v->inval_cond);
	return 0;
}

/*
 * The newest finished tree. Requests never wait for a scan: the scanner
 * sends one every refresh interval, and that interval bounds how stale
 * an answer can be (stale while revalidate).
 */
static struct dbf_tree *get_tree(struct view *v)
{
	struct dbf_tree *t;

	pthread_mutex_lock(&v->lock);
	t = tree_ref(v->cur);
	pthread_mutex_unlock(&v->lock);
	return t;
}

/*
 * A listing read without OPENDIR keeps the snapshot it started on for
 * this long after each read, at most two of them: a reader that pauses
 * longer, in a directory whose entries changed meanwhile, continues on
 * the newest snapshot and may miss or repeat entries.
 */
#define KEEP_LISTING_S		5
#define NKEPT			((int)(sizeof(((struct view *)0)->kept) / \
				       sizeof(((struct view *)0)->kept[0])))

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Does @dir list the same in @a and @b? */
static bool same_listing(const struct dbf_tree *a, const struct dbf_tree *b,
			 uint64_t dir)
{
	const struct dbf_dirver *va = dbf_tree_dirver(a, dir);
	const struct dbf_dirver *vb = dbf_tree_dirver(b, dir);

	return va && vb && va->hash == vb->hash;
}

/*
 * After @cur is published, with v->lock held: drop the kept listings
 * whose time is up, and move those whose directory did not change to
 * @cur, so that an older tree stays only while a listing needs it. The
 * trees let go are put in @out for the caller to unref after unlocking
 * (freeing a tree takes a while).
 */
static int kept_update(struct view *v, struct dbf_tree *cur, struct dbf_tree *out[])
{
	struct timespec now;
	int n = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (int k = 0; k < NKEPT; k++) {
		struct kept_listing *l = &v->kept[k];

		if (!l->tree || l->tree == cur)
			continue;
		if (ts_before(&l->until, &now)) {
			out[n++] = l->tree;
			l->tree = NULL;
		} else if (same_listing(l->tree, cur, l->dir)) {
			out[n++] = l->tree;
			l->tree = tree_ref(cur);
		}
	}
	return n;
}

/* The listing of @dir from @t goes on: keep it KEEP_LISTING_S from now. */
static void keep_listing(struct view *v, struct dbf_tree *t, uint64_t dir)
{
	struct dbf_tree *drop = NULL;
	struct timespec now;
	int k, slot = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec += KEEP_LISTING_S;
	pthread_mutex_lock(&v->lock);
	for (k = 0; k < NKEPT; k++) {
		if (v->kept[k].tree == t && v->kept[k].dir == dir)
			break;
		/* a free slot, else the one that runs out first */
		if (v->kept[slot].tree &&
		    (!v->kept[k].tree || ts_before(&v->kept[k].until, &v->kept[slot].until)))
			slot = k;
	}
	if (k == NKEPT) {
		k = slot;
		drop = v->kept[k].tree;
		v->kept[k].tree = tree_ref(t);
		v->kept[k].dir = dir;
	}
	v->kept[k].until = now;
	pthread_mutex_unlock(&v->lock);
	tree_unref(drop);
}

/* 31 bits of @dir's version in @t, which a listing's offsets carry. */
static uint32_t dir_tag(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_dirver *ver = dbf_tree_dirver(t, dir);

	return ver ? (uint32_t)(ver->hash & 0x7fffffff) : 0;
}

/*
 * The tree a read of directory @dir at offset @off continues: the newest,
 * unless the directory changed since the listing began (the offset
 * carries its version) and a kept tree still has it as it was.
 */
static struct dbf_tree *listing_tree(struct view *v, uint64_t dir, off_t off)
{
	uint32_t tag = (uint32_t)((uint64_t)off >> 32);
	struct dbf_tree *t;

	pthread_mutex_lock(&v->lock);
	t = v->cur;
	if (off > 0 && dir_tag(t, dir) != tag) {
		for (int k = 0; k < NKEPT; k++) {
			if (v->kept[k].tree && v->kept[k].dir == dir &&
			    dir_tag(v->kept[k].tree, dir) == tag) {
				t = v->kept[k].tree;
				break;
			}
		}
	}
	tree_ref(t);
	pthread_mutex_unlock(&v->lock);
	return t;
}

/* ---- invalidation, never from a request handler ---- */

/* Stopping, the rest of a diff is left out: the mount goes with it. */
static bool is_stopping(struct view *v)
{
	return __atomic_load_n(&v->stopping, __ATOMIC_RELAXED);
}

static void gone(void *arg, uint64_t parent, const char *name, size_t len)
{
	struct view *v = arg;

	/* -ENOENT: the kernel never looked the name up. Nothing to do. */
	if (!is_stopping(v))
		fuse_lowlevel_notify_inval_entry(v->se, parent, name, len);
}

static void changed(void *arg, uint64_t dir)
{
	struct view *v = arg;

	/* Drops the directory's attributes and its cached listing. */
	if (!is_stopping(v))
		fuse_lowlevel_notify_inval_inode(v->se, dir, 0, 0);
}

static void *inval_main(void *arg)
{
	struct view *v = arg;
	struct inval_job *j;

	pthread_mutex_lock(&v->lock);
	for (;;) {
		while (!v->jobs && !v->stopping)
			pthread_cond_wait(&v->inval_cond, &v->lock);
		if (v->stopping)
			break;
		j = v->jobs;
		v->jobs = j->next;
		if (!v->jobs)
			v->jobs_tail = &v->jobs;
		pthread_mutex_unlock(&v->lock);

		dbf_tree_diff(j->old, j->new, gone, changed, v);
		tree_unref(j->old);
		tree_unref(j->new);
		free(j);

		pthread_mutex_lock(&v->lock);
	}
	while ((j = v->jobs)) {
		v->jobs = j->next;
		tree_unref(j->old);
		tree_unref(j->new);
		free(j);
	}
	v->jobs_tail = &v->jobs;
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

static int inval_start(struct view *v)
{
	sigset_t all, old;
	int r;

	/* Signals belong to the loop's main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&v->inval_thread, NULL, inval_main, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	v->inval_running = true;
	return 0;
}

static void inval_stop(struct view *v)
{
	if (!v->inval_running)
		return;
	pthread_mutex_lock(&v->lock);
	__atomic_store_n(&v->stopping, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&v->inval_cond);
	pthread_mutex_unlock(&v->lock);
	pthread_join(v->inval_thread, NULL);
	v->inval_running = false;
}

/*
 * End the loop, with the invalidation thread stopped first. A notification
 * waits for its directory's lock, which a request there (a LOOKUP) holds
 * until it is answered: once the loop has ended nobody answers, and libfuse
 * even drops requests it has read as it ends. Closing /dev/fuse would not
 * help: the notification's own write keeps the device open.
 */
static void stop_serving(struct view *v)
{
	inval_stop(v);
	v->ended = true;
	fuse_session_exit(v->se);
	/* A signal wakes the loop; it may come just before the loop waits. */
	do
		pthread_kill(v->loop_thread, SIGTERM);
	while (poll(&(struct pollfd){ .fd = v->recv_stop[0], .events = POLLIN }, 1, 100) == 0);
}

/* The receiver: every frame becomes the published tree, in order. */
static void *recv_main(void *arg)
{
	struct view *v = arg;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = v->scanner.frames, .events = POLLIN },
			{ .fd = v->recv_stop[0], .events = POLLIN },
			{ .fd = v->signals[0], .events = POLLIN },
		};
		struct dbf_tree *prev, *t, *old, *expired[NKEPT + 2];
		bool lost;
		int r, nexp = 0;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[2].revents) {
			/* SIGTERM, SIGINT or SIGHUP: unmount and exit 0. */
			stop_serving(v);
			break;
		}
		/* Only this thread replaces v->cur: it stays while we build. */
		prev = get_tree(v);
		r = build_tree(v, prev, &t, &lost);
		tree_unref(prev);
		pthread_mutex_lock(&v->lock);
		if (lost) {
			/*
			 * Only a privileged process can start a scanner, and
			 * none is left: stop with a failure, so that a
			 * supervisor starts a whole new daemon, rather than
			 * serve a snapshot that never changes again.
			 */
			if (!v->stopping) {
				dbf_log(LOG_ERR, "the scanner is gone (%s); stopping",
					r == -EPIPE ? "it exited" : "bad frame");
				v->lost = true;
			}
			pthread_mutex_unlock(&v->lock);
			if (v->lost)
				stop_serving(v);
			break;
		}
		if (r == 0) {
			old = v->cur;
			note_sources(v, old->snap, t->snap);
			v->cur = t;
			v->failed = false;
			nexp = inval_push(v, old, tree_ref(t), expired);
		} else if (!v->failed) {
			/* The previous snapshot keeps being served. */
			dbf_log(LOG_WARNING, "cannot rebuild the view: %s; serving the previous one",
				strerror(-r));
			v->failed = true;
		}
		nexp += kept_update(v, v->cur, expired + nexp);
		pthread_mutex_unlock(&v->lock);
		while (nexp)
			tree_unref(expired[--nexp]);
	}
	return NULL;
}

static int recv_start(struct view *v)
{
	sigset_t all, old;
	int r;

	if (pipe2(v->recv_stop, O_CLOEXEC) < 0)
		return -errno;
	/* Signals belong to the loop's main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&v->recv_thread, NULL, recv_main, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		close(v->recv_stop[0]);
		close(v->recv_stop[1]);
		return -r;
	}
	v->recv_running = true;
	return 0;
}

/* Stop the scanner first, so that the receiver never waits for a frame. */
static void recv_stop(struct view *v)
{
	pthread_mutex_lock(&v->lock);
	__atomic_store_n(&v->stopping, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&v->lock);
	dbf_scanner_kill(&v->scanner);
	if (v->recv_running) {
		close(v->recv_stop[1]);
		pthread_join(v->recv_thread, NULL);
		close(v->recv_stop[0]);
		v->recv_running = false;
	}
	dbf_scanner_stop(&v->scanner);
}

/* ---- requests ---- */

static struct view *req_view(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Who asks, by fsuid and fsgid, which procfs checks too. */
static struct dbf_caller req_caller(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return dbf_caller(ctx->uid, ctx->gid);
}

/* The caller class whose buffer nodes a request gets (tree.h). */
static uint16_t req_class(struct view *v, fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	if (!v->shared)
		return DBF_CLASS_ROOT;
	return dbf_class_of(v->classes, ctx->uid, ctx->gid);
}

static void fill_entry(struct view *v, const struct dbf_tree *t,
		       struct fuse_entry_param *e, uint64_t node,
		       const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->ino = node;
	e->generation = dbf_tree_generation(t, node);
	e->attr = *st;
	e->attr_timeout = v->timeout;
	e->entry_timeout = v->timeout;
	/*
	 * Shared, every caller class has its own node for a buffer. A name
	 * that expired at once is looked up again at every path walk, with
	 * the walker's credentials, so each walk ends on the walker's node
	 * and never on one another caller's walk left in the dentry cache.
	 */
	if (v->shared && dbf_node_kind(node) == DBF_KIND_BUF)
		e->entry_timeout = 0;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct view *v = userdata;

	/*
	 * Not shared, every caller gets the same listing. Answering OPENDIR
	 * with ENOSYS once makes the kernel (5.1 on) open directories
	 * without asking, and cache their listings (FOPEN_CACHE_DIR and
	 * FOPEN_KEEP_CACHE) until the directory's mtime moves or it is
	 * invalidated (changed()): a warm walk costs no round trip at all.
	 * Shared, pid and cgroup directories list per caller and must not
	 * be cached, so OPENDIR stays.
	 */
	v->no_opendir = !v->shared && (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
	/* Names come and go with processes; no writeback, no locks. */
	conn->want &= ~(unsigned int)(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_POSIX_LOCKS |
				      FUSE_CAP_FLOCK_LOCKS);
	/*
	 * Attributes cost nothing here, and a listing that switches to plain
	 * readdir after its first page makes the kernel look up every later
	 * name one by one (du, find and ls -l stat them all).
	 */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want &= ~(unsigned int)FUSE_CAP_READDIRPLUS_AUTO;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct view *v = req_view(req);
	struct dbf_caller caller = req_caller(req);
	struct dbf_tree *t = get_tree(v);
	struct fuse_entry_param e;
	struct stat st;
	uint64_t node;
	bool mine;	/* the answer is the caller's own */
	int r;

	/* The kernel's mode check may have run on attributes it cached earlier. */
	r = dbf_tree_may_enter(t, parent, &caller);
	if (r == 0)
		r = dbf_tree_lookup(t, parent, name, &caller, &node, &st);
	if (r == 0) {
		node = dbf_node_for(node, req_class(v, req));
		fill_entry(v, t, &e, node, &st);
	}
	mine = dbf_tree_per_caller(t, parent);
	tree_unref(t);
	/*
	 * A negative entry, cached for one refresh interval; but not where
	 * the answer was this caller's alone: ENOENT as an error leaves the
	 * kernel nothing to reuse for the next caller.
	 */
	if (r == -ENOENT && !mine) {
		memset(&e, 0, sizeof(e));
		e.entry_timeout = v->timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fuse_reply_entry(req, &e);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	/*
	 * Node ids are derived from keys (and caller classes, which live as
	 * long as the mount): there is nothing to release.
	 */
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct view *v = req_view(req);
	struct dbf_tree *t = get_tree(v);
	struct stat st;
	int r;

	(void)fi;
	r = dbf_tree_getattr(t, ino, &st);
	tree_unref(t);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, v->timeout);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct view *v = req_view(req);
	struct dbf_caller caller = req_caller(req);
	uint16_t cls = dbf_node_class(ino);
	struct dbf_tree *t;
	struct open_text *o;
	char *text;
	size_t len;
	int r;

	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	/*
	 * Shared, a buffer's text is its node's class's, whoever opens it:
	 * reads from a private mmap keep the pages in the node's page cache,
	 * where that class's later mappings find them. A walk always ends on
	 * the walker's own node; anyone else but root (a process that
	 * changed credentials on a file it had resolved) is refused.
	 */
	if (v->shared && dbf_node_kind(ino) == DBF_KIND_BUF) {
		uint16_t mine = req_class(v, req);

		if (mine != DBF_CLASS_ROOT && mine != cls) {
			fuse_reply_err(req, EACCES);
			return;
		}
		caller = dbf_class_caller(v->classes, cls);
	}
	t = get_tree(v);
	r = dbf_render(t, ino, &caller, &text, &len);
	tree_unref(t);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	o = malloc(sizeof(*o) + len);
	if (!o) {
		free(text);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	o->refs = 1;
	o->len = len;
	memcpy(o->text, text, len);
	free(text);
	fi->fh = (uintptr_t)o;
	/* The text is not st_size bytes long: bypass the page cache. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 0;
	if (fuse_reply_open(req, fi) == -ENOENT)
		free(o);	/* the opener was interrupted */
}

static void text_unref(struct open_text *o)
{
	if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(o);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct open_text *o = (struct open_text *)(uintptr_t)fi->fh;
	const char *text = o->text;
	size_t len = o->len;

	(void)ino;
	/*
	 * Direct reads and those that fill the page cache (a private mmap)
	 * get the same text: the node's page cache is its class's alone.
	 */
	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	/*
	 * The reader may close once the kernel has the reply, before
	 * fuse_reply_buf() returns here: release must not free it under us.
	 */
	__atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
	fuse_reply_buf(req, text + off, size);
	text_unref(o);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	text_unref((struct open_text *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/*
 * How many entries @ino has for @caller, who may enter it; else the
 * error is the reply, @t is let go and the result is negative.
 */
static long enter_dir(fuse_req_t req, struct dbf_tree *t, fuse_ino_t ino,
		      const struct dbf_caller *caller)
{
	long n = dbf_tree_may_enter(t, ino, caller);

	if (n == 0)
		n = dbf_tree_nchildren(t, ino);
	if (n < 0) {
		tree_unref(t);
		fuse_reply_err(req, (int)-n);
	}
	return n;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dbf_caller caller = req_caller(req);
	struct dbf_tree *t;
	const struct dbf_dirver *ver;

	/* Once: the kernel sends no OPENDIR after this (op_init). */
	if (req_view(req)->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	t = get_tree(req_view(req));
	/* The kernel's mode check may have run on attributes it cached earlier. */
	if (enter_dir(req, t, ino, &caller) < 0)
		return;
	/*
	 * The handle keeps nothing: every read lists from the newest tree
	 * (do_readdir), so an open directory holds no snapshot, however
	 * long it stays open.
	 */
	fi->fh = 0;
	/*
	 * Let the kernel cache the listing. Keep what it cached only if the
	 * entries did not change in this snapshot; an older change shows in
	 * the directory's mtime, which the kernel checks before reusing it.
	 */
	ver = dbf_tree_dirver(t, ino);
	fi->cache_readdir = 1;
	fi->keep_cache = ver && !ver->changed;
	/*
	 * Shared, a pid or cgroup directory answers each caller its own way,
	 * and its mtime does not follow its entries (tree.c).
	 */
	if (dbf_tree_per_caller(t, ino))
		fi->cache_readdir = fi->keep_cache = 0;
	tree_unref(t);
	fuse_reply_open(req, fi);
}

/*
 * Offsets: 0 is ".", 1 is "..". Without OPENDIR (a mount that is not
 * shared), 2 + i is child i in the low 32 bits, with the directory's tag
 * above them, which finds the kept tree the listing began in. With
 * OPENDIR, an entry's offset is 3 + its key (dbf_tree_key()), and a read
 * goes on at the first entry with a greater key in the newest tree: an
 * entry there all along comes exactly once, and an offset says which
 * entry it follows and nothing else, not even, on a shared mount, what
 * other callers see around it. Each entry carries the offset of the next
 * one, as readdir expects.
 */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct view *v = req_view(req);
	struct dbf_caller caller = req_caller(req);
	uint16_t cls = plus ? req_class(v, req) : DBF_CLASS_ROOT;
	bool keyed = !v->no_opendir;
	struct dbf_tree *t;
	char *buf, name[256];
	uint64_t tag = 0;
	size_t pos = 0;
	long i, n;

	(void)fi;
	if (off < 0)
		off = 0;
	/*
	 * With OPENDIR, the newest tree, at offset 0 above all: a listing
	 * the kernel caches under the directory's current mtime is never
	 * one from an older snapshot.
	 */
	t = keyed ? get_tree(v) : listing_tree(v, ino, off);
	n = enter_dir(req, t, ino, &caller);
	if (n < 0)
		return;
	if (!keyed)
		tag = (uint64_t)dir_tag(t, ino) << 32;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	if (off < 2)
		i = (long)off;
	else if (keyed)
		i = 2 + (long)dbf_tree_seek(t, ino, (uint64_t)off - 2);
	else
		i = (long)(off & 0xffffffff);
	for (; i < n + 2; i++) {
		struct fuse_entry_param e;
		struct stat st;
		uint64_t node;
		off_t next;
		size_t len;

		next = keyed && i >= 2 ? (off_t)(3 + dbf_tree_key(t, ino, (size_t)(i - 2))) :
					 (off_t)(tag | (uint64_t)(i + 1));
		if (i < 2) {
			node = i == 0 ? ino : dbf_tree_parent(t, ino);
			if (dbf_tree_getattr(t, node, &st) < 0)
				continue;
			strcpy(name, i == 0 ? "." : "..");
		} else if (dbf_tree_child(t, ino, (size_t)(i - 2), &caller,
					  name, &node, &st) != 0) {
			continue;
		}
		if (plus) {
			/* The reader's own nodes, as its lookups would give. */
			fill_entry(v, t, &e, dbf_node_for(node, cls), &st);
			if (i < 2)
				e.ino = 0;	/* the kernel keeps no entry for these */
			len = fuse_add_direntry_plus(req, buf + pos, size - pos, name,
						     &e, next);
		} else {
			len = fuse_add_direntry(req, buf + pos, size - pos, name, &st,
						next);
		}
		if (len > size - pos)
			break;
		pos += len;
	}
	/* Before the reply, which the next read may follow at once. */
	if (!keyed && i < n + 2)
		keep_listing(v, t, ino);
	fuse_reply_buf(req, buf, pos);
	free(buf);
out:
	tree_unref(t);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct dbf_tree *t = get_tree(req_view(req));
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	/* df shows the dma-buf memory in use; nothing is free. */
	sv.f_bsize = 4096;
	sv.f_frsize = 512;
	sv.f_blocks = (fsblkcnt_t)((t->snap->total_bytes + 511) / 512);
	sv.f_files = (fsfilcnt_t)t->snap->nbufs;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY;
	tree_unref(t);
	fuse_reply_statfs(req, &sv);
}

/* Nothing has extended attributes; ENOSYS makes the kernel stop asking. */
static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	fuse_reply_err(req, ENOSYS);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	(void)size;
	fuse_reply_err(req, ENOSYS);
}

/* Every change is refused; the ro mount already stops most of them. */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	(void)ino;
	(void)attr;
	(void)to_set;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	fuse_reply_err(req, EROFS);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	(void)parent;
	(void)name;
	(void)mode;
	fuse_reply_err(req, EROFS);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	(void)parent;
	(void)name;
	(void)newparent;
	(void)newname;
	(void)flags;
	fuse_reply_err(req, EROFS);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EROFS);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	(void)ino;
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	fuse_reply_err(req, EROFS);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static const struct fuse_lowlevel_ops view_ops = {
	.init		= op_init,
	.lookup		= op_lookup,
	.forget		= op_forget,
	.forget_multi	= op_forget_multi,
	.getattr	= op_getattr,
	.setattr	= op_setattr,
	.mknod		= op_mknod,
	.mkdir		= op_mkdir,
	.unlink		= op_unlink,
	.rmdir		= op_unlink,
	.symlink	= op_symlink,
	.rename		= op_rename,
	.link		= op_link,
	.create		= op_create,
	.open		= op_open,
	.read		= op_read,
	.write		= op_write,
	.release	= op_release,
	.opendir	= op_opendir,
	.readdir	= op_readdir,
	.readdirplus	= op_readdirplus,
	.statfs		= op_statfs,
	.setxattr	= op_setxattr,
	.getxattr	= op_getxattr,
	.listxattr	= op_listxattr,
	.removexattr	= op_removexattr,
};

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
 * Mount, go to the background, and serve as the service user with no
 * capability at all and the server's seccomp filter: the scanner (already
 * running) reads /proc, the watcher unmounts. @privs NULL: keep ours.
 */
static int run(struct view *v, struct dbf_options *o, const struct dbf_privs *privs)
{
	char *mopts = NULL, *mp = NULL;
	char *argv[5];
	struct fuse_args args;
	struct dbf_watcher watcher = { .pid = -1, .fd = -1 };
	int argc = 0, r, ret = 1;

	/* Ours come last so a user's -o cannot make the mount writable. */
	if (asprintf(&mopts, "%s%sro,default_permissions,fsname=dmabuffs,subtype=dmabuffs",
		     o->fuse_opts ? o->fuse_opts : "", o->fuse_opts ? "," : "") < 0)
		return fail("out of memory");
	argv[argc++] = "dmabuffs";
	argv[argc++] = "-o";
	argv[argc++] = mopts;
	if (o->debug)
		argv[argc++] = "-d";
	argv[argc] = NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);

	v->se = fuse_session_new(&args, &view_ops, sizeof(view_ops), v);
	if (!v->se) {
		ret = fail("%s", fuse_last_error());
		goto out;
	}
	r = signals_catch(v);
	if (r < 0) {
		ret = fail("cannot install signal handlers: %s", strerror(-r));
		goto out_destroy;
	}
	if (access("/dev/fuse", F_OK) < 0) {
		ret = fail("/dev/fuse: %s (is the fuse module loaded?)", strerror(errno));
		goto out_signals;
	}
	if (o->no_drop)
		dbf_log(LOG_WARNING, "--no-drop: serving with every privilege of uid %d",
			(int)geteuid());
	/* Resolved before: on the mount it would wait for the loop. */
	mp = realpath(o->mountpoint, NULL);
	r = mp ? 0 : -errno;
	if (fuse_session_mount(v->se, o->mountpoint) < 0) {
		ret = fail("cannot mount %s: %s", o->mountpoint, fuse_last_error());
		goto out_signals;
	}
	if (r == 0)
		r = mount_shared(mp, &v->shared);
	if (r < 0) {
		/* Per caller, no caller can get what is another's. */
		dbf_log(LOG_WARNING, "cannot read the options of %s back (%s); serving it as shared",
			o->mountpoint, strerror(-r));
		v->shared = true;
	}
	/* The first tree is built now that the mount says what it is. */
	r = dbf_tree_build(v->first, v->interner, NULL, v->uid, v->gid, v->shared,
			   v->opts->metrics_top, &v->cur);
	v->first = NULL;
	if (r < 0) {
		ret = fail("cannot build the view: %s", strerror(-r));
		goto out_unmount;
	}
	dbf_notify_ready();
	/* Said once, after the mount, so that errors stay one line. */
	note_sources(v, NULL, v->cur->snap);
	if (fuse_daemonize(o->foreground) < 0) {
		ret = fail("cannot go to the background");
		goto out_unmount;
	}
	log_capture = false;
	if (!o->foreground)
		dbf_log_to_syslog();
	dbf_log(LOG_INFO, "serving %s (dmabuffs %s)", o->mountpoint, DMABUFFS_VERSION);
	/* Before any other thread starts: capabilities are per thread. */
	if (privs && (dbf_watcher_start(o->mountpoint, &watcher) < 0 ||
		      dbf_privs_drop(privs, 0) < 0 || dbf_sandbox_server() < 0))
		goto out_unmount;
	v->loop_thread = pthread_self();
	/* Before the receiver, which may stop it at once. */
	if (inval_start(v) < 0)
		dbf_log(LOG_WARNING, "no invalidation thread; names expire after %u ms",
			o->refresh_ms);
	r = recv_start(v);
	if (r < 0) {
		ret = fail("cannot start the receiver: %s", strerror(-r));
		goto out_unmount;
	}

	r = serve(v);
	/* The receiver first: it may still be ending the loop. */
	recv_stop(v);
	if (v->lost)
		ret = 1;	/* said by the receiver */
	else if (r < 0 && !v->ended)
		ret = fail("serving %s: %s", o->mountpoint, strerror(-r));
	else
		ret = 0;
out_unmount:
	recv_stop(v);
	inval_stop(v);
	if (watcher.pid > 0) {
		dbf_watcher_unmount(&watcher);
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
out_signals:
	signals_release(v);
out_destroy:
	fuse_session_destroy(v->se);
out:
	fuse_opt_free_args(&args);
	free(mopts);
	free(mp);
	return ret;
}

int dbf_view_run(const struct dbf_options *opts)
{
	struct dbf_options o = *opts;
	char *proc = NULL, *debugfs = NULL, *sysfs = NULL;
	struct view v = {
		.opts = &o,
		.timeout = opts->refresh_ms / 1000.0,
		.uid = getuid(),
		.gid = getgid(),
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.inval_cond = PTHREAD_COND_INITIALIZER,
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
	int r, ret = 1;

	v.jobs_tail = &v.jobs;
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
	    absolute(&o.scan.sysfs_root, &sysfs) < 0) {
		ret = fail("out of memory");
		goto out;
	}
	if (check_mountpoint(o.mountpoint))
		goto out;
	if (drop && dbf_privs_lookup(o.user, &privs) < 0)
		goto out;

	v.interner = dbf_interner_new();
	v.classes = dbf_classes_new(DBF_CLASS_MAX);
	if (!v.interner || !v.classes) {
		ret = fail("out of memory");
		goto out;
	}
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
		goto out;
	r = read_snapshot(&v, NULL, &v.first, &lost);
	if (r < 0) {
		int status = dbf_scanner_stop(&v.scanner);
		char how[64];

		dbf_scanner_describe(status, how, sizeof(how));
		if (lost)
			ret = fail("the scanner exited before its first scan (%s)", how);
		else
			ret = fail("cannot scan %s: %s", o.scan.proc_root, strerror(-r));
		goto out;
	}

	ret = run(&v, &o, drop ? &privs : NULL);
	recv_stop(&v);
out:
	for (int k = 0; k < NKEPT; k++)
		tree_unref(v.kept[k].tree);
	tree_unref(v.cur);
	dbf_snapshot_free(v.first);
	dbf_interner_free(v.interner);
	dbf_classes_free(v.classes);
	free(proc);
	free(debugfs);
	free(sysfs);
	return ret;
}
