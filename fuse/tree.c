// SPDX-License-Identifier: GPL-2.0-only
/* The /dmabuf tree over one snapshot (see docs/layout.md). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tree.h"
#include "log.h"

/*
 * st_ino of a buffer is the kernel's inode number (32 bits wide, from
 * get_next_ino()), so every other node reports an st_ino above 2^48 to
 * keep du, find -inum and find -samefile from mixing them up.
 */
#define FIXED_INO_BASE	((uint64_t)0xf << DBF_NODE_SHIFT)

/*
 * ---- interner: name bytes -> id ----
 *
 * Ids count up for the life of the mount and are never given out twice,
 * so a node id never names another directory. A name leaves once neither
 * of the last two trees has it: whoever makes up names cannot grow it.
 */

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

static uint64_t hash_bytes(struct dbf_str s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (uint32_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.p[i]) * UINT64_C(1099511628211);
	return h;
}

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

size_t dbf_interner_count(const struct dbf_interner *in)
{
	return in->n;
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

/* Forget names last seen before epoch @keep; their ids stay used up. */
static void intern_sweep(struct dbf_interner *in, uint64_t keep)
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

static int intern(struct dbf_interner *in, struct dbf_str s, uint64_t *id)
{
	uint64_t h = hash_bytes(s);
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

/* ---- building ---- */

static struct dbf_str buf_key(const struct dbf_buf *b, bool exporter)
{
	if (exporter)
		return b->exporter;
	return b->has_name ? b->name : (struct dbf_str){ "", 0 };
}

static int group_key_cmp(const void *a, const void *b)
{
	return dbf_str_cmp(((const struct dbf_group *)a)->key,
			   ((const struct dbf_group *)b)->key);
}

static int group_id_cmp(const void *a, const void *b, void *arg)
{
	const struct dbf_group *g = arg;
	uint64_t x = g[*(const uint32_t *)a].id, y = g[*(const uint32_t *)b].id;

	return (x > y) - (x < y);
}

/* Runs of equal keys in by_name (or by_exporter) become directories. */
static int build_groups(const struct dbf_snapshot *snap, bool exporter,
			struct dbf_interner *in, struct dbf_group **groups,
			uint32_t *ngroups, uint32_t **by_id)
{
	const uint32_t *idx = exporter ? snap->by_exporter : snap->by_name;
	size_t n = exporter ? snap->nby_exporter : snap->nby_name;
	struct dbf_group *g;
	uint32_t ng = 0;
	int r;

	g = calloc(n ? n : 1, sizeof(*g));
	*by_id = calloc(n ? n : 1, sizeof(**by_id));
	*groups = g;
	if (!g || !*by_id)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct dbf_str key = buf_key(&snap->bufs[idx[i]], exporter);

		/* An empty name cannot be a path component. */
		if (!key.len)
			continue;
		if (ng && !dbf_str_cmp(g[ng - 1].key, key) &&
		    g[ng - 1].first + g[ng - 1].count == i) {
			g[ng - 1].count++;
			continue;
		}
		g[ng].key = key;
		g[ng].first = (uint32_t)i;
		g[ng].count = 1;
		r = intern(in, key, &g[ng].id);
		if (r < 0)
			return r;
		ng++;
	}
	/* Lookups bisect by key in dbf_str_cmp order. */
	qsort(g, ng, sizeof(*g), group_key_cmp);
	for (uint32_t i = 0; i < ng; i++)
		(*by_id)[i] = i;
	qsort_r(*by_id, ng, sizeof(**by_id), group_id_cmp, g);
	*ngroups = ng;
	return 0;
}

static int build_versions(struct dbf_tree *t, const struct dbf_tree *prev);

/*
 * A buffer node holds the inode in 32 bits, as wide as the kernel's
 * get_next_ino() makes them. Anything wider (a made-up capture) is left
 * out of every listing and lookup; said once per run.
 */
static void note_wide(const struct dbf_snapshot *snap)
{
	static bool said;

	if (!snap->nbufs || snap->bufs[snap->nbufs - 1].ino <= DBF_BUF_INO_MAX ||
	    __atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
		return;
	dbf_log(LOG_WARNING, "buffer inode %" PRIu64 " is wider than 32 bits; "
		"such buffers are not shown", snap->bufs[snap->nbufs - 1].ino);
}

int dbf_tree_build(struct dbf_snapshot *snap, struct dbf_interner *in,
		   const struct dbf_tree *prev, uid_t uid, gid_t gid,
		   bool shared, struct dbf_tree **out)
{
	struct dbf_tree *t = calloc(1, sizeof(*t));
	int r;

	if (!t) {
		dbf_snapshot_free(snap);
		return -ENOMEM;
	}
	t->snap = snap;
	t->uid = uid;
	t->gid = gid;
	t->shared = shared;
	t->refs = 1;
	t->epoch = ++in->epoch;
	note_wide(snap);
	r = build_groups(snap, false, in, &t->names, &t->nnames,
			 &t->names_by_id);
	if (r == 0)
		r = build_groups(snap, true, in, &t->exporters, &t->nexporters,
				 &t->exporters_by_id);
	if (r == 0)
		r = build_versions(t, prev);
	if (r < 0) {
		dbf_tree_free(t);
		return r;
	}
	/* What the kernel may still ask about is in one of the two. */
	intern_sweep(in, prev ? prev->epoch : t->epoch);
	*out = t;
	return 0;
}

void dbf_tree_free(struct dbf_tree *t)
{
	if (!t)
		return;
	dbf_snapshot_free(t->snap);
	free(t->names);
	free(t->names_by_id);
	free(t->exporters);
	free(t->exporters_by_id);
	free(t->name_ver);
	free(t->exp_ver);
	free(t->pid_ver);
	free(t);
}

/* ---- finding things ---- */

static const struct dbf_group *group_by_key(const struct dbf_group *g,
					    uint32_t n, struct dbf_str key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = dbf_str_cmp(g[mid].key, key);

		if (!c)
			return &g[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct dbf_group *group_by_id(const struct dbf_group *g,
					   const uint32_t *by_id, uint32_t n,
					   uint64_t id)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint64_t x = g[by_id[mid]].id;

		if (x == id)
			return &g[by_id[mid]];
		if (x < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct dbf_group *tree_group(const struct dbf_tree *t,
					  uint64_t node)
{
	if (dbf_node_kind(node) == DBF_KIND_NAME)
		return group_by_id(t->names, t->names_by_id, t->nnames,
				   dbf_node_key(node));
	return group_by_id(t->exporters, t->exporters_by_id, t->nexporters,
			   dbf_node_key(node));
}

static const uint32_t *group_index(const struct dbf_tree *t, uint64_t node)
{
	return dbf_node_kind(node) == DBF_KIND_NAME ? t->snap->by_name :
						      t->snap->by_exporter;
}

/* The buffer with inode @ino in a group's run (sorted by ino), or NULL. */
static const struct dbf_buf *group_find(const struct dbf_tree *t,
					const uint32_t *idx,
					const struct dbf_group *g, uint64_t ino)
{
	uint32_t lo = g->first, hi = g->first + g->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct dbf_buf *b = &t->snap->bufs[idx[mid]];

		if (b->ino == ino)
			return b;
		if (b->ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct dbf_buf *holder_buf(const struct dbf_snapshot *s,
					const struct dbf_proc *p, uint32_t i)
{
	return &s->bufs[s->holders[s->proc_holders[p->ph0 + i]].buf];
}

static const struct dbf_buf *proc_find(const struct dbf_snapshot *s,
				       const struct dbf_proc *p, uint64_t ino)
{
	uint32_t lo = 0, hi = p->nph;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct dbf_buf *b = holder_buf(s, p, mid);

		if (b->ino == ino)
			return b;
		if (b->ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Canonical decimal only, so each object has exactly one name. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

/* ---- directory versions ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * UINT64_C(0x100000001b3);
	return h ^ (h >> 29);
}

#define HASH0 UINT64_C(14695981039346656037)

/* Stands for "no such directory in the previous tree". */
static const struct dbf_dirver new_dir;

/* @old is NULL in the first tree, &new_dir for a directory new in this one. */
static void ver_set(struct dbf_dirver *v, uint64_t hash,
		    const struct dbf_dirver *old, struct timespec now)
{
	bool same = old && old != &new_dir && old->hash == hash;

	v->hash = hash;
	v->mtime = same ? old->mtime : now;
	v->born = old && old != &new_dir ? old->born : now;
	v->changed = old && !same;
}

const struct dbf_dirver *dbf_tree_dirver(const struct dbf_tree *t,
					 uint64_t dir)
{
	const struct dbf_group *g;
	const struct dbf_proc *p;
	uint64_t key = dbf_node_key(dir);

	switch (dbf_node_kind(dir)) {
	case DBF_KIND_FIXED:
		return key >= DBF_NODE_ROOT && key < DBF_NODE_SUMMARY ?
		       &t->fixed[key] : NULL;
	case DBF_KIND_NAME:
		g = tree_group(t, dir);
		return g ? &t->name_ver[g - t->names] : NULL;
	case DBF_KIND_EXPORTER:
		g = tree_group(t, dir);
		return g ? &t->exp_ver[g - t->exporters] : NULL;
	case DBF_KIND_PID:
		p = dbf_snapshot_proc(t->snap, (pid_t)key);
		return p ? &t->pid_ver[p - t->snap->procs] : NULL;
	case DBF_KIND_BUF:
		break;
	}
	return NULL;
}

/*
 * A directory that is new in this tree counts as changed: its node id may
 * have meant the same path before (a reused pid), with a listing the
 * kernel still caches. The first tree has nothing before it.
 */
static const struct dbf_dirver *prev_ver(const struct dbf_tree *prev,
					 uint64_t dir)
{
	const struct dbf_dirver *v;

	if (!prev)
		return NULL;
	v = dbf_tree_dirver(prev, dir);
	return v ? v : &new_dir;
}

static void group_versions(struct dbf_tree *t, const struct dbf_tree *prev,
			   bool exporter)
{
	const struct dbf_group *g = exporter ? t->exporters : t->names;
	struct dbf_dirver *ver = exporter ? t->exp_ver : t->name_ver;
	const uint32_t *idx = exporter ? t->snap->by_exporter : t->snap->by_name;
	enum dbf_node_kind kind = exporter ? DBF_KIND_EXPORTER : DBF_KIND_NAME;
	uint32_t n = exporter ? t->nexporters : t->nnames;
	uint64_t top = HASH0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = mix(HASH0, g[i].count);

		for (uint32_t j = 0; j < g[i].count; j++)
			h = mix(h, t->snap->bufs[idx[g[i].first + j]].ino);
		ver_set(&ver[i], h, prev_ver(prev, dbf_node(kind, g[i].id)),
			t->snap->taken);
		top = mix(top, g[i].id);
	}
	ver_set(&t->fixed[exporter ? DBF_NODE_BY_EXPORTER : DBF_NODE_BY_NAME],
		mix(top, n), prev_ver(prev, dbf_node(DBF_KIND_FIXED, exporter ?
			DBF_NODE_BY_EXPORTER : DBF_NODE_BY_NAME)), t->snap->taken);
}

static int build_versions(struct dbf_tree *t, const struct dbf_tree *prev)
{
	const struct dbf_snapshot *s = t->snap;
	struct timespec now = s->taken;
	uint64_t h;

	t->name_ver = calloc(t->nnames ? t->nnames : 1, sizeof(*t->name_ver));
	t->exp_ver = calloc(t->nexporters ? t->nexporters : 1, sizeof(*t->exp_ver));
	t->pid_ver = calloc(s->nprocs ? s->nprocs : 1, sizeof(*t->pid_ver));
	if (!t->name_ver || !t->exp_ver || !t->pid_ver)
		return -ENOMEM;

	ver_set(&t->fixed[DBF_NODE_ROOT], HASH0,
		prev_ver(prev, dbf_node(DBF_KIND_FIXED, DBF_NODE_ROOT)), now);
	h = mix(HASH0, s->nbufs);
	for (size_t i = 0; i < s->nbufs; i++)
		h = mix(h, s->bufs[i].ino);
	ver_set(&t->fixed[DBF_NODE_BY_INODE], h,
		prev_ver(prev, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE)), now);
	group_versions(t, prev, false);
	group_versions(t, prev, true);
	h = mix(HASH0, s->nprocs);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];
		/* The owner too: a new one must reach the kernel's cached mode check. */
		uint64_t ph = mix(mix(mix(HASH0, p->owner), p->owner_gid), p->nph);

		for (uint32_t j = 0; j < p->nph; j++)
			ph = mix(ph, s->bufs[s->holders[s->proc_holders[p->ph0 + j]].buf].ino);
		ver_set(&t->pid_ver[i], ph,
			prev_ver(prev, dbf_node(DBF_KIND_PID, (uint64_t)p->pid)), now);
		h = mix(h, (uint64_t)p->pid);
	}
	ver_set(&t->fixed[DBF_NODE_BY_PID], h,
		prev_ver(prev, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_PID)), now);
	return 0;
}

/* ---- attributes ---- */

static bool buf_named(const struct dbf_buf *b)
{
	return b->has_name && b->name.len;
}

static void buf_attr(const struct dbf_tree *t, const struct dbf_buf *b,
		     struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = b->ino;
	st->st_mode = S_IFREG | 0444;
	/*
	 * One link per entry that names it: by-inode, by-name, by-exporter,
	 * one per holder. Shared, the holders are not everyone's to count:
	 * by-pid/ then counts as one link, held or not, which keeps du from
	 * counting a buffer twice there.
	 */
	st->st_nlink = 1 + buf_named(b) + (b->exporter.len > 0) +
		       (t->shared ? 1 : b->nholders);
	st->st_uid = t->uid;
	st->st_gid = t->gid;
	st->st_size = (off_t)b->size;
	st->st_blocks = (blkcnt_t)((b->size + 511) / 512);
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = b->first_seen;
}

static void dir_attr(const struct dbf_tree *t, uint64_t node, nlink_t subdirs,
		     uid_t uid, gid_t gid, struct stat *st)
{
	const struct dbf_dirver *ver;
	bool pid = dbf_node_kind(node) == DBF_KIND_PID;

	memset(st, 0, sizeof(*st));
	st->st_ino = dbf_node_kind(node) == DBF_KIND_FIXED ?
		     FIXED_INO_BASE | dbf_node_key(node) : node;
	/* Like /proc/<pid>/fd: only the process's owner (and root) may list it. */
	st->st_mode = S_IFDIR | (pid ? 0500 : 0555);
	st->st_nlink = 2 + subdirs;
	st->st_uid = uid;
	st->st_gid = gid;
	st->st_blksize = 4096;
	/*
	 * When the entries last changed: the kernel's cue to drop a cached
	 * listing. Shared, a process's holdings are its owner's business, so
	 * its directory keeps the time it appeared and is never cached
	 * (fuse/view.c).
	 */
	ver = dbf_tree_dirver(t, node);
	st->st_atim = st->st_mtim = st->st_ctim =
		!ver ? t->snap->taken : pid && t->shared ? ver->born : ver->mtime;
}

/*
 * Like /proc/<pid>/fd: the process's owner, root:root when procfs shows
 * it to root alone. default_permissions then keeps others out, and
 * dbf_tree_may_enter() checks the gid too, and what the kernel cached.
 */
static void pid_attr(const struct dbf_tree *t, const struct dbf_proc *p,
		     struct stat *st)
{
	dir_attr(t, dbf_node(DBF_KIND_PID, (uint64_t)p->pid), 0, p->owner,
		 p->owner ? p->owner_gid : 0, st);
}

int dbf_tree_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st)
{
	const struct dbf_snapshot *s = t->snap;
	const struct dbf_buf *b;
	const struct dbf_proc *p;

	switch (dbf_node_kind(node)) {
	case DBF_KIND_FIXED:
		switch (dbf_node_key(node)) {
		case DBF_NODE_ROOT:
			dir_attr(t, node, 4, t->uid, t->gid, st);
			return 0;
		case DBF_NODE_BY_INODE:
			dir_attr(t, node, 0, t->uid, t->gid, st);
			return 0;
		case DBF_NODE_BY_NAME:
			dir_attr(t, node, t->nnames, t->uid, t->gid, st);
			return 0;
		case DBF_NODE_BY_EXPORTER:
			dir_attr(t, node, t->nexporters, t->uid, t->gid, st);
			return 0;
		case DBF_NODE_BY_PID:
			dir_attr(t, node, s->nprocs, t->uid, t->gid, st);
			return 0;
		case DBF_NODE_SUMMARY:
			memset(st, 0, sizeof(*st));
			st->st_ino = FIXED_INO_BASE | DBF_NODE_SUMMARY;
			st->st_mode = S_IFREG | 0444;
			st->st_nlink = 1;
			st->st_uid = t->uid;
			st->st_gid = t->gid;
			st->st_blksize = 4096;
			st->st_atim = st->st_mtim = st->st_ctim = s->taken;
			return 0;
		}
		return -ENOENT;
	case DBF_KIND_BUF:
		b = dbf_snapshot_buf(s, dbf_node_ino(node));
		if (!b)
			return -ENOENT;
		buf_attr(t, b, st);
		return 0;
	case DBF_KIND_NAME:
	case DBF_KIND_EXPORTER:
		if (!tree_group(t, node))
			return -ENOENT;
		dir_attr(t, node, 0, t->uid, t->gid, st);
		return 0;
	case DBF_KIND_PID:
		p = dbf_snapshot_proc(s, (pid_t)dbf_node_key(node));
		if (!p)
			return -ENOENT;
		pid_attr(t, p, st);
		return 0;
	}
	return -ENOENT;
}

/* ---- lookup ---- */

static const char *const fixed_names[] = {
	[DBF_NODE_BY_INODE] = "by-inode",
	[DBF_NODE_BY_NAME] = "by-name",
	[DBF_NODE_BY_EXPORTER] = "by-exporter",
	[DBF_NODE_BY_PID] = "by-pid",
	[DBF_NODE_SUMMARY] = "summary",
};

#define NFIXED (DBF_NODE_SUMMARY - DBF_NODE_ROOT)

static int lookup_group(const struct dbf_tree *t, bool exporter,
			const char *name, uint64_t *node)
{
	char key[256];
	size_t len = strlen(name);
	const struct dbf_group *g;
	int n;

	if (len >= sizeof(key))
		return -ENOENT;
	n = dbf_unescape_component(key, name, len);
	if (n <= 0)
		return -ENOENT;
	if (exporter)
		g = group_by_key(t->exporters, t->nexporters,
				 (struct dbf_str){ key, (uint32_t)n });
	else
		g = group_by_key(t->names, t->nnames,
				 (struct dbf_str){ key, (uint32_t)n });
	if (!g)
		return -ENOENT;
	*node = dbf_node(exporter ? DBF_KIND_EXPORTER : DBF_KIND_NAME, g->id);
	return 0;
}

int dbf_tree_lookup(const struct dbf_tree *t, uint64_t parent,
		    const char *name, uint64_t *node, struct stat *st)
{
	const struct dbf_snapshot *s = t->snap;
	const struct dbf_group *g;
	const struct dbf_proc *p;
	const struct dbf_buf *b = NULL;
	uint64_t v;
	int r;

	switch (dbf_node_kind(parent)) {
	case DBF_KIND_FIXED:
		switch (dbf_node_key(parent)) {
		case DBF_NODE_ROOT:
			for (int i = DBF_NODE_BY_INODE; i <= DBF_NODE_SUMMARY; i++) {
				if (!strcmp(name, fixed_names[i])) {
					*node = dbf_node(DBF_KIND_FIXED, i);
					return dbf_tree_getattr(t, *node, st);
				}
			}
			return -ENOENT;
		case DBF_NODE_BY_INODE:
			if (!parse_u64(name, DBF_BUF_INO_MAX, &v))
				return -ENOENT;
			b = dbf_snapshot_buf(s, v);
			goto found;
		case DBF_NODE_BY_NAME:
		case DBF_NODE_BY_EXPORTER:
			r = lookup_group(t, dbf_node_key(parent) == DBF_NODE_BY_EXPORTER,
					 name, node);
			if (r < 0)
				return r;
			return dbf_tree_getattr(t, *node, st);
		case DBF_NODE_BY_PID:
			if (!parse_u64(name, INT32_MAX, &v) ||
			    !dbf_snapshot_proc(s, (pid_t)v))
				return -ENOENT;
			*node = dbf_node(DBF_KIND_PID, v);
			return dbf_tree_getattr(t, *node, st);
		case DBF_NODE_SUMMARY:
			return -ENOTDIR;
		}
		return -ENOENT;
	case DBF_KIND_BUF:
		return -ENOTDIR;
	case DBF_KIND_NAME:
	case DBF_KIND_EXPORTER:
		g = tree_group(t, parent);
		if (!g || !parse_u64(name, DBF_BUF_INO_MAX, &v))
			return -ENOENT;
		b = group_find(t, group_index(t, parent), g, v);
		break;
	case DBF_KIND_PID:
		p = dbf_snapshot_proc(s, (pid_t)dbf_node_key(parent));
		if (!p || !parse_u64(name, DBF_BUF_INO_MAX, &v))
			return -ENOENT;
		b = proc_find(s, p, v);
		break;
	}
found:
	if (!b)
		return -ENOENT;
	*node = dbf_buf_node(b->ino, DBF_CLASS_ROOT);
	buf_attr(t, b, st);
	return 0;
}

/* ---- listing ---- */

long dbf_tree_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_group *g;
	const struct dbf_proc *p;

	switch (dbf_node_kind(dir)) {
	case DBF_KIND_FIXED:
		switch (dbf_node_key(dir)) {
		case DBF_NODE_ROOT:
			return NFIXED;
		case DBF_NODE_BY_INODE:
			return (long)t->snap->nbufs;
		case DBF_NODE_BY_NAME:
			return t->nnames;
		case DBF_NODE_BY_EXPORTER:
			return t->nexporters;
		case DBF_NODE_BY_PID:
			return (long)t->snap->nprocs;
		case DBF_NODE_SUMMARY:
			return -ENOTDIR;
		}
		return -ENOENT;
	case DBF_KIND_BUF:
		return -ENOTDIR;
	case DBF_KIND_NAME:
	case DBF_KIND_EXPORTER:
		g = tree_group(t, dir);
		return g ? (long)g->count : -ENOENT;
	case DBF_KIND_PID:
		p = dbf_snapshot_proc(t->snap, (pid_t)dbf_node_key(dir));
		return p ? (long)p->nph : -ENOENT;
	}
	return -ENOENT;
}

static int buf_child(const struct dbf_tree *t, const struct dbf_buf *b,
		     char name[256], uint64_t *node, struct stat *st)
{
	if (b->ino > DBF_BUF_INO_MAX)
		return 1;	/* see note_wide() */
	snprintf(name, 256, "%" PRIu64, b->ino);
	*node = dbf_buf_node(b->ino, DBF_CLASS_ROOT);
	buf_attr(t, b, st);
	return 0;
}

int dbf_tree_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		   char name[256], uint64_t *node, struct stat *st)
{
	const struct dbf_snapshot *s = t->snap;
	const struct dbf_group *g;
	const struct dbf_proc *p;
	uint64_t key = dbf_node_key(dir);

	switch (dbf_node_kind(dir)) {
	case DBF_KIND_FIXED:
		switch (key) {
		case DBF_NODE_ROOT:
			strcpy(name, fixed_names[DBF_NODE_BY_INODE + i]);
			*node = dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE + i);
			return dbf_tree_getattr(t, *node, st);
		case DBF_NODE_BY_INODE:
			return buf_child(t, &s->bufs[i], name, node, st);
		case DBF_NODE_BY_NAME:
		case DBF_NODE_BY_EXPORTER:
			g = key == DBF_NODE_BY_NAME ? &t->names[i] : &t->exporters[i];
			/* Longer than NAME_MAX once escaped: cannot be listed. */
			if (dbf_escape_component(name, 256, g->key) > 255)
				return 1;
			*node = dbf_node(key == DBF_NODE_BY_NAME ? DBF_KIND_NAME :
					 DBF_KIND_EXPORTER, g->id);
			return dbf_tree_getattr(t, *node, st);
		case DBF_NODE_BY_PID:
			snprintf(name, 256, "%d", (int)s->procs[i].pid);
			*node = dbf_node(DBF_KIND_PID, (uint64_t)s->procs[i].pid);
			pid_attr(t, &s->procs[i], st);
			return 0;
		}
		return -ENOENT;
	case DBF_KIND_NAME:
	case DBF_KIND_EXPORTER:
		g = tree_group(t, dir);
		if (!g || i >= g->count)
			return -ENOENT;
		return buf_child(t, &s->bufs[group_index(t, dir)[g->first + i]],
				 name, node, st);
	case DBF_KIND_PID:
		p = dbf_snapshot_proc(s, (pid_t)key);
		if (!p || i >= p->nph)
			return -ENOENT;
		return buf_child(t, holder_buf(s, p, (uint32_t)i), name, node, st);
	case DBF_KIND_BUF:
		return -ENOTDIR;
	}
	return -ENOENT;
}

