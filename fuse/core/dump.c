// SPDX-License-Identifier: GPL-2.0-only
/* `dmabuffs --dump`: text for people, JSON (docs/dump-json.md) for tools. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "dump.h"
#include "escape.h"
#include "events.h"

static int text_holders(const struct dbf_snapshot *snap, const struct dbf_buf *b,
			FILE *out)
{
	if (!b->nholders) {
		fputs("-", out);
		return 0;
	}
	for (uint32_t i = 0; i < b->nholders; i++) {
		const struct dbf_holder *h = &snap->holders[b->holder0 + i];
		const struct dbf_proc *p = &snap->procs[h->proc];

		fprintf(out, "%s%d(", i ? " " : "", (int)p->pid);
		if (dbf_fput_escaped(out, dbf_cstr(p->comm), dbf_escape_quoted) < 0)
			return -ENOMEM;
		fputs("):", out);
		for (uint32_t k = 0; k < h->nfds; k++)
			fprintf(out, "%s%d", k ? "+" : "fd=", snap->fds[h->fd0 + k]);
		if (h->maps)
			fprintf(out, "%smap=%" PRIu32 "%s", h->nfds ? "," : "", h->maps,
				h->maps_unverified ? "(unverified)" : "");
	}
	return 0;
}

static const char *dev_source(unsigned int src)
{
	switch (src) {
	case DBF_DEV_FD:
		return "fd";
	case DBF_DEV_PROBE:
		return "probe";
	case DBF_DEV_OPTION:
		return "option";
	default:
		return "none";
	}
}

int dbf_dump_text(const struct dbf_snapshot *snap, FILE *out)
{
	fprintf(out, "%-8s %10s %-10s %-34s %5s %s\n",
		"INODE", "SIZE", "EXPORTER", "NAME", "REFS", "HOLDERS");
	for (size_t i = 0; i < snap->nbufs; i++) {
		const struct dbf_buf *b = &snap->bufs[i];
		size_t n;
		char ref[24];

		fprintf(out, "%-8" PRIu64 " %10" PRIu64 " ", b->ino, b->size);
		if (b->exporter.len) {
			n = dbf_escape_text(NULL, 0, b->exporter, true);
			if (dbf_fput_escaped(out, b->exporter, dbf_escape_quoted) < 0)
				return -ENOMEM;
		} else {
			n = 1;
			fputc('-', out);
		}
		fprintf(out, "%*s ", n < 10 ? (int)(10 - n) : 0, "");
		if (b->has_name) {
			n = dbf_escape_text(NULL, 0, b->name, true) + 2;
			fputc('"', out);
			if (dbf_fput_escaped(out, b->name, dbf_escape_quoted) < 0)
				return -ENOMEM;
			fputc('"', out);
		} else {
			n = 1;
			fputc('-', out);
		}
		if (b->refcount >= 0)
			snprintf(ref, sizeof(ref), "%" PRId64, b->refcount);
		else
			strcpy(ref, "-");
		fprintf(out, "%*s %5s ", n < 34 ? (int)(34 - n) : 0, "", ref);
		if (text_holders(snap, b, out) < 0)
			return -ENOMEM;
		fputc('\n', out);
	}

	fprintf(out, "\n%-8s %-6s %-6s %-10s %-16s %5s %5s %5s %12s %12s %s\n",
		"PID", "UID", "GID", "START", "COMM", "BUFS", "FDS", "MAPS", "SIZE", "PSS",
		"CGROUP");
	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct dbf_proc *p = &snap->procs[i];
		size_t n;

		fprintf(out, "%-8d %-6d %-6d %-10" PRIu64 " ", (int)p->pid, (int)p->uid,
			(int)p->gid, p->start_time);
		n = dbf_escape_text(NULL, 0, dbf_cstr(p->comm), true);
		if (dbf_fput_escaped(out, dbf_cstr(p->comm), dbf_escape_quoted) < 0)
			return -ENOMEM;
		fprintf(out, "%*s %5" PRIu32 " %5" PRIu32 " %5" PRIu32 " %12" PRIu64 " %12" PRIu64 " ",
			n < 16 ? (int)(16 - n) : 0, "", p->nph, p->nfds, p->nmaps, p->bytes, p->pss);
		/* Last, as one word: a path may be long and hold spaces. */
		if (!p->cgroup.len)
			fputs("unknown", out);
		else if (dbf_fput_escaped(out, p->cgroup, dbf_escape_word) < 0)
			return -ENOMEM;
		fputc('\n', out);
		if (p->anon_fds || p->anon_maps)
			fprintf(out, "%-8s also %" PRIu32 " fds and %" PRIu32
				" mappings of pre-5.3 dma-bufs that cannot be told apart\n",
				"", p->anon_fds, p->anon_maps);
	}

	fprintf(out, "\ntotal: %zu buffers, %" PRIu64 " bytes, %zu held by nobody\n",
		snap->nbufs, snap->total_bytes, snap->held_by_nobody);
	fprintf(out, "processes: %zu hold dma-bufs, %zu scanned, %zu unreadable",
		snap->nprocs, snap->nprocs_scanned, snap->nunreadable);
	for (size_t i = 0; i < snap->nunreadable; i++)
		fprintf(out, "%s%d", i ? " " : " (", (int)snap->unreadable[i]);
	fputs(snap->nunreadable ? ")\n" : "\n", out);
	if (snap->anon_fds || snap->anon_maps)
		fprintf(out, "pre-5.3: %" PRIu32 " fds and %" PRIu32
			" mappings of buffers that cannot be told apart\n",
			snap->anon_fds, snap->anon_maps);
	if (snap->bufinfo_noino)
		fprintf(out, "pre-5.3: bufinfo lists %zu buffers, %" PRIu64
			" bytes, that have no inode of their own\n",
			snap->bufinfo_noino, snap->bufinfo_noino_bytes);
	if (snap->dev_src != DBF_DEV_NONE)
		fprintf(out, "dma-buf device: %u:%u (%s)\n", major(snap->dmabuf_dev),
			minor(snap->dmabuf_dev), dev_source(snap->dev_src));
	else
		fputs("dma-buf device: unknown; mappings alone are unverified\n", out);
	fprintf(out, "sources: procfs%s%s%s\n",
		snap->sources & DBF_SRC_ITER ? ", dmabuf-iter" : "",
		snap->sources & DBF_SRC_BUFINFO ? ", debugfs" : "",
		snap->sources & DBF_SRC_SYSFS ? ", sysfs" : "");
	fprintf(out, "scanner: %s\n", dbf_scanner_name(snap->scanner));
	if (snap->trace.len)
		fprintf(out, "events: trace (%.*s)\n", (int)snap->trace.len, snap->trace.p);
	else
		fputs("events: scan\n", out);
	return ferror(out) ? -EIO : 0;
}

