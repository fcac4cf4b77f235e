// SPDX-License-Identifier: GPL-2.0-only
/*
 * Traced events and scan differences as one stream. A traced event is
 * kept as a fact until a snapshot taken after it has been diffed: the
 * scan's own event for the same change is then dropped, and a fact the
 * snapshot shows undone is told as the scan's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evmerge.h"

struct fact {
	struct dbf_event ev;	/* strings point into mem */
	char *mem;
	bool matched;		/* a scan told the same change */
	bool pending;		/* for a later snapshot to confirm */
};

struct dbf_evmerge {
	struct fact *facts;
	size_t n, cap;
	/*
	 * What the last scan told that the trace may yet tell, because it
	 * is counted rather than named (a mapping, an attachment): a scan
	 * reads a process's maps some time after it starts, so it can see
	 * a mapping whose traced event comes after the snapshot.
	 */
	struct dbf_event *claims;	/* no strings but device, in cmem */
	char *cmem;
	size_t nclaims, ccap, cmem_len, cmem_cap;
	dbf_event_fn seen;		/* dbf_evmerge_observe() */
	void *seen_ctx;
};

static bool str_eq(struct dbf_str x, struct dbf_str y);

struct dbf_evmerge *dbf_evmerge_new(void)
{
	return calloc(1, sizeof(struct dbf_evmerge));
}

void dbf_evmerge_observe(struct dbf_evmerge *m, dbf_event_fn fn, void *ctx)
{
	m->seen = fn;
	m->seen_ctx = ctx;
}

static void drop_fact(struct fact *f)
{
	free(f->mem);
	f->mem = NULL;
}

void dbf_evmerge_reset(struct dbf_evmerge *m)
{
	for (size_t i = 0; i < m->n; i++)
		drop_fact(&m->facts[i]);
	m->n = 0;
	m->nclaims = 0;
	m->cmem_len = 0;
}

void dbf_evmerge_free(struct dbf_evmerge *m)
{
	if (!m)
		return;
	dbf_evmerge_reset(m);
	free(m->facts);
	free(m->claims);
	free(m->cmem);
	free(m);
}

