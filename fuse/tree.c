// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dmabuf tree over one snapshot (see docs/layout.md).
 *
 * Each kind of node (enum dbf_node_kind) has one entry of operations in
 * kinds[], and each fixed node (the root, by-*, the files) one in
 * fixed_nodes[]; the dbf_tree_* functions at the end only dispatch. A new
 * kind of directory is a section of its own and one entry in each table
 * that lists it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "escape.h"
#include "hash.h"
#include "log.h"
#include "tree.h"

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

/* ---- finding things ---- */

static int u64_cmp(uint64_t x, uint64_t y)
{
	return (x > y) - (x < y);
}

struct key_seek {
	const struct dbf_groups *gs;
	struct dbf_str key;
};

static int group_key_at(const void *arg, size_t i)
{
	const struct key_seek *k = arg;

	return dbf_str_cmp(k->gs->g[i].key, k->key);
}

static const struct dbf_group *group_by_key(const struct dbf_groups *gs,
					    struct dbf_str key)
{
	size_t i;

	return dbf_bisect_find(0, gs->n, group_key_at,
			       &(struct key_seek){ gs, key }, &i) ? &gs->g[i] : NULL;
}

/*
 * An array of records that each begin with their uint64_t id (struct
 * dbf_group, struct dbf_cgroup), for the index arrays that order them by
 * id: one sort and one bisect serve both kinds.
 */
struct id_recs {
	const void *p;
	size_t size;
};

static uint64_t rec_id(const struct id_recs *r, uint32_t i)
{
	uint64_t id;

	memcpy(&id, (const char *)r->p + (size_t)i * r->size, sizeof(id));
	return id;
}

/* qsort_r() order of indices into @arg, a struct id_recs, by id. */
static int id_cmp(const void *a, const void *b, void *arg)
{
	return u64_cmp(rec_id(arg, *(const uint32_t *)a),
		       rec_id(arg, *(const uint32_t *)b));
}

struct id_seek {
	const struct id_recs *r;
	const uint32_t *by;
	uint64_t id;
};

static int id_at(const void *arg, size_t i)
{
	const struct id_seek *k = arg;

	return u64_cmp(rec_id(k->r, k->by[i]), k->id);
}

/* The index of the record with @id, through @by (@n indices by id), or -1. */
static int64_t id_find(const struct id_recs *r, const uint32_t *by, uint32_t n,
		       uint64_t id)
{
	size_t i;

	if (!dbf_bisect_find(0, n, id_at, &(struct id_seek){ r, by, id }, &i))
		return -1;
	return by[i];
}

_Static_assert(offsetof(struct dbf_group, id) == 0, "id_recs reads the id first");

static const struct dbf_group *group_by_id(const struct dbf_groups *gs,
					   uint64_t id)
{
	struct id_recs r = { gs->g, sizeof(*gs->g) };
	int64_t i = id_find(&r, gs->by_id, gs->n, id);

	return i < 0 ? NULL : &gs->g[i];
}

/* The group directory @node (its kind says which set), or NULL. */
static const struct dbf_group *tree_group(const struct dbf_tree *t,
					  uint64_t node)
{
	return group_by_id(&t->groups[dbf_node_kind(node)], dbf_node_key(node));
}

/*
 * The buffer with inode @ino in the run [@lo, @hi) of @idx (snap->bufs
 * indices sorted by inode), or NULL. Groups and cgroups keep their
 * buffers so.
 */
struct ino_seek {
	const struct dbf_snapshot *s;
	const uint32_t *idx;		/* a run of snap->bufs indices, or */
	const struct dbf_proc *p;	/* a process's holdings */
	uint64_t ino;
};

static const struct dbf_buf *holder_buf(const struct dbf_snapshot *s,
					const struct dbf_proc *p, uint32_t i)
{
	return &s->bufs[s->holders[s->proc_holders[p->ph0 + i]].buf];
}

static int ino_at(const void *arg, size_t i)
{
	const struct ino_seek *k = arg;
	const struct dbf_buf *b = k->idx ? &k->s->bufs[k->idx[i]] :
				  holder_buf(k->s, k->p, (uint32_t)i);

	return u64_cmp(b->ino, k->ino);
}

static const struct dbf_buf *run_find(const struct dbf_tree *t,
				      const uint32_t *idx, uint32_t lo,
				      uint32_t hi, uint64_t ino)
{
	size_t i;

	return dbf_bisect_find(lo, hi, ino_at,
			       &(struct ino_seek){ .s = t->snap, .idx = idx, .ino = ino },
			       &i) ? &t->snap->bufs[idx[i]] : NULL;
}

static const struct dbf_buf *proc_find(const struct dbf_snapshot *s,
				       const struct dbf_proc *p, uint64_t ino)
{
	size_t i;

	return dbf_bisect_find(0, p->nph, ino_at,
			       &(struct ino_seek){ .s = s, .p = p, .ino = ino },
			       &i) ? holder_buf(s, p, (uint32_t)i) : NULL;
}

static const struct dbf_proc *pid_proc(const struct dbf_tree *t, uint64_t node)
{
	return dbf_snapshot_proc(t->snap, (pid_t)dbf_node_key(node));
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

static uint64_t fixed_node(int key)
{
	return dbf_node(DBF_KIND_FIXED, (uint64_t)key);
}

/* ---- directory versions ---- */

/* FNV-1a's step on a whole value, folded so that high bits count too. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * DBF_FNV_PRIME;
	return h ^ (h >> 29);
}

#define HASH0 DBF_FNV_BASIS

/*
 * What a process's holdings add to @h: its owner too, since a new one
 * must reach the kernel's cached mode check and decides who sees what,
 * and its start time, since a reused pid is another process.
 */
static uint64_t proc_hash(uint64_t h, const struct dbf_snapshot *s,
			  const struct dbf_proc *p)
{
	h = mix(mix(mix(mix(h, p->start_time), p->owner), p->owner_gid), p->nph);
	for (uint32_t j = 0; j < p->nph; j++)
		h = mix(h, holder_buf(s, p, j)->ino);
	return h;
}

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

/* ---- attributes ---- */

static bool buf_named(const struct dbf_buf *b)
{
	return b->has_name && b->name.len;
}

static nlink_t buf_links(const struct dbf_tree *t, const struct dbf_buf *b);

static void buf_attr(const struct dbf_tree *t, const struct dbf_buf *b,
		     struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = b->ino;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = buf_links(t, b);
	st->st_uid = t->uid;
	st->st_gid = t->gid;
	st->st_size = (off_t)b->size;
	st->st_blocks = (blkcnt_t)((b->size + 511) / 512);
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = b->first_seen;
}

/* A directory of @subdirs subdirectories, 0555 and the mount owner's. */
static void dir_attr(const struct dbf_tree *t, uint64_t node, nlink_t subdirs,
		     struct stat *st)
{
	const struct dbf_dirver *ver = dbf_tree_dirver(t, node);

	memset(st, 0, sizeof(*st));
	st->st_ino = dbf_node_kind(node) == DBF_KIND_FIXED ?
		     FIXED_INO_BASE | dbf_node_key(node) : node;
	st->st_mode = S_IFDIR | 0555;
	st->st_nlink = 2 + subdirs;
	st->st_uid = t->uid;
	st->st_gid = t->gid;
	st->st_blksize = 4096;
	/*
	 * When the entries last changed: the kernel's cue to drop a cached
	 * listing. A directory whose entries depend on the caller keeps the
	 * time it appeared, and is never cached (fuse/view.c).
	 */
	st->st_atim = st->st_mtim = st->st_ctim =
		!ver ? t->snap->taken :
		dbf_tree_per_caller(t, node) ? ver->born : ver->mtime;
}

/* A buffer entry: its name is its inode. */
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

/* Resolve buffer @b (NULL: none) as an entry. */
static int buf_found(const struct dbf_tree *t, const struct dbf_buf *b,
		     uint64_t *node, struct stat *st)
{
	if (!b)
		return -ENOENT;
	*node = dbf_buf_node(b->ino, DBF_CLASS_ROOT);
	buf_attr(t, b, st);
	return 0;
}

/* ---- buffers ---- */

static int buf_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st)
{
	const struct dbf_buf *b = dbf_snapshot_buf(t->snap, dbf_node_ino(node));

	if (!b)
		return -ENOENT;
	buf_attr(t, b, st);
	return 0;
}


/* ---- by-name/<name>, by-exporter/<exporter>: groups of buffers ---- */

/* The key of entry @i of a group set's idx. */
typedef struct dbf_str group_key_fn(const struct dbf_tree *t, size_t i);

static struct dbf_str name_key(const struct dbf_tree *t, size_t i)
{
	const struct dbf_buf *b = &t->snap->bufs[t->snap->by_name[i]];

	return b->has_name ? b->name : (struct dbf_str){ "", 0 };
}

static struct dbf_str exporter_key(const struct dbf_tree *t, size_t i)
{
	return t->snap->bufs[t->snap->by_exporter[i]].exporter;
}

static int group_key_cmp(const void *a, const void *b)
{
	return dbf_str_cmp(((const struct dbf_group *)a)->key,
			   ((const struct dbf_group *)b)->key);
}

/*
 * Runs of equal keys in @idx (@n entries in key order, each run by inode)
 * become directories.
 */
