// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exports and releases counted from the merged event stream: see
 * counters.h. Rows are few (exporters are drivers; cgroup rows are
 * bounded), so they are searched in order; the buffers alive, which can
 * be many, are a hash table from inode to the row their export counted in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "hash.h"

struct row {
	char *key;
	uint32_t len;
	uid_t owner;
	gid_t owner_gid;
	bool special;			/* "unknown" or "other": never evicted */
	struct dbf_count n;
	uint64_t live;			/* buffers exported here not yet released */
	uint64_t last;			/* the event that last touched it */
};

struct slot {
	uint64_t ino;			/* 0: empty */
	uint32_t row;
	struct timespec at;		/* of the export */
};

struct pending {
	uint64_t ino, size;
	struct timespec at;
};

struct dbf_counters {
	struct row *exp, *cg;
	size_t nexp, ncg, capexp, capcg;
	unsigned int max, named;	/* cgroup rows allowed and in use */
	struct slot *live;
	size_t nlive, caplive;		/* caplive: a power of two */
	struct pending *pend;
	size_t npend, cappend;
	uint64_t seq;
};

struct dbf_counters *dbf_counters_new(unsigned int max_cgroups)
{
	struct dbf_counters *c = calloc(1, sizeof(*c));

	if (c)
		c->max = max_cgroups;
	return c;
}

