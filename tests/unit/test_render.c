// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuse/render/metrics.c and svg.c over trees of the vgem capture, whose
 * truth (cgroup files included: 93 has none) is in
 * tests/fixtures/README.md: every series, exactly; the bound on
 * processes, names and cgroups; what a user sees; hostile label values;
 * the [cgroups] rows they share with the summary; the treemap's
 * rectangles and their areas.
 */
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "builder.h"
#include "counters.h"
#include "helpers.h"
#include "labels.h"
#include "metrics.h"
#include "svg.h"
#include "tree.h"

static struct dbf_str S(const char *s)
{
	return (struct dbf_str){ s, (uint32_t)strlen(s) };
}

/* A capture scanned with the dma-buf device its maps were taken with. */
static struct dbf_snapshot *scan_capture(const char *tree)
{
	char proc[4096], dbg[4096];
	struct dbf_scan_opts o = {
		.proc_root = proc, .debugfs_root = dbg, .sysfs_root = NO_SUCH_DIR,
		.dmabuf_dev = makedev(0, 10), .dev_src = DBF_DEV_OPTION,
	};
	struct dbf_snapshot *s = NULL;

	snprintf(proc, sizeof(proc), "%s/%s/proc", FIXTURES_DIR, tree);
	snprintf(dbg, sizeof(dbg), "%s/%s/debug", FIXTURES_DIR, tree);
	cr_assert_eq(dbf_scan(&o, NULL, &s), 0);
	/* the scan's own times vary: fix them */
	s->taken = (struct timespec){ 1700000000, 250000000 };
	s->scan_ns = 2500000;
	return s;
}

static void set_cgroup(struct dbf_snapshot *s, pid_t pid, const char *path)
{
	struct dbf_proc *p = (struct dbf_proc *)must_proc(s, pid);

	p->cgroup = path ? S(path) : (struct dbf_str){ NULL, 0 };
}

static struct dbf_snapshot *vgem(void)
{
	return scan_capture("linux-6.1-vgem");
}

/* The vgem capture with 92 and 93 owned by uid 1000, the rest by root. */
static struct dbf_snapshot *vgem_of_1000(void)
{
	struct dbf_snapshot *s = vgem();

	for (size_t i = 0; i < s->nprocs; i++) {
		if (s->procs[i].pid == 92 || s->procs[i].pid == 93) {
			s->procs[i].owner = 1000;
			s->procs[i].owner_gid = 1000;
		}
	}
	return s;
}

/* The view over @s, which it takes; ids come from an interner of its own. */
static struct dbf_tree *tree_of(struct dbf_snapshot *s)
{
	struct dbf_interner *in = dbf_interner_new();
	struct dbf_tree *t;

	cr_assert_not_null(in);
	cr_assert_eq(dbf_tree_build(s, in, NULL, 0, 0, false, DBF_METRICS_TOP_DEFAULT, &t), 0);
	/* only a build uses it */
	dbf_interner_free(in);
	return t;
}

static char *render(const struct dbf_tree *v, struct dbf_caller c,
		    unsigned int top)
{
	struct dbf_metrics_opts o = {
		.top = top, .now = { 1700000001, 750000000 },
	};
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	cr_assert(f);
	cr_assert_eq(dbf_metrics_render(v, &c, &o, f), 0);
	cr_assert_eq(fclose(f), 0);
	return text;
}

/* The lines of @text that start with @prefix, joined by '\n'. */
static char *grep(const char *text, const char *prefix)
{
	char *out = calloc(1, strlen(text) + 1);
	size_t n = strlen(prefix);

	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);

		if (len >= n && !strncmp(l, prefix, n) && (l[n] == '{' || l[n] == ' ')) {
			strncat(out, l, len);
			strcat(out, "\n");
		}
		l += len + (e ? 1 : 0);
	}
	return out;
}

/*
 * Every line is a descriptor, a sample of ours or the last "# EOF": no
 * value made a line of its own.
 */
static void assert_lines(const char *text)
{
	size_t lines = 0, eof = 0;

	for (const char *l = text; *l; lines++) {
		const char *e = strchr(l, '\n');

		cr_assert(e, "the last line has no newline");
		cr_assert(!strncmp(l, "# HELP dmabuf_", 14) || !strncmp(l, "# TYPE dmabuf_", 14) ||
			  !strncmp(l, "# UNIT dmabuf_", 14) || !strncmp(l, "dmabuf_", 7) ||
			  (!strncmp(l, "# EOF\n", 6) && !e[1]),
			  "line %zu: %.*s", lines, (int)(e - l), l);
		eof += !strncmp(l, "# EOF", 5);
		l = e + 1;
	}
	cr_assert_eq(eof, 1);
}

#define assert_series(text, metric, want)                                      \
	do {                                                                   \
		char *got_ = grep(text, metric);                               \
		cr_assert_str_eq(got_, want, "%s:\n%s", metric, got_);         \
		free(got_);                                                    \
	} while (0)

