// SPDX-License-Identifier: GPL-2.0-only
/*
 * Listings read without OPENDIR, which span requests: the tree each one
 * began in, kept a while.
 */
#include "serve.h"

/*
 * A listing read without OPENDIR keeps the snapshot it started on for
 * this long after each read, at most two of them: a reader that pauses
 * longer, in a directory whose entries changed meanwhile, continues on
 * the newest snapshot and may miss or repeat entries.
 */
#define KEEP_LISTING_S		5

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
int view_kept_update(struct view *v, struct dbf_tree *cur, struct dbf_tree *out[])
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
void view_keep_listing(struct view *v, struct dbf_tree *t, uint64_t dir)
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
uint32_t view_dir_tag(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_dirver *ver = dbf_tree_dirver(t, dir);

	return ver ? (uint32_t)(ver->hash & 0x7fffffff) : 0;
}

/*
 * The tree a read of directory @dir at offset @off continues: the newest,
 * unless the directory changed since the listing began (the offset
 * carries its version) and a kept tree still has it as it was.
 */
struct dbf_tree *view_listing_tree(struct view *v, uint64_t dir, off_t off)
{
	uint32_t tag = (uint32_t)((uint64_t)off >> 32);
	struct dbf_tree *t;

	pthread_mutex_lock(&v->lock);
	t = v->cur;
	if (off > 0 && view_dir_tag(t, dir) != tag) {
		for (int k = 0; k < NKEPT; k++) {
			if (v->kept[k].tree && v->kept[k].dir == dir &&
			    view_dir_tag(v->kept[k].tree, dir) == tag) {
				t = v->kept[k].tree;
				break;
			}
		}
	}
	tree_ref(t);
	pthread_mutex_unlock(&v->lock);
	return t;
}