uint64_t dbf_tree_parent(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	switch (dbf_node_kind(dir)) {
	case DBF_KIND_NAME:
		return dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_NAME);
	case DBF_KIND_EXPORTER:
		return dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_EXPORTER);
	case DBF_KIND_PID:
		return dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_PID);
	default:
		return dbf_node(DBF_KIND_FIXED, DBF_NODE_ROOT);
	}
}

uint64_t dbf_tree_generation(const struct dbf_tree *t, uint64_t node)
{
	const struct dbf_proc *p;

	/* A reused pid is another process: the kernel must not mix them up. */
	if (dbf_node_kind(node) != DBF_KIND_PID)
		return 0;
	p = dbf_snapshot_proc(t->snap, (pid_t)dbf_node_key(node));
	return p ? p->start_time : 0;
}

int dbf_tree_may_enter(const struct dbf_tree *t, uint64_t dir,
		       const struct dbf_caller *c)
{
	const struct dbf_proc *p;

	if (dbf_node_kind(dir) != DBF_KIND_PID)
		return 0;
	p = dbf_snapshot_proc(t->snap, (pid_t)dbf_node_key(dir));
	if (!p)
		return -ENOENT;
	return dbf_caller_sees(c, p) ? 0 : -EACCES;
}

/* ---- text ---- */