/* Keep what a scan told that a late traced event would tell again. */
static int add_claim(struct dbf_evmerge *m, const struct dbf_event *ev)
{
	struct dbf_event c = {
		.kind = ev->kind, .ino = ev->ino, .pid = ev->pid, .fd = ev->fd,
		.map = ev->map, .device = ev->device,
	};

	if (m->nclaims == m->ccap) {
		size_t cap = m->ccap ? m->ccap * 2 : 16;
		struct dbf_event *p = realloc(m->claims, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->claims = p;
		m->ccap = cap;
	}
	if (c.device.len > m->cmem_cap - m->cmem_len) {
		/* Offsets, not pointers, until the scan is over: cmem moves. */
		size_t cap = (m->cmem_cap + c.device.len) * 2;
		char *p = realloc(m->cmem, cap);

		if (!p)
			return -ENOMEM;
		m->cmem = p;
		m->cmem_cap = cap;
	}
	if (c.device.len) {
		memcpy(m->cmem + m->cmem_len, c.device.p, c.device.len);
		c.device.p = (const char *)(uintptr_t)m->cmem_len;
		m->cmem_len += c.device.len;
	} else {
		c.device.p = "";
	}
	m->claims[m->nclaims++] = c;
	return 0;
}

/* A claim that @ev is the late trace of; it is used up. */
static bool take_claim(struct dbf_evmerge *m, const struct dbf_event *ev)
{
	for (size_t i = 0; i < m->nclaims; i++) {
		struct dbf_event *c = &m->claims[i];

		if (c->kind == ev->kind && c->ino == ev->ino && c->pid == ev->pid &&
		    c->map == ev->map && str_eq(c->device, ev->device)) {
			*c = m->claims[--m->nclaims];
			return true;
		}
	}
	return false;
}

size_t dbf_evmerge_pending(const struct dbf_evmerge *m)
{
	return m->n;
}

static bool before(struct timespec x, struct timespec y)
{
	return x.tv_sec < y.tv_sec || (x.tv_sec == y.tv_sec && x.tv_nsec < y.tv_nsec);
}

static bool str_eq(struct dbf_str x, struct dbf_str y)
{
	return x.len == y.len && (!x.len || !memcmp(x.p, y.p, x.len));
}

static bool name_eq(bool has_x, struct dbf_str x, bool has_y, struct dbf_str y)
{
	return has_x == has_y && (!has_x || str_eq(x, y));
}

/* Copy @s into *at and point @s there. */
static void keep_str(struct dbf_str *s, char **at)
{
	if (!s->len) {
		s->p = "";
		return;
	}
	memcpy(*at, s->p, s->len);
	s->p = *at;
	*at += s->len;
}

/* Keep @ev, with its own copy of every string. */
static int add_fact(struct dbf_evmerge *m, const struct dbf_event *ev)
{
	size_t comm = ev->comm ? strlen(ev->comm) + 1 : 0;
	struct fact f = { .ev = *ev };
	char *at;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct fact *p = realloc(m->facts, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->facts = p;
		m->cap = cap;
	}
	f.mem = malloc(ev->exporter.len + ev->name.len + ev->old_name.len +
		       ev->cgroup.len + ev->device.len + comm + 1);
	if (!f.mem)
		return -ENOMEM;
	at = f.mem;
	keep_str(&f.ev.exporter, &at);
	keep_str(&f.ev.name, &at);
	keep_str(&f.ev.old_name, &at);
	keep_str(&f.ev.cgroup, &at);
	keep_str(&f.ev.device, &at);
	if (ev->comm) {
		memcpy(at, ev->comm, comm);
		f.ev.comm = at;
	}
	m->facts[m->n++] = f;
	return 0;
}

/* Whether fact @f is about the same change as @ev. */
static bool same_change(const struct dbf_event *f, const struct dbf_event *ev)
{
	if (f->kind != ev->kind || f->ino != ev->ino)
		return false;
	switch (ev->kind) {
	case DBF_EV_HOLD:
	case DBF_EV_DROP:
		return f->pid == ev->pid && f->fd == ev->fd && f->map == ev->map;
	case DBF_EV_RENAME:
		return name_eq(f->has_name, f->name, ev->has_name, ev->name);
	case DBF_EV_ATTACH:
	case DBF_EV_DETACH:
		return str_eq(f->device, ev->device);
	default:
		return true;
	}
}

/* The first fact not yet matched that is about the same change as @ev. */
static struct fact *find(struct dbf_evmerge *m, const struct dbf_event *ev)
{
	for (size_t i = 0; i < m->n; i++)
		if (!m->facts[i].matched && same_change(&m->facts[i].ev, ev))
			return &m->facts[i];
	return NULL;
}

/* The newest rename fact of @ino, if any. */
static const struct fact *last_rename(const struct dbf_evmerge *m, uint64_t ino)
{
	for (size_t i = m->n; i--;)
		if (m->facts[i].ev.kind == DBF_EV_RENAME && m->facts[i].ev.ino == ino)
			return &m->facts[i];
	return NULL;
}

static const struct dbf_holder *holder_of(const struct dbf_snapshot *s,
					  const struct dbf_buf *b, pid_t pid)
{
	for (uint32_t k = 0; k < b->nholders; k++) {
		const struct dbf_holder *h = &s->holders[b->holder0 + k];

		if (s->procs[h->proc].pid == pid)
			return h;
	}
	return NULL;
}

static bool holds_fd(const struct dbf_snapshot *s, const struct dbf_holder *h, int fd)
{
	for (uint32_t i = 0; h && i < h->nfds; i++)
		if (s->fds[h->fd0 + i] == fd)
			return true;
	return false;
}

/* @s shows @pid holding buffer @ino by @fd (or, with @fd -1, by a mapping). */
static bool shows_hold(const struct dbf_snapshot *s, uint64_t ino, pid_t pid, int fd)
{
	const struct dbf_buf *b = dbf_snapshot_buf(s, ino);
	const struct dbf_holder *h = b ? holder_of(s, b, pid) : NULL;

	return fd < 0 ? h && h->maps : holds_fd(s, h, fd);
}

/* Tell @ev and keep it. */
static int tell(struct dbf_evmerge *m, const struct dbf_event *ev, dbf_event_fn fn,
		void *ctx)
{
	int r = add_fact(m, ev);

	return r ? r : fn(ctx, ev);
}

/*
 * Is @ino told as alive: the snapshot shows it, or the trace told its
 * export, and no release was told since?
 */
static bool told_alive(struct dbf_evmerge *m, const struct dbf_snapshot *cur, uint64_t ino)
{
	bool alive = dbf_snapshot_buf(cur, ino) != NULL;

	for (size_t i = 0; i < m->n; i++) {
		const struct dbf_event *f = &m->facts[i].ev;

		if (f->ino == ino && f->kind == DBF_EV_EXPORT)
			alive = true;
		if (f->ino == ino && f->kind == DBF_EV_RELEASE)
			return false;
	}
	return alive;
}

/* How many mapping holds of @ino by @pid the trace told, less its drops. */
static long traced_maps(const struct dbf_evmerge *m, uint64_t ino, pid_t pid)
{
	long n = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct dbf_event *f = &m->facts[i].ev;

		if (f->ino == ino && f->pid == pid && f->map)
			n += f->kind == DBF_EV_HOLD ? 1 : f->kind == DBF_EV_DROP ? -1 : 0;
	}
	return n;
}

