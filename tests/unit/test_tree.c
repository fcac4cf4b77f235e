// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuse/tree.c over the vgem capture and synthesized snapshots: every
 * kind of node's attributes, entries and lookups, directory versions and
 * what a rebuild tells the kernel, who sees which holders, the
 * caller-class node ids of a shared mount, pid directory generations and
 * the name interner's bound under churn.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "arena.h"
#include "builder.h"
#include "escape.h"
#include "helpers.h"
#include "origins.h"
#include "metrics.h"
#include "render.h"
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
	cr_assert_eq(dbf_tree_build(s, in, prev, 0, 0, shared, DBF_METRICS_TOP_DEFAULT, &t), 0);
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

	cr_assert_eq(dbf_render(t, node, &c, &text, &len), 0);
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
	uint64_t n5 = dbf_buf_node(5);

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
	assert_holders(t, dbf_buf_node(6), dbf_caller(0, 1234),
		       "refcount: 2|pids: 13|fds: 13:4|maps:");
	assert_holders(t, dbf_buf_node(6), dbf_caller(1000, 1000),
		       "refcount:|pids:|fds:|maps:");
	dbf_tree_free(t);
	dbf_interner_free(in);
}

/* Who exported a buffer is the exporter's business, as a holder is; when is not. */
Test(tree, origin_follows_the_owner_rule)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = owners_tree(in);
	struct dbf_buf *b = (struct dbf_buf *)dbf_snapshot_buf(t->snap, 5);
	struct dbf_caller c;
	char *text;
	size_t len;
	const char *tail;

	b->origin = &(struct dbf_origin){
		.pid = 4242, .owner = 1000, .owner_gid = 1000,
		.at = { 1796563302, 600000000 },
		.comm = dbf_cstr("cam era"), .cgroup = dbf_cstr("/a b"),
	};
	struct { struct dbf_caller c; const char *want; } cases[] = {
		{ DBF_CALLER_ROOT, "exported-by: 4242 cam\\040era /a\\040b\nexported-at: 2026-12-06T13:21:42.600000000Z\n" },
		{ dbf_caller(1000, 1000), "exported-by: 4242 cam\\040era /a\\040b\nexported-at: 2026-12-06T13:21:42.600000000Z\n" },
		{ dbf_caller(1001, 1001), "exported-by:\nexported-at: 2026-12-06T13:21:42.600000000Z\n" },
		{ DBF_CALLER_PUBLIC, "exported-by:\nexported-at: 2026-12-06T13:21:42.600000000Z\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = cases[i].c;
		cr_assert_eq(dbf_render(t, dbf_buf_node(5), &c, &text, &len), 0);
		text = realloc(text, len + 1);
		text[len] = 0;
		tail = strstr(text, "exported-by:");
		cr_assert_not_null(tail);
		cr_assert_str_eq(tail, cases[i].want, "case %zu", i);
		free(text);
	}
	dbf_tree_free(t);
	dbf_interner_free(in);
}

/*
 * `--dump --json --origins` reads back what a buffer file says: the same
 * bytes, whatever they are, as the reader was shown them.
 */
Test(tree, origin_read_back)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = owners_tree(in);
	struct dbf_buf *b = (struct dbf_buf *)dbf_snapshot_buf(t->snap, 5);
	struct dbf_arena *a = dbf_arena_new();
	static const char comm[] = "cam era\n\\x", cgroup[] = "/a b/new\nline\\\t";
	struct dbf_caller c = DBF_CALLER_ROOT;
	struct dbf_origin o;
	char *text;
	size_t len;

	b->origin = &(struct dbf_origin){
		.pid = 4242, .owner = 1000, .owner_gid = 1000,
		.at = { 1796563302, 600000000 },
		.comm = dbf_cstr(comm), .cgroup = dbf_cstr(cgroup),
	};
	cr_assert_eq(dbf_render(t, dbf_buf_node(5), &c, &text, &len), 0);
	cr_assert_eq(dbf_origin_parse(text, len, b->size, a, &o), 1);
	cr_assert_eq(o.pid, 4242);
	cr_assert_eq(o.at.tv_sec, 1796563302);
	cr_assert_eq(o.at.tv_nsec, 600000000);
	cr_assert_eq(o.comm.len, sizeof(comm) - 1);
	cr_assert_eq(memcmp(o.comm.p, comm, o.comm.len), 0);
	cr_assert_eq(o.cgroup.len, sizeof(cgroup) - 1);
	cr_assert_eq(memcmp(o.cgroup.p, cgroup, o.cgroup.len), 0);
	/* another buffer with this inode: nothing */
	cr_assert_eq(dbf_origin_parse(text, len, b->size + 1, a, &o), 0);
	cr_assert_eq(o.pid, 0);
	free(text);

	/* a reader who may not see the exporter: the time alone */
	c = dbf_caller(1001, 1001);
	cr_assert_eq(dbf_render(t, dbf_buf_node(5), &c, &text, &len), 0);
	cr_assert_eq(dbf_origin_parse(text, len, b->size, a, &o), 1);
	cr_assert_eq(o.pid, 0);
	cr_assert_eq(o.at.tv_sec, 1796563302);
	cr_assert_eq(o.comm.len, 0);
	free(text);

	/* not traced: unknown */
	b->origin = NULL;
	c = DBF_CALLER_ROOT;
	cr_assert_eq(dbf_render(t, dbf_buf_node(5), &c, &text, &len), 0);
	cr_assert_eq(dbf_origin_parse(text, len, b->size, a, &o), 0);
	free(text);

	/* no buffer file: a clear no */
	static const char *const bad[] = {
		"",
		"size: 7\n",
		"size: 7x\nexported-by: 1 a b\nexported-at: 2026-12-06T13:21:42.600000000Z\n",
		"size: 7\nexported-by: 1 a b\nexported-at: 2026-12-06T13:21:42.6Z\n",
		"size: 7\nexported-by: 1 a b\nexported-at: 2026-12-06 13:21:42.600000000Z\n",
		"size: 7\nexported-by: 0 a b\nexported-at: 2026-12-06T13:21:42.600000000Z\n",
		"size: 7\nexported-by: 1x a b\nexported-at: 2026-12-06T13:21:42.600000000Z\n",
		"size: 7\nexported-by: 1 a\nexported-at: 2026-12-06T13:21:42.600000000Z\n",
		"size: 7\nexported-by: 1 a b c\nexported-at: 2026-12-06T13:21:42.600000000Z\n",
		"size: 7\nexported-at: 2026-12-06T13:21:42.600000000Z\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(dbf_origin_parse(bad[i], strlen(bad[i]), 7, a, &o), -EINVAL,
			     "case %zu", i);
	dbf_arena_free(a);
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

	cr_assert_eq(dbf_render(t, node, &c, &text, &len), 0);
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
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_KIND_PID, 10), &DBF_CALLER_PUBLIC),
		     -EACCES);

	/* the generation is the process's start time, 0 when unknown */
	cr_assert_eq(dbf_tree_generation(t, dbf_node(DBF_KIND_PID, 10)), 4711);
	cr_assert_eq(dbf_tree_generation(t, dbf_node(DBF_KIND_PID, 11)), 0);
	cr_assert_eq(dbf_tree_generation(t, dbf_node(DBF_KIND_PID, 99)), 0);
	cr_assert_eq(dbf_tree_generation(t, dbf_buf_node(5)), 0);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, caller_classes)
{
	struct dbf_classes *c = dbf_classes_new(3);
	struct dbf_caller who;
	uint32_t e;

	cr_assert_not_null(c);
	cr_assert_eq(dbf_class_of(c, 0, 0, &e), DBF_CLASS_ROOT);
	cr_assert_eq(dbf_class_of(c, 0, 1000, &e), DBF_CLASS_ROOT);
	cr_assert_eq(e, 0);
	cr_assert_eq(dbf_class_of(c, 1000, 1000, &e), 1);
	cr_assert_eq(dbf_class_of(c, 1001, 1001, &e), 2);
	cr_assert_eq(dbf_class_of(c, 1000, 1001, &e), 3);
	cr_assert_eq(e, 0);
	cr_assert_eq(dbf_class_of(c, 1000, 1000, &e), 1);
	cr_assert_eq(dbf_class_of(c, 1001, 1001, &e), 2);

	/* full: a newcomer takes the class used least recently, 1000:1001's */
	cr_assert_eq(dbf_class_of(c, 1002, 1002, &e), 3);
	cr_assert_eq(e, 1);
	cr_assert(dbf_class_owns(c, 0, 0, 3, &who));
	cr_assert_eq(who.sees, DBF_SEES_OWN);
	cr_assert_eq(who.uid, 1002);
	cr_assert_eq(who.gid, 1002);
	/* and 1000:1001, back, takes 1000:1000's, the oldest now */
	cr_assert_eq(dbf_class_of(c, 1000, 1001, &e), 1);
	cr_assert_eq(e, 1);
	cr_assert_eq(dbf_class_of(c, 4294967294u, 0, &e), 2);
	cr_assert_eq(e, 1);
	cr_assert_eq(dbf_class_of(c, 1002, 1002, &e), 3);
	cr_assert_eq(e, 1);

	/* who may read a class's node, as whom */
	cr_assert(dbf_class_owns(c, 1000, 1001, 1, &who));
	cr_assert_eq(who.uid, 1000);
	cr_assert_eq(who.gid, 1001);
	cr_assert(!dbf_class_owns(c, 1000, 1000, 1, &who));	/* it was 1000:1000's */
	cr_assert(!dbf_class_owns(c, 1002, 1002, 1, &who));
	cr_assert(!dbf_class_owns(c, 1002, 1002, DBF_CLASS_ROOT, &who));
	cr_assert(dbf_class_owns(c, 0, 0, DBF_CLASS_ROOT, &who));
	cr_assert_eq(who.sees, DBF_SEES_ALL);
	cr_assert(dbf_class_owns(c, 0, 0, 4, &who));		/* never given out */
	cr_assert_eq(who.sees, DBF_SEES_NONE);
	cr_assert(dbf_class_owns(c, 1000, 1000, DBF_CLASS_PUBLIC, &who));
	cr_assert_eq(who.sees, DBF_SEES_NONE);
	dbf_classes_free(c);

	/* the real bound: classes + 1 fit the 16 bits of a node id */
	c = dbf_classes_new(DBF_CLASS_MAX + 100);
	for (unsigned int i = 1; i <= DBF_CLASS_MAX; i++)
		cr_assert_eq(dbf_class_of(c, i, i, &e), i);
	cr_assert_eq(dbf_class_of(c, DBF_CLASS_MAX + 1, 0, &e), 1);
	cr_assert_eq(dbf_class_of(c, 77, 77, &e), 77);
	dbf_classes_free(c);
}

/*
 * A range of uids cycling through a small table: every caller always has
 * a class of its own, no two callers hold one class, and a caller keeps
 * its class from one request to the next unless someone took it.
 */
Test(tree, caller_classes_cannot_be_exhausted)
{
	struct dbf_classes *c = dbf_classes_new(8);
	uint16_t held[21] = { 0 };
	unsigned int seed = 1;

	for (int step = 0; step < 20000; step++) {
		struct dbf_caller who;
		unsigned int u;
		uint16_t cls;
		uint32_t e;

		seed = seed * 1103515245 + 12345;
		u = 1 + (seed >> 16) % 20;
		cls = dbf_class_of(c, 1000 + u, 1000 + u, &e);
		cr_assert(cls >= 1 && cls <= 8, "step %d: class %u", step, cls);
		cr_assert(dbf_class_owns(c, 0, 0, cls, &who));
		cr_assert_eq(who.uid, 1000 + u);
		cr_assert_eq(dbf_class_of(c, 1000 + u, 1000 + u, &e), cls);
		for (unsigned int o = 1; o <= 20; o++)
			if (o != u && held[o] == cls)
				held[o] = 0;	/* taken from o */
		if (held[u])
			cr_assert_eq(held[u], cls, "step %d: %u moved", step, u);
		held[u] = cls;
		for (unsigned int o = 1; o <= 20; o++) {
			struct dbf_caller as;

			cr_assert_eq(dbf_class_owns(c, 1000 + o, 1000 + o, cls, &as), o == u);
		}
	}
	dbf_classes_free(c);
}