static int build_groups(const struct dbf_tree *t, const uint32_t *idx, size_t n,
			group_key_fn *key_of, struct dbf_interner *in,
			struct dbf_groups *gs)
{
	struct dbf_group *g;
	uint32_t ng = 0;
	int r;

	gs->idx = idx;
	g = calloc(n ? n : 1, sizeof(*g));
	gs->by_id = calloc(n ? n : 1, sizeof(*gs->by_id));
	gs->g = g;
	if (!g || !gs->by_id)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct dbf_str key = key_of(t, i);

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
		gs->nlisted += dbf_escape_component(NULL, 0, key) <= 255;
		ng++;
	}
	/* Lookups bisect by key in dbf_str_cmp order. */
	qsort(g, ng, sizeof(*g), group_key_cmp);
	for (uint32_t i = 0; i < ng; i++)
		gs->by_id[i] = i;
	qsort_r(gs->by_id, ng, sizeof(*gs->by_id), id_cmp,
		&(struct id_recs){ g, sizeof(*g) });
	gs->n = ng;
	return 0;
}

static int name_build(struct dbf_tree *t, struct dbf_interner *in,
		      enum dbf_node_kind k)
{
	return build_groups(t, t->snap->by_name, t->snap->nby_name, name_key, in,
			    &t->groups[k]);
}

static int exporter_build(struct dbf_tree *t, struct dbf_interner *in,
			  enum dbf_node_kind k)
{
	return build_groups(t, t->snap->by_exporter, t->snap->nby_exporter,
			    exporter_key, in, &t->groups[k]);
}

static int group_versions(struct dbf_tree *t, const struct dbf_tree *prev,
			  enum dbf_node_kind k)
{
	struct dbf_groups *gs = &t->groups[k];

	gs->ver = calloc(gs->n ? gs->n : 1, sizeof(*gs->ver));
	if (!gs->ver)
		return -ENOMEM;
	for (uint32_t i = 0; i < gs->n; i++) {
		const struct dbf_group *g = &gs->g[i];
		uint64_t h = mix(HASH0, g->count);

		for (uint32_t j = 0; j < g->count; j++)
			h = mix(h, t->snap->bufs[gs->idx[g->first + j]].ino);
		ver_set(&gs->ver[i], h, prev_ver(prev, dbf_node(k, g->id)),
			t->snap->taken);
	}
	return 0;
}

static void group_free(struct dbf_tree *t, enum dbf_node_kind k)
{
	free(t->groups[k].g);
	free(t->groups[k].by_id);
	free(t->groups[k].ver);
}

static size_t group_ndirs(const struct dbf_tree *t, enum dbf_node_kind k)
{
	return t->groups[k].n;
}

static uint64_t group_dir(const struct dbf_tree *t, enum dbf_node_kind k,
			  size_t i)
{
	return dbf_node(k, t->groups[k].g[i].id);
}

static const struct dbf_dirver *group_dirver(const struct dbf_tree *t,
					     uint64_t dir)
{
	const struct dbf_groups *gs = &t->groups[dbf_node_kind(dir)];
	const struct dbf_group *g = group_by_id(gs, dbf_node_key(dir));

	return g ? &gs->ver[g - gs->g] : NULL;
}

static int group_getattr(const struct dbf_tree *t, uint64_t node,
			 struct stat *st)
{
	if (!tree_group(t, node))
		return -ENOENT;
	dir_attr(t, node, 0, st);
	return 0;
}

static int group_lookup(const struct dbf_tree *t, uint64_t dir,
			const char *name, const struct dbf_caller *c,
			uint64_t *node, struct stat *st)
{
	const struct dbf_group *g = tree_group(t, dir);
	uint64_t v;

	(void)c;
	if (!g || !parse_u64(name, DBF_BUF_INO_MAX, &v))
		return -ENOENT;
	return buf_found(t, run_find(t, t->groups[dbf_node_kind(dir)].idx, g->first,
				     g->first + g->count, v), node, st);
}

static long group_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_group *g = tree_group(t, dir);

	return g ? (long)g->count : -ENOENT;
}

static int group_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		       const struct dbf_caller *c, char name[256], uint64_t *node,
		       struct stat *st)
{
	const struct dbf_groups *gs = &t->groups[dbf_node_kind(dir)];
	const struct dbf_group *g = group_by_id(gs, dbf_node_key(dir));

	(void)c;
	if (!g || i >= g->count)
		return -ENOENT;
	return buf_child(t, &t->snap->bufs[gs->idx[g->first + i]], name, node, st);
}

static uint64_t group_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	const struct dbf_groups *gs = &t->groups[dbf_node_kind(dir)];

	return t->snap->bufs[gs->idx[tree_group(t, dir)->first + i]].ino;
}

static nlink_t name_links(const struct dbf_tree *t, const struct dbf_buf *b)
{
	(void)t;
	return buf_named(b);
}

static nlink_t exporter_links(const struct dbf_tree *t, const struct dbf_buf *b)
{
	(void)t;
	return b->exporter.len > 0;
}

static uint64_t name_parent(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	(void)dir;
	return fixed_node(DBF_NODE_BY_NAME);
}

static uint64_t exporter_parent(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	(void)dir;
	return fixed_node(DBF_NODE_BY_EXPORTER);
}

/* ---- by-device/<device>: buffers by attached device ---- */

struct dev_pair {
	struct dbf_str name;
	uint32_t buf;
};

static int dev_pair_cmp(const void *a, const void *b)
{
	const struct dev_pair *x = a, *y = b;
	int c = dbf_str_cmp(x->name, y->name);

	return c ? c : (x->buf > y->buf) - (x->buf < y->buf);
}

static struct dbf_str device_key(const struct dbf_tree *t, size_t i)
{
	return t->dev_names[i];
}

static int device_build(struct dbf_tree *t, struct dbf_interner *in,
			enum dbf_node_kind k)
{
	const struct dbf_snapshot *s = t->snap;
	struct dev_pair *p;
	size_t n = 0, m = 0;

	/* Without a source that lists attachments, none is known. */
	if (s->device_sources)
		for (size_t i = 0; i < s->nbufs; i++)
			n += s->bufs[i].ndevices;
	p = calloc(n ? n : 1, sizeof(*p));
	t->dev_bufs = calloc(n ? n : 1, sizeof(*t->dev_bufs));
	t->dev_names = calloc(n ? n : 1, sizeof(*t->dev_names));
	t->dev_links = calloc(s->nbufs ? s->nbufs : 1, sizeof(*t->dev_links));
	if (!p || !t->dev_bufs || !t->dev_names || !t->dev_links) {
		free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nbufs && n; i++)
		for (uint32_t j = 0; j < s->bufs[i].ndevices; j++)
			p[m++] = (struct dev_pair){ s->bufs[i].devices[j], (uint32_t)i };
	qsort(p, n, sizeof(*p), dev_pair_cmp);
	m = 0;
	for (size_t i = 0; i < n; i++) {
		/* Attached twice to one device: one entry. */
		if (m && p[i].buf == t->dev_bufs[m - 1] &&
		    !dbf_str_cmp(p[i].name, t->dev_names[m - 1]))
			continue;
		t->dev_bufs[m] = p[i].buf;
		t->dev_names[m] = p[i].name;
		m++;
		/* What no directory can list is no link. */
		if (p[i].name.len && dbf_escape_component(NULL, 0, p[i].name) <= 255)
			t->dev_links[p[i].buf]++;
	}
	free(p);
	return build_groups(t, t->dev_bufs, m, device_key, in, &t->groups[k]);
}

static void device_free(struct dbf_tree *t, enum dbf_node_kind k)
{
	group_free(t, k);
	free(t->dev_bufs);
	free(t->dev_names);
	free(t->dev_links);
}

static nlink_t device_links(const struct dbf_tree *t, const struct dbf_buf *b)
{
	return t->dev_links[b - t->snap->bufs];
}

static uint64_t device_parent(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	(void)dir;
	return fixed_node(DBF_NODE_BY_DEVICE);
}

/* ---- by-cgroup/.../<cgroup>: buffers by their holders' cgroup ---- */

/*
 * One cgroup directory: a cgroup whose processes, or its descendants',
 * hold buffers. t->cgs[0] is the root cgroup "/", by-cgroup/ itself;
 * the others follow in byte order of their paths, so a parent comes
 * before its children; %unknown (no cgroup v2 path) is last.
 */
struct dbf_cgroup {
	uint64_t id;			/* interned path; 0 for the root */
	struct dbf_str path;		/* raw; "" for %unknown */
	struct dbf_str comp;		/* the last component, raw */
	uint32_t parent;		/* cgs index; the root's is 0 */
	uint32_t sub0, nsub;		/* child cgroups: run in cg_sub, by name,
					 * and in cg_list, by id */
	uint32_t nlisted;		/* of them, those with an entry */
	uint32_t proc0, nprocs;		/* own processes: run in cg_procs, by pid */
	uint32_t buf0, nbufs;		/* what they hold: run in cg_bufs, by inode */
	bool listed;			/* it and every ancestor have an entry */
};

_Static_assert(offsetof(struct dbf_cgroup, id) == 0, "id_recs reads the id first");

#define UNKNOWN_NAME "%unknown"