Test(metrics, vgem_totals)
{
	struct dbf_tree *v = tree_of(vgem());
	char *t = render(v, DBF_CALLER_ROOT, 20);

	assert_series(t, "dmabuf_buffers", "dmabuf_buffers{exporter=\"drm\"} 15\n");
	assert_series(t, "dmabuf_bytes", "dmabuf_bytes{exporter=\"drm\"} 5701632\n");
	/* KERNELONLY, 128 KiB */
	assert_series(t, "dmabuf_held_by_nobody_buffers", "dmabuf_held_by_nobody_buffers 1\n");
	assert_series(t, "dmabuf_held_by_nobody_bytes", "dmabuf_held_by_nobody_bytes 131072\n");
	assert_series(t, "dmabuf_processes", "dmabuf_processes 5\n");
	assert_series(t, "dmabuf_processes_scanned", "dmabuf_processes_scanned 8\n");
	assert_series(t, "dmabuf_processes_unreadable", "dmabuf_processes_unreadable 0\n");
	assert_series(t, "dmabuf_anon_fds", "dmabuf_anon_fds 0\n");
	assert_series(t, "dmabuf_anon_mappings", "dmabuf_anon_mappings 0\n");
	assert_series(t, "dmabuf_scan_duration_seconds", "dmabuf_scan_duration_seconds 0.002500\n");
	assert_series(t, "dmabuf_snapshot_age_seconds", "dmabuf_snapshot_age_seconds 1.500\n");
	assert_series(t, "dmabuf_snapshot_timestamp_seconds",
		      "dmabuf_snapshot_timestamp_seconds 1700000000.250\n");
	assert_series(t, "dmabuf_source_up",
		      "dmabuf_source_up{source=\"procfs\"} 1\n"
		      "dmabuf_source_up{source=\"debugfs\"} 1\n"
		      "dmabuf_source_up{source=\"sysfs\"} 0\n");
	assert_series(t, "dmabuf_attachments_source_up",
		      "dmabuf_attachments_source_up{source=\"debugfs\"} 1\n"
		      "dmabuf_attachments_source_up{source=\"fdinfo\"} 0\n");
	assert_series(t, "dmabuf_scanner_info", "dmabuf_scanner_info{scanner=\"procfs\"} 1\n");
	/* no buffer has an attached device in this capture: no such series */
	assert_series(t, "dmabuf_device_buffers", "");
	/* the file ends the way OpenMetrics asks */
	cr_assert_str_eq(t + strlen(t) - 6, "# EOF\n");
	assert_lines(t);
	/*
	 * 16 totals, 2 by exporter, 2 x 14 by name, 3 x 11 by cgroup (nine
	 * paths, unknown, other), 7 cgroup shares (three paths, unknown,
	 * other, nobody, hidden), 2 device shares, 5 x 6 by process
	 */
	size_t samples = 0;

	for (const char *l = t; (l = strchr(l, '\n')); l++)
		samples += l[1] == 'd';
	cr_assert_eq(samples + (t[0] == 'd'), 118);
	free(t);
	dbf_tree_free(v);
}

Test(metrics, vgem_names)
{
	struct dbf_tree *v = tree_of(vgem());
	char *t = render(v, DBF_CALLER_ROOT, 20);

	/* byte order; a newline or a tab is \012 or \011, its '\' doubled */
	assert_series(t, "dmabuf_name_buffers",
		      "dmabuf_name_buffers{name=\"%41\"} 1\n"
		      "dmabuf_name_buffers{name=\"..\"} 1\n"
		      "dmabuf_name_buffers{name=\"0123456789012345678901234567890\"} 1\n"
		      "dmabuf_name_buffers{name=\"CAMERA\"} 3\n"
		      "dmabuf_name_buffers{name=\"FRAMEBUFFER\"} 1\n"
		      "dmabuf_name_buffers{name=\"KERNELONLY\"} 1\n"
		      "dmabuf_name_buffers{name=\"MAPONLY\"} 1\n"
		      "dmabuf_name_buffers{name=\"a/b\"} 1\n"
		      "dmabuf_name_buffers{name=\"new\\\\012line\"} 1\n"
		      "dmabuf_name_buffers{name=\"tab\\\\011here\"} 1\n"
		      "dmabuf_name_buffers{name=\"with space\"} 1\n"
		      "dmabuf_name_buffers{name=\"カメラ\"} 1\n"
		      "dmabuf_name_buffers{other=\"true\"} 0\n"
		      "dmabuf_name_buffers{unnamed=\"true\"} 1\n");
	assert_series(t, "dmabuf_name_bytes",
		      "dmabuf_name_bytes{name=\"%41\"} 65536\n"
		      "dmabuf_name_bytes{name=\"..\"} 65536\n"
		      "dmabuf_name_bytes{name=\"0123456789012345678901234567890\"} 65536\n"
		      "dmabuf_name_bytes{name=\"CAMERA\"} 4194304\n"
		      "dmabuf_name_bytes{name=\"FRAMEBUFFER\"} 524288\n"
		      "dmabuf_name_bytes{name=\"KERNELONLY\"} 131072\n"
		      "dmabuf_name_bytes{name=\"MAPONLY\"} 262144\n"
		      "dmabuf_name_bytes{name=\"a/b\"} 65536\n"
		      "dmabuf_name_bytes{name=\"new\\\\012line\"} 65536\n"
		      "dmabuf_name_bytes{name=\"tab\\\\011here\"} 65536\n"
		      "dmabuf_name_bytes{name=\"with space\"} 65536\n"
		      "dmabuf_name_bytes{name=\"カメラ\"} 65536\n"
		      "dmabuf_name_bytes{other=\"true\"} 0\n"
		      "dmabuf_name_bytes{unnamed=\"true\"} 65536\n");
	free(t);
	dbf_tree_free(v);
}

Test(metrics, vgem_cgroups)
{
	struct dbf_tree *v = tree_of(vgem());
	char *t = render(v, DBF_CALLER_ROOT, 20);

	/*
	 * Subtrees, each buffer once: CAMERA 3 is held in camera.service and
	 * in compositor.service, and counts once in /system.slice and /.
	 * "/" is by-cgroup/, %unknown included: 1-13 and 15.
	 */
	assert_series(t, "dmabuf_cgroup_buffers",
		      "dmabuf_cgroup_buffers{cgroup=\"/\"} 14\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/system.slice\"} 4\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/system.slice/camera.service\"} 3\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/system.slice/compositor.service\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/user-1000.slice\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/user-1000.slice/user@1000.service\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"unknown\"} 1\n"
		      "dmabuf_cgroup_buffers{cgroup=\"other\"} 0\n");
	assert_series(t, "dmabuf_cgroup_bytes",
		      "dmabuf_cgroup_bytes{cgroup=\"/\"} 5570560\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/system.slice\"} 4718592\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/system.slice/camera.service\"} 4194304\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/system.slice/compositor.service\"} 2621440\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice\"} 589824\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/user-1000.slice\"} 589824\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/user-1000.slice/user@1000.service\"} 589824\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice\"} 589824\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope\"} 589824\n"
		      "dmabuf_cgroup_bytes{cgroup=\"unknown\"} 262144\n"
		      "dmabuf_cgroup_bytes{cgroup=\"other\"} 0\n");
	/* pss: 90 and 95 1747626 each, 91 1223338, 92 589824, 93 262144 */
	assert_series(t, "dmabuf_cgroup_pss_bytes",
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/\"} 5570558\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/system.slice\"} 4718590\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/system.slice/camera.service\"} 3495252\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/system.slice/compositor.service\"} 1223338\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/user.slice\"} 589824\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/user.slice/user-1000.slice\"} 589824\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/user.slice/user-1000.slice/user@1000.service\"} 589824\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice\"} 589824\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope\"} 589824\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"unknown\"} 262144\n"
		      "dmabuf_cgroup_pss_bytes{cgroup=\"other\"} 0\n");
	free(t);
	dbf_tree_free(v);
}