/* The id of by-name/<name> in @t, 0 if there is none. */
static uint64_t name_id(const struct dbf_tree *t, const char *name)
{
	uint64_t node;
	struct stat st;

	if (dbf_tree_lookup(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_NAME), name, &DBF_CALLER_ROOT,
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

/*
 * Inodes past 32 bits (a kernel that has made 2^32 buffers: it counts
 * them in 64 bits) are shown as they are, up to 48 bits; a wider one,
 * only a made-up capture's, is in no listing and names no node.
 */
Test(tree, wide_inode_is_not_shown)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_builder *b = dbf_builder_new();
	uint64_t big = UINT64_C(0x100000005), wide = UINT64_C(0x1000000000003), node;
	uint64_t by_inode = dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE);
	struct dbf_tree *t;
	struct stat st;
	char name[256];

	add_buf(b, 3, NULL, 1);
	add_buf(b, big, NULL, 1);
	add_buf(b, wide, NULL, 1);
	t = build(b, in, NULL, true);
	cr_assert_eq(dbf_tree_nchildren(t, by_inode), 3);
	cr_assert_eq(dbf_tree_child(t, by_inode, 0, &DBF_CALLER_ROOT, name, &node, &st), 0);
	cr_assert_str_eq(name, "3");
	cr_assert_eq(dbf_tree_child(t, by_inode, 1, &DBF_CALLER_ROOT, name, &node, &st), 0);
	cr_assert_str_eq(name, "4294967301");
	cr_assert_eq(node, dbf_node(DBF_KIND_BUF, big));
	cr_assert_eq(st.st_ino, big);
	cr_assert_eq(dbf_tree_child(t, by_inode, 2, &DBF_CALLER_ROOT, name, &node, &st), 1);
	cr_assert_eq(dbf_tree_lookup(t, by_inode, "4294967301", &DBF_CALLER_ROOT, &node, &st), 0);
	cr_assert_eq(st.st_ino, big);
	cr_assert_eq(dbf_tree_lookup(t, by_inode, "281474976710659", &DBF_CALLER_ROOT,
				     &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, by_inode, "4294967295", &DBF_CALLER_ROOT, &node, &st),
		     -ENOENT);
	/* a node is a buffer by its whole inode, not by its low 32 bits */
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_BUF, 4294967296 + 3), &st), -ENOENT);
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_BUF, big), &st), 0);
	cr_assert_eq(st.st_ino, big);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

/* ---- every kind of node, on the vgem capture (tests/fixtures/README.md) ---- */

#define ROOT		dbf_node(DBF_KIND_FIXED, DBF_NODE_ROOT)
#define BY_INODE	dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_INODE)
#define BY_NAME		dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_NAME)
#define BY_EXPORTER	dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_EXPORTER)
#define BY_PID		dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_PID)
#define BY_CGROUP	dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_CGROUP)
#define BY_DEVICE	dbf_node(DBF_KIND_FIXED, DBF_NODE_BY_DEVICE)
#define SUMMARY		dbf_node(DBF_KIND_FIXED, DBF_NODE_SUMMARY)
#define METRICS		dbf_node(DBF_KIND_FIXED, DBF_NODE_METRICS)
#define USAGE_SVG	dbf_node(DBF_KIND_FIXED, DBF_NODE_USAGE_SVG)
#define FIXED_INO(key)	((UINT64_C(0xf) << 48) | (key))
#define MOUNT_UID	1234
#define MOUNT_GID	5678

/* The vgem capture, scanned with its dma-buf device. */
static struct dbf_snapshot *vgem_snapshot(void)
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

	cr_assert_eq(dbf_scan(&o, NULL, &s), 0);
	return s;
}

/* The vgem capture mounted by MOUNT_UID. */
static struct dbf_tree *vgem_tree(struct dbf_interner *in, bool shared)
{
	struct dbf_tree *t;

	cr_assert_eq(dbf_tree_build(vgem_snapshot(), in, NULL, MOUNT_UID, MOUNT_GID, shared,
				    DBF_METRICS_TOP_DEFAULT, &t), 0);
	return t;
}

/*
 * The entries of @dir as a listing gives them to @c, '|'-separated;
 * "-errno" on error.
 */
static char *ls_as(const struct dbf_tree *t, uint64_t dir, const struct dbf_caller *c)
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
		int r = dbf_tree_child(t, dir, (size_t)i, c, name, &node, &st);

		cr_assert(r == 0 || r == 1, "child %ld: %d", i, r);
		if (r)
			continue;
		if (*out)
			strcat(out, "|");
		strcat(out, name);
	}
	return out;
}

#define assert_ls_as(t, dir, c, want)                                          \
	do {                                                                   \
		char *got_ = ls_as(t, dir, c);                                 \
		cr_assert_str_eq(got_, want);                                  \
		free(got_);                                                    \
	} while (0)

#define assert_ls(t, dir, want) assert_ls_as(t, dir, &DBF_CALLER_ROOT, want)

/* Resolve the path @path (components split on '/') from the root, as @c. */
static int walk_as(const struct dbf_tree *t, const char *path,
		   const struct dbf_caller *c, uint64_t *node, struct stat *st)
{
	char buf[1024], *comp, *save = NULL;
	uint64_t at = ROOT;
	int r = dbf_tree_getattr(t, at, st);

	snprintf(buf, sizeof(buf), "%s", path);
	for (comp = strtok_r(buf, "/", &save); comp && r == 0;
	     comp = strtok_r(NULL, "/", &save))
		r = dbf_tree_lookup(t, at, comp, c, &at, st);
	*node = at;
	return r;
}

static int walk(const struct dbf_tree *t, const char *path, uint64_t *node,
		struct stat *st)
{
	return walk_as(t, path, &DBF_CALLER_ROOT, node, st);
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

