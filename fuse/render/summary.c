// SPDX-License-Identifier: GPL-2.0-only
/* /dmabuf/summary: totals, then one table per kind of directory. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render_int.h"

/* The [exporters], [names] and [devices] tables. */
static int render_groups(const struct dbf_tree *t, enum dbf_node_kind k,
			 const char *table, const char *column, FILE *f)
{
	struct dbf_group_row *rows;
	size_t n;
	int r = dbf_tree_group_rows(t, k, &rows, &n);

	if (r < 0)
		return r;
	fprintf(f, "\n[%s]\nbuffers\tbytes\t%s\n", table, column);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%" PRIu32 "\t%" PRIu64 "\t", rows[i].buffers, rows[i].bytes);
		render_put_text(f, rows[i].key);
		fputc('\n', f);
	}
	free(rows);
	return 0;
}

/* Which sources listed attachments, or why none did. */
static void render_attachments(const struct dbf_snapshot *s, FILE *f)
{
	fputs("attachments:", f);
	if (s->device_sources & DBF_SRC_BUFINFO)
		fputs(" debugfs", f);
	if (s->device_sources & DBF_SRC_FDINFO)
		fputs(" fdinfo", f);
	if (s->device_sources) {
		fputc('\n', f);
		return;
	}
	/* Only the kernel patches of kernel/ put them in fdinfo. */
	if (s->bufinfo_err)
		fprintf(f, " none (debugfs bufinfo: %s; ", strerror(s->bufinfo_err));
	else
		fputs(" none (debugfs bufinfo lists no attachments; ", f);
	/* The BPF scanner's iterators stand in for fdinfo: it reads none. */
	fputs(s->scanner == DBF_SCANNER_BPF ? "the BPF scanner reads no fdinfo)\n" :
					      "fdinfo lists no attachments on this kernel)\n", f);
}

/* The [cgroups] rows; the unknown one's cgroup is "unknown", no path. */
static int render_cgroups(const struct dbf_tree *t, const struct dbf_caller *c,
			  FILE *f)
{
	struct dbf_cgroup_row *rows;
	size_t n;
	int r = dbf_tree_cgroup_rows(t, c, &rows, &n);

	if (r < 0)
		return r;
	fputs("\n[cgroups]\nbuffers\tbytes\tpss\tcgroup\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%" PRIu32 "\t%" PRIu64 "\t%" PRIu64 "\t", rows[i].buffers,
			rows[i].bytes, rows[i].pss);
		if (rows[i].path.len)
			render_put_text(f, rows[i].path);
		else
			fputs("unknown", f);
		fputc('\n', f);
	}
	free(rows);
	return 0;
}

int render_summary(const struct dbf_tree *t, const struct dbf_caller *caller,
		   FILE *f)
{
	const struct dbf_snapshot *s = t->snap;
	struct timespec now;
	int64_t age;
	int r;

	fputs("sources: procfs", f);
	if (s->sources & DBF_SRC_ITER)
		fputs(" dmabuf-iter", f);
	if (s->sources & DBF_SRC_BUFINFO)
		fputs(" debugfs", f);
	if (s->sources & DBF_SRC_SYSFS)
		fputs(" sysfs", f);
	if (!(s->sources & (DBF_SRC_BUFINFO | DBF_SRC_SYSFS | DBF_SRC_ITER)))
		fputs(" only", f);
	fputc('\n', f);
	render_attachments(s, f);
	fprintf(f, "buffers: %zu\nbytes: %" PRIu64 "\nheld_by_nobody: %zu\n"
		"processes: %zu\nprocesses_scanned: %zu\nunreadable: %zu\n"
		"unreadable_pids:",
		s->nbufs, s->total_bytes, s->held_by_nobody, s->nprocs,
		s->nprocs_scanned, s->nunreadable);
	for (size_t i = 0; i < s->nunreadable; i++)
		fprintf(f, " %d", (int)s->unreadable[i]);
	fprintf(f, "\nanon_fds: %" PRIu32 "\nanon_maps: %" PRIu32 "\nscanner: %s\n",
		s->anon_fds, s->anon_maps, dbf_scanner_name(s->scanner));
	/* Where events come from besides scans: the trace's attach points. */
	if (s->trace.len)
		fprintf(f, "events: trace (%.*s)\n", (int)s->trace.len, s->trace.p);
	else
		fputs("events: scan\n", f);
	/* Requests never wait for a scan: say how old this one is. */
	clock_gettime(CLOCK_REALTIME, &now);
	age = (int64_t)(now.tv_sec - s->taken.tv_sec) * 1000 +
	      (now.tv_nsec - s->taken.tv_nsec) / 1000000;
	fprintf(f, "scan_ms: %" PRIu64 "\nage_ms: %" PRId64 "\n",
		(s->scan_ns + 500000) / 1000000, age < 0 ? 0 : age);

	if ((r = render_groups(t, DBF_KIND_EXPORTER, "exporters", "exporter", f)) < 0 ||
	    (r = render_groups(t, DBF_KIND_NAME, "names", "name", f)) < 0 ||
	    (r = render_cgroups(t, caller, f)) < 0 ||
	    (r = render_groups(t, DBF_KIND_DEVICE, "devices", "device", f)) < 0)
		return r;

	fputs("\n[processes]\npid\tuid\tbuffers\tfds\tmaps\tsize\tpss\tanon_fds\tanon_maps\tcomm\n",
	      f);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];

		/* Totals above stay whole; the rows are per process. */
		if (!dbf_caller_sees(caller, p))
			continue;
		fprintf(f, "%d\t%u\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t%"
			PRIu64 "\t%" PRIu64 "\t%" PRIu32 "\t%" PRIu32 "\t",
			(int)p->pid, (unsigned int)p->uid, p->nph, p->nfds, p->nmaps,
			p->bytes, p->pss, p->anon_fds, p->anon_maps);
		render_put_text(f, render_comm(p));
		fputc('\n', f);
	}
	return 0;
}
