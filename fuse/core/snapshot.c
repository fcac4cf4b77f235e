// SPDX-License-Identifier: GPL-2.0-only
/*
 * The builder collects facts from every source; finish() joins them into
 * an immutable snapshot with its indices.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "builder.h"

struct bbuf {
	uint64_t ino, size;
	bool has_size, size_estimate, has_name, devices_known, refcount_full;
	uint8_t name_rank;
	struct dbf_str exporter, name;
	int64_t refcount;
	struct dbf_str *devices;
	uint32_t ndevices;
	unsigned int sources;
};

/*
 * One fd (fd >= 0) or the mappings (fd == -1) by which a process holds a
 * buffer. Mappings carry what maps said until finish() checks the device.
 */
struct bref {
	uint64_t ino;
	pid_t pid;
	int32_t fd;
	uint32_t maps;
	bool unverified;
	uint64_t dev, len;
	struct dbf_str name;
};

struct bproc {
	pid_t pid;
	uid_t uid, owner;
	gid_t gid, owner_gid;
	uint64_t start_time;
	uint32_t anon_fds, anon_maps;
	char comm[DBF_COMM_MAX];
	struct dbf_str cgroup;		/* in the builder's arena */
};

struct dbf_builder {
	struct dbf_arena *arena;
	struct bbuf *bufs;
	size_t nbufs, capbufs;
	uint32_t *hash;		/* open addressing: buf index + 1, 0 is empty */
	size_t hcap;
	struct bref *refs;
	size_t nrefs, caprefs;
	struct bproc *procs;
	size_t nprocs, capprocs;
	pid_t *unreadable;
	size_t nunreadable, capunreadable;
	unsigned int sources;
	unsigned int scanner;
	int bufinfo_err;
	size_t nprocs_scanned;
	size_t noino;
	uint64_t noino_bytes;
	bool names_escaped;
	unsigned int device_sources;
	uint64_t dmabuf_dev;
	unsigned int dev_src;
};

static size_t hash_ino(uint64_t ino, size_t mask)
{
	ino ^= ino >> 33;
	ino *= 0xff51afd7ed558ccdULL;
	ino ^= ino >> 33;
	return (size_t)ino & mask;
}

static int rehash(struct dbf_builder *b, size_t hcap)
{
	uint32_t *h = calloc(hcap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < b->nbufs; i++) {
		size_t j = hash_ino(b->bufs[i].ino, hcap - 1);

		while (h[j])
			j = (j + 1) & (hcap - 1);
		h[j] = (uint32_t)i + 1;
	}
	free(b->hash);
	b->hash = h;
	b->hcap = hcap;
	return 0;
}

/* The builder's record for @ino, created empty if new; NULL on ENOMEM. */
static struct bbuf *get_buf(struct dbf_builder *b, uint64_t ino)
{
	size_t j;
	struct bbuf *nb;

	if (b->hcap) {
		for (j = hash_ino(ino, b->hcap - 1); b->hash[j];
		     j = (j + 1) & (b->hcap - 1))
			if (b->bufs[b->hash[j] - 1].ino == ino)
				return &b->bufs[b->hash[j] - 1];
	}
	if (b->nbufs >= UINT32_MAX - 1 ||
	    dbf_grow(&b->bufs, &b->capbufs, b->nbufs, sizeof(*b->bufs)) < 0)
		return NULL;
	if ((b->nbufs + 1) * 2 > b->hcap &&
	    rehash(b, b->hcap ? b->hcap * 2 : 256) < 0)
		return NULL;
	nb = &b->bufs[b->nbufs];
	*nb = (struct bbuf){ .ino = ino, .refcount = -1 };
	for (j = hash_ino(ino, b->hcap - 1); b->hash[j]; j = (j + 1) & (b->hcap - 1))
		;
	b->hash[j] = (uint32_t)++b->nbufs;
	return nb;
}

struct dbf_builder *dbf_builder_new(void)
{
	struct dbf_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->arena = dbf_arena_new();
	if (!b->arena) {
		free(b);
		return NULL;
	}
	return b;
}

void dbf_builder_free(struct dbf_builder *b)
{
	if (!b)
		return;
	dbf_arena_free(b->arena);
	free(b->bufs);
	free(b->hash);
	free(b->refs);
	free(b->procs);
	free(b->unreadable);
	free(b);
}

