// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuse/tree.c over the vgem capture and synthesized snapshots: every
 * kind of node's attributes, entries and lookups, directory versions and
 * what a rebuild tells the kernel, who sees which holders, the
 * caller-class node ids of a shared mount, pid directory generations and
 * the name interner's bound under churn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

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

/* ---- every kind of node, on the vgem capture (tests/fixtures/README.md) ---- */

#define ROOT		dbf_node(DBF_KIND_FIXED, DBF_NODE_ROOT)
#define BY_INODE	dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE)
#define BY_NAME		dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_NAME)
#define BY_EXPORTER	dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_EXPORTER)
#define BY_PID		dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_PID)
#define BY_DEVICE	dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_DEVICE)
#define SUMMARY		dbf_node(DBF_KIND_FIXED, DBF_NODE_SUMMARY)
#define FIXED_INO(key)	((UINT64_C(0xf) << 48) | (key))
#define MOUNT_UID	1234
#define MOUNT_GID	5678

/* The vgem capture, with its dma-buf device, mounted by MOUNT_UID. */
static struct dbf_tree *vgem_tree(struct dbf_interner *in, bool shared)
{
	struct dbf_scan_opts o = {
		.proc_root = FIXTURES_DIR "/linux-6.1-vgem/proc",
		.debugfs_root = FIXTURES_DIR "/linux-6.1-vgem/debug",
		.sysfs_root = NO_SUCH_DIR,
		.threads = 1,
		.dmabuf_dev = makedev(0, 10),
		.dev_src = DBF_DEV_OPTION,
	};
	struct dbf_snapshot *s;
	struct dbf_tree *t;

	cr_assert_eq(dbf_scan(&o, NULL, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, NULL, MOUNT_UID, MOUNT_GID, shared, &t), 0);
	return t;
}

/* The entries of @dir as a listing gives them, '|'-separated; "-errno" on error. */
static char *ls(const struct dbf_tree *t, uint64_t dir)
{
	long n = dbf_tree_nchildren(t, dir);
	char *out = calloc(1, 8192), name[256];
	uint64_t node;
	struct stat st;

	if (n < 0) {
		snprintf(out, 8192, "%ld", n);
		return out;
	}
	for (long i = 0; i < n; i++) {
		int r = dbf_tree_child(t, dir, (size_t)i, name, &node, &st);

		cr_assert(r == 0 || r == 1, "child %ld: %d", i, r);
		if (r)
			continue;
		if (*out)
			strcat(out, "|");
		strcat(out, name);
	}
	return out;
}

#define assert_ls(t, dir, want)                                                \
	do {                                                                   \
		char *got_ = ls(t, dir);                                       \
		cr_assert_str_eq(got_, want);                                  \
		free(got_);                                                    \
	} while (0)

/* Resolve the path @path (components split on '/') from the root. */
static int walk(const struct dbf_tree *t, const char *path, uint64_t *node,
		struct stat *st)
{
	char buf[1024], *comp, *save = NULL;
	uint64_t at = ROOT;
	int r = dbf_tree_getattr(t, at, st);

	snprintf(buf, sizeof(buf), "%s", path);
	for (comp = strtok_r(buf, "/", &save); comp && r == 0;
	     comp = strtok_r(NULL, "/", &save))
		r = dbf_tree_lookup(t, at, comp, &at, st);
	*node = at;
	return r;
}

/* The node at @path, which must resolve. */
static uint64_t must_walk(const struct dbf_tree *t, const char *path)
{
	struct stat st;
	uint64_t node;
	int r = walk(t, path, &node, &st);

	cr_assert_eq(r, 0, "%s: %s", path, strerror(-r));
	return node;
}

/* What walking to @path gives: 0 or -errno. */
static int walk_err(const struct dbf_tree *t, const char *path)
{
	struct stat st;
	uint64_t node;

	return walk(t, path, &node, &st);
}

static struct stat must_stat(const struct dbf_tree *t, const char *path)
{
	struct stat st;
	uint64_t node;
	int r = walk(t, path, &node, &st);

	cr_assert_eq(r, 0, "%s: %s", path, strerror(-r));
	return st;
}