/*
 * Each buffer once, shared out by its holders' own cgroups: CAMERA 3
 * (2 MiB, pids 90, 91, 95) gives 699050 to each and the 2 bytes left to
 * 90, so camera.service has 2 x 1747626 + 2. KERNELONLY is nobody's.
 */
Test(metrics, vgem_cgroup_shares)
{
	struct dbf_tree *v = tree_of(vgem());
	char *t = render(v, DBF_CALLER_ROOT, 20);

	assert_series(t, "dmabuf_cgroup_share_bytes",
		      "dmabuf_cgroup_share_bytes{cgroup=\"/system.slice/camera.service\"} 3495254\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"/system.slice/compositor.service\"} 1223338\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope\"} 589824\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"unknown\"} 262144\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"other\"} 0\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"nobody\"} 131072\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"hidden\"} 0\n");
	free(t);
	/* the bound: the largest share kept, the rest summed */
	t = render(v, DBF_CALLER_ROOT, 1);
	assert_series(t, "dmabuf_cgroup_share_bytes",
		      "dmabuf_cgroup_share_bytes{cgroup=\"/system.slice/camera.service\"} 3495254\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"unknown\"} 262144\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"other\"} 1813162\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"nobody\"} 131072\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"hidden\"} 0\n");
	free(t);
	dbf_tree_free(v);

	/* a user sees its own processes' shares; the rest is hidden, still whole */
	v = tree_of(vgem_of_1000());
	t = render(v, dbf_caller(1000, 1000), 20);
	assert_series(t, "dmabuf_cgroup_share_bytes",
		      "dmabuf_cgroup_share_bytes{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope\"} 589824\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"unknown\"} 262144\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"other\"} 0\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"nobody\"} 131072\n"
		      "dmabuf_cgroup_share_bytes{cgroup=\"hidden\"} 4718592\n");
	free(t);
	dbf_tree_free(v);
}

/* Buffer @ino of @size bytes attached to @devs (NULL-ended; NULL: not listed). */
static void add_attached(struct dbf_builder *b, uint64_t ino, uint64_t size,
			 const char *const *devs)
{
	struct dbf_buf_fact f = dbf_buf_fact_init(ino, DBF_SRC_BUFINFO);
	struct dbf_str d[8];

	f.size = size;
	f.has_size = true;
	f.devices_known = devs != NULL;
	for (; devs && *devs; devs++)
		d[f.ndevices++] = S(*devs);
	f.devices = d;
	cr_assert_eq(dbf_builder_buf(b, &f), 0);
}

static struct dbf_tree *attached_tree(unsigned int sources)
{
	struct dbf_builder *b = dbf_builder_new();
	struct timespec at = { .tv_sec = 100 };
	struct dbf_snapshot *s;

	add_attached(b, 1, 4097, (const char *[]){ "vgem", "card1", NULL });
	add_attached(b, 2, 4096, (const char *[]){ "vgem", "vgem", NULL });
	add_attached(b, 3, 3001, (const char *[]){ "a/b", "", "card1", NULL });
	add_attached(b, 4, 8192, (const char *[]){ NULL });
	add_attached(b, 5, 16384, NULL);
	dbf_builder_add_device_sources(b, sources);
	cr_assert_eq(dbf_builder_finish(b, &at, NULL, &s), 0);
	return tree_of(s);
}

/*
 * Each buffer once, shared out by its devices: 1 gives 2048 to each and
 * the byte left to card1 (first in byte order); 2 is vgem's once; 3 gives
 * 1000 to each and 1 to the device with no name. Sum: 35770, every byte.
 */
Test(metrics, device_shares)
{
	struct dbf_tree *v = attached_tree(DBF_SRC_BUFINFO);
	char *t = render(v, DBF_CALLER_PUBLIC, 20);

	assert_series(t, "dmabuf_device_share_bytes",
		      "dmabuf_device_share_bytes{device=\"\"} 1001\n"
		      "dmabuf_device_share_bytes{device=\"a/b\"} 1000\n"
		      "dmabuf_device_share_bytes{device=\"card1\"} 3049\n"
		      "dmabuf_device_share_bytes{device=\"vgem\"} 6144\n"
		      "dmabuf_device_share_bytes{unattached=\"true\"} 8192\n"
		      "dmabuf_device_share_bytes{unknown=\"true\"} 16384\n");
	assert_series(t, "dmabuf_bytes", "dmabuf_bytes 35770\n");
	/* the other family counts a buffer once per device, and no empty name */
	assert_series(t, "dmabuf_device_bytes",
		      "dmabuf_device_bytes{device=\"a/b\"} 3001\n"
		      "dmabuf_device_bytes{device=\"card1\"} 7098\n"
		      "dmabuf_device_bytes{device=\"vgem\"} 8193\n");
	free(t);
	dbf_tree_free(v);

	/* no source listed attachments: all of it unknown, still whole */
	v = attached_tree(0);
	t = render(v, DBF_CALLER_PUBLIC, 20);
	assert_series(t, "dmabuf_device_share_bytes",
		      "dmabuf_device_share_bytes{unattached=\"true\"} 0\n"
		      "dmabuf_device_share_bytes{unknown=\"true\"} 35770\n");
	free(t);
	dbf_tree_free(v);
}

