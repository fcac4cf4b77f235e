/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's command line, shared by main and the view. */
#ifndef DMABUFFS_OPTIONS_H
#define DMABUFFS_OPTIONS_H

#include <stdbool.h>
#include "snapshot.h"

/* --scanner: BPF where it loads (auto), or one of them or nothing. */
enum dbf_scanner_choice {
	DBF_SCANNER_AUTO = 0,
	DBF_SCANNER_WANT_BPF,
	DBF_SCANNER_WANT_PROCFS,
};

#define DBF_REFRESH_DEFAULT_MS	1000
#define DBF_REFRESH_MIN_MS	100
/* Lines /dmabuf/events keeps for a reader that lags (docs/events.md). */
#define DBF_EVENTS_BACKLOG_DEFAULT	4096
#define DBF_EVENTS_BACKLOG_MAX		1048576

struct dbf_options {
	struct dbf_scan_opts scan;
	const char *mountpoint;		/* default "/dmabuf" */
	unsigned int refresh_ms;
	bool foreground;		/* -f, or implied by -d */
	bool debug;			/* -d */
	bool single_thread;		/* -s */
	const char *fuse_opts;		/* -o values joined by ',', or NULL */
	const char *user;		/* --user, NULL: dmabuffs, else nobody */
	bool no_drop;			/* --no-drop: keep root, for debugging */
	/* --metrics-top: per-process, name and cgroup series in metrics */
	unsigned int metrics_top;
	enum dbf_scanner_choice scanner;	/* --scanner */
	const char *btf;		/* --btf: kernel BTF, NULL: the running kernel's */
	unsigned int events_backlog;	/* --events-backlog: /dmabuf/events' ring */
};

/* Mount the view and serve it until unmounted; returns the exit code. */
int dbf_view_run(const struct dbf_options *opts);

#endif
