// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dmabuf/metrics: see metrics.h and docs/metrics.md. Gauges say how
 * things are at the snapshot; the counters (counters.h), untyped, what
 * happened since the daemon started. Nothing needs OpenMetrics beyond what
 * the Prometheus text format has, so node_exporter's textfile collector
 * serves the file as it is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "labels.h"
#include "metrics.h"
#include "render_int.h"
#include "shares.h"

size_t dbf_metrics_label(char *out, size_t size, struct dbf_str in)
{
	const unsigned char *p = (const unsigned char *)in.p;
	size_t len = in.len, n = 0;

	while (len) {
		/* one character (or bad byte) at a time: its text form is short */
		char t[4 * 4 + 1];
		uint32_t cp;
		size_t k = dbf_utf8_char(p, len, &cp);
		size_t m = dbf_label_text(t, sizeof(t),
					  (struct dbf_str){ (const char *)p, (uint32_t)(k ? k : 1) });

		for (size_t i = 0; i < m; i++) {
			/* the text form has no newline: only these need a '\' */
			if (t[i] == '\\' || t[i] == '"') {
				if (n < size)
					out[n] = '\\';
				n++;
			}
			if (n < size)
				out[n] = t[i];
			n++;
		}
		p += k ? k : 1;
		len -= k ? k : 1;
	}
	if (size)
		out[n < size ? n : size - 1] = '\0';
	return n;
}

struct ctx {
	FILE *f;
	int err;
	unsigned int nlabels;
};

/* A family's header, for the functions that write families in a loop. */
struct fam {
	const char *name, *unit, *help;
};

