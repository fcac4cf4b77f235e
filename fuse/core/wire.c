// SPDX-License-Identifier: GPL-2.0-only
/*
 * The snapshot hand-over between the scanner and the server processes.
 *
 * Payload, native byte order, no padding:
 *   taken (s64 sec, s64 nsec), scan_ns u64, sources u32, device_sources
 *   u32, bufinfo_err s32,
 *   nprocs_scanned u64, dmabuf_dev u64, dev_src u32, scanner u32 (0 procfs,
 *   1 bpf), bufinfo_noino u64,
 *   bufinfo_noino_bytes u64,
 *   nprocs u32, then per process (ascending pid): pid s32, uid, gid, owner,
 *     owner_gid u32, start_time u64, anon_fds, anon_maps u32, comm (u8
 *     length, bytes, no NUL), cgroup (u32 length, 0: unknown; bytes, which
 *     start with '/'),
 *   nunreadable u32, pids s32,
 *   nbufs u32, then per buffer (ascending ino): ino, size u64, flags u8
 *     (1 has_name, 2 devices_known), refcount s64, sources u32, exporter
 *     and name (u32 length, bytes), ndevices u32 and as many strings,
 *     nholders u32, then per holder (ascending process): process index u32,
 *     maps u32, maps_unverified u8, nfds u32, fds s32.
 * Derived values (indices, per-process totals, total_bytes, first_seen)
 * are not sent: finish() computes them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "wire.h"

int dbf_wire_hdr_check(const struct dbf_wire_hdr *h)
{
	if (h->magic != DBF_WIRE_MAGIC || h->version != DBF_WIRE_VERSION ||
	    h->len > DBF_WIRE_MAX || h->err < 0 || (h->err && h->len))
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
	PUT(w, uint8_t, (b->has_name ? 1 : 0) | (b->devices_known ? 2 : 0));
	PUT(w, int64_t, b->refcount);
	PUT(w, uint32_t, b->sources);
	put_str(w, b->exporter);
	put_str(w, b->has_name ? b->name : (struct dbf_str){ "", 0 });
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

struct wire_holder {
	uint32_t maps;
	bool unverified;
};

static int get_procs(struct rbuf *r, struct dbf_builder *b, pid_t **pids,
		     uint32_t *npids)
{
	uint32_t n = get_count(r, 41);
	int ret;

	*npids = n;
	*pids = calloc(n + 1, sizeof(**pids));
	if (!*pids)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		struct dbf_proc_fact f = { 0 };
		char comm[DBF_COMM_MAX] = "";
		uint8_t len;

		f.pid = GET(r, int32_t);
		f.uid = GET(r, uint32_t);
		f.gid = GET(r, uint32_t);
		f.owner = GET(r, uint32_t);
		f.owner_gid = GET(r, uint32_t);
		f.start_time = GET(r, uint64_t);
		f.anon_fds = GET(r, uint32_t);
		f.anon_maps = GET(r, uint32_t);
		len = GET(r, uint8_t);
		if (len >= DBF_COMM_MAX || !get(r, comm, len) ||
		    memchr(comm, '\0', len))
			return -EINVAL;
		/* Unknown, or a path as the kernel prints them: "/" at least. */
		f.cgroup = get_str(r);
		if (f.cgroup.len && f.cgroup.p[0] != '/')
			return -EINVAL;
		/* Strictly ascending: one record per process. */
		if (r->bad || f.pid <= 0 || (i && f.pid <= (*pids)[i - 1]))
			return -EINVAL;
		f.comm = comm;
		(*pids)[i] = f.pid;
		ret = dbf_builder_proc(b, &f);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int get_buf(struct rbuf *r, struct dbf_builder *b, const pid_t *pids,
		   uint32_t npids, uint64_t dmabuf_dev, struct wire_holder *wh,
		   size_t *nwh)
{
	struct dbf_buf_fact f;
	struct dbf_str *devs = NULL;
	uint32_t ndevs, nholders, last = 0;
	uint8_t flags;
	int ret = -EINVAL;

	f = dbf_buf_fact_init(GET(r, uint64_t), 0);
	f.size = GET(r, uint64_t);
	f.has_size = true;
	flags = GET(r, uint8_t);
	f.refcount = GET(r, int64_t);
	f.source = GET(r, uint32_t);
	f.exporter = get_str(r);
	f.name = get_str(r);
	if (flags & ~3u)
		return -EINVAL;
	f.has_name = flags & 1;
	/* Exact bytes: nothing replayed later may rename it. */
	f.name_rank = DBF_NAME_EXACT;
	f.devices_known = flags & 2;
	ndevs = get_count(r, 4);
	if (r->bad || (ndevs && !f.devices_known))
		return -EINVAL;
	if (ndevs) {
		devs = calloc(ndevs, sizeof(*devs));
		if (!devs)
			return -ENOMEM;
		for (uint32_t i = 0; i < ndevs; i++)
			devs[i] = get_str(r);
		if (r->bad)
			goto out;
	}
	f.devices = devs;
	f.ndevices = ndevs;
	ret = dbf_builder_buf(b, &f);
	if (ret < 0)
		goto out;

	ret = -EINVAL;
	nholders = get_count(r, 13);
	for (uint32_t i = 0; i < nholders; i++) {
		uint32_t proc = GET(r, uint32_t);
		uint32_t maps = GET(r, uint32_t);
		uint8_t unverified = GET(r, uint8_t);
		uint32_t nfds = get_count(r, 4);

		/* One holder per process, in process order, as finish() makes them. */
		if (r->bad || proc >= npids || (i && proc <= last) || unverified > 1 ||
		    (unverified && !maps))
			goto out;
		last = proc;
		for (uint32_t k = 0; k < nfds; k++) {
			int32_t fd = GET(r, int32_t);

			if (r->bad || fd < 0)
				goto out;
			ret = dbf_builder_fd(b, pids[proc], fd, f.ino);
			if (ret < 0)
				goto out;
			ret = -EINVAL;
		}
		/*
		 * The device is the one the scanner checked the mappings
		 * against; a holder with neither fds nor mappings still is one.
		 */
		if (maps || !nfds) {
			ret = dbf_builder_maps(b, pids[proc], f.ino, dmabuf_dev, maps,
					       f.size, (struct dbf_str){ "", 0 });
			if (ret < 0)
				goto out;
			ret = -EINVAL;
		}
		wh[(*nwh)++] = (struct wire_holder){ maps, unverified };
	}
	ret = r->bad ? -EINVAL : 0;
out:
	free(devs);
	return ret;
}