static int json_str(FILE *out, struct dbf_str s)
{
	fputc('"', out);
	if (dbf_fput_escaped(out, s, dbf_escape_json) < 0)
		return -ENOMEM;
	fputc('"', out);
	return 0;
}

static void json_hex(FILE *out, struct dbf_str s)
{
	fputc('"', out);
	for (uint32_t i = 0; i < s.len; i++)
		fprintf(out, "%02x", (unsigned char)s.p[i]);
	fputc('"', out);
}

/*
 * "exported_by" and "exported_at": null both where no trace saw the
 * export; only the time where the reader of --origins' mount may not
 * see the exporter.
 */
static int json_origin(FILE *out, const struct dbf_origin *o)
{
	if (!o || !o->pid) {
		fputs(",\"exported_by\":null,\"exported_at\":", out);
		if (o) {
			fputc('"', out);
			dbf_fput_time(out, o->at);
			fputc('"', out);
		} else {
			fputs("null", out);
		}
		return 0;
	}
	fprintf(out, ",\"exported_by\":{\"pid\":%d,\"comm\":", (int)o->pid);
	if (json_str(out, o->comm) < 0)
		return -ENOMEM;
	fputs(",\"cgroup\":", out);
	if (!o->cgroup.len)
		fputs("null", out);
	else if (json_str(out, o->cgroup) < 0)
		return -ENOMEM;
	fputs("},\"exported_at\":\"", out);
	dbf_fput_time(out, o->at);
	fputc('"', out);
	return 0;
}

static int json_buf(const struct dbf_snapshot *snap, const struct dbf_buf *b,
		    FILE *out)
{
	fprintf(out, "{\"inode\":%" PRIu64 ",\"size\":%" PRIu64 ",\"exporter\":",
		b->ino, b->size);
	if (!b->exporter.len)
		fputs("null", out);
	else if (json_str(out, b->exporter) < 0)
		return -ENOMEM;
	fputs(",\"name\":", out);
	if (!b->has_name) {
		fputs("null,\"name_hex\":null", out);
	} else {
		if (json_str(out, b->name) < 0)
			return -ENOMEM;
		fputs(",\"name_hex\":", out);
		json_hex(out, b->name);
	}
	fputs(",\"refcount\":", out);
	if (b->refcount >= 0)
		fprintf(out, "%" PRId64, b->refcount);
	else
		fputs("null", out);
	fputs(",\"devices\":", out);
	if (!b->devices_known) {
		fputs("null", out);
	} else {
		fputc('[', out);
		for (uint32_t i = 0; i < b->ndevices; i++) {
			if (i)
				fputc(',', out);
			if (json_str(out, b->devices[i]) < 0)
				return -ENOMEM;
		}
		fputc(']', out);
	}
	fprintf(out, ",\"first_seen\":%lld.%09ld", (long long)b->first_seen.tv_sec,
		b->first_seen.tv_nsec);
	if (json_origin(out, b->origin) < 0)
		return -ENOMEM;
	fputs(",\"holders\":[", out);
	for (uint32_t i = 0; i < b->nholders; i++) {
		const struct dbf_holder *h = &snap->holders[b->holder0 + i];

		fprintf(out, "%s{\"pid\":%d,\"fds\":[", i ? "," : "",
			(int)snap->procs[h->proc].pid);
		for (uint32_t k = 0; k < h->nfds; k++)
			fprintf(out, "%s%d", k ? "," : "", snap->fds[h->fd0 + k]);
		fprintf(out, "],\"maps\":%" PRIu32 ",\"unverified\":%s}", h->maps,
			h->maps_unverified ? "true" : "false");
	}
	fputs("]}", out);
	return 0;
}