/* Where @path's last component starts (after its last '/'). */
static uint32_t cg_last(struct dbf_str path)
{
	uint32_t k = path.len;

	while (k && path.p[k - 1] != '/')
		k--;
	return k;
}

/* @path without its last component: "/a/b" -> "/a", "/a" -> "/". */
static struct dbf_str cg_up(struct dbf_str path)
{
	uint32_t k = cg_last(path) - 1;

	return (struct dbf_str){ path.p, k ? k : 1 };
}

static bool all_digits(struct dbf_str s)
{
	for (uint32_t i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return s.len > 0;
}

/*
 * A component's directory name: escaped as by-name/ names are, and a name
 * of digits alone gets its first digit escaped ("42" is "%342"), so that
 * it never reads as a buffer entry. Returns the full length, like
 * dbf_escape_component(); more than 255 cannot be listed.
 */
static size_t cg_escape(char out[256], struct dbf_str comp)
{
	if (!all_digits(comp))
		return dbf_escape_component(out, 256, comp);
	out[0] = '%';
	out[1] = '3';
	out[2] = comp.p[0];
	/* digits need no escape: the rest is copied */
	return 3 + dbf_escape_component(out + 3, 253,
					(struct dbf_str){ comp.p + 1, comp.len - 1 });
}

/* The inverse, for lookups: the raw component, canonical spellings only. */
static int cg_unescape(char raw[256], const char *name, size_t len)
{
	char check[256];
	int n;

	if (len >= 256)
		return -EINVAL;
	if (len >= 3 && name[0] == '%' && name[1] == '3' &&
	    name[2] >= '0' && name[2] <= '9') {
		n = (int)len - 2;
		memcpy(raw, name + 2, (size_t)n);
	} else {
		n = dbf_unescape_component(raw, name, len);
	}
	if (n <= 0 || cg_escape(check, (struct dbf_str){ raw, (uint32_t)n }) != len ||
	    memcmp(check, name, len))
		return -EINVAL;
	return n;
}

static int str_cmp(const void *a, const void *b)
{
	return dbf_str_cmp(*(const struct dbf_str *)a, *(const struct dbf_str *)b);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The index of real path @path in the first @n cgroups, or @n. */
struct cg_seek {
	const struct dbf_cgroup *cgs;
	const uint32_t *idx;		/* by path: NULL; by name: cg_sub */
	struct dbf_str key;
};

static int cg_path_at(const void *arg, size_t i)
{
	const struct cg_seek *k = arg;

	return dbf_str_cmp(k->cgs[i].path, k->key);
}

static int cg_comp_at(const void *arg, size_t i)
{
	const struct cg_seek *k = arg;

	return dbf_str_cmp(k->cgs[k->idx[i]].comp, k->key);
}

static uint32_t cg_by_path(const struct dbf_cgroup *cgs, uint32_t n,
			   struct dbf_str path)
{
	size_t i;

	return dbf_bisect_find(0, n, cg_path_at,
			       &(struct cg_seek){ .cgs = cgs, .key = path }, &i) ?
	       (uint32_t)i : n;
}

/*
 * Every path a directory stands for: each process's and each of its
 * ancestors, "/" first, sorted and each once, in *paths (malloc'd).
 */
static int cg_paths(const struct dbf_snapshot *s, struct dbf_str **paths,
		    uint32_t *npaths)
{
	struct dbf_str *p;
	size_t n = 1, m = 1, u = 1;

	/* a path has as many ancestors but "/" as it has slashes */
	for (size_t i = 0; i < s->nprocs; i++)
		if (dbf_cgroup_known(s->procs[i].cgroup))
			for (uint32_t j = 0; j < s->procs[i].cgroup.len; j++)
				n += s->procs[i].cgroup.p[j] == '/';
	if (n > UINT32_MAX)
		return -ENOMEM;
	p = malloc(n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	p[0] = (struct dbf_str){ "/", 1 };
	for (size_t i = 0; i < s->nprocs; i++) {
		struct dbf_str path = s->procs[i].cgroup;

		if (!dbf_cgroup_known(path))
			continue;
		for (; path.len > 1; path = cg_up(path))
			p[m++] = path;
	}
	qsort(p, m, sizeof(*p), str_cmp);
	for (size_t i = 1; i < m; i++)
		if (dbf_str_cmp(p[i], p[u - 1]))
			p[u++] = p[i];
	*paths = p;
	*npaths = (uint32_t)u;
	return 0;
}

/* Own processes and the buffers they hold, each buffer once per cgroup. */
static void cg_members(struct dbf_tree *t, uint32_t *proc_cg)
{
	const struct dbf_snapshot *s = t->snap;
	uint32_t at = 0;

	for (size_t i = 0; i < s->nprocs; i++)
		t->cgs[proc_cg[i]].nprocs++;
	for (uint32_t i = 0; i < t->ncgs; i++) {
		t->cgs[i].proc0 = at;
		at += t->cgs[i].nprocs;
		t->cgs[i].nprocs = 0;
	}
	for (size_t i = 0; i < s->nprocs; i++) {
		struct dbf_cgroup *cg = &t->cgs[proc_cg[i]];

		t->cg_procs[cg->proc0 + cg->nprocs++] = (uint32_t)i;
	}
	at = 0;
	for (uint32_t i = 0; i < t->ncgs; i++) {
		struct dbf_cgroup *cg = &t->cgs[i];
		uint32_t *run = &t->cg_bufs[at], n = 0;

		for (uint32_t j = 0; j < cg->nprocs; j++) {
			const struct dbf_proc *p = &s->procs[t->cg_procs[cg->proc0 + j]];

			for (uint32_t h = 0; h < p->nph; h++)
				run[n++] = s->holders[s->proc_holders[p->ph0 + h]].buf;
		}
		qsort(run, n, sizeof(*run), u32_cmp);
		cg->buf0 = at;
		for (uint32_t j = 0; j < n; j++) {
			if (cg->nbufs && run[j] == run[cg->nbufs - 1])
				continue;
			run[cg->nbufs++] = run[j];
			if (cg->listed)
				t->cg_links[run[j]]++;
		}
		at += cg->nbufs;
	}
}

static int cgroup_build(struct dbf_tree *t, struct dbf_interner *in,
			enum dbf_node_kind k)
{
	const struct dbf_snapshot *s = t->snap;
	struct dbf_str *paths;
	uint32_t npaths, *proc_cg, at = 0;
	bool unknown = false;
	char name[256];
	int r;

	(void)k;
	r = cg_paths(s, &paths, &npaths);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->nprocs; i++)
		unknown |= !dbf_cgroup_known(s->procs[i].cgroup);
	t->ncgs = npaths + unknown;
	t->cgs = calloc(t->ncgs, sizeof(*t->cgs));
	t->cg_by_id = calloc(t->ncgs, sizeof(*t->cg_by_id));
	t->cg_sub = calloc(t->ncgs, sizeof(*t->cg_sub));
	t->cg_list = calloc(t->ncgs, sizeof(*t->cg_list));
	t->cg_procs = calloc(s->nprocs ? s->nprocs : 1, sizeof(*t->cg_procs));
	t->cg_bufs = calloc(s->nholders ? s->nholders : 1, sizeof(*t->cg_bufs));
	t->cg_links = calloc(s->nbufs ? s->nbufs : 1, sizeof(*t->cg_links));
	proc_cg = calloc(s->nprocs ? s->nprocs : 1, sizeof(*proc_cg));
	if (!t->cgs || !t->cg_by_id || !t->cg_sub || !t->cg_list || !t->cg_procs ||
	    !t->cg_bufs || !t->cg_links || !proc_cg) {
		r = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < npaths; i++)
		t->cgs[i].path = paths[i];
	t->cgs[0].listed = true;
	for (uint32_t i = 1; i < t->ncgs; i++) {
		struct dbf_cgroup *cg = &t->cgs[i];

		if (i == npaths) {
			/* %unknown: "" is no path, so its id is no cgroup's */
			t->cg_unknown = i;
			cg->path = (struct dbf_str){ "", 0 };
			cg->listed = true;
		} else {
			/* parents sort first: theirs is already known */
			cg->parent = cg_by_path(t->cgs, i, cg_up(cg->path));
			cg->comp = (struct dbf_str){ cg->path.p + cg_last(cg->path),
						     cg->path.len - cg_last(cg->path) };
			/* "//" in a path: an empty name, like one too long, has no entry */
			cg->listed = t->cgs[cg->parent].listed && cg->comp.len &&
				     cg_escape(name, cg->comp) <= 255;
		}
		r = intern(in, cg->path, &cg->id);
		if (r < 0)
			goto out;
		t->cgs[cg->parent].nsub++;
		t->cgs[cg->parent].nlisted += cg->listed;
	}
	/* children in index order: by name, %unknown last */
	for (uint32_t i = 0; i < t->ncgs; i++) {
		t->cgs[i].sub0 = at;
		at += t->cgs[i].nsub;
		t->cgs[i].nsub = 0;
	}
	for (uint32_t i = 1; i < t->ncgs; i++) {
		struct dbf_cgroup *up = &t->cgs[t->cgs[i].parent];

		t->cg_sub[up->sub0 + up->nsub++] = i;
		t->cg_by_id[i - 1] = i;
	}
	qsort_r(t->cg_by_id, t->ncgs - 1, sizeof(*t->cg_by_id), id_cmp,
		&(struct id_recs){ t->cgs, sizeof(*t->cgs) });
	/* Lookups bisect cg_sub by name; listings go by id (dbf_tree_key()). */
	memcpy(t->cg_list, t->cg_sub, t->ncgs * sizeof(*t->cg_list));
	for (uint32_t i = 0; i < t->ncgs; i++)
		qsort_r(&t->cg_list[t->cgs[i].sub0], t->cgs[i].nsub, sizeof(*t->cg_list),
			id_cmp, &(struct id_recs){ t->cgs, sizeof(*t->cgs) });

	for (size_t i = 0; i < s->nprocs; i++)
		proc_cg[i] = dbf_cgroup_known(s->procs[i].cgroup) ?
			     cg_by_path(t->cgs, npaths, s->procs[i].cgroup) : t->cg_unknown;
	cg_members(t, proc_cg);
out:
	free(paths);
	free(proc_cg);
	return r;
}

/* The cgroup of directory @node (by-cgroup/ is the root's), or NULL. */
static const struct dbf_cgroup *cg_at(const struct dbf_tree *t, uint64_t node)
{
	struct id_recs r = { t->cgs, sizeof(*t->cgs) };
	int64_t i;

	if (node == fixed_node(DBF_NODE_BY_CGROUP))
		return t->cgs;
	i = id_find(&r, t->cg_by_id, t->ncgs ? t->ncgs - 1 : 0, dbf_node_key(node));
	return i >= 0 && t->cgs[i].listed ? &t->cgs[i] : NULL;
}

static uint64_t cg_node(const struct dbf_tree *t, uint32_t i)
{
	return i ? dbf_node(DBF_KIND_CGROUP, t->cgs[i].id) :
		   fixed_node(DBF_NODE_BY_CGROUP);
}

/*
 * The entries: its child cgroups, its processes, and what they hold,
 * by owner too, since that decides who sees which buffer.
 */
static uint64_t cg_hash(const struct dbf_tree *t, const struct dbf_cgroup *cg)
{
	const struct dbf_snapshot *s = t->snap;
	uint64_t h = mix(HASH0, cg->nsub);

	for (uint32_t i = 0; i < cg->nsub; i++)
		h = mix(h, t->cgs[t->cg_sub[cg->sub0 + i]].id);
	h = mix(h, cg->nprocs);
	for (uint32_t i = 0; i < cg->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[t->cg_procs[cg->proc0 + i]];

		h = proc_hash(mix(h, (uint64_t)p->pid), s, p);
	}
	return h;
}

/* The root cgroup's version is by-cgroup/'s, in t->fixed. */
static int cgroup_versions(struct dbf_tree *t, const struct dbf_tree *prev,
			   enum dbf_node_kind k)
{
	(void)k;
	t->cg_ver = calloc(t->ncgs, sizeof(*t->cg_ver));
	if (!t->cg_ver)
		return -ENOMEM;
	for (uint32_t i = 1; i < t->ncgs; i++)
		ver_set(&t->cg_ver[i], cg_hash(t, &t->cgs[i]),
			prev_ver(prev, cg_node(t, i)), t->snap->taken);
	return 0;
}

static void cgroup_free(struct dbf_tree *t, enum dbf_node_kind k)
{
	(void)k;
	free(t->cgs);
	free(t->cg_by_id);
	free(t->cg_sub);
	free(t->cg_list);
	free(t->cg_procs);
	free(t->cg_bufs);
	free(t->cg_links);
	free(t->cg_ver);
}

static size_t cgroup_ndirs(const struct dbf_tree *t, enum dbf_node_kind k)
{
	(void)k;
	return t->ncgs - 1;
}

static uint64_t cgroup_dir(const struct dbf_tree *t, enum dbf_node_kind k,
			   size_t i)
{
	(void)k;
	return cg_node(t, (uint32_t)i + 1);
}

static const struct dbf_dirver *cgroup_dirver(const struct dbf_tree *t,
					      uint64_t dir)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	return cg && cg != t->cgs ? &t->cg_ver[cg - t->cgs] : NULL;
}

static int cgroup_getattr(const struct dbf_tree *t, uint64_t node,
			  struct stat *st)
{
	const struct dbf_cgroup *cg = cg_at(t, node);

	if (!cg || cg == t->cgs)
		return -ENOENT;
	dir_attr(t, node, cg->nlisted, st);
	return 0;
}

/* Does @c see one of @cg's own processes hold @b? */
static bool cg_sees(const struct dbf_tree *t, const struct dbf_cgroup *cg,
		    const struct dbf_buf *b, const struct dbf_caller *c)
{
	const struct dbf_snapshot *s = t->snap;

	if (c->sees != DBF_SEES_OWN)
		return c->sees == DBF_SEES_ALL;
	for (uint32_t i = 0; i < cg->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[t->cg_procs[cg->proc0 + i]];

		if (dbf_caller_sees(c, p) && proc_find(s, p, b->ino))
			return true;
	}
	return false;
}

static bool cg_is_unknown(const struct dbf_tree *t, uint32_t i)
{
	return t->cg_unknown && i == t->cg_unknown;
}

/* The entry of cgroup @i in its parent. */
static void cg_name(const struct dbf_tree *t, uint32_t i, char name[256])
{
	if (cg_is_unknown(t, i))
		strcpy(name, UNKNOWN_NAME);
	else
		cg_escape(name, t->cgs[i].comp);
}

/*
 * Its child cgroups, listed for every caller (their paths are world
 * readable in /proc/<pid>/cgroup), then the buffers its own processes
 * hold, each listed only to a caller who sees one of them hold it.
 */
static long cg_nchildren(const struct dbf_cgroup *cg)
{
	return (long)cg->nsub + (long)cg->nbufs;
}

static int cg_child(const struct dbf_tree *t, const struct dbf_cgroup *cg,
		    size_t i, const struct dbf_caller *c, char name[256],
		    uint64_t *node, struct stat *st)
{
	const struct dbf_buf *b;

	if (i < cg->nsub) {
		uint32_t j = t->cg_list[cg->sub0 + i];

		if (!t->cgs[j].listed)
			return 1;
		cg_name(t, j, name);
		*node = cg_node(t, j);
		return dbf_tree_getattr(t, *node, st);
	}
	i -= cg->nsub;
	if (i >= cg->nbufs)
		return -ENOENT;
	b = &t->snap->bufs[t->cg_bufs[cg->buf0 + i]];
	if (!cg_sees(t, cg, b, c))
		return 1;
	return buf_child(t, b, name, node, st);
}

/*
 * Child cgroups by id, then buffers by inode, above every id: a key
 * stays with its entry, and says no more than the entry itself.
 */
#define CG_BUF_KEY	(UINT64_C(1) << DBF_NODE_SHIFT)

static uint64_t cg_key(const struct dbf_tree *t, const struct dbf_cgroup *cg,
		       size_t i)
{
	if (i < cg->nsub)
		return t->cgs[t->cg_list[cg->sub0 + i]].id & DBF_NODE_KEY;
	return CG_BUF_KEY + t->snap->bufs[t->cg_bufs[cg->buf0 + i - cg->nsub]].ino;
}

static int cg_lookup(const struct dbf_tree *t, const struct dbf_cgroup *cg,
		     const char *name, const struct dbf_caller *c,
		     uint64_t *node, struct stat *st)
{
	size_t lo = cg->sub0, hi = cg->sub0 + cg->nsub, at;
	const struct dbf_buf *b;
	char raw[256];
	uint64_t v;
	int n;

	/* Decimal is a buffer: no cgroup's name is, once escaped. */
	if (parse_u64(name, DBF_BUF_INO_MAX, &v)) {
		b = run_find(t, t->cg_bufs, cg->buf0, cg->buf0 + cg->nbufs, v);
		return b && cg_sees(t, cg, b, c) ? buf_found(t, b, node, st) : -ENOENT;
	}
	if (cg == t->cgs && t->cg_unknown) {
		if (!strcmp(name, UNKNOWN_NAME)) {
			*node = cg_node(t, t->cg_unknown);
			return dbf_tree_getattr(t, *node, st);
		}
		hi--;	/* %unknown is last, out of name order */
	}
	n = cg_unescape(raw, name, strlen(name));
	if (n < 0)
		return -ENOENT;
	if (!dbf_bisect_find(lo, hi, cg_comp_at,
			     &(struct cg_seek){ t->cgs, t->cg_sub,
						{ raw, (uint32_t)n } }, &at) ||
	    !t->cgs[t->cg_sub[at]].listed)
		return -ENOENT;
	*node = cg_node(t, t->cg_sub[at]);
	return dbf_tree_getattr(t, *node, st);
}

static int cgroup_lookup(const struct dbf_tree *t, uint64_t dir,
			 const char *name, const struct dbf_caller *c,
			 uint64_t *node, struct stat *st)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	return cg ? cg_lookup(t, cg, name, c, node, st) : -ENOENT;
}