Test(tree, root_and_summary)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = vgem_tree(in, false);
	struct stat st;
	uint64_t node;
	char name[256];

	assert_ls(t, ROOT, "by-inode|by-name|by-exporter|by-pid|by-device|summary");
	cr_assert_eq(dbf_tree_getattr(t, ROOT, &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_nlink, 7);		/* ., .. and the five by-* */
	cr_assert_eq(st.st_ino, FIXED_INO(DBF_NODE_ROOT));
	cr_assert_eq(st.st_size, 0);
	cr_assert_eq(st.st_uid, MOUNT_UID);
	cr_assert_eq(st.st_gid, MOUNT_GID);
	cr_assert_eq(dbf_tree_parent(t, ROOT), ROOT);

	/* each entry is its fixed node, and looks up as the listing says */
	for (int key = DBF_NODE_BY_INODE; key <= DBF_NODE_SUMMARY; key++) {
		struct stat by_child;

		cr_assert_eq(dbf_tree_child(t, ROOT, (size_t)(key - DBF_NODE_BY_INODE),
					    name, &node, &by_child), 0);
		cr_assert_eq(node, dbf_node(DBF_KIND_FIXED, (uint64_t)key));
		cr_assert_eq(by_child.st_ino, FIXED_INO((uint64_t)key));
		cr_assert_eq(dbf_tree_lookup(t, ROOT, name, &node, &st), 0);
		cr_assert_eq(node, dbf_node(DBF_KIND_FIXED, (uint64_t)key));
		cr_assert_eq(st.st_nlink, by_child.st_nlink);
		cr_assert_eq(dbf_tree_parent(t, node), ROOT);
	}
	cr_assert_eq(dbf_tree_child(t, ROOT, 6, name, &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, ROOT, "by-foo", &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, ROOT, "", &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, ROOT, "Summary", &node, &st), -ENOENT);

	/* summary is the one file */
	cr_assert_eq(dbf_tree_getattr(t, SUMMARY, &st), 0);
	cr_assert_eq(st.st_mode, S_IFREG | 0444);
	cr_assert_eq(st.st_nlink, 1);
	cr_assert_eq(st.st_ino, FIXED_INO(DBF_NODE_SUMMARY));
	cr_assert_eq(st.st_uid, MOUNT_UID);
	cr_assert_eq(st.st_mtim.tv_sec, t->snap->taken.tv_sec);
	cr_assert_eq(dbf_tree_lookup(t, SUMMARY, "x", &node, &st), -ENOTDIR);
	cr_assert_eq(dbf_tree_nchildren(t, SUMMARY), -ENOTDIR);
	cr_assert_eq(dbf_tree_child(t, SUMMARY, 0, name, &node, &st), -ENOTDIR);
	cr_assert_null(dbf_tree_dirver(t, SUMMARY));

	/* fixed keys that are nothing, and kinds that are nothing */
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_FIXED, 0), &st), -ENOENT);
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_END), &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, dbf_node(DBF_KIND_FIXED, 99), "x", &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(DBF_KIND_FIXED, 99)), -ENOENT);
	cr_assert_null(dbf_tree_dirver(t, dbf_node(DBF_KIND_FIXED, 99)));
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_NKINDS, 1), &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, dbf_node(DBF_NKINDS, 1), "1", &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(0x7fff, 1)), -ENOENT);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_NKINDS, 1), &DBF_CALLER_PUBLIC), 0);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, by_inode)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = vgem_tree(in, false), *sh = vgem_tree(in, true);
	/* by-inode, by-name if named, by-exporter, one per holding process */
	static const nlink_t links[16] = { 0, 5, 5, 6, 4, 4, 4, 4, 4, 4, 4, 4, 3, 4, 3, 4 };
	/* shared: by-pid/ counts once, held or not */
	static const nlink_t shared[16] = { 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 4, 4, 4 };
	static const off_t size[16] = { 0, 1048576, 1048576, 2097152, 65536, 65536,
		65536, 65536, 65536, 65536, 65536, 65536, 65536, 262144, 131072, 524288 };
	struct stat st;
	uint64_t node;
	char path[256];

	assert_ls(t, BY_INODE, "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15");
	st = must_stat(t, "by-inode");
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_nlink, 2);
	cr_assert_eq(st.st_ino, FIXED_INO(DBF_NODE_BY_INODE));
	for (uint64_t ino = 1; ino <= 15; ino++) {
		snprintf(path, sizeof(path), "by-inode/%llu", (unsigned long long)ino);
		cr_assert_eq(walk(t, path, &node, &st), 0);
		cr_assert_eq(node, dbf_buf_node(ino, DBF_CLASS_ROOT));
		cr_assert_eq(st.st_ino, ino);
		cr_assert_eq(st.st_mode, S_IFREG | 0444);
		cr_assert_eq(st.st_size, size[ino], "%s", path);
		cr_assert_eq(st.st_blocks, size[ino] / 512);
		cr_assert_eq(st.st_nlink, links[ino], "%s: %lu links", path,
			     (unsigned long)st.st_nlink);
		cr_assert_eq(st.st_uid, MOUNT_UID);
		cr_assert_eq(st.st_gid, MOUNT_GID);
		st = must_stat(sh, path);
		cr_assert_eq(st.st_nlink, shared[ino], "shared %s", path);
		/* a buffer is a file */
		cr_assert_eq(dbf_tree_lookup(t, node, "1", &node, &st), -ENOTDIR);
		cr_assert_eq(dbf_tree_nchildren(t, dbf_buf_node(ino, 0)), -ENOTDIR);
		cr_assert_null(dbf_tree_dirver(t, dbf_buf_node(ino, 0)));
	}
	/* canonical decimal only, and only buffers that exist */
	for (const char **n = (const char *[]){ "0", "01", "+1", "1x", " 1", "16", "",
						 "4294967297", "18446744073709551617",
						 NULL }; *n; n++)
		cr_assert_eq(dbf_tree_lookup(t, BY_INODE, *n, &node, &st), -ENOENT,
			     "'%s'", *n);
	cr_assert_eq(dbf_tree_getattr(t, dbf_buf_node(16, 0), &st), -ENOENT);
	cr_assert_eq(dbf_tree_child(t, BY_INODE, 15, path, &node, &st), -ENOENT);
	dbf_tree_free(t);
	dbf_tree_free(sh);
	dbf_interner_free(in);
}

