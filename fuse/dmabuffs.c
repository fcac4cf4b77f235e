// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmabuffs: every dma-buf on the machine, with the processes that hold it,
 * as a read-only FUSE tree (see docs/layout.md), printed once (--dump), or
 * followed change by change (--watch).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "bpf_scan.h"
#include "bpf_trace.h"
#include "evmerge.h"
#include "live.h"
#include "devprobe.h"
#include "dump.h"
#include "events.h"
#include "fileio.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "origins.h"
#include "render.h"
#include "sandbox.h"
#include "scanner.h"
#include "snapshot.h"
#include "tree.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: dmabuffs [OPTIONS] [MOUNTPOINT]\n"
"       dmabuffs --dump[=FORMAT] [--format FORMAT | --json] [--scanner WHICH]\n"
"                [--origins MOUNT]\n"
"                [--proc DIR] [--debugfs DIR] [--sysfs DIR]\n"
"                [--dmabuf-dev MAJ:MIN] [--metrics-top N]\n"
"       dmabuffs --watch [--json] [--refresh MS] [--scanner WHICH] [--proc DIR] ...\n"
"\n"
"Mount every dma-buf on the machine as a read-only tree at MOUNTPOINT\n"
"(default /dmabuf): by-inode/, by-name/, by-exporter/, by-pid/, by-cgroup/,\n"
"by-device/, summary, metrics (OpenMetrics), usage.svg (a treemap) and\n"
"events (every change as it happens; reads wait for the next one).\n"
"\n"
"  -f                 stay in the foreground\n"
"  -d                 debug output (implies -f)\n"
"  -s                 serve requests from one thread\n"
"  -o OPT[,OPT...]    FUSE mount options (for example allow_other)\n"
"  --refresh=MS       scan every MS ms; no answer is older than that\n"
"                     plus one scan\n"
"                     (default %d, at least %d)\n"
"  --dump[=FORMAT]    scan once, print every buffer and holder, exit\n"
"  --format=FORMAT    with --dump: text (default), json (docs/dump-json.md),\n"
"                     openmetrics (docs/metrics.md) or svg (a treemap)\n"
"  --json             the same as --format=json; with --watch, JSON lines\n"
"  --origins=MOUNT    with --dump --json: who exported each buffer and when,\n"
"                     from the buffer files of the dmabuffs mount at MOUNT\n"
"  --watch            print every change as it is seen, one line each\n"
"                     (docs/events.md), until interrupted\n"
"  --metrics-top=N    metrics (the file or --dump=openmetrics): series for the\n"
"                     N largest processes, names and cgroups, then one for\n"
"                     the rest; usage.svg: blocks for the N largest processes\n"
"                     (default %d, 1 to %d)\n"
"  --proc=DIR         procfs root (default /proc)\n"
"  --debugfs=DIR      debugfs root (default /sys/kernel/debug)\n"
"  --sysfs=DIR        sysfs root (default /sys)\n"
"  --dmabuf-dev=MAJ:MIN  the dma-buf filesystem's device, decimal as\n"
"                     stat -c %%Hd:%%Ld prints it (for captures; by default\n"
"                     learned from a dma-buf fd or a buffer of our own)\n"
"  --scan-threads=N   threads that read /proc (default: idle CPUs, 1 per 256 processes)\n"
"  --scanner=WHICH    auto (default: BPF iterators where they load, else\n"
"                     procfs, saying why), bpf or procfs\n"
"  --btf=FILE         kernel BTF the BPF scanner is fitted to (default\n"
"                     /sys/kernel/btf/vmlinux)\n"
"  --events-backlog=N  lines the events file keeps for a reader that lags;\n"
"                     past it the oldest are lost, and it says so\n"
"                     (default %d, 1 to %d)\n"
"  --user=NAME        scan and serve as NAME (default dmabuffs if that user\n"
"                     exists, else nobody); the scanner keeps only\n"
"                     CAP_DAC_READ_SEARCH, and CAP_SYS_PTRACE for procfs,\n"
"                     the server none\n"
"  --no-drop          keep every privilege (debugging only)\n"
"  -V, --version      print the version\n"
"  -h, --help         print this help\n",
		DBF_REFRESH_DEFAULT_MS, DBF_REFRESH_MIN_MS,
		DBF_METRICS_TOP_DEFAULT, DBF_METRICS_TOP_MAX,
		DBF_EVENTS_BACKLOG_DEFAULT, DBF_EVENTS_BACKLOG_MAX);
}

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	__do_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	dbf_log(LOG_ERR, "%s (see dmabuffs --help)", msg ? msg : fmt);
	return 1;
}

