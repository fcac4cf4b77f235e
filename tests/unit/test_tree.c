// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuse/tree.c over synthesized snapshots: who sees which holders, the
 * caller-class node ids of a shared mount, pid directory generations and
 * the name interner's bound under churn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "builder.h"
#include "helpers.h"
#include "tree.h"

static const struct timespec taken = { .tv_sec = 1700000000 };

static void add_buf(struct dbf_builder *b, uint64_t ino, const char *name,
		    int64_t refcount)
{
	struct dbf_buf_fact f = dbf_buf_fact_init(ino, DBF_SRC_FDINFO);

	f.size = 4096;
	f.has_size = true;
	f.exporter = (struct dbf_str){ "drm", 3 };
	if (name) {
		f.name = (struct dbf_str){ name, (uint32_t)strlen(name) };
		f.has_name = true;
		f.name_rank = DBF_NAME_EXACT;
	}
	f.refcount = refcount;
	cr_assert_eq(dbf_builder_buf(b, &f), 0);
}

static void add_proc(struct dbf_builder *b, pid_t pid, uid_t uid, gid_t gid,
		     uid_t owner, gid_t owner_gid, uint64_t start_time)
{
	cr_assert_eq(dbf_builder_proc(b, &(struct dbf_proc_fact){
			.pid = pid, .uid = uid, .gid = gid, .owner = owner,
			.owner_gid = owner_gid, .start_time = start_time,
			.comm = "p" }), 0);
}

static struct dbf_tree *build(struct dbf_builder *b, struct dbf_interner *in,
			      const struct dbf_tree *prev, bool shared)
{
	struct dbf_snapshot *s;
	struct dbf_tree *t;

	cr_assert_eq(dbf_builder_finish(b, &taken, prev ? prev->snap : NULL, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, prev, 0, 0, shared, &t), 0);
	return t;
}

/*
 * Buffer 5 is held through an fd by five processes:
 *   10: uid 1000, gid 1000, owner 1000:1000
 *   11: uid 1000, gid 1001, owner 1000:1001
 *   12: uid 1000, setgid (gids differ): owner 0
 *   13: uid 1001, gid 1001, owner 1001:1001
 *   14: uid 1000, gid 1000, not dumpable: owner 0
 */
static struct dbf_tree *owners_tree(struct dbf_interner *in)
{
	struct dbf_builder *b = dbf_builder_new();

	cr_assert_not_null(b);
	add_buf(b, 5, "CAMERA", 7);
	add_buf(b, 6, NULL, 2);
	add_proc(b, 10, 1000, 1000, 1000, 1000, 4711);
	add_proc(b, 11, 1000, 1001, 1000, 1001, 0);
	add_proc(b, 12, 1000, 1000, 0, 0, 0);
	add_proc(b, 13, 1001, 1001, 1001, 1001, 0);
	add_proc(b, 14, 1000, 1000, 0, 0, 0);
	for (pid_t pid = 10; pid <= 14; pid++)
		cr_assert_eq(dbf_builder_fd(b, pid, 3, 5), 0);
	cr_assert_eq(dbf_builder_fd(b, 13, 4, 6), 0);
	return build(b, in, NULL, true);
}

/* The refcount, pids, fds and maps lines of @node as @c reads them. */
static char *holders(const struct dbf_tree *t, uint64_t node,
		     struct dbf_caller c)
{
	char *text, *out = calloc(1, 512), *line, *save = NULL;
	size_t len;

	cr_assert_eq(dbf_tree_render(t, node, &c, &text, &len), 0);
	text = realloc(text, len + 1);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "refcount:", 9) && strncmp(line, "pids:", 5) &&
		    strncmp(line, "fds:", 4) && strncmp(line, "maps:", 5))
			continue;
		if (*out)
			strcat(out, "|");
		strncat(out, line, 500 - strlen(out));
	}
	free(text);
	return out;
}

#define assert_holders(t, node, caller, want)                                  \
	do {                                                                   \
		char *got_ = holders(t, node, caller);                         \
		cr_assert_str_eq(got_, want);                                  \
		free(got_);                                                    \
	} while (0)