Test(tree, by_name_and_exporter)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = vgem_tree(in, false);
	struct stat st;
	uint64_t node, camera;

	/* in byte order of the names, escaped */
	assert_ls(t, BY_NAME, "%2541|%2E%2E|0123456789012345678901234567890|CAMERA|"
		  "FRAMEBUFFER|KERNELONLY|MAPONLY|a%2Fb|new%0Aline|tab%09here|"
		  "with space|\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9");
	st = must_stat(t, "by-name");
	cr_assert_eq(st.st_nlink, 2 + 12);
	camera = must_walk(t, "by-name/CAMERA");
	cr_assert_eq(dbf_node_kind(camera), DBF_KIND_NAME);
	assert_ls(t, camera, "1|2|3");
	st = must_stat(t, "by-name/CAMERA");
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_nlink, 2);
	cr_assert_eq(st.st_size, 0);
	cr_assert_eq(st.st_ino, camera);
	cr_assert_geq(st.st_ino, UINT64_C(1) << 48);
	cr_assert_eq(dbf_tree_parent(t, camera), BY_NAME);
	cr_assert_eq(dbf_tree_nchildren(t, camera), 3);
	cr_assert_eq(dbf_tree_lookup(t, camera, "4", &node, &st), -ENOENT);

	cr_assert_eq(must_walk(t, "by-name/a%2Fb/4"), dbf_buf_node(4, 0));
	cr_assert_eq(must_walk(t, "by-name/new%0Aline/6"), dbf_buf_node(6, 0));
	cr_assert_eq(must_walk(t, "by-name/%2541/8"), dbf_buf_node(8, 0));
	cr_assert_eq(must_walk(t, "by-name/%2E%2E/9"), dbf_buf_node(9, 0));
	cr_assert_eq(must_walk(t, "by-name/with space/5"), dbf_buf_node(5, 0));
	/* only the canonical spelling resolves */
	for (const char **n = (const char *[]){ "a%2fb", "%41", "A", "%2E", "..%2E",
						 "%2e%2e", "new\nline", "camera",
						 "CAMERA%", "", "%", NULL }; *n; n++)
		cr_assert_eq(dbf_tree_lookup(t, BY_NAME, *n, &node, &st), -ENOENT,
			     "'%s'", *n);
	/* the unnamed buffer is in no name directory */
	cr_assert_eq(walk_err(t, "by-inode/12"), 0);
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_NAME, 999999), &st), -ENOENT);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(DBF_KIND_NAME, 999999)), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, dbf_node(DBF_KIND_NAME, 999999), "1", &node, &st),
		     -ENOENT);

	assert_ls(t, BY_EXPORTER, "drm");
	st = must_stat(t, "by-exporter");
	cr_assert_eq(st.st_nlink, 3);
	node = must_walk(t, "by-exporter/drm");
	cr_assert_eq(dbf_node_kind(node), DBF_KIND_EXPORTER);
	assert_ls(t, node, "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15");
	cr_assert_eq(dbf_tree_parent(t, node), BY_EXPORTER);
	/* a name directory's id is not an exporter directory's */
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_EXPORTER, dbf_node_key(camera)),
				      &st), -ENOENT);
	cr_assert_eq(walk_err(t, "by-exporter/vgem"), -ENOENT);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, by_pid)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = vgem_tree(in, false), *sh = vgem_tree(in, true);
	struct stat st;
	uint64_t node;

	/* holders only: init (1), scenario (87) and kernelonly (94) hold none */
	assert_ls(t, BY_PID, "90|91|92|93|95");
	st = must_stat(t, "by-pid");
	cr_assert_eq(st.st_nlink, 2 + 5);
	assert_ls(t, must_walk(t, "by-pid/90"), "1|2|3");
	assert_ls(t, must_walk(t, "by-pid/91"), "3|15");
	assert_ls(t, must_walk(t, "by-pid/92"), "4|5|6|7|8|9|10|11|12");
	assert_ls(t, must_walk(t, "by-pid/93"), "13");
	assert_ls(t, must_walk(t, "by-pid/95"), "1|2|3");
	node = must_walk(t, "by-pid/91");
	cr_assert_eq(node, dbf_node(DBF_KIND_PID, 91));
	st = must_stat(t, "by-pid/91");
	cr_assert_eq(st.st_mode, S_IFDIR | 0500);
	cr_assert_eq(st.st_nlink, 2);
	cr_assert_eq(st.st_uid, 0);		/* the process's owner */
	cr_assert_eq(st.st_ino, node);
	cr_assert_eq(dbf_tree_parent(t, node), BY_PID);
	cr_assert_eq(dbf_tree_generation(t, node), 325);
	cr_assert_eq(dbf_tree_generation(t, dbf_node(DBF_KIND_PID, 95)), 328);
	cr_assert_eq(dbf_tree_generation(t, BY_PID), 0);
	cr_assert_eq(must_walk(t, "by-pid/91/3"), dbf_buf_node(3, 0));
	cr_assert_eq(walk_err(t, "by-pid/91/1"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/87"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/94"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/091"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/2147483648"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/91/3/x"), -ENOTDIR);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(DBF_KIND_PID, 87)), -ENOENT);

	/* a pid directory's time: its entries' change, or (shared) its birth */
	cr_assert_eq(must_stat(t, "by-pid/91").st_mtim.tv_sec,
		     dbf_tree_dirver(t, node)->mtime.tv_sec);
	cr_assert_eq(must_stat(sh, "by-pid/91").st_mtim.tv_sec,
		     dbf_tree_dirver(sh, node)->born.tv_sec);
	dbf_tree_free(t);
	dbf_tree_free(sh);
	dbf_interner_free(in);
}

/* The text of @node for root, or the errno. */
static char *render(const struct dbf_tree *t, uint64_t node)
{
	char *text;
	size_t len;
	int r = dbf_tree_render(t, node, &DBF_CALLER_ROOT, &text, &len);

	if (r < 0) {
		text = malloc(16);
		snprintf(text, 16, "%d", r);
		return text;
	}
	text = realloc(text, len + 1);
	text[len] = '\0';
	return text;
}

/* Without the lines that vary from run to run. */
static char *render_steady(const struct dbf_tree *t, uint64_t node)
{
	char *text = render(t, node), *w = text;

	for (char *line = text, *end; *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		if (!strncmp(line, "scan_ms: ", 9) || !strncmp(line, "age_ms: ", 8))
			continue;
		memmove(w, line, (size_t)(end - line));
		w += end - line;
	}
	*w = '\0';
	return text;
}

Test(tree, render_files)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = vgem_tree(in, false);
	char *text;

	text = render(t, dbf_buf_node(3, 0));
	cr_assert_str_eq(text, "inode: 3\nsize: 2097152\nexporter: drm\nname: CAMERA\n"
			 "refcount: 5\ndevices:\npids: 90 91 95\nfds: 90:8 95:8\n"
			 "maps: 91:1\n");
	free(text);
	text = render(t, dbf_buf_node(6, 0));
	cr_assert_str_eq(text, "inode: 6\nsize: 65536\nexporter: drm\nname: new\\012line\n"
			 "refcount: 3\ndevices:\npids: 92\nfds: 92:8\nmaps:\n");
	free(text);
	text = render(t, dbf_buf_node(14, 0));
	cr_assert_str_eq(text, "inode: 14\nsize: 131072\nexporter: drm\nname: KERNELONLY\n"
			 "refcount: 2\ndevices:\npids:\nfds:\nmaps:\n");
	free(text);

	text = render_steady(t, SUMMARY);
	cr_assert_str_eq(text,
		"sources: procfs debugfs\nbuffers: 15\nbytes: 5701632\nheld_by_nobody: 1\n"
		"processes: 5\nprocesses_scanned: 8\nunreadable: 0\nunreadable_pids:\n"
		"anon_fds: 0\nanon_maps: 0\n"
		"\n[exporters]\nbuffers\tbytes\texporter\n15\t5701632\tdrm\n"
		"\n[names]\nbuffers\tbytes\tname\n"
		"1\t65536\t%41\n1\t65536\t..\n1\t65536\t0123456789012345678901234567890\n"
		"3\t4194304\tCAMERA\n1\t524288\tFRAMEBUFFER\n1\t131072\tKERNELONLY\n"
		"1\t262144\tMAPONLY\n1\t65536\ta/b\n1\t65536\tnew\\012line\n"
		"1\t65536\ttab\\011here\n1\t65536\twith space\n"
		"1\t65536\t\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9\n"
		"\n[processes]\npid\tuid\tbuffers\tfds\tmaps\tsize\tpss\tanon_fds\tanon_maps\tcomm\n"
		"90\t0\t3\t4\t1\t4194304\t1747626\t0\t0\tcamera\n"
		"91\t0\t2\t1\t1\t2621440\t1223338\t0\t0\tcompositor\n"
		"92\t0\t9\t9\t0\t589824\t589824\t0\t0\toddnames\n"
		"93\t0\t1\t0\t1\t262144\t262144\t0\t0\tmaponly\n"
		"95\t0\t3\t4\t1\t4194304\t1747626\t0\t0\tcamera-child\n");
	free(text);

	/* directories have no text */
	for (const uint64_t *n = (const uint64_t[]){ ROOT, BY_INODE, BY_PID,
			dbf_node(DBF_KIND_PID, 90), must_walk(t, "by-name/CAMERA"), 0 };
	     *n; n++) {
		text = render(t, *n);
		cr_assert_str_eq(text, "-21", "node %llx", (unsigned long long)*n);
		free(text);
	}
	text = render(t, dbf_buf_node(16, 0));
	cr_assert_str_eq(text, "-2");
	free(text);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, may_enter_only_pid_dirs_refuse)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = vgem_tree(in, true);
	struct dbf_caller a = dbf_caller(1000, 1000);

	/* the fixture's processes are root's: a user may enter all but them */
	for (const char **p = (const char *[]){ "", "by-inode", "by-name", "by-name/CAMERA",
						 "by-exporter/drm", "by-pid", NULL }; *p; p++) {
		cr_assert_eq(dbf_tree_may_enter(t, must_walk(t, *p), &a), 0, "%s", *p);
		cr_assert_eq(dbf_tree_may_enter(t, must_walk(t, *p), &DBF_CALLER_PUBLIC), 0);
	}
	cr_assert_eq(dbf_tree_may_enter(t, must_walk(t, "by-pid/90"), &a), -EACCES);
	cr_assert_eq(dbf_tree_may_enter(t, must_walk(t, "by-pid/90"), &DBF_CALLER_ROOT), 0);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