static long cgroup_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	return cg ? cg_nchildren(cg) : -ENOENT;
}

static int cgroup_child(const struct dbf_tree *t, uint64_t dir, size_t i,
			const struct dbf_caller *c, char name[256],
			uint64_t *node, struct stat *st)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	return cg ? cg_child(t, cg, i, c, name, node, st) : -ENOENT;
}

static uint64_t cgroup_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	return cg_key(t, cg_at(t, dir), i);
}

static uint64_t cgroup_parent(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	return cg ? cg_node(t, cg->parent) : fixed_node(DBF_NODE_BY_CGROUP);
}

/* Shared, each caller sees what its own processes hold. */
static bool cgroup_per_caller(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	(void)dir;
	return true;
}

/*
 * One link per cgroup directory that lists the buffer. Shared, by-cgroup/
 * counts as one, held or not, as by-pid/ does.
 */
static nlink_t cgroup_links(const struct dbf_tree *t, const struct dbf_buf *b)
{
	return t->shared ? 1 : t->cg_links[b - t->snap->bufs];
}

/* ---- by-pid/<pid> ---- */

static int pid_versions(struct dbf_tree *t, const struct dbf_tree *prev,
			enum dbf_node_kind k)
{
	const struct dbf_snapshot *s = t->snap;

	t->pid_ver = calloc(s->nprocs ? s->nprocs : 1, sizeof(*t->pid_ver));
	if (!t->pid_ver)
		return -ENOMEM;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];

		ver_set(&t->pid_ver[i], proc_hash(HASH0, s, p),
			prev_ver(prev, dbf_node(k, (uint64_t)p->pid)), s->taken);
	}
	return 0;
}

