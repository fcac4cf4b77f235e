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

#include "bpf_records.h"
#include "bpf_scan.h"
#include "fileio.h"
#include "dmabuf_iter.skel.h"

enum { IT_TASKS, IT_FDS, IT_MAPS, IT_BUFS, IT_N };

struct dbf_bpf {
	int link[IT_N];		/* iterator links, -1: not loaded */
	struct dbf_buf_io io;	/* records, reused across scans */
	struct dbf_buf_io mio;	/* iter/task_vma's records */
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

/*
 * One iterator instance, read whole into @io. The kernel fills its own
 * page-sized buffer per read() whatever we ask, so the size of ours only
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

int dbf_bpf_scan(struct dbf_bpf *p, int procfd, struct dbf_builder *b,
		 size_t *nscanned)
{
	int ret;

	*nscanned = 0;
	ret = read_iter(p->link[IT_TASKS], &p->io);
	if (ret < 0)
		return ret;
	if (p->io.len % sizeof(struct dbf_bpf_rec))
		return -EIO;
	*nscanned = p->io.len / sizeof(struct dbf_bpf_rec);

	ret = read_iter(p->link[IT_FDS], &p->io);
	if (ret >= 0)
		ret = read_iter(p->link[IT_MAPS], &p->mio);
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