Test(metrics, vgem_processes)
{
	struct dbf_tree *v = tree_of(vgem());
	char *t = render(v, DBF_CALLER_ROOT, 20);

	/* largest PSS first; 90 and 95 tie and go by pid */
	assert_series(t, "dmabuf_process_buffers",
		      "dmabuf_process_buffers{pid=\"90\",comm=\"camera\"} 3\n"
		      "dmabuf_process_buffers{pid=\"95\",comm=\"camera-child\"} 3\n"
		      "dmabuf_process_buffers{pid=\"91\",comm=\"compositor\"} 2\n"
		      "dmabuf_process_buffers{pid=\"92\",comm=\"oddnames\"} 9\n"
		      "dmabuf_process_buffers{pid=\"93\",comm=\"maponly\"} 1\n"
		      "dmabuf_process_buffers{pid=\"other\",comm=\"other\"} 0\n");
	assert_series(t, "dmabuf_process_bytes",
		      "dmabuf_process_bytes{pid=\"90\",comm=\"camera\"} 4194304\n"
		      "dmabuf_process_bytes{pid=\"95\",comm=\"camera-child\"} 4194304\n"
		      "dmabuf_process_bytes{pid=\"91\",comm=\"compositor\"} 2621440\n"
		      "dmabuf_process_bytes{pid=\"92\",comm=\"oddnames\"} 589824\n"
		      "dmabuf_process_bytes{pid=\"93\",comm=\"maponly\"} 262144\n"
		      "dmabuf_process_bytes{pid=\"other\",comm=\"other\"} 0\n");
	/* floor(2 MiB / 3) + 2 x 512 KiB = 1747626; 699050 + 512 KiB = 1223338 */
	assert_series(t, "dmabuf_process_pss_bytes",
		      "dmabuf_process_pss_bytes{pid=\"90\",comm=\"camera\"} 1747626\n"
		      "dmabuf_process_pss_bytes{pid=\"95\",comm=\"camera-child\"} 1747626\n"
		      "dmabuf_process_pss_bytes{pid=\"91\",comm=\"compositor\"} 1223338\n"
		      "dmabuf_process_pss_bytes{pid=\"92\",comm=\"oddnames\"} 589824\n"
		      "dmabuf_process_pss_bytes{pid=\"93\",comm=\"maponly\"} 262144\n"
		      "dmabuf_process_pss_bytes{pid=\"other\",comm=\"other\"} 0\n");
	/* camera: fds 6, 7, 9 (dup), 8 */
	assert_series(t, "dmabuf_process_fds",
		      "dmabuf_process_fds{pid=\"90\",comm=\"camera\"} 4\n"
		      "dmabuf_process_fds{pid=\"95\",comm=\"camera-child\"} 4\n"
		      "dmabuf_process_fds{pid=\"91\",comm=\"compositor\"} 1\n"
		      "dmabuf_process_fds{pid=\"92\",comm=\"oddnames\"} 9\n"
		      "dmabuf_process_fds{pid=\"93\",comm=\"maponly\"} 0\n"
		      "dmabuf_process_fds{pid=\"other\",comm=\"other\"} 0\n");
	assert_series(t, "dmabuf_process_mappings",
		      "dmabuf_process_mappings{pid=\"90\",comm=\"camera\"} 1\n"
		      "dmabuf_process_mappings{pid=\"95\",comm=\"camera-child\"} 1\n"
		      "dmabuf_process_mappings{pid=\"91\",comm=\"compositor\"} 1\n"
		      "dmabuf_process_mappings{pid=\"92\",comm=\"oddnames\"} 0\n"
		      "dmabuf_process_mappings{pid=\"93\",comm=\"maponly\"} 1\n"
		      "dmabuf_process_mappings{pid=\"other\",comm=\"other\"} 0\n");
	free(t);
	dbf_tree_free(v);
}

Test(metrics, top_bounds_the_series)
{
	struct dbf_tree *v = tree_of(vgem());
	char *t = render(v, DBF_CALLER_ROOT, 2);

	/* 91, 92 and 93 fold into one series */
	assert_series(t, "dmabuf_process_pss_bytes",
		      "dmabuf_process_pss_bytes{pid=\"90\",comm=\"camera\"} 1747626\n"
		      "dmabuf_process_pss_bytes{pid=\"95\",comm=\"camera-child\"} 1747626\n"
		      "dmabuf_process_pss_bytes{pid=\"other\",comm=\"other\"} 2075306\n");
	assert_series(t, "dmabuf_process_buffers",
		      "dmabuf_process_buffers{pid=\"90\",comm=\"camera\"} 3\n"
		      "dmabuf_process_buffers{pid=\"95\",comm=\"camera-child\"} 3\n"
		      "dmabuf_process_buffers{pid=\"other\",comm=\"other\"} 12\n");
	assert_series(t, "dmabuf_process_fds",
		      "dmabuf_process_fds{pid=\"90\",comm=\"camera\"} 4\n"
		      "dmabuf_process_fds{pid=\"95\",comm=\"camera-child\"} 4\n"
		      "dmabuf_process_fds{pid=\"other\",comm=\"other\"} 10\n");
	/* CAMERA and FRAMEBUFFER have the most bytes; ten names are the rest */
	assert_series(t, "dmabuf_name_bytes",
		      "dmabuf_name_bytes{name=\"CAMERA\"} 4194304\n"
		      "dmabuf_name_bytes{name=\"FRAMEBUFFER\"} 524288\n"
		      "dmabuf_name_bytes{other=\"true\"} 917504\n"
		      "dmabuf_name_bytes{unnamed=\"true\"} 65536\n");
	assert_series(t, "dmabuf_name_buffers",
		      "dmabuf_name_buffers{name=\"CAMERA\"} 3\n"
		      "dmabuf_name_buffers{name=\"FRAMEBUFFER\"} 1\n"
		      "dmabuf_name_buffers{other=\"true\"} 10\n"
		      "dmabuf_name_buffers{unnamed=\"true\"} 1\n");
	/*
	 * / and /system.slice are kept; no process's own cgroup is, so the
	 * rest is every held buffer.
	 */
	assert_series(t, "dmabuf_cgroup_bytes",
		      "dmabuf_cgroup_bytes{cgroup=\"/\"} 5570560\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/system.slice\"} 4718592\n"
		      "dmabuf_cgroup_bytes{cgroup=\"other\"} 5570560\n");
	assert_series(t, "dmabuf_cgroup_buffers",
		      "dmabuf_cgroup_buffers{cgroup=\"/\"} 14\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/system.slice\"} 4\n"
		      "dmabuf_cgroup_buffers{cgroup=\"other\"} 14\n");
	free(t);

	/* four: camera.service is kept, and its processes leave the rest */
	t = render(v, DBF_CALLER_ROOT, 4);
	assert_series(t, "dmabuf_cgroup_bytes",
		      "dmabuf_cgroup_bytes{cgroup=\"/\"} 5570560\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/system.slice\"} 4718592\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/system.slice/camera.service\"} 4194304\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/system.slice/compositor.service\"} 2621440\n"
		      "dmabuf_cgroup_bytes{cgroup=\"other\"} 851968\n");
	free(t);
	dbf_tree_free(v);
}