int dbf_wire_decode(const void *p, size_t len, const struct dbf_snapshot *prev,
		    struct dbf_snapshot **out)
{
	struct rbuf r = { .p = p, .left = len };
	struct dbf_builder *b = dbf_builder_new();
	struct wire_holder *wh = NULL;
	pid_t *pids = NULL;
	struct dbf_snapshot *s;
	struct timespec taken;
	uint64_t scan_ns, nscanned, dev, noino, noino_bytes, last_ino = 0;
	uint32_t sources, device_sources, dev_src, scanner, npids, n;
	int32_t bufinfo_err;
	size_t nwh = 0;
	int ret = -EINVAL;

	if (!b)
		return -ENOMEM;
	taken.tv_sec = (time_t)GET(&r, int64_t);
	taken.tv_nsec = (long)GET(&r, int64_t);
	scan_ns = GET(&r, uint64_t);
	sources = GET(&r, uint32_t);
	device_sources = GET(&r, uint32_t);
	bufinfo_err = GET(&r, int32_t);
	nscanned = GET(&r, uint64_t);
	dev = GET(&r, uint64_t);
	dev_src = GET(&r, uint32_t);
	scanner = GET(&r, uint32_t);
	noino = GET(&r, uint64_t);
	noino_bytes = GET(&r, uint64_t);
	if (r.bad || taken.tv_nsec < 0 || taken.tv_nsec >= 1000000000 ||
	    bufinfo_err < 0 || nscanned > SIZE_MAX || noino > SIZE_MAX ||
	    scanner > DBF_SCANNER_BPF ||
	    (device_sources & ~(DBF_SRC_BUFINFO | DBF_SRC_FDINFO)))
		goto fail;
	dbf_builder_set_sources(b, sources, bufinfo_err, (size_t)nscanned);
	dbf_builder_set_scanner(b, scanner);
	dbf_builder_add_device_sources(b, device_sources);
	dbf_builder_set_noino(b, (size_t)noino, noino_bytes);
	dbf_builder_set_dmabuf_dev(b, dev, dev_src);

	ret = get_procs(&r, b, &pids, &npids);
	if (ret < 0)
		goto fail;
	ret = -EINVAL;
	n = get_count(&r, 4);
	for (uint32_t i = 0; i < n; i++) {
		ret = dbf_builder_unreadable(b, GET(&r, int32_t));
		if (ret < 0)
			goto fail;
		ret = -EINVAL;
	}

	/* A holder takes at least 13 bytes: this bounds their number. */
	wh = calloc(r.left / 13 + 1, sizeof(*wh));
	if (!wh) {
		ret = -ENOMEM;
		goto fail;
	}
	n = get_count(&r, 45);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t ino;

		/* Strictly ascending inodes: one record per buffer. */
		if (r.left < sizeof(ino))
			goto fail;
		memcpy(&ino, r.p, sizeof(ino));
		if (i && ino <= last_ino)
			goto fail;
		last_ino = ino;
		ret = get_buf(&r, b, pids, npids, dev, wh, &nwh);
		if (ret < 0)
			goto fail;
		ret = -EINVAL;
	}
	if (r.bad || r.left)
		goto fail;

	ret = dbf_builder_finish(b, &taken, prev, &s);
	b = NULL;
	if (ret < 0)
		goto fail;
	/* Every holder sent came back, in the same order: restore what was checked. */
	if (s->nholders != nwh) {
		dbf_snapshot_free(s);
		ret = -EINVAL;
		goto fail;
	}
	for (size_t i = 0; i < nwh; i++) {
		if (s->holders[i].maps != wh[i].maps) {
			dbf_snapshot_free(s);
			ret = -EINVAL;
			goto fail;
		}
		s->holders[i].maps_unverified = wh[i].unverified;
	}
	s->scan_ns = scan_ns;
	free(pids);
	free(wh);
	*out = s;
	return 0;
fail:
	dbf_builder_free(b);
	free(pids);
	free(wh);
	return ret;
}