void dbf_counters_free(struct dbf_counters *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nexp; i++)
		free(c->exp[i].key);
	for (size_t i = 0; i < c->ncg; i++)
		free(c->cg[i].key);
	free(c->exp);
	free(c->cg);
	free(c->live);
	free(c->pend);
	free(c);
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	q = realloc(*p, ncap * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

static bool key_is(const struct row *r, struct dbf_str k)
{
	return r->len == k.len && (!k.len || !memcmp(r->key, k.p, k.len));
}

static int set_key(struct row *r, struct dbf_str k)
{
	char *p = malloc(k.len + 1);

	if (!p)
		return -ENOMEM;
	if (k.len)
		memcpy(p, k.p, k.len);
	p[k.len] = 0;
	free(r->key);
	r->key = p;
	r->len = k.len;
	return 0;
}

static struct row *exporter_row(struct dbf_counters *c, struct dbf_str k)
{
	struct row *r;

	for (size_t i = 0; i < c->nexp; i++)
		if (key_is(&c->exp[i], k))
			return &c->exp[i];
	if (grow((void **)&c->exp, &c->capexp, c->nexp, sizeof(*c->exp)) < 0)
		return NULL;
	r = &c->exp[c->nexp];
	*r = (struct row){ 0 };
	if (set_key(r, k) < 0)
		return NULL;
	c->nexp++;
	return r;
}

static struct dbf_str cstr(const char *s)
{
	return (struct dbf_str){ s, (uint32_t)strlen(s) };
}

/* A new cgroup row, in place of an idle one once there are max of them. */
static struct row *new_cgroup_row(struct dbf_counters *c, struct dbf_str k, bool special)
{
	struct row *r = NULL;

	if (!special && c->named >= c->max) {
		/*
		 * The row touched longest ago of those with no buffer alive
		 * goes: its series ends, and rate() is the same for the rest.
		 */
		for (size_t i = 0; i < c->ncg; i++) {
			struct row *x = &c->cg[i];

			if (!x->special && !x->live && (!r || x->last < r->last))
				r = x;
		}
		if (!r)
			return NULL;
		*r = (struct row){ .key = r->key };
	} else {
		if (grow((void **)&c->cg, &c->capcg, c->ncg, sizeof(*c->cg)) < 0)
			return NULL;
		r = &c->cg[c->ncg++];
		*r = (struct row){ 0 };
		c->named += !special;
	}
	r->special = special;
	if (set_key(r, k) < 0) {
		/* Keep the row, unnamed: it counts for nobody but is valid. */
		r->len = 0;
		return NULL;
	}
	return r;
}

static struct row *find_cgroup_row(struct dbf_counters *c, struct dbf_str k, uid_t uid,
				   gid_t gid)
{
	for (size_t i = 0; i < c->ncg; i++) {
		struct row *r = &c->cg[i];

		if (r->key && r->owner == uid && r->owner_gid == gid && key_is(r, k))
			return r;
	}
	return NULL;
}

/*
 * The cgroup row of @ev's process (@ev NULL: of no known process): its
 * cgroup's, or "other" when the rows are all taken and busy.
 */
static struct row *cgroup_row(struct dbf_counters *c, const struct dbf_event *ev)
{
	struct dbf_str k = ev && ev->cgroup.len ? ev->cgroup : cstr(DBF_COUNT_UNKNOWN);
	uid_t uid = ev ? ev->owner : 0;
	gid_t gid = ev ? ev->owner_gid : 0;
	bool special = !ev || !ev->cgroup.len;
	struct row *r = find_cgroup_row(c, k, uid, gid);

	if (!r)
		r = new_cgroup_row(c, k, special);
	if (!r) {
		k = cstr(DBF_COUNT_OTHER);
		r = find_cgroup_row(c, k, uid, gid);
		if (!r && (r = new_cgroup_row(c, k, true))) {
			r->owner = uid;
			r->owner_gid = gid;
		}
		return r;
	}
	r->owner = uid;
	r->owner_gid = gid;
	return r;
}

/* ---- the buffers alive: inode to row ---- */

static size_t slot_of(const struct dbf_counters *c, uint64_t ino)
{
	return dbf_fnv1a(DBF_FNV_BASIS, &ino, sizeof(ino)) & (c->caplive - 1);
}

static struct slot *live_find(const struct dbf_counters *c, uint64_t ino)
{
	if (!c->caplive)
		return NULL;
	for (size_t i = slot_of(c, ino);; i = (i + 1) & (c->caplive - 1)) {
		if (c->live[i].ino == ino)
			return &c->live[i];
		if (!c->live[i].ino)
			return NULL;
	}
}

static void live_put_slot(struct dbf_counters *c, struct slot s)
{
	size_t i = slot_of(c, s.ino);

	while (c->live[i].ino)
		i = (i + 1) & (c->caplive - 1);
	c->live[i] = s;
}

static int live_put(struct dbf_counters *c, uint64_t ino, uint32_t row, struct timespec at)
{
	/* At most half full, so that probes stay short. */
	if (2 * (c->nlive + 1) > c->caplive) {
		size_t old = c->caplive, cap = old ? old * 2 : 64;
		struct slot *prev = c->live, *p = calloc(cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->live = p;
		c->caplive = cap;
		for (size_t i = 0; i < old; i++)
			if (prev[i].ino)
				live_put_slot(c, prev[i]);
		free(prev);
	}
	live_put_slot(c, (struct slot){ .ino = ino, .row = row, .at = at });
	c->nlive++;
	return 0;
}

/* Empty @s, moving later entries of its run back so lookups still find them. */
static void live_del(struct dbf_counters *c, struct slot *s)
{
	size_t hole = (size_t)(s - c->live), mask = c->caplive - 1;

	c->live[hole].ino = 0;
	c->nlive--;
	for (size_t i = (hole + 1) & mask; c->live[i].ino; i = (i + 1) & mask) {
		size_t home = slot_of(c, c->live[i].ino);

		/* Stays unless its home is cyclically outside (hole, i]. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			c->live[hole] = c->live[i];
			c->live[i].ino = 0;
			hole = i;
		}
	}
}

/* ---- counting ---- */

/* @ino's export counts in row @r, which it stays in until its release. */
static int export_in(struct dbf_counters *c, struct row *r, uint64_t ino, uint64_t size,
		     struct timespec at)
{
	struct slot *old = live_find(c, ino);

	r->n.exports++;
	r->n.export_bytes += size;
	r->live++;
	r->last = ++c->seq;
	if (old) {
		/* Told twice: the newer export is where it lives. */
		c->cg[old->row].live--;
		old->row = (uint32_t)(r - c->cg);
		old->at = at;
		return 0;
	}
	return live_put(c, ino, (uint32_t)(r - c->cg), at);
}

static struct pending *pending_find(struct dbf_counters *c, uint64_t ino)
{
	for (size_t i = 0; i < c->npend; i++)
		if (c->pend[i].ino == ino)
			return &c->pend[i];
	return NULL;
}

/* Count pending @p in the row of @ev's process, and forget it. */
static int settle(struct dbf_counters *c, struct pending *p, const struct dbf_event *ev)
{
	struct row *r = cgroup_row(c, ev);
	struct pending q = *p;

	*p = c->pend[--c->npend];
	return r ? export_in(c, r, q.ino, q.size, q.at) : -ENOMEM;
}

int dbf_counters_event(struct dbf_counters *c, const struct dbf_event *ev)
{
	struct pending *p;
	struct slot *s;
	struct row *r;

	switch (ev->kind) {
	case DBF_EV_EXPORT:
		r = exporter_row(c, ev->exporter);
		if (!r)
			return -ENOMEM;
		r->n.exports++;
		r->n.export_bytes += ev->size;
		if (!ev->pid) {
			if (grow((void **)&c->pend, &c->cappend, c->npend, sizeof(*c->pend)) < 0)
				return -ENOMEM;
			c->pend[c->npend++] = (struct pending){ ev->ino, ev->size, ev->time };
			return 0;
		}
		r = cgroup_row(c, ev);
		return r ? export_in(c, r, ev->ino, ev->size, ev->time) : -ENOMEM;
	case DBF_EV_HOLD:
		p = ev->pid ? pending_find(c, ev->ino) : NULL;
		return p ? settle(c, p, ev) : 0;
	case DBF_EV_RELEASE:
		r = exporter_row(c, ev->exporter);
		if (!r)
			return -ENOMEM;
		r->n.releases++;
		r->n.release_bytes += ev->size;
		p = pending_find(c, ev->ino);
		if (p && settle(c, p, NULL) < 0)
			return -ENOMEM;
		s = live_find(c, ev->ino);
		if (s) {
			r = &c->cg[s->row];
			r->live--;
			live_del(c, s);
		} else {
			/* Exported before counting began. */
			r = cgroup_row(c, NULL);
			if (!r)
				return -ENOMEM;
		}
		r->n.releases++;
		r->n.release_bytes += ev->size;
		r->last = ++c->seq;
		return 0;
	default:
		return 0;
	}
}

int dbf_counters_flush(struct dbf_counters *c, const struct dbf_snapshot *s)
{
	const unsigned int listing = DBF_SRC_BUFINFO | DBF_SRC_SYSFS | DBF_SRC_ITER;

	while (c->npend)
		if (settle(c, &c->pend[0], NULL) < 0)
			return -ENOMEM;
	/*
	 * A release the stream missed (the kernel's ring was full): a listing
	 * that lacks a buffer exported before it was taken says it is gone.
	 */
	if (!s || !(s->sources & listing))
		return 0;
	for (size_t i = 0; i < c->caplive;) {
		struct slot *sl = &c->live[i];
		bool before = sl->at.tv_sec < s->taken.tv_sec ||
			      (sl->at.tv_sec == s->taken.tv_sec && sl->at.tv_nsec < s->taken.tv_nsec);

		if (sl->ino && before && !dbf_snapshot_buf(s, sl->ino)) {
			c->cg[sl->row].live--;
			live_del(c, sl);	/* may move a later entry here */
			continue;
		}
		i++;
	}
	return 0;
}

static struct dbf_count_row *copy_rows(const struct row *rows, size_t n, char **mem)
{
	struct dbf_count_row *out = calloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; out && i < n; i++) {
		out[i] = (struct dbf_count_row){
			.key = { *mem, rows[i].len }, .owner = rows[i].owner,
			.owner_gid = rows[i].owner_gid, .n = rows[i].n,
		};
		if (rows[i].len)
			memcpy(*mem, rows[i].key, rows[i].len);
		*mem += rows[i].len;
	}
	return out;
}

struct dbf_counts *dbf_counters_freeze(const struct dbf_counters *c)
{
	struct dbf_counts *n = calloc(1, sizeof(*n));
	size_t bytes = 1;
	char *at;

	if (!n)
		return NULL;
	for (size_t i = 0; i < c->nexp; i++)
		bytes += c->exp[i].len;
	for (size_t i = 0; i < c->ncg; i++)
		bytes += c->cg[i].len;
	n->mem = at = malloc(bytes);
	if (at) {
		n->exporters = copy_rows(c->exp, c->nexp, &at);
		n->cgroups = copy_rows(c->cg, c->ncg, &at);
	}
	if (!n->mem || !n->exporters || !n->cgroups) {
		dbf_counts_free(n);
		return NULL;
	}
	n->nexporters = c->nexp;
	n->ncgroups = c->ncg;
	return n;
}

void dbf_counts_free(struct dbf_counts *n)
{
	if (!n)
		return;
	free(n->exporters);
	free(n->cgroups);
	free(n->mem);
	free(n);
}