void dbf_builder_reset(struct dbf_builder *b)
{
	dbf_arena_reset(b->arena);
	b->nbufs = 0;
	if (b->hcap)
		memset(b->hash, 0, b->hcap * sizeof(*b->hash));
	b->nrefs = 0;
	b->nprocs = 0;
	b->nunreadable = 0;
	b->sources = 0;
	b->scanner = DBF_SCANNER_PROCFS;
	b->bufinfo_err = 0;
	b->nprocs_scanned = 0;
	b->noino = 0;
	b->noino_bytes = 0;
}

int dbf_builder_buf(struct dbf_builder *b, const struct dbf_buf_fact *f)
{
	struct bbuf *bb = get_buf(b, f->ino);
	int r;

	if (!bb)
		return -ENOMEM;
	bb->sources |= f->source;
	if (f->has_size && (!bb->has_size || (bb->size_estimate && !f->size_estimate))) {
		bb->size = f->size;
		bb->has_size = true;
		bb->size_estimate = f->size_estimate;
	}
	if (f->exporter.len && !bb->exporter.len) {
		r = dbf_arena_str(b->arena, f->exporter.p, f->exporter.len, &bb->exporter);
		if (r < 0)
			return r;
	}
	/* Exact bytes (fd link, fdinfo) beat maps, which beat bufinfo. */
	if (f->name_rank > bb->name_rank) {
		bb->name_rank = (uint8_t)f->name_rank;
		bb->has_name = f->has_name && f->name.len;
		bb->name = (struct dbf_str){ "", 0 };
		if (bb->has_name) {
			r = dbf_arena_str(b->arena, f->name.p, f->name.len, &bb->name);
			if (r < 0)
				return r;
		}
	}
	if (f->refcount >= 0 && (bb->refcount < 0 ||
				 (f->refcount_full && !bb->refcount_full))) {
		bb->refcount = f->refcount;
		bb->refcount_full = f->refcount_full;
	}
	if (f->devices_known && !bb->devices_known) {
		struct dbf_str *d = NULL;

		if (f->ndevices) {
			d = dbf_arena_alloc(b->arena, f->ndevices * sizeof(*d));
			if (!d)
				return -ENOMEM;
			for (uint32_t i = 0; i < f->ndevices; i++) {
				r = dbf_arena_str(b->arena, f->devices[i].p,
						  f->devices[i].len, &d[i]);
				if (r < 0)
					return r;
			}
		}
		bb->devices = d;
		bb->ndevices = f->ndevices;
		bb->devices_known = true;
	}
	return 0;
}

static int add_ref(struct dbf_builder *b, const struct bref *ref)
{
	if (dbf_grow(&b->refs, &b->caprefs, b->nrefs, sizeof(*b->refs)) < 0)
		return -ENOMEM;
	b->refs[b->nrefs++] = *ref;
	return 0;
}

int dbf_builder_fd(struct dbf_builder *b, pid_t pid, int fd, uint64_t ino)
{
	struct bbuf *bb = get_buf(b, ino);

	if (!bb)
		return -ENOMEM;
	bb->sources |= DBF_SRC_FD;
	return add_ref(b, &(struct bref){ .ino = ino, .pid = pid, .fd = fd });
}

int dbf_builder_maps(struct dbf_builder *b, pid_t pid, uint64_t ino,
		     uint64_t dev, uint32_t count, uint64_t len,
		     struct dbf_str name)
{
	struct bref r = { .ino = ino, .pid = pid, .fd = -1, .maps = count,
			  .dev = dev, .len = len, .name = { "", 0 } };

	/* No buffer yet: a mapping proves nothing until its device is checked. */
	if (name.len && dbf_arena_str(b->arena, name.p, name.len, &r.name) < 0)
		return -ENOMEM;
	return add_ref(b, &r);
}

void dbf_builder_set_dmabuf_dev(struct dbf_builder *b, uint64_t dev,
				unsigned int src)
{
	b->dmabuf_dev = dev;
	b->dev_src = src;
}

unsigned int dbf_builder_dev_src(const struct dbf_builder *b)
{
	return b->dev_src;
}