	assert_ls(t, ROOT, "by-inode|by-name|by-exporter|by-pid|by-cgroup|by-device|summary|"
		  "metrics|usage.svg|events");
	cr_assert_eq(dbf_tree_getattr(t, ROOT, &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_nlink, 8);		/* ., .. and the six by-* */
	cr_assert_eq(st.st_ino, FIXED_INO(DBF_NODE_ROOT));
	cr_assert_eq(st.st_size, 0);
	cr_assert_eq(st.st_uid, MOUNT_UID);
	cr_assert_eq(st.st_gid, MOUNT_GID);
	cr_assert_eq(dbf_tree_parent(t, ROOT), ROOT);

	/* each entry is its fixed node, and looks up as the listing says */
	for (int key = DBF_NODE_BY_INODE; key <= DBF_NODE_EVENTS; key++) {
		struct stat by_child;

		cr_assert_eq(dbf_tree_child(t, ROOT, (size_t)(key - DBF_NODE_BY_INODE),
					    &DBF_CALLER_ROOT, name, &node, &by_child), 0);
		cr_assert_eq(node, dbf_node(DBF_KIND_FIXED, (uint64_t)key));
		cr_assert_eq(by_child.st_ino, FIXED_INO((uint64_t)key));
		cr_assert_eq(dbf_tree_lookup(t, ROOT, name, &DBF_CALLER_ROOT, &node, &st), 0);
		cr_assert_eq(node, dbf_node(DBF_KIND_FIXED, (uint64_t)key));
		cr_assert_eq(st.st_nlink, by_child.st_nlink);
		cr_assert_eq(dbf_tree_parent(t, node), ROOT);
	}
	cr_assert_eq(dbf_tree_child(t, ROOT, 10, &DBF_CALLER_ROOT, name, &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, ROOT, "by-foo", &DBF_CALLER_ROOT, &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, ROOT, "", &DBF_CALLER_ROOT, &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, ROOT, "Summary", &DBF_CALLER_ROOT, &node, &st), -ENOENT);

	/* summary, metrics, usage.svg and events are the files: size 0 */
	for (int key = DBF_NODE_SUMMARY; key <= DBF_NODE_EVENTS; key++) {
		uint64_t file = dbf_node(DBF_KIND_FIXED, (uint64_t)key);

		cr_assert_eq(dbf_tree_getattr(t, file, &st), 0);
		cr_assert_eq(st.st_mode, S_IFREG | 0444);
		cr_assert_eq(st.st_nlink, 1);
		cr_assert_eq(st.st_size, 0);
		cr_assert_eq(st.st_ino, FIXED_INO((uint64_t)key));
		cr_assert_eq(st.st_uid, MOUNT_UID);
		cr_assert_eq(st.st_mtim.tv_sec, t->snap->taken.tv_sec);
		cr_assert_eq(dbf_tree_lookup(t, file, "x", &DBF_CALLER_ROOT, &node, &st),
			     -ENOTDIR);
		cr_assert_eq(dbf_tree_nchildren(t, file), -ENOTDIR);
		cr_assert_eq(dbf_tree_child(t, file, 0, &DBF_CALLER_ROOT, name, &node, &st),
			     -ENOTDIR);
		cr_assert_null(dbf_tree_dirver(t, file));
		cr_assert(!dbf_tree_split(t, file));
	}

	/* fixed keys that are nothing, and kinds that are nothing */
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_FIXED, 0), &st), -ENOENT);
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_FIXED, DBF_NODE_END), &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, dbf_node(DBF_KIND_FIXED, 99), "x", &DBF_CALLER_ROOT,
				     &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(DBF_KIND_FIXED, 99)), -ENOENT);
	cr_assert_null(dbf_tree_dirver(t, dbf_node(DBF_KIND_FIXED, 99)));
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_NKINDS, 1), &st), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, dbf_node(DBF_NKINDS, 1), "1", &DBF_CALLER_ROOT,
				     &node, &st), -ENOENT);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(0x7fff, 1)), -ENOENT);
	cr_assert_eq(dbf_tree_may_enter(t, dbf_node(DBF_NKINDS, 1), &DBF_CALLER_PUBLIC), 0);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, by_inode)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = vgem_tree(in, false), *sh = vgem_tree(in, true);
	/*
	 * by-inode, by-name if named, by-exporter, one per holding process,
	 * one per cgroup directory (3: camera.service and compositor.service)
	 */
	static const nlink_t links[16] = { 0, 6, 6, 8, 5, 5, 5, 5, 5, 5, 5, 5, 4, 5, 3, 5 };
	/* shared: by-pid/ and by-cgroup/ count once each, held or not */
	static const nlink_t shared[16] = { 0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 5, 5, 5 };
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
		cr_assert_eq(node, dbf_buf_node(ino));
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
		cr_assert_eq(dbf_tree_lookup(t, node, "1", &DBF_CALLER_ROOT, &node, &st), -ENOTDIR);
		cr_assert_eq(dbf_tree_nchildren(t, dbf_buf_node(ino)), -ENOTDIR);
		cr_assert_null(dbf_tree_dirver(t, dbf_buf_node(ino)));
	}
	/* canonical decimal only, and only buffers that exist */
	for (const char **n = (const char *[]){ "0", "01", "+1", "1x", " 1", "16", "",
						 "4294967297", "18446744073709551617",
						 NULL }; *n; n++)
		cr_assert_eq(dbf_tree_lookup(t, BY_INODE, *n, &DBF_CALLER_ROOT, &node, &st),
			     -ENOENT,
			     "'%s'", *n);
	cr_assert_eq(dbf_tree_getattr(t, dbf_buf_node(16), &st), -ENOENT);
	cr_assert_eq(dbf_tree_child(t, BY_INODE, 15, &DBF_CALLER_ROOT, path, &node, &st), -ENOENT);
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
	cr_assert_eq(dbf_tree_lookup(t, camera, "4", &DBF_CALLER_ROOT, &node, &st), -ENOENT);

	cr_assert_eq(must_walk(t, "by-name/a%2Fb/4"), dbf_buf_node(4));
	cr_assert_eq(must_walk(t, "by-name/new%0Aline/6"), dbf_buf_node(6));
	cr_assert_eq(must_walk(t, "by-name/%2541/8"), dbf_buf_node(8));
	cr_assert_eq(must_walk(t, "by-name/%2E%2E/9"), dbf_buf_node(9));
	cr_assert_eq(must_walk(t, "by-name/with space/5"), dbf_buf_node(5));
	/* only the canonical spelling resolves */
	for (const char **n = (const char *[]){ "a%2fb", "%41", "A", "%2E", "..%2E",
						 "%2e%2e", "new\nline", "camera",
						 "CAMERA%", "", "%", NULL }; *n; n++)
		cr_assert_eq(dbf_tree_lookup(t, BY_NAME, *n, &DBF_CALLER_ROOT, &node, &st), -ENOENT,
			     "'%s'", *n);
	/* the unnamed buffer is in no name directory */
	cr_assert_eq(walk_err(t, "by-inode/12"), 0);
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_NAME, 999999), &st), -ENOENT);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(DBF_KIND_NAME, 999999)), -ENOENT);
	cr_assert_eq(dbf_tree_lookup(t, dbf_node(DBF_KIND_NAME, 999999), "1", &DBF_CALLER_ROOT,
				     &node, &st),
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
	cr_assert_eq(must_walk(t, "by-pid/91/3"), dbf_buf_node(3));
	cr_assert_eq(walk_err(t, "by-pid/91/1"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/87"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/94"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/091"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/2147483648"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-pid/91/3/x"), -ENOTDIR);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(DBF_KIND_PID, 87)), -ENOENT);

	/* a pid directory's time: its entries' change, or (shared) the snapshot's */
	cr_assert_eq(must_stat(t, "by-pid/91").st_mtim.tv_sec,
		     dbf_tree_dirver(t, node)->mtime.tv_sec);
	cr_assert_eq(must_stat(sh, "by-pid/91").st_mtim.tv_nsec, sh->snap->taken.tv_nsec);
	cr_assert_eq(must_stat(sh, "by-pid/91").st_mtim.tv_sec, sh->snap->taken.tv_sec);
	dbf_tree_free(t);
	dbf_tree_free(sh);
	dbf_interner_free(in);
}

/* The text of @node for root, or the errno. */
static char *render(const struct dbf_tree *t, uint64_t node)
{
	char *text;
	size_t len;
	int r = dbf_render(t, node, &DBF_CALLER_ROOT, &text, &len);

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

	text = render(t, dbf_buf_node(3));
	cr_assert_str_eq(text, "inode: 3\nsize: 2097152\nexporter: drm\nname: CAMERA\n"
			 "refcount: 5\ndevices:\npids: 90 91 95\nfds: 90:8 95:8\n"
			 "maps: 91:1\ncgroups: 90:/system.slice/camera.service "
			 "91:/system.slice/compositor.service 95:/system.slice/camera.service\n"
			 "exported-by: unknown\nexported-at: unknown\n");
	free(text);
	text = render(t, dbf_buf_node(6));
	cr_assert_str_eq(text, "inode: 6\nsize: 65536\nexporter: drm\nname: new\\012line\n"
			 "refcount: 3\ndevices:\npids: 92\nfds: 92:8\nmaps:\n"
			 "cgroups: 92:/user.slice/user-1000.slice/user@1000.service/app.slice/"
			 "odd.scope\n"
			 "exported-by: unknown\nexported-at: unknown\n");
	free(text);
	text = render(t, dbf_buf_node(14));
	cr_assert_str_eq(text, "inode: 14\nsize: 131072\nexporter: drm\nname: KERNELONLY\n"
			 "refcount: 2\ndevices:\npids:\nfds:\nmaps:\ncgroups:\n"
			 "exported-by: unknown\nexported-at: unknown\n");
	free(text);
	/* maponly has no cgroup file */
	text = render(t, dbf_buf_node(13));
	cr_assert_str_eq(text, "inode: 13\nsize: 262144\nexporter: drm\nname: MAPONLY\n"
			 "refcount: 3\ndevices:\npids: 93\nfds:\nmaps: 93:1\n"
			 "cgroups: 93:unknown\n"
			 "exported-by: unknown\nexported-at: unknown\n");
	free(text);

	text = render_steady(t, SUMMARY);
	cr_assert_str_eq(text,
		"sources: procfs debugfs\nattachments: debugfs\n"
		"buffers: 15\nbytes: 5701632\nheld_by_nobody: 1\n"
		"processes: 5\nprocesses_scanned: 8\nunreadable: 0\nunreadable_pids:\n"
		"anon_fds: 0\nanon_maps: 0\nscanner: procfs\nevents: scan\n"
		"\n[exporters]\nbuffers\tbytes\texporter\n15\t5701632\tdrm\n"
		"\n[names]\nbuffers\tbytes\tname\n"
		"1\t65536\t%41\n1\t65536\t..\n1\t65536\t0123456789012345678901234567890\n"
		"3\t4194304\tCAMERA\n1\t524288\tFRAMEBUFFER\n1\t131072\tKERNELONLY\n"
		"1\t262144\tMAPONLY\n1\t65536\ta/b\n1\t65536\tnew\\012line\n"
		"1\t65536\ttab\\011here\n1\t65536\twith space\n"
		"1\t65536\t\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9\n"
		/* subtree totals; pss sums the processes' (floor(size / holders)) */
		"\n[cgroups]\nbuffers\tbytes\tpss\tcgroup\n"
		"14\t5570560\t5570558\t/\n"
		"4\t4718592\t4718590\t/system.slice\n"
		"3\t4194304\t3495252\t/system.slice/camera.service\n"
		"2\t2621440\t1223338\t/system.slice/compositor.service\n"
		"9\t589824\t589824\t/user.slice\n"
		"9\t589824\t589824\t/user.slice/user-1000.slice\n"
		"9\t589824\t589824\t/user.slice/user-1000.slice/user@1000.service\n"
		"9\t589824\t589824\t/user.slice/user-1000.slice/user@1000.service/app.slice\n"
		"9\t589824\t589824\t/user.slice/user-1000.slice/user@1000.service/app.slice/"
		"odd.scope\n"
		"1\t262144\t262144\tunknown\n"
		"\n[devices]\nbuffers\tbytes\tdevice\n"
		"\n[processes]\npid\tuid\tbuffers\tfds\tmaps\tsize\tpss\t"
		"anon_fds\tanon_maps\tcomm\n"
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
	text = render(t, dbf_buf_node(16));
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
	cr_assert_eq(dbf_tree_build(s, in, prev, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
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
	/* a directory new in this tree counts as changed, its time now */
	v3 = dbf_tree_dirver(t3, must_walk(t3, "by-name/B"));
	cr_assert(v3->changed);
	cr_assert_eq(v3->mtime.tv_sec, 300);
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
		if (dbf_tree_child(t, parent, (size_t)i, &DBF_CALLER_ROOT, name, &node, &st) == 0 &&
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
		"changed /by-cgroup/%unknown/\n"
		"gone /by-inode/2\n"
		"gone /by-inode/5\n"
		"gone /by-name/B\n"
		"gone /by-name/a%2Fb\n"
		"gone /by-exporter/drm/2\n"
		"gone /by-exporter/drm/5\n"
		"gone /by-pid/10/2\n"
		"gone /by-cgroup/%unknown/2\n");
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
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, shared, DBF_METRICS_TOP_DEFAULT, &t), 0);
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
	cr_assert_eq(must_walk(t, "by-device/vgem/2"), dbf_buf_node(2));
	cr_assert_eq(walk_err(t, "by-device/vgem/3"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-device/a%2fb"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-device/VGEM"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-device/vgem/1/x"), -ENOTDIR);
	for (uint64_t ino = 1; ino <= 6; ino++) {
		snprintf(path, sizeof(path), "by-inode/%llu", (unsigned long long)ino);
		cr_assert_eq(must_stat(t, path).st_nlink, links[ino], "%s", path);
		/* shared: by-pid/ and by-cgroup/ once each; the devices are everyone's */
		cr_assert_eq(must_stat(sh, path).st_nlink, links[ino] + 2, "shared %s", path);
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
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	assert_ls(t, BY_DEVICE, "card1|vgem");
	assert_ls(t, must_walk(t, "by-device/card1"), "23");
	assert_ls(t, must_walk(t, "by-device/vgem"), "23");
	/*
	 * by-inode, by-name, by-exporter, 301's mapping, two devices; 301's
	 * cgroup has a name too long for a directory entry
	 */
	cr_assert_eq(must_stat(t, "by-inode/23").st_nlink, 6);
	dbf_tree_free(t);

	s = scan_fixture("linux-6.1-patched", "linux-6.1-patched/debug", NULL);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	/* in the order the names came: vgem with the capture before */
	assert_ls(t, BY_DEVICE, "vgem|0000:00:02.0");
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
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &old), 0);
	/* buffer 2 is detached from both */
	b = dbf_builder_new();
	add_attached(b, 1, (const char *[]){ "vgem", NULL });
	add_attached(b, 2, (const char *[]){ NULL });
	dbf_builder_add_device_sources(b, DBF_SRC_BUFINFO);
	at.tv_sec = 200;
	cr_assert_eq(dbf_builder_finish(b, &at, old->snap, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, old, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &new), 0);

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

/* ---- by-cgroup/ ---- */

/* Add the sizes of the buffers under @dir, each inode once (du -s). */
static uint64_t du_walk(const struct dbf_tree *t, uint64_t dir,
			const struct dbf_caller *c, bool *seen)
{
	long n = dbf_tree_nchildren(t, dir);
	uint64_t sum = 0, node;
	char name[256];
	struct stat st;

	cr_assert_geq(n, 0);
	for (long i = 0; i < n; i++) {
		if (dbf_tree_child(t, dir, (size_t)i, c, name, &node, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			cr_assert_eq(dbf_tree_parent(t, node), dir, "%s", name);
			sum += du_walk(t, node, c, seen);
		} else if (!seen[st.st_ino]) {
			seen[st.st_ino] = true;
			sum += (uint64_t)st.st_size;
		}
	}
	return sum;
}

/* du -sb of the directory at @path, as @c. */
static uint64_t du_as(const struct dbf_tree *t, const char *path,
		      const struct dbf_caller *c)
{
	bool seen[1024] = { false };
	struct stat st;
	uint64_t node;

	cr_assert_eq(walk_as(t, path, c, &node, &st), 0, "%s", path);
	return du_walk(t, node, c, seen);
}

static uint64_t du(const struct dbf_tree *t, const char *path)
{
	return du_as(t, path, &DBF_CALLER_ROOT);
}

Test(tree, by_cgroup_vgem)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = vgem_tree(in, false), *sh = vgem_tree(in, true);
	const char *odd = "by-cgroup/user.slice/user-1000.slice/user@1000.service/"
			  "app.slice/odd.scope";
	uint64_t sys, cam, unknown;
	struct stat st;
	uint64_t node;

	/* holders only: init, scenario and kernelonly hold nothing; maponly has no file */
	assert_ls(t, BY_CGROUP, "system.slice|user.slice|%unknown");
	st = must_stat(t, "by-cgroup");
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_nlink, 2 + 3);
	cr_assert_eq(st.st_ino, FIXED_INO(DBF_NODE_BY_CGROUP));
	cr_assert_eq(st.st_size, 0);
	cr_assert_eq(dbf_tree_parent(t, BY_CGROUP), ROOT);
	sys = must_walk(t, "by-cgroup/system.slice");
	cam = must_walk(t, "by-cgroup/system.slice/camera.service");
	unknown = must_walk(t, "by-cgroup/%unknown");
	cr_assert_eq(dbf_node_kind(sys), DBF_KIND_CGROUP);
	cr_assert_eq(dbf_node_kind(unknown), DBF_KIND_CGROUP);
	assert_ls(t, sys, "camera.service|compositor.service");
	assert_ls(t, cam, "1|2|3");
	assert_ls(t, must_walk(t, "by-cgroup/system.slice/compositor.service"), "3|15");
	assert_ls(t, must_walk(t, "by-cgroup/user.slice"), "user-1000.slice");
	assert_ls(t, must_walk(t, odd), "4|5|6|7|8|9|10|11|12");
	assert_ls(t, unknown, "13");
	cr_assert_eq(dbf_tree_parent(t, cam), sys);
	cr_assert_eq(dbf_tree_parent(t, sys), BY_CGROUP);
	cr_assert_eq(dbf_tree_parent(t, unknown), BY_CGROUP);

	st = must_stat(t, "by-cgroup/system.slice");
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_nlink, 2 + 2);
	cr_assert_eq(st.st_ino, sys);
	cr_assert_geq(st.st_ino, UINT64_C(1) << 48);
	cr_assert_eq(st.st_uid, MOUNT_UID);
	cr_assert_eq(must_stat(t, "by-cgroup/system.slice/camera.service").st_nlink, 2);
	cr_assert_eq(must_stat(t, "by-cgroup/%unknown").st_nlink, 2);
	cr_assert_eq(must_walk(t, "by-cgroup/system.slice/camera.service/3"), dbf_buf_node(3));

	/* a directory lists its own processes' buffers, not its children's */
	cr_assert_eq(walk_err(t, "by-cgroup/system.slice/1"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-cgroup/13"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-cgroup/system.slice/camera.service/15"), -ENOENT);
	/* what holds nothing has no directory */
	cr_assert_eq(walk_err(t, "by-cgroup/init.scope"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-cgroup/system.slice/kernelonly.service"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-cgroup/user.slice/user-0.slice"), -ENOENT);
	/* %unknown is spelled so, and only in by-cgroup/ */
	cr_assert_eq(walk_err(t, "by-cgroup/unknown"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-cgroup/%25unknown"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-cgroup/system.slice/%unknown"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-cgroup/system.slice/camera.service/1/x"), -ENOTDIR);
	/* the root cgroup is by-cgroup/ alone: no node of the kind names it */
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_CGROUP, 0), &st), -ENOENT);
	cr_assert_eq(dbf_tree_getattr(t, dbf_node(DBF_KIND_CGROUP, 999999), &st), -ENOENT);
	cr_assert_eq(dbf_tree_nchildren(t, dbf_node(DBF_KIND_CGROUP, 999999)), -ENOENT);

	/* not shared, every caller enters; no generation */
	cr_assert_eq(dbf_tree_may_enter(t, cam, &DBF_CALLER_PUBLIC), 0);
	cr_assert_eq(dbf_tree_generation(t, cam), 0);
	cr_assert_not_null(dbf_tree_dirver(t, cam));
	cr_assert_not_null(dbf_tree_dirver(t, BY_CGROUP));

	/*
	 * Shared, every holder here is root's: a directory of its processes
	 * is root's alone, as pid directories are, with the snapshot's time;
	 * the parents are everyone's. Nothing splits.
	 */
	for (const uint64_t *d = (const uint64_t[]){ cam, unknown, must_walk(sh, odd),
			dbf_node(DBF_KIND_PID, 90), 0 }; *d; d++) {
		cr_assert_eq(dbf_tree_getattr(sh, *d, &st), 0);
		cr_assert_eq(st.st_mode, S_IFDIR | 0500, "%llx", (unsigned long long)*d);
		cr_assert_eq(st.st_uid, 0);
		cr_assert_eq(st.st_gid, 0);
		cr_assert_eq(st.st_mtim.tv_sec, sh->snap->taken.tv_sec);
		cr_assert_eq(dbf_tree_getattr(t, *d, &st), 0);
		cr_assert_eq(st.st_mode, S_IFDIR | (dbf_node_kind(*d) == DBF_KIND_PID ? 0500 : 0555));
	}
	for (const uint64_t *d = (const uint64_t[]){ ROOT, BY_INODE, BY_NAME, BY_PID,
			BY_DEVICE, BY_CGROUP, sys, must_walk(sh, "by-name/CAMERA"), SUMMARY,
			dbf_buf_node(1), cam, unknown, dbf_node(DBF_KIND_PID, 90), 0 }; *d; d++) {
		cr_assert(!dbf_tree_split(sh, *d), "%llx", (unsigned long long)*d);
		cr_assert(!dbf_tree_stale(sh, *d), "%llx", (unsigned long long)*d);
	}
	cr_assert_eq(dbf_tree_getattr(sh, sys, &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(dbf_tree_may_enter(sh, cam, &DBF_CALLER_ROOT), 0);
	cr_assert_eq(dbf_tree_may_enter(sh, cam, &(struct dbf_caller){ DBF_SEES_OWN, 1000, 1000 }),
		     -EACCES);
	cr_assert_eq(dbf_tree_may_enter(sh, sys, &(struct dbf_caller){ DBF_SEES_OWN, 1000, 1000 }),
		     0);

	/* du -sb: each buffer of the subtree once (README truth, by inode) */
	cr_assert_eq(du(t, "by-cgroup"), 5570560);		/* 1-13, 15 */
	cr_assert_eq(du(t, "by-cgroup/system.slice"), 4718592);	/* 1, 2, 3, 15 */
	cr_assert_eq(du(t, "by-cgroup/system.slice/camera.service"), 4194304); /* 1, 2, 3 */
	cr_assert_eq(du(t, "by-cgroup/system.slice/compositor.service"), 2621440); /* 3, 15 */
	cr_assert_eq(du(t, "by-cgroup/user.slice"), 589824);	/* 4-12 */
	cr_assert_eq(du(t, odd), 589824);
	cr_assert_eq(du(t, "by-cgroup/%unknown"), 262144);	/* 13 */
	/* a lookup from the kernel's cached dentry finds the same */
	cr_assert_eq(dbf_tree_lookup(t, sys, "camera.service", &DBF_CALLER_ROOT, &node, &st), 0);
	cr_assert_eq(node, cam);
	dbf_tree_free(t);
	dbf_tree_free(sh);
	dbf_interner_free(in);
}

Test(tree, by_cgroup_root_cgroup_holds)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_snapshot *s = scan_fixture("linux-6.1-heap", "linux-6.1-heap/debug", NULL);
	struct dbf_tree *t;

	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	/* maponly (28) is in "/": its buffer sits in by-cgroup/ itself */
	assert_ls(t, BY_CGROUP, "system.slice|user.slice|11");
	cr_assert_eq(must_stat(t, "by-cgroup").st_nlink, 2 + 2);
	assert_ls(t, must_walk(t, "by-cgroup/user.slice"), "odd.scope");
	assert_ls(t, must_walk(t, "by-cgroup/user.slice/odd.scope"), "1|2|3|4|5|6|7|8|9");
	assert_ls(t, must_walk(t, "by-cgroup/system.slice/camera.service"), "10|12|13");
	cr_assert_eq(du(t, "by-cgroup"), 5570560);		/* all 14 */
	cr_assert_eq(du(t, "by-cgroup/system.slice"), 4718592);	/* 10, 12, 13, 14 */
	cr_assert_eq(du(t, "by-cgroup/system.slice/compositor.service"), 2621440); /* 13, 14 */
	cr_assert_eq(du(t, "by-cgroup/user.slice"), 589824);	/* 1-9 */
	cr_assert_eq(walk_err(t, "by-cgroup/%unknown"), -ENOENT);
	cr_assert_eq(walk_err(t, "by-cgroup/init.scope"), -ENOENT);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, by_cgroup_hostile_names)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_snapshot *s = scan_fixture("linux-6.1-hostile", "linux-6.1-hostile/debug",
					      NULL);
	const char *deep = "by-cgroup/user.slice/new%0Aline/tab%09here/%2541/%2E%2E";
	char path[512];
	struct dbf_tree *t;
	uint64_t dir;

	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	assert_ls(t, BY_CGROUP, "user.slice");
	/* viewer's 255-byte name is 257 bytes escaped: it has no entry */
	assert_ls(t, must_walk(t, "by-cgroup/user.slice"), "new%0Aline");
	cr_assert_eq(must_stat(t, "by-cgroup/user.slice").st_nlink, 3);
	assert_ls(t, must_walk(t, deep), "%342");
	snprintf(path, sizeof(path), "%s/%%342/with space", deep);
	dir = must_walk(t, path);
	assert_ls(t, dir, "21|22");
	/* "42" is a buffer's name; the cgroup is only "%342" */
	for (const char **n = (const char *[]){ "42", "%34%32", "%3042", "%34", "%342 ",
						 NULL }; *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", deep, *n);
		cr_assert_eq(walk_err(t, path), -ENOENT, "%s", *n);
	}
	/* only canonical spellings: not "..", "%2e%2E", "%41" or "new%0aline" */
	for (const char **p = (const char *[]){ "by-cgroup/user.slice/new%0aline",
			"by-cgroup/user.slice/new%0Aline/tab%09here/%41",
			"by-cgroup/user.slice/new%0Aline/tab%09here/%2541/%2e%2E",
			"by-cgroup/user.slice/new%0Aline/tab%09here/%2541/..",
			"by-cgroup/user.slice/with space", NULL }; *p; p++)
		cr_assert_eq(walk_err(t, *p), -ENOENT, "%s", *p);
	/* 23 and 24 (viewer's) are in no cgroup directory */
	cr_assert_eq(du(t, "by-cgroup"), 65536 + 4096);	/* 21, 22 */
	cr_assert_eq(must_stat(t, "by-inode/24").st_nlink, 4);
	cr_assert_eq(must_stat(t, "by-inode/21").st_nlink, 5);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

struct cg_proc {
	pid_t pid;
	uid_t owner;			/* 0: root's (owner gid 0 too) */
	gid_t gid;
	const char *cgroup;		/* NULL: unknown */
	uint64_t inos[4];		/* held through fds 3, 4...; 0 ends */
};

/* Buffers 1..@nbufs (unnamed, drm, 4096 bytes) held as @procs say. */
static struct dbf_tree *cg_tree(struct dbf_interner *in, const struct dbf_tree *prev,
				time_t sec, uint64_t nbufs, const struct cg_proc *procs,
				bool shared)
{
	struct dbf_builder *b = dbf_builder_new();
	struct timespec at = { .tv_sec = sec };
	struct dbf_snapshot *s;
	struct dbf_tree *t;

	for (uint64_t ino = 1; ino <= nbufs; ino++)
		add_buf(b, ino, NULL, 1);
	for (; procs->pid; procs++) {
		struct dbf_proc_fact f = {
			.pid = procs->pid, .uid = procs->owner, .gid = procs->gid,
			.owner = procs->owner, .owner_gid = procs->gid, .comm = "p",
		};

		if (procs->cgroup)
			f.cgroup = (struct dbf_str){ procs->cgroup,
						     (uint32_t)strlen(procs->cgroup) };
		cr_assert_eq(dbf_builder_proc(b, &f), 0);
		for (int i = 0; procs->inos[i]; i++)
			cr_assert_eq(dbf_builder_fd(b, procs->pid, 3 + i, procs->inos[i]), 0);
	}
	cr_assert_eq(dbf_builder_finish(b, &at, prev ? prev->snap : NULL, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, prev, 0, 0, shared, DBF_METRICS_TOP_DEFAULT, &t), 0);
	return t;
}

Test(tree, by_cgroup_names)
{
	struct dbf_interner *in = dbf_interner_new();
	const struct cg_proc procs[] = {
		{ 10, 0, 0, "/", { 42 } },
		{ 11, 0, 0, "/42", { 1 } },
		{ 12, 0, 0, "/0", { 2 } },
		{ 13, 0, 0, "/4a", { 3 } },
		{ 14, 0, 0, "/%34", { 4 } },
		{ 15, 0, 0, "/a//b", { 5 } },	/* an empty name on the way */
		{ 16, 0, 0, "/a/", { 6 } },
		{ 17, 0, 0, "x/y", { 7 } },	/* not a path: unknown */
		{ 18, 0, 0, NULL, { 8 } },
		{ 19, 0, 0, "/a/c", { 9 } },
		{ 0 },
	};
	struct dbf_tree *t = cg_tree(in, NULL, 100, 42, procs, false);

	/* child cgroups by raw name, %unknown last, then the own buffers */
	assert_ls(t, BY_CGROUP, "%2534|%30|%342|4a|a|%unknown|42");
	cr_assert_eq(must_stat(t, "by-cgroup").st_nlink, 2 + 6);
	/* a buffer named 42 and the cgroup named 42, side by side */
	cr_assert_eq(must_walk(t, "by-cgroup/42"), dbf_buf_node(42));
	assert_ls(t, must_walk(t, "by-cgroup/%342"), "1");
	assert_ls(t, must_walk(t, "by-cgroup/%30"), "2");
	assert_ls(t, must_walk(t, "by-cgroup/4a"), "3");
	assert_ls(t, must_walk(t, "by-cgroup/%2534"), "4");
	assert_ls(t, must_walk(t, "by-cgroup/%unknown"), "7|8");
	/* "/a/" and "/a//b" go through an empty name: not listed, not counted */
	assert_ls(t, must_walk(t, "by-cgroup/a"), "c");
	cr_assert_eq(must_stat(t, "by-cgroup/a").st_nlink, 3);
	for (const char **p = (const char *[]){ "by-cgroup/0", "by-cgroup/%34",
			"by-cgroup/%3042", "by-cgroup/%33%30", "by-cgroup/%3", "by-cgroup/%3a",
			"by-cgroup/x", "by-cgroup/a/b", "by-cgroup/a/5", NULL }; *p; p++)
		cr_assert_eq(walk_err(t, *p), -ENOENT, "%s", *p);
	/* by-inode, drm, the holder, and its cgroup's directory if it has one */
	cr_assert_eq(must_stat(t, "by-inode/42").st_nlink, 4);
	cr_assert_eq(must_stat(t, "by-inode/5").st_nlink, 3);
	cr_assert_eq(must_stat(t, "by-inode/7").st_nlink, 4);
	cr_assert_eq(du(t, "by-cgroup"), 8 * 4096);	/* 1-4, 7, 8, 9, 42 */
	dbf_tree_free(t);
	dbf_interner_free(in);
}

/*
 * Owners as in owners_tree(): A is 1000:1000, A2 1000:1001, B 1001:1001;
 * 12 is setgid (root's alone).
 */
static const struct cg_proc owned[] = {
	{ 10, 1000, 1000, "/a", { 5 } },
	{ 11, 1000, 1001, "/a/b", { 5, 7 } },
	{ 12, 0, 0, "/c", { 6 } },
	{ 13, 1001, 1001, "/a", { 5, 6 } },
	{ 14, 1000, 1000, NULL, { 8 } },
	{ 0 },
};

Test(tree, by_cgroup_callers)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = cg_tree(in, NULL, 100, 8, owned, true);
	struct dbf_caller a = dbf_caller(1000, 1000), a2 = dbf_caller(1000, 1001);
	struct dbf_caller b = dbf_caller(1001, 1001);
	uint64_t da = must_walk(t, "by-cgroup/a"), dab = must_walk(t, "by-cgroup/a/b");
	uint64_t dc = must_walk(t, "by-cgroup/c"), du_ = must_walk(t, "by-cgroup/%unknown");
	uint64_t node;
	struct stat st;

	/* subdirectories for all; buffers where the caller sees an own process hold them */
	assert_ls_as(t, BY_CGROUP, &a, "a|c|%unknown");
	assert_ls_as(t, BY_CGROUP, &DBF_CALLER_PUBLIC, "a|c|%unknown");
	assert_ls_as(t, da, &DBF_CALLER_ROOT, "b|5|6");
	assert_ls_as(t, da, &a, "b|5");
	assert_ls_as(t, da, &a2, "b");
	assert_ls_as(t, da, &b, "b|5|6");
	assert_ls_as(t, da, &DBF_CALLER_PUBLIC, "b");
	assert_ls_as(t, dab, &DBF_CALLER_ROOT, "5|7");
	assert_ls_as(t, dab, &a, "");
	assert_ls_as(t, dab, &a2, "5|7");
	assert_ls_as(t, dc, &DBF_CALLER_ROOT, "6");
	assert_ls_as(t, dc, &a, "");
	assert_ls_as(t, du_, &a, "8");
	assert_ls_as(t, du_, &b, "");

	/* lookups agree with listings */
	cr_assert_eq(walk_as(t, "by-cgroup/a/5", &a, &node, &st), 0);
	cr_assert_eq(walk_as(t, "by-cgroup/a/6", &a, &node, &st), -ENOENT);
	cr_assert_eq(walk_as(t, "by-cgroup/a/6", &b, &node, &st), 0);
	cr_assert_eq(walk_as(t, "by-cgroup/a/b/7", &a, &node, &st), -ENOENT);
	cr_assert_eq(walk_as(t, "by-cgroup/a/b/7", &a2, &node, &st), 0);
	cr_assert_eq(walk_as(t, "by-cgroup/c/6", &b, &node, &st), -ENOENT);
	cr_assert_eq(walk_as(t, "by-cgroup/c/6", &DBF_CALLER_ROOT, &node, &st), 0);
	cr_assert_eq(walk_as(t, "by-cgroup/%unknown/8", &DBF_CALLER_PUBLIC, &node, &st),
		     -ENOENT);
	cr_assert_eq(walk_as(t, "by-cgroup/a/b", &DBF_CALLER_PUBLIC, &node, &st), 0);

	/* du -sb as each caller: the subtree's buffers it may see, once */
	cr_assert_eq(du_as(t, "by-cgroup", &DBF_CALLER_ROOT), 4 * 4096);	/* 5-8 */
	cr_assert_eq(du_as(t, "by-cgroup", &a), 2 * 4096);		/* 5, 8 */
	cr_assert_eq(du_as(t, "by-cgroup/a", &a2), 2 * 4096);		/* 5, 7 */
	cr_assert_eq(du_as(t, "by-cgroup/a", &b), 2 * 4096);		/* 5, 6 */
	cr_assert_eq(du_as(t, "by-cgroup", &DBF_CALLER_PUBLIC), 0);

	/* attributes are everyone's: shared, by-cgroup/ is one link */
	cr_assert_eq(must_stat(t, "by-inode/5").st_nlink, 4);
	cr_assert_eq(must_stat(t, "by-cgroup/a").st_nlink, 3);
	dbf_tree_free(t);

	/* not shared: one link per directory that lists it, whoever asks */
	t = cg_tree(in, NULL, 100, 8, owned, false);
	cr_assert_eq(must_stat(t, "by-inode/5").st_nlink, 1 + 1 + 3 + 2);	/* a, a/b */
	cr_assert_eq(must_stat(t, "by-inode/6").st_nlink, 1 + 1 + 2 + 2);	/* a, c */
	cr_assert_eq(must_stat(t, "by-inode/8").st_nlink, 1 + 1 + 1 + 1);	/* %unknown */
	dbf_tree_free(t);
	dbf_interner_free(in);
}

/*
 * Shared, who lists a cgroup directory: /a (processes of 1000:1000 and
 * 1001:1001, and a child) splits into a node per caller class; /a/b
 * (1000:1001's alone), /c (root's) and %unknown (1000:1000's) are their
 * owner's, as pid directories are; by-cgroup/ (no processes) everyone's.
 */
Test(tree, by_cgroup_shapes)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = cg_tree(in, NULL, 100, 8, owned, true);
	struct dbf_tree *p = cg_tree(in, NULL, 100, 8, owned, false);
	struct dbf_caller a = dbf_caller(1000, 1000), a2 = dbf_caller(1000, 1001);
	struct dbf_caller b = dbf_caller(1001, 1001);
	uint64_t da = must_walk(t, "by-cgroup/a"), dab = must_walk(t, "by-cgroup/a/b");
	uint64_t dc = must_walk(t, "by-cgroup/c"), du_ = must_walk(t, "by-cgroup/%unknown");
	uint64_t na = dbf_tree_class_node(da, 5), nroot = dbf_tree_class_node(BY_CGROUP, 0);
	struct stat st, shared;

	cr_assert(dbf_tree_split(t, da));
	for (const uint64_t *d = (const uint64_t[]){ BY_CGROUP, dab, dc, du_, 0 }; *d; d++)
		cr_assert(!dbf_tree_split(t, *d), "%llx", (unsigned long long)*d);
	for (const uint64_t *d = (const uint64_t[]){ BY_CGROUP, da, dab, dc, du_, 0 }; *d; d++)
		cr_assert(!dbf_tree_split(p, *d), "%llx", (unsigned long long)*d);

	/* a class's node: the class + 1 above the cgroup's id */
	cr_assert(dbf_node_is_class(na));
	cr_assert(!dbf_node_is_class(da));
	cr_assert(!dbf_node_is_class(BY_CGROUP));
	cr_assert_eq(dbf_node_kind(na), DBF_KIND_CGROUP);
	cr_assert_eq(dbf_node_key(na), (UINT64_C(6) << 32) | dbf_node_key(da));
	cr_assert_eq(dbf_node_class(na), 5);
	cr_assert_eq(dbf_tree_shared_node(na), da);
	cr_assert_eq(dbf_tree_shared_node(da), da);
	cr_assert_eq(dbf_node_class(dbf_tree_class_node(da, DBF_CLASS_MAX)), DBF_CLASS_MAX);
	cr_assert_eq(dbf_tree_shared_node(nroot), BY_CGROUP);
	cr_assert_eq(dbf_node_key(nroot), UINT64_C(1) << 32);
	cr_assert_eq(dbf_tree_parent(t, nroot), ROOT);
	cr_assert_eq(dbf_tree_parent(t, dbf_tree_class_node(dab, 5)), da);

	/* every class's node has the directory's attributes, but the time */
	cr_assert_eq(dbf_tree_getattr(t, da, &shared), 0);
	cr_assert_eq(dbf_tree_getattr(t, na, &st), 0);
	cr_assert_eq(st.st_ino, shared.st_ino);
	cr_assert_eq(st.st_ino, da);
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_uid, 0);	/* cg_tree()'s mounter */
	cr_assert_eq(st.st_nlink, 3);
	cr_assert_eq(st.st_mtim.tv_sec, 100);
	cr_assert_eq(dbf_tree_getattr(t, nroot, &st), 0);
	cr_assert_eq(st.st_ino, FIXED_INO(DBF_NODE_BY_CGROUP));

	/* it lists what its reader sees, as the directory would */
	assert_ls_as(t, na, &a, "b|5");
	assert_ls_as(t, na, &b, "b|5|6");
	assert_ls_as(t, na, &DBF_CALLER_ROOT, "b|5|6");
	cr_assert_eq(dbf_tree_may_enter(t, na, &a), 0);

	/* the one node no longer stands for the directory, the other not yet */
	cr_assert(dbf_tree_stale(t, da));
	cr_assert(!dbf_tree_stale(t, na));
	cr_assert(dbf_tree_stale(t, dbf_tree_class_node(dab, 1)));
	cr_assert(dbf_tree_stale(t, nroot));
	cr_assert(!dbf_tree_stale(t, dab));
	cr_assert(!dbf_tree_stale(p, da));
	cr_assert(dbf_tree_stale(p, na));

	/* an owner's directory: 0500, the owner's uid and gid, its birth */
	cr_assert_eq(dbf_tree_getattr(t, dab, &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0500);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_gid, 1001);
	cr_assert_eq(dbf_tree_getattr(t, dc, &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0500);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_gid, 0);
	cr_assert_eq(dbf_tree_getattr(t, du_, &st), 0);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_gid, 1000);
	cr_assert_eq(dbf_tree_getattr(t, BY_CGROUP, &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(dbf_tree_getattr(p, dab, &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0555);
	cr_assert_eq(st.st_uid, 0);

	/* the daemon checks the gid the kernel's mode check leaves out */
	cr_assert_eq(dbf_tree_may_enter(t, dab, &a2), 0);
	cr_assert_eq(dbf_tree_may_enter(t, dab, &a), -EACCES);
	cr_assert_eq(dbf_tree_may_enter(t, dab, &b), -EACCES);
	cr_assert_eq(dbf_tree_may_enter(t, dab, &DBF_CALLER_ROOT), 0);
	cr_assert_eq(dbf_tree_may_enter(t, dc, &a), -EACCES);
	cr_assert_eq(dbf_tree_may_enter(t, dc, &DBF_CALLER_ROOT), 0);
	cr_assert_eq(dbf_tree_may_enter(t, du_, &a), 0);
	cr_assert_eq(dbf_tree_may_enter(t, du_, &DBF_CALLER_PUBLIC), -EACCES);
	cr_assert_eq(dbf_tree_may_enter(t, BY_CGROUP, &DBF_CALLER_PUBLIC), 0);
	cr_assert_eq(dbf_tree_may_enter(p, dab, &a), 0);
	dbf_tree_free(t);
	dbf_tree_free(p);
	dbf_interner_free(in);
}

/*
 * A directory that splits, or is one owner's again, is another node: the
 * kernel must forget its name in the parent, and by-cgroup/'s in the root.
 */
Test(tree, by_cgroup_split_is_another_node)
{
	struct dbf_interner *in = dbf_interner_new();
	const struct cg_proc p1[] = {
		{ 10, 1000, 1000, "/a/b", { 1 } },
		{ 11, 1000, 1000, "/a/c", { 2 } },
		{ 0 },
	};
	/* 12, of another owner, joins /a/b; 13 holds in the root cgroup */
	const struct cg_proc p2[] = {
		{ 10, 1000, 1000, "/a/b", { 1 } },
		{ 11, 1000, 1000, "/a/c", { 2 } },
		{ 12, 1001, 1001, "/a/b", { 3 } },
		{ 13, 1001, 1001, "/", { 4 } },
		{ 0 },
	};
	struct dbf_tree *t1 = cg_tree(in, NULL, 100, 4, p1, true);
	struct dbf_tree *t2 = cg_tree(in, t1, 200, 4, p2, true);
	struct dbf_tree *t3 = cg_tree(in, t2, 300, 4, p1, true);
	struct diff_log l = { .t = t1 };
	uint64_t ab = must_walk(t1, "by-cgroup/a/b");

	cr_assert(!dbf_tree_split(t1, ab));
	cr_assert(dbf_tree_split(t2, ab));
	cr_assert(dbf_tree_split(t2, BY_CGROUP));
	dbf_tree_diff(t1, t2, log_gone, log_changed, &l);
	for (const char **w = (const char *[]){ "changed /\n", "changed /by-cgroup/a/\n",
			"gone /by-cgroup\n", "gone /by-cgroup/a/b\n", NULL }; *w; w++)
		cr_assert(strstr(l.text, *w), "%s not in:\n%s", *w, l.text);
	cr_assert(!strstr(l.text, "gone /by-cgroup/a/c"), "%s", l.text);
	cr_assert(!strstr(l.text, "gone /by-cgroup/a\n"), "%s", l.text);
	l.t = t2;
	l.text[0] = '\0';
	dbf_tree_diff(t2, t3, log_gone, log_changed, &l);
	cr_assert(strstr(l.text, "gone /by-cgroup\n"), "%s", l.text);
	cr_assert(strstr(l.text, "gone /by-cgroup/a/b\n"), "%s", l.text);
	cr_assert(!strstr(l.text, "gone /by-cgroup/a/c"), "%s", l.text);
	dbf_tree_free(t1);
	dbf_tree_free(t2);
	dbf_tree_free(t3);
	dbf_interner_free(in);
}

/* What @l says about by-cgroup/ alone. */
static const char *cgroup_lines(struct diff_log *l)
{
	char *w = l->text;

	for (char *line = l->text, *end; *line; line = end) {
		end = strchr(line, '\n') + 1;
		if (!memmem(line, (size_t)(end - line), " /by-cgroup/", 12))
			continue;
		memmove(w, line, (size_t)(end - line));
		w += end - line;
	}
	*w = '\0';
	return l->text;
}

Test(tree, by_cgroup_versions_and_diff)
{
	struct dbf_interner *in = dbf_interner_new();
	const struct cg_proc p1[] = {
		{ 10, 0, 0, "/a", { 1 } },
		{ 11, 0, 0, "/a/b", { 2 } },
		{ 12, 0, 0, "/x/y", { 4 } },
		{ 0 },
	};
	/* 10 moves to /c, 11 takes 3 too, 12 has gone */
	const struct cg_proc p2[] = {
		{ 10, 0, 0, "/c", { 1 } },
		{ 11, 0, 0, "/a/b", { 2, 3 } },
		{ 0 },
	};
	/* nothing changes but 11's owner, which decides who sees its buffers */
	const struct cg_proc p3[] = {
		{ 10, 0, 0, "/c", { 1 } },
		{ 11, 1000, 1000, "/a/b", { 2, 3 } },
		{ 0 },
	};
	struct dbf_tree *t1 = cg_tree(in, NULL, 100, 4, p1, false);
	struct dbf_tree *t2 = cg_tree(in, t1, 200, 4, p2, false);
	struct dbf_tree *t3 = cg_tree(in, t2, 300, 4, p2, false);
	struct dbf_tree *t4 = cg_tree(in, t3, 400, 4, p3, false);
	struct diff_log l = { .t = t1 };
	uint64_t a = must_walk(t1, "by-cgroup/a"), ab = must_walk(t1, "by-cgroup/a/b");

	dbf_tree_diff(t1, t2, log_gone, log_changed, &l);
	/* a vanished subtree is gone in its parent alone */
	cr_assert_str_eq(cgroup_lines(&l),
		"changed /by-cgroup/\n"
		"changed /by-cgroup/a/\n"
		"changed /by-cgroup/a/b/\n"
		"gone /by-cgroup/x\n"
		"gone /by-cgroup/a/1\n");
	cr_assert_eq(must_stat(t2, "by-cgroup/a").st_mtim.tv_sec, 200);
	cr_assert_eq(must_stat(t2, "by-cgroup/a").st_ctim.tv_sec, 200);
	cr_assert(dbf_tree_dirver(t2, must_walk(t2, "by-cgroup/c"))->changed);
	cr_assert_eq(dbf_tree_dirver(t2, must_walk(t2, "by-cgroup/c"))->mtime.tv_sec, 200);

	/* the same again: nothing to say, times kept */
	l.t = t2;
	l.text[0] = '\0';
	dbf_tree_diff(t2, t3, log_gone, log_changed, &l);
	cr_assert_str_eq(l.text, "");
	cr_assert_eq(must_stat(t3, "by-cgroup/a").st_mtim.tv_sec, 200);
	cr_assert_eq(dbf_tree_dirver(t3, a)->hash, dbf_tree_dirver(t2, a)->hash);

	/* an owner change alone reaches the kernel's cached listing */
	l.t = t3;
	dbf_tree_diff(t3, t4, log_gone, log_changed, &l);
	cr_assert_str_eq(cgroup_lines(&l), "changed /by-cgroup/a/b/\n");
	cr_assert_eq(must_stat(t4, "by-cgroup/a/b").st_mtim.tv_sec, 400);
	cr_assert(dbf_tree_dirver(t4, ab)->changed);
	cr_assert(!dbf_tree_dirver(t4, a)->changed);
	dbf_tree_free(t1);
	dbf_tree_free(t2);
	dbf_tree_free(t3);
	dbf_tree_free(t4);
	dbf_interner_free(in);
}

/* Pid 10, started at @start, in /c and holding buffer 1. */
static struct dbf_tree *started_tree(struct dbf_interner *in, const struct dbf_tree *prev,
				     time_t sec, uint64_t start)
{
	struct dbf_builder *b = dbf_builder_new();
	struct timespec at = { .tv_sec = sec };
	struct dbf_snapshot *s;
	struct dbf_tree *t;

	cr_assert_not_null(b);
	add_buf(b, 1, "A", 1);
	cr_assert_eq(dbf_builder_proc(b, &(struct dbf_proc_fact){
			.pid = 10, .start_time = start, .comm = "p",
			.cgroup = { "/c", 2 } }), 0);
	cr_assert_eq(dbf_builder_fd(b, 10, 3, 1), 0);
	cr_assert_eq(dbf_builder_finish(b, &at, prev ? prev->snap : NULL, &s), 0);
	cr_assert_eq(dbf_tree_build(s, in, prev, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	return t;
}

/*
 * A reused pid is another process, even with the same owner holding the
 * same buffers: the directories that list it change, so that the kernel
 * drops what it cached of the old one.
 */
Test(tree, reused_pid_changes_versions)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t1 = started_tree(in, NULL, 100, 4711);
	struct dbf_tree *t2 = started_tree(in, t1, 200, 4711);
	struct dbf_tree *t3 = started_tree(in, t2, 300, 4712);
	uint64_t pid = dbf_node(DBF_KIND_PID, 10), c = must_walk(t1, "by-cgroup/c");
	struct diff_log l = { .t = t2 };

	/* the same process: the same versions */
	cr_assert_eq(dbf_tree_dirver(t2, pid)->hash, dbf_tree_dirver(t1, pid)->hash);
	cr_assert_eq(dbf_tree_dirver(t2, c)->hash, dbf_tree_dirver(t1, c)->hash);
	cr_assert(!dbf_tree_dirver(t2, pid)->changed);
	/* another process under the same pid: new versions, new times */
	cr_assert_neq(dbf_tree_dirver(t3, pid)->hash, dbf_tree_dirver(t2, pid)->hash);
	cr_assert_neq(dbf_tree_dirver(t3, c)->hash, dbf_tree_dirver(t2, c)->hash);
	cr_assert(dbf_tree_dirver(t3, pid)->changed);
	cr_assert(dbf_tree_dirver(t3, c)->changed);
	cr_assert_eq(must_stat(t3, "by-pid/10").st_mtim.tv_sec, 300);
	cr_assert_eq(dbf_tree_generation(t3, pid), 4712);
	dbf_tree_diff(t2, t3, log_gone, log_changed, &l);
	cr_assert_str_eq(l.text,
		"changed /by-pid/10/\n"
		"changed /by-cgroup/c/\n");
	dbf_tree_free(t1);
	dbf_tree_free(t2);
	dbf_tree_free(t3);
	dbf_interner_free(in);
}

/* ---- summary tables and the cgroups key ---- */

/* The text of @node as @c reads it, NUL-terminated. */
static char *render_as(const struct dbf_tree *t, uint64_t node, const struct dbf_caller *c)
{
	char *text;
	size_t len;

	cr_assert_eq(dbf_render(t, node, c, &text, &len), 0);
	text = realloc(text, len + 1);
	text[len] = '\0';
	return text;
}

/* The lines of @text from "[@table]" to the blank line after it, or to the end. */
static char *table(const char *text, const char *name)
{
	char head[64], *out;
	const char *from, *to;

	snprintf(head, sizeof(head), "[%s]\n", name);
	from = strstr(text, head);
	cr_assert_not_null(from, "no %s", head);
	to = strstr(from, "\n\n");
	to = to ? to + 1 : from + strlen(from);
	out = strndup(from, (size_t)(to - from));
	return out;
}

#define assert_table(t, c, name, want)                                         \
	do {                                                                   \
		char *text_ = render_as(t, SUMMARY, c), *got_ = table(text_, name); \
		cr_assert_str_eq(got_, want);                                  \
		free(got_);                                                    \
		free(text_);                                                   \
	} while (0)

/* The line of @text that starts with @key. */
static char *line_of(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	cr_assert_not_null(p, "no %s", key);
	return strndup(p, strcspn(p, "\n"));
}

#define assert_line(t, node, c, key, want)                                     \
	do {                                                                   \
		char *text_ = render_as(t, node, c), *got_ = line_of(text_, key); \
		cr_assert_str_eq(got_, want);                                  \
		free(got_);                                                    \
		free(text_);                                                   \
	} while (0)

/* A summary's attachments line for these facts. */
/* The scanner the next attachments() snapshot says it was made by. */
static unsigned int att_scanner = DBF_SCANNER_PROCFS;

static char *attachments(unsigned int sources, int bufinfo_err, unsigned int listed)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_builder *b = dbf_builder_new();
	struct dbf_snapshot *s;
	struct dbf_tree *t;
	char *text, *line;

	dbf_builder_set_sources(b, sources, bufinfo_err, 0);
	dbf_builder_add_device_sources(b, listed);
	cr_assert_eq(dbf_builder_finish(b, &taken, NULL, &s), 0);
	s->scanner = att_scanner;
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	text = render_as(t, SUMMARY, &DBF_CALLER_ROOT);
	line = line_of(text, "attachments:");
	free(text);
	dbf_tree_free(t);
	dbf_interner_free(in);
	return line;
}

#define assert_attachments(sources, err, listed, want)                         \
	do {                                                                   \
		char *got_ = attachments(sources, err, listed);                \
		cr_assert_str_eq(got_, want);                                  \
		free(got_);                                                    \
	} while (0)

/*
 * Every directory under @dir lists by strictly rising keys, and seeking a
 * key finds its entry, or the next one; the hostile capture has every
 * kind of entry, odd names included.
 */
static void check_keys(const struct dbf_tree *t, uint64_t dir)
{
	long n = dbf_tree_nchildren(t, dir);
	uint64_t prev = 0, node;
	char name[256];
	struct stat st;

	cr_assert_geq(n, 0);
	for (long i = 0; i < n; i++) {
		uint64_t k = dbf_tree_key(t, dir, (size_t)i);

		cr_assert_lt(k, DBF_KEY_END);
		cr_assert(i == 0 || k > prev, "dir %#" PRIx64 " entry %ld", dir, i);
		cr_assert_eq(dbf_tree_seek(t, dir, k), (size_t)i);
		cr_assert_eq(dbf_tree_seek(t, dir, k + 1), (size_t)i + 1);
		prev = k;
		if (dbf_tree_child(t, dir, (size_t)i, &DBF_CALLER_ROOT, name, &node, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			check_keys(t, node);
	}
	cr_assert_eq(dbf_tree_key(t, dir, (size_t)n), DBF_KEY_END);
	cr_assert_eq(dbf_tree_seek(t, dir, DBF_KEY_END), (size_t)n);
}

/* "name=key|..." of what @c is shown in @dir: what its readdir offsets say. */
static char *keys_as(const struct dbf_tree *t, uint64_t dir, const struct dbf_caller *c)
{
	long n = dbf_tree_nchildren(t, dir);
	char *out = calloc(1, 8192), name[256];
	uint64_t node;
	struct stat st;

	for (long i = 0; i < n; i++) {
		if (dbf_tree_child(t, dir, (size_t)i, c, name, &node, &st) != 0)
			continue;
		snprintf(out + strlen(out), 8192 - strlen(out), "%s%s=%" PRIu64,
			 *out ? "|" : "", name, dbf_tree_key(t, dir, (size_t)i));
	}
	return out;
}

Test(tree, listing_keys)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_snapshot *s = scan_fixture("linux-6.1-hostile", "linux-6.1-hostile/debug", NULL);
	const struct cg_proc p1[] = {
		{ 10, 1000, 1000, "/a", { 5, 7 } },
		{ 11, 1001, 1001, "/a", { 3, 6, 7 } },
		{ 12, 0, 0, "/a/b", { 2 } },
		{ 0 },
	};
	/* only uid 1001's process changes: it drops 3 and 7, takes 1 */
	const struct cg_proc p2[] = {
		{ 10, 1000, 1000, "/a", { 5, 7 } },
		{ 11, 1001, 1001, "/a", { 1, 6 } },
		{ 12, 0, 0, "/a/b", { 2 } },
		{ 0 },
	};
	/* and then /a/c comes */
	const struct cg_proc p3[] = {
		{ 10, 1000, 1000, "/a", { 5, 7 } },
		{ 11, 1001, 1001, "/a", { 1, 6 } },
		{ 12, 0, 0, "/a/b", { 2 } },
		{ 13, 0, 0, "/a/c", { 2 } },
		{ 0 },
	};
	struct dbf_caller a = dbf_caller(1000, 1000);
	struct dbf_tree *t, *t1, *t2, *t3;
	uint64_t a1, a2, a3;
	char *k1, *k2, *c, *one;

	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, true, DBF_METRICS_TOP_DEFAULT, &t), 0);
	check_keys(t, ROOT);
	dbf_tree_free(t);
	t = vgem_tree(in, false);
	check_keys(t, ROOT);
	dbf_tree_free(t);

	t1 = cg_tree(in, NULL, 100, 8, p1, true);
	t2 = cg_tree(in, t1, 200, 8, p2, true);
	t3 = cg_tree(in, t2, 300, 8, p3, true);
	check_keys(t3, ROOT);
	a1 = must_walk(t1, "by-cgroup/a");
	a2 = must_walk(t2, "by-cgroup/a");
	a3 = must_walk(t3, "by-cgroup/a");
	/* uid 1000 is shown the same entries, at the same keys */
	k1 = keys_as(t1, a1, &a);
	k2 = keys_as(t2, a2, &a);
	cr_assert_str_eq(k2, k1);
	cr_assert(!strncmp(k1, "b=", 2) && strstr(k1, "|5=") && strstr(k1, "|7="), "%s", k1);
	free(k1);
	free(k2);
	cr_assert_eq(dbf_tree_key(t1, a1, 0), dbf_tree_key(t3, a3, 0));
	/* a listing that stopped after 5 (b 3 5 6 7) goes on at 6 (b 1 5 6 7) */
	cr_assert_eq(dbf_tree_seek(t2, a2, 1 + dbf_tree_key(t1, a1, 2)), 3);
	/* a new cgroup sorts after those that were there, before the buffers */
	k2 = keys_as(t3, a3, &DBF_CALLER_ROOT);
	c = strstr(k2, "|c=");
	one = strstr(k2, "|1=");
	cr_assert(!strncmp(k2, "b=", 2) && c && one && c < one, "%s", k2);
	free(k2);
	dbf_tree_free(t1);
	dbf_tree_free(t2);
	dbf_tree_free(t3);
	dbf_interner_free(in);
}

Test(tree, summary_attachments)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_snapshot *s;
	struct dbf_tree *t;
	char *text;

	assert_attachments(DBF_SRC_BUFINFO, 0, DBF_SRC_BUFINFO, "attachments: debugfs");
	assert_attachments(0, ENOENT, DBF_SRC_FDINFO, "attachments: fdinfo");
	assert_attachments(DBF_SRC_BUFINFO, 0, DBF_SRC_BUFINFO | DBF_SRC_FDINFO,
			   "attachments: debugfs fdinfo");
	assert_attachments(0, EACCES, 0, "attachments: none (debugfs bufinfo: Permission "
			   "denied; fdinfo lists no attachments on this kernel)");
	/* read, but every block garbled */
	assert_attachments(DBF_SRC_BUFINFO, 0, 0, "attachments: none (debugfs bufinfo lists "
			   "no attachments; fdinfo lists no attachments on this kernel)");
	/* the BPF scanner reads no fdinfo: it does not say what fdinfo has */
	att_scanner = DBF_SCANNER_BPF;
	assert_attachments(0, ENOENT, 0, "attachments: none (debugfs bufinfo: No such file "
			   "or directory; the BPF scanner reads no fdinfo)");
	att_scanner = DBF_SCANNER_PROCFS;

	/* the captures: right after sources */
	s = scan_fixture("linux-6.1-vgem", NULL, NULL);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	text = render_as(t, SUMMARY, &DBF_CALLER_ROOT);
	{
		const char *want = "sources: procfs only\nattachments: none (debugfs bufinfo: "
				   "No such file or directory; fdinfo lists no attachments "
				   "on this kernel)\nbuffers: 14\n";

		cr_assert(!strncmp(text, want, strlen(want)), "%.200s", text);
	}
	free(text);
	dbf_tree_free(t);
	s = scan_fixture("linux-6.1-patched", "linux-6.1-patched/debug", NULL);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	assert_line(t, SUMMARY, &DBF_CALLER_ROOT, "attachments:", "attachments: debugfs fdinfo");
	assert_table(t, &DBF_CALLER_ROOT, "devices",
		     "[devices]\nbuffers\tbytes\tdevice\n1\t65536\t0000:00:02.0\n1\t65536\tvgem\n");
	dbf_tree_free(t);
	s = scan_fixture("linux-6.1-patched", NULL, NULL);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	assert_line(t, SUMMARY, &DBF_CALLER_ROOT, "attachments:", "attachments: fdinfo");
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, summary_devices)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = devices_tree(in, DBF_SRC_BUFINFO, true);
	char want[1024], d299[300] = { 0 };

	/* public: the same for every caller; a name too long for a directory still counts */
	memset(d299, 'd', 299);
	snprintf(want, sizeof(want), "[devices]\nbuffers\tbytes\tdevice\n1\t4096\ta/b\n"
		 "1\t4096\tcard1\n1\t4096\t%s\n2\t8192\tvgem\n", d299);
	assert_table(t, &DBF_CALLER_ROOT, "devices", want);
	assert_table(t, &DBF_CALLER_PUBLIC, "devices", want);
	dbf_tree_free(t);
	/* tables in the agreed order */
	t = vgem_tree(in, false);
	{
		char *text = render_as(t, SUMMARY, &DBF_CALLER_ROOT);
		char *e = strstr(text, "\n[exporters]\n"), *n = strstr(text, "\n[names]\n");
		char *c = strstr(text, "\n[cgroups]\n"), *d = strstr(text, "\n[devices]\n");
		char *p = strstr(text, "\n[processes]\n");

		cr_assert(e && n && c && d && p && e < n && n < c && c < d && d < p);
		free(text);
	}
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, summary_cgroups_per_caller)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t = cg_tree(in, NULL, 100, 8, owned, true);
	struct dbf_caller a = dbf_caller(1000, 1000), a2 = dbf_caller(1000, 1001);

	/*
	 * pss: 5 is held by 10, 11 and 13 (1365 each), 6 by 12 and 13 (2048),
	 * 7 by 11, 8 by 14: 10 has 1365, 11 5461, 12 2048, 13 3413, 14 4096.
	 */
	assert_table(t, &DBF_CALLER_ROOT, "cgroups",
		     "[cgroups]\nbuffers\tbytes\tpss\tcgroup\n"
		     "4\t16384\t16383\t/\n"
		     "3\t12288\t10239\t/a\n"
		     "2\t8192\t5461\t/a/b\n"
		     "1\t4096\t2048\t/c\n"
		     "1\t4096\t4096\tunknown\n");
	/* 10 and 14 */
	assert_table(t, &a, "cgroups",
		     "[cgroups]\nbuffers\tbytes\tpss\tcgroup\n"
		     "2\t8192\t5461\t/\n"
		     "1\t4096\t1365\t/a\n"
		     "1\t4096\t4096\tunknown\n");
	/* 11 */
	assert_table(t, &a2, "cgroups",
		     "[cgroups]\nbuffers\tbytes\tpss\tcgroup\n"
		     "2\t8192\t5461\t/\n"
		     "2\t8192\t5461\t/a\n"
		     "2\t8192\t5461\t/a/b\n");
	assert_table(t, &DBF_CALLER_PUBLIC, "cgroups", "[cgroups]\nbuffers\tbytes\tpss\tcgroup\n");

	/* the buffer file: the holders the reader sees, by pid */
	assert_line(t, dbf_buf_node(5), &DBF_CALLER_ROOT, "cgroups:",
		    "cgroups: 10:/a 11:/a/b 13:/a");
	assert_line(t, dbf_buf_node(5), &a, "cgroups:", "cgroups: 10:/a");
	assert_line(t, dbf_buf_node(8), &a, "cgroups:", "cgroups: 14:unknown");
	assert_line(t, dbf_buf_node(6), &a, "cgroups:", "cgroups:");
	assert_line(t, dbf_buf_node(6), &DBF_CALLER_PUBLIC, "cgroups:", "cgroups:");
	dbf_tree_free(t);
	dbf_interner_free(in);
}

