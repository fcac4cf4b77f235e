/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The /dmabuf tree over one snapshot: node ids, attributes, directory
 * entries and the rows the renderers read (fuse/render/). Nothing here
 * knows FUSE; fuse/serve/ serves it.
 *
 * Node ids come from stable keys (kind + key), so a buffer is one node
 * under every name and an id never changes meaning while the kernel holds
 * it. Name, exporter, device and cgroup directories get ids from an
 * interner that lives as long as the mount (a cgroup's key is its whole
 * path). Shared (allow_other), a directory that lists each caller its
 * own entries is one node per caller class (dbf_tree_split()).
 */
#ifndef DMABUFFS_TREE_H
#define DMABUFFS_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
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
 * A buffer node's key is its inode. dma-buf inode numbers come from
 * get_next_ino(), an unsigned int, so they fit; a wider one is not shown.
 */
#define DBF_BUF_INO_MAX		UINT64_C(0xffffffff)

static inline uint64_t dbf_buf_node(uint64_t ino)
{
	return dbf_node(DBF_KIND_BUF, ino & DBF_BUF_INO_MAX);
}

/* The inode of buffer node @node: one above DBF_BUF_INO_MAX is no node. */
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

/*
 * A cgroup v2 path as the kernel prints it; by-cgroup/ and the buffer
 * files count anything else as unknown.
 */
static inline bool dbf_cgroup_known(struct dbf_str path)
{
	return path.len && path.p[0] == '/';
}

struct dbf_interner;

struct dbf_interner *dbf_interner_new(void);
void dbf_interner_free(struct dbf_interner *in);
/* Names held: those of the last two trees built (dbf_tree_build). */
size_t dbf_interner_count(const struct dbf_interner *in);

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
	uint64_t epoch;			/* of its build, in the interner */
	int refs;			/* for fuse/serve/ */
};

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

/* Class @cls's node of split directory @dir. */
uint64_t dbf_tree_class_node(uint64_t dir, uint16_t cls);

/* The node every class's node @node stands for; @node if it is none. */
uint64_t dbf_tree_shared_node(uint64_t node);

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

/*
 * May @c enter directory @dir, or look names up in it? -EACCES for a pid
 * directory whose process @c may not see, -ENOENT if @t lacks it, else 0.
 * Checked at every request: the kernel's mode check runs on attributes it
 * may have cached before the process changed owner.
 */
int dbf_tree_may_enter(const struct dbf_tree *t, uint64_t dir,
		       const struct dbf_caller *c);

/*
 * The totals of one cgroup directory, a row of the summary's [cgroups]:
 * what du -s of the directory counts, as the caller of
 * dbf_tree_cgroup_rows() sees it.
 */
struct dbf_cgroup_row {
	struct dbf_str path;		/* raw, into the snapshot; len 0: %unknown */
	uint32_t buffers;		/* distinct buffers held in the subtree */
	uint64_t bytes;			/* their sizes */
	uint64_t pss;			/* sum of the pss of the subtree's processes */
	/* the cgroup's own processes, snap->procs indices, whoever sees them */
	const uint32_t *procs;
	uint32_t nprocs;
};

/*
 * The [cgroups] rows as @c sees them: by-cgroup/ itself ("/", whose
 * subtree is every directory, %unknown included) first, then every other
 * cgroup directory in byte order of its path, %unknown last. Only the
 * processes @c sees count (dbf_caller_sees), and a row where it sees
 * none is left out. A cgroup with no directory (a component too long
 * once escaped, or empty) is in no row, nor is its subtree. *rows is
 * malloc'd; it points into @t. Returns 0 or -ENOMEM.
 */
int dbf_tree_cgroup_rows(const struct dbf_tree *t, const struct dbf_caller *c,
			 struct dbf_cgroup_row **rows, size_t *n);

/*
 * One name, exporter or attached device, a row of the summary's [names],
 * [exporters] or [devices]; its by-* directory, when the key fits
 * NAME_MAX once escaped.
 */
struct dbf_group_row {
	struct dbf_str key;		/* raw, into the snapshot */
	uint32_t buffers;		/* distinct buffers with that key */
	uint64_t bytes;			/* their sizes */
};

/*
 * The rows of kind @k (DBF_KIND_NAME, _EXPORTER or _DEVICE), in byte
 * order of the key; public, as the buffer files are. No devices when no
 * source lists attachments (snap->device_sources 0). *rows is malloc'd
 * and points into @t. Returns 0, -EINVAL for another kind, or -ENOMEM.
 */
int dbf_tree_group_rows(const struct dbf_tree *t, enum dbf_node_kind k,
			struct dbf_group_row **rows, size_t *n);

/*
 * Caller classes of a shared mount: (uid, gid) pairs, at most @max of
 * them (DBF_CLASS_MAX). When all are taken, a newcomer gets the class
 * used least recently, whose epoch then grows by one; DBF_CLASS_PUBLIC
 * only when out of memory. Safe to use from several threads.
 */
struct dbf_classes;

struct dbf_classes *dbf_classes_new(unsigned int max);
void dbf_classes_free(struct dbf_classes *c);
/*
 * The class of caller @uid, @gid (DBF_CLASS_ROOT for uid 0), and in
 * *@epoch how many times it went to another caller: its nodes' generation.
 */
uint16_t dbf_class_of(struct dbf_classes *c, uid_t uid, gid_t gid,
		      uint32_t *epoch);
/*
 * May @uid, @gid read a node of class @cls, and as whom (*@as)? Root may
 * read any; others only their own class as it is now. One lock for both,
 * so that the class cannot change hands in between.
 */
bool dbf_class_owns(struct dbf_classes *c, uid_t uid, gid_t gid, uint16_t cls,
		    struct dbf_caller *as);

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
