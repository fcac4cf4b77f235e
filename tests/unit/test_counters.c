// SPDX-License-Identifier: GPL-2.0-only
/* Exports and releases counted by exporter and by the exporting cgroup. */
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "helpers.h"

#define T0 ((struct timespec){ 1796563302, 500000000 })
#define AT(ms) ((struct timespec){ 1796563302 + (500 + (ms)) / 1000, (500 + (ms)) % 1000 * 1000000 })

static struct dbf_str s(const char *p)
{
	return (struct dbf_str){ p, (uint32_t)strlen(p) };
}

/* An event on a "drm" buffer of @size by @pid (0: none) of uid @uid in @cg. */
static struct dbf_event ev(unsigned int kind, uint64_t ino, uint64_t size, pid_t pid,
			   uid_t uid, const char *cg, int ms)
{
	return (struct dbf_event){
		.time = AT(ms), .kind = kind, .ino = ino, .size = size,
		.exporter = s("drm"), .pid = pid, .owner = pid ? uid : 0,
		.owner_gid = pid ? uid : 0, .comm = pid ? "p" : NULL,
		.cgroup = s(pid && cg ? cg : ""), .fd = kind == DBF_EV_HOLD ? 5 : -1,
	};
}

/* A traced event, after no snapshot; a scan's event. */
static void count(struct dbf_counters *c, struct dbf_event e)
{
	cr_assert_eq(dbf_counters_trace(c, NULL, &e), 0);
}

static void scan(struct dbf_counters *c, struct dbf_event e)
{
	cr_assert_eq(dbf_counters_scan(c, &e), 0);
}

static const struct dbf_count_row *row(const struct dbf_counts *n, const char *key, uid_t uid)
{
	for (size_t i = 0; i < n->ncgroups; i++)
		if (n->cgroups[i].owner == uid && n->cgroups[i].key.len == strlen(key) &&
		    !memcmp(n->cgroups[i].key.p, key, strlen(key)))
			return &n->cgroups[i];
	return NULL;
}

#define assert_count(r, e, eb, rl, rb)                                           \
	do {                                                                     \
		cr_assert((r), "no such row");                                   \
		cr_assert_eq((r)->n.exports, (e));                               \
		cr_assert_eq((r)->n.export_bytes, (eb));                         \
		cr_assert_eq((r)->n.releases, (rl));                             \
		cr_assert_eq((r)->n.release_bytes, (rb));                        \
	} while (0)

Test(counters, traced_export_and_release)
{
	struct dbf_counters *c = dbf_counters_new(4);
	struct dbf_counts *n;

	count(c, ev(DBF_EV_EXPORT, 9, 4096, 300, 1000, "/u", 10));
	count(c, ev(DBF_EV_EXPORT, 10, 8192, 300, 1000, "/u", 20));
	count(c, ev(DBF_EV_HOLD, 9, 4096, 301, 1001, "/v", 30));
	/* Released by another process: it still counts where it was made. */
	count(c, ev(DBF_EV_RELEASE, 9, 4096, 0, 0, NULL, 40));
	n = dbf_counters_freeze(c);
	cr_assert_eq(n->nexporters, 1);
	assert_str(n->exporters[0].key, "drm");
	assert_count(&n->exporters[0], 2, 12288, 1, 4096);
	cr_assert_eq(n->ncgroups, 1);
	assert_count(row(n, "/u", 1000), 2, 12288, 1, 4096);
	cr_assert_eq(row(n, "/u", 1000)->owner_gid, 1000);
	dbf_counts_free(n);
	dbf_counters_free(c);
}

Test(counters, scan_export_takes_the_first_holder)
{
	struct dbf_counters *c = dbf_counters_new(4);
	struct dbf_counts *n;

	/* A scan's export knows no process; its holds follow in the same diff. */
	scan(c, ev(DBF_EV_EXPORT, 9, 4096, 0, 0, NULL, 0));
	scan(c, ev(DBF_EV_HOLD, 9, 4096, 129, 1000, "/a b", 0));
	scan(c, ev(DBF_EV_HOLD, 9, 4096, 130, 1001, "/c", 0));
	/* Held by nobody: a driver keeps it. */
	scan(c, ev(DBF_EV_EXPORT, 11, 65536, 0, 0, NULL, 0));
	cr_assert_eq(dbf_counters_flush(c, NULL), 0);
	n = dbf_counters_freeze(c);
	cr_assert_eq(n->ncgroups, 2);
	assert_count(row(n, "/a b", 1000), 1, 4096, 0, 0);
	assert_count(row(n, DBF_COUNT_UNKNOWN, 0), 1, 65536, 0, 0);
	cr_assert_null(row(n, "/c", 1001));
	dbf_counts_free(n);
	/* Its release counts there too, after the flush. */
	scan(c, ev(DBF_EV_RELEASE, 9, 4096, 0, 0, NULL, 900));
	n = dbf_counters_freeze(c);
	assert_count(row(n, "/a b", 1000), 1, 4096, 1, 4096);
	assert_count(&n->exporters[0], 2, 69632, 1, 4096);
	dbf_counts_free(n);
	dbf_counters_free(c);
}