/* The lines of @text that start with @prefix, in order, malloc'd. */
static char *lines_of(const char *text, const char *prefix)
{
	char *out = calloc(1, strlen(text) + 1);
	size_t n = strlen(prefix);

	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");

		if (len >= n && !strncmp(l, prefix, n))
			strncat(out, l, len + 1);
		l += len + (l[len] == '\n');
	}
	return out;
}

/* Attribute @attr of every <rect> of class @cls in @svg, space-separated. */
static char *svg_attrs(const char *svg, const char *cls, const char *attr)
{
	char *out = calloc(1, 1024), key[64], at[64];

	snprintf(key, sizeof(key), "<rect class=\"%s\" ", cls);
	snprintf(at, sizeof(at), " %s=\"", attr);
	for (const char *p = strstr(svg, key); p; p = strstr(p + 1, key)) {
		const char *v = strstr(p, at), *e = strchr(p, '>');

		if (!v || v > e)
			continue;
		v += strlen(at);
		snprintf(out + strlen(out), 1024 - strlen(out), "%s%.*s", *out ? " " : "",
			 (int)strcspn(v, "\""), v);
	}
	return out;
}

#define assert_svg_attrs(svg, cls, attr, want)                                 \
	do {                                                                   \
		char *got_ = svg_attrs(svg, cls, attr);                        \
		cr_assert_str_eq(got_, want, "%s %s", cls, attr);              \
		free(got_);                                                    \
	} while (0)

