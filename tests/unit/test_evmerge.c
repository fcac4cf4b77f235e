// SPDX-License-Identifier: GPL-2.0-only
/* Traced events and scan differences merged: each change told once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evmerge.h"
#include "helpers.h"

/* Snapshots at :00.5 and :01.5; traced events in between or after. */
#define T0 ((struct timespec){ 1796563302, 500000000 })
#define T1 ((struct timespec){ 1796563303, 500000000 })
#define AT(ms) ((struct timespec){ 1796563302 + (500 + (ms)) / 1000, (500 + (ms)) % 1000 * 1000000 })
#define S0 "2026-12-06T13:21:42.500000000Z"
#define S1 "2026-12-06T13:21:43.500000000Z"

struct out {
	char *text;
	size_t len;
	FILE *f;
};

static int line(void *ctx, const struct dbf_event *ev)
{
	return dbf_event_text(((struct out *)ctx)->f, ev);
}

static void out_open(struct out *o)
{
	o->f = open_memstream(&o->text, &o->len);
	cr_assert(o->f);
}

static void out_check(struct out *o, const char *want)
{
	fclose(o->f);
	cr_assert_str_eq(o->text, want);
	free(o->text);
	out_open(o);
}

/* A traced event by pid 300 ("exporter", uid 1000) on a 4096-byte "drm" buffer. */
static struct dbf_event traced(unsigned int kind, uint64_t ino, int ms, int fd)
{
	return (struct dbf_event){
		.time = AT(ms),
		.kind = kind,
		.source = DBF_EVS_TRACE,
		.ino = ino,
		.size = 4096,
		.exporter = { "drm", 3 },
		.pid = kind == DBF_EV_RELEASE ? 0 : 300,
		.owner = 1000,
		.owner_gid = 1000,
		.comm = kind == DBF_EV_RELEASE ? NULL : "exporter",
		.cgroup = { "/u", 2 },
		.fd = fd,
		.map = fd == -2,
	};
}

#define P300 " pid=300 comm=\"exporter\" cgroup=/u"
#define P129 " pid=129 comm=\"camera\" cgroup=/a\\040b"
#define B(ino) " ino=" #ino " size=4096 exporter=\"drm\""

static const struct buf before[] = {
	{ 5, 4096, "CAMERA", { NULL }, { { 129, 483, "camera", { 7 }, 1 } } },
};

/* before, and 9 exported by pid 300, which holds it by fd 4 */
static const struct buf exported[] = {
	{ 5, 4096, "CAMERA", { NULL }, { { 129, 483, "camera", { 7 }, 1 } } },
	{ 9, 4096, NULL, { NULL }, { { 300, 77, "exporter", { 4 }, 0 } } },
};

Test(evmerge, nothing_before_the_first_snapshot)
{
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event e = traced(DBF_EV_EXPORT, 9, 100, -1);
	struct out o;

	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, NULL, &e, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_pending(m), 0);
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
}