static void put_text(FILE *f, struct dbf_str s)
{
	char small[256], *p = small;
	size_t n = dbf_escape_text(small, sizeof(small), s, false);

	if (n >= sizeof(small)) {
		p = malloc(n + 1);
		if (!p) {
			/* Names are at most 32 bytes; this is for odd exporters. */
			p = small;
			n = sizeof(small) - 1;
		} else {
			dbf_escape_text(p, n + 1, s, false);
		}
	}
	fwrite(p, 1, n, f);
	if (p != small)
		free(p);
}

static void render_buf(const struct dbf_snapshot *s, const struct dbf_buf *b,
		       const struct dbf_caller *caller, FILE *f)
{
	const struct dbf_holder *h = &s->holders[b->holder0];
	bool count = caller->sees == DBF_SEES_ALL;

	/*
	 * The refcount counts every holder's references: only for those who
	 * could read it in the fdinfo of a process of theirs.
	 */
	for (uint32_t i = 0; i < b->nholders && !count; i++)
		count = h[i].nfds && dbf_caller_sees(caller, &s->procs[h[i].proc]);

	/* An unknown or empty value is an empty one: "key:" and nothing. */
	fprintf(f, "inode: %" PRIu64 "\nsize: %" PRIu64 "\nexporter:",
		b->ino, b->size);
	if (b->exporter.len) {
		fputc(' ', f);
		put_text(f, b->exporter);
	}
	fputs("\nname:", f);
	if (b->has_name && b->name.len) {
		fputc(' ', f);
		put_text(f, b->name);
	}
	fputs("\nrefcount:", f);
	if (b->refcount >= 0 && count)
		fprintf(f, " %" PRId64, b->refcount);
	if (b->devices_known) {
		fputs("\ndevices:", f);
		for (uint32_t i = 0; i < b->ndevices; i++) {
			fputc(' ', f);
			put_text(f, b->devices[i]);
		}
	}
	/* Processes the caller may not look into are left out, as in procfs. */
	fputs("\npids:", f);
	for (uint32_t i = 0; i < b->nholders; i++)
		if (dbf_caller_sees(caller, &s->procs[h[i].proc]))
			fprintf(f, " %d", (int)s->procs[h[i].proc].pid);
	fputs("\nfds:", f);
	for (uint32_t i = 0; i < b->nholders; i++) {
		if (!dbf_caller_sees(caller, &s->procs[h[i].proc]))
			continue;
		for (uint32_t j = 0; j < h[i].nfds; j++)
			fprintf(f, " %d:%d", (int)s->procs[h[i].proc].pid,
				(int)s->fds[h[i].fd0 + j]);
	}
	fputs("\nmaps:", f);
	for (uint32_t i = 0; i < b->nholders; i++)
		if (h[i].maps && dbf_caller_sees(caller, &s->procs[h[i].proc]))
			fprintf(f, " %d:%" PRIu32 "%s", (int)s->procs[h[i].proc].pid,
				h[i].maps, h[i].maps_unverified ? "(unverified)" : "");
	fputc('\n', f);
}