#define assert_lines_of(text, prefix, want)                                    \
	do {                                                                   \
		char *got_ = lines_of(text, prefix);                           \
		cr_assert_str_eq(got_, want, "%s", prefix);                    \
		free(got_);                                                    \
	} while (0)

/*
 * metrics and usage.svg: the renderers of docs/metrics.md over the tree,
 * as whoever opens them sees it, bounded by the build's metrics_top. The
 * vgem capture with 92 and 93 made A's (1000:1000).
 */
Test(tree, metrics_and_usage_svg)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_snapshot *s = vgem_snapshot();
	struct dbf_caller a = dbf_caller(1000, 1000);
	struct dbf_metrics_opts o = { .top = 2 };
	char *text, *direct = NULL, *age;
	struct dbf_tree *t;
	size_t len;
	FILE *f;

	for (size_t i = 0; i < s->nprocs; i++) {
		if (s->procs[i].pid == 92 || s->procs[i].pid == 93) {
			s->procs[i].owner = 1000;
			s->procs[i].owner_gid = 1000;
		}
	}
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, true, 2, &t), 0);

	/* the renderer's text with the tree's bound; the age is as of the open */
	text = render_as(t, METRICS, &DBF_CALLER_ROOT);
	f = open_memstream(&direct, &len);
	cr_assert_not_null(f);
	clock_gettime(CLOCK_REALTIME, &o.now);
	cr_assert_eq(dbf_metrics_render(t, &DBF_CALLER_ROOT, &o, f), 0);
	cr_assert_eq(fclose(f), 0);
	age = strstr(text, "\ndmabuf_snapshot_age_seconds ");
	cr_assert_not_null(age);
	memset(age + 1, 'x', strcspn(age + 1, "\n"));
	age = strstr(direct, "\ndmabuf_snapshot_age_seconds ");
	memset(age + 1, 'x', strcspn(age + 1, "\n"));
	cr_assert_str_eq(text, direct);
	/* root: every process, the two largest and the rest */
	assert_lines_of(text, "dmabuf_process_pss_bytes{",
			"dmabuf_process_pss_bytes{pid=\"90\",comm=\"camera\"} 1747626\n"
			"dmabuf_process_pss_bytes{pid=\"95\",comm=\"camera-child\"} 1747626\n"
			"dmabuf_process_pss_bytes{pid=\"other\",comm=\"other\"} 2075306\n");
	assert_lines_of(text, "dmabuf_cgroup_bytes{",
			"dmabuf_cgroup_bytes{cgroup=\"/\"} 5570560\n"
			"dmabuf_cgroup_bytes{cgroup=\"/system.slice\"} 4718592\n"
			"dmabuf_cgroup_bytes{cgroup=\"other\"} 5570560\n");
	free(text);
	free(direct);

	/* A: its own processes and their cgroups; the totals are everyone's */
	text = render_as(t, METRICS, &a);
	assert_lines_of(text, "dmabuf_process_pss_bytes{",
			"dmabuf_process_pss_bytes{pid=\"92\",comm=\"oddnames\"} 589824\n"
			"dmabuf_process_pss_bytes{pid=\"93\",comm=\"maponly\"} 262144\n"
			"dmabuf_process_pss_bytes{pid=\"other\",comm=\"other\"} 0\n");
	/* "/" and "/user.slice"; the rest is odd.scope's 4-12 and %unknown's 13 */
	assert_lines_of(text, "dmabuf_cgroup_buffers{",
			"dmabuf_cgroup_buffers{cgroup=\"/\"} 10\n"
			"dmabuf_cgroup_buffers{cgroup=\"/user.slice\"} 9\n"
			"dmabuf_cgroup_buffers{cgroup=\"other\"} 10\n");
	assert_lines_of(text, "dmabuf_bytes{", "dmabuf_bytes{exporter=\"drm\"} 5701632\n");
	assert_lines_of(text, "dmabuf_processes ", "dmabuf_processes 5\n");
	free(text);
	text = render_as(t, METRICS, &DBF_CALLER_PUBLIC);
	assert_lines_of(text, "dmabuf_process_bytes{",
			"dmabuf_process_bytes{pid=\"other\",comm=\"other\"} 0\n");
	assert_lines_of(text, "dmabuf_cgroup_bytes{",
			"dmabuf_cgroup_bytes{cgroup=\"other\"} 0\n");
	free(text);

	/* usage.svg: blocks for the two largest a caller sees, then the rest */
	text = render_as(t, USAGE_SVG, &DBF_CALLER_ROOT);
	assert_svg_attrs(text, "proc", "data-pid", "90 95");
	assert_svg_attrs(text, "others", "data-count", "3");
	assert_svg_attrs(text, "others", "data-bytes", "2075306");
	free(text);
	text = render_as(t, USAGE_SVG, &a);
	assert_svg_attrs(text, "proc", "data-pid", "92 93");
	/* 90, 95 and 91: what A may not see, one block */
	assert_svg_attrs(text, "others", "data-count", "3");
	assert_svg_attrs(text, "others", "data-bytes", "4718590");
	cr_assert_null(strstr(text, "camera"));
	free(text);
	text = render_as(t, USAGE_SVG, &DBF_CALLER_PUBLIC);
	assert_svg_attrs(text, "proc", "data-pid", "");
	assert_svg_attrs(text, "others", "data-count", "5");
	free(text);
	dbf_tree_free(t);
	dbf_interner_free(in);
}

