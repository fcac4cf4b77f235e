// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/types.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf_scan.h"
#include "builder.h"
#include "fileio.h"
#include "process.h"
#include "dmabuf_rec.h"
#include "dmabuf_iter.skel.h"

/* The programs write this layout as clang -target bpf lays it out: no padding. */
_Static_assert(sizeof(struct dbf_bpf_rec) == 120, "struct dbf_bpf_rec changed size");

enum { IT_TASKS, IT_FDS, IT_MAPS, IT_BUFS, IT_N };

struct dbf_bpf {
	int link[IT_N];		/* iterator links, -1: not loaded */
	struct dbf_buf_io io;	/* records, reused across scans */
	struct dbf_buf_io pio;	/* /proc/<pid> files */
};

bool dbf_bpf_built(void)
{
	return true;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int loud(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void dbf_bpf_free(struct dbf_bpf *p)
{
	if (!p)
		return;
	for (int i = 0; i < IT_N; i++)
		if (p->link[i] >= 0)
			close(p->link[i]);
	free(p->io.p);
	free(p->pio.p);
	free(p);
}

/* Keep a copy of the link's fd: the link lives as long as one is open. */
static int keep_link(struct bpf_program *prog, int *fd)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	int r;

	if (!link)
		return -errno;
	*fd = fcntl(bpf_link__fd(link), F_DUPFD_CLOEXEC, 3);
	r = *fd < 0 ? -errno : 0;
	bpf_link__destroy(link);
	return r;
}

int dbf_bpf_load(const char *btf_path, bool verbose, struct dbf_bpf **out,
		 const char **step)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);
	struct dmabuf_iter_bpf *skel = NULL;
	struct dbf_bpf *p;
	struct btf *vmlinux;
	bool bufs;
	int r;

	*out = NULL;
	libbpf_set_print(verbose ? loud : quiet);
	*step = "kernel BTF";
	vmlinux = btf__parse(btf_path ? btf_path : "/sys/kernel/btf/vmlinux", NULL);
	if (!vmlinux)
		return errno ? -errno : -ENOENT;
	/* iter/dmabuf is 6.16's: without its context type, leave it out. */
	bufs = btf__find_by_name_kind(vmlinux, "bpf_iter__dmabuf", BTF_KIND_STRUCT) > 0;
	btf__free(vmlinux);

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (int i = 0; i < IT_N; i++)
		p->link[i] = -1;
	*step = "open";
	skel = dmabuf_iter_bpf__open_opts(&oo);
	if (!skel) {
		r = errno ? -errno : -EINVAL;
		goto fail;
	}
	if (!bufs)
		bpf_program__set_autoload(skel->progs.dbf_bufs, false);
	*step = "load";
	r = dmabuf_iter_bpf__load(skel);
	if (r < 0)
		goto fail;
	*step = "attach";
	r = keep_link(skel->progs.dbf_tasks, &p->link[IT_TASKS]);
	if (!r)
		r = keep_link(skel->progs.dbf_fds, &p->link[IT_FDS]);
	if (!r)
		r = keep_link(skel->progs.dbf_maps, &p->link[IT_MAPS]);
	if (!r && bufs)
		r = keep_link(skel->progs.dbf_bufs, &p->link[IT_BUFS]);
	if (r < 0)
		goto fail;
	/* The links hold the programs: nothing else stays open. */
	dmabuf_iter_bpf__destroy(skel);
	*out = p;
	return 0;
fail:
	dmabuf_iter_bpf__destroy(skel);
	dbf_bpf_free(p);
	return r < 0 ? r : -EINVAL;
}

bool dbf_bpf_lists_buffers(const struct dbf_bpf *p)
{
	return p->link[IT_BUFS] >= 0;
}

void dbf_bpf_fds(const struct dbf_bpf *p, int fds[4])
{
	for (int i = 0; i < IT_N; i++)
		fds[i] = p->link[i];
}

int dbf_bpf_move_fds(struct dbf_bpf *p, int first)
{
	for (int i = 0; i < IT_N; i++) {
		int fd;

		if (p->link[i] < 0 || p->link[i] == first)
			continue;
		/* dup2 and fcntl: what the scanner's filter allows */
		fd = dup2(p->link[i], first);
		if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return -errno;
		close(p->link[i]);
		p->link[i] = fd;
		first++;
	}
	return 0;
}

static void *try_without_caps(void *arg)
{
	struct dbf_bpf *p = arg;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	int fd;

	/* Capabilities are per thread: this one gives up all of its own. */
	if (syscall(SYS_capset, &h, d) < 0)
		return (void *)(intptr_t)-errno;
	fd = bpf_iter_create(p->link[IT_TASKS]);
	if (fd < 0)
		return (void *)(intptr_t)-errno;
	close(fd);
	return NULL;
}