static void render_groups(const struct dbf_tree *t, bool exporter, FILE *f)
{
	const struct dbf_group *g = exporter ? t->exporters : t->names;
	const uint32_t *idx = exporter ? t->snap->by_exporter : t->snap->by_name;
	uint32_t n = exporter ? t->nexporters : t->nnames;

	fprintf(f, "\n[%s]\nbuffers\tbytes\t%s\n", exporter ? "exporters" : "names",
		exporter ? "exporter" : "name");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t bytes = 0;

		for (uint32_t j = 0; j < g[i].count; j++)
			bytes += t->snap->bufs[idx[g[i].first + j]].size;
		fprintf(f, "%" PRIu32 "\t%" PRIu64 "\t", g[i].count, bytes);
		put_text(f, g[i].key);
		fputc('\n', f);
	}
}

static void render_summary(const struct dbf_tree *t,
			   const struct dbf_caller *caller, FILE *f)
{
	const struct dbf_snapshot *s = t->snap;
	struct timespec now;
	int64_t age;

	fputs("sources: procfs", f);
	if (s->sources & DBF_SRC_BUFINFO)
		fputs(" debugfs", f);
	if (s->sources & DBF_SRC_SYSFS)
		fputs(" sysfs", f);
	if (!(s->sources & (DBF_SRC_BUFINFO | DBF_SRC_SYSFS)))
		fputs(" only", f);
	fprintf(f, "\nbuffers: %zu\nbytes: %" PRIu64 "\nheld_by_nobody: %zu\n"
		"processes: %zu\nprocesses_scanned: %zu\nunreadable: %zu\n"
		"unreadable_pids:",
		s->nbufs, s->total_bytes, s->held_by_nobody, s->nprocs,
		s->nprocs_scanned, s->nunreadable);
	for (size_t i = 0; i < s->nunreadable; i++)
		fprintf(f, " %d", (int)s->unreadable[i]);
	fprintf(f, "\nanon_fds: %" PRIu32 "\nanon_maps: %" PRIu32 "\n",
		s->anon_fds, s->anon_maps);
	/* Requests never wait for a scan: say how old this one is. */
	clock_gettime(CLOCK_REALTIME, &now);
	age = (int64_t)(now.tv_sec - s->taken.tv_sec) * 1000 +
	      (now.tv_nsec - s->taken.tv_nsec) / 1000000;
	fprintf(f, "scan_ms: %" PRIu64 "\nage_ms: %" PRId64 "\n",
		(s->scan_ns + 500000) / 1000000, age < 0 ? 0 : age);

	render_groups(t, true, f);
	render_groups(t, false, f);

	fputs("\n[processes]\npid\tuid\tbuffers\tfds\tmaps\tsize\tpss\tanon_fds\tanon_maps\tcomm\n",
	      f);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];

		/* Totals above stay whole; the rows are per process. */
		if (!dbf_caller_sees(caller, p))
			continue;
		fprintf(f, "%d\t%u\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t%"
			PRIu64 "\t%" PRIu64 "\t%" PRIu32 "\t%" PRIu32 "\t",
			(int)p->pid, (unsigned int)p->uid, p->nph, p->nfds, p->nmaps,
			p->bytes, p->pss, p->anon_fds, p->anon_maps);
		put_text(f, (struct dbf_str){ p->comm,
					      (uint32_t)strnlen(p->comm, DBF_COMM_MAX) });
		fputc('\n', f);
	}
}

