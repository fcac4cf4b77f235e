/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FUSE view, private to fuse/serve/: serves fuse/tree/ over the
 * low-level API, keeps the snapshot fresh, and tells the kernel which
 * names vanished. receive.c reads the scanner's snapshots and publishes
 * them, listing.c keeps listings that span requests, inval.c sends the
 * kernel what changed, ops.c answers requests, lifecycle.c mounts, runs
 * and unmounts.
 */
#ifndef DMABUFFS_SERVE_H
#define DMABUFFS_SERVE_H

#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 12)

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "options.h"
#include "scanner.h"
#include "tree.h"

/* A rebuild's before and after, for the invalidation thread. */
struct inval_job {
	struct dbf_tree *old, *new;
	struct inval_job *next;
};

/* /dmabuf/events (stream.c): its ring and its readers. */
struct view_reader;
struct view_stream {
	pthread_mutex_t lock;		/* guards all but nreaders */
	struct line **ring;		/* cap lines, the newest at head - 1 */
	unsigned int cap;
	uint64_t head;			/* lines pushed since mount */
	struct view_reader *readers;
	unsigned int nreaders;		/* atomic: the receiver skips work at 0 */
	struct dbf_evmerge *merge;	/* traced events and scans as one */
	struct dbf_counters *counters;	/* of the merged events */
	bool ended;			/* unmounting: reads end (EOF), none waits */
};

/* Readers one user may have open at once (root: no limit). */
#define DBF_STREAM_READERS_PER_USER	64
/* The most one read returns (a reader asks for 128 KiB at most, as a rule). */
#define DBF_STREAM_READ_MAX		(1U << 20)

/*
 * Who writes what. lifecycle.c runs on the main thread, which becomes the
 * loop's; the receiver and the invalidation thread are receive.c's and
 * inval.c's. A field no comment marks is set by lifecycle.c before any
 * other thread starts, and only read after.
 */
struct view {
	const struct dbf_options *opts;
	struct fuse_session *se;
	double timeout;			/* entry and attr timeouts, seconds */
	uid_t uid;
	gid_t gid;
	bool shared;			/* mounted allow_other (or allow_root) */
	struct dbf_classes *classes;	/* callers, when shared */
	struct dbf_snapshot *first;	/* the first scan, until mounted */
	pthread_t loop_thread;		/* runs the loop */
	int signals[2];			/* SIGTERM and co. write to [1] */

	/* op_init(), which libfuse runs before any other request. */
	bool no_opendir;		/* directories open without OPENDIR */

	/*
	 * lock guards cur and kept[]. Only the receiver replaces cur;
	 * readers take a ref. ops.c keeps listings in kept[], the receiver
	 * moves them on to a new tree or lets them go (listing.c).
	 */
	pthread_mutex_t lock;
	struct dbf_tree *cur;		/* published */
	/*
	 * With the trace source and no reader of events the scanner scans
	 * on demand: a request that finds the last frame older than the
	 * refresh interval asks for a scan and waits (view_tree_fresh()).
	 */
	pthread_cond_t fresh;		/* a frame came: CLOCK_MONOTONIC */
	uint64_t frames;		/* frames received, failed scans too */
	uint64_t frame_ns;		/* when the last one came */
	bool asked;			/* for a scan, since that frame */
	/*
	 * A listing not finished yet, kept a while so that its next read
	 * continues it: its directory, and the newest tree that has the
	 * directory as the listing began.
	 */
	struct kept_listing {
		struct dbf_tree *tree;
		uint64_t dir;
		struct timespec until;	/* CLOCK_MONOTONIC */
	} kept[2];

	/*
	 * The receiver's. lifecycle.c starts the scanner and builds the
	 * first tree with the interner before the receiver runs; it ends
	 * the scanner and reads lost and ended as it joins the receiver
	 * (view_recv_stop()).
	 */
	struct dbf_scanner scanner;	/* the process that reads /proc */
	struct dbf_interner *interner;
	bool failed;			/* the last rebuild failed (said once) */
	bool lost;			/* the scanner is gone: exit 1 */
	bool ended;			/* the receiver ended the loop */

	/* Every change, for the readers of /dmabuf/events: its own lock. */
	struct view_stream stream;

