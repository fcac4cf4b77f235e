/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The /dmabuf tree over one snapshot: building it, and the attributes
 * and entries of its nodes, each answered by the node's kind
 * (fuse/tree/kind_*.c); node.h has the ids and types, rows.h the rows
 * the renderers read (fuse/render/). Nothing here knows FUSE;
 * fuse/serve/ serves it.
 */
#ifndef DMABUFFS_TREE_H
#define DMABUFFS_TREE_H

#include "caller.h"
#include "intern.h"
#include "node.h"
#include "rows.h"

/*
 * Take ownership of @snap and index it; directory versions carry over
 * from @prev (may be NULL). Interning ids is the only thing that touches
 * @in, so builds must not run concurrently. Names in neither @prev nor
 * the new tree leave @in; their ids are never given out again. @uid and
 * @gid own the nodes, @shared is an allow_other mount, and @metrics_top
 * bounds the series of metrics and the blocks of usage.svg.
 */
int dbf_tree_build(struct dbf_snapshot *snap, struct dbf_interner *in,
		   const struct dbf_tree *prev, uid_t uid, gid_t gid,
		   bool shared, unsigned int metrics_top, struct dbf_tree **out);

/* The version of directory @dir, or NULL if @t has no such directory. */
const struct dbf_dirver *dbf_tree_dirver(const struct dbf_tree *t,
					 uint64_t dir);
void dbf_tree_free(struct dbf_tree *t);

/* Attributes of @node as it is in @t; -ENOENT if it is not there. */
int dbf_tree_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st);

struct dbf_caller;

/*
 * Resolve @name in directory @parent as caller @c finds it: -ENOENT,
 * -ENOTDIR or 0. A cgroup directory resolves a buffer only for a caller
 * who sees one of the cgroup's processes holding it.
 */
int dbf_tree_lookup(const struct dbf_tree *t, uint64_t parent,
		    const char *name, const struct dbf_caller *c,
		    uint64_t *node, struct stat *st);

/* Number of entries of directory @node (without . and ..), or -errno. */
long dbf_tree_nchildren(const struct dbf_tree *t, uint64_t dir);

/*
 * Entry @i of @dir as caller @c lists it: its name (NUL-terminated, at
 * most NAME_MAX bytes), node and attributes. Returns 0, or 1 when the
 * entry has no valid path component, or is not @c's to see, and must be
 * skipped.
 */
int dbf_tree_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		   const struct dbf_caller *c, char name[256], uint64_t *node,
		   struct stat *st);

/*
 * The key of entry @i of @dir, below DBF_KEY_END; DBF_KEY_END if there is
 * no such entry. A directory lists its entries in the order of their
 * keys, and an entry keeps its key from tree to tree: a buffer's inode, a
 * pid, or the interned id of a name (the order in which names first
 * came). So a listing can go on after the last entry it gave in any later
 * tree, and a key says nothing but which entry it is.
 */
#define DBF_KEY_END	(UINT64_C(1) << (DBF_NODE_SHIFT + 1))
uint64_t dbf_tree_key(const struct dbf_tree *t, uint64_t dir, size_t i);

/* The index of @dir's first entry whose key is @key or more: nchildren if none. */
size_t dbf_tree_seek(const struct dbf_tree *t, uint64_t dir, uint64_t key);

/*
 * Does directory @dir, on a shared mount, list each caller what that
 * caller sees (a cgroup directory whose holders are not all one
 * owner's)? Then each caller class has a node of its own of it,
 * dbf_tree_class_node(), and @dir itself is never served.
 */
bool dbf_tree_split(const struct dbf_tree *t, uint64_t dir);

/*
 * Is @node one the kernel may hold from an earlier tree but that no
 * longer stands for what it did: a split directory's shared node, or a
 * class node of one that is no longer split? Requests on it get ESTALE,
 * and the kernel looks the path up again.
 */
bool dbf_tree_stale(const struct dbf_tree *t, uint64_t node);

/* The node that holds @dir (the root for the root). */
uint64_t dbf_tree_parent(const struct dbf_tree *t, uint64_t dir);

/* The generation of @node: a pid directory's process start time, else 0. */
uint64_t dbf_tree_generation(const struct dbf_tree *t, uint64_t node);

/*
 * May @c enter directory @dir, or look names up in it? -EACCES for a pid
 * directory whose process @c may not see, -ENOENT if @t lacks it, else 0.
 * Checked at every request: the kernel's mode check runs on attributes it
 * may have cached before the process changed owner.
 */
int dbf_tree_may_enter(const struct dbf_tree *t, uint64_t dir,
		       const struct dbf_caller *c);

/*
 * Call @gone for every name that @old has and @new lacks, and @changed
 * for every directory of both whose entries differ: what the kernel must
 * forget after a rebuild.
 */
typedef void (*dbf_gone_fn)(void *arg, uint64_t parent, const char *name,
			    size_t len);
typedef void (*dbf_changed_fn)(void *arg, uint64_t dir);
void dbf_tree_diff(const struct dbf_tree *old, const struct dbf_tree *new,
		   dbf_gone_fn gone, dbf_changed_fn changed, void *arg);

#endif