static void family(struct ctx *x, const char *name, const char *unit,
		   const char *help)
{
	fprintf(x->f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	if (unit)
		fprintf(x->f, "# UNIT %s %s\n", name, unit);
}

static void begin(struct ctx *x, const char *name)
{
	fputs(name, x->f);
	x->nlabels = 0;
}

static void label(struct ctx *x, const char *name, struct dbf_str v)
{
	char small[512], *p = small;
	size_t n = dbf_metrics_label(NULL, 0, v);

	if (n >= sizeof(small) && !(p = malloc(n + 1))) {
		x->err = -ENOMEM;
		return;
	}
	dbf_metrics_label(p, n + 1, v);
	fprintf(x->f, "%c%s=\"%s\"", x->nlabels++ ? ',' : '{', name, p);
	if (p != small)
		free(p);
}

static void label_c(struct ctx *x, const char *name, const char *v)
{
	label(x, name, (struct dbf_str){ v, (uint32_t)strlen(v) });
}

static void end_u64(struct ctx *x, uint64_t v)
{
	fprintf(x->f, "%s %" PRIu64 "\n", x->nlabels ? "}" : "", v);
}

/* @ns nanoseconds as seconds, to the millisecond or the microsecond. */
static void end_secs(struct ctx *x, int64_t ns, bool usec)
{
	if (ns < 0)
		ns = 0;
	if (usec)
		fprintf(x->f, "%s %" PRId64 ".%06" PRId64 "\n", x->nlabels ? "}" : "",
			ns / 1000000000, ns / 1000 % 1000000);
	else
		fprintf(x->f, "%s %" PRId64 ".%03" PRId64 "\n", x->nlabels ? "}" : "",
			ns / 1000000000, ns / 1000000 % 1000);
}

static void sample(struct ctx *x, const char *name, uint64_t v)
{
	begin(x, name);
	end_u64(x, v);
}

/* One series with one label: @name{@lname="@lval"} @v. */
static void series(struct ctx *x, const char *name, const char *lname,
		   struct dbf_str lval, uint64_t v)
{
	begin(x, name);
	label(x, lname, lval);
	end_u64(x, v);
}

static void series_c(struct ctx *x, const char *name, const char *lname,
		     const char *lval, uint64_t v)
{
	series(x, name, lname, (struct dbf_str){ lval, (uint32_t)strlen(lval) }, v);
}

struct group {
	struct dbf_str key;
	uint32_t buffers;
	uint64_t bytes;
	size_t order;			/* position in key order */
};

/* ---- totals ---- */

static int totals(struct ctx *x, const struct dbf_tree *t,
		  const struct dbf_metrics_opts *o)
{
	const struct dbf_snapshot *s = t->snap;
	__do_free struct dbf_group_row *g = NULL;
	size_t ng;
	static const struct { unsigned int bit; const char *name; } src[] = {
		{ DBF_SRC_FD | DBF_SRC_FDINFO | DBF_SRC_MAPS, "procfs" },
		{ DBF_SRC_BUFINFO, "debugfs" },
		{ DBF_SRC_SYSFS, "sysfs" },
	};
	uint64_t exp_bytes = 0, nobody = 0;
	int64_t age;
	/* by exporter; no exporter label: buffers no source named one for */
	int r = dbf_tree_group_rows(t, DBF_KIND_EXPORTER, &g, &ng);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ng; i++)
		exp_bytes += g[i].bytes;
	family(x, "dmabuf_buffers", NULL,
	       "dma-bufs on the machine, by exporter; without an exporter label: exporter unknown.");
	for (size_t i = 0; i < ng; i++)
		series(x, "dmabuf_buffers", "exporter", g[i].key, g[i].buffers);
	/* never an empty family: sum() over it is then 0, not nothing */
	if (s->nby_exporter < s->nbufs || !s->nbufs)
		sample(x, "dmabuf_buffers", s->nbufs - s->nby_exporter);
	family(x, "dmabuf_bytes", "bytes",
	       "Bytes of dma-bufs, by exporter; without an exporter label: exporter unknown.");
	for (size_t i = 0; i < ng; i++)
		series(x, "dmabuf_bytes", "exporter", g[i].key, g[i].bytes);
	if (s->nby_exporter < s->nbufs || !s->nbufs)
		sample(x, "dmabuf_bytes", s->total_bytes - exp_bytes);

	for (size_t i = 0; i < s->nbufs; i++)
		if (!s->bufs[i].nholders)
			nobody += s->bufs[i].size;
	family(x, "dmabuf_held_by_nobody_buffers", NULL,
	       "dma-bufs that no process holds by an fd or a mapping (kept alive by the kernel or a driver).");
	sample(x, "dmabuf_held_by_nobody_buffers", s->held_by_nobody);
	family(x, "dmabuf_held_by_nobody_bytes", "bytes",
	       "Bytes of the dma-bufs that no process holds.");
	sample(x, "dmabuf_held_by_nobody_bytes", nobody);

	family(x, "dmabuf_processes", NULL, "Processes that hold a dma-buf.");
	sample(x, "dmabuf_processes", s->nprocs);
	family(x, "dmabuf_processes_scanned", NULL, "Processes the scan read.");
	sample(x, "dmabuf_processes_scanned", s->nprocs_scanned);
	family(x, "dmabuf_processes_unreadable", NULL,
	       "Processes whose fds or mappings could not be read (EACCES).");
	sample(x, "dmabuf_processes_unreadable", s->nunreadable);
	family(x, "dmabuf_anon_fds", NULL,
	       "fds of pre-5.3 dma-bufs, which share one inode and so are in no other series.");
	sample(x, "dmabuf_anon_fds", s->anon_fds);
	family(x, "dmabuf_anon_mappings", NULL,
	       "Mappings of pre-5.3 dma-bufs, which share one inode and so are in no other series.");
	sample(x, "dmabuf_anon_mappings", s->anon_maps);

	family(x, "dmabuf_scan_duration_seconds", "seconds",
	       "How long the scan behind this snapshot took.");
	begin(x, "dmabuf_scan_duration_seconds");
	end_secs(x, (int64_t)s->scan_ns, true);
	family(x, "dmabuf_snapshot_age_seconds", "seconds",
	       "How long ago the scan behind this snapshot started, when the file was opened.");
	age = (int64_t)(o->now.tv_sec - s->taken.tv_sec) * 1000000000 +
	      (o->now.tv_nsec - s->taken.tv_nsec);
	begin(x, "dmabuf_snapshot_age_seconds");
	end_secs(x, age, false);
	family(x, "dmabuf_snapshot_timestamp_seconds", "seconds",
	       "When the scan behind this snapshot started, in seconds since the Epoch.");
	begin(x, "dmabuf_snapshot_timestamp_seconds");
	end_secs(x, (int64_t)s->taken.tv_sec * 1000000000 + s->taken.tv_nsec, false);

	family(x, "dmabuf_source_up", NULL,
	       "1 if the source answered in this scan: procfs, debugfs (bufinfo) or sysfs.");
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		/* procfs always answers, or there is no snapshot at all */
		series_c(x, "dmabuf_source_up", "source", src[i].name,
			 i == 0 || (s->sources & src[i].bit));
	}
	family(x, "dmabuf_attachments_source_up", NULL,
	       "1 if the source listed the devices attached to buffers: debugfs (bufinfo) or fdinfo.");
	series_c(x, "dmabuf_attachments_source_up", "source", "debugfs",
		 !!(s->device_sources & DBF_SRC_BUFINFO));
	series_c(x, "dmabuf_attachments_source_up", "source", "fdinfo",
		 !!(s->device_sources & DBF_SRC_FDINFO));
	family(x, "dmabuf_scanner_info", NULL, "The scanner that built the snapshot.");
	series_c(x, "dmabuf_scanner_info", "scanner", dbf_scanner_name(s->scanner), 1);
	return 0;
}