int dbf_tree_render(const struct dbf_tree *t, uint64_t node,
		    const struct dbf_caller *caller, char **text, size_t *len)
{
	const struct dbf_buf *b = NULL;
	FILE *f;

	if (dbf_node_kind(node) == DBF_KIND_BUF) {
		b = dbf_snapshot_buf(t->snap, dbf_node_ino(node));
		if (!b)
			return -ENOENT;
	} else if (node != dbf_node(DBF_KIND_FIXED, DBF_NODE_SUMMARY)) {
		return -EISDIR;
	}
	*text = NULL;
	f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	if (b)
		render_buf(t->snap, b, caller, f);
	else
		render_summary(t, caller, f);
	if (ferror(f)) {
		fclose(f);
		free(*text);
		return -ENOMEM;
	}
	if (fclose(f)) {
		free(*text);
		return -ENOMEM;
	}
	return 0;
}

/* ---- what a rebuild removed ---- */

static void gone_num(dbf_gone_fn gone, void *arg, uint64_t parent, uint64_t v)
{
	char name[24];
	int n = snprintf(name, sizeof(name), "%" PRIu64, v);

	gone(arg, parent, name, (size_t)n);
}

static void diff_groups(const struct dbf_tree *old, const struct dbf_tree *new,
			bool exporter, dbf_gone_fn gone, void *arg)
{
	const struct dbf_group *og = exporter ? old->exporters : old->names;
	uint32_t on = exporter ? old->nexporters : old->nnames;
	enum dbf_node_kind kind = exporter ? DBF_KIND_EXPORTER : DBF_KIND_NAME;
	uint64_t top = dbf_node(DBF_KIND_FIXED, exporter ? DBF_NODE_BY_EXPORTER :
						      DBF_NODE_BY_NAME);

	for (uint32_t i = 0; i < on; i++) {
		uint64_t dir = dbf_node(kind, og[i].id);
		const struct dbf_group *ng = tree_group(new, dir);
		const uint32_t *oidx = group_index(old, dir);

		if (!ng) {
			char comp[256];
			size_t n = dbf_escape_component(comp, sizeof(comp), og[i].key);

			if (n < sizeof(comp))
				gone(arg, top, comp, n);
			continue;
		}
		for (uint32_t j = 0; j < og[i].count; j++) {
			uint64_t ino = old->snap->bufs[oidx[og[i].first + j]].ino;

			if (!group_find(new, group_index(new, dir), ng, ino))
				gone_num(gone, arg, dir, ino);
		}
	}
}