Test(tree, cgroups_key_escapes)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_snapshot *s = scan_fixture("linux-6.1-hostile", "linux-6.1-hostile/debug",
					      NULL);
	struct dbf_tree *t;

	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	/* control bytes and backslash as \ooo, and a space as \040: the list splits on spaces */
	assert_line(t, dbf_buf_node(21), &DBF_CALLER_ROOT, "cgroups:",
		    "cgroups: 300:/user.slice/new\\012line/tab\\011here/%41/../42/with\\040space");
	/* the table is tab-separated: a space stays */
	assert_table(t, &DBF_CALLER_ROOT, "cgroups",
		     "[cgroups]\nbuffers\tbytes\tpss\tcgroup\n"
		     "2\t69632\t69632\t/\n"
		     "2\t69632\t69632\t/user.slice\n"
		     "2\t69632\t69632\t/user.slice/new\\012line\n"
		     "2\t69632\t69632\t/user.slice/new\\012line/tab\\011here\n"
		     "2\t69632\t69632\t/user.slice/new\\012line/tab\\011here/%41\n"
		     "2\t69632\t69632\t/user.slice/new\\012line/tab\\011here/%41/..\n"
		     "2\t69632\t69632\t/user.slice/new\\012line/tab\\011here/%41/../42\n"
		     "2\t69632\t69632\t/user.slice/new\\012line/tab\\011here/%41/../42/"
		     "with space\n");
	/* the viewer's cgroup has no directory, so no row, but the buffer file names it */
	{
		char *text = render_as(t, dbf_buf_node(23), &DBF_CALLER_ROOT);
		char *line = line_of(text, "cgroups:");

		cr_assert_eq(strlen(line), strlen("cgroups: 301:/user.slice/%") + 254);
		cr_assert(!strncmp(line, "cgroups: 301:/user.slice/%vvv", 29));
		free(line);
		free(text);
	}
	assert_table(t, &DBF_CALLER_ROOT, "devices",
		     "[devices]\nbuffers\tbytes\tdevice\n1\t131072\tcard1\n1\t131072\tvgem\n");
	dbf_tree_free(t);
	dbf_interner_free(in);
}

