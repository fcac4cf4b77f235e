/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of fuse/tree/ share: the operations of a kind of node,
 * the interner's private side, and the helpers every kind uses for
 * lookups, attributes and directory versions (attr.c). Not for the
 * layers above: they see tree.h.
 */
#ifndef DMABUFFS_TREE_INT_H
#define DMABUFFS_TREE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hash.h"
#include "intern.h"
#include "node.h"

/*
 * st_ino of a buffer is the kernel's inode number (below 2^48, node.h),
 * so every other node reports an st_ino above 2^48 to keep du, find
 * -inum and find -samefile from mixing them up.
 */
#define FIXED_INO_BASE	((uint64_t)0xf << DBF_NODE_SHIFT)

/*
 * What one kind of node does: every dbf_tree_* function dispatches
 * through kinds[] in tree.c, one entry per enum dbf_node_kind. A kind
 * also serves its top directory in the root (by-pid/ for pids, by-inode/
 * for buffers), a fixed node that kind_root.c assigns to it. A NULL
 * operation: the kind has no such thing (a file has no entries, most
 * nodes have no generation and let every caller in).
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
	/* As the dbf_tree_* function of the same name; never for a fixed node. */
	const struct dbf_dirver *(*dirver)(const struct dbf_tree *t, uint64_t dir);
	uint64_t (*parent)(const struct dbf_tree *t, uint64_t dir);
	/* As the dbf_tree_* function of the same name, the top included. */
	int (*getattr)(const struct dbf_tree *t, uint64_t node, struct stat *st);
	/* As dbf_tree_lookup() and dbf_tree_child(), the node alone. */
	int (*lookup)(const struct dbf_tree *t, uint64_t dir, const char *name,
		      const struct dbf_caller *c, uint64_t *node);
	long (*nchildren)(const struct dbf_tree *t, uint64_t dir);
	int (*child)(const struct dbf_tree *t, uint64_t dir, size_t i,
		     const struct dbf_caller *c, char name[256], uint64_t *node);
	/* Of an entry that child() gives; called only for those. */
	uint64_t (*key)(const struct dbf_tree *t, uint64_t dir, size_t i);
	/* Whether it lists each caller its own way, when shared. */
	bool (*split)(const struct dbf_tree *t, uint64_t dir);
	/* The entries of kind @k's directories that name buffer @b. */
	nlink_t (*links)(const struct dbf_tree *t, enum dbf_node_kind k,
			 const struct dbf_buf *b);
	uint64_t (*generation)(const struct dbf_tree *t, uint64_t node);
	int (*may_enter)(const struct dbf_tree *t, uint64_t dir,
			 const struct dbf_caller *c);
};

/* ---- the fixed nodes (kind_root.h: which kind serves each) ---- */

static inline uint64_t fixed_node(int key)
{
	return dbf_node(DBF_KIND_FIXED, (uint64_t)key);
}

/* Is @node a fixed node: the root, a file or the top of a kind? */
static inline bool is_fixed(uint64_t node)
{
	return dbf_node_kind(node) == DBF_KIND_FIXED;
}

/* The version of fixed directory @node, in t->fixed. */
static inline const struct dbf_dirver *fixed_ver(const struct dbf_tree *t, uint64_t node)
{
	return &t->fixed[dbf_node_key(node)];
}

/* ---- intern.c ---- */

/* Start a build: the epoch that names interned from now on are seen in. */
uint64_t intern_next_epoch(struct dbf_interner *in);
/* The id of @s, interned if new. 0 or -ENOMEM. */
int intern_name(struct dbf_interner *in, struct dbf_str s, uint64_t *id);
/* Forget names last seen before epoch @keep; their ids stay used up. */
void intern_sweep(struct dbf_interner *in, uint64_t keep);

/* ---- attr.c: finding things ---- */

static inline int u64_cmp(uint64_t x, uint64_t y)
{
	return (x > y) - (x < y);
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

/* qsort_r() order of indices into @arg, a struct id_recs, by id. */
int id_cmp(const void *a, const void *b, void *arg);
/* The index of the record with @id, through @by (@n indices by id), or -1. */
int64_t id_find(const struct id_recs *r, const uint32_t *by, uint32_t n,
		uint64_t id);

static inline const struct dbf_buf *holder_buf(const struct dbf_snapshot *s,
					       const struct dbf_proc *p,
					       uint32_t i)
{
	return &s->bufs[s->holders[s->proc_holders[p->ph0 + i]].buf];
}

/*
 * The buffer with inode @ino in the run [@lo, @hi) of @idx (snap->bufs
 * indices sorted by inode), or NULL. Groups and cgroups keep their
 * buffers so.
 */
const struct dbf_buf *run_find(const struct dbf_tree *t, const uint32_t *idx,
			       uint32_t lo, uint32_t hi, uint64_t ino);
/* The buffer with inode @ino that @p holds, or NULL. */
const struct dbf_buf *proc_find(const struct dbf_snapshot *s,
				const struct dbf_proc *p, uint64_t ino);
/* Canonical decimal only, so each object has exactly one name. */
bool parse_name(const char *s, uint64_t max, uint64_t *v);

/* ---- attr.c: directory versions ---- */

#define VER_HASH0	DBF_FNV_BASIS

/* FNV-1a's step on a whole value, folded so that high bits count too. */
static inline uint64_t ver_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * DBF_FNV_PRIME;
	return h ^ (h >> 29);
}

/* What a process's holdings add to @h: see attr.c. */
uint64_t proc_hash(uint64_t h, const struct dbf_snapshot *s,
		   const struct dbf_proc *p);
/*
 * Set @v, the version of a directory of @t, from the hash of its entries
 * and @old, its version in @prev (NULL: @t is the first tree, or the
 * directory is new in it).
 */
void ver_set(const struct dbf_tree *t, struct dbf_dirver *v, uint64_t hash,
	     const struct dbf_tree *prev, const struct dbf_dirver *old);
/* The version of fixed directory @key, which its kind's versions() sets. */
void top_version(struct dbf_tree *t, const struct dbf_tree *prev, int key,
		 uint64_t hash);

/* ---- attr.c: attributes ---- */

static inline bool buf_named(const struct dbf_buf *b)
{
	return b->has_name && b->name.len;
}

/*
 * A directory of @subdirs subdirectories, 0555 and the mount owner's,
 * whose entries last changed as @ver says (NULL: the snapshot's time).
 */
void dir_attr(const struct dbf_tree *t, uint64_t node,
	      const struct dbf_dirver *ver, nlink_t subdirs, struct stat *st);
/* A buffer file; st_nlink, which every kind adds to, is tree.c's. */
void buf_attr(const struct dbf_tree *t, const struct dbf_buf *b,
	      struct stat *st);
/* A buffer entry: its name is its inode. */
int buf_child(const struct dbf_buf *b, char name[256], uint64_t *node);
/* Resolve buffer @b (NULL: none) as an entry. */
int buf_found(const struct dbf_buf *b, uint64_t *node);

#endif