Test(tree, owner_needs_uid_and_gid)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = owners_tree(in);
	uint64_t n5 = dbf_buf_node(5, DBF_CLASS_ROOT);

	assert_holders(t, n5, DBF_CALLER_ROOT,
		       "refcount: 7|pids: 10 11 12 13 14|fds: 10:3 11:3 12:3 13:3 14:3|maps:");
	assert_holders(t, n5, dbf_caller(1000, 1000), "refcount: 7|pids: 10|fds: 10:3|maps:");
	assert_holders(t, n5, dbf_caller(1000, 1001), "refcount: 7|pids: 11|fds: 11:3|maps:");
	assert_holders(t, n5, dbf_caller(1001, 1001), "refcount: 7|pids: 13|fds: 13:3|maps:");
	/* a gid of nobody's processes, a user of none: nothing, not even the count */
	assert_holders(t, n5, dbf_caller(1001, 1000), "refcount:|pids:|fds:|maps:");
	assert_holders(t, n5, dbf_caller(2000, 2000), "refcount:|pids:|fds:|maps:");
	assert_holders(t, n5, DBF_CALLER_PUBLIC, "refcount:|pids:|fds:|maps:");
	/* uid 0 is root whatever its gid */
	assert_holders(t, dbf_buf_node(6, DBF_CLASS_ROOT), dbf_caller(0, 1234),
		       "refcount: 2|pids: 13|fds: 13:4|maps:");
	assert_holders(t, dbf_buf_node(6, DBF_CLASS_ROOT), dbf_caller(1000, 1000),
		       "refcount:|pids:|fds:|maps:");
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, summary_rows_by_owner)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = owners_tree(in);
	struct dbf_caller c = dbf_caller(1000, 1001);
	uint64_t node = dbf_node(DBF_KIND_FIXED, DBF_NODE_SUMMARY);
	char *text, *rows;
	size_t len;

	cr_assert_eq(dbf_tree_render(t, node, &c, &text, &len), 0);
	text = realloc(text, len + 1);
	text[len] = '\0';
	rows = strstr(text, "[processes]\n");
	cr_assert_not_null(rows);
	cr_assert_str_eq(rows, "[processes]\n"
			 "pid\tuid\tbuffers\tfds\tmaps\tsize\tpss\tanon_fds\tanon_maps\tcomm\n"
			 "11\t1000\t1\t1\t0\t4096\t819\t0\t0\tp\n");
	/* the totals stay whole */
	cr_assert_not_null(strstr(text, "\nprocesses: 5\n"));
	free(text);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, pid_dir_owner_and_entry)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = owners_tree(in);
	struct dbf_caller a = dbf_caller(1000, 1000), a2 = dbf_caller(1000, 1001);
	struct stat st;

	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_PID, 10), &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0500);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_gid, 1000);
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_PID, 11), &st), 0);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_gid, 1001);
	/* setgid and non-dumpable: root:root */
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_PID, 12), &st), 0);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_gid, 0);
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_PID, 14), &st), 0);
	cr_assert_eq(st.st_uid, 0);

	/* the kernel's mode check lets uid 1000 into 11; the request check does not */
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 10), &a), 0);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 11), &a), -EACCES);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 11), &a2), 0);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 12), &a), -EACCES);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 14), &a), -EACCES);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 12), &DBF_CALLER_ROOT), 0);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 99), &DBF_CALLER_ROOT), -ENOENT);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_PID), &a), 0);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 10), &DBF_CALLER_PUBLIC), -EACCES);

	/* the generation is the process's start time, 0 when unknown */
	cr_assert_eq(dbf_tree_generation(t, dbf_node(DBF_KIND_PID, 10)), 4711);
	cr_assert_eq(dbf_tree_generation(t, dbf_node(DBF_KIND_PID, 11)), 0);
	cr_assert_eq(dbf_tree_generation(t, dbf_node(DBF_KIND_PID, 99)), 0);
	cr_assert_eq(dbf_tree_generation(t, dbf_buf_node(5, 3)), 0);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, class_node_encoding)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = owners_tree(in);
	uint64_t n = dbf_buf_node(5, 7), top = dbf_buf_node(DBF_BUF_INO_MAX, DBF_CLASS_PUBLIC);
	uint64_t node, dir = dbf_node(DBF_KIND_PID, 10);
	struct stat st;
	char name[256];

	cr_assert_eq(dbf_node_kind(n), DBF_KIND_BUF);
	cr_assert_eq(dbf_node_ino(n), 5);
	cr_assert_eq(dbf_node_class(n), 7);
	cr_assert_eq(dbf_node_kind(top), DBF_KIND_BUF);
	cr_assert_eq(dbf_node_ino(top), UINT64_C(0xffffffff));
	cr_assert_eq(dbf_node_class(top), 0xffff);
	cr_assert_eq(dbf_node_for(n, 9), dbf_buf_node(5, 9));
	cr_assert_eq(dbf_node_for(dir, 9), dir);
	cr_assert_eq(dbf_node_class(dir), DBF_CLASS_ROOT);
	/* class 0 is the id a buffer had before classes */
	cr_assert_eq(dbf_buf_node(5, DBF_CLASS_ROOT), dbf_node(DBF_KIND_BUF, 5));

	/* every class's node is the same file: st_ino is the buffer's */
	cr_assert_eq(dbf_tree_getattr(t, n, &st), 0);
	cr_assert_eq(st.st_ino, 5);
	cr_assert_eq(st.st_size, 4096);
	cr_assert_eq(dbf_tree_getattr(t, dbf_buf_node(5, DBF_CLASS_PUBLIC), &st), 0);
	cr_assert_eq(st.st_ino, 5);
	cr_assert_eq(dbf_tree_getattr(t, dbf_buf_node(7, 7), &st), -ENOENT);
	/* the tree hands out class 0; the view applies the caller's */
	cr_assert_eq(dbf_tree_lookup(t, dir, "5", &node, &st), 0);
	cr_assert_eq(node, dbf_buf_node(5, DBF_CLASS_ROOT));
	cr_assert_eq(dbf_tree_lookup(t, dbf_buf_node(5, 7), "x", &node, &st), -ENOTDIR);
	cr_assert_eq(dbf_tree_child(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE), 0,
				    name, &node, &st), 0);
	cr_assert_str_eq(name, "5");
	cr_assert_eq(node, dbf_buf_node(5, DBF_CLASS_ROOT));
	/* a class node renders the buffer, for whatever caller is given */
	assert_holders(t, n, dbf_caller(1000, 1000), "refcount: 7|pids: 10|fds: 10:3|maps:");
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, caller_classes)
{
	struct dbf_classes *c = dbf_classes_new(3);
	struct dbf_caller who;

	cr_assert_not_null(c);
	cr_assert_eq(dbf_class_of(c, 0, 0), DBF_CLASS_ROOT);
	cr_assert_eq(dbf_class_of(c, 0, 1000), DBF_CLASS_ROOT);
	cr_assert_eq(dbf_class_of(c, 1000, 1000), 1);
	cr_assert_eq(dbf_class_of(c, 1001, 1001), 2);
	cr_assert_eq(dbf_class_of(c, 1000, 1001), 3);
	cr_assert_eq(dbf_class_of(c, 1000, 1000), 1);
	cr_assert_eq(dbf_class_of(c, 1001, 1001), 2);
	/* full: newcomers share the public class, which sees no holders */
	cr_assert_eq(dbf_class_of(c, 1002, 1002), DBF_CLASS_PUBLIC);
	cr_assert_eq(dbf_class_of(c, 4294967294u, 0), DBF_CLASS_PUBLIC);
	cr_assert_eq(dbf_class_of(c, 1000, 1001), 3);

	who = dbf_class_caller(c, 3);
	cr_assert_eq(who.sees, DBF_SEES_OWN);
	cr_assert_eq(who.uid, 1000);
	cr_assert_eq(who.gid, 1001);
	cr_assert_eq(dbf_class_caller(c, DBF_CLASS_ROOT).sees, DBF_SEES_ALL);
	cr_assert_eq(dbf_class_caller(c, DBF_CLASS_PUBLIC).sees, DBF_SEES_NONE);
	cr_assert_eq(dbf_class_caller(c, 4).sees, DBF_SEES_NONE);
	dbf_classes_free(c);

	/* the real bound: classes fit the 16 bits of a node id, 0xffff kept */
	c = dbf_classes_new(DBF_CLASS_MAX + 100);
	for (unsigned int i = 1; i <= DBF_CLASS_MAX; i++)
		cr_assert_eq(dbf_class_of(c, i, i), i);
	cr_assert_eq(dbf_class_of(c, DBF_CLASS_MAX + 1, 0), DBF_CLASS_PUBLIC);
	cr_assert_eq(dbf_class_of(c, 77, 77), 77);
	dbf_classes_free(c);
}