/*
 * One link per holding process. Shared, the holders are not everyone's
 * to count: by-pid/ then counts as one link, held or not, which keeps du
 * from counting a buffer twice there.
 */
static nlink_t pid_links(const struct dbf_tree *t, const struct dbf_buf *b)
{
	return t->shared ? 1 : b->nholders;
}

static void pid_free(struct dbf_tree *t, enum dbf_node_kind k)
{
	(void)k;
	free(t->pid_ver);
}

static size_t pid_ndirs(const struct dbf_tree *t, enum dbf_node_kind k)
{
	(void)k;
	return t->snap->nprocs;
}

static uint64_t pid_dir(const struct dbf_tree *t, enum dbf_node_kind k, size_t i)
{
	return dbf_node(k, (uint64_t)t->snap->procs[i].pid);
}

static const struct dbf_dirver *pid_dirver(const struct dbf_tree *t,
					   uint64_t dir)
{
	const struct dbf_proc *p = pid_proc(t, dir);

	return p ? &t->pid_ver[p - t->snap->procs] : NULL;
}

/*
 * Like /proc/<pid>/fd: the process's owner, root:root when procfs shows
 * it to root alone, and only the owner (and root) may list it.
 * default_permissions then keeps others out, and dbf_tree_may_enter()
 * checks the gid too, and what the kernel cached.
 */
static void pid_attr(const struct dbf_tree *t, const struct dbf_proc *p,
		     struct stat *st)
{
	uint64_t node = dbf_node(DBF_KIND_PID, (uint64_t)p->pid);

	dir_attr(t, node, 0, st);
	st->st_mode = S_IFDIR | 0500;
	st->st_uid = p->owner;
	st->st_gid = p->owner ? p->owner_gid : 0;
}

static int pid_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st)
{
	const struct dbf_proc *p = pid_proc(t, node);

	if (!p)
		return -ENOENT;
	pid_attr(t, p, st);
	return 0;
}

/*
 * A pid directory's entries are its owner's, whom dbf_tree_may_enter()
 * alone lets in: no caller to check here.
 */
static int pid_lookup(const struct dbf_tree *t, uint64_t dir, const char *name,
		      const struct dbf_caller *c, uint64_t *node, struct stat *st)
{
	const struct dbf_proc *p = pid_proc(t, dir);
	uint64_t v;

	(void)c;
	if (!p || !parse_u64(name, DBF_BUF_INO_MAX, &v))
		return -ENOENT;
	return buf_found(t, proc_find(t->snap, p, v), node, st);
}

static long pid_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_proc *p = pid_proc(t, dir);

	return p ? (long)p->nph : -ENOENT;
}

static int pid_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		     const struct dbf_caller *c, char name[256], uint64_t *node,
		     struct stat *st)
{
	const struct dbf_proc *p = pid_proc(t, dir);

	(void)c;
	if (!p || i >= p->nph)
		return -ENOENT;
	return buf_child(t, holder_buf(t->snap, p, (uint32_t)i), name, node, st);
}

static uint64_t pid_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	return holder_buf(t->snap, pid_proc(t, dir), (uint32_t)i)->ino;
}

static uint64_t pid_parent(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	(void)dir;
	return fixed_node(DBF_NODE_BY_PID);
}

/* A reused pid is another process: the kernel must not mix them up. */
static uint64_t pid_generation(const struct dbf_tree *t, uint64_t node)
{
	const struct dbf_proc *p = pid_proc(t, node);

	return p ? p->start_time : 0;
}

/* Shared, a process's holdings are its owner's business. */
static bool pid_per_caller(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	(void)dir;
	return true;
}

static int pid_may_enter(const struct dbf_tree *t, uint64_t dir,
			 const struct dbf_caller *c)
{
	const struct dbf_proc *p = pid_proc(t, dir);

	if (!p)
		return -ENOENT;
	return dbf_caller_sees(c, p) ? 0 : -EACCES;
}

/* ---- the fixed nodes: the root, its directories and files ---- */

/*
 * One entry per DBF_NODE_* key. A directory has hash and the listing
 * operations; a file has none (fuse/render/ writes it). @sub is the kind of a directory's
 * subdirectories, when they are groups.
 */
struct fixed_ops {
	const char *name;		/* its entry in the root */
	enum dbf_node_kind sub;
	/* the hash of its entries, for its version */
	uint64_t (*hash)(const struct dbf_tree *t, const struct fixed_ops *f);
	nlink_t (*subdirs)(const struct dbf_tree *t, const struct fixed_ops *f);
	long (*nchildren)(const struct dbf_tree *t, const struct fixed_ops *f);
	int (*child)(const struct dbf_tree *t, const struct fixed_ops *f,
		     size_t i, const struct dbf_caller *c, char name[256],
		     uint64_t *node, struct stat *st);
	uint64_t (*key)(const struct dbf_tree *t, const struct fixed_ops *f,
			size_t i);
	int (*lookup)(const struct dbf_tree *t, const struct fixed_ops *f,
		      const char *name, const struct dbf_caller *c,
		      uint64_t *node, struct stat *st);
	bool per_caller;		/* see dbf_tree_per_caller() */
};

static const struct fixed_ops fixed_nodes[DBF_NODE_END];

/* The entry of fixed node @key, or NULL if there is none. */
static const struct fixed_ops *fixed_of(uint64_t key)
{
	return key >= DBF_NODE_ROOT && key < DBF_NODE_END ? &fixed_nodes[key] : NULL;
}

/* The root: every other fixed node, in key order. */

#define NFIXED (DBF_NODE_END - DBF_NODE_ROOT - 1)

static uint64_t root_hash(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)t;
	(void)f;
	return HASH0;
}

static nlink_t root_subdirs(const struct dbf_tree *t, const struct fixed_ops *f)
{
	nlink_t n = 0;

	(void)t;
	(void)f;
	for (int k = DBF_NODE_ROOT + 1; k < DBF_NODE_END; k++)
		n += fixed_nodes[k].nchildren != NULL;
	return n;
}

static long root_nchildren(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)t;
	(void)f;
	return NFIXED;
}

static int root_child(const struct dbf_tree *t, const struct fixed_ops *f,
		      size_t i, const struct dbf_caller *c, char name[256],
		      uint64_t *node, struct stat *st)
{
	(void)f;
	(void)c;
	if (i >= NFIXED)
		return -ENOENT;
	strcpy(name, fixed_nodes[DBF_NODE_ROOT + 1 + i].name);
	*node = fixed_node(DBF_NODE_ROOT + 1 + (int)i);
	return dbf_tree_getattr(t, *node, st);
}

static uint64_t root_key(const struct dbf_tree *t, const struct fixed_ops *f,
			 size_t i)
{
	(void)t;
	(void)f;
	return i;
}

static int root_lookup(const struct dbf_tree *t, const struct fixed_ops *f,
		       const char *name, const struct dbf_caller *c,
		       uint64_t *node, struct stat *st)
{
	(void)f;
	(void)c;
	for (int k = DBF_NODE_ROOT + 1; k < DBF_NODE_END; k++) {
		if (!strcmp(name, fixed_nodes[k].name)) {
			*node = fixed_node(k);
			return dbf_tree_getattr(t, *node, st);
		}
	}
	return -ENOENT;
}

/* by-inode/: every buffer. */

static uint64_t inodes_hash(const struct dbf_tree *t, const struct fixed_ops *f)
{
	const struct dbf_snapshot *s = t->snap;
	uint64_t h = mix(HASH0, s->nbufs);

	(void)f;
	for (size_t i = 0; i < s->nbufs; i++)
		h = mix(h, s->bufs[i].ino);
	return h;
}

static nlink_t no_subdirs(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)t;
	(void)f;
	return 0;
}

static long inodes_nchildren(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)f;
	return (long)t->snap->nbufs;
}