/* ---- by name: the top names by bytes, then the rest ---- */


/* More bytes first; equal bytes in key order, so the choice is stable. */
static int cmp_group_rank(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return (x->order > y->order) - (x->order < y->order);
}

static int cmp_group_order(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

static int names(struct ctx *x, const struct dbf_tree *t, unsigned int top)
{
	__do_free struct dbf_group_row *rows = NULL;
	__do_free struct group *g = NULL;
	size_t ng, keep;
	uint32_t rest_buffers = 0, named_buffers = 0;
	uint64_t rest_bytes = 0, named_bytes = 0;
	int r = dbf_tree_group_rows(t, DBF_KIND_NAME, &rows, &ng);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ng; i++) {
		named_buffers += rows[i].buffers;
		named_bytes += rows[i].bytes;
	}
	g = calloc(ng + 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < ng; i++)
		g[i] = (struct group){ rows[i].key, rows[i].buffers, rows[i].bytes, i };
	qsort(g, ng, sizeof(*g), cmp_group_rank);
	keep = ng < top ? ng : top;
	for (size_t i = keep; i < ng; i++) {
		rest_buffers += g[i].buffers;
		rest_bytes += g[i].bytes;
	}
	qsort(g, keep, sizeof(*g), cmp_group_order);

	/*
	 * A name may be any bytes, "other" too: the rest is the one series
	 * with an "other" label instead of a name, and the buffers without a
	 * name one with "unnamed", so that the family adds up to the totals.
	 */
	family(x, "dmabuf_name_buffers", NULL,
	       "dma-bufs by name, for the names with the most bytes; labelled other instead of name: all other names; unnamed: buffers without a name.");
	for (size_t i = 0; i < keep; i++)
		series(x, "dmabuf_name_buffers", "name", g[i].key, g[i].buffers);
	series_c(x, "dmabuf_name_buffers", "other", "true", rest_buffers);
	series_c(x, "dmabuf_name_buffers", "unnamed", "true",
		 t->snap->nbufs - named_buffers);
	family(x, "dmabuf_name_bytes", "bytes",
	       "Bytes of dma-bufs by name, as dmabuf_name_buffers.");
	for (size_t i = 0; i < keep; i++)
		series(x, "dmabuf_name_bytes", "name", g[i].key, g[i].bytes);
	series_c(x, "dmabuf_name_bytes", "other", "true", rest_bytes);
	series_c(x, "dmabuf_name_bytes", "unnamed", "true",
		 t->snap->total_bytes - named_bytes);
	return 0;
}

/* ---- by cgroup: the top cgroups by bytes, then the rest ---- */