Test(counters, exported_before_counting)
{
	const struct buf bufs[] = { { 6, 8192, NULL, { NULL }, { { 0 } } } };
	struct dbf_snapshot *cur = world_at(bufs, 1, NULL, true, T0);
	struct dbf_counters *c = dbf_counters_new(4);
	struct dbf_event e = ev(DBF_EV_RELEASE, 6, 8192, 0, 0, NULL, 10);
	struct dbf_counts *n;

	/* The scan saw 5 go; the trace 6, which the last snapshot showed. */
	scan(c, ev(DBF_EV_RELEASE, 5, 4096, 0, 0, NULL, 0));
	cr_assert_eq(dbf_counters_trace(c, cur, &e), 0);
	/* Neither told 7 alive: its release is nobody's news. */
	e.ino = 7;
	cr_assert_eq(dbf_counters_trace(c, cur, &e), 0);
	n = dbf_counters_freeze(c);
	assert_count(&n->exporters[0], 0, 0, 2, 12288);
	assert_count(row(n, DBF_COUNT_UNKNOWN, 0), 0, 0, 2, 12288);
	dbf_counts_free(n);
	dbf_counters_free(c);
	dbf_snapshot_free(cur);
}

/* The trace and the scans see the same changes: each counts once. */
Test(counters, each_change_once)
{
	const struct buf shown[] = {
		{ 9, 4096, NULL, { NULL }, { { 0 } } },
		{ 10, 4096, NULL, { NULL }, { { 0 } } },
	};
	struct dbf_snapshot *s1 = world_at(shown, 2, NULL, true, AT(100));
	struct dbf_snapshot *s2 = world_at(NULL, 0, NULL, true, AT(300));
	struct dbf_counters *c = dbf_counters_new(4);
	struct dbf_counts *n;

	/* 9: traced, then the scan's export and hold of it */
	count(c, ev(DBF_EV_EXPORT, 9, 4096, 300, 1000, "/u", 10));
	scan(c, ev(DBF_EV_EXPORT, 9, 4096, 0, 0, NULL, 100));
	scan(c, ev(DBF_EV_HOLD, 9, 4096, 300, 1000, "/u", 100));
	/* 10: the scan first, then a late record, whose process it takes */
	scan(c, ev(DBF_EV_EXPORT, 10, 4096, 0, 0, NULL, 100));
	count(c, ev(DBF_EV_EXPORT, 10, 4096, 301, 1001, "/v", 50));
	cr_assert_eq(dbf_counters_flush(c, s1), 0);
	/* 9 and 10 freed, traced; the next scan shows 9 and 10 gone */
	count(c, ev(DBF_EV_RELEASE, 9, 4096, 0, 0, NULL, 150));
	count(c, ev(DBF_EV_RELEASE, 10, 4096, 0, 0, NULL, 160));
	count(c, ev(DBF_EV_RELEASE, 10, 4096, 0, 0, NULL, 160));
	scan(c, ev(DBF_EV_RELEASE, 9, 4096, 0, 0, NULL, 300));
	scan(c, ev(DBF_EV_RELEASE, 10, 4096, 0, 0, NULL, 300));
	cr_assert_eq(dbf_counters_flush(c, s2), 0);
	n = dbf_counters_freeze(c);
	assert_count(&n->exporters[0], 2, 8192, 2, 8192);
	assert_count(row(n, "/u", 1000), 1, 4096, 1, 4096);
	assert_count(row(n, "/v", 1001), 1, 4096, 1, 4096);
	cr_assert_null(row(n, DBF_COUNT_UNKNOWN, 0));
	dbf_counts_free(n);
	/* 11: exported and freed while a scan ran, which still listed it */
	count(c, ev(DBF_EV_EXPORT, 11, 4096, 300, 1000, "/u", 310));
	count(c, ev(DBF_EV_RELEASE, 11, 4096, 0, 0, NULL, 320));
	scan(c, ev(DBF_EV_EXPORT, 11, 4096, 0, 0, NULL, 300));
	scan(c, ev(DBF_EV_HOLD, 11, 4096, 300, 1000, "/u", 300));
	cr_assert_eq(dbf_counters_flush(c, s2), 0);
	n = dbf_counters_freeze(c);
	assert_count(&n->exporters[0], 3, 12288, 3, 12288);
	assert_count(row(n, "/u", 1000), 2, 8192, 2, 8192);
	cr_assert_null(row(n, DBF_COUNT_UNKNOWN, 0));
	dbf_counts_free(n);
	/* Forgotten by now: 9 again is a new buffer (inodes are reused). */
	count(c, ev(DBF_EV_EXPORT, 9, 4096, 300, 1000, "/u", 400));
	count(c, ev(DBF_EV_RELEASE, 9, 4096, 0, 0, NULL, 500));
	n = dbf_counters_freeze(c);
	assert_count(row(n, "/u", 1000), 3, 12288, 3, 12288);
	dbf_counts_free(n);
	dbf_counters_free(c);
	dbf_snapshot_free(s1);
	dbf_snapshot_free(s2);
}