static int inodes_child(const struct dbf_tree *t, const struct fixed_ops *f,
			size_t i, const struct dbf_caller *c, char name[256],
			uint64_t *node, struct stat *st)
{
	(void)f;
	(void)c;
	if (i >= t->snap->nbufs)
		return -ENOENT;
	return buf_child(t, &t->snap->bufs[i], name, node, st);
}

static uint64_t inodes_key(const struct dbf_tree *t, const struct fixed_ops *f,
			   size_t i)
{
	(void)f;
	return t->snap->bufs[i].ino;
}

static int inodes_lookup(const struct dbf_tree *t, const struct fixed_ops *f,
			 const char *name, const struct dbf_caller *c,
			 uint64_t *node, struct stat *st)
{
	uint64_t v;

	(void)f;
	(void)c;
	if (!parse_u64(name, DBF_BUF_INO_MAX, &v))
		return -ENOENT;
	return buf_found(t, dbf_snapshot_buf(t->snap, v), node, st);
}

/* by-name/, by-exporter/, by-device/: one directory per group of kind f->sub. */

static uint64_t groups_hash(const struct dbf_tree *t, const struct fixed_ops *f)
{
	const struct dbf_groups *gs = &t->groups[f->sub];
	uint64_t h = HASH0;

	for (uint32_t i = 0; i < gs->n; i++)
		h = mix(h, gs->g[i].id);
	return mix(h, gs->n);
}

static nlink_t groups_subdirs(const struct dbf_tree *t, const struct fixed_ops *f)
{
	return t->groups[f->sub].nlisted;
}

static long groups_nchildren(const struct dbf_tree *t, const struct fixed_ops *f)
{
	return t->groups[f->sub].n;
}

/* Listed by id, the order in which the names first came: see dbf_tree_key(). */
static int groups_child(const struct dbf_tree *t, const struct fixed_ops *f,
			size_t i, const struct dbf_caller *c, char name[256],
			uint64_t *node, struct stat *st)
{
	const struct dbf_groups *gs = &t->groups[f->sub];
	const struct dbf_group *g;

	(void)c;
	if (i >= gs->n)
		return -ENOENT;
	g = &gs->g[gs->by_id[i]];
	/* Longer than NAME_MAX once escaped: cannot be listed. */
	if (dbf_escape_component(name, 256, g->key) > 255)
		return 1;
	*node = dbf_node(f->sub, g->id);
	return dbf_tree_getattr(t, *node, st);
}

static uint64_t groups_key(const struct dbf_tree *t, const struct fixed_ops *f,
			   size_t i)
{
	const struct dbf_groups *gs = &t->groups[f->sub];

	return gs->g[gs->by_id[i]].id & DBF_NODE_KEY;
}

static int groups_lookup(const struct dbf_tree *t, const struct fixed_ops *f,
			 const char *name, const struct dbf_caller *c,
			 uint64_t *node, struct stat *st)
{
	char key[256];
	size_t len = strlen(name);
	const struct dbf_group *g;
	int n;

	(void)c;
	if (len >= sizeof(key))
		return -ENOENT;
	n = dbf_unescape_component(key, name, len);
	if (n <= 0)
		return -ENOENT;
	g = group_by_key(&t->groups[f->sub], (struct dbf_str){ key, (uint32_t)n });
	if (!g)
		return -ENOENT;
	*node = dbf_node(f->sub, g->id);
	return dbf_tree_getattr(t, *node, st);
}

/* by-cgroup/: the root cgroup's directory. */

static uint64_t cgroups_hash(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)f;
	return cg_hash(t, t->cgs);
}

static nlink_t cgroups_subdirs(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)f;
	return t->cgs->nlisted;
}

static long cgroups_nchildren(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)f;
	return cg_nchildren(t->cgs);
}

static int cgroups_child(const struct dbf_tree *t, const struct fixed_ops *f,
			 size_t i, const struct dbf_caller *c, char name[256],
			 uint64_t *node, struct stat *st)
{
	(void)f;
	return cg_child(t, t->cgs, i, c, name, node, st);
}

static uint64_t cgroups_key(const struct dbf_tree *t, const struct fixed_ops *f,
			    size_t i)
{
	(void)f;
	return cg_key(t, t->cgs, i);
}

static int cgroups_lookup(const struct dbf_tree *t, const struct fixed_ops *f,
			  const char *name, const struct dbf_caller *c,
			  uint64_t *node, struct stat *st)
{
	(void)f;
	return cg_lookup(t, t->cgs, name, c, node, st);
}

/* by-pid/: every holding process. */

static uint64_t pids_hash(const struct dbf_tree *t, const struct fixed_ops *f)
{
	const struct dbf_snapshot *s = t->snap;
	uint64_t h = mix(HASH0, s->nprocs);

	(void)f;
	for (size_t i = 0; i < s->nprocs; i++)
		h = mix(h, (uint64_t)s->procs[i].pid);
	return h;
}

static nlink_t pids_subdirs(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)f;
	return t->snap->nprocs;
}

static long pids_nchildren(const struct dbf_tree *t, const struct fixed_ops *f)
{
	(void)f;
	return (long)t->snap->nprocs;
}

static int pids_child(const struct dbf_tree *t, const struct fixed_ops *f,
		      size_t i, const struct dbf_caller *c, char name[256],
		      uint64_t *node, struct stat *st)
{
	const struct dbf_proc *p;

	(void)f;
	(void)c;
	if (i >= t->snap->nprocs)
		return -ENOENT;
	p = &t->snap->procs[i];
	snprintf(name, 256, "%d", (int)p->pid);
	*node = dbf_node(DBF_KIND_PID, (uint64_t)p->pid);
	pid_attr(t, p, st);
	return 0;
}

static uint64_t pids_key(const struct dbf_tree *t, const struct fixed_ops *f,
			 size_t i)
{
	(void)f;
	return (uint64_t)t->snap->procs[i].pid;
}

static int pids_lookup(const struct dbf_tree *t, const struct fixed_ops *f,
		       const char *name, const struct dbf_caller *c,
		       uint64_t *node, struct stat *st)
{
	uint64_t v;

	(void)f;
	(void)c;
	if (!parse_u64(name, INT32_MAX, &v) || !dbf_snapshot_proc(t->snap, (pid_t)v))
		return -ENOENT;
	*node = dbf_node(DBF_KIND_PID, v);
	return dbf_tree_getattr(t, *node, st);
}

static const struct fixed_ops fixed_nodes[DBF_NODE_END] = {
	[DBF_NODE_ROOT] = {
		.hash = root_hash, .subdirs = root_subdirs,
		.nchildren = root_nchildren, .child = root_child, .key = root_key,
		.lookup = root_lookup,
	},
	[DBF_NODE_BY_INODE] = {
		.name = "by-inode",
		.hash = inodes_hash, .subdirs = no_subdirs,
		.nchildren = inodes_nchildren, .child = inodes_child,
		.key = inodes_key,
		.lookup = inodes_lookup,
	},
	[DBF_NODE_BY_NAME] = {
		.name = "by-name", .sub = DBF_KIND_NAME,
		.hash = groups_hash, .subdirs = groups_subdirs,
		.nchildren = groups_nchildren, .child = groups_child,
		.key = groups_key, .lookup = groups_lookup,
	},
	[DBF_NODE_BY_EXPORTER] = {
		.name = "by-exporter", .sub = DBF_KIND_EXPORTER,
		.hash = groups_hash, .subdirs = groups_subdirs,
		.nchildren = groups_nchildren, .child = groups_child,
		.key = groups_key, .lookup = groups_lookup,
	},
	[DBF_NODE_BY_PID] = {
		.name = "by-pid",
		.hash = pids_hash, .subdirs = pids_subdirs,
		.nchildren = pids_nchildren, .child = pids_child,
		.key = pids_key, .lookup = pids_lookup,
	},
	[DBF_NODE_BY_CGROUP] = {
		.name = "by-cgroup",
		.hash = cgroups_hash, .subdirs = cgroups_subdirs,
		.nchildren = cgroups_nchildren, .child = cgroups_child,
		.key = cgroups_key, .lookup = cgroups_lookup, .per_caller = true,
	},
	[DBF_NODE_BY_DEVICE] = {
		.name = "by-device", .sub = DBF_KIND_DEVICE,
		.hash = groups_hash, .subdirs = groups_subdirs,
		.nchildren = groups_nchildren, .child = groups_child,
		.key = groups_key, .lookup = groups_lookup,
	},
	/* files, which fuse/render/ writes */
	[DBF_NODE_SUMMARY] = { .name = "summary" },
	[DBF_NODE_METRICS] = { .name = "metrics" },
	[DBF_NODE_USAGE_SVG] = { .name = "usage.svg" },
};

/* DBF_KIND_FIXED: dispatch on the key through fixed_nodes[]. */

static int fixed_versions(struct dbf_tree *t, const struct dbf_tree *prev,
			  enum dbf_node_kind k)
{
	(void)k;
	for (int key = DBF_NODE_ROOT; key < DBF_NODE_END; key++) {
		const struct fixed_ops *f = &fixed_nodes[key];

		if (f->hash)
			ver_set(&t->fixed[key], f->hash(t, f),
				prev_ver(prev, fixed_node(key)), t->snap->taken);
	}
	return 0;
}