	/* Main thread, through view_recv_start() and view_recv_stop(). */
	pthread_t recv_thread;		/* reads frames, builds, publishes */
	bool recv_running;
	int recv_stop[2];		/* closing [1] asks the receiver to stop */

	/*
	 * inval.c's queue, its own lock: the receiver pushes, the thread
	 * takes. The receiver starts and stops the thread, so that it is
	 * gone before the receiver ends the loop (stop_serving()).
	 */
	struct {
		pthread_mutex_t lock;	/* guards jobs, tail and stopping */
		pthread_cond_t cond;
		struct inval_job *jobs, **tail;
		/* false to true once, by the receiver (view_inval_stop()) */
		bool stopping;
		pthread_t thread;
		bool running;		/* the receiver's */
	} inval;
};

static inline struct dbf_tree *tree_ref(struct dbf_tree *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
	return t;
}

static inline void tree_unref(struct dbf_tree *t)
{
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		dbf_tree_free(t);
}

/* The listings kept for reads without OPENDIR (listing.c). */
#define NKEPT			((int)(sizeof(((struct view *)0)->kept) / \
				       sizeof(((struct view *)0)->kept[0])))

/* receive.c */
struct dbf_tree *view_tree(struct view *v);
/* The same for a request, which waits for a scan where that is due (above). */
struct dbf_tree *view_tree_fresh(struct view *v);
int view_read_snapshot(struct view *v, const struct dbf_tree *prev,
		       struct dbf_snapshot **snap, bool *lost);
void view_note_sources(const struct view *v, const struct dbf_snapshot *prev,
		       const struct dbf_snapshot *snap);
int view_recv_start(struct view *v);
void view_recv_stop(struct view *v);

/* listing.c */
uint32_t view_dir_tag(const struct dbf_tree *t, uint64_t dir);
struct dbf_tree *view_listing_tree(struct view *v, uint64_t dir, off_t off);
void view_keep_listing(struct view *v, struct dbf_tree *t, uint64_t dir);
int view_kept_update(struct view *v, struct dbf_tree *cur, struct dbf_tree *out[]);

/* inval.c */
int view_inval_push(struct view *v, struct dbf_tree *old, struct dbf_tree *new,
		    struct dbf_tree *out[2]);
int view_inval_start(struct view *v);
void view_inval_stop(struct view *v);

/* stream.c */
/* @cap lines; counters with at most @cgroups cgroup rows. */
int view_stream_init(struct view_stream *s, unsigned int cap, unsigned int cgroups);
void view_stream_free(struct view_stream *s);
/* A reader for caller @c (fsuid @uid), from now on; -EMFILE past the cap. */
int view_stream_open(struct view *v, const struct dbf_caller *c, uid_t uid,
		     struct view_reader **out);
void view_stream_release(struct view *v, struct view_reader *r);
/* Answer now, or (unless @nonblock: EAGAIN) once there is a line for @r. */
void view_stream_read(struct view *v, struct view_reader *r, fuse_req_t req,
		      size_t size, bool nonblock);
void view_stream_poll(struct view *v, struct view_reader *r, fuse_req_t req,
		      struct fuse_pollhandle *ph);
/*
 * The receiver, after each rebuild: the changes from @a to @b, counted,
 * and their lines kept in @lines (for readers, after the tree that shows
 * them is published: view_stream_push()). 0 or a negative errno.
 */
struct view_lines {
	struct line **l;
	size_t n, cap;
};
int view_stream_merge(struct view *v, const struct dbf_snapshot *a,
		      const struct dbf_snapshot *b, struct view_lines *lines);
void view_stream_push(struct view *v, struct view_lines *lines);
/* The counts of every event merged so far, or NULL without memory. */
struct dbf_counts *view_stream_counts(struct view *v);
/*
 * The receiver, for an events frame (@len bytes at @p) that came after
 * snapshot @cur: each traced event that is news. -EINVAL for a frame
 * that is not one, else 0.
 */
int view_stream_trace(struct view *v, const struct dbf_snapshot *cur, const void *p,
		      size_t len);
/* Unmounting: what readers have left, then the end of the stream. */
void view_stream_end(struct view *v);

/* ops.c */
extern const struct fuse_lowlevel_ops view_ops;

#endif
