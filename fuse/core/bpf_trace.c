// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/types.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf_print.h"
#include "bpf_trace.h"
#include "dmabuf_trace.skel.h"

enum { HOW_TP, HOW_FENTRY, HOW_FEXIT, HOW_N };

/* Every program of dmabuf_trace.bpf.c, and where it attaches. */
static const struct trace_prog {
	const char *prog;
	const char *target;	/* the tracepoint, or the function */
	unsigned int kind;
	unsigned int how;
} progs[] = {
	{ "dbf_tp_export", "dma_buf_export", DBF_TR_EXPORT, HOW_TP },
	{ "dbf_tp_fd", "dma_buf_fd", DBF_TR_FD, HOW_TP },
	{ "dbf_tp_mmap_int", "dma_buf_mmap_internal", DBF_TR_MAP, HOW_TP },
	{ "dbf_tp_mmap", "dma_buf_mmap", DBF_TR_MAP, HOW_TP },
	{ "dbf_tp_attach", "dma_buf_dynamic_attach", DBF_TR_ATTACH, HOW_TP },
	{ "dbf_tp_detach", "dma_buf_detach", DBF_TR_DETACH, HOW_TP },
	{ "dbf_tp_release", "dma_buf_release", DBF_TR_RELEASE, HOW_TP },
	{ "dbf_tp_rename", "dma_buf_set_name", DBF_TR_RENAME, HOW_TP },
	{ "dbf_fx_export", "dma_buf_export", DBF_TR_EXPORT, HOW_FEXIT },
	{ "dbf_fx_fd", "dma_buf_fd", DBF_TR_FD, HOW_FEXIT },
	{ "dbf_fx_mmap_int", "dma_buf_mmap_internal", DBF_TR_MAP, HOW_FEXIT },
	{ "dbf_fx_mmap", "dma_buf_mmap", DBF_TR_MAP, HOW_FEXIT },
	{ "dbf_fx_attach", "dma_buf_dynamic_attach", DBF_TR_ATTACH, HOW_FEXIT },
	{ "dbf_fe_detach", "dma_buf_detach", DBF_TR_DETACH, HOW_FENTRY },
	{ "dbf_fe_release", "dma_buf_file_release", DBF_TR_RELEASE, HOW_FENTRY },
	{ "dbf_fx_rename", "dma_buf_ioctl", DBF_TR_RENAME, HOW_FEXIT },
};

#define NPROGS (sizeof(progs) / sizeof(progs[0]))
_Static_assert(NPROGS <= 32, "a uint32_t picks the programs");
#define KIND(k) (1u << (k))
#define ALL_KINDS (((1u << (DBF_TR_KIND_MAX + 1)) - 1) & ~1u)
/* Without these a reader cannot follow the buffers at all. */
#define REQUIRED (KIND(DBF_TR_EXPORT) | KIND(DBF_TR_FD) | KIND(DBF_TR_RELEASE))
/* Tracepoints only kernel/patches/7.3/0004 adds. */
#define PATCHED (KIND(DBF_TR_RELEASE) | KIND(DBF_TR_RENAME))

struct dbf_trace {
	int ring_fd;		/* for poll() */
	int link[NPROGS];	/* -1: not attached */
	unsigned int kinds[HOW_N];	/* KIND() bits traced each way */
	struct dbf_ring ring;
	void *cons_map, *prod_map, *bss_map;
	size_t cons_len, prod_len, bss_len;
	const uint64_t *lost;	/* dbf_lost, in bss_map */
};

void dbf_trace_free(struct dbf_trace *t)
{
	if (!t)
		return;
	if (t->ring_fd >= 0)
		close(t->ring_fd);
	for (size_t i = 0; i < NPROGS; i++)
		if (t->link[i] >= 0)
			close(t->link[i]);
	if (t->cons_map)
		munmap(t->cons_map, t->cons_len);
	if (t->prod_map)
		munmap(t->prod_map, t->prod_len);
	if (t->bss_map)
		munmap(t->bss_map, t->bss_len);
	free(t);
}

static bool btf_has(const struct btf *btf, const char *prefix, const char *name, __u32 kind)
{
	char full[128];

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	return btf__find_by_name_kind(btf, full, kind) > 0;
}

/*
 * The programs to load, bit i for progs[i]: per kind the tracepoints the
 * kernel has, else the functions it has. The typedef btf_trace_<name> is
 * there exactly when the tracepoint is (and tp_btf attaches by it).
 */