static void changed_dirs(const struct dbf_tree *old, const struct dbf_tree *new,
			 dbf_changed_fn changed, void *arg)
{
	const struct dbf_snapshot *os = old->snap;
	const struct dbf_dirver *v;

	for (int k = DBF_NODE_ROOT; k < DBF_NODE_SUMMARY; k++)
		if (old->fixed[k].hash != new->fixed[k].hash)
			changed(arg, dbf_node(DBF_KIND_FIXED, (uint64_t)k));
	for (uint32_t i = 0; i < old->nnames; i++) {
		uint64_t dir = dbf_node(DBF_KIND_NAME, old->names[i].id);

		v = dbf_tree_dirver(new, dir);
		if (v && v->hash != old->name_ver[i].hash)
			changed(arg, dir);
	}
	for (uint32_t i = 0; i < old->nexporters; i++) {
		uint64_t dir = dbf_node(DBF_KIND_EXPORTER, old->exporters[i].id);

		v = dbf_tree_dirver(new, dir);
		if (v && v->hash != old->exp_ver[i].hash)
			changed(arg, dir);
	}
	for (size_t i = 0; i < os->nprocs; i++) {
		uint64_t dir = dbf_node(DBF_KIND_PID, (uint64_t)os->procs[i].pid);

		v = dbf_tree_dirver(new, dir);
		if (v && v->hash != old->pid_ver[i].hash)
			changed(arg, dir);
	}
}

