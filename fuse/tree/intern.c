// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interner: name bytes -> id, for the directories named by a string
 * (names, exporters, devices, cgroup paths).
 *
 * Ids count up for the life of the mount and are never given out twice,
 * so a node id never names another directory. A name leaves once neither
 * of the last two trees has it: whoever makes up names cannot grow it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tree_int.h"

struct ient {
	uint64_t hash;
	uint64_t id;		/* 0: empty slot */
	uint64_t seen;		/* epoch of the last build that had it */
	uint32_t len;
	char *bytes;
};

struct dbf_interner {
	struct ient *tab;
	size_t cap, n;
	uint64_t next;
	uint64_t epoch;		/* of the build in progress or last done */
};

#define INTERN_MIN_CAP	64

struct dbf_interner *dbf_interner_new(void)
{
	struct dbf_interner *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->cap = INTERN_MIN_CAP;
	in->tab = calloc(in->cap, sizeof(*in->tab));
	if (!in->tab) {
		free(in);
		return NULL;
	}
	in->next = 1;
	return in;
}

void dbf_interner_free(struct dbf_interner *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->cap; i++)
		free(in->tab[i].bytes);
	free(in->tab);
	free(in);
}

size_t dbf_interner_count(const struct dbf_interner *in)
{
	return in->n;
}

uint64_t intern_next_epoch(struct dbf_interner *in)
{
	return ++in->epoch;
}

static struct ient *intern_slot(struct ient *tab, size_t cap, uint64_t h,
				struct dbf_str s)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct ient *e = &tab[i];

		if (!e->id || (e->hash == h && e->len == s.len &&
			       !memcmp(e->bytes, s.p, s.len)))
			return e;
	}
}

/* Move every entry to a table of @cap slots. */
static int intern_rehash(struct dbf_interner *in, size_t cap)
{
	struct ient *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < in->cap; i++) {
		struct ient *e = &in->tab[i];
		size_t j;

		if (!e->id)
			continue;
		for (j = e->hash & (cap - 1); tab[j].id; j = (j + 1) & (cap - 1))
			;
		tab[j] = *e;
	}
	free(in->tab);
	in->tab = tab;
	in->cap = cap;
	return 0;
}

/* Empty slot @i, shifting back later entries of its probe chain. */
static void intern_delete(struct dbf_interner *in, size_t i)
{
	size_t mask = in->cap - 1, j = i;

	free(in->tab[i].bytes);
	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (!in->tab[j].id)
			break;
		k = in->tab[j].hash & mask;
		/* Entry j may move to i unless its home lies in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		in->tab[i] = in->tab[j];
		i = j;
	}
	memset(&in->tab[i], 0, sizeof(in->tab[i]));
	in->n--;
}

void intern_sweep(struct dbf_interner *in, uint64_t keep)
{
	size_t cap = in->cap;

	for (size_t i = 0; i < in->cap; i++) {
		/* A shifted-back entry lands at i: look at i again. */
		while (in->tab[i].id && in->tab[i].seen < keep)
			intern_delete(in, i);
	}
	while (cap > INTERN_MIN_CAP && 8 * (in->n + 1) <= cap)
		cap /= 2;
	/* Shrinking is only for memory: without it the table still works. */
	if (cap != in->cap)
		intern_rehash(in, cap);
}

int intern_name(struct dbf_interner *in, struct dbf_str s, uint64_t *id)
{
	uint64_t h = dbf_fnv1a(DBF_FNV_BASIS, s.p, s.len);
	struct ient *e;

	if (2 * (in->n + 1) > in->cap && intern_rehash(in, in->cap * 2) < 0)
		return -ENOMEM;
	e = intern_slot(in->tab, in->cap, h, s);
	if (!e->id) {
		e->bytes = malloc(s.len ? s.len : 1);
		if (!e->bytes)
			return -ENOMEM;
		memcpy(e->bytes, s.p, s.len);
		e->len = s.len;
		e->hash = h;
		e->id = in->next++;
		in->n++;
	}
	e->seen = in->epoch;
	*id = e->id;
	return 0;
}