/* by-inode/ names every buffer. */
static nlink_t fixed_links(const struct dbf_tree *t, const struct dbf_buf *b)
{
	(void)t;
	(void)b;
	return 1;
}

static size_t fixed_ndirs(const struct dbf_tree *t, enum dbf_node_kind k)
{
	(void)t;
	(void)k;
	return DBF_NODE_END - DBF_NODE_ROOT;
}

static uint64_t fixed_dir(const struct dbf_tree *t, enum dbf_node_kind k,
			  size_t i)
{
	(void)t;
	(void)k;
	return fixed_node(DBF_NODE_ROOT + (int)i);
}

static const struct dbf_dirver *fixed_dirver(const struct dbf_tree *t,
					     uint64_t dir)
{
	const struct fixed_ops *f = fixed_of(dbf_node_key(dir));

	return f && f->hash ? &t->fixed[dbf_node_key(dir)] : NULL;
}

static int fixed_getattr(const struct dbf_tree *t, uint64_t node,
			 struct stat *st)
{
	const struct fixed_ops *f = fixed_of(dbf_node_key(node));

	if (!f)
		return -ENOENT;
	if (f->nchildren) {
		dir_attr(t, node, f->subdirs(t, f), st);
		return 0;
	}
	memset(st, 0, sizeof(*st));
	st->st_ino = FIXED_INO_BASE | dbf_node_key(node);
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_uid = t->uid;
	st->st_gid = t->gid;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = t->snap->taken;
	return 0;
}

static int fixed_lookup(const struct dbf_tree *t, uint64_t dir,
			const char *name, const struct dbf_caller *c,
			uint64_t *node, struct stat *st)
{
	const struct fixed_ops *f = fixed_of(dbf_node_key(dir));

	if (!f)
		return -ENOENT;
	return f->lookup ? f->lookup(t, f, name, c, node, st) : -ENOTDIR;
}

static long fixed_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct fixed_ops *f = fixed_of(dbf_node_key(dir));

	if (!f)
		return -ENOENT;
	return f->nchildren ? f->nchildren(t, f) : -ENOTDIR;
}

static int fixed_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		       const struct dbf_caller *c, char name[256], uint64_t *node,
		       struct stat *st)
{
	const struct fixed_ops *f = fixed_of(dbf_node_key(dir));

	if (!f)
		return -ENOENT;
	return f->child ? f->child(t, f, i, c, name, node, st) : -ENOTDIR;
}

static uint64_t fixed_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	const struct fixed_ops *f = fixed_of(dbf_node_key(dir));

	return f->key(t, f, i);
}

static bool fixed_per_caller(const struct dbf_tree *t, uint64_t dir)
{
	const struct fixed_ops *f = fixed_of(dbf_node_key(dir));

	(void)t;
	return f && f->per_caller;
}

/* ---- what each kind of node does ---- */

/*
 * One entry per enum dbf_node_kind; every dbf_tree_* function dispatches
 * through it, so a new kind of node is one new entry. A NULL operation:
 * the kind has no such thing (a file has no entries, most nodes have no
 * generation and let every caller in).
 */
struct kind_ops {
	/* Indices (run first, for every kind), then directory versions. */
	int (*build)(struct dbf_tree *t, struct dbf_interner *in,
		     enum dbf_node_kind k);
	int (*versions)(struct dbf_tree *t, const struct dbf_tree *prev,
			enum dbf_node_kind k);
	void (*free)(struct dbf_tree *t, enum dbf_node_kind k);
	/* The directories of this kind, for dbf_tree_diff(). */
	size_t (*ndirs)(const struct dbf_tree *t, enum dbf_node_kind k);
	uint64_t (*dir)(const struct dbf_tree *t, enum dbf_node_kind k, size_t i);
	/* As the dbf_tree_* function of the same name. */
	const struct dbf_dirver *(*dirver)(const struct dbf_tree *t, uint64_t dir);
	int (*getattr)(const struct dbf_tree *t, uint64_t node, struct stat *st);
	int (*lookup)(const struct dbf_tree *t, uint64_t dir, const char *name,
		      const struct dbf_caller *c, uint64_t *node, struct stat *st);
	long (*nchildren)(const struct dbf_tree *t, uint64_t dir);
	int (*child)(const struct dbf_tree *t, uint64_t dir, size_t i,
		     const struct dbf_caller *c, char name[256], uint64_t *node,
		     struct stat *st);
	/* Of an entry that child() gives; called only for those. */
	uint64_t (*key)(const struct dbf_tree *t, uint64_t dir, size_t i);
	/* Whether it answers each caller its own way, when shared. */
	bool (*per_caller)(const struct dbf_tree *t, uint64_t dir);
	uint64_t (*parent)(const struct dbf_tree *t, uint64_t dir);
	/* The entries of this kind's directories that name buffer @b. */
	nlink_t (*links)(const struct dbf_tree *t, const struct dbf_buf *b);
	uint64_t (*generation)(const struct dbf_tree *t, uint64_t node);
	int (*may_enter)(const struct dbf_tree *t, uint64_t dir,
			 const struct dbf_caller *c);
};

static const struct kind_ops kinds[DBF_NKINDS] = {
	[DBF_KIND_FIXED] = {
		.versions = fixed_versions,
		.ndirs = fixed_ndirs, .dir = fixed_dir, .dirver = fixed_dirver,
		.getattr = fixed_getattr, .lookup = fixed_lookup,
		.nchildren = fixed_nchildren, .child = fixed_child, .key = fixed_key,
		.per_caller = fixed_per_caller, .links = fixed_links,
	},
	[DBF_KIND_BUF] = {
		.getattr = buf_getattr,
	},
	[DBF_KIND_NAME] = {
		.build = name_build, .versions = group_versions, .free = group_free,
		.ndirs = group_ndirs, .dir = group_dir, .dirver = group_dirver,
		.getattr = group_getattr, .lookup = group_lookup,
		.nchildren = group_nchildren, .child = group_child, .key = group_key,
		.parent = name_parent, .links = name_links,
	},
	[DBF_KIND_EXPORTER] = {
		.build = exporter_build, .versions = group_versions,
		.free = group_free,
		.ndirs = group_ndirs, .dir = group_dir, .dirver = group_dirver,
		.getattr = group_getattr, .lookup = group_lookup,
		.nchildren = group_nchildren, .child = group_child, .key = group_key,
		.parent = exporter_parent, .links = exporter_links,
	},
	[DBF_KIND_PID] = {
		.versions = pid_versions, .free = pid_free,
		.ndirs = pid_ndirs, .dir = pid_dir, .dirver = pid_dirver,
		.getattr = pid_getattr, .lookup = pid_lookup,
		.nchildren = pid_nchildren, .child = pid_child, .key = pid_key,
		.parent = pid_parent, .per_caller = pid_per_caller,
		.links = pid_links,
		.generation = pid_generation, .may_enter = pid_may_enter,
	},
	[DBF_KIND_DEVICE] = {
		.build = device_build, .versions = group_versions,
		.free = device_free,
		.ndirs = group_ndirs, .dir = group_dir, .dirver = group_dirver,
		.getattr = group_getattr, .lookup = group_lookup,
		.nchildren = group_nchildren, .child = group_child, .key = group_key,
		.parent = device_parent, .links = device_links,
	},
	[DBF_KIND_CGROUP] = {
		.build = cgroup_build, .versions = cgroup_versions,
		.free = cgroup_free,
		.ndirs = cgroup_ndirs, .dir = cgroup_dir, .dirver = cgroup_dirver,
		.getattr = cgroup_getattr, .lookup = cgroup_lookup,
		.nchildren = cgroup_nchildren, .child = cgroup_child, .key = cgroup_key,
		.parent = cgroup_parent, .per_caller = cgroup_per_caller,
		.links = cgroup_links,
	},
};

/* The operations of @node's kind, or NULL for a kind that does not exist. */
static const struct kind_ops *kind_of(uint64_t node)
{
	enum dbf_node_kind k = dbf_node_kind(node);

	return k < DBF_NKINDS ? &kinds[k] : NULL;
}

/* One link per entry that names the buffer, in every kind of directory. */
static nlink_t buf_links(const struct dbf_tree *t, const struct dbf_buf *b)
{
	nlink_t n = 0;

	for (int k = 0; k < DBF_NKINDS; k++)
		if (kinds[k].links)
			n += kinds[k].links(t, b);
	return n;
}

/* ---- building ---- */

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
		   bool shared, unsigned int metrics_top, struct dbf_tree **out)
{
	struct dbf_tree *t = calloc(1, sizeof(*t));
	int r = 0;

	if (!t) {
		dbf_snapshot_free(snap);
		return -ENOMEM;
	}
	t->snap = snap;
	t->uid = uid;
	t->gid = gid;
	t->shared = shared;
	t->metrics_top = metrics_top;
	t->refs = 1;
	t->epoch = ++in->epoch;
	note_wide(snap);
	/* A fixed directory's version hashes other kinds' indices. */
	for (int k = 0; k < DBF_NKINDS && r == 0; k++)
		if (kinds[k].build)
			r = kinds[k].build(t, in, (enum dbf_node_kind)k);
	for (int k = 0; k < DBF_NKINDS && r == 0; k++)
		if (kinds[k].versions)
			r = kinds[k].versions(t, prev, (enum dbf_node_kind)k);
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
	for (int k = 0; k < DBF_NKINDS; k++)
		if (kinds[k].free)
			kinds[k].free(t, (enum dbf_node_kind)k);
	dbf_snapshot_free(t->snap);
	free(t);
}

