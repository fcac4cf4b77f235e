/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exports and releases counted from the event stream, by exporter and by
 * the exporting process's cgroup (docs/metrics.md, Counters). A release
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
 * Count @ev, one event of the merged stream. An export no process is
 * known for (a scan's) takes the cgroup of the first hold of its buffer
 * that follows before dbf_counters_flush(). 0 or -ENOMEM.
 */
int dbf_counters_event(struct dbf_counters *c, const struct dbf_event *ev);

/*
 * The end of one snapshot's events (@s): exports still without a process
 * count as "unknown", and buffers a listing @s lacks are forgotten.
 */
int dbf_counters_flush(struct dbf_counters *c, const struct dbf_snapshot *s);

/* A copy of the counts now, or NULL without memory. */
struct dbf_counts *dbf_counters_freeze(const struct dbf_counters *c);
void dbf_counts_free(struct dbf_counts *n);

#endif