/* 92 and 93 belong to uid 1000; the rest to root. */
Test(metrics, user_sees_own_processes)
{
	struct dbf_tree *v;
	char *t;

	v = tree_of(vgem_of_1000());
	t = render(v, dbf_caller(1000, 1000), 20);
	assert_series(t, "dmabuf_process_pss_bytes",
		      "dmabuf_process_pss_bytes{pid=\"92\",comm=\"oddnames\"} 589824\n"
		      "dmabuf_process_pss_bytes{pid=\"93\",comm=\"maponly\"} 262144\n"
		      "dmabuf_process_pss_bytes{pid=\"other\",comm=\"other\"} 0\n");
	/* "/" holds 92's 4-12 and 93's 13 */
	assert_series(t, "dmabuf_cgroup_buffers",
		      "dmabuf_cgroup_buffers{cgroup=\"/\"} 10\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/user-1000.slice\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/user-1000.slice/user@1000.service\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope\"} 9\n"
		      "dmabuf_cgroup_buffers{cgroup=\"unknown\"} 1\n"
		      "dmabuf_cgroup_buffers{cgroup=\"other\"} 0\n");
	/* totals, names and exporters are public, as in the summary */
	assert_series(t, "dmabuf_bytes", "dmabuf_bytes{exporter=\"drm\"} 5701632\n");
	assert_series(t, "dmabuf_processes", "dmabuf_processes 5\n");
	free(t);

	/* another user, or one whose gid differs, sees no process at all */
	t = render(v, dbf_caller(1000, 1001), 20);
	assert_series(t, "dmabuf_process_bytes",
		      "dmabuf_process_bytes{pid=\"other\",comm=\"other\"} 0\n");
	assert_series(t, "dmabuf_cgroup_bytes", "dmabuf_cgroup_bytes{cgroup=\"other\"} 0\n");
	assert_series(t, "dmabuf_name_bytes{name=\"CAMERA\"}",
		      "dmabuf_name_bytes{name=\"CAMERA\"} 4194304\n");
	free(t);
	t = render(v, DBF_CALLER_PUBLIC, 20);
	assert_series(t, "dmabuf_process_fds",
		      "dmabuf_process_fds{pid=\"other\",comm=\"other\"} 0\n");
	free(t);
	dbf_tree_free(v);
}

/* Counts fed as the server feeds them: rows per cgroup and owner. */
Test(metrics, counters)
{
	struct dbf_counters *c = dbf_counters_new(DBF_COUNTER_CGROUPS(20));
	struct dbf_tree *v = tree_of(vgem());
	struct dbf_event e = {
		.kind = DBF_EV_EXPORT, .ino = 20, .size = 4096, .exporter = S("drm"),
		.pid = 92, .owner = 1000, .owner_gid = 1000, .comm = "oddnames",
		.cgroup = S("/user.slice/a\"b"), .fd = -1,
	};
	char *t;

	/* uid 1000's process in a cgroup with a quote: two buffers, one freed */
	cr_assert_eq(dbf_counters_trace(c, NULL, &e), 0);
	e.ino = 21;
	cr_assert_eq(dbf_counters_trace(c, NULL, &e), 0);
	/* a system heap buffer of root's, then uid 1001's in the same cgroup */
	e = (struct dbf_event){ .kind = DBF_EV_EXPORT, .ino = 22, .size = 65536,
				.exporter = S("system"), .pid = 1, .comm = "init",
				.cgroup = S("/init.scope"), .fd = -1 };
	cr_assert_eq(dbf_counters_trace(c, NULL, &e), 0);
	e.ino = 23;
	e.pid = 7;
	e.owner = e.owner_gid = 1001;
	cr_assert_eq(dbf_counters_trace(c, NULL, &e), 0);
	e = (struct dbf_event){ .kind = DBF_EV_RELEASE, .ino = 20, .size = 4096,
				.exporter = S("drm"), .fd = -1 };
	cr_assert_eq(dbf_counters_trace(c, NULL, &e), 0);
	v->counts = dbf_counters_freeze(c);
	cr_assert_not_null(v->counts);

	t = render(v, DBF_CALLER_ROOT, 20);
	assert_lines(t);
	assert_series(t, "dmabuf_exports_total",
		      "dmabuf_exports_total{exporter=\"drm\"} 2\n"
		      "dmabuf_exports_total{exporter=\"system\"} 2\n");
	assert_series(t, "dmabuf_release_bytes_total",
		      "dmabuf_release_bytes_total{exporter=\"drm\"} 4096\n"
		      "dmabuf_release_bytes_total{exporter=\"system\"} 0\n");
	/* root and uid 1001 in /init.scope: one series, their sum */
	assert_series(t, "dmabuf_cgroup_export_bytes_total",
		      "dmabuf_cgroup_export_bytes_total{cgroup=\"/init.scope\"} 131072\n"
		      "dmabuf_cgroup_export_bytes_total{cgroup=\"/user.slice/a\\\"b\"} 8192\n"
		      "dmabuf_cgroup_export_bytes_total{cgroup=\"other\"} 0\n"
		      "dmabuf_cgroup_export_bytes_total{cgroup=\"unknown\"} 0\n");
	assert_series(t, "dmabuf_cgroup_releases_total",
		      "dmabuf_cgroup_releases_total{cgroup=\"/init.scope\"} 0\n"
		      "dmabuf_cgroup_releases_total{cgroup=\"/user.slice/a\\\"b\"} 1\n"
		      "dmabuf_cgroup_releases_total{cgroup=\"other\"} 0\n"
		      "dmabuf_cgroup_releases_total{cgroup=\"unknown\"} 0\n");
	cr_assert(strstr(t, "# HELP dmabuf_exports_total ") && !strstr(t, "# TYPE dmabuf_exports"));
	free(t);

	/* a user: its own exporters' rows alone; exporters are public */
	t = render(v, dbf_caller(1001, 1001), 20);
	assert_series(t, "dmabuf_cgroup_export_bytes_total",
		      "dmabuf_cgroup_export_bytes_total{cgroup=\"/init.scope\"} 65536\n"
		      "dmabuf_cgroup_export_bytes_total{cgroup=\"other\"} 0\n"
		      "dmabuf_cgroup_export_bytes_total{cgroup=\"unknown\"} 0\n");
	assert_series(t, "dmabuf_exports_total",
		      "dmabuf_exports_total{exporter=\"drm\"} 2\n"
		      "dmabuf_exports_total{exporter=\"system\"} 2\n");
	free(t);
	t = render(v, DBF_CALLER_PUBLIC, 20);
	assert_series(t, "dmabuf_cgroup_exports_total",
		      "dmabuf_cgroup_exports_total{cgroup=\"other\"} 0\n"
		      "dmabuf_cgroup_exports_total{cgroup=\"unknown\"} 0\n");
	free(t);
	dbf_tree_free(v);
	dbf_counters_free(c);
}