struct ranked {
	size_t idx;
	uint64_t k1, k2;		/* larger first */
	uint64_t k3;			/* then smaller first */
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? 1 : -1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? 1 : -1;
	return (x->k3 > y->k3) - (x->k3 < y->k3);
}

static struct dbf_str cgroup_label(const struct dbf_cgroup_row *r)
{
	/* real paths start with '/': "unknown" cannot be one */
	return r->path.len ? r->path : (struct dbf_str){ "unknown", 7 };
}

/* The [cgroups] rows of the summary, the top ones by bytes, then the rest. */
static int cgroups(struct ctx *x, const struct dbf_tree *t,
		   const struct dbf_caller *c, unsigned int top)
{
	const struct dbf_snapshot *s = t->snap;
	__do_free struct dbf_cgroup_row *rows = NULL;
	__do_free struct ranked *rk = NULL;
	__do_free bool *kept = NULL;
	__do_free uint32_t *stamp = NULL;
	struct dbf_cgroup_row rest = { .path = { "other", 5 } };
	static const struct fam fam[] = {
		{ "dmabuf_cgroup_buffers", NULL,
		  "dma-bufs held by the processes of a cgroup and its descendants, each once; "
		  "cgroup other: held by processes of cgroups without a series." },
		{ "dmabuf_cgroup_bytes", "bytes",
		  "Bytes of the dma-bufs counted by dmabuf_cgroup_buffers." },
		{ "dmabuf_cgroup_pss_bytes", "bytes",
		  "Sum of the PSS of the processes of a cgroup and its descendants." },
	};
	size_t n, keep;
	int r = dbf_tree_cgroup_rows(t, c, &rows, &n);

	if (r < 0)
		return r;
	rk = calloc(n + 1, sizeof(*rk));
	kept = calloc(n + 1, sizeof(*kept));
	stamp = calloc(s->nbufs + 1, sizeof(*stamp));
	if (!rk || !kept || !stamp)
		return -ENOMEM;
	/*
	 * A cgroup holds at least what its descendants hold, and sorts
	 * before them on a tie, so the kept cgroups have their ancestors.
	 */
	for (size_t i = 0; i < n; i++)
		rk[i] = (struct ranked){ i, rows[i].bytes, 0, i };
	qsort(rk, n, sizeof(*rk), cmp_ranked);
	keep = n < top ? n : top;
	for (size_t i = 0; i < keep; i++)
		kept[rk[i].idx] = true;
	/*
	 * The rest: the own processes of every row without a series. A
	 * cgroup with no directory has no row, and is in no rest either.
	 */
	for (size_t i = 0; i < n; i++) {
		for (uint32_t j = 0; !kept[i] && j < rows[i].nprocs; j++) {
			const struct dbf_proc *p = &s->procs[rows[i].procs[j]];

			if (!dbf_caller_sees(c, p))
				continue;
			for (uint32_t h = 0; h < p->nph; h++) {
				uint32_t b = s->holders[s->proc_holders[p->ph0 + h]].buf;

				if (stamp[b])
					continue;
				stamp[b] = 1;
				rest.buffers++;
				rest.bytes += s->bufs[b].size;
			}
			rest.pss += p->pss;
		}
	}
	for (size_t f = 0; f < 3; f++) {
		family(x, fam[f].name, fam[f].unit, fam[f].help);
		for (size_t i = 0; i <= n; i++) {
			const struct dbf_cgroup_row *row = i < n ? &rows[i] : &rest;

			if (i < n && !kept[i])
				continue;
			series(x, fam[f].name, "cgroup", i < n ? cgroup_label(row) : rest.path,
			       f == 0 ? row->buffers : f == 1 ? row->bytes : row->pss);
		}
	}
	return 0;
}

/*
 * Each buffer once, shared out among the own cgroups of its holders: the
 * N cgroups with the largest shares, then the rest, so that the family
 * adds up to dmabuf_bytes for every reader. Values that are no path
 * (paths start with '/') name what has no cgroup of its own.
 */