int dbf_builder_proc(struct dbf_builder *b, const struct dbf_proc_fact *f)
{
	struct bproc *p;

	if (dbf_grow(&b->procs, &b->capprocs, b->nprocs, sizeof(*b->procs)) < 0)
		return -ENOMEM;
	p = &b->procs[b->nprocs++];
	*p = (struct bproc){ .pid = f->pid, .uid = f->uid, .owner = f->owner,
			     .gid = f->gid, .owner_gid = f->owner_gid,
			     .start_time = f->start_time,
			     .anon_fds = f->anon_fds, .anon_maps = f->anon_maps,
			     .cgroup = { "", 0 } };
	strncpy(p->comm, f->comm, sizeof(p->comm) - 1);
	if (f->cgroup.len &&
	    dbf_arena_str(b->arena, f->cgroup.p, f->cgroup.len, &p->cgroup) < 0) {
		b->nprocs--;
		return -ENOMEM;
	}
	return 0;
}

int dbf_builder_unreadable(struct dbf_builder *b, pid_t pid)
{
	if (dbf_grow(&b->unreadable, &b->capunreadable, b->nunreadable,
		 sizeof(*b->unreadable)) < 0)
		return -ENOMEM;
	b->unreadable[b->nunreadable++] = pid;
	return 0;
}

void dbf_builder_set_names_escaped(struct dbf_builder *b)
{
	b->names_escaped = true;
}

bool dbf_builder_names_escaped(const struct dbf_builder *b)
{
	return b->names_escaped;
}

