// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fixed nodes: the root, the top directory of each kind (by-inode/,
 * by-name/, ...) and the files summary, metrics, usage.svg and events. This kind
 * serves the root and the files; a top directory is served by its kind.
 * The root's version is tree.c's: it follows whether by-cgroup/ splits.
 */
#include <errno.h>
#include <string.h>

#include "kind_root.h"

static const struct {
	const char *name;		/* its entry in the root */
	enum dbf_node_kind kind;	/* the kind that serves it */
} fixed[DBF_NODE_END] = {
	[DBF_NODE_ROOT] = { NULL, DBF_KIND_FIXED },
	[DBF_NODE_BY_INODE] = { "by-inode", DBF_KIND_BUF },
	[DBF_NODE_BY_NAME] = { "by-name", DBF_KIND_NAME },
	[DBF_NODE_BY_EXPORTER] = { "by-exporter", DBF_KIND_EXPORTER },
	[DBF_NODE_BY_PID] = { "by-pid", DBF_KIND_PID },
	[DBF_NODE_BY_CGROUP] = { "by-cgroup", DBF_KIND_CGROUP },
	[DBF_NODE_BY_DEVICE] = { "by-device", DBF_KIND_DEVICE },
	/* files, which fuse/render/ writes */
	[DBF_NODE_SUMMARY] = { "summary", DBF_KIND_FIXED },
	[DBF_NODE_METRICS] = { "metrics", DBF_KIND_FIXED },
	[DBF_NODE_USAGE_SVG] = { "usage.svg", DBF_KIND_FIXED },
	/* a file whose reads block: fuse/serve/ streams it */
	[DBF_NODE_EVENTS] = { "events", DBF_KIND_FIXED },
};

/* The root lists every other fixed node, in key order. */
#define NFIXED (DBF_NODE_END - DBF_NODE_ROOT - 1)

enum dbf_node_kind fixed_kind(uint64_t key)
{
	return key >= DBF_NODE_ROOT && key < DBF_NODE_END ? fixed[key].kind :
							     DBF_NKINDS;
}

bool fixed_is_dir(uint64_t key)
{
	return key == DBF_NODE_ROOT ||
	       (fixed_kind(key) != DBF_KIND_FIXED && fixed_kind(key) != DBF_NKINDS);
}

uint64_t kind_top(enum dbf_node_kind k)
{
	for (int key = DBF_NODE_ROOT + 1; key < DBF_NODE_END; key++)
		if (fixed[key].kind == k)
			return fixed_node(key);
	return fixed_node(DBF_NODE_ROOT);
}

static bool is_root(uint64_t node)
{
	return dbf_node_key(node) == DBF_NODE_ROOT;
}

/* Every fixed node, the tops of other kinds too, for the order of the diff. */
static size_t root_ndirs(const struct dbf_tree *t, enum dbf_node_kind k)
{
	(void)t;
	(void)k;
	return DBF_NODE_END - DBF_NODE_ROOT;
}

static uint64_t root_dir(const struct dbf_tree *t, enum dbf_node_kind k,
			 size_t i)
{
	(void)t;
	(void)k;
	return fixed_node(DBF_NODE_ROOT + (int)i);
}

static int root_getattr(const struct dbf_tree *t, uint64_t node,
			struct stat *st)
{
	nlink_t subdirs = 0;

	if (is_root(node)) {
		for (int key = DBF_NODE_ROOT + 1; key < DBF_NODE_END; key++)
			subdirs += fixed_is_dir((uint64_t)key);
		dir_attr(t, node, fixed_ver(t, node), subdirs, st);
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

static int root_lookup(const struct dbf_tree *t, uint64_t dir,
		       const char *name, const struct dbf_caller *c,
		       uint64_t *node)
{
	(void)t;
	(void)c;
	if (!is_root(dir))
		return -ENOTDIR;
	for (int key = DBF_NODE_ROOT + 1; key < DBF_NODE_END; key++) {
		if (!strcmp(name, fixed[key].name)) {
			*node = fixed_node(key);
			return 0;
		}
	}
	return -ENOENT;
}

static long root_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	return is_root(dir) ? NFIXED : -ENOTDIR;
}

static int root_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		      const struct dbf_caller *c, char name[256],
		      uint64_t *node)
{
	(void)t;
	(void)c;
	if (!is_root(dir))
		return -ENOTDIR;
	if (i >= NFIXED)
		return -ENOENT;
	strcpy(name, fixed[DBF_NODE_ROOT + 1 + i].name);
	*node = fixed_node(DBF_NODE_ROOT + 1 + (int)i);
	return 0;
}

static uint64_t root_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	(void)t;
	(void)dir;
	return i;
}

const struct kind_ops kind_root = {
	.ndirs = root_ndirs, .dir = root_dir,
	.getattr = root_getattr, .lookup = root_lookup,
	.nchildren = root_nchildren, .child = root_child, .key = root_key,
};