/* Export and first fd traced, then a scan that shows both: told once, by the trace. */
Test(evmerge, the_scan_does_not_repeat_the_trace)
{
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(exported, 2, NULL, true, T1);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event ex = traced(DBF_EV_EXPORT, 9, 100, -1);
	struct dbf_event fd = traced(DBF_EV_HOLD, 9, 101, 4);
	struct out o;

	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, a, &ex, line, &o), 0);
	cr_assert_eq(dbf_evmerge_trace(m, a, &fd, line, &o), 0);
	/* The same again (two attach points, one change): no line. */
	cr_assert_eq(dbf_evmerge_trace(m, a, &fd, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:42.600000000Z export" B(9) " name=-" P300 " source=trace\n"
		      "2026-12-06T13:21:42.601000000Z hold" B(9) " name=-" P300 " fd=4 source=trace\n");
	cr_assert_eq(dbf_evmerge_pending(m), 2);
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_pending(m), 0);
	/* Traced again after the snapshot showed it: the snapshot told it. */
	cr_assert_eq(dbf_evmerge_trace(m, b, &fd, line, &o), 0);
	out_check(&o, "");
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/* An observer gets the whole diff, what the trace told included. */
Test(evmerge, the_observer_sees_every_change_of_the_diff)
{
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(exported, 2, NULL, true, T1);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event ex = traced(DBF_EV_EXPORT, 9, 100, -1);
	struct out o, seen;

	out_open(&o);
	out_open(&seen);
	dbf_evmerge_observe(m, line, &seen);
	cr_assert_eq(dbf_evmerge_trace(m, a, &ex, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:42.600000000Z export" B(9) " name=-" P300 " source=trace\n");
	/* traced events are not the diff's */
	out_check(&seen, "");
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, S1 " hold" B(9) " name=-" " pid=300 comm=\"exporter\" cgroup=/a\\040b fd=4 source=scan\n");
	out_check(&seen, S1 " export" B(9) " name=- source=scan\n"
			 S1 " hold" B(9) " name=-" " pid=300 comm=\"exporter\" cgroup=/a\\040b fd=4 source=scan\n");
	fclose(o.f);
	free(o.text);
	fclose(seen.f);
	free(seen.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/*
 * The exporter passed its fd on (SCM_RIGHTS) and closed it before the
 * scan: the scan tells the receiver's hold, and the exporter's drop.
 */
Test(evmerge, a_traced_fd_closed_before_the_scan_is_dropped_by_it)
{
	static const struct buf after[] = {
		{ 5, 4096, "CAMERA", { NULL }, { { 129, 483, "camera", { 7 }, 1 } } },
		{ 9, 4096, NULL, { NULL }, { { 400, 88, "consumer", { 6 }, 0 } } },
	};
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(after, 2, NULL, true, T1);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event ex = traced(DBF_EV_EXPORT, 9, 100, -1);
	struct dbf_event fd = traced(DBF_EV_HOLD, 9, 101, 4);
	struct out o;

	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, a, &ex, line, &o), 0);
	cr_assert_eq(dbf_evmerge_trace(m, a, &fd, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:42.600000000Z export" B(9) " name=-" P300 " source=trace\n"
		      "2026-12-06T13:21:42.601000000Z hold" B(9) " name=-" P300 " fd=4 source=trace\n");
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, S1 " hold" B(9) " name=- pid=400 comm=\"consumer\" cgroup=/a\\040b fd=6 source=scan\n"
		      S1 " drop" B(9) " name=-" P300 " fd=4 source=scan\n");
	cr_assert_eq(dbf_evmerge_pending(m), 0);
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/* A traced release drops every fd and mapping still told as held, first. */
Test(evmerge, a_release_drops_what_was_held_first)
{
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(NULL, 0, NULL, true, T1);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event rel = traced(DBF_EV_RELEASE, 5, 200, -1);
	struct out o;

	rel.name = (struct dbf_str){ "CAMERA", 6 };
	rel.has_name = true;
	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, a, &rel, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:42.700000000Z drop" B(5) " name=\"CAMERA\"" P129 " fd=7 source=trace\n"
		      "2026-12-06T13:21:42.700000000Z drop" B(5) " name=\"CAMERA\"" P129 " map=1 source=trace\n"
		      "2026-12-06T13:21:42.700000000Z release" B(5) " name=\"CAMERA\" source=trace\n");
	/* Twice (the dentry and the file): once. */
	cr_assert_eq(dbf_evmerge_trace(m, a, &rel, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, "");
	/* A release the scan told already is not told again. */
	rel.time = AT(1100);
	cr_assert_eq(dbf_evmerge_trace(m, b, &rel, line, &o), 0);
	out_check(&o, "");
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/* A rename without the old name gets it from what was told; two renames, one scan. */
Test(evmerge, renames_take_the_old_name_from_the_story_so_far)
{
	static const struct buf after[] = {
		{ 5, 4096, "C", { NULL }, { { 129, 483, "camera", { 7 }, 1 } } },
	};
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(after, 1, NULL, true, T1);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event r1 = traced(DBF_EV_RENAME, 5, 100, -1);
	struct dbf_event r2 = traced(DBF_EV_RENAME, 5, 150, -1);
	struct out o;

	r1.name = (struct dbf_str){ "B", 1 };
	r1.has_name = true;
	r2.name = (struct dbf_str){ "C", 1 };
	r2.has_name = true;
	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, a, &r1, line, &o), 0);
	cr_assert_eq(dbf_evmerge_trace(m, a, &r2, line, &o), 0);
	/* The same name again changes nothing. */
	cr_assert_eq(dbf_evmerge_trace(m, a, &r2, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:42.600000000Z rename" B(5) " name=\"B\" old_name=\"CAMERA\"" P300 " source=trace\n"
		      "2026-12-06T13:21:42.650000000Z rename" B(5) " name=\"C\" old_name=\"B\"" P300 " source=trace\n");
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_pending(m), 0);
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/* What the trace told after a snapshot was taken waits for the next one. */
Test(evmerge, facts_after_the_snapshot_wait_for_the_next)
{
	static const struct buf after[] = {
		{ 5, 4096, "CAMERA", { NULL }, { { 129, 483, "camera", { 7 }, 1 } } },
		{ 9, 4096, NULL, { NULL }, { { 300, 77, "exporter", { 4 }, 1 } } },
	};
	struct timespec t2 = { 1796563304, 500000000 };
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(before, 1, NULL, true, T1);
	struct dbf_snapshot *c = world_at(after, 2, NULL, true, t2);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event ex = traced(DBF_EV_EXPORT, 9, 1200, -1);
	struct dbf_event fd = traced(DBF_EV_HOLD, 9, 1201, 4);
	struct dbf_event map = traced(DBF_EV_HOLD, 9, 1202, -2);
	struct dbf_event late = traced(DBF_EV_HOLD, 5, -100, -2);
	struct out o;

	map.fd = -1;
	late.fd = -1;
	out_open(&o);
	/* A mapping traced before the snapshot was taken: the scan told it. */
	cr_assert_eq(dbf_evmerge_trace(m, a, &late, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_trace(m, a, &ex, line, &o), 0);
	cr_assert_eq(dbf_evmerge_trace(m, a, &fd, line, &o), 0);
	cr_assert_eq(dbf_evmerge_trace(m, a, &map, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:43.700000000Z export" B(9) " name=-" P300 " source=trace\n"
		      "2026-12-06T13:21:43.701000000Z hold" B(9) " name=-" P300 " fd=4 source=trace\n"
		      "2026-12-06T13:21:43.702000000Z hold" B(9) " name=-" P300 " map=1 source=trace\n");
	/* b was taken before them: no drop, no second export later. */
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_pending(m), 3);
	cr_assert_eq(dbf_evmerge_scan(m, b, c, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_pending(m), 0);
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
	dbf_snapshot_free(c);
}

/* An attachment traced and gone before the scan: the scan tells the detach. */
Test(evmerge, attach_and_detach)
{
	static const struct buf gpu[] = {
		{ 5, 4096, "CAMERA", { "gpu" }, { { 129, 483, "camera", { 7 }, 1 } } },
	};
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(gpu, 1, NULL, true, T1);
	struct dbf_snapshot *c = world_at(before, 1, NULL, true, (struct timespec){ 1796563304, 0 });
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event at = traced(DBF_EV_ATTACH, 5, 100, -1);
	struct dbf_event at2 = traced(DBF_EV_ATTACH, 5, 1100, -1);
	struct out o;

	at.device = (struct dbf_str){ "gpu", 3 };
	at.name = (struct dbf_str){ "CAMERA", 6 };
	at.has_name = true;
	at2.device = at.device;
	at2.name = at.name;
	at2.has_name = true;
	at2.device = (struct dbf_str){ "vpu", 3 };
	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, a, &at, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:42.600000000Z attach" B(5) " name=\"CAMERA\"" P300 " device=\"gpu\" source=trace\n");
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_trace(m, b, &at2, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:43.600000000Z attach" B(5) " name=\"CAMERA\"" P300 " device=\"vpu\" source=trace\n");
	/* c: neither is attached any more. */
	cr_assert_eq(dbf_evmerge_scan(m, b, c, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:44.000000000Z detach" B(5) " name=\"CAMERA\" device=\"gpu\" source=scan\n"
		      "2026-12-06T13:21:44.000000000Z detach" B(5) " name=\"CAMERA\"" P300 " device=\"vpu\" source=scan\n");
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
	dbf_snapshot_free(c);
}

/*
 * A scan reads a process's maps some time after it starts: it can show a
 * mapping whose traced event, dated after the snapshot, comes later. That
 * event is the scan's hold again; a second mapping is news.
 */
Test(evmerge, a_late_trace_of_a_mapping_the_scan_told)
{
	static const struct buf mapped[] = {
		{ 5, 4096, "CAMERA", { NULL }, { { 129, 483, "camera", { 7 }, 2 } } },
	};
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(mapped, 1, NULL, true, T1);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event map = traced(DBF_EV_HOLD, 5, 1010, -2);
	struct out o;

	map.fd = -1;
	map.pid = 129;
	map.comm = "camera";
	map.name = (struct dbf_str){ "CAMERA", 6 };
	map.has_name = true;
	out_open(&o);
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, S1 " hold" B(5) " name=\"CAMERA\"" P129 " map=1 source=scan\n");
	cr_assert_eq(dbf_evmerge_trace(m, b, &map, line, &o), 0);
	out_check(&o, "");
	cr_assert_eq(dbf_evmerge_trace(m, b, &map, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:43.510000000Z hold" B(5) " name=\"CAMERA\" pid=129 comm=\"camera\" cgroup=/u map=1 source=trace\n");
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/*
 * A release is traced as it starts, while debugfs still lists the
 * buffer: a snapshot taken right then still shows it, and the scan after
 * tells nothing again.
 */
Test(evmerge, a_snapshot_taken_mid_release)
{
	struct timespec t2 = { 1796563304, 500000000 };
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(before, 1, NULL, true, T1);
	struct dbf_snapshot *c = world_at(NULL, 0, NULL, true, t2);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event rel = traced(DBF_EV_RELEASE, 5, 900, -1);
	struct out o;

	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, a, &rel, line, &o), 0);
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	cr_assert_eq(dbf_evmerge_pending(m), 3);
	cr_assert_eq(dbf_evmerge_scan(m, b, c, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:43.400000000Z drop" B(5) " name=-" P129 " fd=7 source=trace\n"
		      "2026-12-06T13:21:43.400000000Z drop" B(5) " name=-" P129 " map=1 source=trace\n"
		      "2026-12-06T13:21:43.400000000Z release" B(5) " name=- source=trace\n");
	cr_assert_eq(dbf_evmerge_pending(m), 0);
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
	dbf_snapshot_free(c);
}

/*
 * A traced export, then a name set before the next scan whose traced
 * rename comes after it: the scan tells the rename, the trace's is no
 * news.
 */
Test(evmerge, named_after_a_traced_export)
{
	static const struct buf named[] = {
		{ 5, 4096, "CAMERA", { NULL }, { { 129, 483, "camera", { 7 }, 1 } } },
		{ 9, 4096, "CAM", { NULL }, { { 300, 77, "exporter", { 4 }, 0 } } },
	};
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	struct dbf_snapshot *b = world_at(named, 2, NULL, true, T1);
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event ex = traced(DBF_EV_EXPORT, 9, 100, -1);
	struct dbf_event rn = traced(DBF_EV_RENAME, 9, 200, -1);
	struct out o;

	rn.name = (struct dbf_str){ "CAM", 3 };
	rn.has_name = true;
	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, a, &ex, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:42.600000000Z export" B(9) " name=-" P300 " source=trace\n");
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, S1 " rename" B(9) " name=\"CAM\" old_name=- source=scan\n"
		      S1 " hold" B(9) " name=\"CAM\" pid=300 comm=\"exporter\" cgroup=/a\\040b fd=4 source=scan\n");
	cr_assert_eq(dbf_evmerge_trace(m, b, &rn, line, &o), 0);
	out_check(&o, "");
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/*
 * Exported and named while a scan ran: the scan listed the buffer before
 * its name was set, and the trace told both before the snapshot came. The
 * name the snapshot lacks is not a rename back to none; the next
 * snapshot shows the name, and that is no news either.
 */
Test(evmerge, named_while_the_scan_ran)
{
	static const struct buf unnamed[] = {
		{ 5, 4096, "CAMERA", { NULL }, { { 129, 483, "camera", { 7 }, 1 } } },
		{ 9, 4096, NULL, { NULL }, { { 300, 77, "exporter", { 4 }, 0 } } },
	};
	static const struct buf named[] = {
		{ 5, 4096, "CAMERA", { NULL }, { { 129, 483, "camera", { 7 }, 1 } } },
		{ 9, 4096, "CAM", { NULL }, { { 300, 77, "exporter", { 4 }, 0 } } },
	};
	struct dbf_snapshot *a = world_at(before, 1, NULL, true, T0);
	/* taken at :01.5; export and name at :01.502 and :01.503, during it */
	struct dbf_snapshot *b = world_at(unnamed, 2, NULL, true, T1);
	struct dbf_snapshot *c = world_at(named, 2, NULL, true, AT(2000));
	struct dbf_evmerge *m = dbf_evmerge_new();
	struct dbf_event ex = traced(DBF_EV_EXPORT, 9, 1002, -1);
	struct dbf_event rn = traced(DBF_EV_RENAME, 9, 1003, -1);
	struct out o;

	rn.name = (struct dbf_str){ "CAM", 3 };
	rn.has_name = true;
	out_open(&o);
	cr_assert_eq(dbf_evmerge_trace(m, a, &ex, line, &o), 0);
	cr_assert_eq(dbf_evmerge_trace(m, a, &rn, line, &o), 0);
	out_check(&o, "2026-12-06T13:21:43.502000000Z export" B(9) " name=-" P300 " source=trace\n"
		      "2026-12-06T13:21:43.503000000Z rename" B(9) " name=\"CAM\" old_name=-" P300 " source=trace\n");
	cr_assert_eq(dbf_evmerge_scan(m, a, b, line, &o), 0);
	out_check(&o, S1 " hold" B(9) " name=- pid=300 comm=\"exporter\" cgroup=/a\\040b fd=4 source=scan\n");
	cr_assert_eq(dbf_evmerge_scan(m, b, c, line, &o), 0);
	out_check(&o, "");
	fclose(o.f);
	free(o.text);
	dbf_evmerge_free(m);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
	dbf_snapshot_free(c);
}