/*
 * A buffer is freed only once no fd and no mapping of it is left: before
 * its release, drop each one still told as held, at the release's time.
 */
static int drop_all(struct dbf_evmerge *m, const struct dbf_snapshot *cur,
		    const struct dbf_event *rel, dbf_event_fn fn, void *ctx)
{
	const struct dbf_buf *b = dbf_snapshot_buf(cur, rel->ino);
	size_t nfacts = m->n;
	int r;

	for (uint32_t k = 0; b && k < b->nholders; k++) {
		const struct dbf_holder *h = &cur->holders[b->holder0 + k];
		const struct dbf_proc *p = &cur->procs[h->proc];
		struct dbf_event d = *rel;
		long maps;

		d.kind = DBF_EV_DROP;
		d.pid = p->pid;
		d.owner = p->owner;
		d.owner_gid = p->owner_gid;
		d.comm = p->comm;
		d.cgroup = p->cgroup;
		for (uint32_t i = 0; i < h->nfds; i++) {
			d.fd = cur->fds[h->fd0 + i];
			if (!find(m, &d) && (r = tell(m, &d, fn, ctx)))
				return r;
		}
		d.fd = -1;
		d.map = true;
		for (maps = (long)h->maps + traced_maps(m, rel->ino, p->pid); maps > 0; maps--)
			if ((r = tell(m, &d, fn, ctx)))
				return r;
	}
	/* Holds only the trace told, not yet dropped. */
	for (size_t i = 0; i < nfacts; i++) {
		struct dbf_event d = m->facts[i].ev;
		const struct dbf_holder *h;

		if (d.kind != DBF_EV_HOLD || d.ino != rel->ino || m->facts[i].matched)
			continue;
		h = b ? holder_of(cur, b, d.pid) : NULL;
		d.kind = DBF_EV_DROP;
		d.time = rel->time;
		d.source = rel->source;
		if (d.map) {
			/* Counted above, with the holder's own mappings. */
			if (h)
				continue;
			if (traced_maps(m, rel->ino, d.pid) <= 0)
				continue;
		} else if (holds_fd(cur, h, d.fd) || find(m, &d)) {
			continue;
		}
		if ((r = tell(m, &d, fn, ctx)))
			return r;
	}
	return 0;
}

