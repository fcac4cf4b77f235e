/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The /dmabuf tree over one snapshot: node ids, attributes, directory
 * entries and file text. Nothing here knows FUSE; fuse/view.c serves it.
 *
 * Node ids come from stable keys (kind + key), so a buffer is one node
 * under every name and an id never changes meaning while the kernel holds
 * it. Name and exporter directories get ids from an interner that lives
 * as long as the mount.
 */
#ifndef DMABUFFS_TREE_H
#define DMABUFFS_TREE_H

#include <stdint.h>
#include <sys/stat.h>
#include "snapshot.h"

enum dbf_node_kind {
	DBF_KIND_FIXED,		/* root, the four by-* dirs, summary */
	DBF_KIND_BUF,		/* key: the buffer's inode */
	DBF_KIND_NAME,		/* by-name/<name>; key: interned id */
	DBF_KIND_EXPORTER,	/* by-exporter/<exporter>; key: interned id */
	DBF_KIND_PID,		/* by-pid/<pid>; key: pid */
};

/* DBF_KIND_FIXED keys. The root must be 1, FUSE's root id. */
enum {
	DBF_NODE_ROOT = 1,
	DBF_NODE_BY_INODE,
	DBF_NODE_BY_NAME,
	DBF_NODE_BY_EXPORTER,
	DBF_NODE_BY_PID,
	DBF_NODE_SUMMARY,
};

#define DBF_NODE_SHIFT	48
#define DBF_NODE_KEY	((UINT64_C(1) << DBF_NODE_SHIFT) - 1)

static inline uint64_t dbf_node(enum dbf_node_kind kind, uint64_t key)
{
	return ((uint64_t)kind << DBF_NODE_SHIFT) | (key & DBF_NODE_KEY);
}

static inline enum dbf_node_kind dbf_node_kind(uint64_t node)
{
	return (enum dbf_node_kind)(node >> DBF_NODE_SHIFT);
}

static inline uint64_t dbf_node_key(uint64_t node)
{
	return node & DBF_NODE_KEY;
}

struct dbf_interner;

struct dbf_interner *dbf_interner_new(void);
void dbf_interner_free(struct dbf_interner *in);

/* One by-name or by-exporter directory: a run of equal keys. */
struct dbf_group {
	uint64_t id;			/* interned */
	struct dbf_str key;
	uint32_t first, count;		/* run in snap->by_name/by_exporter */
};

/*
 * A directory's version: a hash of its entries, and the time they last
 * changed, carried over from tree to tree while the hash holds. It is the
 * directory's mtime, which the kernel checks before it reuses a cached
 * listing.
 */
struct dbf_dirver {
	uint64_t hash;
	struct timespec mtime;
	struct timespec born;		/* when the directory appeared */
	bool changed;			/* since the previous tree */
};

/* A snapshot with the indices the view needs. Immutable once built. */
struct dbf_tree {
	struct dbf_snapshot *snap;
	struct dbf_group *names, *exporters;	/* in key order */
	uint32_t nnames, nexporters;
	uint32_t *names_by_id, *exporters_by_id;	/* group indices */
	struct dbf_dirver fixed[DBF_NODE_SUMMARY];	/* by DBF_NODE_* */
	struct dbf_dirver *name_ver, *exp_ver;	/* like names, exporters */
	struct dbf_dirver *pid_ver;		/* like snap->procs */
	uid_t uid;			/* owner of all but by-pid/<pid> */
	gid_t gid;
	/*
	 * Mounted for other users too (allow_other): attributes, which the
	 * kernel shows every caller alike, say only what each may know.
	 */
	bool shared;
	int refs;			/* for fuse/view.c */
};

/*
 * Take ownership of @snap and index it; directory versions carry over
 * from @prev (may be NULL). Interning ids is the only thing that touches
 * @in, so builds must not run concurrently.
 */
int dbf_tree_build(struct dbf_snapshot *snap, struct dbf_interner *in,
		   const struct dbf_tree *prev, uid_t uid, gid_t gid,
		   bool shared, struct dbf_tree **out);

/* The version of directory @dir, or NULL if @t has no such directory. */
const struct dbf_dirver *dbf_tree_dirver(const struct dbf_tree *t,
					 uint64_t dir);
void dbf_tree_free(struct dbf_tree *t);

/* Attributes of @node as it is in @t; -ENOENT if it is not there. */
int dbf_tree_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st);

/* Resolve @name in directory @parent: -ENOENT, -ENOTDIR or 0. */
int dbf_tree_lookup(const struct dbf_tree *t, uint64_t parent,
		    const char *name, uint64_t *node, struct stat *st);

/* Number of entries of directory @node (without . and ..), or -errno. */
long dbf_tree_nchildren(const struct dbf_tree *t, uint64_t dir);

/*
 * Entry @i of @dir: its name (NUL-terminated, at most NAME_MAX bytes),
 * node and attributes. Returns 0, or 1 when the entry has no valid path
 * component and must be skipped.
 */
int dbf_tree_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		   char name[256], uint64_t *node, struct stat *st);

/* The node that holds @dir (the root for the root). */
uint64_t dbf_tree_parent(const struct dbf_tree *t, uint64_t dir);

/*
 * Who reads: root sees every process, a user only the processes that
 * have the user's uid, DBF_CALLER_PUBLIC none at all (what everyone may
 * see). See docs/security.md.
 */
#define DBF_CALLER_ROOT		((uid_t)0)
#define DBF_CALLER_PUBLIC	((uid_t)-1)

/* May @caller see process @p's fds and mappings? */
static inline bool dbf_caller_sees(uid_t caller, const struct dbf_proc *p)
{
	/* owner 0: a setuid or unreadable process, which procfs shows root only */
	return caller == DBF_CALLER_ROOT ||
	       (caller != DBF_CALLER_PUBLIC && p->owner && p->owner == caller);
}

/* The text of a buffer file or the summary as @caller may see it, malloc'd. */
int dbf_tree_render(const struct dbf_tree *t, uint64_t node, uid_t caller,
		    char **text, size_t *len);

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