/* ---- versions and diffs over synthesized rebuilds ---- */

struct scene_buf {
	uint64_t ino;
	const char *name;		/* NULL: unnamed */
};

struct scene_hold {
	pid_t pid;
	uint64_t ino;
};

/* A snapshot taken at @sec: these buffers (exporter drm), held by fd 3 + i. */
static struct dbf_tree *scene(struct dbf_interner *in, const struct dbf_tree *prev,
			      time_t sec, const struct scene_buf *bufs,
			      const struct scene_hold *holds)
{
	struct dbf_builder *b = dbf_builder_new();
	struct timespec at = { .tv_sec = sec };
	struct dbf_snapshot *s;
	struct dbf_tree *t;
	int fd = 3;

	for (; bufs->ino; bufs++)
		add_buf(b, bufs->ino, bufs->name, 1);
	for (const struct scene_hold *h = holds; h->pid; h++)
		add_proc(b, h->pid, 0, 0, 0, 0, 0);
	for (; holds->pid; holds++)
		cr_assert_eq(dbf_builder_fd(b, holds->pid, fd++, holds->ino), 0);
	cr_assert_eq(dbf_builder_finish(b, &at, prev ? prev->snap : NULL, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, prev, 0, 0, false, &t), 0);
	return t;
}

Test(tree, dir_versions)
{
	struct dbf_interner *in = dbf_interner_new();
	const struct scene_buf bufs1[] = { { 1, "A" }, { 2, "A" }, { 0, NULL } };
	const struct scene_buf bufs3[] = { { 1, "A" }, { 3, "B" }, { 0, NULL } };
	const struct scene_hold holds[] = { { 10, 1 }, { 0, 0 } };
	struct dbf_tree *t1 = scene(in, NULL, 100, bufs1, holds);
	struct dbf_tree *t2 = scene(in, t1, 200, bufs1, holds);
	struct dbf_tree *t3 = scene(in, t2, 300, bufs3, holds);
	uint64_t a = must_walk(t1, "by-name/A"), pid = dbf_node(DBF_KIND_PID, 10);
	const struct dbf_dirver *v1, *v2, *v3;

	/* the first tree: every directory born now, nothing changed */
	v1 = dbf_tree_dirver(t1, BY_INODE);
	cr_assert_eq(v1->mtime.tv_sec, 100);
	cr_assert_eq(v1->born.tv_sec, 100);
	cr_assert(!v1->changed);
	/* the same entries: the same hash, mtime kept */
	for (const uint64_t *d = (const uint64_t[]){ ROOT, BY_INODE, BY_NAME, BY_EXPORTER,
						      BY_PID, a, pid, 0 }; *d; d++) {
		v1 = dbf_tree_dirver(t1, *d);
		v2 = dbf_tree_dirver(t2, *d);
		cr_assert_not_null(v1);
		cr_assert_not_null(v2);
		cr_assert_eq(v2->hash, v1->hash);
		cr_assert_eq(v2->mtime.tv_sec, 100);
		cr_assert(!v2->changed);
	}
	cr_assert_eq(must_stat(t2, "by-inode").st_mtim.tv_sec, 100);
	/* buffer 2 freed, B new: by-inode, by-name, A and drm changed */
	for (const uint64_t *d = (const uint64_t[]){ BY_INODE, BY_NAME, a, 0 }; *d; d++) {
		v2 = dbf_tree_dirver(t2, *d);
		v3 = dbf_tree_dirver(t3, *d);
		cr_assert_neq(v3->hash, v2->hash);
		cr_assert_eq(v3->mtime.tv_sec, 300);
		cr_assert_eq(v3->born.tv_sec, 100);
		cr_assert(v3->changed);
	}
	cr_assert_eq(must_stat(t3, "by-inode").st_mtim.tv_sec, 300);
	cr_assert_eq(must_stat(t3, "by-name/A").st_mtim.tv_sec, 300);
	cr_assert_eq(must_stat(t3, "by-exporter/drm").st_mtim.tv_sec, 300);
	/* what holds 1 alone did not change, nor did the root */
	cr_assert_eq(must_stat(t3, "by-pid/10").st_mtim.tv_sec, 100);
	cr_assert(!dbf_tree_dirver(t3, pid)->changed);
	cr_assert(!dbf_tree_dirver(t3, ROOT)->changed);
	cr_assert(!dbf_tree_dirver(t3, BY_PID)->changed);
	/* a directory new in this tree counts as changed, born now */
	v3 = dbf_tree_dirver(t3, must_walk(t3, "by-name/B"));
	cr_assert(v3->changed);
	cr_assert_eq(v3->born.tv_sec, 300);
	cr_assert_null(dbf_tree_dirver(t1, must_walk(t3, "by-name/B")));
	dbf_tree_free(t1);
	dbf_tree_free(t2);
	dbf_tree_free(t3);
	dbf_interner_free(in);
}