int dbf_evmerge_trace(struct dbf_evmerge *m, const struct dbf_snapshot *cur,
		      const struct dbf_event *ev, dbf_event_fn fn, void *ctx)
{
	const struct dbf_buf *b;
	const struct fact *rn;
	struct dbf_event e;
	int r;

	/* The first snapshot is where the stream starts: nothing before it. */
	if (!cur)
		return 0;
	b = dbf_snapshot_buf(cur, ev->ino);
	switch (ev->kind) {
	case DBF_EV_EXPORT:
		if (b || find(m, ev))
			return 0;
		return tell(m, ev, fn, ctx);
	case DBF_EV_HOLD:
		if (ev->map) {
			/* Mappings are counted, not named: see struct dbf_evmerge. */
			if (before(ev->time, cur->taken) || take_claim(m, ev))
				return 0;
		} else if (shows_hold(cur, ev->ino, ev->pid, ev->fd) || find(m, ev)) {
			return 0;
		}
		return tell(m, ev, fn, ctx);
	case DBF_EV_RELEASE:
		if (!told_alive(m, cur, ev->ino))
			return 0;
		if ((r = drop_all(m, cur, ev, fn, ctx)))
			return r;
		return tell(m, ev, fn, ctx);
	case DBF_EV_RENAME:
		e = *ev;
		rn = last_rename(m, ev->ino);
		if (rn) {
			e.old_name = rn->ev.name;
			e.had_name = rn->ev.has_name;
		} else if (b) {
			e.old_name = b->name;
			e.had_name = b->has_name;
		} else if (!ev->had_name) {
			/* Neither told it nor knew its name: say nothing of it. */
			e.old_name = (struct dbf_str){ 0 };
		}
		if ((rn || b) && name_eq(e.had_name, e.old_name, e.has_name, e.name))
			return 0;
		return tell(m, &e, fn, ctx);
	case DBF_EV_ATTACH:
	case DBF_EV_DETACH:
	default:
		if (before(ev->time, cur->taken) || take_claim(m, ev))
			return 0;
		return tell(m, ev, fn, ctx);
	}
}

struct scan_ctx {
	struct dbf_evmerge *m;
	dbf_event_fn fn;
	void *ctx;
	const struct dbf_snapshot *b;	/* the newer snapshot */
};

static bool pending(const struct fact *f, const struct dbf_snapshot *b);

/*
 * A traced export that the scan shows named otherwise: the name changed
 * since, and if no traced rename told it (one may come later, dated
 * before the snapshot, and then finds the name told), the scan does.
 */
static int named_since(struct scan_ctx *s, const struct fact *f, const struct dbf_event *ev)
{
	const struct fact *rn = last_rename(s->m, ev->ino);
	const struct dbf_event *told = rn ? &rn->ev : &f->ev;
	struct dbf_event e = *ev;

	/*
	 * A rename the snapshot may have been read before (the trace's
	 * records of a scan's time come after it): the next one tells.
	 */
	if (name_eq(told->has_name, told->name, ev->has_name, ev->name) ||
	    (rn && pending(rn, s->b)))
		return 0;
	e.kind = DBF_EV_RENAME;
	e.old_name = told->name;
	e.had_name = told->has_name;
	return s->fn(s->ctx, &e);
}

/* A scan's event, unless the trace told it. */
static int scan_event(void *ctx, const struct dbf_event *ev)
{
	struct scan_ctx *s = ctx;
	struct fact *f;
	int r;

	if (s->m->seen && (r = s->m->seen(s->m->seen_ctx, ev)))
		return r;

	if (ev->kind == DBF_EV_RENAME) {
		size_t last = s->m->n;

		/* Renamed twice between scans: the scan sees one of the names. */
		for (size_t i = 0; i < s->m->n; i++) {
			const struct dbf_event *fe = &s->m->facts[i].ev;

			if (fe->kind == DBF_EV_RENAME && fe->ino == ev->ino &&
			    name_eq(fe->has_name, fe->name, ev->has_name, ev->name))
				last = i;
		}
		if (last == s->m->n)
			return s->fn(s->ctx, ev);
		for (size_t i = 0; i <= last; i++)
			if (s->m->facts[i].ev.kind == DBF_EV_RENAME &&
			    s->m->facts[i].ev.ino == ev->ino)
				s->m->facts[i].matched = true;
		return 0;
	}
	f = find(s->m, ev);
	if (f) {
		f->matched = true;
		return ev->kind == DBF_EV_EXPORT ? named_since(s, f, ev) : 0;
	}
	if (((ev->kind == DBF_EV_HOLD && ev->map) || ev->kind == DBF_EV_ATTACH ||
	     ev->kind == DBF_EV_DETACH) && (r = add_claim(s->m, ev)))
		return r;
	return s->fn(s->ctx, ev);
}

