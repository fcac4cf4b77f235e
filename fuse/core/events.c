// SPDX-License-Identifier: GPL-2.0-only
/* Events from the difference of two snapshots, and their lines. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "escape.h"
#include "events.h"

/* Sources that list buffers no process holds. */
#define LISTING (DBF_SRC_BUFINFO | DBF_SRC_SYSFS | DBF_SRC_ITER)

struct differ {
	const struct dbf_snapshot *a, *b;
	dbf_event_fn fn;
	void *ctx;
};

static const char *const kind_names[] = {
	[DBF_EV_EXPORT] = "export",
	[DBF_EV_RELEASE] = "release",
	[DBF_EV_HOLD] = "hold",
	[DBF_EV_DROP] = "drop",
	[DBF_EV_RENAME] = "rename",
	[DBF_EV_ATTACH] = "attach",
	[DBF_EV_DETACH] = "detach",
};

const char *dbf_event_name(unsigned int kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

static bool str_eq(struct dbf_str x, struct dbf_str y)
{
	return x.len == y.len && !memcmp(x.p, y.p, x.len);
}

/* An event about @buf, at the newer snapshot's time; with @p, by that process. */
static struct dbf_event buf_event(const struct differ *d, const struct dbf_buf *buf,
				  unsigned int kind, const struct dbf_proc *p)
{
	return (struct dbf_event){
		.time = d->b->taken,
		.kind = kind,
		.source = DBF_EVS_SCAN,
		.ino = buf->ino,
		.size = buf->size,
		.exporter = buf->exporter,
		.name = buf->name,
		.has_name = buf->has_name,
		.pid = p ? p->pid : 0,
		.owner = p ? p->owner : 0,
		.owner_gid = p ? p->owner_gid : 0,
		.comm = p ? p->comm : NULL,
		.cgroup = p ? p->cgroup : (struct dbf_str){ 0 },
		.fd = -1,
	};
}

static bool unreadable(const struct dbf_snapshot *s, pid_t pid)
{
	for (size_t i = 0; i < s->nunreadable; i++)
		if (s->unreadable[i] == pid)
			return true;
	return false;
}

/* Every fd and mapping by which @h holds @buf, each one event. */
static int holder_all(const struct differ *d, const struct dbf_snapshot *s,
		      const struct dbf_buf *buf, const struct dbf_holder *h,
		      unsigned int kind)
{
	struct dbf_event ev = buf_event(d, buf, kind, &s->procs[h->proc]);
	int r;

	for (uint32_t i = 0; i < h->nfds; i++) {
		ev.fd = s->fds[h->fd0 + i];
		if ((r = d->fn(d->ctx, &ev)))
			return r;
	}
	ev.fd = -1;
	ev.map = true;
	for (uint32_t i = 0; i < h->maps; i++)
		if ((r = d->fn(d->ctx, &ev)))
			return r;
	return 0;
}

/* A pid is the same process while its start time agrees (if both known). */
static bool same_proc(const struct dbf_proc *x, const struct dbf_proc *y)
{
	return x->pid == y->pid &&
	       (!x->start_time || !y->start_time || x->start_time == y->start_time);
}

/* One process holds the buffer in both: the fds and mappings it gained or lost. */
static int holder_diff(const struct differ *d, const struct dbf_buf *bb,
		       const struct dbf_holder *ha, const struct dbf_holder *hb)
{
	const struct dbf_snapshot *a = d->a, *b = d->b;
	struct dbf_event ev = buf_event(d, bb, DBF_EV_HOLD, &b->procs[hb->proc]);
	uint32_t i = 0, j = 0;
	int r;

	/* Both fd lists ascend. */
	while (i < ha->nfds || j < hb->nfds) {
		int fa = i < ha->nfds ? a->fds[ha->fd0 + i] : INT32_MAX;
		int fb = j < hb->nfds ? b->fds[hb->fd0 + j] : INT32_MAX;

		if (fa == fb) {
			i++, j++;
			continue;
		}
		ev.kind = fa < fb ? DBF_EV_DROP : DBF_EV_HOLD;
		ev.fd = fa < fb ? fa : fb;
		fa < fb ? i++ : j++;
		if ((r = d->fn(d->ctx, &ev)))
			return r;
	}
	ev.fd = -1;
	ev.map = true;
	ev.kind = ha->maps > hb->maps ? DBF_EV_DROP : DBF_EV_HOLD;
	for (uint32_t n = ha->maps > hb->maps ? ha->maps - hb->maps : hb->maps - ha->maps; n; n--)
		if ((r = d->fn(d->ctx, &ev)))
			return r;
	return 0;
}

/* Devices attached in one snapshot and not the other (a multiset). */
static int device_diff(const struct differ *d, const struct dbf_buf *from,
		       const struct dbf_buf *to, const struct dbf_buf *bb,
		       unsigned int kind)
{
	struct dbf_event ev = buf_event(d, bb, kind, NULL);
	int r;

	for (uint32_t i = 0; i < from->ndevices; i++) {
		uint32_t before = 0, after = 0;

		/* The k-th copy of a device is matched with the k-th in @to. */
		for (uint32_t k = 0; k < i; k++)
			before += str_eq(from->devices[k], from->devices[i]);
		for (uint32_t k = 0; k < to->ndevices; k++)
			after += str_eq(to->devices[k], from->devices[i]);
		if (before < after)
			continue;
		ev.device = from->devices[i];
		if ((r = d->fn(d->ctx, &ev)))
			return r;
	}
	return 0;
}

static int buf_both(const struct differ *d, const struct dbf_buf *ba,
		    const struct dbf_buf *bb)
{
	const struct dbf_snapshot *a = d->a, *b = d->b;
	uint32_t i = 0, j = 0;
	int r;

	if (ba->has_name != bb->has_name ||
	    (ba->has_name && !str_eq(ba->name, bb->name))) {
		struct dbf_event ev = buf_event(d, bb, DBF_EV_RENAME, NULL);

		ev.old_name = ba->name;
		ev.had_name = ba->has_name;
		if ((r = d->fn(d->ctx, &ev)))
			return r;
	}
	/* Unknown in either (debugfs came or went) is no change. */
	if (ba->devices_known && bb->devices_known &&
	    ((r = device_diff(d, ba, bb, bb, DBF_EV_DETACH)) ||
	     (r = device_diff(d, bb, ba, bb, DBF_EV_ATTACH))))
		return r;

	/* Holders ascend by pid in both. */
	while (i < ba->nholders || j < bb->nholders) {
		const struct dbf_holder *ha = i < ba->nholders ? &a->holders[ba->holder0 + i] : NULL;
		const struct dbf_holder *hb = j < bb->nholders ? &b->holders[bb->holder0 + j] : NULL;
		const struct dbf_proc *pa = ha ? &a->procs[ha->proc] : NULL;
		const struct dbf_proc *pb = hb ? &b->procs[hb->proc] : NULL;

		if (pa && (!pb || pa->pid < pb->pid)) {
			i++;
			if (!unreadable(b, pa->pid) &&
			    (r = holder_all(d, a, ba, ha, DBF_EV_DROP)))
				return r;
		} else if (!pa || pb->pid < pa->pid) {
			j++;
			if (!unreadable(a, pb->pid) &&
			    (r = holder_all(d, b, bb, hb, DBF_EV_HOLD)))
				return r;
		} else {
			i++, j++;
			if (same_proc(pa, pb))
				r = holder_diff(d, bb, ha, hb);
			else if (!(r = holder_all(d, a, ba, ha, DBF_EV_DROP)))
				r = holder_all(d, b, bb, hb, DBF_EV_HOLD);
			if (r)
				return r;
		}
	}
	return 0;
}

/*
 * A buffer only @s has: its export, holds and attachments, or its drops,
 * detachments (an importer detaches before the last reference goes) and
 * release.
 */
static int buf_one(const struct differ *d, const struct dbf_snapshot *s,
		   const struct dbf_snapshot *other, const struct dbf_buf *buf, bool gone)
{
	static const struct dbf_buf none = { .devices_known = true };
	struct dbf_event ev = buf_event(d, buf, gone ? DBF_EV_RELEASE : DBF_EV_EXPORT, NULL);
	int r;

	/* Seen only through a source the other snapshot lacked: not news. */
	if (!buf->nholders && (s->sources & LISTING & ~other->sources))
		return 0;
	if (!gone && (r = d->fn(d->ctx, &ev)))
		return r;
	for (uint32_t k = 0; k < buf->nholders; k++) {
		const struct dbf_holder *h = &s->holders[buf->holder0 + k];

		if (unreadable(other, s->procs[h->proc].pid))
			continue;
		if ((r = holder_all(d, s, buf, h, gone ? DBF_EV_DROP : DBF_EV_HOLD)))
			return r;
	}
	if (buf->devices_known &&
	    (r = device_diff(d, buf, &none, buf, gone ? DBF_EV_DETACH : DBF_EV_ATTACH)))
		return r;
	return gone ? d->fn(d->ctx, &ev) : 0;
}

int dbf_events_diff(const struct dbf_snapshot *a, const struct dbf_snapshot *b,
		    dbf_event_fn fn, void *ctx)
{
	const struct differ d = { a, b, fn, ctx };
	size_t i = 0, j = 0;
	int r;

	/* Both buffer arrays ascend by inode, and inodes are never reused. */
	while (i < a->nbufs || j < b->nbufs) {
		const struct dbf_buf *ba = i < a->nbufs ? &a->bufs[i] : NULL;
		const struct dbf_buf *bb = j < b->nbufs ? &b->bufs[j] : NULL;

		if (ba && (!bb || ba->ino < bb->ino)) {
			i++;
			r = buf_one(&d, a, b, ba, true);
		} else if (!ba || bb->ino < ba->ino) {
			j++;
			r = buf_one(&d, b, a, bb, false);
		} else {
			i++, j++;
			r = buf_both(&d, ba, bb);
		}
		if (r)
			return r;
	}
	return 0;
}

/* ---- lines ---- */

void dbf_fput_time(FILE *out, struct timespec t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(out, "%s.%09ldZ", buf, t.tv_nsec);
}

int dbf_event_lost_text(FILE *out, struct timespec t, uint64_t count)
{
	dbf_fput_time(out, t);
	fprintf(out, " lost count=%" PRIu64 "\n", count);
	return ferror(out) ? -EIO : 0;
}

/* key="escaped", or key=- when unknown. */
static int text_field(FILE *out, const char *key, struct dbf_str v, bool known)
{
	fprintf(out, " %s=", key);
	if (!known) {
		fputc('-', out);
		return 0;
	}
	fputc('"', out);
	if (dbf_fput_escaped(out, v, dbf_escape_quoted) < 0)
		return -ENOMEM;
	fputc('"', out);
	return 0;
}

int dbf_event_text(FILE *out, const struct dbf_event *ev)
{
	dbf_fput_time(out, ev->time);
	fprintf(out, " %s ino=%" PRIu64 " size=%" PRIu64, dbf_event_name(ev->kind),
		ev->ino, ev->size);
	if (text_field(out, "exporter", ev->exporter, ev->exporter.len) < 0 ||
	    text_field(out, "name", ev->name, ev->has_name) < 0)
		return -ENOMEM;
	if (ev->kind == DBF_EV_RENAME &&
	    text_field(out, "old_name", ev->old_name, ev->had_name) < 0)
		return -ENOMEM;
	if (ev->pid) {
		fprintf(out, " pid=%d", (int)ev->pid);
		if (text_field(out, "comm", dbf_cstr(ev->comm), true) < 0)
			return -ENOMEM;
		fputs(" cgroup=", out);
		if (!ev->cgroup.len)
			fputc('-', out);
		else if (dbf_fput_escaped(out, ev->cgroup, dbf_escape_word) < 0)
			return -ENOMEM;
	}
	if (ev->fd >= 0)
		fprintf(out, " fd=%d", ev->fd);
	if (ev->map)
		fputs(" map=1", out);
	if ((ev->kind == DBF_EV_ATTACH || ev->kind == DBF_EV_DETACH) &&
	    text_field(out, "device", ev->device, true) < 0)
		return -ENOMEM;
	fprintf(out, " source=%s\n", ev->source == DBF_EVS_TRACE ? "trace" : "scan");
	return ferror(out) ? -EIO : 0;
}

/* ,"key":"escaped" or ,"key":null */
static int json_field(FILE *out, const char *key, struct dbf_str v, bool known)
{
	fprintf(out, ",\"%s\":", key);
	if (!known) {
		fputs("null", out);
		return 0;
	}
	fputc('"', out);
	if (dbf_fput_escaped(out, v, dbf_escape_json) < 0)
		return -ENOMEM;
	fputc('"', out);
	return 0;
}

int dbf_event_json(FILE *out, const struct dbf_event *ev)
{
	fputs("{\"time\":\"", out);
	dbf_fput_time(out, ev->time);
	fprintf(out, "\",\"event\":\"%s\",\"ino\":%" PRIu64 ",\"size\":%" PRIu64,
		dbf_event_name(ev->kind), ev->ino, ev->size);
	if (json_field(out, "exporter", ev->exporter, ev->exporter.len) < 0 ||
	    json_field(out, "name", ev->name, ev->has_name) < 0)
		return -ENOMEM;
	fprintf(out, ",\"source\":\"%s\"", ev->source == DBF_EVS_TRACE ? "trace" : "scan");
	if (ev->pid) {
		fprintf(out, ",\"pid\":%d", (int)ev->pid);
		if (json_field(out, "comm", dbf_cstr(ev->comm), true) < 0 ||
		    json_field(out, "cgroup", ev->cgroup, ev->cgroup.len) < 0)
			return -ENOMEM;
	}
	if (ev->fd >= 0)
		fprintf(out, ",\"fd\":%d", ev->fd);
	if (ev->map)
		fputs(",\"map\":true", out);
	if (ev->kind == DBF_EV_RENAME &&
	    json_field(out, "old_name", ev->old_name, ev->had_name) < 0)
		return -ENOMEM;
	if ((ev->kind == DBF_EV_ATTACH || ev->kind == DBF_EV_DETACH) &&
	    json_field(out, "device", ev->device, true) < 0)
		return -ENOMEM;
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
