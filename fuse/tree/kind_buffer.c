// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buffers: one file node per buffer, and by-inode/,
 * the top directory that lists every buffer. A buffer's text is
 * fuse/render/'s.
 */
#include <errno.h>

#include "tree_int.h"

/* by-inode/: every buffer, by inode. */
static int inodes_versions(struct dbf_tree *t, const struct dbf_tree *prev,
			   enum dbf_node_kind k)
{
	const struct dbf_snapshot *s = t->snap;
	uint64_t h = ver_mix(VER_HASH0, s->nbufs);

	(void)k;
	for (size_t i = 0; i < s->nbufs; i++)
		h = ver_mix(h, s->bufs[i].ino);
	top_version(t, prev, DBF_NODE_BY_INODE, h);
	return 0;
}

static int buf_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st)
{
	const struct dbf_buf *b;

	if (is_fixed(node)) {
		dir_attr(t, node, fixed_ver(t, node), 0, st);
		return 0;
	}
	b = dbf_snapshot_buf(t->snap, dbf_node_ino(node));
	if (!b)
		return -ENOENT;
	buf_attr(t, b, st);
	return 0;
}

static int buf_lookup(const struct dbf_tree *t, uint64_t dir, const char *name,
		      const struct dbf_caller *c, uint64_t *node)
{
	uint64_t v;

	(void)c;
	if (!is_fixed(dir))
		return -ENOTDIR;
	if (!parse_name(name, DBF_BUF_INO_MAX, &v))
		return -ENOENT;
	return buf_found(dbf_snapshot_buf(t->snap, v), node);
}

static long buf_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	return is_fixed(dir) ? (long)t->snap->nbufs : -ENOTDIR;
}

static int buf_child_at(const struct dbf_tree *t, uint64_t dir, size_t i,
			const struct dbf_caller *c, char name[256],
			uint64_t *node)
{
	(void)c;
	if (!is_fixed(dir))
		return -ENOTDIR;
	if (i >= t->snap->nbufs)
		return -ENOENT;
	return buf_child(&t->snap->bufs[i], name, node);
}

static uint64_t buf_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	(void)dir;
	return t->snap->bufs[i].ino;
}

/* by-inode/ names every buffer. */
static nlink_t buf_inode_links(const struct dbf_tree *t, enum dbf_node_kind k,
			       const struct dbf_buf *b)
{
	(void)t;
	(void)k;
	(void)b;
	return 1;
}

const struct kind_ops kind_buffer = {
	.versions = inodes_versions,
	.getattr = buf_getattr, .lookup = buf_lookup,
	.nchildren = buf_nchildren, .child = buf_child_at, .key = buf_key,
	.links = buf_inode_links,
};
