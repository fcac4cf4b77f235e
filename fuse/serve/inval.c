// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invalidation, never from a request handler: a thread diffs each
 * rebuild's trees and tells the kernel which names vanished.
 */
#include "serve.h"

#include <signal.h>
#include <stdlib.h>

/*
 * With v->lock held. A job the thread has not taken yet is stretched to
 * @new rather than followed by another, so that a thread that lags holds
 * two trees, not two per rebuild. What only the tree in between had then
 * expires with the entry and attribute timeouts. The trees let go are
 * put in @out, as in view_kept_update(); returns how many.
 */
int view_inval_push(struct view *v, struct dbf_tree *old, struct dbf_tree *new,
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

int view_inval_start(struct view *v)
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

void view_inval_stop(struct view *v)
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
