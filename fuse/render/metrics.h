/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /dmabuf/metrics: one snapshot as an OpenMetrics text file, which the
 * Prometheus text format (node_exporter's textfile collector, promtool)
 * reads as well. Every metric and the cardinality rule: docs/metrics.md.
 */
#ifndef DMABUFFS_METRICS_H
#define DMABUFFS_METRICS_H

#include <stdio.h>
#include <time.h>
#include "tree.h"

#define DBF_METRICS_TOP_DEFAULT	20
#define DBF_METRICS_TOP_MAX	1000

struct dbf_metrics_opts {
	/*
	 * Series per process, name and cgroup: the @top largest, then one
	 * that sums the rest, so the series count stays bounded.
	 */
	unsigned int top;
	struct timespec now;	/* CLOCK_REALTIME, for the snapshot's age */
};

/*
 * Write the metrics of @t's snapshot as @c may see them: per-process
 * series count only the processes @c sees (dbf_caller_sees), per-cgroup
 * ones are the summary's [cgroups] rows for @c (dbf_tree_cgroup_rows);
 * the rest is public, as in the summary. Returns 0, -ENOMEM or -EIO.
 */
int dbf_metrics_render(const struct dbf_tree *t, const struct dbf_caller *c,
		       const struct dbf_metrics_opts *o, FILE *out);

/*
 * A label value as written between the double quotes: the text form of
 * labels.h, then '\' and '"' escaped as the format asks. No newline can
 * remain, so a value can add no line, label or series. Same return
 * convention as snprintf.
 */
size_t dbf_metrics_label(char *out, size_t size, struct dbf_str in);

#endif