/* Join repeated -o values the way FUSE's own option parser would. */
static int add_fuse_opt(char **joined, const char *opt)
{
	char *s;

	if (!*joined) {
		s = strdup(opt);
	} else if (asprintf(&s, "%s,%s", *joined, opt) < 0) {
		s = NULL;
	}
	if (!s)
		return -ENOMEM;
	free(*joined);
	*joined = s;
	return 0;
}

static int parse_uint(const char *arg, unsigned long min, unsigned long max,
		      unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* "MAJ:MIN" in decimal, as stat -c '%Hd:%Ld' prints a device. */
static int parse_dev(const char *arg, uint64_t *dev)
{
	unsigned int maj, min;
	const char *colon = strchr(arg, ':');
	__do_free char *major = colon ? strndup(arg, (size_t)(colon - arg)) : NULL;

	if (!major || parse_uint(major, 0, 0xfff, &maj) < 0 ||
	    parse_uint(colon + 1, 0, 0xfffff, &min) < 0)
		return -EINVAL;
	*dev = makedev(maj, min);
	return 0;
}

enum dump_format { DUMP_TEXT, DUMP_JSON, DUMP_OPENMETRICS, DUMP_SVG };

static const char *const dump_formats[] = {
	[DUMP_TEXT] = "text",
	[DUMP_JSON] = "json",
	[DUMP_OPENMETRICS] = "openmetrics",
	[DUMP_SVG] = "svg",
};

static int parse_format(const char *arg)
{
	for (size_t i = 0; i < sizeof(dump_formats) / sizeof(dump_formats[0]); i++)
		if (!strcmp(arg, dump_formats[i]))
			return (int)i;
	return -EINVAL;
}

/*
 * metrics and usage.svg are files of the view, printed as root opening
 * /dmabuf/metrics or /dmabuf/usage.svg would read them, from a tree over
 * @snap (which it takes).
 */
static int print_view(struct dbf_snapshot *snap, enum dump_format fmt,
		      unsigned int top)
{
	struct dbf_interner *in = dbf_interner_new();
	uint64_t node = dbf_node(DBF_KIND_FIXED, fmt == DUMP_SVG ? DBF_NODE_USAGE_SVG :
							     DBF_NODE_METRICS);
	struct dbf_tree *t = NULL;
	__do_free char *text = NULL;
	size_t len = 0;
	int r;

	if (!in) {
		dbf_snapshot_free(snap);
		return -ENOMEM;
	}
	r = dbf_tree_build(snap, in, NULL, getuid(), getgid(), false, top, &t);
	if (r == 0)
		r = dbf_render(t, node, &DBF_CALLER_ROOT, &text, &len);
	if (r == 0 && fwrite(text, 1, len, stdout) != len)
		r = -EIO;
	dbf_tree_free(t);
	dbf_interner_free(in);
	return r;
}

/*
 * The dump is root's view, whoever runs it: it shows what the scan read.
 * Takes @snap.
 */
static int print_dump(struct dbf_snapshot *snap, enum dump_format fmt,
		      unsigned int top)
{
	int r;

	switch (fmt) {
	case DUMP_OPENMETRICS:
	case DUMP_SVG:
		return print_view(snap, fmt, top);
	case DUMP_JSON:
		r = dbf_dump_json(snap, stdout);
		break;
	default:
		r = dbf_dump_text(snap, stdout);
		break;
	}
	dbf_snapshot_free(snap);
	return r;
}

static int run_dump(struct dbf_options *o, enum dump_format fmt, const char *origins)
{
	struct dbf_snapshot *snap;
	size_t bad = 0;
	int r;

	if (dbf_scanner_load_bpf(o->scanner, o->scan.proc_root, o->btf, o->debug,
				 &o->scan.bpf) < 0)
		return 1;
	dbf_scan_opts_probe(&o->scan);
	r = dbf_scan(&o->scan, NULL, &snap);
	dbf_bpf_free(o->scan.bpf);
	o->scan.bpf = NULL;
	if (r < 0) {
		dbf_log(LOG_ERR, "cannot scan %s: %s",
			o->scan.proc_root, strerror(-r));
		return 1;
	}
	if (snap->bufinfo_err)
		dbf_log(LOG_NOTICE, "%s/dma_buf/bufinfo: %s; %s",
			o->scan.debugfs_root, strerror(snap->bufinfo_err),
			snap->sources & DBF_SRC_ITER ? "no attachments" : "procfs only");
	/* A scan knows no earlier export; a running mount may. */
	if (origins && (r = dbf_origins_read(snap, origins, &bad)) < 0) {
		dbf_log(LOG_ERR, "--origins=%s: %s", origins,
			r == -ENOTDIR ? "not a dmabuffs mount (no by-inode/ and summary)" :
					strerror(-r));
		dbf_snapshot_free(snap);
		return 1;
	}
	if (bad)
		dbf_log(LOG_NOTICE, "--origins=%s: %zu buffer files without size:, exported-at: "
			"and exported-by: lines; their origins are unknown", origins, bad);
	r = print_dump(snap, fmt, o->metrics_top);
	if (r < 0 || fflush(stdout) == EOF) {
		dbf_log(LOG_ERR, "writing the dump: %s",
			strerror(r < 0 ? -r : errno));
		return 1;
	}
	return 0;
}

static volatile sig_atomic_t watch_stop;

static void on_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* The trace source of --watch, and the stream it merges into. */
struct watch {
	struct dbf_trace *trace;	/* NULL: scans alone */
	uint64_t lost;			/* ring overflows told so far */
	struct dbf_live *live;
	struct dbf_evmerge *merge;
	const struct dbf_snapshot *cur;	/* the last snapshot printed from */
	bool json;
	int err;			/* the first failure to print */
};

static int print_event(void *ctx, const struct dbf_event *ev)
{
	const struct watch *w = ctx;

	return w->json ? dbf_event_json(stdout, ev) : dbf_event_text(stdout, ev);
}

static int watch_record(void *ctx, const struct dbf_trace_rec *r)
{
	struct watch *w = ctx;
	struct dbf_event ev;

	if (dbf_live_event(w->live, r, dbf_live_boot_to_real(), &ev) < 0)
		return 0;
	return dbf_evmerge_trace(w->merge, w->cur, &ev, print_event, w);
}

/* Print what the ring holds: how many records. */
static int watch_drain(struct watch *w)
{
	int n = w->trace ? dbf_trace_consume(w->trace, watch_record, w) : 0;
	uint64_t lost = w->trace ? dbf_trace_lost(w->trace) : 0;

	if (n < 0 && n != -EIO)
		w->err = n;
	if (lost != w->lost) {
		/* As the daemon says it: the scans still tell where things ended. */
		dbf_log(LOG_NOTICE, "trace: the kernel's ring buffer was full; %llu events lost",
			(unsigned long long)(lost - w->lost));
		w->lost = lost;
	}
	if (fflush(stdout) == EOF && !w->err)
		w->err = -errno;
	return n > 0 ? n : 0;
}

/*
 * Sleep @ms unless a signal comes first, printing traced events as they
 * come; after some, the next scan is due soon (50 ms), to show what the
 * trace cannot see (the fds a process passed on, say).
 */
static void nap(struct watch *w, unsigned int ms)
{
	struct timespec now, end;
	int left = (int)ms;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000;
	while (!watch_stop && !w->err && left > 0) {
		struct pollfd p = { .fd = w->trace ? dbf_trace_fd(w->trace) : -1, .events = POLLIN };

		if (poll(&p, 1, left) > 0 && watch_drain(w) && ms > 50) {
			nap(w, 50);
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (int)((end.tv_sec - now.tv_sec) * 1000 +
			     (end.tv_nsec - now.tv_nsec + 999999) / 1000000);
	}
}

/*
 * --watch: scan every --refresh ms and print what changed since the scan
 * before, from the first scan on, with the trace's events as they happen
 * where the kernel can be traced. A scan that fails is skipped; the next
 * one is compared with the last good one.
 */
static int run_watch(struct dbf_options *o, bool json)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct dbf_snapshot *prev = NULL, *next;
	struct watch w = { .json = json };
	char root[4096];
	int r = 0;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (dbf_scanner_load_bpf(o->scanner, o->scan.proc_root, o->btf, o->debug,
				 &o->scan.bpf) < 0)
		return 1;
	dbf_scanner_load_trace(o->scanner, o->scan.proc_root, o->btf, o->debug, &w.trace);
	snprintf(root, sizeof(root), "%s/fs/cgroup", o->scan.sysfs_root);
	w.merge = dbf_evmerge_new();
	w.live = dbf_live_new(root);
	if (!w.merge || !w.live) {
		dbf_log(LOG_ERR, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	dbf_scan_opts_probe(&o->scan);
	while (!watch_stop && !w.err) {
		r = dbf_scan(&o->scan, prev, &next);
		/*
		 * Events up to the scan's end first, against the snapshot
		 * before it: a change can be listed before it is traced.
		 */
		watch_drain(&w);
		if (r < 0) {
			dbf_log(LOG_ERR, "cannot scan %s: %s", o->scan.proc_root, strerror(-r));
			if (!prev)
				break;
			nap(&w, o->refresh_ms);
			continue;
		}
		/* The kernel's way with names does not change: learn it once. */
		o->scan.names_escaped |= next->names_escaped;
		if (prev) {
			r = dbf_evmerge_scan(w.merge, prev, next, print_event, &w);
			if (!r && fflush(stdout) == EOF)
				r = -errno;
			dbf_snapshot_free(prev);
		} else {
			/* Events count from here: say so, and where they come from. */
			char desc[256] = "";

			if (w.trace)
				dbf_trace_describe(w.trace, desc, sizeof(desc));
			dbf_log(LOG_NOTICE, "watching; events: %s%s%s", w.trace ? "trace (" : "scan",
				desc, w.trace ? ")" : "");
		}
		prev = next;
		w.cur = prev;
		if (r < 0)
			w.err = r;
		else
			nap(&w, o->refresh_ms);
	}
	if (w.err) {
		dbf_log(LOG_ERR, "writing events: %s", strerror(-w.err));
		r = w.err;
	}
out:
	dbf_snapshot_free(prev);
	dbf_evmerge_free(w.merge);
	dbf_live_free(w.live);
	dbf_trace_free(w.trace);
	dbf_bpf_free(o->scan.bpf);
	o->scan.bpf = NULL;
	return r < 0;
}

enum { OPT_REFRESH = 256, OPT_DUMP, OPT_JSON, OPT_FORMAT, OPT_PROC, OPT_DEBUGFS,
       OPT_SYSFS, OPT_THREADS, OPT_USER, OPT_NO_DROP, OPT_DMABUF_DEV,
       OPT_METRICS_TOP, OPT_SCANNER, OPT_BTF, OPT_SECCOMP_SELFTEST, OPT_WATCH,
       OPT_EVENTS_BACKLOG, OPT_ORIGINS };

/* --dump=F, --format=F and --json name one format, or the same one twice. */
static int set_format(int *fmt, int f, const char *opt)
{
	if (*fmt >= 0 && *fmt != f)
		return usage_error("%s: the dump's format is already %s", opt,
				   dump_formats[*fmt]);
	*fmt = f;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "refresh",	required_argument,	NULL, OPT_REFRESH },
		{ "dump",	optional_argument,	NULL, OPT_DUMP },
		{ "json",	no_argument,		NULL, OPT_JSON },
		{ "origins",	required_argument,	NULL, OPT_ORIGINS },
		{ "watch",	no_argument,		NULL, OPT_WATCH },
		{ "format",	required_argument,	NULL, OPT_FORMAT },
		{ "metrics-top", required_argument,	NULL, OPT_METRICS_TOP },
		{ "proc",	required_argument,	NULL, OPT_PROC },
		{ "debugfs",	required_argument,	NULL, OPT_DEBUGFS },
		{ "sysfs",	required_argument,	NULL, OPT_SYSFS },
		{ "scan-threads", required_argument,	NULL, OPT_THREADS },
		{ "dmabuf-dev",	required_argument,	NULL, OPT_DMABUF_DEV },
		{ "scanner",	required_argument,	NULL, OPT_SCANNER },
		{ "btf",	required_argument,	NULL, OPT_BTF },
		{ "events-backlog", required_argument,	NULL, OPT_EVENTS_BACKLOG },
		{ "user",	required_argument,	NULL, OPT_USER },
		{ "no-drop",	no_argument,		NULL, OPT_NO_DROP },
#ifdef DBF_SECCOMP_SELFTEST
		/* Test builds only; not in --help. */
		{ "seccomp-selftest", no_argument,	NULL, OPT_SECCOMP_SELFTEST },
#endif
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ 0 }
	};
	struct dbf_options o = {
		.scan = {
			.proc_root = "/proc",
			.debugfs_root = "/sys/kernel/debug",
			.sysfs_root = "/sys",
		},
		.mountpoint = "/dmabuf",
		.refresh_ms = DBF_REFRESH_DEFAULT_MS,
		.user = NULL,		/* dmabuffs, else nobody */
		.metrics_top = DBF_METRICS_TOP_DEFAULT,
		.events_backlog = DBF_EVENTS_BACKLOG_DEFAULT,
	};
	__do_free char *fuse_opts = NULL;
	const char *origins = NULL;
	bool dump = false, watch = false;
	int c, fmt = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fdso:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.foreground = true;
			break;
		case 'd':
			o.debug = o.foreground = true;
			break;
		case 's':
			o.single_thread = true;
			break;
		case 'o':
			if (add_fuse_opt(&fuse_opts, optarg) < 0)
				return usage_error("out of memory");
			break;
		case OPT_REFRESH:
			if (parse_uint(optarg, DBF_REFRESH_MIN_MS, 3600000, &o.refresh_ms) < 0)
				return usage_error("--refresh takes milliseconds from 100 to 3600000, not '%s'",
						   optarg);
			break;
		case OPT_DUMP:
			dump = true;
			if (optarg && parse_format(optarg) < 0)
				return usage_error("--dump takes text, json, openmetrics or svg, not '%s'",
						   optarg);
			if (optarg && set_format(&fmt, parse_format(optarg), "--dump"))
				return 1;
			break;
		case OPT_JSON:
			if (set_format(&fmt, DUMP_JSON, "--json"))
				return 1;
			break;
		case OPT_WATCH:
			watch = true;
			break;
		case OPT_ORIGINS:
			origins = optarg;
			break;
		case OPT_FORMAT:
			if (parse_format(optarg) < 0)
				return usage_error("--format takes text, json, openmetrics or svg, not '%s'",
						   optarg);
			if (set_format(&fmt, parse_format(optarg), "--format"))
				return 1;
			break;
		case OPT_METRICS_TOP:
			if (parse_uint(optarg, 1, DBF_METRICS_TOP_MAX, &o.metrics_top) < 0)
				return usage_error("--metrics-top takes 1 to %d, not '%s'",
						   DBF_METRICS_TOP_MAX, optarg);
			break;
		case OPT_PROC:
			o.scan.proc_root = optarg;
			break;
		case OPT_DEBUGFS:
			o.scan.debugfs_root = optarg;
			break;
		case OPT_SYSFS:
			o.scan.sysfs_root = optarg;
			break;
		case OPT_USER:
			o.user = optarg;
			break;
		case OPT_NO_DROP:
			o.no_drop = true;
			break;
		case OPT_SECCOMP_SELFTEST:
			dbf_sandbox_selftest_on = true;
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, 1, 8, &o.scan.threads) < 0)
				return usage_error("--scan-threads takes 1 to 8, not '%s'", optarg);
			break;
		case OPT_DMABUF_DEV:
			if (parse_dev(optarg, &o.scan.dmabuf_dev) < 0)
				return usage_error("--dmabuf-dev takes MAJOR:MINOR in decimal, not '%s'",
						   optarg);
			o.scan.dev_src = DBF_DEV_OPTION;
			break;
		case OPT_SCANNER:
			if (!strcmp(optarg, "auto"))
				o.scanner = DBF_SCANNER_AUTO;
			else if (!strcmp(optarg, "bpf"))
				o.scanner = DBF_SCANNER_WANT_BPF;
			else if (!strcmp(optarg, "procfs"))
				o.scanner = DBF_SCANNER_WANT_PROCFS;
			else
				return usage_error("--scanner takes auto, bpf or procfs, not '%s'",
						   optarg);
			break;
		case OPT_BTF:
			o.btf = optarg;
			break;
		case OPT_EVENTS_BACKLOG:
			if (parse_uint(optarg, 1, DBF_EVENTS_BACKLOG_MAX, &o.events_backlog) < 0)
				return usage_error("--events-backlog takes 1 to %d, not '%s'",
						   DBF_EVENTS_BACKLOG_MAX, optarg);
			break;
		case 'V':
			printf("dmabuffs %s\n", DMABUFFS_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (dump && watch)
		return usage_error("--dump and --watch: one or the other");
	if (watch && fmt >= 0 && (fmt != DUMP_JSON || dump))
		return usage_error("--watch prints text or, with --json, JSON lines");
	if (origins && (!dump || fmt != DUMP_JSON))
		return usage_error("--origins goes with --dump --json");
	if (fmt >= 0 && !dump && !watch)
		return usage_error("%s goes with --dump",
				   fmt == DUMP_JSON ? "--json" : "--format");

	/* mount.fuse3 passes "dmabuffs SOURCE MOUNTPOINT": skip the source. */
	if (argc - optind == 2)
		optind++;
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (argc - optind == 1) {
		if (dump || watch)
			return usage_error("--%s takes no mountpoint, got '%s'",
					   dump ? "dump" : "watch", argv[optind]);
		o.mountpoint = argv[optind];
	}

	if (dump) {
		if (fuse_opts)
			return usage_error("%s: -o has no meaning with --dump", fuse_opts);
		return run_dump(&o, fmt < 0 ? DUMP_TEXT : (enum dump_format)fmt, origins);
	}
	if (watch) {
		if (fuse_opts)
			return usage_error("%s: -o has no meaning with --watch", fuse_opts);
		return run_watch(&o, fmt == DUMP_JSON);
	}
	o.fuse_opts = fuse_opts;
	return dbf_view_run(&o);
}