/* ---- du -s of every cgroup directory == its [cgroups] row == the definition ---- */

/* The raw component of a cgroup directory's entry @name (the tests' own decoding). */
static struct dbf_str raw_component(const char *name, char raw[256])
{
	size_t len = strlen(name);
	int n;

	if (len >= 3 && name[0] == '%' && name[1] == '3' && name[2] >= '0' && name[2] <= '9') {
		memcpy(raw, name + 2, len - 2);
		return (struct dbf_str){ raw, (uint32_t)(len - 2) };
	}
	n = dbf_unescape_component(raw, name, len);
	cr_assert_gt(n, 0, "%s", name);
	return (struct dbf_str){ raw, (uint32_t)n };
}

/* Does every component of @path have a directory entry (not empty, fits NAME_MAX)? */
static bool path_listed(struct dbf_str path)
{
	for (uint32_t i = 1, start = 1; i <= path.len; i++) {
		if (i < path.len && path.p[i] != '/')
			continue;
		{
			struct dbf_str comp = { path.p + start, i - start };
			size_t n = dbf_escape_component(NULL, 0, comp);
			bool digits = comp.len > 0;

			for (uint32_t j = 0; j < comp.len; j++)
				digits &= comp.p[j] >= '0' && comp.p[j] <= '9';
			if (path.len == 1)
				return true;	/* "/" */
			if (!comp.len || n + (digits ? 2 : 0) > 255)
				return false;
		}
		start = i + 1;
	}
	return true;
}