/* ---- the operations, by kind ---- */

const struct dbf_dirver *dbf_tree_dirver(const struct dbf_tree *t,
					 uint64_t dir)
{
	const struct kind_ops *ops = kind_of(dir);

	return ops && ops->dirver ? ops->dirver(t, dir) : NULL;
}

int dbf_tree_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st)
{
	const struct kind_ops *ops = kind_of(node);

	return ops && ops->getattr ? ops->getattr(t, node, st) : -ENOENT;
}

int dbf_tree_lookup(const struct dbf_tree *t, uint64_t parent,
		    const char *name, const struct dbf_caller *c,
		    uint64_t *node, struct stat *st)
{
	const struct kind_ops *ops = kind_of(parent);

	if (!ops)
		return -ENOENT;
	return ops->lookup ? ops->lookup(t, parent, name, c, node, st) : -ENOTDIR;
}

long dbf_tree_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct kind_ops *ops = kind_of(dir);

	if (!ops)
		return -ENOENT;
	return ops->nchildren ? ops->nchildren(t, dir) : -ENOTDIR;
}

int dbf_tree_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		   const struct dbf_caller *c, char name[256], uint64_t *node,
		   struct stat *st)
{
	const struct kind_ops *ops = kind_of(dir);

	if (!ops)
		return -ENOENT;
	return ops->child ? ops->child(t, dir, i, c, name, node, st) : -ENOTDIR;
}

uint64_t dbf_tree_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	long n = dbf_tree_nchildren(t, dir);

	if (n < 0 || i >= (size_t)n)
		return DBF_KEY_END;
	return kind_of(dir)->key(t, dir, i);
}

struct entry_seek {
	const struct dbf_tree *t;
	uint64_t dir, key;
};

static int entry_at(const void *arg, size_t i)
{
	const struct entry_seek *k = arg;

	return u64_cmp(kind_of(k->dir)->key(k->t, k->dir, i), k->key);
}

size_t dbf_tree_seek(const struct dbf_tree *t, uint64_t dir, uint64_t key)
{
	long n = dbf_tree_nchildren(t, dir);

	return dbf_bisect(0, n > 0 ? (size_t)n : 0, entry_at,
			  &(struct entry_seek){ t, dir, key });
}

bool dbf_tree_per_caller(const struct dbf_tree *t, uint64_t dir)
{
	const struct kind_ops *ops = kind_of(dir);

	return t->shared && ops && ops->per_caller && ops->per_caller(t, dir);
}

uint64_t dbf_tree_parent(const struct dbf_tree *t, uint64_t dir)
{
	const struct kind_ops *ops = kind_of(dir);

	if (!ops || !ops->parent)
		return fixed_node(DBF_NODE_ROOT);
	return ops->parent(t, dir);
}

uint64_t dbf_tree_generation(const struct dbf_tree *t, uint64_t node)
{
	const struct kind_ops *ops = kind_of(node);

	return ops && ops->generation ? ops->generation(t, node) : 0;
}

int dbf_tree_may_enter(const struct dbf_tree *t, uint64_t dir,
		       const struct dbf_caller *c)
{
	const struct kind_ops *ops = kind_of(dir);

	return ops && ops->may_enter ? ops->may_enter(t, dir, c) : 0;
}

/* ---- what a rebuild changed ---- */

/* Did directory @dir's entries change from @old to @new (and is it in both)? */
static bool dir_changed(const struct dbf_tree *old, const struct dbf_tree *new,
			uint64_t dir)
{
	const struct dbf_dirver *ov = dbf_tree_dirver(old, dir);
	const struct dbf_dirver *nv = dbf_tree_dirver(new, dir);

	return ov && nv && ov->hash != nv->hash;
}

/*
 * The entries of @dir in @old that do not resolve in @new. A directory
 * that vanished is one of them, in its parent, whose entries changed too;
 * the kernel drops what it cached below it with it.
 */
static void gone_entries(const struct dbf_tree *old, const struct dbf_tree *new,
			 uint64_t dir, dbf_gone_fn gone, void *arg)
{
	long n = dbf_tree_nchildren(old, dir);
	char name[256];
	struct stat st;
	uint64_t node;

	/* The kernel's caches are everyone's: what any caller may have seen. */
	for (long i = 0; i < n; i++) {
		if (dbf_tree_child(old, dir, (size_t)i, &DBF_CALLER_ROOT, name,
				   &node, &st) != 0)
			continue;
		if (dbf_tree_lookup(new, dir, name, &DBF_CALLER_ROOT, &node,
				    &st) == -ENOENT)
			gone(arg, dir, name, strlen(name));
	}
}

/*
 * The directories of every kind, as each lists them, and then their
 * entries through the kinds' own child and lookup: a new kind of
 * directory is diffed once it can list its directories.
 */
void dbf_tree_diff(const struct dbf_tree *old, const struct dbf_tree *new,
		   dbf_gone_fn gone, dbf_changed_fn changed, void *arg)
{
	/* Changed directories first, then the names gone from them. */
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < DBF_NKINDS; k++) {
			const struct kind_ops *ops = &kinds[k];
			size_t n = ops->ndirs ? ops->ndirs(old, (enum dbf_node_kind)k) : 0;

			for (size_t i = 0; i < n; i++) {
				uint64_t dir = ops->dir(old, (enum dbf_node_kind)k, i);

				if (!dir_changed(old, new, dir))
					continue;
				if (pass == 0)
					changed(arg, dir);
				else
					gone_entries(old, new, dir, gone, arg);
			}
		}
	}
}

/* ---- rows for the renderers ---- */

/* Subtree totals of one [cgroups] row. */
struct cg_total {
	uint32_t procs, bufs;
	uint64_t bytes, pss;
};

/*
 * Add what @c sees of cgroup @i and its listed descendants, counting a
 * buffer only where mark[buffer] is not yet @row: each buffer once.
 */
static void cg_add(const struct dbf_tree *t, uint32_t i, const struct dbf_caller *c,
		   uint32_t *mark, uint32_t row, struct cg_total *tot)
{
	const struct dbf_snapshot *s = t->snap;
	const struct dbf_cgroup *cg = &t->cgs[i];

	for (uint32_t j = 0; j < cg->nprocs; j++) {
		const struct dbf_proc *p = &s->procs[t->cg_procs[cg->proc0 + j]];

		if (!dbf_caller_sees(c, p))
			continue;
		tot->procs++;
		tot->pss += p->pss;
		for (uint32_t h = 0; h < p->nph; h++) {
			uint32_t b = s->holders[s->proc_holders[p->ph0 + h]].buf;

			if (mark[b] == row)
				continue;
			mark[b] = row;
			tot->bufs++;
			tot->bytes += s->bufs[b].size;
		}
	}
	for (uint32_t j = 0; j < cg->nsub; j++)
		if (t->cgs[t->cg_sub[cg->sub0 + j]].listed)
			cg_add(t, t->cg_sub[cg->sub0 + j], c, mark, row, tot);
}

int dbf_tree_cgroup_rows(const struct dbf_tree *t, const struct dbf_caller *c,
			 struct dbf_cgroup_row **rows, size_t *n)
{
	uint32_t *mark = calloc(t->snap->nbufs ? t->snap->nbufs : 1, sizeof(*mark));
	struct dbf_cgroup_row *out = calloc(t->ncgs ? t->ncgs : 1, sizeof(*out));
	size_t k = 0;

	*rows = NULL;
	*n = 0;
	if (!mark || !out) {
		free(mark);
		free(out);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->ncgs; i++) {
		const struct dbf_cgroup *cg = &t->cgs[i];
		struct cg_total tot = { 0 };

		if (!cg->listed)
			continue;
		cg_add(t, i, c, mark, i + 1, &tot);
		if (!tot.procs)
			continue;
		out[k++] = (struct dbf_cgroup_row){
			.path = cg->path, .buffers = tot.bufs, .bytes = tot.bytes,
			.pss = tot.pss, .procs = &t->cg_procs[cg->proc0],
			.nprocs = cg->nprocs,
		};
	}
	free(mark);
	*rows = out;
	*n = k;
	return 0;
}

int dbf_tree_group_rows(const struct dbf_tree *t, enum dbf_node_kind k,
			struct dbf_group_row **rows, size_t *n)
{
	const struct dbf_groups *gs = &t->groups[k];
	struct dbf_group_row *out;

	*rows = NULL;
	*n = 0;
	if (k != DBF_KIND_NAME && k != DBF_KIND_EXPORTER && k != DBF_KIND_DEVICE)
		return -EINVAL;
	out = calloc(gs->n ? gs->n : 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (uint32_t i = 0; i < gs->n; i++) {
		const struct dbf_group *g = &gs->g[i];

		out[i].key = g->key;
		out[i].buffers = g->count;
		for (uint32_t j = 0; j < g->count; j++)
			out[i].bytes += t->snap->bufs[gs->idx[g->first + j]].size;
	}
	*rows = out;
	*n = gs->n;
	return 0;
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