struct diff_log {
	const struct dbf_tree *t;	/* names directories by path */
	char text[4096];
};

/* A directory node as a path in @t (fixed nodes and kinds' directories). */
static void node_path(const struct dbf_tree *t, uint64_t dir, char *out, size_t size)
{
	char name[256], up[256];
	uint64_t parent = dbf_tree_parent(t, dir), node;
	struct stat st;
	long n;

	if (dir == ROOT) {
		snprintf(out, size, "/");
		return;
	}
	node_path(t, parent, up, sizeof(up));
	n = dbf_tree_nchildren(t, parent);
	for (long i = 0; i < n; i++) {
		if (dbf_tree_child(t, parent, (size_t)i, name, &node, &st) == 0 &&
		    node == dir) {
			/* the test's paths are short */
			snprintf(out, size, "%.100s%.100s/", up, name);
			return;
		}
	}
	snprintf(out, size, "?%llx/", (unsigned long long)dir);
}

static void log_gone(void *arg, uint64_t parent, const char *name, size_t len)
{
	struct diff_log *l = arg;
	char path[256];

	node_path(l->t, parent, path, sizeof(path));
	snprintf(l->text + strlen(l->text), sizeof(l->text) - strlen(l->text),
		 "gone %s%.*s\n", path, (int)len, name);
}