/* A fact from before @b was taken that @b shows undone: the scan tells it. */
static int undone(struct dbf_evmerge *m, const struct fact *f, const struct dbf_snapshot *b,
		  dbf_event_fn fn, void *ctx)
{
	const struct dbf_buf *bb = dbf_snapshot_buf(b, f->ev.ino);
	struct dbf_event e = f->ev;

	e.time = b->taken;
	e.source = DBF_EVS_SCAN;
	switch (f->ev.kind) {
	case DBF_EV_HOLD:
		if (shows_hold(b, e.ino, e.pid, e.map ? -1 : e.fd))
			return 0;
		/* Dropped already, at a traced release? */
		e.kind = DBF_EV_DROP;
		for (size_t i = 0; i < m->n; i++)
			if (same_change(&m->facts[i].ev, &e))
				return 0;
		return fn(ctx, &e);
	case DBF_EV_RENAME:
		if (!bb || f != last_rename(m, e.ino) ||
		    name_eq(bb->has_name, bb->name, e.has_name, e.name))
			return 0;
		e.old_name = f->ev.name;
		e.had_name = f->ev.has_name;
		e.name = bb->name;
		e.has_name = bb->has_name;
		return fn(ctx, &e);
	case DBF_EV_ATTACH:
		if (!bb || !bb->devices_known)
			return 0;
		for (uint32_t i = 0; i < bb->ndevices; i++)
			if (str_eq(bb->devices[i], e.device))
				return 0;
		e.kind = DBF_EV_DETACH;
		return fn(ctx, &e);
	default:
		/*
		 * An export the scan never saw was released (and that was
		 * traced) or is held by no process where nothing lists such.
		 */
		return 0;
	}
}

/*
 * The programs run as the kernel makes the change, not after it: an fd
 * is traced before it is installed (7.x's dma_buf_fd), a release as it
 * starts, while debugfs still lists the buffer. So a snapshot taken just
 * after a traced event may not show it yet: such a fact waits for the
 * next snapshot rather than be told undone by this one.
 */
#define SETTLE_NS	5000000

static bool pending(const struct fact *f, const struct dbf_snapshot *b)
{
	struct timespec t = b->taken;

	/*
	 * A release (and the drops told before it) that @b does not show yet
	 * waits, for a second at most: no release takes longer.
	 */
	if (f->ev.time.tv_sec + 1 >= b->taken.tv_sec &&
	    ((f->ev.kind == DBF_EV_RELEASE && dbf_snapshot_buf(b, f->ev.ino)) ||
	     (f->ev.kind == DBF_EV_DROP &&
	      shows_hold(b, f->ev.ino, f->ev.pid, f->ev.map ? -1 : f->ev.fd))))
		return true;
	t.tv_nsec -= SETTLE_NS;
	if (t.tv_nsec < 0) {
		t.tv_nsec += 1000000000;
		t.tv_sec--;
	}
	return !before(f->ev.time, t);
}

int dbf_evmerge_scan(struct dbf_evmerge *m, const struct dbf_snapshot *a,
		     const struct dbf_snapshot *b, dbf_event_fn fn, void *ctx)
{
	struct scan_ctx s = { m, fn, ctx, b };
	size_t keep = 0;
	int r;

	/* The claims are the last scan's alone. */
	m->nclaims = 0;
	m->cmem_len = 0;
	r = dbf_events_diff(a, b, scan_event, &s);
	for (size_t i = 0; i < m->nclaims; i++)
		if (m->claims[i].device.len)
			m->claims[i].device.p = m->cmem + (uintptr_t)m->claims[i].device.p;
	for (size_t i = 0; i < m->n; i++)
		m->facts[i].pending = !m->facts[i].matched && pending(&m->facts[i], b);
	for (size_t i = 0; !r && i < m->n; i++)
		if (!m->facts[i].matched && !m->facts[i].pending)
			r = undone(m, &m->facts[i], b, fn, ctx);
	/* What @b cannot confirm yet is for the next snapshot. */
	for (size_t i = 0; i < m->n; i++) {
		struct fact *f = &m->facts[i];

		if (f->pending)
			m->facts[keep++] = *f;
		else
			drop_fact(f);
	}
	m->n = keep;
	return r;
}
