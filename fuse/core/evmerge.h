/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One event stream from two sources (docs/events.md): what the kernel
 * traced as it happened, and what two consecutive snapshots differ by.
 * Each change is told once, whichever source saw it first: a scan does
 * not repeat what the trace already said, a trace event is dropped when
 * the last snapshot already showed it, and what the trace said that a
 * later scan shows undone (an fd closed before anyone scanned) is told
 * by that scan.
 */
#ifndef DMABUFFS_EVMERGE_H
#define DMABUFFS_EVMERGE_H

#include "events.h"

struct dbf_evmerge;

struct dbf_evmerge *dbf_evmerge_new(void);
void dbf_evmerge_free(struct dbf_evmerge *m);

/*
 * A traced event (source DBF_EVS_TRACE) against what was told so far: the
 * snapshot @cur (the last one given to dbf_evmerge_scan(), or NULL before
 * the first, when nothing is told) and the traced events since. Calls @fn
 * for what is news: the event itself, with a rename's old name filled in
 * when the kernel did not say it; before a release, a drop of each fd and
 * mapping still told as held. @fn's first non-zero return, or 0.
 */
int dbf_evmerge_trace(struct dbf_evmerge *m, const struct dbf_snapshot *cur,
		      const struct dbf_event *ev, dbf_event_fn fn, void *ctx);

/*
 * The change from @a to @b (dbf_events_diff()) less what the trace told,
 * then what the trace told before @b was taken that @b shows undone.
 * Traced events from after @b->taken stay for the next snapshot.
 */
int dbf_evmerge_scan(struct dbf_evmerge *m, const struct dbf_snapshot *a,
		     const struct dbf_snapshot *b, dbf_event_fn fn, void *ctx);

/*
 * Give @fn every event of dbf_evmerge_scan()'s diffs as the diff makes
 * it, before the merge (the counters, which keep their own tally of what
 * the trace told): one diff of two snapshots serves both.
 */
void dbf_evmerge_observe(struct dbf_evmerge *m, dbf_event_fn fn, void *ctx);

/* Forget the traced events (nobody reads them: nothing was told). */
void dbf_evmerge_reset(struct dbf_evmerge *m);

/* Traced events kept, waiting for a snapshot to confirm them. */
size_t dbf_evmerge_pending(const struct dbf_evmerge *m);

#endif
