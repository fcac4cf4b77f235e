// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/types.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf_print.h"
#include "bpf_records.h"
#include "bpf_scan.h"
#include "fileio.h"
#include "dmabuf_iter.skel.h"
#include "dmabuf_fdt.skel.h"

enum { IT_TASKS, IT_FDS, IT_MAPS, IT_BUFS, IT_N };

struct dbf_bpf {
	int link[IT_N];		/* iterator links, -1: not loaded */
	/* link[IT_TASKS] is dmabuf_fdt.bpf.c's: tasks and their fds in one walk */
	bool fdt;
	/* ... and their mappings (dbf_fdtables_maps): iter/task_vma is a fallback */
	bool fdt_maps;
	struct dbf_buf_io io;	/* records, reused across scans */
	struct dbf_buf_io mio;	/* iter/task_vma's records */
	struct dbf_buf_io pio;	/* /proc/<pid> files */
};

bool dbf_bpf_built(void)
{
	return true;
}

void dbf_bpf_free(struct dbf_bpf *p)
{
	if (!p)
		return;
	for (int i = 0; i < IT_N; i++)
		if (p->link[i] >= 0)
			close(p->link[i]);
	free(p->io.p);
	free(p->mio.p);
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

/* include/uapi/linux/magic.h */
#define DMA_BUF_MAGIC 0x444d4142

/*
 * dmabuf_fdt.bpf.c's link, keeping files of @magic (@any: by their own
 * inode); @maps: the program that walks the mappings too.
 */
static int load_fdt(const char *btf_path, unsigned long magic, bool any, bool maps, int *fd)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);
	struct dmabuf_fdt_bpf *skel = dmabuf_fdt_bpf__open_opts(&oo);
	int r;

	if (!skel)
		return errno ? -errno : -EINVAL;
	skel->rodata->dbf_magic = magic;
	skel->rodata->dbf_any_file = any;
	bpf_program__set_autoload(maps ? skel->progs.dbf_fdtables : skel->progs.dbf_fdtables_maps,
				  false);
	r = dmabuf_fdt_bpf__load(skel);
	if (!r)
		r = keep_link(maps ? skel->progs.dbf_fdtables_maps : skel->progs.dbf_fdtables, fd);
	dmabuf_fdt_bpf__destroy(skel);
	return r;
}

int dbf_bpf_load(const char *btf_path, bool verbose, struct dbf_bpf **out,
		 const char **step)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);
	struct dmabuf_iter_bpf *skel = NULL;
	struct dbf_bpf *p;
	struct btf *vmlinux;
	bool bufs, fdt, maps;
	int r;

	*out = NULL;
	dbf_bpf_print(verbose);
	*step = "kernel BTF";
	vmlinux = btf__parse(btf_path ? btf_path : "/sys/kernel/btf/vmlinux", NULL);
	if (!vmlinux)
		return errno ? -errno : -ENOENT;
	/* iter/dmabuf is 6.16's: without its context type, leave it out. */
	bufs = btf__find_by_name_kind(vmlinux, "bpf_iter__dmabuf", BTF_KIND_STRUCT) > 0;
	/* 6.2's bpf_rdonly_cast(): fd tables can be read whole (64-bit only). */
	fdt = sizeof(long) == 8 &&
	      btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0 &&
	      !getenv("DMABUFFS_BPF_NO_FDT");
	/*
	 * 6.7's open-coded vma iterator: the same walk can read the mappings.
	 * Only when asked: exact, but on 6.18 it costs more CPU than
	 * iter/task_vma (docs/performance.md, (e2) and (g1)).
	 */
	maps = fdt && btf__find_by_name_kind(vmlinux, "bpf_iter_task_vma_new", BTF_KIND_FUNC) > 0 &&
	       getenv("DMABUFFS_BPF_FDT_MAPS");
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
	/*
	 * Any failure of the walk with mappings leaves the one without, and
	 * any failure of that the per-fd iterator; iter/task_vma stays
	 * loaded either way, for the processes the walk cannot read.
	 */
	p->fdt_maps = maps && load_fdt(btf_path, DMA_BUF_MAGIC, false, true,
				       &p->link[IT_TASKS]) == 0;
	p->fdt = p->fdt_maps ||
		 (fdt && load_fdt(btf_path, DMA_BUF_MAGIC, false, false, &p->link[IT_TASKS]) == 0);
	r = p->fdt ? 0 : keep_link(skel->progs.dbf_tasks, &p->link[IT_TASKS]);
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

