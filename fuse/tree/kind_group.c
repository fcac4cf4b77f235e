// SPDX-License-Identifier: GPL-2.0-only
/*
 * by-name/<name> and by-exporter/<exporter>: buffers grouped by a key,
 * one directory per key, and their top directories, which list the
 * groups. by-device/ (kind_device.c) is built its own way and then
 * served by the same functions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "escape.h"
#include "kind_group.h"
#include "kind_root.h"
#include "rows.h"

_Static_assert(offsetof(struct dbf_group, id) == 0, "id_recs reads the id first");

/* The groups @node lists or is one of: by-name/ and by-name/x are names. */
static const struct dbf_groups *groups_of(const struct dbf_tree *t,
					  uint64_t node)
{
	return tree_groups(t, node_kind(node));
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
	return group_by_id(groups_of(t, node), dbf_node_key(node));
}

/* ---- building ---- */

static int group_key_cmp(const void *a, const void *b)
{
	return dbf_str_cmp(((const struct dbf_group *)a)->key,
			   ((const struct dbf_group *)b)->key);
}

int group_build(const struct dbf_tree *t, const uint32_t *idx, size_t n,
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
		r = intern_name(in, key, &g[ng].id);
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

static struct dbf_str name_key(const struct dbf_tree *t, size_t i)
{
	const struct dbf_buf *b = &t->snap->bufs[t->snap->by_name[i]];

	return b->has_name ? b->name : (struct dbf_str){ "", 0 };
}

static struct dbf_str exporter_key(const struct dbf_tree *t, size_t i)
{
	return t->snap->bufs[t->snap->by_exporter[i]].exporter;
}

static int name_build(struct dbf_tree *t, struct dbf_interner *in,
		      enum dbf_node_kind k)
{
	if (k == DBF_KIND_NAME)
		return group_build(t, t->snap->by_name, t->snap->nby_name, name_key,
				   in, tree_groups(t, k));
	return group_build(t, t->snap->by_exporter, t->snap->nby_exporter,
			   exporter_key, in, tree_groups(t, k));
}

/* The groups' versions, and their top directory's. */
int group_versions(struct dbf_tree *t, const struct dbf_tree *prev,
		   enum dbf_node_kind k)
{
	struct dbf_groups *gs = tree_groups(t, k);
	uint64_t top = VER_HASH0;

	gs->ver = calloc(gs->n ? gs->n : 1, sizeof(*gs->ver));
	if (!gs->ver)
		return -ENOMEM;
	for (uint32_t i = 0; i < gs->n; i++) {
		const struct dbf_group *g = &gs->g[i];
		uint64_t h = ver_mix(VER_HASH0, g->count);

		for (uint32_t j = 0; j < g->count; j++)
			h = ver_mix(h, t->snap->bufs[gs->idx[g->first + j]].ino);
		ver_set(t, &gs->ver[i], h, prev,
			prev ? group_dirver(prev, dbf_node(k, g->id)) : NULL);
		top = ver_mix(top, g->id);
	}
	top_version(t, prev, (int)dbf_node_key(kind_top(k)), ver_mix(top, gs->n));
	return 0;
}

void group_free(struct dbf_tree *t, enum dbf_node_kind k)
{
	struct dbf_groups *gs = tree_groups(t, k);

	free(gs->g);
	free(gs->by_id);
	free(gs->ver);
}

/* ---- the group directories, and their top ---- */

size_t group_ndirs(const struct dbf_tree *t, enum dbf_node_kind k)
{
	return tree_groups(t, k)->n;
}

uint64_t group_dir(const struct dbf_tree *t, enum dbf_node_kind k, size_t i)
{
	return dbf_node(k, tree_groups(t, k)->g[i].id);
}

const struct dbf_dirver *group_dirver(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_groups *gs = groups_of(t, dir);
	const struct dbf_group *g = group_by_id(gs, dbf_node_key(dir));

	return g ? &gs->ver[g - gs->g] : NULL;
}

uint64_t group_parent(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	return kind_top(dbf_node_kind(dir));
}

int group_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st)
{
	if (is_fixed(node)) {
		dir_attr(t, node, fixed_ver(t, node), groups_of(t, node)->nlisted, st);
		return 0;
	}
	if (!tree_group(t, node))
		return -ENOENT;
	dir_attr(t, node, group_dirver(t, node), 0, st);
	return 0;
}

/* The top by escaped key, a group by inode. */
int group_lookup(const struct dbf_tree *t, uint64_t dir, const char *name,
		 const struct dbf_caller *c, uint64_t *node)
{
	const struct dbf_groups *gs = groups_of(t, dir);
	const struct dbf_group *g;
	size_t len = strlen(name);
	char key[256];
	uint64_t v;
	int n;

	(void)c;
	if (!is_fixed(dir)) {
		g = tree_group(t, dir);
		if (!g || !parse_name(name, DBF_BUF_INO_MAX, &v))
			return -ENOENT;
		return buf_found(run_find(t, gs->idx, g->first, g->first + g->count, v),
				 node);
	}
	if (len >= sizeof(key))
		return -ENOENT;
	n = dbf_unescape_component(key, name, len);
	if (n <= 0)
		return -ENOENT;
	g = group_by_key(gs, (struct dbf_str){ key, (uint32_t)n });
	if (!g)
		return -ENOENT;
	*node = dbf_node(node_kind(dir), g->id);
	return 0;
}

long group_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_group *g;

	if (is_fixed(dir))
		return groups_of(t, dir)->n;
	g = tree_group(t, dir);
	return g ? (long)g->count : -ENOENT;
}

/*
 * The top lists its groups by id, the order in which the names first
 * came (see dbf_tree_key()); a group its buffers by inode.
 */
int group_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		const struct dbf_caller *c, char name[256], uint64_t *node)
{
	const struct dbf_groups *gs = groups_of(t, dir);
	const struct dbf_group *g;

	(void)c;
	if (!is_fixed(dir)) {
		g = tree_group(t, dir);
		if (!g || i >= g->count)
			return -ENOENT;
		return buf_child(&t->snap->bufs[gs->idx[g->first + i]], name, node);
	}
	if (i >= gs->n)
		return -ENOENT;
	g = &gs->g[gs->by_id[i]];
	/* Longer than NAME_MAX once escaped: cannot be listed. */
	if (dbf_escape_component(name, 256, g->key) > 255)
		return 1;
	*node = dbf_node(node_kind(dir), g->id);
	return 0;
}

uint64_t group_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	const struct dbf_groups *gs = groups_of(t, dir);

	if (is_fixed(dir))
		return gs->g[gs->by_id[i]].id & DBF_NODE_KEY;
	return t->snap->bufs[gs->idx[tree_group(t, dir)->first + i]].ino;
}

static nlink_t name_links(const struct dbf_tree *t, enum dbf_node_kind k,
			  const struct dbf_buf *b)
{
	(void)t;
	return k == DBF_KIND_NAME ? buf_named(b) : b->exporter.len > 0;
}

int dbf_tree_group_rows(const struct dbf_tree *t, enum dbf_node_kind k,
			struct dbf_group_row **rows, size_t *n)
{
	const struct dbf_groups *gs = tree_groups(t, k);
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

const struct kind_ops kind_group = {
	.build = name_build, .free = group_free, .links = name_links,
	GROUP_DIR_OPS,
};
