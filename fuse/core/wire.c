// SPDX-License-Identifier: GPL-2.0-only
/*
 * The snapshot hand-over between the scanner and the server processes.
 *
 * Payload, native byte order, no padding:
 *   taken (s64 sec, s64 nsec), scan_ns u64, sources u32, device_sources
 *   u32, bufinfo_err s32,
 *   nprocs_scanned u64, dmabuf_dev u64, dev_src u32, scanner u32 (0 procfs,
 *   1 bpf), trace (u32 length, bytes), bufinfo_noino u64,
 *   bufinfo_noino_bytes u64,
 *   nprocs u32, then per process (ascending pid): pid s32, uid, gid, owner,
 *     owner_gid u32, start_time u64, anon_fds, anon_maps u32, comm (u8
 *     length, bytes, no NUL), cgroup (u32 length, 0: unknown; bytes, which
 *     start with '/'),
 *   nunreadable u32, pids s32,
 *   nbufs u32, then per buffer (ascending ino): ino, size u64, flags u8
 *     (1 has_name, 2 devices_known, 4 size_estimate, 8 origin), refcount s64,
 *     sources u32, exporter and name (u32 length, bytes), with flag 8 the
 *     origin (pid s32, owner, owner_gid u32, at s64 sec, s64 nsec, comm and
 *     cgroup strings), ndevices u32 and as many strings,
 *     nholders u32, then per holder (ascending process): process index u32,
 *     maps u32, maps_unverified u8, nfds u32, fds s32.
 * Derived values (indices, per-process totals, total_bytes, first_seen)
 * are not sent: dbf_snapshot_index() computes them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "hash.h"
#include "wire.h"

int dbf_wire_hdr_check(const struct dbf_wire_hdr *h)
{
	if (h->magic != DBF_WIRE_MAGIC || h->version != DBF_WIRE_VERSION ||
	    h->len > DBF_WIRE_MAX || h->err < 0 || (h->err && h->len) ||
	    h->type > DBF_WIRE_EVENTS || h->reserved)
		return -EINVAL;
	return 0;
}

/* ---- encoding ---- */

struct wbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->oom)
		return;
	if (n > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : 4096;
		char *q;

		while (n > cap - w->len)
			cap *= 2;
		q = realloc(w->p, cap);
		if (!q) {
			w->oom = true;
			return;
		}
		w->p = q;
		w->cap = cap;
	}
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

#define PUT(w, type, v) do { type v_ = (type)(v); put(w, &v_, sizeof(v_)); } while (0)

static void put_str(struct wbuf *w, struct dbf_str s)
{
	PUT(w, uint32_t, s.len);
	put(w, s.p, s.len);
}

static void put_proc(struct wbuf *w, const struct dbf_proc *p)
{
	uint8_t n = (uint8_t)strnlen(p->comm, DBF_COMM_MAX - 1);

	PUT(w, int32_t, p->pid);
	PUT(w, uint32_t, p->uid);
	PUT(w, uint32_t, p->gid);
	PUT(w, uint32_t, p->owner);
	PUT(w, uint32_t, p->owner_gid);
	PUT(w, uint64_t, p->start_time);
	PUT(w, uint32_t, p->anon_fds);
	PUT(w, uint32_t, p->anon_maps);
	PUT(w, uint8_t, n);
	put(w, p->comm, n);
	put_str(w, p->cgroup);
}

static void put_buf(struct wbuf *w, const struct dbf_snapshot *s,
		    const struct dbf_buf *b)
{
	PUT(w, uint64_t, b->ino);
	PUT(w, uint64_t, b->size);
	PUT(w, uint8_t, (b->has_name ? 1 : 0) | (b->devices_known ? 2 : 0) |
		(b->size_estimate ? 4 : 0) | (b->origin ? 8 : 0));
	PUT(w, int64_t, b->refcount);
	PUT(w, uint32_t, b->sources);
	put_str(w, b->exporter);
	put_str(w, b->has_name ? b->name : (struct dbf_str){ "", 0 });
	if (b->origin) {
		PUT(w, int32_t, b->origin->pid);
		PUT(w, uint32_t, b->origin->owner);
		PUT(w, uint32_t, b->origin->owner_gid);
		PUT(w, int64_t, b->origin->at.tv_sec);
		PUT(w, int64_t, b->origin->at.tv_nsec);
		put_str(w, b->origin->comm);
		put_str(w, b->origin->cgroup);
	}
	PUT(w, uint32_t, b->devices_known ? b->ndevices : 0);
	for (uint32_t i = 0; b->devices_known && i < b->ndevices; i++)
		put_str(w, b->devices[i]);
	PUT(w, uint32_t, b->nholders);
	for (uint32_t i = 0; i < b->nholders; i++) {
		const struct dbf_holder *h = &s->holders[b->holder0 + i];

		PUT(w, uint32_t, h->proc);
		PUT(w, uint32_t, h->maps);
		PUT(w, uint8_t, h->maps_unverified);
		PUT(w, uint32_t, h->nfds);
		put(w, &s->fds[h->fd0], h->nfds * sizeof(*s->fds));
	}
}

