// SPDX-License-Identifier: GPL-2.0-only
/*
 * by-cgroup/.../<cgroup>: buffers by their holders' cgroup v2 path, one
 * directory per cgroup whose processes (or its descendants') hold
 * buffers. by-cgroup/ itself is the root cgroup's directory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "escape.h"
#include "rows.h"
#include "tree_int.h"

/*
 * Shared, who may list a cgroup directory. Its child cgroups are
 * everyone's (cgroup paths are world readable), its buffers only theirs
 * who see one of its own processes hold them. So a directory without
 * buffers is everyone's; one without child cgroups whose own processes
 * all have one owner is that owner's, checked by the kernel on its mode
 * as a pid directory is; any other is split, a node per caller class.
 */
enum cg_shape {
	CG_PUBLIC,
	CG_OWNED,
	CG_SPLIT,
};

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
	enum cg_shape shape;		/* see cg_shapes() */
	uid_t owner;			/* CG_OWNED: its processes' owner */
	gid_t owner_gid;
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

static void cg_shapes(struct dbf_tree *t)
{
	const struct dbf_snapshot *s = t->snap;

	for (uint32_t i = 0; i < t->ncgs; i++) {
		struct dbf_cgroup *cg = &t->cgs[i];
		bool one = cg->nlisted == 0;

		cg->shape = CG_PUBLIC;
		if (!cg->nbufs)
			continue;
		for (uint32_t j = 0; j < cg->nprocs && one; j++) {
			const struct dbf_proc *p = &s->procs[t->cg_procs[cg->proc0 + j]];
			gid_t gid = p->owner ? p->owner_gid : 0;

			if (j == 0) {
				cg->owner = p->owner;
				cg->owner_gid = gid;
			}
			one = p->owner == cg->owner && gid == cg->owner_gid;
		}
		cg->shape = one ? CG_OWNED : CG_SPLIT;
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
		r = intern_name(in, cg->path, &cg->id);
		if (r < 0)
			goto out;
		/* A class's node of it keeps the class above the id (tree.h). */
		cg->listed &= cg->id <= DBF_CGROUP_ID_MAX;
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
	cg_shapes(t);
out:
	free(paths);
	free(proc_cg);
	return r;
}

/*
 * The cgroup of directory @node (by-cgroup/ is the root's), or of the
 * split directory @node is a class's node of; or NULL.
 */
static const struct dbf_cgroup *cg_at(const struct dbf_tree *t, uint64_t node)
{
	struct id_recs r = { t->cgs, sizeof(*t->cgs) };
	int64_t i;

	node = dbf_tree_shared_node(node);
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
	uint64_t h = ver_mix(VER_HASH0, cg->nsub);

	/* A child that splits or joins again is another node (tree.h). */
	for (uint32_t i = 0; i < cg->nsub; i++)
		h = ver_mix(ver_mix(h, t->cgs[t->cg_sub[cg->sub0 + i]].id),
			    t->cgs[t->cg_sub[cg->sub0 + i]].shape == CG_SPLIT);
	h = ver_mix(h, cg->nprocs);
	for (uint32_t i = 0; i < cg->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[t->cg_procs[cg->proc0 + i]];

		h = proc_hash(ver_mix(h, (uint64_t)p->pid), s, p);
	}
	return h;
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

/* The root cgroup's version is by-cgroup/'s, in t->fixed. */
static int cgroup_versions(struct dbf_tree *t, const struct dbf_tree *prev,
			   enum dbf_node_kind k)
{
	(void)k;
	t->cg_ver = calloc(t->ncgs, sizeof(*t->cg_ver));
	if (!t->cg_ver)
		return -ENOMEM;
	for (uint32_t i = 1; i < t->ncgs; i++)
		ver_set(t, &t->cg_ver[i], cg_hash(t, &t->cgs[i]), prev,
			prev ? cgroup_dirver(prev, cg_node(t, i)) : NULL);
	top_version(t, prev, DBF_NODE_BY_CGROUP, cg_hash(t, t->cgs));
	return 0;
}

static uint64_t cgroup_parent(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	/* A class's node of by-cgroup/ is in the root. */
	if (cg == t->cgs)
		return fixed_node(DBF_NODE_ROOT);
	return cg ? cg_node(t, cg->parent) : fixed_node(DBF_NODE_BY_CGROUP);
}

/*
 * by-cgroup/ is the root cgroup's directory, as any other's; a class's
 * node of a split one has the attributes of the directory, for everyone.
 */
static int cgroup_getattr(const struct dbf_tree *t, uint64_t node,
			  struct stat *st)
{
	const struct dbf_cgroup *cg = cg_at(t, node);

	if (!cg)
		return -ENOENT;
	dir_attr(t, dbf_tree_shared_node(node),
		 cg == t->cgs ? &t->fixed[DBF_NODE_BY_CGROUP] : &t->cg_ver[cg - t->cgs],
		 cg->nlisted, st);
	if (!t->shared || cg->shape == CG_PUBLIC)
		return 0;
	/*
	 * The mtime would say when the holdings it lists last changed: it
	 * is the snapshot's, as a pid directory's (kind_pid.c).
	 */
	st->st_atim = st->st_mtim = st->st_ctim = t->snap->taken;
	if (cg->shape == CG_OWNED) {
		st->st_mode = S_IFDIR | 0500;
		st->st_uid = cg->owner;
		st->st_gid = cg->owner_gid;
	}
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
static long cgroup_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	return cg ? (long)cg->nsub + (long)cg->nbufs : -ENOENT;
}

static int cgroup_child(const struct dbf_tree *t, uint64_t dir, size_t i,
			const struct dbf_caller *c, char name[256],
			uint64_t *node)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);
	const struct dbf_buf *b;

	if (!cg)
		return -ENOENT;
	if (i < cg->nsub) {
		uint32_t j = t->cg_list[cg->sub0 + i];

		if (!t->cgs[j].listed)
			return 1;
		cg_name(t, j, name);
		*node = cg_node(t, j);
		return 0;
	}
	i -= cg->nsub;
	if (i >= cg->nbufs)
		return -ENOENT;
	b = &t->snap->bufs[t->cg_bufs[cg->buf0 + i]];
	if (!cg_sees(t, cg, b, c))
		return 1;
	return buf_child(b, name, node);
}

