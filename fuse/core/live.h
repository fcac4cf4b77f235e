/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the trace source's records become on the scanning side: events
 * (with the acting process's cgroup path and the wall-clock time), and
 * the origin of each buffer exported while dmabuffs runs, which every
 * snapshot then carries (exported-by, exported-at).
 */
#ifndef DMABUFFS_LIVE_H
#define DMABUFFS_LIVE_H

#include <linux/types.h>

#include "events.h"
#include "trace_rec.h"

struct dbf_live;

/*
 * @cgroup_root: where the cgroup v2 hierarchy is mounted, to name the
 * cgroup ids the kernel reports ("/sys/fs/cgroup").
 */
struct dbf_live *dbf_live_new(const char *cgroup_root);
void dbf_live_free(struct dbf_live *l);

/*
 * @r (checked: dbf_trace_rec_check()) as an event, source trace: its
 * strings are @r's, and the cgroup path @l's, valid while @l names fewer
 * than 256 other cgroups. @boot_to_real: CLOCK_REALTIME less
 * CLOCK_BOOTTIME, in ns. An export is remembered as the buffer's origin,
 * a release forgets it. 0, or -EINVAL for a record that is no event.
 */
int dbf_live_event(struct dbf_live *l, const struct dbf_trace_rec *r,
		   int64_t boot_to_real, struct dbf_event *ev);

/* CLOCK_REALTIME less CLOCK_BOOTTIME now, in ns. */
int64_t dbf_live_boot_to_real(void);

/*
 * Give each buffer of @s whose export was traced its origin (strings in
 * @s's arena), and forget the origins of buffers gone: those exported
 * before @s was taken that @s, listing every buffer, no longer has.
 * 0 or -ENOMEM.
 */
int dbf_live_origins(struct dbf_live *l, struct dbf_snapshot *s);

/* Origins remembered. */
size_t dbf_live_norigins(const struct dbf_live *l);

#endif