int dbf_bpf_probe_unprivileged(struct dbf_bpf *p)
{
	pthread_t t;
	void *r;

	if (pthread_create(&t, NULL, try_without_caps, p))
		return -EAGAIN;
	pthread_join(t, &r);
	return (int)(intptr_t)r;
}

/* One iterator instance, read whole into p->io: a whole number of records. */
static int read_iter(struct dbf_bpf *p, int link)
{
	__do_close int fd = bpf_iter_create(link);

	if (fd < 0)
		return -errno;
	p->io.len = 0;
	for (;;) {
		ssize_t n;

		if (p->io.cap - p->io.len < 4096) {
			size_t cap = p->io.cap ? p->io.cap * 2 : 64 * 1024;
			char *q = realloc(p->io.p, cap);

			if (!q)
				return -ENOMEM;
			p->io.p = q;
			p->io.cap = cap;
		}
		n = read(fd, p->io.p + p->io.len, p->io.cap - p->io.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		p->io.len += (size_t)n;
	}
	return p->io.len % sizeof(struct dbf_bpf_rec) ? -EIO : 0;
}

/* The kernel's dev_t (MINORBITS 20) as userspace's. */
static uint64_t user_dev(uint32_t kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

/*
 * Facts about the buffer itself, exactly as the kernel has them: a name
 * that was being renamed as it was read says nothing.
 */
static struct dbf_buf_fact buf_fact(const struct dbf_bpf_rec *r, unsigned int src)
{
	struct dbf_buf_fact f = dbf_buf_fact_init(r->ino, src);
	uint8_t nlen = r->name_len < DBF_BPF_NAME_MAX ? r->name_len : DBF_BPF_NAME_MAX - 1;
	uint8_t elen = r->exp_len < DBF_BPF_EXP_MAX ? r->exp_len : DBF_BPF_EXP_MAX - 1;

	f.size = r->size;
	f.has_size = true;
	f.exporter = (struct dbf_str){ r->exporter, elen };
	if (r->name_state != DBF_BPF_NAME_CHANGING) {
		f.name = (struct dbf_str){ r->name, r->name_state == DBF_BPF_NAME_SET ? nlen : 0 };
		f.has_name = r->name_state == DBF_BPF_NAME_SET;
		f.name_rank = DBF_NAME_EXACT;
	}
	f.refcount = r->count;
	return f;
}

/* Fds by (tgid, fd, ino); mappings by (tgid, tid, ino): see scan_group(). */
static int cmp_rec(const void *a, const void *b)
{
	const struct dbf_bpf_rec *x = a, *y = b;

#define CMP(f) do { if (x->f != y->f) return x->f < y->f ? -1 : 1; } while (0)
	CMP(tgid);
	CMP(kind);
	if (x->kind == DBF_BPF_FD) {
		CMP(fd);
		CMP(ino);
	}
	CMP(tid);
	CMP(ino);
#undef CMP
	return 0;
}

/*
 * One process's records into @stage. A thread with an fd table of its
 * own starts with a copy of its leader's (unshare(CLONE_FILES)), so the
 * same fd of the same buffer counts once. Every thread shares one mm:
 * the mappings of the first thread listed are the process's.
 */
static int scan_group(const struct dbf_bpf_rec *r, size_t n, struct dbf_builder *stage)
{
	int map_tid = -1;
	int ret;

	for (size_t i = 0; i < n; i++) {
		struct dbf_buf_fact f;
		uint32_t count = 1;
		uint64_t len;

		if (r[i].kind == DBF_BPF_FD) {
			if (i && r[i - 1].kind == DBF_BPF_FD && r[i - 1].fd == r[i].fd &&
			    r[i - 1].ino == r[i].ino)
				continue;
			f = buf_fact(&r[i], DBF_SRC_FDINFO);
			ret = dbf_builder_buf(stage, &f);
			if (ret >= 0)
				ret = dbf_builder_fd(stage, r[i].tgid, r[i].fd, r[i].ino);
			if (ret < 0)
				return ret;
			continue;
		}
		if (map_tid < 0)
			map_tid = r[i].tid;
		if (r[i].tid != map_tid)
			continue;
		/* All mappings of one buffer: how many, and the longest. */
		len = r[i].len;
		while (i + 1 < n && r[i + 1].tid == map_tid && r[i + 1].ino == r[i].ino) {
			i++;
			count++;
			if (r[i].len > len)
				len = r[i].len;
		}
		f = buf_fact(&r[i], DBF_SRC_MAPS);
		/* The mapping's own refcount is not the buffer's: unknown here. */
		f.refcount = -1;
		ret = dbf_builder_buf(stage, &f);
		if (ret >= 0)
			ret = dbf_builder_maps(stage, r[i].tgid, r[i].ino, user_dev(r[i].dev),
					       count, len, f.name);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* As the procfs scan: 0 merged, 1 vanished, 2 unreadable, or -errno. */
static int scan_process(struct dbf_bpf *p, int procfd, const struct dbf_bpf_rec *r,
			size_t n, struct dbf_builder *b, struct dbf_builder *stage)
{
	struct dbf_proc_fact f = { .pid = r[0].tgid };
	char comm[DBF_COMM_MAX], cgroup[DBF_CGROUP_MAX], name[16];
	__do_close int piddir = -1;
	int ret;

	snprintf(name, sizeof(name), "%d", (int)r[0].tgid);
	piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return errno == ENOENT || errno == ESRCH ? 1 : 2;
	dbf_builder_reset(stage);
	ret = scan_group(r, n, stage);
	if (ret < 0)
		return ret;
	ret = dbf_process_read(piddir, &p->pio, &f, comm, cgroup);
	if (ret == -ENOENT || ret == -ESRCH)
		return 1;
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0)
		return 2;
	ret = dbf_builder_proc(stage, &f);
	if (ret < 0)
		return ret;
	return dbf_builder_merge(b, stage);
}

/* iter/dmabuf: every buffer, as debugfs bufinfo lists them. */
static int scan_buffers(struct dbf_bpf *p, struct dbf_builder *b)
{
	const struct dbf_bpf_rec *r;
	size_t n;
	int ret = read_iter(p, p->link[IT_BUFS]);

	if (ret < 0)
		return ret;
	r = (const struct dbf_bpf_rec *)p->io.p;
	n = p->io.len / sizeof(*r);
	for (size_t i = 0; i < n; i++) {
		struct dbf_buf_fact f;

		if (r[i].kind != DBF_BPF_BUF)
			return -EIO;
		f = buf_fact(&r[i], DBF_SRC_ITER);
		/* the file's count, as bufinfo prints it */
		f.refcount_full = true;
		ret = dbf_builder_buf(b, &f);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Records of @it appended to @all (malloc()ed, *n of them). */
static int collect(struct dbf_bpf *p, int it, unsigned int kind,
		   struct dbf_bpf_rec **all, size_t *n)
{
	size_t k;
	struct dbf_bpf_rec *q;
	int ret = read_iter(p, p->link[it]);

	if (ret < 0)
		return ret;
	k = p->io.len / sizeof(**all);
	if (!k)
		return 0;
	q = reallocarray(*all, *n + k, sizeof(**all));
	if (!q)
		return -ENOMEM;
	memcpy(q + *n, p->io.p, k * sizeof(*q));
	for (size_t i = *n; i < *n + k; i++)
		if (q[i].kind != kind || q[i].tgid <= 0)
			ret = -EIO;
	*all = q;
	*n += k;
	return ret;
}

int dbf_bpf_scan(struct dbf_bpf *p, int procfd, struct dbf_builder *b,
		 size_t *nscanned)
{
	__do_free struct dbf_bpf_rec *all = NULL;
	struct dbf_builder *stage;
	size_t n = 0;
	int ret;

	*nscanned = 0;
	ret = read_iter(p, p->link[IT_TASKS]);
	if (ret < 0)
		return ret;
	*nscanned = p->io.len / sizeof(struct dbf_bpf_rec);

	ret = collect(p, IT_FDS, DBF_BPF_FD, &all, &n);
	if (ret >= 0)
		ret = collect(p, IT_MAPS, DBF_BPF_MAP, &all, &n);
	if (ret < 0)
		return ret;
	if (n)
		qsort(all, n, sizeof(*all), cmp_rec);
	/* Every record is a file on the dma-buf filesystem: its device. */
	if (n && dbf_builder_dev_src(b) == DBF_DEV_NONE)
		dbf_builder_set_dmabuf_dev(b, user_dev(all[0].dev), DBF_DEV_FD);

	stage = dbf_builder_new();
	if (!stage)
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && all[j].tgid == all[i].tgid)
			j++;
		ret = scan_process(p, procfd, all + i, j - i, b, stage);
		if (ret == 2)
			ret = dbf_builder_unreadable(b, all[i].tgid);
		if (ret < 0)
			break;
		i = j;
	}
	dbf_builder_free(stage);
	if (ret >= 0 && p->link[IT_BUFS] >= 0)
		ret = scan_buffers(p, b);
	return ret < 0 ? ret : 0;
}
