/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every layer of the tree names: node ids, the tree's indices, and
 * who reads (a caller). Node ids come from stable keys (kind + key), so
 * a buffer is one node under every name and an id never changes meaning
 * while the kernel holds it. Name, exporter, device and cgroup
 * directories get ids from an interner that lives as long as the mount
 * (a cgroup's key is its whole path). Shared (allow_other), a directory
 * that lists each caller its own entries is one node per caller class
 * (dbf_tree_split() in tree.h).
 */
#ifndef DMABUFFS_NODE_H
#define DMABUFFS_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "counters.h"
#include "snapshot.h"

/* What a node is; fuse/tree/ has one kind_*.c of operations per kind. */
enum dbf_node_kind {
	DBF_KIND_FIXED,		/* root, the by-* dirs, summary, metrics, usage.svg */
	DBF_KIND_BUF,		/* key: the buffer's inode */
	DBF_KIND_NAME,		/* by-name/<name>; key: interned id */
	DBF_KIND_EXPORTER,	/* by-exporter/<exporter>; key: interned id */
	DBF_KIND_PID,		/* by-pid/<pid>; key: pid */
	DBF_KIND_DEVICE,	/* by-device/<device>; key: interned id */
	DBF_KIND_CGROUP,	/* by-cgroup/.../<cgroup>; key: interned path */
	DBF_NKINDS
};

/*
 * DBF_KIND_FIXED keys, in the root's order. The root must be 1, FUSE's
 * root id. summary, metrics and usage.svg are files: fuse/render/ writes
 * them, as it writes a buffer's.
 */
enum {
	DBF_NODE_ROOT = 1,
	DBF_NODE_BY_INODE,
	DBF_NODE_BY_NAME,
	DBF_NODE_BY_EXPORTER,
	DBF_NODE_BY_PID,
	DBF_NODE_BY_CGROUP,	/* the root cgroup's directory */
	DBF_NODE_BY_DEVICE,
	DBF_NODE_SUMMARY,
	DBF_NODE_METRICS,	/* docs/metrics.md */
	DBF_NODE_USAGE_SVG,
	DBF_NODE_EVENTS,	/* a stream: fuse/serve/stream.c, docs/events.md */
	DBF_NODE_END
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

/*
 * A buffer node's key is its inode, all 48 bits of it. The kernel counts
 * dma-buf inodes up from 1 in 64 bits (dma_buf_getfile(), in 6.1, 6.12
 * and 7.3 alike): 1,000 buffers a second pass 2^32 in 50 days, and never
 * reach 2^48. A wider one is not shown.
 */
#define DBF_BUF_INO_MAX		DBF_NODE_KEY

static inline uint64_t dbf_buf_node(uint64_t ino)
{
	return dbf_node(DBF_KIND_BUF, ino);
}

/* The inode of buffer node @node. */
static inline uint64_t dbf_node_ino(uint64_t node)
{
	return dbf_node_key(node);
}

/*
 * Caller classes (dbf_class_of()): 0 is root (and every caller of a mount
 * that is not shared), 1..DBF_CLASS_MAX (uid, gid) pairs, and
 * DBF_CLASS_PUBLIC, which sees no holders, for when memory ran out.
 *
 * Shared, a directory whose entries depend on who lists them (a cgroup
 * directory whose holders are not all one owner's, dbf_tree_split()) is
 * one node per class: the kernel caches a listing and the names in it
 * per node, and checks nothing but modes before it reuses them. Such a
 * node is a DBF_KIND_CGROUP key with the class + 1 above the cgroup's id
 * (32 bits; the root cgroup's is 0).
 */
#define DBF_CLASS_ROOT		((uint16_t)0)
#define DBF_CLASS_MAX		((uint16_t)0xfffe)
#define DBF_CLASS_PUBLIC	((uint16_t)0xffff)
#define DBF_CGROUP_ID_MAX	UINT64_C(0xffffffff)

/* Is @node one class's node of a split directory? */
static inline bool dbf_node_is_class(uint64_t node)
{
	return dbf_node_kind(node) == DBF_KIND_CGROUP &&
	       dbf_node_key(node) > DBF_CGROUP_ID_MAX;
}

/* The class whose node @node is (dbf_node_is_class() nodes only). */
static inline uint16_t dbf_node_class(uint64_t node)
{
	return (uint16_t)((dbf_node_key(node) >> 32) - 1);
}

/* Class @cls's node of split directory @dir (by-cgroup/ or a cgroup's). */
static inline uint64_t dbf_tree_class_node(uint64_t dir, uint16_t cls)
{
	uint64_t id = dbf_node_kind(dir) == DBF_KIND_FIXED ? 0 : dbf_node_key(dir);

	return dbf_node(DBF_KIND_CGROUP, ((uint64_t)cls + 1) << 32 | id);
}

/* The node every class's node @node stands for; @node if it is none. */
static inline uint64_t dbf_tree_shared_node(uint64_t node)
{
	uint64_t id = dbf_node_key(node) & DBF_CGROUP_ID_MAX;

	if (!dbf_node_is_class(node))
		return node;
	return id ? dbf_node(DBF_KIND_CGROUP, id) : dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_CGROUP);
}

/*
 * A cgroup v2 path as the kernel prints it; by-cgroup/ and the buffer
 * files count anything else as unknown.
 */
static inline bool dbf_cgroup_known(struct dbf_str path)
{
	return path.len && path.p[0] == '/';
}

/* One by-name, by-exporter or by-device directory: a run of equal keys. */
struct dbf_group {
	uint64_t id;			/* interned */
	struct dbf_str key;
	uint32_t first, count;		/* run in the set's idx */
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
	bool changed;			/* since the previous tree */
};

/* The directories of one kind that group buffers by a key. */
struct dbf_groups {
	struct dbf_group *g;		/* in key order */
	uint32_t n;
	uint32_t nlisted;		/* those whose escaped key fits NAME_MAX */
	uint32_t *by_id;		/* indices in g, by id */
	const uint32_t *idx;		/* snap->bufs indices, a run per group */
	struct dbf_dirver *ver;		/* like g */
};

/* One by-cgroup directory; private to fuse/tree/kind_cgroup.c. */
struct dbf_cgroup;

/* A snapshot with the indices the view needs. Immutable once built. */
struct dbf_tree {
	struct dbf_snapshot *snap;
	struct dbf_groups names, exporters, devices;	/* see tree_groups() */
	struct dbf_dirver fixed[DBF_NODE_END];	/* by DBF_NODE_*, directories */
	struct dbf_dirver *pid_ver;		/* like snap->procs */
	/* (device, buffer) pairs by device name, then inode; each pair once */
	uint32_t *dev_bufs;			/* snap->bufs indices */
	struct dbf_str *dev_names;		/* like dev_bufs */
	uint32_t *dev_links;			/* by buffer: device dirs naming it */
	/* by-cgroup: [0] the root cgroup, then by path; %unknown last */
	struct dbf_cgroup *cgs;
	uint32_t ncgs;
	uint32_t cg_unknown;			/* index of %unknown, 0: none */
	uint32_t *cg_by_id;			/* indices, but the root's, by id */
	uint32_t *cg_sub, *cg_list;		/* runs: see struct dbf_cgroup */
	uint32_t *cg_procs, *cg_bufs;
	struct dbf_dirver *cg_ver;		/* like cgs; [0] is fixed[] */
	uint32_t *cg_links;			/* by buffer: cgroup dirs naming it */
	uid_t uid;			/* owner of all but by-pid/<pid> */
	gid_t gid;
	/*
	 * Mounted for other users too (allow_other): attributes, which the
	 * kernel shows every caller alike, say only what each may know.
	 */
	bool shared;
	/* --metrics-top: series per process, name and cgroup; usage.svg blocks */
	unsigned int metrics_top;
	/*
	 * Exports and releases counted up to this tree's snapshot, set before
	 * it is published (fuse/serve/); NULL where nothing counts (a dump).
	 */
	struct dbf_counts *counts;
	uint64_t epoch;			/* of its build, in the interner */
	int refs;			/* for fuse/serve/ */
};

/*
 * Who reads (docs/security.md): root sees every process; a user the
 * processes whose owner is the user's uid and gid (procfs lets the others
 * ptrace none of them); PUBLIC none at all, what everyone may see.
 */
enum dbf_sees {
	DBF_SEES_OWN,
	DBF_SEES_ALL,
	DBF_SEES_NONE,
};

struct dbf_caller {
	enum dbf_sees sees;
	uid_t uid;			/* DBF_SEES_OWN: fsuid and fsgid */
	gid_t gid;
};

#define DBF_CALLER_ROOT		((const struct dbf_caller){ .sees = DBF_SEES_ALL })
#define DBF_CALLER_PUBLIC	((const struct dbf_caller){ .sees = DBF_SEES_NONE })

/*
 * The caller with fsuid @uid and fsgid @gid. Only uid 0 is root: the
 * caller's capabilities do not count, and a container's root is its
 * mapped uid.
 */
static inline struct dbf_caller dbf_caller(uid_t uid, gid_t gid)
{
	if (!uid)
		return DBF_CALLER_ROOT;
	return (struct dbf_caller){ .sees = DBF_SEES_OWN, .uid = uid, .gid = gid };
}

/* May @c see process @p's fds and mappings? */
static inline bool dbf_caller_sees(const struct dbf_caller *c,
				   const struct dbf_proc *p)
{
	if (c->sees != DBF_SEES_OWN)
		return c->sees == DBF_SEES_ALL;
	/* owner 0: setuid, setgid, not dumpable or unreadable: root's alone */
	return p->owner && p->owner == c->uid && p->owner_gid == c->gid;
}

#endif