/* The id of by-name/<name> in @t, 0 if there is none. */
static uint64_t name_id(const struct dbf_tree *t, const char *name)
{
	uint64_t node;
	struct stat st;

	if (dbf_tree_lookup(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_NAME), name,
			    &node, &st) < 0)
		return 0;
	return dbf_node_key(node);
}

static struct dbf_tree *one_name(struct dbf_interner *in,
				 const struct dbf_tree *prev, const char *name)
{
	struct dbf_builder *b = dbf_builder_new();

	cr_assert_not_null(b);
	add_buf(b, 1, name, 1);
	return build(b, in, prev, false);
}

Test(tree, interner_keeps_two_trees)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = NULL, *prev;
	uint64_t last = 0, id;
	char name[32];

	/* 1,000 rebuilds, each with a new name: only the last two stay */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "buf-%d", i);
		prev = t;
		t = one_name(in, prev, name);
		dbf_tree_free(prev);
		/* this name, the one before, and the exporter "drm" */
		cr_assert_eq(dbf_interner_count(in), i ? 3 : 2, "tree %d: %zu names",
			     i, dbf_interner_count(in));
		id = name_id(t, name);
		cr_assert_gt(id, last, "tree %d: id %llu after %llu", i,
			     (unsigned long long)id, (unsigned long long)last);
		last = id;
	}
	/* a dropped name that comes back gets a new id, never an old one */
	prev = t;
	t = one_name(in, prev, "buf-0");
	dbf_tree_free(prev);
	cr_assert_gt(name_id(t, "buf-0"), last);
	/* one that stayed in the previous tree keeps its id */
	last = name_id(t, "buf-0");
	prev = t;
	t = one_name(in, prev, "other");
	dbf_tree_free(prev);
	prev = t;
	t = one_name(in, prev, "buf-0");
	dbf_tree_free(prev);
	cr_assert_eq(name_id(t, "buf-0"), last);
	cr_assert_eq(dbf_interner_count(in), 3);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, interner_sweeps_many_at_once)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_builder *b = dbf_builder_new();
	struct dbf_tree *t, *prev;
	char names[600][16];
	uint64_t ids[6];

	/* enough names to grow the table, then all but a few go at once */
	for (int i = 0; i < 600; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d", i);
		add_buf(b, (uint64_t)i + 1, names[i], 1);
	}
	t = build(b, in, NULL, false);
	cr_assert_eq(dbf_interner_count(in), 601);
	for (int i = 0; i < 600; i += 100)
		ids[i / 100] = name_id(t, names[i]);
	for (int round = 0; round < 2; round++) {
		b = dbf_builder_new();
		for (int i = 0; i < 600; i += 100)
			add_buf(b, (uint64_t)i + 1, names[i], 1);
		prev = t;
		t = build(b, in, prev, false);
		dbf_tree_free(prev);
	}
	cr_assert_eq(dbf_interner_count(in), 7);
	/* what stayed is still found under its old id after the shifts */
	for (int i = 0; i < 600; i += 100) {
		cr_assert_neq(ids[i / 100], 0);
		cr_assert_eq(name_id(t, names[i]), ids[i / 100], "%s", names[i]);
	}
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, wide_inode_is_not_shown)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_builder *b = dbf_builder_new();
	uint64_t wide = UINT64_C(0x100000005), node;
	struct dbf_tree *t;
	struct stat st;
	char name[256];

	add_buf(b, 3, NULL, 1);
	add_buf(b, wide, NULL, 1);
	t = build(b, in, NULL, true);
	cr_assert_eq(dbf_tree_lookup(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE),
				     "4294967301", &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE),
				     "4294967295", &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_child(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE), 0,
				    name, &node, &st), 0);
	cr_assert_str_eq(name, "3");
	cr_assert_eq(dbf_tree_child(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE), 1,
				    name, &node, &st), 1);
	/* node 5 of class 1 is not the wide buffer */
	cr_assert_eq(dbf_tree_getattr(t, dbf_buf_node(5, 1), &st), -ENOENT);
	dbf_tree_free(t);
	dbf_interner_free(in);
}
