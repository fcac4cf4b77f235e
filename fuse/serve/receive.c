// SPDX-License-Identifier: GPL-2.0-only
/*
 * The receiver: a thread that reads the scanner's snapshots, builds each
 * into a tree over the last one, and publishes it.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "wire.h"

/*
 * The scanner's next snapshot, over @prev's; traced events that come
 * before it go to the event stream on the way. *lost: the scanner is
 * gone or talks nonsense, and no frame will come any more. Otherwise a
 * negative errno is a failed scan (or no memory): that rebuild is lost.
 */
int view_read_snapshot(struct view *v, const struct dbf_tree *prev,
		       struct dbf_snapshot **snap, bool *lost)
{
	uint32_t type;
	size_t len;
	char *bytes;
	int r, err;

	*lost = false;
	for (;;) {
		r = dbf_scanner_read(v->scanner.frames, &type, &bytes, &len, &err);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			*lost = true;
			return r;
		}
		if (err)
			return -err;
		if (type == DBF_WIRE_SNAPSHOT)
			break;
		r = view_stream_trace(v, prev ? prev->snap : NULL, bytes, len);
		free(bytes);
		if (r == -EINVAL) {
			*lost = true;
			return r;
		}
	}
	r = dbf_wire_decode(bytes, len, prev ? prev->snap : NULL, snap);
	free(bytes);
	if (r == -EINVAL)
		*lost = true;
	return r;
}

/* The scanner's next frame as a tree over @prev: see view_read_snapshot(). */
static int build_tree(struct view *v, const struct dbf_tree *prev,
		      struct dbf_tree **out, bool *lost)
{
	struct dbf_snapshot *snap;
	int r = view_read_snapshot(v, prev, &snap, lost);

	if (r < 0)
		return r;
	return dbf_tree_build(snap, v->interner, prev, v->uid, v->gid, v->shared,
			      v->opts->metrics_top, out);
}

/*
 * One line whenever debugfs stops (or starts again) answering, so falling
 * back to procfs is said once, not at every rebuild. @prev NULL: the first.
 */
