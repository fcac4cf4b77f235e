// SPDX-License-Identifier: GPL-2.0-only
/*
 * Caller classes of a shared mount (see tree.h): one per (uid, gid) of
 * the callers, so that each class's buffer nodes keep a page cache of
 * their own.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "tree_int.h"

struct cls_ent {
	uint64_t key;			/* uid << 32 | gid */
	uint16_t cls;
};

struct dbf_classes {
	pthread_mutex_t lock;
	struct cls_ent *sorted;		/* by key, for dbf_class_of() */
	uint64_t *keys;			/* by class - 1 */
	size_t n, cap, max;
};

struct dbf_classes *dbf_classes_new(unsigned int max)
{
	struct dbf_classes *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->max = max < DBF_CLASS_MAX ? max : DBF_CLASS_MAX;
	return c;
}

void dbf_classes_free(struct dbf_classes *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->sorted);
	free(c->keys);
	free(c);
}

/* Room for one more; false when out of memory. */
static bool classes_room(struct dbf_classes *c)
{
	size_t cap = c->cap ? 2 * c->cap : 16;
	struct cls_ent *sorted;
	uint64_t *keys;

	if (c->n < c->cap)
		return true;
	sorted = realloc(c->sorted, cap * sizeof(*sorted));
	if (!sorted)
		return false;
	c->sorted = sorted;
	keys = realloc(c->keys, cap * sizeof(*keys));
	if (!keys)
		return false;
	c->keys = keys;
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

uint16_t dbf_class_of(struct dbf_classes *c, uid_t uid, gid_t gid)
{
	uint64_t key = (uint64_t)uid << 32 | gid;
	uint16_t cls = DBF_CLASS_PUBLIC;
	size_t lo;

	if (!uid)
		return DBF_CLASS_ROOT;
	pthread_mutex_lock(&c->lock);
	if (dbf_bisect_find(0, c->n, cls_at, &(struct cls_seek){ c->sorted, key },
			    &lo)) {
		cls = c->sorted[lo].cls;
		goto out;
	}
	/*
	 * Full (or out of memory): later callers share the public class,
	 * which sees no holders and so cannot leak anyone's to another.
	 */
	if (c->n >= c->max || !classes_room(c))
		goto out;
	memmove(&c->sorted[lo + 1], &c->sorted[lo],
		(c->n - lo) * sizeof(*c->sorted));
	cls = (uint16_t)(c->n + 1);
	c->sorted[lo] = (struct cls_ent){ .key = key, .cls = cls };
	c->keys[c->n++] = key;
out:
	pthread_mutex_unlock(&c->lock);
	return cls;
}

struct dbf_caller dbf_class_caller(struct dbf_classes *c, uint16_t cls)
{
	struct dbf_caller r = DBF_CALLER_PUBLIC;

	if (cls == DBF_CLASS_ROOT)
		return DBF_CALLER_ROOT;
	pthread_mutex_lock(&c->lock);
	if (cls <= c->n)
		r = dbf_caller((uid_t)(c->keys[cls - 1] >> 32),
			       (gid_t)c->keys[cls - 1]);
	pthread_mutex_unlock(&c->lock);
	return r;
}