Test(counters, bounded_rows)
{
	struct dbf_counters *c = dbf_counters_new(2);
	struct dbf_counts *n;

	count(c, ev(DBF_EV_EXPORT, 1, 100, 10, 1000, "/a", 0));
	count(c, ev(DBF_EV_EXPORT, 2, 200, 20, 1000, "/b", 1));
	count(c, ev(DBF_EV_RELEASE, 1, 100, 0, 0, NULL, 2));
	/* /a has nothing alive: /c takes its row, and /a's series ends. */
	count(c, ev(DBF_EV_EXPORT, 3, 300, 30, 1000, "/c", 3));
	/* /b and /c both hold buffers: /d goes to other, of its owner. */
	count(c, ev(DBF_EV_EXPORT, 4, 400, 40, 1001, "/d", 4));
	count(c, ev(DBF_EV_EXPORT, 5, 500, 50, 1001, "/e", 5));
	n = dbf_counters_freeze(c);
	cr_assert_null(row(n, "/a", 1000));
	assert_count(row(n, "/b", 1000), 1, 200, 0, 0);
	assert_count(row(n, "/c", 1000), 1, 300, 0, 0);
	assert_count(row(n, DBF_COUNT_OTHER, 1001), 2, 900, 0, 0);
	cr_assert_eq(n->ncgroups, 3);
	dbf_counts_free(n);
	/* A release counts where its export did, other included. */
	count(c, ev(DBF_EV_RELEASE, 4, 400, 0, 0, NULL, 6));
	n = dbf_counters_freeze(c);
	assert_count(row(n, DBF_COUNT_OTHER, 1001), 2, 900, 1, 400);
	dbf_counts_free(n);
	dbf_counters_free(c);
}

Test(counters, a_listing_forgets_what_it_lacks)
{
	const struct buf bufs[] = { { 7, 4096, NULL, { NULL }, { { 0 } } } };
	struct dbf_snapshot *snap = world_at(bufs, 1, NULL, true, AT(1100));
	struct dbf_counters *c = dbf_counters_new(4);
	struct dbf_counts *n;

	count(c, ev(DBF_EV_EXPORT, 7, 4096, 300, 1000, "/u", 10));
	count(c, ev(DBF_EV_EXPORT, 8, 4096, 300, 1000, "/u", 20));	/* its release was lost */
	/* Less than a second before the snapshot: maybe not listed yet. */
	count(c, ev(DBF_EV_EXPORT, 9, 4096, 300, 1000, "/u", 300));
	cr_assert_eq(dbf_counters_flush(c, snap), 0);
	/* As scans would tell them: 8's, forgotten, counts in "unknown". */
	scan(c, ev(DBF_EV_RELEASE, 7, 4096, 0, 0, NULL, 1200));
	scan(c, ev(DBF_EV_RELEASE, 8, 4096, 0, 0, NULL, 1200));
	scan(c, ev(DBF_EV_RELEASE, 9, 4096, 0, 0, NULL, 1200));
	n = dbf_counters_freeze(c);
	assert_count(row(n, "/u", 1000), 3, 12288, 2, 8192);
	assert_count(row(n, DBF_COUNT_UNKNOWN, 0), 0, 0, 1, 4096);
	dbf_counts_free(n);
	dbf_counters_free(c);
	dbf_snapshot_free(snap);
}

/* Many buffers, released in a scattered order: each finds its row. */
Test(counters, many_buffers)
{
	struct dbf_counters *c = dbf_counters_new(4);
	struct dbf_counts *n;

	for (uint64_t i = 1; i <= 5000; i++)
		count(c, ev(DBF_EV_EXPORT, i * 7919, 1, 10, 1000, i % 2 ? "/odd" : "/even", 0));
	for (uint64_t k = 0; k < 5000; k++) {
		uint64_t i = k * 2861 % 5000 + 1;	/* 2861 is prime to 5000 */

		count(c, ev(DBF_EV_RELEASE, i * 7919, 1, 0, 0, NULL, 1));
	}
	n = dbf_counters_freeze(c);
	assert_count(row(n, "/odd", 1000), 2500, 2500, 2500, 2500);
	assert_count(row(n, "/even", 1000), 2500, 2500, 2500, 2500);
	cr_assert_null(row(n, DBF_COUNT_UNKNOWN, 0));
	dbf_counts_free(n);
	dbf_counters_free(c);
}