/*
 * The definition: the distinct buffers held by the processes @c sees
 * whose cgroup is @path or below it (every process is below "/";
 * %unknown, path NULL, has those without a path), among the processes
 * whose cgroup has a directory.
 */
static struct cg_def {
	uint32_t procs, bufs;
	uint64_t bytes, pss;
} definition(const struct dbf_snapshot *s, const char *path, size_t len,
	     const struct dbf_caller *c)
{
	struct cg_def d = { 0 };
	bool *held = calloc(s->nbufs + 1, sizeof(*held));

	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];
		bool known = p->cgroup.len && p->cgroup.p[0] == '/', in;

		if (!path)
			in = !known;
		else if (len == 1)
			in = true;
		else
			in = known && p->cgroup.len >= len && !memcmp(p->cgroup.p, path, len) &&
			     (p->cgroup.len == len || p->cgroup.p[len] == '/');
		if (!in || (known && !path_listed(p->cgroup)) || !dbf_caller_sees(c, p))
			continue;
		d.procs++;
		d.pss += p->pss;
		for (uint32_t j = 0; j < p->nph; j++) {
			uint32_t b = s->holders[s->proc_holders[p->ph0 + j]].buf;

			if (!held[b]) {
				held[b] = true;
				d.bufs++;
				d.bytes += s->bufs[b].size;
			}
		}
	}
	free(held);
	return d;
}

/*
 * Check directory @dir (raw path @path, NULL for %unknown) and every one
 * below it; returns how many had a row.
 */
static int check_cgroup_dir(const struct dbf_tree *t, uint64_t dir, const char *path,
			    size_t len, const struct dbf_caller *c, const char *rows)
{
	struct cg_def d = definition(t->snap, path, len, c);
	bool seen[1024] = { false };
	char want[4096 + 64], shown[4096], name[256], raw[256];
	long n = dbf_tree_nchildren(t, dir);
	struct stat st;
	uint64_t node;
	int found = 0;

	if (path)
		dbf_escape_text(shown, sizeof(shown), (struct dbf_str){ path, (uint32_t)len },
				false);
	else
		strcpy(shown, "unknown");
	/* du -sb, as the caller */
	cr_assert_eq(du_walk(t, dir, c, seen), d.bytes, "du %s", shown);
	snprintf(want, sizeof(want), "\n%" PRIu32 "\t%" PRIu64 "\t%" PRIu64 "\t%s\n",
		 d.bufs, d.bytes, d.pss, shown);
	if (d.procs) {
		cr_assert_not_null(strstr(rows, want), "row %s in:\n%s", want + 1, rows);
		found++;
	} else {
		snprintf(want, sizeof(want), "\t%s\n", shown);
		cr_assert_null(strstr(rows, want), "a row for %s", shown);
	}
	for (long i = 0; i < n; i++) {
		struct dbf_str comp;
		char sub[4096];

		if (dbf_tree_child(t, dir, (size_t)i, c, name, &node, &st) != 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (!strcmp(name, "%unknown") && dir == BY_CGROUP) {
			found += check_cgroup_dir(t, node, NULL, 0, c, rows);
			continue;
		}
		comp = raw_component(name, raw);
		snprintf(sub, sizeof(sub), "%.*s/%.*s", len == 1 ? 0 : (int)len, path,
			 (int)comp.len, comp.p);
		found += check_cgroup_dir(t, node, sub, strlen(sub), c, rows);
	}
	return found;
}

static void check_cgroup_totals(const struct dbf_tree *t, const struct dbf_caller *c)
{
	char *text = render_as(t, SUMMARY, c), *rows = table(text, "cgroups");
	int nrows = 0;

	for (const char *p = rows; (p = strchr(p, '\n')); p++)
		nrows++;
	/* every row belongs to a directory: none is left unchecked */
	cr_assert_eq(check_cgroup_dir(t, BY_CGROUP, "/", 1, c, rows), nrows - 2,
		     "%s", rows);
	free(rows);
	free(text);
}

Test(tree, cgroup_du_equals_row_and_definition)
{
	struct dbf_interner *in = dbf_interner_new();
	const struct dbf_caller callers[] = {
		DBF_CALLER_ROOT, DBF_CALLER_PUBLIC, { DBF_SEES_OWN, 1000, 1000 },
		{ DBF_SEES_OWN, 1000, 1001 }, { DBF_SEES_OWN, 1001, 1001 },
	};
	const char *trees[] = { "linux-6.1-vgem", "linux-6.1-heap", "linux-6.1-hostile",
				"linux-6.1-patched", "linux-5.10-noino" };
	struct dbf_snapshot *s;
	struct dbf_tree *t;
	char dbg[64];

	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		snprintf(dbg, sizeof(dbg), "%s/debug", trees[i]);
		s = scan_fixture(trees[i], dbg, NULL);
		cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, i % 2,
					    DBF_METRICS_TOP_DEFAULT, &t), 0);
		for (size_t j = 0; j < sizeof(callers) / sizeof(callers[0]); j++)
			check_cgroup_totals(t, &callers[j]);
		dbf_tree_free(t);
	}
	t = cg_tree(in, NULL, 100, 8, owned, false);
	for (size_t j = 0; j < sizeof(callers) / sizeof(callers[0]); j++)
		check_cgroup_totals(t, &callers[j]);
	dbf_tree_free(t);
	dbf_interner_free(in);
}