void dbf_tree_diff(const struct dbf_tree *old, const struct dbf_tree *new,
		   dbf_gone_fn gone, dbf_changed_fn changed, void *arg)
{
	const struct dbf_snapshot *os = old->snap, *ns = new->snap;

	changed_dirs(old, new, changed, arg);

	for (size_t i = 0; i < os->nbufs; i++)
		if (!dbf_snapshot_buf(ns, os->bufs[i].ino))
			gone_num(gone, arg, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE),
				 os->bufs[i].ino);
	diff_groups(old, new, false, gone, arg);
	diff_groups(old, new, true, gone, arg);
	for (size_t i = 0; i < os->nprocs; i++) {
		const struct dbf_proc *op = &os->procs[i];
		const struct dbf_proc *np = dbf_snapshot_proc(ns, op->pid);
		uint64_t dir = dbf_node(DBF_KIND_PID, (uint64_t)op->pid);

		if (!np) {
			gone_num(gone, arg, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_PID),
				 (uint64_t)op->pid);
			continue;
		}
		for (uint32_t j = 0; j < op->nph; j++) {
			uint64_t ino = holder_buf(os, op, j)->ino;

			if (!proc_find(ns, np, ino))
				gone_num(gone, arg, dir, ino);
		}
	}
}

/* ---- caller classes of a shared mount ---- */

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

uint16_t dbf_class_of(struct dbf_classes *c, uid_t uid, gid_t gid)
{
	uint64_t key = (uint64_t)uid << 32 | gid;
	size_t lo = 0, hi;
	uint16_t cls = DBF_CLASS_PUBLIC;

	if (!uid)
		return DBF_CLASS_ROOT;
	pthread_mutex_lock(&c->lock);
	hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->sorted[mid].key == key) {
			cls = c->sorted[mid].cls;
			goto out;
		}
		if (c->sorted[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
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
