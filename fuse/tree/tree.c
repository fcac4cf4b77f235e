// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dmabuf tree over one snapshot (see docs/layout.md): building and
 * freeing it, the dbf_tree_* functions, which only dispatch, and what a
 * rebuild changed.
 *
 * Each kind of node (enum dbf_node_kind) has one entry of operations in
 * kinds[], in a kind_*.c file of its own; a fixed node (the root, by-*,
 * the files) is served by the kind that kind_root.c names for it. A new
 * kind of directory is a file and one entry here. The kinds call nothing
 * here: what needs every kind (a node's attributes, a buffer's links) is
 * done here, above them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "kind_root.h"
#include "kinds.h"
#include "log.h"
#include "tree.h"

static const struct kind_ops *const kinds[DBF_NKINDS] = {
	[DBF_KIND_FIXED] = &kind_root,
	[DBF_KIND_BUF] = &kind_buffer,
	[DBF_KIND_NAME] = &kind_group,
	[DBF_KIND_EXPORTER] = &kind_group,
	[DBF_KIND_PID] = &kind_pid,
	[DBF_KIND_DEVICE] = &kind_device,
	[DBF_KIND_CGROUP] = &kind_cgroup,
};

/* The operations that serve @node, or NULL for a node that cannot exist. */
static const struct kind_ops *kind_of(uint64_t node)
{
	enum dbf_node_kind k = node_kind(node);

	return k < DBF_NKINDS ? kinds[k] : NULL;
}

/* One link per entry that names the buffer, in every kind of directory. */
static nlink_t buf_links(const struct dbf_tree *t, const struct dbf_buf *b)
{
	nlink_t n = 0;

	for (int k = 0; k < DBF_NKINDS; k++)
		if (kinds[k]->links)
			n += kinds[k]->links(t, (enum dbf_node_kind)k, b);
	return n;
}

/* ---- building ---- */

/*
 * A buffer node holds the inode in 48 bits (node.h). Anything wider (a
 * made-up capture) is left out of every listing and lookup; said once
 * per run.
 */
static void note_wide(const struct dbf_snapshot *snap)
{
	static bool said;

	if (!snap->nbufs || snap->bufs[snap->nbufs - 1].ino <= DBF_BUF_INO_MAX ||
	    __atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
		return;
	dbf_log(LOG_WARNING, "buffer inode %" PRIu64 " is wider than 48 bits; "
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
	t->epoch = intern_next_epoch(in);
	note_wide(snap);
	/* A top directory's version hashes its kind's indices. */
	for (int k = 0; k < DBF_NKINDS && r == 0; k++)
		if (kinds[k]->build)
			r = kinds[k]->build(t, in, (enum dbf_node_kind)k);
	for (int k = 0; k < DBF_NKINDS && r == 0; k++)
		if (kinds[k]->versions)
			r = kinds[k]->versions(t, prev, (enum dbf_node_kind)k);
	/* The root's entries never change, but by-cgroup/ may split (tree.h). */
	if (r == 0)
		top_version(t, prev, DBF_NODE_ROOT,
			    ver_mix(VER_HASH0, dbf_tree_split(t, fixed_node(DBF_NODE_BY_CGROUP))));
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
		if (kinds[k]->free)
			kinds[k]->free(t, (enum dbf_node_kind)k);
	dbf_snapshot_free(t->snap);
	dbf_counts_free(t->counts);
	free(t);
}

/* ---- the operations, by kind ---- */

const struct dbf_dirver *dbf_tree_dirver(const struct dbf_tree *t,
					 uint64_t dir)
{
	const struct kind_ops *ops = kind_of(dir);

	/* Every fixed directory keeps its version in t->fixed. */
	if (is_fixed(dir))
		return fixed_is_dir(dbf_node_key(dir)) ? &t->fixed[dbf_node_key(dir)] :
							 NULL;
	return ops && ops->dirver ? ops->dirver(t, dir) : NULL;
}

int dbf_tree_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st)
{
	const struct kind_ops *ops = kind_of(node);
	int r = ops && ops->getattr ? ops->getattr(t, node, st) : -ENOENT;

	/* Its kind found the buffer: every kind adds its links. */
	if (r == 0 && dbf_node_kind(node) == DBF_KIND_BUF)
		st->st_nlink = buf_links(t, dbf_snapshot_buf(t->snap, dbf_node_ino(node)));
	return r;
}

int dbf_tree_lookup(const struct dbf_tree *t, uint64_t parent,
		    const char *name, const struct dbf_caller *c,
		    uint64_t *node, struct stat *st)
{
	const struct kind_ops *ops = kind_of(parent);
	int r;

	if (!ops)
		return -ENOENT;
	if (!ops->lookup)
		return -ENOTDIR;
	r = ops->lookup(t, parent, name, c, node);
	return r ? r : dbf_tree_getattr(t, *node, st);
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
	int r;

	if (!ops)
		return -ENOENT;
	if (!ops->child)
		return -ENOTDIR;
	r = ops->child(t, dir, i, c, name, node);
	return r ? r : dbf_tree_getattr(t, *node, st);
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

bool dbf_tree_split(const struct dbf_tree *t, uint64_t dir)
{
	const struct kind_ops *ops = kind_of(dir);

	return t->shared && ops && ops->split && ops->split(t, dir);
}

bool dbf_tree_stale(const struct dbf_tree *t, uint64_t node)
{
	uint64_t shared = dbf_tree_shared_node(node);

	return dbf_tree_split(t, shared) != (shared != node);
}

uint64_t dbf_tree_parent(const struct dbf_tree *t, uint64_t dir)
{
	const struct kind_ops *ops = kind_of(dir);

	/* A fixed node is the root's, or the root itself. */
	if (!ops || !ops->parent || is_fixed(dir))
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
	uint64_t node, now;
	int r;

	/* The kernel's caches are everyone's: what any caller may have seen. */
	for (long i = 0; i < n; i++) {
		if (dbf_tree_child(old, dir, (size_t)i, &DBF_CALLER_ROOT, name,
				   &node, &st) != 0)
			continue;
		/* A directory that split, or joined again, is another node. */
		r = dbf_tree_lookup(new, dir, name, &DBF_CALLER_ROOT, &now, &st);
		if (r == -ENOENT ||
		    (r == 0 && dbf_tree_split(old, node) != dbf_tree_split(new, now)))
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
			const struct kind_ops *ops = kinds[k];
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
