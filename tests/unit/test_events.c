// SPDX-License-Identifier: GPL-2.0-only
/* Events from two snapshots: each change once, in order, and their lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "helpers.h"

#define T "2026-12-06T13:21:42.500000000Z"

/* One snapshot of @bufs at the test's time T; see world_at(). */
static struct dbf_snapshot *world(const struct buf *bufs, size_t n, const pid_t *unreadable,
				  bool listing)
{
	return world_at(bufs, n, unreadable, listing, (struct timespec){ 1796563302, 500000000 });
}

struct lines {
	char *text;
	size_t len;
	FILE *f;
	bool json;
};

static int line(void *ctx, const struct dbf_event *ev)
{
	struct lines *l = ctx;

	return l->json ? dbf_event_json(l->f, ev) : dbf_event_text(l->f, ev);
}

/* The lines from @a to @b, checked against @want whole. */
static void expect(const struct dbf_snapshot *a, const struct dbf_snapshot *b, bool json,
		   const char *want)
{
	struct lines l = { .json = json };

	l.f = open_memstream(&l.text, &l.len);
	cr_assert(l.f);
	cr_assert_eq(dbf_events_diff(a, b, line, &l), 0);
	fclose(l.f);
	cr_assert_str_eq(l.text, want);
	free(l.text);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct buf camera[] = {
	{ 5, 1048576, "CAMERA", { NULL },
	  { { 129, 483, "camera", { 7, 9 }, 1 }, { 133, 498, "camera-child", { 7 }, 0 } } },
	{ 6, 131072, NULL, { NULL }, { { 0 } } },
};

Test(events, the_same_world_is_quiet)
{
	struct dbf_snapshot *a = world(camera, N(camera), NULL, true);
	struct dbf_snapshot *b = world(camera, N(camera), NULL, true);

	expect(a, b, false, "");
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

Test(events, export_then_each_hold)
{
	struct dbf_snapshot *a = world(NULL, 0, NULL, true);
	struct dbf_snapshot *b = world(camera, N(camera), NULL, true);

	expect(a, b, false,
	       T " export ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" source=scan\n"
	       T " hold ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" pid=129 comm=\"camera\" cgroup=/a\\040b fd=7 source=scan\n"
	       T " hold ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" pid=129 comm=\"camera\" cgroup=/a\\040b fd=9 source=scan\n"
	       T " hold ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" pid=129 comm=\"camera\" cgroup=/a\\040b map=1 source=scan\n"
	       T " hold ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" pid=133 comm=\"camera-child\" cgroup=/a\\040b fd=7 source=scan\n"
	       T " export ino=6 size=131072 exporter=\"drm\" name=- source=scan\n");
	/* and back: every drop before the release */
	expect(b, a, false,
	       T " drop ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" pid=129 comm=\"camera\" cgroup=/a\\040b fd=7 source=scan\n"
	       T " drop ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" pid=129 comm=\"camera\" cgroup=/a\\040b fd=9 source=scan\n"
	       T " drop ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" pid=129 comm=\"camera\" cgroup=/a\\040b map=1 source=scan\n"
	       T " drop ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" pid=133 comm=\"camera-child\" cgroup=/a\\040b fd=7 source=scan\n"
	       T " release ino=5 size=1048576 exporter=\"drm\" name=\"CAMERA\" source=scan\n"
	       T " release ino=6 size=131072 exporter=\"drm\" name=- source=scan\n");
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

Test(events, fds_and_mappings_one_by_one)
{
	static const struct buf before[] = {
		{ 5, 4096, "X", { NULL }, { { 129, 483, "camera", { 7, 9 }, 2 } } },
	};
	static const struct buf after[] = {
		{ 5, 4096, "X", { NULL }, { { 129, 483, "camera", { 8, 9, 11 }, 1 } } },
	};
	struct dbf_snapshot *a = world(before, 1, NULL, true);
	struct dbf_snapshot *b = world(after, 1, NULL, true);
	const char *p = " ino=5 size=4096 exporter=\"drm\" name=\"X\" pid=129 comm=\"camera\" cgroup=/a\\040b";

	char *want;

	cr_assert(asprintf(&want,
			   T " drop%s fd=7 source=scan\n" T " hold%s fd=8 source=scan\n"
			   T " hold%s fd=11 source=scan\n" T " drop%s map=1 source=scan\n",
			   p, p, p, p) > 0);
	expect(a, b, false, want);
	free(want);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/* A pid that came back as another process: the old one dropped all, the new one holds. */
Test(events, a_reused_pid_is_another_process)
{
	static const struct buf before[] = {
		{ 5, 4096, "X", { NULL }, { { 129, 483, "old", { 7 }, 0 } } },
	};
	static const struct buf after[] = {
		{ 5, 4096, "X", { NULL }, { { 129, 9000, "new", { 7 }, 0 } } },
	};
	struct dbf_snapshot *a = world(before, 1, NULL, true);
	struct dbf_snapshot *b = world(after, 1, NULL, true);

	expect(a, b, false,
	       T " drop ino=5 size=4096 exporter=\"drm\" name=\"X\" pid=129 comm=\"old\" cgroup=/a\\040b fd=7 source=scan\n"
	       T " hold ino=5 size=4096 exporter=\"drm\" name=\"X\" pid=129 comm=\"new\" cgroup=/a\\040b fd=7 source=scan\n");
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

Test(events, renames_escaped_and_devices_as_a_multiset)
{
	static const struct buf before[] = {
		{ 5, 4096, NULL, { "vgem", "gpu" }, { { 0 } } },
		{ 6, 4096, "a\"b", { "vgem" }, { { 0 } } },
	};
	static const struct buf after[] = {
		{ 5, 4096, "new\nline", { "vgem", "vgem", "isp" }, { { 0 } } },
		{ 6, 4096, NULL, { NULL }, { { 0 } } },
	};
	struct dbf_snapshot *a = world(before, 2, NULL, true);
	struct dbf_snapshot *b = world(after, 2, NULL, true);

	expect(a, b, false,
	       T " rename ino=5 size=4096 exporter=\"drm\" name=\"new\\012line\" old_name=- source=scan\n"
	       T " detach ino=5 size=4096 exporter=\"drm\" name=\"new\\012line\" device=\"gpu\" source=scan\n"
	       T " attach ino=5 size=4096 exporter=\"drm\" name=\"new\\012line\" device=\"vgem\" source=scan\n"
	       T " attach ino=5 size=4096 exporter=\"drm\" name=\"new\\012line\" device=\"isp\" source=scan\n"
	       T " rename ino=6 size=4096 exporter=\"drm\" name=- old_name=\"a\\042b\" source=scan\n"
	       T " detach ino=6 size=4096 exporter=\"drm\" name=- device=\"vgem\" source=scan\n");
	expect(a, b, true,
	       "{\"time\":\"" T "\",\"event\":\"rename\",\"ino\":5,\"size\":4096,\"exporter\":\"drm\",\"name\":\"new\\u000Aline\",\"source\":\"scan\",\"old_name\":null}\n"
	       "{\"time\":\"" T "\",\"event\":\"detach\",\"ino\":5,\"size\":4096,\"exporter\":\"drm\",\"name\":\"new\\u000Aline\",\"source\":\"scan\",\"device\":\"gpu\"}\n"
	       "{\"time\":\"" T "\",\"event\":\"attach\",\"ino\":5,\"size\":4096,\"exporter\":\"drm\",\"name\":\"new\\u000Aline\",\"source\":\"scan\",\"device\":\"vgem\"}\n"
	       "{\"time\":\"" T "\",\"event\":\"attach\",\"ino\":5,\"size\":4096,\"exporter\":\"drm\",\"name\":\"new\\u000Aline\",\"source\":\"scan\",\"device\":\"isp\"}\n"
	       "{\"time\":\"" T "\",\"event\":\"rename\",\"ino\":6,\"size\":4096,\"exporter\":\"drm\",\"name\":null,\"source\":\"scan\",\"old_name\":\"a\\\"b\"}\n"
	       "{\"time\":\"" T "\",\"event\":\"detach\",\"ino\":6,\"size\":4096,\"exporter\":\"drm\",\"name\":null,\"source\":\"scan\",\"device\":\"vgem\"}\n");
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/* A new buffer's attachments after its holds; a freed one's detachments before its release. */
Test(events, attached_at_export_detached_at_release)
{
	static const struct buf attached[] = {
		{ 5, 4096, "X", { "vgem", "isp", "vgem" }, { { 129, 483, "camera", { 7 }, 0 } } },
	};
	struct dbf_snapshot *a = world(NULL, 0, NULL, true);
	struct dbf_snapshot *b = world(attached, 1, NULL, true);
	const char *p = " ino=5 size=4096 exporter=\"drm\" name=\"X\"";
	char *want;

	cr_assert(asprintf(&want,
			   T " export%s source=scan\n"
			   T " hold%s pid=129 comm=\"camera\" cgroup=/a\\040b fd=7 source=scan\n"
			   T " attach%s device=\"vgem\" source=scan\n"
			   T " attach%s device=\"isp\" source=scan\n"
			   T " attach%s device=\"vgem\" source=scan\n", p, p, p, p, p) > 0);
	expect(a, b, false, want);
	free(want);
	cr_assert(asprintf(&want,
			   T " drop%s pid=129 comm=\"camera\" cgroup=/a\\040b fd=7 source=scan\n"
			   T " detach%s device=\"vgem\" source=scan\n"
			   T " detach%s device=\"isp\" source=scan\n"
			   T " detach%s device=\"vgem\" source=scan\n"
			   T " release%s source=scan\n", p, p, p, p, p) > 0);
	expect(b, a, false, want);
	free(want);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

Test(events, json_holds)
{
	struct dbf_snapshot *a = world(NULL, 0, NULL, true);
	struct dbf_snapshot *b = world(camera, 1, NULL, true);

	expect(a, b, true,
	       "{\"time\":\"" T "\",\"event\":\"export\",\"ino\":5,\"size\":1048576,\"exporter\":\"drm\",\"name\":\"CAMERA\",\"source\":\"scan\"}\n"
	       "{\"time\":\"" T "\",\"event\":\"hold\",\"ino\":5,\"size\":1048576,\"exporter\":\"drm\",\"name\":\"CAMERA\",\"source\":\"scan\",\"pid\":129,\"comm\":\"camera\",\"cgroup\":\"/a b\",\"fd\":7}\n"
	       "{\"time\":\"" T "\",\"event\":\"hold\",\"ino\":5,\"size\":1048576,\"exporter\":\"drm\",\"name\":\"CAMERA\",\"source\":\"scan\",\"pid\":129,\"comm\":\"camera\",\"cgroup\":\"/a b\",\"fd\":9}\n"
	       "{\"time\":\"" T "\",\"event\":\"hold\",\"ino\":5,\"size\":1048576,\"exporter\":\"drm\",\"name\":\"CAMERA\",\"source\":\"scan\",\"pid\":129,\"comm\":\"camera\",\"cgroup\":\"/a b\",\"map\":true}\n"
	       "{\"time\":\"" T "\",\"event\":\"hold\",\"ino\":5,\"size\":1048576,\"exporter\":\"drm\",\"name\":\"CAMERA\",\"source\":\"scan\",\"pid\":133,\"comm\":\"camera-child\",\"cgroup\":\"/a b\",\"fd\":7}\n");
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}

/* What a snapshot could not see is no change. */
Test(events, blind_spots_are_not_changes)
{
	static const pid_t p129[] = { 129, 0 };
	struct dbf_snapshot *a = world(camera, N(camera), NULL, true);
	/* camera unreadable now; debugfs gone: buffer 6, held by nobody, unseen */
	static const struct buf after[] = {
		{ 5, 1048576, "CAMERA", { NULL }, { { 133, 498, "camera-child", { 7 }, 0 } } },
	};
	struct dbf_snapshot *b = world(after, 1, p129, false);

	expect(a, b, false, "");
	expect(b, a, false, "");
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
}