static int cgroup_shares(struct ctx *x, const struct dbf_snapshot *s,
			 const struct dbf_caller *c, unsigned int top)
{
	static const char name[] = "dmabuf_cgroup_share_bytes";
	__do_free struct dbf_share_row *rows = NULL;
	__do_free struct ranked *rk = NULL;
	__do_free bool *kept = NULL;
	struct dbf_cgroup_rest rest;
	uint64_t other = 0;
	size_t n, keep;
	int r = dbf_cgroup_shares(s, c, &rows, &n, &rest);

	if (r < 0)
		return r;
	rk = calloc(n + 1, sizeof(*rk));
	kept = calloc(n + 1, sizeof(*kept));
	if (!rk || !kept)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		rk[i] = (struct ranked){ i, rows[i].bytes, 0, i };
	qsort(rk, n, sizeof(*rk), cmp_ranked);
	keep = n < top ? n : top;
	for (size_t i = 0; i < n; i++)
		kept[rk[i].idx] = i < keep;
	family(x, name, "bytes",
	       "Bytes of dma-bufs shared out among the cgroups of the processes holding them "
	       "(each buffer once; a cgroup's own processes, not its descendants); "
	       "unknown: cgroup not known; other: cgroups without a series; "
	       "nobody: held by no process; hidden: held by processes the reader may not see.");
	for (size_t i = 0; i < n; i++) {
		if (kept[i])
			series(x, name, "cgroup", rows[i].key, rows[i].bytes);
		else
			other += rows[i].bytes;
	}
	series_c(x, name, "cgroup", "unknown", rest.unknown);
	series_c(x, name, "cgroup", "other", other);
	series_c(x, name, "cgroup", "nobody", rest.nobody);
	series_c(x, name, "cgroup", "hidden", rest.hidden);
	return 0;
}

/*
 * Each buffer once, shared out among its attached devices. A device name
 * is the kernel's and could be any word, so what has no device has a
 * label of its own, as dmabuf_name_bytes's unnamed series does.
 */
static int device_shares(struct ctx *x, const struct dbf_snapshot *s)
{
	static const char name[] = "dmabuf_device_share_bytes";
	__do_free struct dbf_share_row *rows = NULL;
	struct dbf_device_rest rest;
	size_t n;
	int r = dbf_device_shares(s, &rows, &n, &rest);

	if (r < 0)
		return r;
	family(x, name, "bytes",
	       "Bytes of dma-bufs shared out among the devices attached to them (each buffer once); "
	       "unattached: attached to none; unknown: no source listed its attachments.");
	for (size_t i = 0; i < n; i++)
		series(x, name, "device", rows[i].key, rows[i].bytes);
	series_c(x, name, "unattached", "true", rest.unattached);
	series_c(x, name, "unknown", "true", rest.unknown);
	return 0;
}

/* The [devices] rows of the summary, every one. */
static int devices(struct ctx *x, const struct dbf_tree *t)
{
	__do_free struct dbf_group_row *rows = NULL;
	size_t n;
	int r = dbf_tree_group_rows(t, DBF_KIND_DEVICE, &rows, &n);

	if (r < 0)
		return r;
	if (!n)
		return 0;
	family(x, "dmabuf_device_buffers", NULL,
	       "dma-bufs attached to a device, each once.");
	for (size_t i = 0; i < n; i++)
		series(x, "dmabuf_device_buffers", "device", rows[i].key, rows[i].buffers);
	family(x, "dmabuf_device_bytes", "bytes",
	       "Bytes of the dma-bufs attached to a device.");
	for (size_t i = 0; i < n; i++)
		series(x, "dmabuf_device_bytes", "device", rows[i].key, rows[i].bytes);
	return 0;
}

/* ---- counters: exports and releases since the daemon started ---- */

/*
 * A counter has no TYPE line: OpenMetrics would type the family
 * "dmabuf_exports" with samples "dmabuf_exports_total", which the
 * Prometheus text format (node_exporter's textfile collector) reads as
 * an empty family and an untyped one without help. Untyped, the same
 * lines are valid in both, and rate() takes them as they are.
 */