/*
 * Child cgroups by id, then buffers by inode, above every id: a key
 * stays with its entry, and says no more than the entry itself.
 */
#define CG_BUF_KEY	(UINT64_C(1) << DBF_NODE_SHIFT)

static uint64_t cgroup_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	if (i < cg->nsub)
		return t->cgs[t->cg_list[cg->sub0 + i]].id & DBF_NODE_KEY;
	return CG_BUF_KEY + t->snap->bufs[t->cg_bufs[cg->buf0 + i - cg->nsub]].ino;
}

static int cgroup_lookup(const struct dbf_tree *t, uint64_t dir,
			 const char *name, const struct dbf_caller *c,
			 uint64_t *node)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);
	const struct dbf_buf *b;
	size_t lo, hi, at;
	char raw[256];
	uint64_t v;
	int n;

	if (!cg)
		return -ENOENT;
	lo = cg->sub0;
	hi = cg->sub0 + cg->nsub;
	/* Decimal is a buffer: no cgroup's name is, once escaped. */
	if (parse_name(name, DBF_BUF_INO_MAX, &v)) {
		b = run_find(t, t->cg_bufs, cg->buf0, cg->buf0 + cg->nbufs, v);
		return b && cg_sees(t, cg, b, c) ? buf_found(b, node) : -ENOENT;
	}
	if (cg == t->cgs && t->cg_unknown) {
		if (!strcmp(name, UNKNOWN_NAME)) {
			*node = cg_node(t, t->cg_unknown);
			return 0;
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
	return 0;
}

static bool cgroup_split(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	return cg && cg->shape == CG_SPLIT;
}

/*
 * An owner's directory: the kernel checked its mode, on attributes it
 * may have cached from an older tree, and never the gid.
 */
static int cgroup_may_enter(const struct dbf_tree *t, uint64_t dir,
			    const struct dbf_caller *c)
{
	const struct dbf_cgroup *cg = cg_at(t, dir);

	if (!cg)
		return -ENOENT;
	if (!t->shared || cg->shape != CG_OWNED)
		return 0;
	return dbf_caller_sees(c, &t->snap->procs[t->cg_procs[cg->proc0]]) ? 0 : -EACCES;
}

/*
 * One link per cgroup directory that lists the buffer. Shared, by-cgroup/
 * counts as one, held or not, as by-pid/ does.
 */
static nlink_t cgroup_links(const struct dbf_tree *t, enum dbf_node_kind k,
			    const struct dbf_buf *b)
{
	(void)k;
	return t->shared ? 1 : t->cg_links[b - t->snap->bufs];
}

/* ---- the summary's [cgroups] rows ---- */

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

const struct kind_ops kind_cgroup = {
	.build = cgroup_build, .versions = cgroup_versions, .free = cgroup_free,
	.ndirs = cgroup_ndirs, .dir = cgroup_dir, .dirver = cgroup_dirver,
	.parent = cgroup_parent,
	.getattr = cgroup_getattr, .lookup = cgroup_lookup,
	.nchildren = cgroup_nchildren, .child = cgroup_child, .key = cgroup_key,
	.split = cgroup_split, .links = cgroup_links, .may_enter = cgroup_may_enter,
};