static void log_changed(void *arg, uint64_t dir)
{
	struct diff_log *l = arg;
	char path[256];

	node_path(l->t, dir, path, sizeof(path));
	snprintf(l->text + strlen(l->text), sizeof(l->text) - strlen(l->text),
		 "changed %s\n", path);
}

Test(tree, diff_tells_what_changed_and_vanished)
{
	struct dbf_interner *in = dbf_interner_new();
	const struct scene_buf b1[] = { { 1, "A" }, { 2, "B" }, { 3, NULL }, { 5, "a/b" },
					{ 0, NULL } };
	const struct scene_hold h1[] = { { 10, 1 }, { 10, 2 }, { 11, 3 }, { 0, 0 } };
	const struct scene_buf b2[] = { { 1, "A" }, { 3, NULL }, { 4, "A" }, { 0, NULL } };
	const struct scene_hold h2[] = { { 10, 1 }, { 12, 4 }, { 11, 3 }, { 0, 0 } };
	struct dbf_tree *old = scene(in, NULL, 100, b1, h1);
	struct dbf_tree *new = scene(in, old, 200, b2, h2);
	struct diff_log l = { .t = old };

	dbf_tree_diff(old, new, log_gone, log_changed, &l);
	/* directories first, then names; a vanished directory only in its parent */
	cr_assert_str_eq(l.text,
		"changed /by-inode/\n"
		"changed /by-name/\n"
		"changed /by-pid/\n"
		"changed /by-name/A/\n"
		"changed /by-exporter/drm/\n"
		"changed /by-pid/10/\n"
		"gone /by-inode/2\n"
		"gone /by-inode/5\n"
		"gone /by-name/B\n"
		"gone /by-name/a%2Fb\n"
		"gone /by-exporter/drm/2\n"
		"gone /by-exporter/drm/5\n"
		"gone /by-pid/10/2\n");
	/* by-exporter/ still lists drm alone */
	cr_assert_eq(dbf_tree_dirver(old, BY_EXPORTER)->hash,
		     dbf_tree_dirver(new, BY_EXPORTER)->hash);

	/* nothing changed, nothing to say */
	l.text[0] = '\0';
	dbf_tree_diff(new, new, log_gone, log_changed, &l);
	cr_assert_str_eq(l.text, "");
	dbf_tree_free(old);
	dbf_tree_free(new);
	dbf_interner_free(in);
}