int dbf_builder_merge(struct dbf_builder *dst, const struct dbf_builder *src)
{
	int r;

	dst->names_escaped |= src->names_escaped;
	dst->device_sources |= src->device_sources;
	for (size_t i = 0; i < src->nbufs; i++) {
		const struct bbuf *bb = &src->bufs[i];
		struct dbf_buf_fact f = {
			.ino = bb->ino,
			.size = bb->size,
			.has_size = bb->has_size,
			.size_estimate = bb->size_estimate,
			.exporter = bb->exporter,
			.name = bb->name,
			.has_name = bb->has_name,
			.name_rank = bb->name_rank,
			.refcount = bb->refcount,
			.refcount_full = bb->refcount_full,
			.devices = bb->devices,
			.ndevices = bb->ndevices,
			.devices_known = bb->devices_known,
			.source = bb->sources,
		};

		r = dbf_builder_buf(dst, &f);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < src->nrefs; i++) {
		struct bref ref = src->refs[i];

		if (ref.name.len &&
		    dbf_arena_str(dst->arena, ref.name.p, ref.name.len, &ref.name) < 0)
			return -ENOMEM;
		r = add_ref(dst, &ref);
		if (r < 0)
			return r;
	}
	if (src->dev_src > dst->dev_src) {
		dst->dmabuf_dev = src->dmabuf_dev;
		dst->dev_src = src->dev_src;
	}
	for (size_t i = 0; i < src->nprocs; i++) {
		struct bproc p = src->procs[i];

		/* @src's arena is reset for the next process: copy the path. */
		if (dbf_grow(&dst->procs, &dst->capprocs, dst->nprocs, sizeof(*dst->procs)) < 0 ||
		    (p.cgroup.len &&
		     dbf_arena_str(dst->arena, p.cgroup.p, p.cgroup.len, &p.cgroup) < 0))
			return -ENOMEM;
		dst->procs[dst->nprocs++] = p;
	}
	for (size_t i = 0; i < src->nunreadable; i++) {
		r = dbf_builder_unreadable(dst, src->unreadable[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

void dbf_builder_add_device_sources(struct dbf_builder *b, unsigned int src)
{
	b->device_sources |= src;
}

void dbf_builder_set_noino(struct dbf_builder *b, size_t count, uint64_t bytes)
{
	b->noino = count;
	b->noino_bytes = bytes;
}

void dbf_builder_set_sources(struct dbf_builder *b, unsigned int sources,
			     int bufinfo_err, size_t nprocs_scanned)
{
	b->sources = sources;
	b->bufinfo_err = bufinfo_err;
	b->nprocs_scanned = nprocs_scanned;
}

void dbf_builder_set_scanner(struct dbf_builder *b, unsigned int scanner)
{
	b->scanner = scanner;
}

const char *dbf_scanner_name(unsigned int scanner)
{
	return scanner == DBF_SCANNER_BPF ? "bpf" : "procfs";
}

/* qsort() with no array at all (NULL, 0) is undefined; nothing to sort is fine. */
static void sort(void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void sort_r(void *base, size_t n, size_t size,
		   int (*cmp)(const void *, const void *, void *), void *ctx)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, ctx);
}

static int cmp_bbuf(const void *a, const void *b)
{
	const struct bbuf *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

static int cmp_bref(const void *a, const void *b)
{
	const struct bref *x = a, *y = b;

	if (x->ino != y->ino)
		return (x->ino > y->ino) - (x->ino < y->ino);
	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* pids, and (as bsearch keys) bproc and dbf_proc, which start with one */
static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int cmp_bproc(const void *a, const void *b)
{
	return cmp_pid(&((const struct bproc *)a)->pid,
		       &((const struct bproc *)b)->pid);
}

/* qsort_r contexts for the index arrays. */
static int cmp_by_name(const void *a, const void *b, void *ctx)
{
	const struct dbf_buf *bufs = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = dbf_str_cmp(bufs[x].name, bufs[y].name);

	return c ? c : (x > y) - (x < y);
}

static int cmp_by_exporter(const void *a, const void *b, void *ctx)
{
	const struct dbf_buf *bufs = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = dbf_str_cmp(bufs[x].exporter, bufs[y].exporter);

	return c ? c : (x > y) - (x < y);
}

void dbf_snapshot_free(struct dbf_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->bufs);
	free(snap->procs);
	free(snap->holders);
	free(snap->proc_holders);
	free(snap->fds);
	free(snap->by_name);
	free(snap->by_exporter);
	free(snap->unreadable);
	dbf_arena_free(snap->arena);
	free(snap);
}

/* Index of @pid in the sorted bproc array, or -1. */
static ssize_t find_bproc(const struct bproc *procs, size_t n, pid_t pid)
{
	const struct bproc *p = n ? bsearch(&pid, procs, n, sizeof(*procs), cmp_pid) : NULL;

	return p ? p - procs : -1;
}

/* Every pid a ref names must have a process record; fill gaps (the process
 * vanished before comm and status could be read). */
static int complete_procs(struct dbf_builder *b)
{
	size_t n = b->nprocs;

	sort(b->procs, b->nprocs, sizeof(*b->procs), cmp_bproc);
	for (size_t i = 0; i < b->nrefs; i++) {
		pid_t pid = b->refs[i].pid;

		if (i && b->refs[i - 1].pid == pid)
			continue;
		if (find_bproc(b->procs, n, pid) < 0 &&
		    dbf_builder_proc(b, &(struct dbf_proc_fact){
				.pid = pid, .uid = (uid_t)-1, .gid = (gid_t)-1,
				.comm = "" }) < 0)
			return -ENOMEM;
	}
	if (b->nprocs != n)
		sort(b->procs, b->nprocs, sizeof(*b->procs), cmp_bproc);
	/* A pid reported twice (it cannot be, but) keeps one record. */
	if (b->nprocs) {
		size_t w = 1;

		for (size_t i = 1; i < b->nprocs; i++)
			if (b->procs[i].pid != b->procs[w - 1].pid)
				b->procs[w++] = b->procs[i];
		b->nprocs = w;
	}
	return 0;
}

/* Both bufs arrays ascend by ino: one walk of each. */
static void carry_first_seen(struct dbf_snapshot *s, const struct dbf_snapshot *prev)
{
	size_t j = 0, n = prev ? prev->nbufs : 0;

	for (size_t i = 0; i < s->nbufs; i++) {
		struct dbf_buf *nb = &s->bufs[i];
		const struct dbf_buf *ob;

		while (j < n && prev->bufs[j].ino < nb->ino)
			j++;
		ob = j < n && prev->bufs[j].ino == nb->ino ? &prev->bufs[j] : NULL;
		/*
		 * Inode numbers can wrap: a different size is a new buffer, but
		 * only when both are known. A mapping's length is a guess that
		 * a later fd's fdinfo corrects for the same buffer.
		 */
		nb->first_seen = ob && (ob->size == nb->size || ob->size_estimate ||
					nb->size_estimate) ? ob->first_seen : s->taken;
	}
}

int dbf_snapshot_index(struct dbf_snapshot *s, const struct dbf_snapshot *prev)
{
	uint32_t at = 0;

	s->by_name = calloc(s->nbufs + 1, sizeof(*s->by_name));
	s->by_exporter = calloc(s->nbufs + 1, sizeof(*s->by_exporter));
	s->proc_holders = calloc(s->nholders + 1, sizeof(*s->proc_holders));
	if (!s->by_name || !s->by_exporter || !s->proc_holders)
		return -ENOMEM;
	for (size_t i = 0; i < s->nbufs; i++) {
		const struct dbf_buf *b = &s->bufs[i];

		s->total_bytes += b->size;
		if (b->has_name)
			s->by_name[s->nby_name++] = (uint32_t)i;
		if (b->exporter.len)
			s->by_exporter[s->nby_exporter++] = (uint32_t)i;
		if (!b->nholders)
			s->held_by_nobody++;
	}
	sort_r(s->by_name, s->nby_name, sizeof(*s->by_name), cmp_by_name, s->bufs);
	sort_r(s->by_exporter, s->nby_exporter, sizeof(*s->by_exporter),
	       cmp_by_exporter, s->bufs);

	/*
	 * proc_holders by (process, buffer): count each process's holders,
	 * then place them in holder order, which ascends by buffer.
	 */
	for (size_t i = 0; i < s->nholders; i++)
		s->procs[s->holders[i].proc].nph++;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct dbf_proc *p = &s->procs[i];

		p->ph0 = at;
		at += p->nph;
		p->nph = 0;
		s->anon_fds += p->anon_fds;
		s->anon_maps += p->anon_maps;
	}
	for (size_t i = 0; i < s->nholders; i++) {
		const struct dbf_holder *h = &s->holders[i];
		struct dbf_proc *p = &s->procs[h->proc];
		const struct dbf_buf *buf = &s->bufs[h->buf];

		s->proc_holders[p->ph0 + p->nph++] = (uint32_t)i;
		p->nfds += h->nfds;
		p->nmaps += h->maps;
		p->bytes += buf->size;
		p->pss += buf->size / buf->nholders;
	}
	carry_first_seen(s, prev);
	return 0;
}

/*
 * Mappings count only on the dma-buf filesystem's device: any file can sit
 * at a path that starts with "/dmabuf:". The survivors become buffer facts.
 */
static int check_maps(struct dbf_builder *b)
{
	size_t w = 0;
	int r;

	for (size_t i = 0; i < b->nrefs; i++) {
		struct bref *ref = &b->refs[i];

		if (ref->fd < 0) {
			struct dbf_buf_fact f = dbf_buf_fact_init(ref->ino, DBF_SRC_MAPS);

			if (b->dev_src != DBF_DEV_NONE && ref->dev != b->dmabuf_dev)
				continue;
			ref->unverified = b->dev_src == DBF_DEV_NONE;
			f.name = ref->name;
			f.has_name = ref->name.len > 0;
			f.name_rank = DBF_NAME_MAPS;
			/* Mappings usually cover the whole buffer: a size when nothing better says. */
			f.size = ref->len;
			f.has_size = true;
			f.size_estimate = true;
			r = dbf_builder_buf(b, &f);
			if (r < 0)
				return r;
		}
		b->refs[w++] = *ref;
	}
	b->nrefs = w;
	return 0;
}

static int finish(struct dbf_builder *b, struct dbf_snapshot *s,
		  const struct dbf_snapshot *prev)
{
	size_t nfds = 0, nholders = 0, nkeep = 0;
	struct dbf_holder *h;
	size_t *proc_map;

	if (check_maps(b) < 0)
		return -ENOMEM;
	sort(b->bufs, b->nbufs, sizeof(*b->bufs), cmp_bbuf);
	sort(b->refs, b->nrefs, sizeof(*b->refs), cmp_bref);
	if (complete_procs(b) < 0)
		return -ENOMEM;

	/* Keep the processes that hold something; map builder index to snapshot index. */
	proc_map = calloc(b->nprocs + 1, sizeof(*proc_map));
	if (!proc_map)
		return -ENOMEM;
	for (size_t i = 0; i < b->nrefs; i++) {
		ssize_t k = find_bproc(b->procs, b->nprocs, b->refs[i].pid);

		proc_map[k] = 1;
		if (b->refs[i].fd >= 0)
			nfds++;
		if (!i || b->refs[i].ino != b->refs[i - 1].ino ||
		    b->refs[i].pid != b->refs[i - 1].pid)
			nholders++;
	}
	for (size_t i = 0; i < b->nprocs; i++) {
		if (proc_map[i] || b->procs[i].anon_fds || b->procs[i].anon_maps)
			proc_map[i] = ++nkeep;
	}

	/*
	 * The builder's arrays go as soon as they are copied, and the
	 * snapshot's come one after another: at 100000 buffers both whole
	 * sets at once were about 20 MiB more at the peak of a rebuild.
	 */
	s->bufs = calloc(b->nbufs + 1, sizeof(*s->bufs));
	s->procs = calloc(nkeep + 1, sizeof(*s->procs));
	s->unreadable = calloc(b->nunreadable + 1, sizeof(*s->unreadable));
	if (!s->bufs || !s->procs || !s->unreadable) {
		free(proc_map);
		return -ENOMEM;
	}

	for (size_t i = 0; i < b->nbufs; i++) {
		const struct bbuf *bb = &b->bufs[i];
		struct dbf_buf *nb = &s->bufs[i];

		*nb = (struct dbf_buf){
			.ino = bb->ino,
			.size = bb->size,
			.exporter = bb->exporter,
			.name = bb->name,
			.has_name = bb->has_name,
			.devices_known = bb->devices_known,
			.size_estimate = bb->size_estimate,
			.refcount = bb->refcount,
			.ndevices = bb->ndevices,
			.devices = bb->devices,
			.sources = bb->sources,
		};
		if (!nb->exporter.p)
			nb->exporter.p = "";
		if (!nb->name.p)
			nb->name.p = "";
	}
	s->nbufs = b->nbufs;
	free(b->bufs);
	free(b->hash);
	b->bufs = NULL;
	b->hash = NULL;
	b->capbufs = b->hcap = 0;

	for (size_t i = 0; i < b->nprocs; i++) {
		const struct bproc *bp = &b->procs[i];
		struct dbf_proc *np;

		if (!proc_map[i])
			continue;
		np = &s->procs[proc_map[i] - 1];
		np->pid = bp->pid;
		np->uid = bp->uid;
		np->owner = bp->owner;
		np->gid = bp->gid;
		np->owner_gid = bp->owner_gid;
		np->start_time = bp->start_time;
		np->anon_fds = bp->anon_fds;
		np->anon_maps = bp->anon_maps;
		memcpy(np->comm, bp->comm, sizeof(np->comm));
		np->cgroup = bp->cgroup;
	}
	s->nprocs = nkeep;

	s->holders = calloc(nholders + 1, sizeof(*s->holders));
	s->fds = calloc(nfds + 1, sizeof(*s->fds));
	if (!s->holders || !s->fds) {
		free(proc_map);
		return -ENOMEM;
	}
	/*
	 * refs are sorted by (ino, pid, fd), as bufs are by ino: each run of
	 * equal (ino, pid) becomes one holder, and its fds follow in order.
	 */
	h = NULL;
	nfds = 0;
	for (size_t i = 0, bi = 0; i < b->nrefs; i++) {
		const struct bref *r = &b->refs[i];

		if (!h || r->ino != s->bufs[h->buf].ino || r->pid != s->procs[h->proc].pid) {
			while (s->bufs[bi].ino != r->ino)
				bi++;
			h = &s->holders[s->nholders++];
			h->buf = (uint32_t)bi;
			h->proc = (uint32_t)(proc_map[find_bproc(b->procs, b->nprocs,
								 r->pid)] - 1);
			h->fd0 = (uint32_t)nfds;
			if (!s->bufs[bi].nholders)
				s->bufs[bi].holder0 = (uint32_t)(s->nholders - 1);
			s->bufs[bi].nholders++;
		}
		if (r->fd >= 0) {
			s->fds[nfds++] = r->fd;
			h->nfds++;
		}
		h->maps += r->maps;
		h->maps_unverified |= r->unverified;
	}
	free(proc_map);
	s->nfds = nfds;
	free(b->refs);
	b->refs = NULL;
	b->caprefs = 0;

	sort(b->unreadable, b->nunreadable, sizeof(*b->unreadable), cmp_pid);
	if (b->nunreadable)
		memcpy(s->unreadable, b->unreadable, b->nunreadable * sizeof(pid_t));
	s->nunreadable = b->nunreadable;

	s->sources = b->sources;
	s->scanner = b->scanner;
	s->device_sources = b->device_sources;
	s->dmabuf_dev = b->dmabuf_dev;
	s->dev_src = b->dev_src;
	s->names_escaped = b->names_escaped;
	s->bufinfo_err = b->bufinfo_err;
	s->nprocs_scanned = b->nprocs_scanned;
	s->bufinfo_noino = b->noino;
	s->bufinfo_noino_bytes = b->noino_bytes;
	return dbf_snapshot_index(s, prev);
}

int dbf_builder_finish(struct dbf_builder *b, const struct timespec *taken,
		       const struct dbf_snapshot *prev,
		       struct dbf_snapshot **out)
{
	struct dbf_snapshot *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		dbf_builder_free(b);
		return -ENOMEM;
	}
	s->taken = *taken;
	r = finish(b, s, prev);
	/* The strings stay: they belong to the snapshot now. */
	s->arena = b->arena;
	b->arena = NULL;
	dbf_builder_free(b);
	if (r < 0) {
		dbf_snapshot_free(s);
		return r;
	}
	*out = s;
	return 0;
}

size_t dbf_snapshot_mem(const struct dbf_snapshot *s)
{
	/* Each array was allocated with one spare element (see finish()). */
	return sizeof(*s) + dbf_arena_bytes(s->arena) +
	       (s->nbufs + 1) * (sizeof(*s->bufs) + sizeof(*s->by_name) +
				 sizeof(*s->by_exporter)) +
	       (s->nprocs + 1) * sizeof(*s->procs) +
	       (s->nholders + 1) * (sizeof(*s->holders) + sizeof(*s->proc_holders)) +
	       (s->nfds + 1) * sizeof(*s->fds) +
	       (s->nunreadable + 1) * sizeof(*s->unreadable);
}

/* bsearch() comparators: a key against an element that starts with it. */
static int cmp_ino_key(const void *key, const void *elem)
{
	uint64_t k = *(const uint64_t *)key, e = ((const struct dbf_buf *)elem)->ino;

	return (k > e) - (k < e);
}

const struct dbf_buf *dbf_snapshot_buf(const struct dbf_snapshot *snap,
				       uint64_t ino)
{
	if (!snap->nbufs)
		return NULL;
	return bsearch(&ino, snap->bufs, snap->nbufs, sizeof(*snap->bufs), cmp_ino_key);
}

const struct dbf_proc *dbf_snapshot_proc(const struct dbf_snapshot *snap,
					 pid_t pid)
{
	if (!snap->nprocs)
		return NULL;
	/* dbf_proc starts with its pid */
	return bsearch(&pid, snap->procs, snap->nprocs, sizeof(*snap->procs), cmp_pid);
}

/* The run of @idx entries whose key equals @key, by binary search. */
static size_t key_range(const struct dbf_snapshot *snap, const uint32_t *idx,
			size_t n, bool exporter, struct dbf_str key, size_t *first)
{
	size_t lo = 0, hi = n, start;

#define KEY(i) (exporter ? snap->bufs[idx[i]].exporter : snap->bufs[idx[i]].name)
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dbf_str_cmp(KEY(mid), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	start = lo;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dbf_str_cmp(KEY(mid), key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
#undef KEY
	*first = start;
	return lo - start;
}

size_t dbf_snapshot_by_name(const struct dbf_snapshot *snap,
			    struct dbf_str key, size_t *first)
{
	return key_range(snap, snap->by_name, snap->nby_name, false, key, first);
}

size_t dbf_snapshot_by_exporter(const struct dbf_snapshot *snap,
				struct dbf_str key, size_t *first)
{
	return key_range(snap, snap->by_exporter, snap->nby_exporter, true, key, first);
}