int dbf_wire_encode(const struct dbf_snapshot *s, char **out, size_t *len)
{
	struct wbuf w = { 0 };

	PUT(&w, int64_t, s->taken.tv_sec);
	PUT(&w, int64_t, s->taken.tv_nsec);
	PUT(&w, uint64_t, s->scan_ns);
	PUT(&w, uint32_t, s->sources);
	PUT(&w, uint32_t, s->device_sources);
	PUT(&w, int32_t, s->bufinfo_err);
	PUT(&w, uint64_t, s->nprocs_scanned);
	PUT(&w, uint64_t, s->dmabuf_dev);
	PUT(&w, uint32_t, s->dev_src);
	PUT(&w, uint32_t, s->scanner);
	put_str(&w, s->trace);
	PUT(&w, uint64_t, s->bufinfo_noino);
	PUT(&w, uint64_t, s->bufinfo_noino_bytes);
	PUT(&w, uint32_t, s->nprocs);
	for (size_t i = 0; i < s->nprocs; i++)
		put_proc(&w, &s->procs[i]);
	PUT(&w, uint32_t, s->nunreadable);
	put(&w, s->unreadable, s->nunreadable * sizeof(*s->unreadable));
	PUT(&w, uint32_t, s->nbufs);
	for (size_t i = 0; i < s->nbufs; i++)
		put_buf(&w, s, &s->bufs[i]);
	if (w.oom || w.len > DBF_WIRE_MAX) {
		free(w.p);
		return w.oom ? -ENOMEM : -E2BIG;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

/* ---- decoding: every read is checked against what is left ---- */

struct rbuf {
	const unsigned char *p;
	size_t left;
	bool bad;
};

static bool get(struct rbuf *r, void *dst, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = true;
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

#define GET(r, type) ({ type v_; get(r, &v_, sizeof(v_)); v_; })

/* Bytes in place: valid as long as the input is. */
static struct dbf_str get_str(struct rbuf *r)
{
	uint32_t n = GET(r, uint32_t);
	struct dbf_str s = { "", 0 };

	if (r->bad || n > r->left) {
		r->bad = true;
		return s;
	}
	s = (struct dbf_str){ (const char *)r->p, n };
	r->p += n;
	r->left -= n;
	return s;
}

/* A count of items of at least @min bytes each, checked against what is left. */
static uint32_t get_count(struct rbuf *r, size_t min)
{
	uint32_t n = GET(r, uint32_t);

	if (!r->bad && n > r->left / min)
		r->bad = true;
	return r->bad ? 0 : n;
}

/*
 * Decoding reads the payload twice: a first pass checks it whole and
 * counts, a second fills arrays of exactly that size. The receiver trusts
 * nothing: order and ranges are checked here, and every derived value
 * (indices, per-process sums, totals, first_seen) is computed by
 * dbf_snapshot_index(), never taken from the sender.
 */
struct dec {
	struct rbuf r;
	bool fill;			/* second pass: write the snapshot */
	struct dbf_snapshot *s;		/* header fields on both passes */
	uint32_t npids;
	uint32_t *keep;			/* by process sent: index + 1 in s->procs, 0: dropped */
	size_t nunreadable, nbufs, nholders, nfds;
	struct dbf_str *seen;		/* strings copied so far, by hash */
};

/*
 * Exporters and names repeat across buffers (one exporter for thousands
 * of buffers is usual): a string met before shares the earlier copy.
 * A direct-mapped cache, so that distinct strings cost no more than one
 * slot each of bounded memory.
 */
#define SEEN_SLOTS	1024

static int dec_str(struct dec *d, struct dbf_str in, struct dbf_str *out)
{
	struct dbf_str *slot;
	uint64_t h;
	int r;

	if (!in.len) {
		*out = (struct dbf_str){ "", 0 };
		return 0;
	}
	h = dbf_fnv1a(DBF_FNV_BASIS, in.p, in.len);
	slot = &d->seen[(h ^ h >> 32) & (SEEN_SLOTS - 1)];
	if (slot->len == in.len && !memcmp(slot->p, in.p, in.len)) {
		*out = *slot;
		return 0;
	}
	r = dbf_arena_str(d->s->arena, in.p, in.len, out);
	if (r == 0)
		*slot = *out;
	return r;
}

/* The comm is NUL-terminated in the arena, as a dbf_proc's is in place. */
/* @o, read without its strings, into the arena as *@out (none: pid 0). */
static int dec_origin(struct dec *d, struct dbf_str comm, struct dbf_str cgroup,
		      const struct dbf_origin *o, const struct dbf_origin **out)
{
	struct dbf_origin *p;
	char c[DBF_COMM_MAX];

	*out = NULL;
	if (!o->pid)
		return 0;
	p = dbf_arena_alloc(d->s->arena, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = *o;
	memcpy(c, comm.p, comm.len);
	c[comm.len] = 0;
	if (dbf_arena_str(d->s->arena, c, comm.len + 1, &p->comm) < 0)
		return -ENOMEM;
	p->comm.len--;
	*out = p;
	return dec_str(d, cgroup, &p->cgroup);
}

static int dec_procs(struct dec *d)
{
	struct rbuf *r = &d->r;
	uint32_t n = get_count(r, 41);
	pid_t last = 0;
	int ret;

	if (!d->fill) {
		d->npids = n;
		d->keep = calloc(n + 1, sizeof(*d->keep));
		if (!d->keep)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct dbf_proc p = { 0 };
		struct dbf_str cgroup;
		uint8_t len;

		p.pid = GET(r, int32_t);
		p.uid = GET(r, uint32_t);
		p.gid = GET(r, uint32_t);
		p.owner = GET(r, uint32_t);
		p.owner_gid = GET(r, uint32_t);
		p.start_time = GET(r, uint64_t);
		p.anon_fds = GET(r, uint32_t);
		p.anon_maps = GET(r, uint32_t);
		len = GET(r, uint8_t);
		if (len >= DBF_COMM_MAX || !get(r, p.comm, len) ||
		    memchr(p.comm, '\0', len))
			return -EINVAL;
		/* Unknown, or a path as the kernel prints them: "/" at least. */
		cgroup = get_str(r);
		if (cgroup.len && cgroup.p[0] != '/')
			return -EINVAL;
		/* Strictly ascending: one record per process. */
		if (r->bad || p.pid <= 0 || (i && p.pid <= last))
			return -EINVAL;
		last = p.pid;
		if (!d->fill) {
			/* Kept if it holds a buffer (seen later) or anonymous ones. */
			if (p.anon_fds || p.anon_maps)
				d->keep[i] = 1;
			continue;
		}
		if (!d->keep[i])
			continue;
		ret = dec_str(d, cgroup, &p.cgroup);
		if (ret < 0)
			return ret;
		d->s->procs[d->keep[i] - 1] = p;
	}
	return 0;
}

static int dec_unreadable(struct dec *d)
{
	uint32_t n = get_count(&d->r, 4);

	for (uint32_t i = 0; i < n; i++) {
		pid_t pid = GET(&d->r, int32_t);

		if (d->fill)
			d->s->unreadable[i] = pid;
	}
	d->nunreadable = n;
	return d->r.bad ? -EINVAL : 0;
}

static int cmp_fd(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Buffer @i and its holders. */
static int dec_buf(struct dec *d, size_t i)
{
	struct rbuf *r = &d->r;
	struct dbf_buf b = { 0 };
	struct dbf_origin o = { 0 };
	struct dbf_str exporter, name, ocomm = { "", 0 }, ocgroup = { "", 0 };
	struct dbf_str *devs = NULL;
	uint32_t ndevs, nholders, last = 0;
	int64_t refcount;
	uint8_t flags;

	b.ino = GET(r, uint64_t);
	b.size = GET(r, uint64_t);
	flags = GET(r, uint8_t);
	refcount = GET(r, int64_t);
	b.sources = GET(r, uint32_t);
	exporter = get_str(r);
	name = get_str(r);
	if (flags & ~15u)
		return -EINVAL;
	if (flags & 8) {
		o.pid = GET(r, int32_t);
		o.owner = GET(r, uint32_t);
		o.owner_gid = GET(r, uint32_t);
		o.at.tv_sec = GET(r, int64_t);
		o.at.tv_nsec = GET(r, int64_t);
		ocomm = get_str(r);
		ocgroup = get_str(r);
		if (o.pid <= 0 || o.at.tv_nsec < 0 ||
		    o.at.tv_nsec >= 1000000000 || ocomm.len >= DBF_COMM_MAX ||
		    memchr(ocomm.p, 0, ocomm.len))
			return -EINVAL;
	}
	/* A name is one of at least a byte; any negative count is unknown. */
	b.has_name = (flags & 1) && name.len;
	b.devices_known = flags & 2;
	b.size_estimate = flags & 4;
	b.refcount = refcount < 0 ? -1 : refcount;
	ndevs = get_count(r, 4);
	if (r->bad || (ndevs && !b.devices_known))
		return -EINVAL;
	if (d->fill) {
		if (dec_str(d, exporter, &b.exporter) < 0 ||
		    dec_str(d, b.has_name ? name : (struct dbf_str){ "", 0 }, &b.name) < 0 ||
		    dec_origin(d, ocomm, ocgroup, &o, &b.origin) < 0)
			return -ENOMEM;
		if (ndevs) {
			devs = dbf_arena_alloc(d->s->arena, ndevs * sizeof(*devs));
			if (!devs)
				return -ENOMEM;
		}
		b.devices = devs;
		b.ndevices = ndevs;
	}
	for (uint32_t k = 0; k < ndevs; k++) {
		struct dbf_str dev = get_str(r);

		if (r->bad)
			return -EINVAL;
		if (devs && dec_str(d, dev, &devs[k]) < 0)
			return -ENOMEM;
	}

	nholders = get_count(r, 13);
	/* A buffer no one holds has the range 0, 0, as the scan leaves it. */
	b.holder0 = nholders ? (uint32_t)d->nholders : 0;
	b.nholders = nholders;
	for (uint32_t k = 0; k < nholders; k++) {
		struct dbf_holder h = { .buf = (uint32_t)i, .fd0 = (uint32_t)d->nfds };
		uint32_t proc = GET(r, uint32_t);
		uint8_t unverified;
		int32_t *fds;

		h.maps = GET(r, uint32_t);
		unverified = GET(r, uint8_t);
		h.nfds = get_count(r, 4);
		/* One holder per process, in process order, as the scan makes them. */
		if (r->bad || proc >= d->npids || (k && proc <= last) || unverified > 1 ||
		    (unverified && !h.maps))
			return -EINVAL;
		last = proc;
		h.maps_unverified = unverified;
		fds = d->fill ? &d->s->fds[h.fd0] : NULL;
		for (uint32_t f = 0; f < h.nfds; f++) {
			int32_t fd = GET(r, int32_t);

			if (r->bad || fd < 0)
				return -EINVAL;
			if (fds)
				fds[f] = fd;
		}
		/* A holder's fds ascend, as the scan lists them. */
		for (uint32_t f = 1; fds && f < h.nfds; f++) {
			if (fds[f] < fds[f - 1]) {
				qsort(fds, h.nfds, sizeof(*fds), cmp_fd);
				break;
			}
		}
		/*
		 * Sources the holder proves: an fd, or mappings (checked by the
		 * scanner against the dma-buf device); one with neither still
		 * is one, by its mappings.
		 */
		if (h.nfds)
			b.sources |= DBF_SRC_FD;
		if (h.maps || !h.nfds)
			b.sources |= DBF_SRC_MAPS;
		if (d->fill) {
			h.proc = d->keep[proc] - 1;
			d->s->holders[d->nholders] = h;
		} else {
			d->keep[proc] = 1;
		}
		d->nholders++;
		d->nfds += h.nfds;
	}
	if (r->bad)
		return -EINVAL;
	if (d->fill)
		d->s->bufs[i] = b;
	return 0;
}

/* One pass over the payload; see struct dec. */
static int dec_pass(struct dec *d)
{
	struct rbuf *r = &d->r;
	struct dbf_snapshot *s = d->s;
	uint64_t nscanned, noino, last_ino = 0;
	struct dbf_str trace;
	uint32_t n;
	int ret;

	d->nholders = d->nfds = 0;
	s->taken.tv_sec = (time_t)GET(r, int64_t);
	s->taken.tv_nsec = (long)GET(r, int64_t);
	s->scan_ns = GET(r, uint64_t);
	s->sources = GET(r, uint32_t);
	s->device_sources = GET(r, uint32_t);
	s->bufinfo_err = GET(r, int32_t);
	nscanned = GET(r, uint64_t);
	s->dmabuf_dev = GET(r, uint64_t);
	s->dev_src = GET(r, uint32_t);
	s->scanner = GET(r, uint32_t);
	trace = get_str(r);
	noino = GET(r, uint64_t);
	s->bufinfo_noino_bytes = GET(r, uint64_t);
	if (r->bad || s->taken.tv_nsec < 0 || s->taken.tv_nsec >= 1000000000 ||
	    s->bufinfo_err < 0 || nscanned > SIZE_MAX || noino > SIZE_MAX ||
	    s->scanner > DBF_SCANNER_BPF ||
	    (s->device_sources & ~(DBF_SRC_BUFINFO | DBF_SRC_FDINFO)))
		return -EINVAL;
	s->nprocs_scanned = (size_t)nscanned;
	s->bufinfo_noino = (size_t)noino;
	if (d->fill && dec_str(d, trace, &s->trace) < 0)
		return -ENOMEM;

	ret = dec_procs(d);
	if (ret < 0)
		return ret;
	ret = dec_unreadable(d);
	if (ret < 0)
		return ret;
	n = get_count(r, 45);
	d->nbufs = n;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t ino;

		/* Strictly ascending inodes: one record per buffer. */
		if (r->left < sizeof(ino))
			return -EINVAL;
		memcpy(&ino, r->p, sizeof(ino));
		if (i && ino <= last_ino)
			return -EINVAL;
		last_ino = ino;
		ret = dec_buf(d, i);
		if (ret < 0)
			return ret;
	}
	return r->bad || r->left ? -EINVAL : 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int dbf_wire_decode(const void *p, size_t len, const struct dbf_snapshot *prev,
		    struct dbf_snapshot **out)
{
	struct dbf_snapshot *s = calloc(1, sizeof(*s));
	struct dec d = { .r = { .p = p, .left = len }, .s = s };
	size_t nkeep = 0;
	int ret = -ENOMEM;

	if (!s)
		return -ENOMEM;
	ret = dec_pass(&d);
	if (ret < 0)
		goto out;

	ret = -ENOMEM;
	for (uint32_t i = 0; i < d.npids; i++)
		if (d.keep[i])
			d.keep[i] = (uint32_t)++nkeep;
	/* Each array with one spare element, as dbf_snapshot_mem() counts them. */
	s->arena = dbf_arena_new();
	s->procs = calloc(nkeep + 1, sizeof(*s->procs));
	s->unreadable = calloc(d.nunreadable + 1, sizeof(*s->unreadable));
	s->bufs = calloc(d.nbufs + 1, sizeof(*s->bufs));
	s->holders = calloc(d.nholders + 1, sizeof(*s->holders));
	s->fds = calloc(d.nfds + 1, sizeof(*s->fds));
	d.seen = calloc(SEEN_SLOTS, sizeof(*d.seen));
	if (!s->arena || !s->procs || !s->unreadable || !s->bufs || !s->holders ||
	    !s->fds || !d.seen)
		goto out;
	s->nprocs = nkeep;
	s->nunreadable = d.nunreadable;
	s->nbufs = d.nbufs;
	s->nholders = d.nholders;
	s->nfds = d.nfds;

	d.r = (struct rbuf){ .p = p, .left = len };
	d.fill = true;
	ret = dec_pass(&d);
	if (ret < 0)
		goto out;
	if (s->nunreadable > 1)
		qsort(s->unreadable, s->nunreadable, sizeof(*s->unreadable), cmp_pid);
	ret = dbf_snapshot_index(s, prev);
out:
	free(d.keep);
	free(d.seen);
	if (ret < 0) {
		dbf_snapshot_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

/*
 * ---- events ----
 * Per event: time (s64 sec, s64 nsec), kind u32, flags u32 (1 has_name,
 * 2 had_name, 4 map), ino, size u64, pid s32, owner, owner_gid u32, fd
 * s32, then exporter, name, old_name, comm, cgroup and device strings.
 */
#define EV_FIXED	(8 + 8 + 4 + 4 + 8 + 8 + 4 + 4 + 4 + 4)
#define EV_STRINGS	6

int dbf_wire_encode_events(const struct dbf_event *evs, size_t n, char **out,
			   size_t *len)
{
	struct wbuf w = { 0 };

	PUT(&w, uint32_t, n);
	for (size_t i = 0; i < n; i++) {
		const struct dbf_event *e = &evs[i];

		PUT(&w, int64_t, e->time.tv_sec);
		PUT(&w, int64_t, e->time.tv_nsec);
		PUT(&w, uint32_t, e->kind);
		PUT(&w, uint32_t, (e->has_name ? 1 : 0) | (e->had_name ? 2 : 0) | (e->map ? 4 : 0));
		PUT(&w, uint64_t, e->ino);
		PUT(&w, uint64_t, e->size);
		PUT(&w, int32_t, e->pid);
		PUT(&w, uint32_t, e->owner);
		PUT(&w, uint32_t, e->owner_gid);
		PUT(&w, int32_t, e->fd);
		put_str(&w, e->exporter);
		put_str(&w, e->has_name ? e->name : (struct dbf_str){ "", 0 });
		put_str(&w, e->had_name ? e->old_name : (struct dbf_str){ "", 0 });
		put_str(&w, e->comm ? dbf_cstr(e->comm) : (struct dbf_str){ "", 0 });
		put_str(&w, e->cgroup);
		put_str(&w, e->device);
	}
	if (w.oom || w.len > DBF_WIRE_MAX) {
		free(w.p);
		return w.oom ? -ENOMEM : -E2BIG;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

/* One event at @r; its strings stay in the input. */
static int dec_event(struct rbuf *r, struct dbf_event *e, struct dbf_str *comm)
{
	uint32_t flags;

	*e = (struct dbf_event){ .source = DBF_EVS_TRACE };
	e->time.tv_sec = GET(r, int64_t);
	e->time.tv_nsec = GET(r, int64_t);
	e->kind = GET(r, uint32_t);
	flags = GET(r, uint32_t);
	e->ino = GET(r, uint64_t);
	e->size = GET(r, uint64_t);
	e->pid = GET(r, int32_t);
	e->owner = GET(r, uint32_t);
	e->owner_gid = GET(r, uint32_t);
	e->fd = GET(r, int32_t);
	e->exporter = get_str(r);
	e->name = get_str(r);
	e->old_name = get_str(r);
	*comm = get_str(r);
	e->cgroup = get_str(r);
	e->device = get_str(r);
	e->has_name = (flags & 1) && e->name.len;
	e->had_name = (flags & 2) && e->old_name.len;
	e->map = flags & 4;
	if (r->bad || flags & ~7u || e->kind > DBF_EV_DETACH || e->pid < 0 || e->fd < -1 ||
	    e->time.tv_nsec < 0 || e->time.tv_nsec >= 1000000000 ||
	    comm->len >= DBF_COMM_MAX || memchr(comm->p, 0, comm->len) ||
	    (e->map && e->fd >= 0))
		return -EINVAL;
	return 0;
}

int dbf_wire_decode_events(const void *p, size_t len, struct dbf_event **evs,
			   size_t *n)
{
	struct rbuf r = { p, len, false };
	uint32_t count = get_count(&r, EV_FIXED + EV_STRINGS * 4);
	struct dbf_event *e;
	char *at;

	if (r.bad)
		return -EINVAL;
	/* Room for every string, each comm with a NUL: never more than @len. */
	e = malloc(count * sizeof(*e) + len + count + 1);
	if (!e)
		return -ENOMEM;
	at = (char *)(e + count);
	for (uint32_t i = 0; i < count; i++) {
		struct dbf_str comm, *strs[] = { &e[i].exporter, &e[i].name, &e[i].old_name,
						 &e[i].cgroup, &e[i].device };

		if (dec_event(&r, &e[i], &comm) < 0) {
			free(e);
			return -EINVAL;
		}
		for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++) {
			memcpy(at, strs[k]->p, strs[k]->len);
			strs[k]->p = at;
			at += strs[k]->len;
		}
		memcpy(at, comm.p, comm.len);
		at[comm.len] = 0;
		e[i].comm = e[i].pid ? at : NULL;
		at += comm.len + 1;
	}
	if (r.left) {
		free(e);
		return -EINVAL;
	}
	*evs = e;
	*n = count;
	return 0;
}