void view_note_sources(const struct view *v, const struct dbf_snapshot *prev,
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
 * The newest finished tree. Requests take it as it is (view_tree_fresh()
 * waits only where scans are on demand): the scanner sends one every
 * refresh interval, which bounds how stale an answer can be.
 */
struct dbf_tree *view_tree(struct view *v)
{
	struct dbf_tree *t;

	pthread_mutex_lock(&v->lock);
	t = tree_ref(v->cur);
	pthread_mutex_unlock(&v->lock);
	return t;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The most a request waits for the scan it asked for. */
#define FRESH_WAIT_NS	(2 * 1000000000ull)

struct dbf_tree *view_tree_fresh(struct view *v)
{
	uint64_t refresh = (uint64_t)v->opts->refresh_ms * 1000000u, now = mono_ns();
	struct dbf_tree *t;

	pthread_mutex_lock(&v->lock);
	/*
	 * Only the trace source scans on demand, and not while events are
	 * read: the scanner then scans every interval anyway.
	 */
	if (v->recv_running && !v->ended && v->cur->snap->trace.len &&
	    !__atomic_load_n(&v->stream.nreaders, __ATOMIC_ACQUIRE) &&
	    now - v->frame_ns > refresh) {
		uint64_t seen = v->frames, until = now + FRESH_WAIT_NS;
		struct timespec ts = { (time_t)(until / 1000000000u), (long)(until % 1000000000u) };

		if (!v->asked) {
			v->asked = true;
			dbf_scanner_ask(&v->scanner, DBF_SCAN_NOW);
		}
		/* Past the wait (a stuck scan), the last view is served. */
		while (v->frames == seen && !v->ended &&
		       pthread_cond_timedwait(&v->fresh, &v->lock, &ts) != ETIMEDOUT)
			;
	}
	t = tree_ref(v->cur);
	pthread_mutex_unlock(&v->lock);
	return t;
}

/* Has lifecycle.c asked us to stop (closed recv_stop[1]), within @ms? */
static bool stop_asked(const struct view *v, int ms)
{
	return poll(&(struct pollfd){ .fd = v->recv_stop[0], .events = POLLIN }, 1, ms) > 0;
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
	view_inval_stop(v);
	view_stream_end(v);
	pthread_mutex_lock(&v->lock);
	v->ended = true;
	pthread_cond_broadcast(&v->fresh);
	pthread_mutex_unlock(&v->lock);
	fuse_session_exit(v->se);
	/* A signal wakes the loop; it may come just before the loop waits. */
	do
		pthread_kill(v->loop_thread, SIGTERM);
	while (!stop_asked(v, 100));
}

/*
 * After each frame: @t, NULL when the rebuild failed, becomes the
 * published tree, and the kept listings move on to it or expire.
 */
static void publish(struct view *v, struct dbf_tree *t)
{
	struct dbf_tree *old, *expired[NKEPT + 2];
	struct view_lines lines = { 0 };
	int nexp;

	if (t) {
		/*
		 * The tree carries the counts of its own changes; their lines
		 * go out once it is published, so a reader who looks finds
		 * what a line tells.
		 */
		view_stream_merge(v, v->cur->snap, t->snap, &lines);
		t->counts = view_stream_counts(v);
	}
	pthread_mutex_lock(&v->lock);
	old = v->cur;
	if (t)
		v->cur = t;
	nexp = view_kept_update(v, v->cur, expired);
	/* A failed scan too: a request waiting for it gets the last view. */
	v->frames++;
	v->frame_ns = mono_ns();
	v->asked = false;
	pthread_cond_broadcast(&v->fresh);
	pthread_mutex_unlock(&v->lock);
	if (t) {
		view_note_sources(v, old->snap, t->snap);
		view_stream_push(v, &lines);
		nexp += view_inval_push(v, old, tree_ref(t), expired + nexp);
	}
	while (nexp)
		tree_unref(expired[--nexp]);
}

/* The receiver: every frame becomes the published tree, in order. */
static void *recv_main(void *arg)
{
	struct view *v = arg;

	if (view_inval_start(v) < 0)
		dbf_log(LOG_WARNING, "no invalidation thread; names expire after %u ms",
			v->opts->refresh_ms);
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = v->scanner.frames, .events = POLLIN },
			{ .fd = v->recv_stop[0], .events = POLLIN },
			{ .fd = v->signals[0], .events = POLLIN },
		};
		struct dbf_tree *prev, *t = NULL;
		bool lost;
		int r;

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
		prev = view_tree(v);
		r = build_tree(v, prev, &t, &lost);
		tree_unref(prev);
		/* Asked to stop, the scanner is killed: its end is no news. */
		if (stop_asked(v, 0)) {
			if (r == 0)
				tree_unref(t);
			break;
		}
		if (lost) {
			/*
			 * Only a privileged process can start a scanner, and
			 * none is left: stop with a failure, so that a
			 * supervisor starts a whole new daemon, rather than
			 * serve a snapshot that never changes again.
			 */
			dbf_log(LOG_ERR, "the scanner is gone (%s); stopping",
				r == -EPIPE ? "it exited" : "bad frame");
			v->lost = true;
			stop_serving(v);
			break;
		}
		if (r < 0 && !v->failed)
			/* The previous snapshot keeps being served. */
			dbf_log(LOG_WARNING, "cannot rebuild the view: %s; serving the previous one",
				strerror(-r));
		v->failed = r < 0;
		publish(v, r == 0 ? t : NULL);
	}
	view_inval_stop(v);
	return NULL;
}

int view_recv_start(struct view *v)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	if (pipe2(v->recv_stop, O_CLOEXEC) < 0)
		return -errno;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->fresh, &ca);
	pthread_condattr_destroy(&ca);
	/* The first tree was the last frame; nobody reads events yet. */
	v->frame_ns = mono_ns();
	dbf_scanner_ask(&v->scanner, DBF_SCAN_UNWATCHED);
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

/*
 * Ask first, then kill the scanner, so that the receiver never waits for
 * a frame and knows the scanner's end for what it is.
 */
void view_recv_stop(struct view *v)
{
	if (v->recv_running) {
		close(v->recv_stop[1]);
		dbf_scanner_kill(&v->scanner);
		pthread_join(v->recv_thread, NULL);
		pthread_cond_destroy(&v->fresh);
		close(v->recv_stop[0]);
		v->recv_running = false;
	}
	dbf_scanner_stop(&v->scanner);
}