Test(metrics, label_values)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "CAMERA", 6, "CAMERA" },
		{ "new\nline", 8, "new\\\\012line" },
		{ "a\"b", 3, "a\\\"b" },
		{ "back\\slash", 10, "back\\\\134slash" },
		{ "x\"} 1\ny{", 8, "x\\\"} 1\\\\012y{" },
		{ "\xff", 1, "\\\\377" },
		/* C1 control NEL, overlong '/', a surrogate, U+FFFE */
		{ "\xc2\x85", 2, "\\\\302\\\\205" },
		{ "\xc0\xaf", 2, "\\\\300\\\\257" },
		{ "\xed\xa0\x80", 3, "\\\\355\\\\240\\\\200" },
		{ "\xef\xbf\xbe", 3, "\\\\357\\\\277\\\\276" },
		/* a cut character, then a whole one */
		{ "\xe3\x82\xe3\x82\xab", 5, "\\\\343\\\\202カ" },
		{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" },
		{ "\x7f\t", 2, "\\\\177\\\\011" },
		{ "", 0, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dbf_str in = { cases[i].in, (uint32_t)cases[i].len };
		size_t n = dbf_metrics_label(NULL, 0, in);
		char *out = malloc(n + 1);

		cr_assert_eq(dbf_metrics_label(out, n + 1, in), n);
		cr_assert_str_eq(out, cases[i].want, "case %zu", i);
		/* cut short like snprintf, NUL-terminated */
		if (n > 2) {
			char small[3];

			cr_assert_eq(dbf_metrics_label(small, sizeof(small), in), n);
			cr_assert_eq(strlen(small), 2);
			cr_assert(!memcmp(small, cases[i].want, 2));
		}
		free(out);
	}
}

/*
 * The hostile capture: names that try to end a bufinfo row, a comm too,
 * and its cgroup files: 300's path has a newline, a tab, "%41", "..",
 * "42" and a space; 301's last component is 257 bytes once escaped, so
 * it has no by-cgroup directory and counts in no row, not even "/".
 */
Test(metrics, hostile_values)
{
	struct dbf_snapshot *s = scan_capture("linux-6.1-hostile");
	struct dbf_proc *p = (struct dbf_proc *)must_proc(s, 300);
	struct dbf_tree *v;
	char *t;

	strcpy(p->comm, "x\"} 9\n# EOF");
	v = tree_of(s);
	t = render(v, DBF_CALLER_ROOT, 20);
	assert_series(t, "dmabuf_process_bytes",
		      "dmabuf_process_bytes{pid=\"301\",comm=\"viewer\"} 196608\n"
		      "dmabuf_process_bytes{pid=\"300\",comm=\"x\\\"} 9\\\\012# EOF\"} 69632\n"
		      "dmabuf_process_bytes{pid=\"other\",comm=\"other\"} 0\n");
	assert_series(t, "dmabuf_name_bytes",
		      "dmabuf_name_bytes{name=\"X\\\\012size:\\\\0111\"} 65536\n"
		      "dmabuf_name_bytes{name=\"a\\\\012\\\\011Attached Devices:\\\\012\\\\011evil\"} 4096\n"
		      "dmabuf_name_bytes{name=\"back\\\\134slash\"} 65536\n"
		      "dmabuf_name_bytes{name=\"new\\\\012line\"} 131072\n"
		      "dmabuf_name_bytes{name=\"x\\\\012Total 0 devices attached\"} 1024\n"
		      "dmabuf_name_bytes{name=\"y\\\\012\\\\012Total 9 objects, 1 bytes\"} 2048\n"
		      "dmabuf_name_bytes{other=\"true\"} 0\n"
		      "dmabuf_name_bytes{unnamed=\"true\"} 0\n");
	/* 300 holds 21 (64 KiB) and 22 (4 KiB), alone: 69632 bytes, all its PSS */
	assert_series(t, "dmabuf_cgroup_buffers",
		      "dmabuf_cgroup_buffers{cgroup=\"/\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/new\\\\012line\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here/%41\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here/%41/..\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here/%41/../42\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here/%41/../42/with space\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"other\"} 0\n");
	assert_series(t, "dmabuf_cgroup_bytes",
		      "dmabuf_cgroup_bytes{cgroup=\"/\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/new\\\\012line\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here/%41\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here/%41/..\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here/%41/../42\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"/user.slice/new\\\\012line/tab\\\\011here/%41/../42/with space\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"other\"} 0\n");
	assert_series(t, "dmabuf_cgroup_pss_bytes{cgroup=\"/\"}",
		      "dmabuf_cgroup_pss_bytes{cgroup=\"/\"} 69632\n");
	/* bufinfo lists vgem and card1 for "new\nline"; "evil" is in its name */
	assert_series(t, "dmabuf_device_bytes",
		      "dmabuf_device_bytes{device=\"card1\"} 131072\n"
		      "dmabuf_device_bytes{device=\"vgem\"} 131072\n");
	assert_lines(t);
	free(t);

	/* "/" alone: the rest is 300's, and 301, in no row, in no rest */
	t = render(v, DBF_CALLER_ROOT, 1);
	assert_series(t, "dmabuf_cgroup_bytes",
		      "dmabuf_cgroup_bytes{cgroup=\"/\"} 69632\n"
		      "dmabuf_cgroup_bytes{cgroup=\"other\"} 69632\n");
	assert_series(t, "dmabuf_cgroup_buffers",
		      "dmabuf_cgroup_buffers{cgroup=\"/\"} 2\n"
		      "dmabuf_cgroup_buffers{cgroup=\"other\"} 2\n");
	free(t);
	dbf_tree_free(v);
}

