/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exports and releases counted from the events, by exporter and by the
 * exporting process's cgroup (docs/metrics.md, Counters): each once,
 * whichever source told it, as the merged stream (evmerge.h) tells them,
 * but without keeping every event, so that they cost little when nobody
 * reads the stream. A release
 * counts under the cgroup its buffer's export counted under, so that per
 * cgroup exports less releases are the buffers it made that live on.
 */
#ifndef DMABUFFS_COUNTERS_H
#define DMABUFFS_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include "events.h"
#include "snapshot.h"

/* Where an export's cgroup is not known, and where rows past the bound go. */
#define DBF_COUNT_UNKNOWN	"unknown"
#define DBF_COUNT_OTHER		"other"

struct dbf_count {
	uint64_t exports, export_bytes;
	uint64_t releases, release_bytes;
};

struct dbf_count_row {
	struct dbf_str key;		/* exporter (len 0: unknown) or cgroup */
	uid_t owner;			/* cgroup rows: the exporter's (dbf_proc's) */
	gid_t owner_gid;
	struct dbf_count n;
};

/* The counts at one moment, for a tree to render. */
struct dbf_counts {
	struct dbf_count_row *exporters, *cgroups;
	size_t nexporters, ncgroups;
	char *mem;			/* every key */
};

struct dbf_counters;

/*
 * The cgroup rows to keep for --metrics-top=@top: more than the gauges'
 * series, since a counter is of use only as long as its series lasts.
 */
#define DBF_COUNTER_CGROUPS(top)	(4 * (top))

/* At most @max_cgroups cgroup rows but "unknown" and "other" ones. */
struct dbf_counters *dbf_counters_new(unsigned int max_cgroups);
void dbf_counters_free(struct dbf_counters *c);

/*
 * Count a traced event; @cur is the last snapshot. A release counts only
 * for a buffer the trace or @cur told alive, once. 0 or -ENOMEM.
 */
int dbf_counters_trace(struct dbf_counters *c, const struct dbf_snapshot *cur,
		       const struct dbf_event *ev);

/*
 * Count a scan's event (a dbf_event_fn for dbf_events_diff(), @ctx the
 * counters), unless the trace told it: its records come before the
 * snapshot that shows it. A scan's export takes the cgroup of the first
 * hold of its buffer that follows before dbf_counters_flush().
 */
int dbf_counters_scan(void *ctx, const struct dbf_event *ev);

/*
 * The end of one snapshot's events (@s): scans' exports still without a
 * process count as "unknown"; buffers a listing @s lacks are forgotten.
 */
int dbf_counters_flush(struct dbf_counters *c, const struct dbf_snapshot *s);

/* A copy of the counts now, or NULL without memory. */
struct dbf_counts *dbf_counters_freeze(const struct dbf_counters *c);
void dbf_counts_free(struct dbf_counts *n);

#endif