/* ---- by-device/ ---- */

/* Buffer @ino of 4096 bytes (drm, unnamed) attached to @devs (NULL-ended; NULL: unknown). */
static void add_attached(struct dbf_builder *b, uint64_t ino, const char *const *devs)
{
	struct dbf_buf_fact f = dbf_buf_fact_init(ino, DBF_SRC_BUFINFO);
	struct dbf_str d[8];

	f.size = 4096;
	f.has_size = true;
	f.exporter = (struct dbf_str){ "drm", 3 };
	f.devices_known = devs != NULL;
	for (; devs && *devs; devs++)
		d[f.ndevices++] = (struct dbf_str){ *devs, (uint32_t)strlen(*devs) };
	f.devices = d;
	cr_assert_eq(dbf_builder_buf(b, &f), 0);
}

/*
 * 1 on vgem and card1, 2 on vgem twice, 3 on "a/b" and a device with no
 * name, 4 on a device whose name is too long once escaped, 5 on none,
 * 6 with no device list at all.
 */
static struct dbf_tree *devices_tree(struct dbf_interner *in, unsigned int sources,
				     bool shared)
{
	static char longname[300];
	struct dbf_builder *b = dbf_builder_new();
	struct timespec at = { .tv_sec = 100 };
	struct dbf_snapshot *s;
	struct dbf_tree *t;

	memset(longname, 'd', sizeof(longname) - 1);
	add_attached(b, 1, (const char *[]){ "vgem", "card1", NULL });
	add_attached(b, 2, (const char *[]){ "vgem", "vgem", NULL });
	add_attached(b, 3, (const char *[]){ "a/b", "", NULL });
	add_attached(b, 4, (const char *[]){ longname, NULL });
	add_attached(b, 5, (const char *[]){ NULL });
	add_attached(b, 6, NULL);
	dbf_builder_add_device_sources(b, sources);
	cr_assert_eq(dbf_builder_finish(b, &at, NULL, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, shared, &t), 0);
	return t;
}