int dbf_dump_json(const struct dbf_snapshot *snap, FILE *out)
{
	fprintf(out, "{\"version\":3,\"scanner\":\"%s\",\"sources\":{\"procfs\":true,"
		"\"debugfs\":%s,\"sysfs\":%s,\"dmabuf_iter\":%s},\n",
		dbf_scanner_name(snap->scanner),
		snap->sources & DBF_SRC_BUFINFO ? "true" : "false",
		snap->sources & DBF_SRC_SYSFS ? "true" : "false",
		snap->sources & DBF_SRC_ITER ? "true" : "false");
	fprintf(out, "\"attachments\":[%s%s%s],",
		snap->device_sources & DBF_SRC_BUFINFO ? "\"debugfs\"" : "",
		snap->device_sources == (DBF_SRC_BUFINFO | DBF_SRC_FDINFO) ? "," : "",
		snap->device_sources & DBF_SRC_FDINFO ? "\"fdinfo\"" : "");
	if (snap->dev_src != DBF_DEV_NONE)
		fprintf(out, "\"dmabuf_dev\":\"%u:%u\",", major(snap->dmabuf_dev),
			minor(snap->dmabuf_dev));
	else
		fputs("\"dmabuf_dev\":null,", out);
	fprintf(out, "\"dmabuf_dev_source\":\"%s\",\n\"buffers\":[",
		dev_source(snap->dev_src));
	for (size_t i = 0; i < snap->nbufs; i++) {
		fputs(i ? ",\n" : "\n", out);
		if (json_buf(snap, &snap->bufs[i], out) < 0)
			return -ENOMEM;
	}
	fputs("],\n\"processes\":[", out);
	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct dbf_proc *p = &snap->procs[i];

		fprintf(out, "%s{\"pid\":%d,\"comm\":", i ? ",\n" : "\n", (int)p->pid);
		if (json_str(out, dbf_cstr(p->comm)) < 0)
			return -ENOMEM;
		fprintf(out, ",\"uid\":%d,\"gid\":", (int)p->uid);
		if (p->gid == (gid_t)-1)
			fputs("null", out);
		else
			fprintf(out, "%u", (unsigned int)p->gid);
		fprintf(out, ",\"start_time\":%" PRIu64 ",\"buffers\":%" PRIu32 ",\"fds\":%" PRIu32
			",\"maps\":%" PRIu32 ",\"size\":%" PRIu64 ",\"pss\":%" PRIu64
			",\"anon_fds\":%" PRIu32 ",\"anon_maps\":%" PRIu32 ",\"cgroup\":",
			p->start_time, p->nph, p->nfds, p->nmaps, p->bytes, p->pss,
			p->anon_fds, p->anon_maps);
		if (!p->cgroup.len)
			fputs("null", out);
		else if (json_str(out, p->cgroup) < 0)
			return -ENOMEM;
		fputc('}', out);
	}
	fputs("],\n\"unreadable\":[", out);
	for (size_t i = 0; i < snap->nunreadable; i++)
		fprintf(out, "%s%d", i ? "," : "", (int)snap->unreadable[i]);
	fprintf(out, "],\n\"totals\":{\"buffers\":%zu,\"bytes\":%" PRIu64
		",\"held_by_nobody\":%zu,\"processes\":%zu,\"processes_scanned\":%zu"
		",\"unreadable\":%zu,\"anon_fds\":%" PRIu32 ",\"anon_maps\":%" PRIu32
		",\"bufinfo_noino\":%zu,\"bufinfo_noino_bytes\":%" PRIu64 "}}\n",
		snap->nbufs, snap->total_bytes, snap->held_by_nobody, snap->nprocs,
		snap->nprocs_scanned, snap->nunreadable, snap->anon_fds, snap->anon_maps,
		snap->bufinfo_noino, snap->bufinfo_noino_bytes);
	return ferror(out) ? -EIO : 0;
}
