// SPDX-License-Identifier: GPL-2.0-only
/*
 * Caller classes of a shared mount (see tree.h): one per (uid, gid) of
 * the callers, so that each class has a node of its own of a split
 * directory, and the kernel keeps its listing and names apart.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "caller.h"
#include "tree_int.h"

struct cls_ent {
	uint64_t key;			/* uid << 32 | gid */
	uint16_t cls;
};

/* What class @cls (index cls - 1) stands for now. */
struct cls_slot {
	uint64_t key;
	uint64_t used;			/* tick of its last request */
	uint32_t epoch;			/* times it was given to another caller */
};

struct dbf_classes {
	pthread_mutex_t lock;
	struct cls_ent *sorted;		/* by key, for dbf_class_of() */
	struct cls_slot *slots;		/* by class - 1 */
	size_t n, cap, max;
	uint64_t tick;
};

struct dbf_classes *dbf_classes_new(unsigned int max)
{
	struct dbf_classes *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->max = max < DBF_CLASS_MAX ? max : DBF_CLASS_MAX;
	if (!c->max)
		c->max = 1;
	return c;
}

void dbf_classes_free(struct dbf_classes *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->sorted);
	free(c->slots);
	free(c);
}

/* Room for one more; false when out of memory. */
static bool classes_room(struct dbf_classes *c)
{
	size_t cap = c->cap ? 2 * c->cap : 16;
	struct cls_ent *sorted;
	struct cls_slot *slots;

	if (c->n < c->cap)
		return true;
	if (cap > c->max)
		cap = c->max;
	sorted = realloc(c->sorted, cap * sizeof(*sorted));
	if (!sorted)
		return false;
	c->sorted = sorted;
	slots = realloc(c->slots, cap * sizeof(*slots));
	if (!slots)
		return false;
	c->slots = slots;
	c->cap = cap;
	return true;
}

struct cls_seek {
	const struct cls_ent *sorted;
	uint64_t key;
};

static int cls_at(const void *arg, size_t i)
{
	const struct cls_seek *k = arg;

	return u64_cmp(k->sorted[i].key, k->key);
}

/* Where @key is in c->sorted, or where it would go. */
static bool cls_find(const struct dbf_classes *c, uint64_t key, size_t *at)
{
	return dbf_bisect_find(0, c->n, cls_at, &(struct cls_seek){ c->sorted, key }, at);
}

/* The class used least recently: it goes to the newcomer. */
static uint16_t cls_oldest(const struct dbf_classes *c)
{
	size_t old = 0;

	for (size_t i = 1; i < c->n; i++)
		if (c->slots[i].used < c->slots[old].used)
			old = i;
	return (uint16_t)(old + 1);
}

/*
 * A full table gives the class used least recently to the newcomer, with
 * its epoch one higher: node generations carry it (ops.c), so the kernel
 * drops the old caller's inodes, with the listings and names it cached,
 * instead of handing them on, and the old caller, whose class is no
 * longer that one, is refused. No caller ever falls back to a class it shares.
 */
static uint16_t cls_give(struct dbf_classes *c, uint64_t key, size_t at)
{
	uint16_t cls;
	size_t old;

	if (c->n < c->max) {
		if (!classes_room(c))
			return DBF_CLASS_PUBLIC;
		cls = (uint16_t)(c->n + 1);
		c->slots[cls - 1] = (struct cls_slot){ 0 };
		memmove(&c->sorted[at + 1], &c->sorted[at], (c->n - at) * sizeof(*c->sorted));
		c->n++;
	} else {
		cls = cls_oldest(c);
		cls_find(c, c->slots[cls - 1].key, &old);
		/* Move the entries between the old key's place and the new one's. */
		if (old < at) {
			at--;
			memmove(&c->sorted[old], &c->sorted[old + 1], (at - old) * sizeof(*c->sorted));
		} else {
			memmove(&c->sorted[at + 1], &c->sorted[at], (old - at) * sizeof(*c->sorted));
		}
		c->slots[cls - 1].epoch++;
	}
	c->sorted[at] = (struct cls_ent){ .key = key, .cls = cls };
	c->slots[cls - 1].key = key;
	return cls;
}

/* A request of class @cls: it is the most recently used now. */
static void cls_touch(struct dbf_classes *c, uint16_t cls)
{
	c->slots[cls - 1].used = ++c->tick;
}

uint16_t dbf_class_of(struct dbf_classes *c, uid_t uid, gid_t gid,
		      uint32_t *epoch)
{
	uint64_t key = (uint64_t)uid << 32 | gid;
	uint16_t cls;
	size_t at;

	*epoch = 0;
	if (!uid)
		return DBF_CLASS_ROOT;
	pthread_mutex_lock(&c->lock);
	/* Out of memory: the public class, which sees no holders. */
	cls = cls_find(c, key, &at) ? c->sorted[at].cls : cls_give(c, key, at);
	if (cls != DBF_CLASS_PUBLIC) {
		cls_touch(c, cls);
		*epoch = c->slots[cls - 1].epoch;
	}
	pthread_mutex_unlock(&c->lock);
	return cls;
}

static struct dbf_caller cls_caller(const struct dbf_classes *c, uint16_t cls)
{
	if (cls == DBF_CLASS_ROOT)
		return DBF_CALLER_ROOT;
	if (cls > c->n)
		return DBF_CALLER_PUBLIC;
	return dbf_caller((uid_t)(c->slots[cls - 1].key >> 32), (gid_t)c->slots[cls - 1].key);
}

bool dbf_class_owns(struct dbf_classes *c, uid_t uid, gid_t gid, uint16_t cls,
		    struct dbf_caller *as)
{
	uint64_t key = (uint64_t)uid << 32 | gid;
	bool ok;
	size_t at;

	pthread_mutex_lock(&c->lock);
	/* The public class sees nothing: anyone may read what it shows. */
	ok = !uid || cls == DBF_CLASS_PUBLIC ||
	     (cls != DBF_CLASS_ROOT && cls_find(c, key, &at) && c->sorted[at].cls == cls);
	if (ok) {
		*as = cls_caller(c, cls);
		if (uid && cls != DBF_CLASS_PUBLIC)
			cls_touch(c, cls);
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}
