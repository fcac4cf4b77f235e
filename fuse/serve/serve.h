/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FUSE view, private to fuse/serve/: serves fuse/tree.c over the
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

/* ops.c */
extern const struct fuse_lowlevel_ops view_ops;

#endif