/* The [cgroups] rows: by-cgroup/ semantics ("/a-b" is not below "/a"). */
Test(metrics, cgroup_rows_subtrees)
{
	struct dbf_snapshot *s = vgem();
	struct dbf_caller root = DBF_CALLER_ROOT;
	struct dbf_cgroup_row *rows;
	struct dbf_tree *v;
	char longpath[300] = "/a/";
	size_t n;

	set_cgroup(s, 90, "/a");
	set_cgroup(s, 95, "/a-b");
	set_cgroup(s, 91, "/a/c");
	set_cgroup(s, 92, "/");
	set_cgroup(s, 93, "/a0");
	v = tree_of(s);
	cr_assert_eq(dbf_tree_cgroup_rows(v, &root, &rows, &n), 0);
	cr_assert_eq(n, 5);
	assert_str(rows[0].path, "/");
	cr_assert_eq(rows[0].buffers, 14);
	/* its own process: 92 */
	cr_assert_eq(rows[0].nprocs, 1);
	cr_assert_eq(v->snap->procs[rows[0].procs[0]].pid, 92);
	assert_str(rows[1].path, "/a");
	/* 90's 1, 2, 3 and 91's 3, 15 */
	cr_assert_eq(rows[1].buffers, 4);
	cr_assert_eq(rows[1].bytes, 4718592);
	cr_assert_eq(rows[1].pss, 1747626 + 1223338);
	cr_assert_eq(rows[1].nprocs, 1);
	cr_assert_eq(v->snap->procs[rows[1].procs[0]].pid, 90);
	assert_str(rows[2].path, "/a-b");
	cr_assert_eq(rows[2].buffers, 3);
	assert_str(rows[3].path, "/a/c");
	cr_assert_eq(rows[3].buffers, 2);
	assert_str(rows[4].path, "/a0");
	cr_assert_eq(rows[4].bytes, 262144);
	free(rows);
	dbf_tree_free(v);

	/*
	 * No directory, no row: a component of 256 bytes, and an empty one
	 * ("//"). Their processes count nowhere, "/" included.
	 */
	s = vgem();
	memset(longpath + 3, 'x', 256);
	set_cgroup(s, 90, "/a");
	set_cgroup(s, 93, longpath);
	set_cgroup(s, 95, "/a//b");
	v = tree_of(s);
	cr_assert_eq(dbf_tree_cgroup_rows(v, &root, &rows, &n), 0);
	/* "/", "/a", two of system.slice, five of user.slice */
	cr_assert_eq(n, 9);
	assert_str(rows[0].path, "/");
	/* 90's 1, 2, 3; 91's 3, 15; 92's 4-12 */
	cr_assert_eq(rows[0].buffers, 13);
	cr_assert_eq(rows[0].bytes, 5308416);
	cr_assert_eq(rows[0].pss, 1747626 + 1223338 + 589824);
	cr_assert_eq(rows[0].nprocs, 0);
	assert_str(rows[1].path, "/a");
	cr_assert_eq(rows[1].buffers, 3);
	cr_assert_eq(rows[1].bytes, 4194304);
	cr_assert_eq(rows[1].pss, 1747626);
	assert_str(rows[2].path, "/system.slice");
	cr_assert_eq(rows[2].bytes, 2621440);
	assert_str(rows[3].path, "/system.slice/compositor.service");
	assert_str(rows[8].path,
		   "/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope");
	free(rows);
	dbf_tree_free(v);
}

/* ---- usage.svg ---- */

static char *render_svg(const struct dbf_tree *v, struct dbf_caller c,
			unsigned int top)
{
	struct dbf_svg_opts o = { .top = top };
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	cr_assert(f);
	cr_assert_eq(dbf_svg_render(v, &c, &o, f), 0);
	cr_assert_eq(fclose(f), 0);
	return text;
}

/* Attribute @name of the element on line @l, or "" (at most 63 bytes). */
static const char *attr(const char *l, const char *name, char out[64])
{
	char key[64];
	const char *p, *e = strchr(l, '>');

	snprintf(key, sizeof(key), " %s=\"", name);
	out[0] = '\0';
	p = strstr(l, key);
	if (p && (!e || p < e)) {
		p += strlen(key);
		snprintf(out, 64, "%.*s", (int)(strchr(p, '"') - p), p);
	}
	return out;
}

struct rect {
	char cls[32];
	long pid, ino, count;
	uint64_t bytes;
	double area;
};

/* The <rect> elements with a class, in order. */
static size_t rects(const char *svg, struct rect *r, size_t max)
{
	size_t n = 0;
	char v[64];

	for (const char *l = strstr(svg, "\n<rect class=\""); l && n < max;
	     l = strstr(l + 1, "\n<rect class=\"")) {
		l++;
		if (!strncmp(l, "<rect class=\"background\"", 24))
			continue;
		snprintf(r[n].cls, sizeof(r[n].cls), "%s", attr(l, "class", v));
		r[n].pid = *attr(l, "data-pid", v) ? atol(v) : -1;
		r[n].ino = *attr(l, "data-ino", v) ? atol(v) : -1;
		r[n].count = *attr(l, "data-count", v) ? atol(v) : -1;
		r[n].bytes = strtoull(attr(l, "data-bytes", v), NULL, 10);
		r[n].area = atof(attr(l, "width", v)) * atof(attr(l, "height", v));
		n++;
	}
	return n;
}