/*
 * One iterator instance, read whole into @io. The kernel fills its own
 * buffer (8 pages) per read() whatever we ask, so the size of ours only
 * saves system calls. After a million objects with nothing written (a
 * million fds that are not dma-bufs) a read() gives EAGAIN: the walk goes
 * on where it stopped, so read again.
 */
static int read_iter(int link, struct dbf_buf_io *io)
{
	__do_close int fd = bpf_iter_create(link);

	if (fd < 0)
		return -errno;
	io->len = 0;
	for (;;) {
		ssize_t n;

		if (io->cap - io->len < 64 * 1024) {
			size_t cap = io->cap ? io->cap * 2 : 256 * 1024;
			char *q = realloc(io->p, cap);

			if (!q)
				return -ENOMEM;
			io->p = q;
			io->cap = cap;
		}
		n = read(fd, io->p + io->len, io->cap - io->len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		io->len += (size_t)n;
	}
	return 0;
}

/* @len bytes at @src into @io, which owns its buffer. */
static int copy_io(struct dbf_buf_io *io, const void *src, size_t len)
{
	if (io->cap < len) {
		char *q = realloc(io->p, len);

		if (!q)
			return -ENOMEM;
		io->p = q;
		io->cap = len;
	}
	if (len)
		memcpy(io->p, src, len);
	io->len = len;
	return 0;
}

int dbf_bpf_scan(struct dbf_bpf *p, int procfd, struct dbf_builder *b,
		 size_t *nscanned)
{
	int ret;

	*nscanned = 0;
	ret = read_iter(p->link[IT_TASKS], &p->io);
	if (ret < 0)
		return ret;
	if (p->fdt) {
		size_t maps_len;
		unsigned int more;

		/* the fds stay; a table with too many is read per fd instead */
		ret = dbf_bpf_split_tasks(p->io.p, &p->io.len, &maps_len, nscanned, &more);
		if (ret < 0)
			return ret;
		/* the mappings, unless one process's could not be read exactly */
		if (p->fdt_maps && !(more & DBF_BPF_MORE_MAPS))
			ret = copy_io(&p->mio, p->io.p + p->io.len, maps_len);
		else
			ret = read_iter(p->link[IT_MAPS], &p->mio);
		if (ret >= 0 && (more & DBF_BPF_MORE_FDS))
			ret = read_iter(p->link[IT_FDS], &p->io);
	} else {
		if (p->io.len % sizeof(struct dbf_bpf_rec))
			return -EIO;
		*nscanned = p->io.len / sizeof(struct dbf_bpf_rec);
		ret = read_iter(p->link[IT_FDS], &p->io);
		if (ret >= 0)
			ret = read_iter(p->link[IT_MAPS], &p->mio);
	}
	if (ret >= 0)
		ret = dbf_bpf_add_holders(p->io.p, p->io.len, p->mio.p, p->mio.len, procfd,
					  &p->pio, b);
	if (ret >= 0 && p->link[IT_BUFS] >= 0) {
		ret = read_iter(p->link[IT_BUFS], &p->io);
		if (ret >= 0)
			ret = dbf_bpf_add_buffers(p->io.p, p->io.len, b);
	}
	return ret < 0 ? ret : 0;
}

static int cmp_fd_rec(const void *a, const void *b)
{
	const struct dbf_bpf_rec *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The @kind records of the @npids processes in @pids (sorted), moved to the front. */
static size_t only_of(struct dbf_buf_io *io, unsigned int kind, const pid_t *pids, size_t npids)
{
	struct dbf_bpf_rec *r = (struct dbf_bpf_rec *)io->p;
	size_t n = io->len / sizeof(*r), k = 0;

	for (size_t i = 0; i < n; i++)
		if (r[i].kind == kind &&
		    bsearch(&r[i].tgid, pids, npids, sizeof(*pids), cmp_pid))
			r[k++] = r[i];
	qsort(r, k, sizeof(*r), cmp_fd_rec);
	return k;
}

/*
 * For the checks: one link of dmabuf_iter.bpf.c, iter/task_file (@maps false)
 * or iter/task_vma, with the magic filter off so that any file counts.
 */
static int keep_one(unsigned long magic, bool maps, int *fd)
{
	struct dmabuf_iter_bpf *skel = dmabuf_iter_bpf__open();
	int r;

	if (!skel)
		return errno ? -errno : -EINVAL;
	skel->rodata->dbf_magic = magic;
	skel->rodata->dbf_any_file = true;
	bpf_program__set_autoload(skel->progs.dbf_tasks, false);
	bpf_program__set_autoload(maps ? skel->progs.dbf_fds : skel->progs.dbf_maps, false);
	bpf_program__set_autoload(skel->progs.dbf_bufs, false);
	r = dmabuf_iter_bpf__load(skel);
	if (!r)
		r = keep_link(maps ? skel->progs.dbf_maps : skel->progs.dbf_fds, fd);
	dmabuf_iter_bpf__destroy(skel);
	return r;
}

/*
 * The @npids @pids the walk in @b vouched for, into @cmp; *@nmore counts
 * those it left to the per-file iterator with a @more record.
 */
static size_t vouched(const struct dbf_buf_io *b, unsigned int more, const pid_t *pids,
		      size_t npids, pid_t *cmp, size_t *nmore)
{
	size_t ncmp = 0;

	for (size_t k = 0; k < npids; k++) {
		bool cut = false;

		for (size_t i = 0; i + sizeof(struct dbf_bpf_rec) <= b->len;
		     i += sizeof(struct dbf_bpf_rec)) {
			const struct dbf_bpf_rec *x = (const struct dbf_bpf_rec *)(b->p + i);

			cut |= x->kind == more && x->tgid == pids[k];
		}
		if (cut)
			++*nmore;
		else
			cmp[ncmp++] = pids[k];
	}
	return ncmp;
}

/*
 * Does the walk with @maps false (fd records) or true (mapping records),
 * agree with the per-item iterator the scan would read instead, for the
 * processes the walk vouched for? See dbf_bpf_fdt_check().
 */
static int walk_check(unsigned long magic, bool maps, const pid_t *pids, size_t npids,
		      size_t *nsame, size_t *nmore)
{
	const unsigned int kind = maps ? DBF_BPF_MAP : DBF_BPF_FD;
	struct dbf_buf_io a = { 0 }, b = { 0 };
	__do_free pid_t *cmp = calloc(npids ? npids : 1, sizeof(*cmp));
	int per_item = -1, walk = -1, r;
	size_t na, nb, ncmp, ntasks, maps_len;
	unsigned int more;

	*nsame = *nmore = 0;
	if (!cmp)
		return -ENOMEM;
	r = keep_one(magic, maps, &per_item);
	if (!r)
		r = load_fdt(NULL, magic, true, maps, &walk);
	/* the walk first: the per-item iterator's view must not be the older one */
	if (!r)
		r = read_iter(walk, &b);
	if (!r)
		r = read_iter(per_item, &a);
	if (r < 0)
		goto out;
	if (maps && b.len % sizeof(struct dbf_bpf_rec)) {
		r = -EIO;
		goto out;
	}
	/* Tables too long, or mappings not listed: the walk only says so. */
	ncmp = vouched(&b, maps ? DBF_BPF_MAP_MORE : DBF_BPF_MORE, pids, npids, cmp, nmore);
	if (!maps) {
		r = dbf_bpf_split_tasks(b.p, &b.len, &maps_len, &ntasks, &more);
		if (r < 0)
			goto out;
	}
	na = only_of(&a, kind, cmp, ncmp);
	nb = only_of(&b, kind, cmp, ncmp);
	for (size_t i = 0; i < na && i < nb; i++) {
		const struct dbf_bpf_rec *x = (struct dbf_bpf_rec *)a.p + i;
		const struct dbf_bpf_rec *y = (struct dbf_bpf_rec *)b.p + i;
		bool same;

		if (maps)	/* the whole record, as the reader takes it */
			same = !memcmp(x, y, sizeof(*x));
		else
			same = x->tgid == y->tgid && x->tid == y->tid && x->fd == y->fd &&
			       x->ino == y->ino && x->dev == y->dev && x->count == y->count;
		if (!same) {
			*nsame = i;
			r = 1;
			goto out;
		}
	}
	*nsame = na < nb ? na : nb;
	r = na == nb ? 0 : 1;
out:
	if (per_item >= 0)
		close(per_item);
	if (walk >= 0)
		close(walk);
	free(a.p);
	free(b.p);
	return r;
}

int dbf_bpf_fdt_check(unsigned long magic, const pid_t *pids, size_t npids,
		      size_t *nsame, size_t *nmore)
{
	return walk_check(magic, false, pids, npids, nsame, nmore);
}

int dbf_bpf_maps_check(unsigned long magic, const pid_t *pids, size_t npids,
		       size_t *nsame, size_t *nmore)
{
	return walk_check(magic, true, pids, npids, nsame, nmore);
}
