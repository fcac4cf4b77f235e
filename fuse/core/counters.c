// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exports and releases counted from traced events and scan differences:
 * see counters.h. Rows are few (exporters are drivers; cgroup rows are
 * bounded), so they are searched in order; the buffers alive, which can
 * be many, are a hash table from inode to the row their export counted in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
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
	struct timespec at;		/* of the export, or the release */
};

struct pending {
	uint64_t ino, size;
	struct timespec at;
};

/* A hash table of inodes; cap is a power of two. */
struct itab {
	struct slot *s;
	size_t n, cap;
};

struct dbf_counters {
	struct row *exp, *cg;
	size_t nexp, ncg, capexp, capcg;
	unsigned int max, named;	/* cgroup rows allowed and in use */
	struct itab live;		/* buffers exported: their rows */
	struct itab released;		/* traced releases a scan may tell again */
	struct pending *pend;		/* scans' exports, for the hold that follows */
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
	free(c->live.s);
	free(c->released.s);
	free(c->pend);
	free(c);
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
	if (dbf_grow(&c->exp, &c->capexp, c->nexp, sizeof(*c->exp)) < 0)
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
		if (dbf_grow(&c->cg, &c->capcg, c->ncg, sizeof(*c->cg)) < 0)
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

/* ---- inode tables: open addressing, deletion by backward shift ---- */

static size_t slot_of(const struct itab *t, uint64_t ino)
{
	return dbf_fnv1a(DBF_FNV_BASIS, &ino, sizeof(ino)) & (t->cap - 1);
}

static struct slot *itab_find(const struct itab *t, uint64_t ino)
{
	if (!t->cap)
		return NULL;
	for (size_t i = slot_of(t, ino);; i = (i + 1) & (t->cap - 1)) {
		if (t->s[i].ino == ino)
			return &t->s[i];
		if (!t->s[i].ino)
			return NULL;
	}
}

static void itab_put_slot(struct itab *t, struct slot s)
{
	size_t i = slot_of(t, s.ino);

	while (t->s[i].ino)
		i = (i + 1) & (t->cap - 1);
	t->s[i] = s;
}

static int itab_put(struct itab *t, struct slot s)
{
	/* At most half full, so that probes stay short. */
	if (2 * (t->n + 1) > t->cap) {
		size_t old = t->cap, cap = old ? old * 2 : 64;
		struct slot *prev = t->s, *p = calloc(cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->s = p;
		t->cap = cap;
		for (size_t i = 0; i < old; i++)
			if (prev[i].ino)
				itab_put_slot(t, prev[i]);
		free(prev);
	}
	itab_put_slot(t, s);
	t->n++;
	return 0;
}

/* Empty @s, moving later entries of its run back so lookups still find them. */
static void itab_del(struct itab *t, struct slot *s)
{
	size_t hole = (size_t)(s - t->s), mask = t->cap - 1;

	t->s[hole].ino = 0;
	t->n--;
	for (size_t i = (hole + 1) & mask; t->s[i].ino; i = (i + 1) & mask) {
		size_t home = slot_of(t, t->s[i].ino);

		/* Stays unless its home is cyclically outside (hole, i]. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			t->s[hole] = t->s[i];
			t->s[i].ino = 0;
			hole = i;
		}
	}
}

/*
 * Delete the entries for which @gone says so: a deletion may move a later
 * entry into the slot just looked at, so that slot is looked at again.
 */
static void itab_prune(struct dbf_counters *c, struct itab *t,
		       bool (*gone)(struct dbf_counters *c, const struct slot *s, const void *arg),
		       const void *arg)
{
	for (size_t i = 0; i < t->cap;) {
		if (t->s[i].ino && gone(c, &t->s[i], arg)) {
			itab_del(t, &t->s[i]);
			continue;
		}
		i++;
	}
}

static bool before(struct timespec x, struct timespec y)
{
	return x.tv_sec < y.tv_sec || (x.tv_sec == y.tv_sec && x.tv_nsec < y.tv_nsec);
}

/* ---- counting ---- */

/* @ino's export counts in row @r, which it stays in until its release. */
static int export_in(struct dbf_counters *c, struct row *r, uint64_t ino, uint64_t size,
		     struct timespec at)
{
	r->n.exports++;
	r->n.export_bytes += size;
	r->live++;
	r->last = ++c->seq;
	return itab_put(&c->live, (struct slot){ .ino = ino, .row = (uint32_t)(r - c->cg), .at = at });
}

static struct pending *pending_find(struct dbf_counters *c, uint64_t ino)
{
	for (size_t i = 0; i < c->npend; i++)
		if (c->pend[i].ino == ino)
			return &c->pend[i];
	return NULL;
}

/* Count pending @p in the row of @ev's process (NULL: none known), and forget it. */
static int settle(struct dbf_counters *c, struct pending *p, const struct dbf_event *ev)
{
	struct row *r = cgroup_row(c, ev);
	struct pending q = *p;

	*p = c->pend[--c->npend];
	return r ? export_in(c, r, q.ino, q.size, q.at) : -ENOMEM;
}

static int count_export(struct dbf_counters *c, const struct dbf_event *ev)
{
	struct row *r = exporter_row(c, ev->exporter);

	if (!r)
		return -ENOMEM;
	r->n.exports++;
	r->n.export_bytes += ev->size;
	return 0;
}

/* @ev's release, in its exporter's row and where its export counted. */
static int count_release(struct dbf_counters *c, const struct dbf_event *ev)
{
	struct row *r = exporter_row(c, ev->exporter);
	struct pending *p;
	struct slot *s;

	if (!r)
		return -ENOMEM;
	r->n.releases++;
	r->n.release_bytes += ev->size;
	p = pending_find(c, ev->ino);
	if (p && settle(c, p, NULL) < 0)
		return -ENOMEM;
	s = itab_find(&c->live, ev->ino);
	if (s) {
		r = &c->cg[s->row];
		r->live--;
		itab_del(&c->live, s);
	} else if (!(r = cgroup_row(c, NULL))) {
		/* Exported before counting began. */
		return -ENOMEM;
	}
	r->n.releases++;
	r->n.release_bytes += ev->size;
	r->last = ++c->seq;
	return 0;
}

int dbf_counters_trace(struct dbf_counters *c, const struct dbf_snapshot *cur,
		       const struct dbf_event *ev)
{
	struct pending *p;
	struct row *r;

	switch (ev->kind) {
	case DBF_EV_EXPORT:
		p = pending_find(c, ev->ino);
		/* A scan told it (and counted it by exporter) before its record came. */
		if (p) {
			*p = c->pend[--c->npend];
		} else if (itab_find(&c->live, ev->ino)) {
			return 0;
		} else if (count_export(c, ev) < 0) {
			return -ENOMEM;
		}
		r = cgroup_row(c, ev->pid ? ev : NULL);
		return r ? export_in(c, r, ev->ino, ev->size, ev->time) : -ENOMEM;
	case DBF_EV_RELEASE:
		/*
		 * Once, and only for a buffer the last snapshot or the trace
		 * told alive (as the merged stream tells it): the scan that
		 * shows it gone then says nothing more.
		 */
		if (itab_find(&c->released, ev->ino) ||
		    (!itab_find(&c->live, ev->ino) && !pending_find(c, ev->ino) &&
		     !(cur && dbf_snapshot_buf(cur, ev->ino))))
			return 0;
		if (itab_put(&c->released, (struct slot){ .ino = ev->ino, .at = ev->time }) < 0)
			return -ENOMEM;
		return count_release(c, ev);
	default:
		return 0;
	}
}

int dbf_counters_scan(void *ctx, const struct dbf_event *ev)
{
	struct dbf_counters *c = ctx;
	struct pending *p;
	struct slot *s;

	switch (ev->kind) {
	case DBF_EV_EXPORT:
		/*
		 * The trace told it (its records come before the snapshot),
		 * and maybe its release too: a listing can show a buffer
		 * freed while the scan ran.
		 */
		if (itab_find(&c->live, ev->ino) || itab_find(&c->released, ev->ino) ||
		    pending_find(c, ev->ino))
			return 0;
		if (count_export(c, ev) < 0 ||
		    dbf_grow(&c->pend, &c->cappend, c->npend, sizeof(*c->pend)) < 0)
			return -ENOMEM;
		c->pend[c->npend++] = (struct pending){ ev->ino, ev->size, ev->time };
		return 0;
	case DBF_EV_HOLD:
		p = ev->pid ? pending_find(c, ev->ino) : NULL;
		return p ? settle(c, p, ev) : 0;
	case DBF_EV_RELEASE:
		s = itab_find(&c->released, ev->ino);
		if (s) {
			itab_del(&c->released, s);
			return 0;
		}
		return count_release(c, ev);
	default:
		return 0;
	}
}

/*
 * A buffer @s (a listing) lacks, though it was exported a second before
 * @s was taken: a traced time is the kernel's clock moved to the wall
 * clock's, which may be off by as long as a reader was kept from running.
 */
static bool unlisted(struct dbf_counters *c, const struct slot *sl, const void *arg)
{
	const struct dbf_snapshot *s = arg;
	struct timespec at = { sl->at.tv_sec + 1, sl->at.tv_nsec };

	if (!before(at, s->taken) || dbf_snapshot_buf(s, sl->ino))
		return false;
	c->cg[sl->row].live--;
	return true;
}

/* A traced release whose buffer @s no longer shows: no scan will tell it now. */
static bool told_gone(struct dbf_counters *c, const struct slot *sl, const void *arg)
{
	(void)c;
	return !dbf_snapshot_buf(arg, sl->ino);
}

int dbf_counters_flush(struct dbf_counters *c, const struct dbf_snapshot *s)
{
	const unsigned int listing = DBF_SRC_BUFINFO | DBF_SRC_SYSFS | DBF_SRC_ITER;

	while (c->npend)
		if (settle(c, &c->pend[0], NULL) < 0)
			return -ENOMEM;
	if (!s)
		return 0;
	itab_prune(c, &c->released, told_gone, s);
	/*
	 * A release the trace lost (the kernel's ring was full): a listing
	 * that lacks a buffer exported before it was taken says it is gone.
	 */
	if (s->sources & listing)
		itab_prune(c, &c->live, unlisted, s);
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