Test(tree, by_device)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = devices_tree(in, DBF_SRC_BUFINFO, false);
	struct dbf_tree *sh = devices_tree(in, DBF_SRC_BUFINFO, true);
	/* by-inode, by-exporter, one per device directory listing it */
	static const nlink_t links[7] = { 0, 4, 3, 3, 2, 2, 2 };
	struct stat st;
	uint64_t node;
	char path[32];

	/* no empty or too long name; in byte order, escaped as by-name/ */
	assert_ls(t, BY_DEVICE, "a%2Fb|card1|vgem");
	st = must_stat(t, "by-device");
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_nlink, 2 + 3);
	cr_assert_eq(st.st_ino, FIXED_INO(DBF_NODE_BY_DEVICE));
	node = must_walk(t, "by-device/vgem");
	cr_assert_eq(dbf_node_kind(node), DBF_KIND_DEVICE);
	/* attached twice, listed once */
	assert_ls(t, node, "1|2");
	assert_ls(t, must_walk(t, "by-device/card1"), "1");
	assert_ls(t, must_walk(t, "by-device/a%2Fb"), "3");
	st = must_stat(t, "by-device/vgem");
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_nlink, 2);
	cr_assert_eq(st.st_ino, node);
	cr_assert_eq(dbf_tree_parent(t, node), BY_DEVICE);
	cr_assert_eq(must_walk(t, "by-device/vgem/2"), dbf_buf_node(2, 0));
	cr_assert_eq(walk_err(t, "by-device/vgem/3"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-device/a%2fb"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-device/VGEM"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-device/vgem/1/x"), -ENOTDIR);
	for (uint64_t ino = 1; ino <= 6; ino++) {
		snprintf(path, sizeof(path), "by-inode/%llu", (unsigned long long)ino);
		cr_assert_eq(must_stat(t, path).st_nlink, links[ino], "%s", path);
		/* shared or not: the devices are everyone's */
		cr_assert_eq(must_stat(sh, path).st_nlink, links[ino] + 1, "shared %s", path);
	}
	/* public: every caller enters */
	cr_assert_eq(dbf_tree_may_enter(sh, node, &DBF_CALLER_PUBLIC), 0);
	dbf_tree_free(t);
	dbf_tree_free(sh);

	/* no source listed attachments: nothing to show */
	t = devices_tree(in, 0, false);
	assert_ls(t, BY_DEVICE, "");
	cr_assert_eq(must_stat(t, "by-device").st_nlink, 2);
	cr_assert_eq(must_stat(t, "by-inode/1").st_nlink, 2);
	cr_assert_eq(walk_err(t, "by-device/vgem"), -ENOENT);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, by_device_fixtures)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_snapshot *s;
	struct dbf_tree *t = vgem_tree(in, false);

	/* vgem: bufinfo lists attachments, none of them */
	assert_ls(t, BY_DEVICE, "");
	dbf_tree_free(t);

	s = scan_fixture("linux-6.1-hostile", "linux-6.1-hostile/debug", NULL);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, &t), 0);
	assert_ls(t, BY_DEVICE, "card1|vgem");
	assert_ls(t, must_walk(t, "by-device/card1"), "23");
	assert_ls(t, must_walk(t, "by-device/vgem"), "23");
	/* by-inode, by-name, by-exporter, 301's mapping, two devices */
	cr_assert_eq(must_stat(t, "by-inode/23").st_nlink, 6);
	dbf_tree_free(t);

	s = scan_fixture("linux-6.1-patched", "linux-6.1-patched/debug", NULL);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, &t), 0);
	assert_ls(t, BY_DEVICE, "0000:00:02.0|vgem");
	assert_ls(t, must_walk(t, "by-device/0000:00:02.0"), "31");
	assert_ls(t, must_walk(t, "by-device/vgem"), "31");
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, by_device_diff)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_builder *b = dbf_builder_new();
	struct timespec at = { .tv_sec = 100 };
	struct dbf_snapshot *s;
	struct dbf_tree *old, *new;
	struct diff_log l = { .text = "" };

	add_attached(b, 1, (const char *[]){ "vgem", NULL });
	add_attached(b, 2, (const char *[]){ "vgem", "card1", NULL });
	dbf_builder_add_device_sources(b, DBF_SRC_BUFINFO);
	cr_assert_eq(dbf_builder_finish(b, &at, NULL, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, &old), 0);
	/* buffer 2 is detached from both */
	b = dbf_builder_new();
	add_attached(b, 1, (const char *[]){ "vgem", NULL });
	add_attached(b, 2, (const char *[]){ NULL });
	dbf_builder_add_device_sources(b, DBF_SRC_BUFINFO);
	at.tv_sec = 200;
	cr_assert_eq(dbf_builder_finish(b, &at, old->snap, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, old, 0, 0, false, &new), 0);

	l.t = old;
	dbf_tree_diff(old, new, log_gone, log_changed, &l);
	cr_assert_str_eq(l.text,
		"changed /by-device/\n"
		"changed /by-device/vgem/\n"
		"gone /by-device/card1\n"
		"gone /by-device/vgem/2\n");
	cr_assert_eq(must_stat(new, "by-device/vgem").st_mtim.tv_sec, 200);
	cr_assert_eq(must_stat(new, "by-inode/2").st_nlink, 2);
	dbf_tree_free(old);
	dbf_tree_free(new);
	dbf_interner_free(in);
}