static uint32_t choose(const struct btf *btf)
{
	uint32_t pick = 0;

	for (unsigned int kind = DBF_TR_EXPORT; kind <= DBF_TR_KIND_MAX; kind++) {
		uint32_t tp = 0, fn = 0;

		for (size_t i = 0; i < NPROGS; i++) {
			if (progs[i].kind != kind)
				continue;
			if (progs[i].how == HOW_TP)
				tp |= btf_has(btf, "btf_trace_", progs[i].target,
					      BTF_KIND_TYPEDEF) ? 1u << i : 0;
			else
				fn |= btf_has(btf, "", progs[i].target, BTF_KIND_FUNC) ? 1u << i : 0;
		}
		pick |= tp ? tp : fn;
	}
	return pick;
}

static unsigned int kinds_of(uint32_t pick)
{
	unsigned int kinds = 0;

	for (size_t i = 0; i < NPROGS; i++)
		if (pick & (1u << i))
			kinds |= KIND(progs[i].kind);
	return kinds;
}

/*
 * The ring as the kernel lays it out: the consumer position's page, ours
 * to write; then, read-only, the producer position's page and the data,
 * mapped twice in a row so that a record that wraps reads straight on.
 */
static int map_ring(struct dbf_trace *t, int fd, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	t->cons_map = p;
	t->cons_len = page;
	p = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, (off_t)page);
	if (p == MAP_FAILED)
		return -errno;
	t->prod_map = p;
	t->prod_len = page + 2 * size;
	t->ring.consumer = t->cons_map;
	t->ring.producer = t->prod_map;
	t->ring.data = (const unsigned char *)t->prod_map + page;
	t->ring.mask = size - 1;
	return 0;
}

/*
 * The .bss map (BPF_F_MMAPABLE), mapped for us alone: libbpf's mapping
 * goes with the object, and reading dbf_lost later must take no system
 * call.
 */
static int map_lost(struct dbf_trace *t, struct dmabuf_trace_bpf *skel)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t off = (size_t)((const char *)&skel->bss->dbf_lost - (const char *)skel->bss);
	size_t len = (bpf_map__value_size(skel->maps.bss) + page - 1) / page * page;
	void *p;

	p = mmap(NULL, len, PROT_READ, MAP_SHARED, bpf_map__fd(skel->maps.bss), 0);
	if (p == MAP_FAILED)
		return -errno;
	t->bss_map = p;
	t->bss_len = len;
	t->lost = (const uint64_t *)((const char *)p + off);
	return 0;
}

/* Keep a copy of the link's fd: the link lives as long as one is open. */
static int keep_link(struct bpf_program *prog, int *fd)
{
	struct bpf_link *link = bpf_program__attach(prog);
	int r;

	if (!link)
		return -errno;
	*fd = fcntl(bpf_link__fd(link), F_DUPFD_CLOEXEC, 3);
	r = *fd < 0 ? -errno : 0;
	bpf_link__destroy(link);
	return r;
}

/*
 * Attach every program of @pick. A kind with a program that does not
 * attach is left out whole, so that none is traced in part; but a
 * required one fails the load.
 */
static int attach(struct dbf_trace *t, struct dmabuf_trace_bpf *skel, uint32_t pick)
{
	unsigned int failed = 0;

	for (size_t i = 0; i < NPROGS; i++) {
		struct bpf_program *prog;
		int r;

		if (!(pick & (1u << i)))
			continue;
		prog = bpf_object__find_program_by_name(skel->obj, progs[i].prog);
		r = prog ? keep_link(prog, &t->link[i]) : -ENOENT;
		if (r < 0 && (REQUIRED & KIND(progs[i].kind)))
			return r;
		if (r < 0)
			failed |= KIND(progs[i].kind);
	}
	for (size_t i = 0; i < NPROGS; i++) {
		if (t->link[i] < 0)
			continue;
		if (failed & KIND(progs[i].kind)) {
			close(t->link[i]);
			t->link[i] = -1;
			continue;
		}
		t->kinds[progs[i].how] |= KIND(progs[i].kind);
	}
	return 0;
}

