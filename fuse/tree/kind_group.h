/* SPDX-License-Identifier: GPL-2.0-only */
/* What by-device/ (kind_device.c) shares with by-name/ and by-exporter/. */
#ifndef DMABUFFS_KIND_GROUP_H
#define DMABUFFS_KIND_GROUP_H

#include "tree_int.h"

/* The groups of kind @k (DBF_KIND_NAME, _EXPORTER or _DEVICE), as const as @t. */
#define tree_groups(t, k)						\
	((k) == DBF_KIND_NAME ? &(t)->names :				\
	 (k) == DBF_KIND_EXPORTER ? &(t)->exporters : &(t)->devices)

/* The key of entry @i of a group set's idx. */
typedef struct dbf_str group_key_fn(const struct dbf_tree *t, size_t i);

/*
 * Runs of equal keys in @idx (@n entries in key order, each run by inode)
 * become directories.
 */
int group_build(const struct dbf_tree *t, const uint32_t *idx, size_t n,
		group_key_fn *key_of, struct dbf_interner *in,
		struct dbf_groups *gs);
int group_versions(struct dbf_tree *t, const struct dbf_tree *prev,
		   enum dbf_node_kind k);
void group_free(struct dbf_tree *t, enum dbf_node_kind k);
size_t group_ndirs(const struct dbf_tree *t, enum dbf_node_kind k);
uint64_t group_dir(const struct dbf_tree *t, enum dbf_node_kind k, size_t i);
const struct dbf_dirver *group_dirver(const struct dbf_tree *t, uint64_t dir);
uint64_t group_parent(const struct dbf_tree *t, uint64_t dir);
int group_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st);
int group_lookup(const struct dbf_tree *t, uint64_t dir, const char *name,
		 const struct dbf_caller *c, uint64_t *node);
long group_nchildren(const struct dbf_tree *t, uint64_t dir);
int group_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		const struct dbf_caller *c, char name[256], uint64_t *node);
uint64_t group_key(const struct dbf_tree *t, uint64_t dir, size_t i);

/* The operations of a group kind: all but building, freeing and links. */
#define GROUP_DIR_OPS							\
	.versions = group_versions,					\
	.ndirs = group_ndirs, .dir = group_dir, .dirver = group_dirver,	\
	.parent = group_parent,						\
	.getattr = group_getattr, .lookup = group_lookup,		\
	.nchildren = group_nchildren, .child = group_child, .key = group_key

#endif
