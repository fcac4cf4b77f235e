// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invalidation, never from a request handler: a thread diffs each
 * rebuild's trees and tells the kernel which names vanished.
 */
#include "serve.h"

#include <stdlib.h>

/*
 * The receiver's, after each rebuild. A job the thread has not taken yet
 * is stretched to @new rather than followed by another, so that a thread
 * that lags holds two trees, not two per rebuild. What only the tree in
 * between had then expires with the entry and attribute timeouts. The
 * trees let go are put in @out, for the caller to unref; returns how many.
 */
int view_inval_push(struct view *v, struct dbf_tree *old, struct dbf_tree *new,
		    struct dbf_tree *out[2])
{
	struct inval_job *j;
	int n = 0;

	pthread_mutex_lock(&v->inval.lock);
	if (v->inval.jobs) {
		/* Then it is the only one waiting. */
		j = v->inval.jobs;
		out[n++] = j->new;
		out[n++] = old;
		j->new = new;
	} else if (v->inval.running && !v->inval.stopping &&
		   (j = malloc(sizeof(*j)))) {
		j->old = old;
		j->new = new;
		j->next = NULL;
		*v->inval.tail = j;
		v->inval.tail = &j->next;
		pthread_cond_signal(&v->inval.cond);
	} else {
		/* Names then expire with entry_timeout instead. */
		out[n++] = old;
		out[n++] = new;
	}
	pthread_mutex_unlock(&v->inval.lock);
	return n;
}

/* Stopping, the rest of a diff is left out: the mount goes with it. */
static bool is_stopping(struct view *v)
{
	return __atomic_load_n(&v->inval.stopping, __ATOMIC_RELAXED);
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

static void job_free(struct inval_job *j)
{
	tree_unref(j->old);
	tree_unref(j->new);
	free(j);
}

static void *inval_main(void *arg)
{
	struct view *v = arg;
	struct inval_job *j;

	pthread_mutex_lock(&v->inval.lock);
	for (;;) {
		while (!v->inval.jobs && !v->inval.stopping)
			pthread_cond_wait(&v->inval.cond, &v->inval.lock);
		if (v->inval.stopping)
			break;
		j = v->inval.jobs;
		v->inval.jobs = j->next;
		if (!v->inval.jobs)
			v->inval.tail = &v->inval.jobs;
		pthread_mutex_unlock(&v->inval.lock);

		dbf_tree_diff(j->old, j->new, gone, changed, v);
		job_free(j);

		pthread_mutex_lock(&v->inval.lock);
	}
	while ((j = v->inval.jobs)) {
		v->inval.jobs = j->next;
		job_free(j);
	}
	v->inval.tail = &v->inval.jobs;
	pthread_mutex_unlock(&v->inval.lock);
	return NULL;
}

/* From the receiver, whose signals are blocked: so are the thread's. */
int view_inval_start(struct view *v)
{
	int r = pthread_create(&v->inval.thread, NULL, inval_main, v);

	if (r)
		return -r;
	v->inval.running = true;
	return 0;
}

/* The receiver's: from then on no job is queued and no notification sent. */
void view_inval_stop(struct view *v)
{
	if (!v->inval.running)
		return;
	pthread_mutex_lock(&v->inval.lock);
	__atomic_store_n(&v->inval.stopping, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&v->inval.cond);
	pthread_mutex_unlock(&v->inval.lock);
	pthread_join(v->inval.thread, NULL);
	v->inval.running = false;
}