static void counter_family(struct ctx *x, const char *name, const char *help)
{
	fprintf(x->f, "# HELP %s %s\n", name, help);
}

static uint64_t count_value(const struct dbf_count *n, size_t f)
{
	return f == 0 ? n->exports : f == 1 ? n->export_bytes :
	       f == 2 ? n->releases : n->release_bytes;
}

static int cmp_count_key(const void *a, const void *b)
{
	const struct dbf_count_row *x = *(const struct dbf_count_row *const *)a;
	const struct dbf_count_row *y = *(const struct dbf_count_row *const *)b;
	int d = memcmp(x->key.p, y->key.p, x->key.len < y->key.len ? x->key.len : y->key.len);

	return d ? d : (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

static bool key_eq(struct dbf_str k, const char *lit)
{
	return k.len == strlen(lit) && !memcmp(k.p, lit, k.len);
}

/*
 * By exporter, public as dmabuf_bytes is; by the exporting cgroup, only
 * the rows of exporters @c sees, summed by cgroup (rows are per owner).
 */
static int counters(struct ctx *x, const struct dbf_counts *n, const struct dbf_caller *c)
{
	static const struct fam exp[] = {
		{ "dmabuf_exports_total", NULL,
		  "dma-bufs exported since dmabuffs started, by exporter; without an exporter label: exporter unknown." },
		{ "dmabuf_export_bytes_total", NULL,
		  "Bytes of the dma-bufs counted by dmabuf_exports_total." },
		{ "dmabuf_releases_total", NULL,
		  "dma-bufs freed since dmabuffs started, by exporter." },
		{ "dmabuf_release_bytes_total", NULL,
		  "Bytes of the dma-bufs counted by dmabuf_releases_total." },
	};
	static const struct fam cg[] = {
		{ "dmabuf_cgroup_exports_total", NULL,
		  "dma-bufs exported since dmabuffs started, by the exporting process's cgroup; "
		  "unknown: no process known; other: cgroups past the bound." },
		{ "dmabuf_cgroup_export_bytes_total", NULL,
		  "Bytes of the dma-bufs counted by dmabuf_cgroup_exports_total." },
		{ "dmabuf_cgroup_releases_total", NULL,
		  "dma-bufs freed since dmabuffs started, by the cgroup their export counted in." },
		{ "dmabuf_cgroup_release_bytes_total", NULL,
		  "Bytes of the dma-bufs counted by dmabuf_cgroup_releases_total." },
	};
	__do_free const struct dbf_count_row **v = NULL;
	size_t nv = 0;

	if (!n)
		return 0;
	for (size_t f = 0; f < 4; f++) {
		counter_family(x, exp[f].name, exp[f].help);
		for (size_t i = 0; i < n->nexporters; i++) {
			begin(x, exp[f].name);
			if (n->exporters[i].key.len)
				label(x, "exporter", n->exporters[i].key);
			end_u64(x, count_value(&n->exporters[i].n, f));
		}
		/* never an empty family */
		if (!n->nexporters)
			sample(x, exp[f].name, 0);
	}

	v = calloc(n->ncgroups + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n->ncgroups; i++) {
		const struct dbf_count_row *r = &n->cgroups[i];
		const struct dbf_proc who = { .pid = 1, .owner = r->owner,
					      .owner_gid = r->owner_gid };

		if (r->key.len && dbf_caller_sees(c, &who))
			v[nv++] = r;
	}
	qsort(v, nv, sizeof(*v), cmp_count_key);
	for (size_t f = 0; f < 4; f++) {
		uint64_t other = 0, unknown = 0;

		counter_family(x, cg[f].name, cg[f].help);
		for (size_t i = 0; i < nv;) {
			uint64_t sum = 0;
			size_t j = i;

			/* One series per cgroup: its rows of every owner @c sees. */
			for (; j < nv && !cmp_count_key(&v[i], &v[j]); j++)
				sum += count_value(&v[j]->n, f);
			if (key_eq(v[i]->key, DBF_COUNT_OTHER))
				other = sum;
			else if (key_eq(v[i]->key, DBF_COUNT_UNKNOWN))
				unknown = sum;
			else
				series(x, cg[f].name, "cgroup", v[i]->key, sum);
			i = j;
		}
		/* Always there, so a query over them never comes back empty. */
		series_c(x, cg[f].name, "cgroup", DBF_COUNT_OTHER, other);
		series_c(x, cg[f].name, "cgroup", DBF_COUNT_UNKNOWN, unknown);
	}
	return 0;
}

/* ---- by process: the top holders by PSS, then the rest ---- */

static uint64_t proc_value(const struct dbf_proc *p, size_t f)
{
	switch (f) {
	case 0:
		return p->nph;
	case 1:
		return p->bytes;
	case 2:
		return p->pss;
	case 3:
		return (uint64_t)p->nfds + p->anon_fds;
	default:
		return (uint64_t)p->nmaps + p->anon_maps;
	}
}

static int processes(struct ctx *x, const struct dbf_snapshot *s,
		     const struct dbf_caller *c, unsigned int top)
{
	static const struct fam fam[] = {
		{ "dmabuf_process_buffers", NULL,
		  "dma-bufs a process holds by an fd or a mapping; pid other: "
		  "the sum over the processes without a series." },
		{ "dmabuf_process_bytes", "bytes",
		  "Bytes of the dma-bufs a process holds, each counted whole." },
		{ "dmabuf_process_pss_bytes", "bytes",
		  "A process's proportional share: each buffer's size divided by its number of holders." },
		{ "dmabuf_process_fds", NULL,
		  "dma-buf fds of a process, pre-5.3 ones included." },
		{ "dmabuf_process_mappings", NULL,
		  "dma-buf mappings of a process, pre-5.3 ones included." },
	};
	__do_free struct ranked *rk = calloc(s->nprocs + 1, sizeof(*rk));
	size_t n = 0, keep;

	if (!rk)
		return -ENOMEM;
	for (size_t i = 0; i < s->nprocs; i++)
		if (dbf_caller_sees(c, &s->procs[i]))
			rk[n++] = (struct ranked){ i, s->procs[i].pss, s->procs[i].bytes,
						   (uint64_t)s->procs[i].pid };
	qsort(rk, n, sizeof(*rk), cmp_ranked);
	keep = n < top ? n : top;
	for (size_t f = 0; f < 5; f++) {
		uint64_t rest = 0;
		char pid[16];

		family(x, fam[f].name, fam[f].unit, fam[f].help);
		for (size_t i = 0; i < keep; i++) {
			const struct dbf_proc *p = &s->procs[rk[i].idx];

			snprintf(pid, sizeof(pid), "%d", (int)p->pid);
			begin(x, fam[f].name);
			label_c(x, "pid", pid);
			label(x, "comm", render_comm(p));
			end_u64(x, proc_value(p, f));
		}
		for (size_t i = keep; i < n; i++)
			rest += proc_value(&s->procs[rk[i].idx], f);
		/* a pid is a number: "other" is no process's */
		begin(x, fam[f].name);
		label_c(x, "pid", "other");
		label_c(x, "comm", "other");
		end_u64(x, rest);
	}
	return 0;
}

int dbf_metrics_render(const struct dbf_tree *t, const struct dbf_caller *c,
		       const struct dbf_metrics_opts *o, FILE *out)
{
	const struct dbf_snapshot *s = t->snap;
	struct ctx x = { .f = out };
	int r;

	if ((r = totals(&x, t, o)) < 0 ||
	    (r = names(&x, t, o->top)) < 0 ||
	    (r = cgroups(&x, t, c, o->top)) < 0 ||
	    (r = cgroup_shares(&x, s, c, o->top)) < 0 ||
	    (r = device_shares(&x, s)) < 0 ||
	    (r = devices(&x, t)) < 0 ||
	    (r = processes(&x, s, c, o->top)) < 0 ||
	    (r = counters(&x, t->counts, c)) < 0)
		return r;
	if (x.err)
		return x.err;
	fputs("# EOF\n", out);
	return ferror(out) ? -EIO : 0;
}