int dbf_trace_load(const char *btf_path, bool verbose, struct dbf_trace **out,
		   const char **step)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);
	struct dmabuf_trace_bpf *skel = NULL;
	struct dbf_trace *t;
	struct btf *vmlinux;
	uint32_t pick;
	int r;

	*out = NULL;
	dbf_bpf_print(verbose);
	*step = "kernel BTF";
	vmlinux = btf__parse(btf_path ? btf_path : "/sys/kernel/btf/vmlinux", NULL);
	if (!vmlinux)
		return errno ? -errno : -ENOENT;
	pick = choose(vmlinux);
	btf__free(vmlinux);
	if ((kinds_of(pick) & REQUIRED) != REQUIRED) {
		*step = "no dma-buf trace points";
		return -EOPNOTSUPP;
	}

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ring_fd = -1;
	for (size_t i = 0; i < NPROGS; i++)
		t->link[i] = -1;
	*step = "open";
	skel = dmabuf_trace_bpf__open_opts(&oo);
	if (!skel) {
		r = errno ? -errno : -EINVAL;
		goto fail;
	}
	skel->rodata->dbf_set_name_a = DMA_BUF_SET_NAME_A;
	skel->rodata->dbf_set_name_b = DMA_BUF_SET_NAME_B;
	for (size_t i = 0; i < NPROGS; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj,
									    progs[i].prog);

		if (!prog) {
			r = -ENOENT;
			goto fail;
		}
		bpf_program__set_autoload(prog, pick & (1u << i));
	}
	*step = "load";
	r = dmabuf_trace_bpf__load(skel);
	if (r < 0)
		goto fail;
	*step = "mmap";
	if (!skel->bss) {
		r = -EOPNOTSUPP;
		goto fail;
	}
	r = map_ring(t, bpf_map__fd(skel->maps.dbf_ring), bpf_map__max_entries(skel->maps.dbf_ring));
	if (!r)
		r = map_lost(t, skel);
	if (r < 0)
		goto fail;
	t->ring_fd = fcntl(bpf_map__fd(skel->maps.dbf_ring), F_DUPFD_CLOEXEC, 3);
	if (t->ring_fd < 0) {
		r = -errno;
		goto fail;
	}
	*step = "attach";
	r = attach(t, skel, pick);
	if (r < 0)
		goto fail;
	/* The links hold the programs and the maps: nothing else stays open. */
	dmabuf_trace_bpf__destroy(skel);
	*out = t;
	return 0;
fail:
	dmabuf_trace_bpf__destroy(skel);
	dbf_trace_free(t);
	return r < 0 ? r : -EINVAL;
}

static void __attribute__((format(printf, 4, 5)))
add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

static void add_kinds(char *buf, size_t size, size_t *len, const char *how, unsigned int kinds)
{
	static const char *const names[] = {
		[DBF_TR_EXPORT] = "export", [DBF_TR_FD] = "fd", [DBF_TR_MAP] = "map",
		[DBF_TR_ATTACH] = "attach", [DBF_TR_DETACH] = "detach",
		[DBF_TR_RELEASE] = "release", [DBF_TR_RENAME] = "rename",
	};

	if (!kinds)
		return;
	add(buf, size, len, "%s%s:", *len ? "; " : "", how);
	for (unsigned int k = DBF_TR_EXPORT; k <= DBF_TR_KIND_MAX; k++)
		if (kinds & KIND(k))
			add(buf, size, len, " %s", names[k]);
}

void dbf_trace_describe(const struct dbf_trace *t, char *buf, size_t size)
{
	static const char *const how[HOW_N] = { "tracepoints", "fentry", "fexit" };
	unsigned int traced = 0;
	size_t len = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (int h = 0; h < HOW_N; h++) {
		add_kinds(buf, size, &len, how[h], t->kinds[h]);
		traced |= t->kinds[h];
	}
	add_kinds(buf, size, &len, "none", ALL_KINDS & ~traced);
}

unsigned int dbf_trace_patched(const struct dbf_trace *t)
{
	return t->kinds[HOW_TP] & PATCHED;
}

int dbf_trace_fd(const struct dbf_trace *t)
{
	return t->ring_fd;
}

int dbf_trace_move_fds(struct dbf_trace *t, int first)
{
	int *fds[NPROGS + 1];
	int n = 0;

	fds[n++] = &t->ring_fd;
	for (size_t i = 0; i < NPROGS; i++)
		if (t->link[i] >= 0)
			fds[n++] = &t->link[i];
	for (int i = 0; i < n; i++) {
		int to = first + i;

		if (*fds[i] != to) {
			/* One of ours is there: above the range with it, dup2 then drops the old. */
			for (int j = i + 1; j < n; j++) {
				int fd;

				if (*fds[j] != to)
					continue;
				fd = fcntl(to, F_DUPFD_CLOEXEC, first + n);
				if (fd < 0)
					return -errno;
				*fds[j] = fd;
			}
			/* dup2 and fcntl: what the scanner's filter allows */
			if (dup2(*fds[i], to) < 0)
				return -errno;
			close(*fds[i]);
			*fds[i] = to;
		}
		if (fcntl(to, F_SETFD, FD_CLOEXEC) < 0)
			return -errno;
	}
	return first + n;
}

int dbf_trace_consume(struct dbf_trace *t, dbf_trace_fn fn, void *ctx)
{
	return dbf_trace_ring_walk(&t->ring, fn, ctx);
}

uint64_t dbf_trace_lost(const struct dbf_trace *t)
{
	return __atomic_load_n(t->lost, __ATOMIC_RELAXED);
}