/* Every rectangle's area is its bytes times one scale, within 0.1%. */
static void assert_proportional(const struct rect *r, size_t n)
{
	double scale = r[0].area / (double)r[0].bytes;

	for (size_t i = 0; i < n; i++) {
		double want = (double)r[i].bytes * scale;

		cr_assert(r[i].area > want * 0.999 && r[i].area < want * 1.001,
			  "%s pid %ld ino %ld: area %f for %llu bytes, want %f", r[i].cls,
			  r[i].pid, r[i].ino, r[i].area, (unsigned long long)r[i].bytes, want);
	}
}

Test(svg, vgem_cells)
{
	struct dbf_tree *v = tree_of(vgem());
	const struct dbf_snapshot *s = v->snap;
	char *t = render_svg(v, DBF_CALLER_ROOT, 20);
	struct rect r[64];
	size_t n = rects(t, r, 64), cells = 0, blocks = 0, nobody = 0;
	uint64_t area_sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(r[i].cls, "cell")) {
			const struct dbf_buf *b = must_buf(s, (uint64_t)r[i].ino);

			cr_assert_not_null(holder_of(s, b->ino, (pid_t)r[i].pid));
			cr_assert_eq(r[i].bytes, b->size / b->nholders);
			cells++;
		} else if (!strcmp(r[i].cls, "proc")) {
			cr_assert_eq(r[i].bytes, must_proc(s, (pid_t)r[i].pid)->pss);
			blocks++;
		} else if (!strcmp(r[i].cls, "cell nobody")) {
			cr_assert_eq(r[i].ino, 14);
			cr_assert_eq(r[i].bytes, 131072);
			nobody++;
		} else if (!strcmp(r[i].cls, "nobody")) {
			cr_assert_eq(r[i].bytes, 131072);
			area_sum += r[i].bytes;
		} else {
			cr_assert_fail("unexpected rect class %s", r[i].cls);
		}
		if (!strcmp(r[i].cls, "proc"))
			area_sum += r[i].bytes;
	}
	/* 2 + 2 + 3 holders of CAMERA, 9 of oddnames, MAPONLY, FRAMEBUFFER */
	cr_assert_eq(cells, 18);
	cr_assert_eq(blocks, 5);
	cr_assert_eq(nobody, 1);
	/* the blocks cover the map: 1264 x 732 px */
	cr_assert_eq(area_sum, 5570558 + 131072);
	assert_proportional(r, n);
	cr_assert_not_null(strstr(t, ">dma-buf memory: 5.4 MiB in 15 buffers</text>"));
	cr_assert_not_null(strstr(t, "2023-11-14 22:13:20 UTC</text>"));
	cr_assert_not_null(strstr(t, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1280\" height=\"800\""));
	free(t);
	dbf_tree_free(v);
}

Test(svg, top_folds_processes_and_cells)
{
	struct dbf_tree *v = tree_of(vgem());
	char *t = render_svg(v, DBF_CALLER_ROOT, 2);
	struct rect r[64];
	size_t n = rects(t, r, 64), more = 0, others = 0, cells90 = 0;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(r[i].cls, "others")) {
			/* 91, 92 and 93 */
			cr_assert_eq(r[i].count, 3);
			cr_assert_eq(r[i].bytes, 1223338 + 589824 + 262144);
			others++;
		} else if (!strcmp(r[i].cls, "cell more")) {
			/* one CAMERA of 90 and one of 95, 512 KiB shares */
			cr_assert_eq(r[i].count, 1);
			cr_assert_eq(r[i].bytes, 524288);
			more++;
		} else if (!strcmp(r[i].cls, "cell") && r[i].pid == 90) {
			cells90++;
		} else if (!strcmp(r[i].cls, "proc")) {
			cr_assert(r[i].pid == 90 || r[i].pid == 95);
		}
	}
	cr_assert_eq(others, 1);
	cr_assert_eq(more, 2);
	cr_assert_eq(cells90, 2);
	assert_proportional(r, n);
	free(t);
	dbf_tree_free(v);
}

/* A user's picture: own processes, the rest as one block. */
Test(svg, user_sees_own_processes)
{
	struct dbf_snapshot *s = vgem();
	struct dbf_tree *v;
	struct rect r[64];
	char *t;
	size_t n, procs = 0;

	for (size_t i = 0; i < s->nprocs; i++) {
		if (s->procs[i].pid == 92) {
			s->procs[i].owner = 1000;
			s->procs[i].owner_gid = 1000;
		}
	}
	v = tree_of(s);
	t = render_svg(v, dbf_caller(1000, 1000), 20);
	n = rects(t, r, 64);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(r[i].cls, "proc") || !strcmp(r[i].cls, "cell"))
			cr_assert_eq(r[i].pid, 92);
		procs += !strcmp(r[i].cls, "proc");
		if (!strcmp(r[i].cls, "others"))
			cr_assert_eq(r[i].bytes, 1747626 * 2 + 1223338 + 262144);
	}
	cr_assert_eq(procs, 1);
	cr_assert_null(strstr(t, "camera"));
	free(t);
	dbf_tree_free(v);
}

/* Names and comms are element text, escaped; they add no element. */
Test(svg, hostile_text)
{
	struct dbf_snapshot *s = vgem();
	struct dbf_proc *p = (struct dbf_proc *)must_proc(s, 92);
	struct dbf_buf *b = (struct dbf_buf *)must_buf(s, 4);
	struct dbf_tree *pv = tree_of(vgem()), *v;
	char *plain, *t;
	size_t tags = 0, want = 0;

	plain = render_svg(pv, DBF_CALLER_ROOT, 20);
	strcpy(p->comm, "<script>x</script>");
	b->name = S("</text><script>alert(1)</script>&\x01\xff");
	v = tree_of(s);
	t = render_svg(v, DBF_CALLER_ROOT, 20);
	for (const char *c = t; *c; c++)
		tags += *c == '<';
	for (const char *c = plain; *c; c++)
		want += *c == '<';
	cr_assert_eq(tags, want);
	cr_assert_null(strstr(t, "<script"));
	cr_assert_not_null(strstr(t, "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;\\001\\377"));
	cr_assert_not_null(strstr(t, "&lt;script&gt;x&lt;/script&gt; (pid 92)"));
	free(plain);
	free(t);
	dbf_tree_free(v);
	dbf_tree_free(pv);
}
