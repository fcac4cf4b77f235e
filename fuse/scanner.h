/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scanner process (dmabuffs-scan): the only one that reads /proc. It
 * scans every refresh interval (or, with the trace source, when there is
 * something to see: DBF_SCAN_*) and writes each snapshot to a pipe as one
 * frame (core/wire.h); the server builds its view from them.
 */
#ifndef DMABUFFS_SCANNER_H
#define DMABUFFS_SCANNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "options.h"
#include "privs.h"
#include "snapshot.h"

struct dbf_scanner {
	pid_t pid;
	int pidfd;	/* survives fuse_daemonize(), which makes it not our child */
	int frames;	/* read end: frames from the scanner */
	int ctl;	/* write end: a byte below; closing it tells the scanner to exit */
};

/*
 * What the server asks on the control pipe. The scanner scans every
 * refresh interval; with the trace source and nobody reading events, it
 * scans only when the trace tells of a change or a request finds the view
 * older than the interval (DBF_SCAN_NOW): an idle machine costs no scan.
 */
#define DBF_SCAN_NOW		'S'	/* a request waits for a fresh view */
#define DBF_SCAN_WATCHED	'W'	/* events are read: every interval */
#define DBF_SCAN_UNWATCHED	'U'	/* no longer: when asked or traced */

/* Ask @what of the scanner; never blocks (a full pipe has asked already). */
void dbf_scanner_ask(const struct dbf_scanner *sc, char what);

struct dbf_scanner_cfg {
	const struct dbf_scan_opts *scan;
	unsigned int refresh_ms;
	const struct dbf_privs *privs;	/* NULL: keep the caller's privileges */
	bool sandbox;			/* install the seccomp filter */
	bool foreground;		/* keep stderr; else only until started */
	enum dbf_scanner_choice choice;	/* --scanner */
	const char *btf;		/* --btf */
	bool verbose;			/* -d: libbpf's own diagnostics */
};

/*
 * Load the BPF iterators as @choice asks, while privileged: *out is NULL
 * for procfs. auto falls back to procfs with one notice saying why (none
 * when @proc_root is not the live /proc, which only procfs can read);
 * --scanner=bpf that cannot load is an error: -1 after saying why.
 */
int dbf_scanner_load_bpf(enum dbf_scanner_choice choice, const char *proc_root,
			 const char *btf, bool verbose, struct dbf_bpf **out);

/*
 * Load the trace source (live events) where the BPF scanner could be
 * chosen: *out NULL where it cannot, after one notice saying why (none
 * for a build without BPF). Never an error: events then come from scans.
 */
struct dbf_trace;
int dbf_scanner_load_trace(enum dbf_scanner_choice choice, const char *proc_root,
			   const char *btf, bool verbose, struct dbf_trace **out);

/* Fork it. 0, or -1 after printing why. */
int dbf_scanner_start(const struct dbf_scanner_cfg *cfg, struct dbf_scanner *sc);

/*
 * Read one frame from @fd: 0, its type (DBF_WIRE_SNAPSHOT or _EVENTS) and
 * a malloc()ed payload in *payload (*len bytes), or 0 with *err set to the
 * errno of a failed scan;
 * -EPIPE at end of file, -EINVAL for a frame that is not one, -ENOMEM.
 */
int dbf_scanner_read(int fd, uint32_t *type, char **payload, size_t *len, int *err);

/* SIGKILL through the pidfd: its frame pipe then reads end of file. */
void dbf_scanner_kill(struct dbf_scanner *sc);
/* Kill it, close the pipes, reap it if it is still our child: its wait status, else -1. */
int dbf_scanner_stop(struct dbf_scanner *sc);
/* "exit status 1", "killed by signal 31, Bad system call": for a log line. */
void dbf_scanner_describe(int status, char *buf, size_t size);

#endif
