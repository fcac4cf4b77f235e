/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events: what happened to dma-bufs, one change at a time (docs/events.md).
 * dbf_events_diff() derives them from two consecutive snapshots, which
 * works on every kernel; the text and JSON lines are what /dmabuf/events
 * and `dmabuffs --watch` print.
 */
#ifndef DMABUFFS_EVENTS_H
#define DMABUFFS_EVENTS_H

#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"

enum dbf_event_kind {
	DBF_EV_EXPORT,		/* a buffer appeared */
	DBF_EV_RELEASE,		/* a buffer was freed */
	DBF_EV_HOLD,		/* a process gained an fd or a mapping of it */
	DBF_EV_DROP,		/* a process lost one (closed, unmapped, exited) */
	DBF_EV_RENAME,
	DBF_EV_ATTACH,		/* a device attached to it */
	DBF_EV_DETACH,
};

enum dbf_event_source {
	DBF_EVS_SCAN,		/* two snapshots differ */
	DBF_EVS_TRACE,		/* the kernel said so as it happened */
};

struct dbf_event {
	struct timespec time;		/* CLOCK_REALTIME */
	unsigned int kind;		/* DBF_EV_* */
	unsigned int source;		/* DBF_EVS_* */
	uint64_t ino, size;
	struct dbf_str exporter;	/* len 0: unknown */
	struct dbf_str name;		/* meaningful if has_name */
	bool has_name;
	struct dbf_str old_name;	/* a rename's; meaningful if had_name */
	bool had_name;
	pid_t pid;			/* 0: no process is known */
	uid_t owner;			/* with pid: who may see it (dbf_proc's) */
	gid_t owner_gid;
	const char *comm;		/* with pid: NUL-terminated, raw bytes */
	struct dbf_str cgroup;		/* with pid: len 0 when unknown */
	int fd;				/* a hold or drop of an fd; else -1 */
	bool map;			/* a hold or drop of a mapping */
	struct dbf_str device;		/* an attach or detach */
};

typedef int (*dbf_event_fn)(void *ctx, const struct dbf_event *ev);

/*
 * Call @fn for every change from @a to @b, in order of inode: a new
 * buffer's export before its holds, a gone buffer's drops before its
 * release; each fd gained or lost is one hold or drop, and each mapping
 * too. What one snapshot could not see is no change: the holdings of a
 * process unreadable in @b, and buffers only a listing source (debugfs,
 * sysfs, iter/dmabuf) showed when that source answered in one snapshot
 * alone. Stops at and returns @fn's first non-zero return; else 0.
 */
int dbf_events_diff(const struct dbf_snapshot *a, const struct dbf_snapshot *b,
		    dbf_event_fn fn, void *ctx);

/* "export", "release", "hold", ... */
const char *dbf_event_name(unsigned int kind);

/*
 * One line, newline included: text for grep (names escaped as in --dump),
 * or one JSON object. 0, or a negative errno.
 */
int dbf_event_text(FILE *out, const struct dbf_event *ev);
int dbf_event_json(FILE *out, const struct dbf_event *ev);
/* @t as RFC 3339 in UTC with nanoseconds: 2026-12-06T13:21:42.500000000Z */
void dbf_fput_time(FILE *out, struct timespec t);
/* The line that tells a reader @count lines it may see are lost, at @t. */
int dbf_event_lost_text(FILE *out, struct timespec t, uint64_t count);

#endif
