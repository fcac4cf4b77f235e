// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BPF scanner's records into the snapshot (fuse/core/bpf_records.c),
 * fed as bytes, as the iterators write them: fds, mappings, buffers, a
 * thread with an fd table of its own, processes gone or unreadable under
 * the proc root, and bytes that are not whole, well-formed records.
 * The processes' facts come from the linux-6.1-vgem fixture's /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "bpf_records.h"
#include "builder.h"
#include "fileio.h"
#include "helpers.h"

/* The dma-buf filesystem's device as the kernel encodes it (0:13). */
#define KDEV 13u

static struct dbf_bpf_rec rec(unsigned int kind, int tgid, int tid, uint64_t ino)
{
	struct dbf_bpf_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.tgid = tgid;
	r.tid = tid;
	r.fd = -1;
	r.ino = ino;
	r.size = 4096;
	r.count = -1;
	r.dev = KDEV;
	memcpy(r.exporter, "vgem", 4);
	r.exp_len = 4;
	return r;
}

static struct dbf_bpf_rec fd_rec(int tgid, int tid, int fd, uint64_t ino, int64_t count)
{
	struct dbf_bpf_rec r = rec(DBF_BPF_FD, tgid, tid, ino);

	r.fd = fd;
	r.count = count;
	return r;
}

static struct dbf_bpf_rec map_rec(int tgid, int tid, uint64_t ino, uint64_t len)
{
	struct dbf_bpf_rec r = rec(DBF_BPF_MAP, tgid, tid, ino);

	r.len = len;
	return r;
}

static void set_name(struct dbf_bpf_rec *r, const char *name)
{
	r->name_state = DBF_BPF_NAME_SET;
	r->name_len = (uint8_t)strlen(name);
	memcpy(r->name, name, strlen(name));
}

static int proc_root(void)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/linux-6.1-vgem/proc", FIXTURES_DIR);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s", path);
	return fd;
}

/* The records of @fds and @maps, as one scan would add them, finished. */
static int holders(const struct dbf_bpf_rec *fds, size_t nfds, const struct dbf_bpf_rec *maps,
		   size_t nmaps, int procfd, struct dbf_snapshot **out)
{
	struct dbf_builder *b = dbf_builder_new();
	struct dbf_buf_io pio = { 0 };
	struct timespec now = { 1, 0 };
	int r;

	cr_assert(b);
	r = dbf_bpf_add_holders(fds, nfds * sizeof(*fds), maps, nmaps * sizeof(*maps), procfd,
				&pio, b);
	free(pio.p);
	cr_assert_eq(dbf_builder_finish(b, &now, NULL, out), 0);
	return r;
}

Test(bpf_records, fds_and_maps_exact)
{
	struct dbf_bpf_rec fds[3] = {
		/* out of order, as two iterators and many processes give them */
		fd_rec(91, 91, 7, 1001, 3), fd_rec(91, 91, 5, 1001, 3), fd_rec(90, 90, 4, 1002, 1),
	};
	struct dbf_bpf_rec maps[3] = {
		map_rec(91, 91, 1001, 4096), map_rec(91, 91, 1001, 8192), map_rec(90, 90, 1003, 65536),
	};
	const struct dbf_holder *h;
	const struct dbf_buf *buf;
	struct dbf_snapshot *s;
	int procfd = proc_root();

	set_name(&fds[0], "frame");
	set_name(&fds[1], "frame");
	set_name(&maps[0], "frame");
	set_name(&maps[1], "frame");
	maps[2].size = 65536;
	cr_assert_eq(holders(fds, 3, maps, 3, procfd, &s), 0);
	close(procfd);

	cr_assert_eq(s->nbufs, 3);
	cr_assert_eq(s->nprocs, 2);
	cr_assert_eq(s->dmabuf_dev, makedev(0, 13));
	cr_assert_eq(s->dev_src, DBF_DEV_FD);
	buf = must_buf(s, 1001);
	cr_assert_eq(buf->size, 4096);
	cr_assert(buf->has_name);
	assert_str(buf->name, "frame");
	assert_str(buf->exporter, "vgem");
	cr_assert_eq(buf->refcount, 3);
	/* only a mapping: its refcount is not the buffer's */
	cr_assert_eq(must_buf(s, 1003)->refcount, -1);
	cr_assert_eq(must_buf(s, 1003)->size, 65536);
	cr_assert_not(must_buf(s, 1003)->has_name);

	h = holder_of(s, 1001, 91);
	cr_assert(h);
	cr_assert_eq(h->nfds, 2);
	cr_assert_eq(s->fds[h->fd0], 5);
	cr_assert_eq(s->fds[h->fd0 + 1], 7);
	cr_assert_eq(h->maps, 2);
	h = holder_of(s, 1002, 90);
	cr_assert(h);
	cr_assert_eq(h->nfds, 1);
	cr_assert_eq(s->fds[h->fd0], 4);
	cr_assert_eq(h->maps, 0);
	h = holder_of(s, 1003, 90);
	cr_assert(h);
	cr_assert_eq(h->nfds, 0);
	cr_assert_eq(h->maps, 1);
	cr_assert_null(holder_of(s, 1001, 90));

	assert_str(((struct dbf_str){ must_proc(s, 91)->comm, strlen(must_proc(s, 91)->comm) }),
		   "compositor");
	cr_assert_eq(must_proc(s, 91)->nfds, 2);
	cr_assert_eq(must_proc(s, 91)->nmaps, 2);
	cr_assert_eq(must_proc(s, 91)->bytes, 4096);
	cr_assert_eq(must_proc(s, 90)->nfds, 1);
	cr_assert_eq(must_proc(s, 90)->nmaps, 1);
	cr_assert_eq(must_proc(s, 90)->bytes, 4096 + 65536);
	dbf_snapshot_free(s);
}

/*
 * Thread 95 of process 91 unshared its fd table: it starts as a copy of
 * the leader's, so fd 5 of buffer 1001 is one fd, and fd 9 is the
 * thread's own. Both threads see the one mm: the mappings count once.
 */
Test(bpf_records, thread_with_own_fd_table)
{
	struct dbf_bpf_rec fds[4] = {
		fd_rec(91, 91, 5, 1001, 2), fd_rec(91, 95, 5, 1001, 2),
		fd_rec(91, 95, 9, 1004, 1), fd_rec(91, 95, 5, 1005, 1),
	};
	struct dbf_bpf_rec maps[4] = {
		map_rec(91, 95, 1001, 4096), map_rec(91, 91, 1001, 4096),
		map_rec(91, 91, 1004, 4096), map_rec(91, 95, 1004, 4096),
	};
	const struct dbf_holder *h;
	struct dbf_snapshot *s;
	int procfd = proc_root();

	cr_assert_eq(holders(fds, 4, maps, 4, procfd, &s), 0);
	close(procfd);
	cr_assert_eq(s->nbufs, 3);
	cr_assert_eq(s->nprocs, 1);
	h = holder_of(s, 1001, 91);
	cr_assert_eq(h->nfds, 1);
	cr_assert_eq(s->fds[h->fd0], 5);
	cr_assert_eq(h->maps, 1);
	h = holder_of(s, 1004, 91);
	cr_assert_eq(h->nfds, 1);
	cr_assert_eq(s->fds[h->fd0], 9);
	cr_assert_eq(h->maps, 1);
	/* the thread's fd 5 is another buffer than the leader's fd 5 */
	h = holder_of(s, 1005, 91);
	cr_assert_eq(h->nfds, 1);
	cr_assert_eq(s->fds[h->fd0], 5);
	cr_assert_eq(must_proc(s, 91)->nfds, 3);
	cr_assert_eq(must_proc(s, 91)->nmaps, 2);
	dbf_snapshot_free(s);
}

/* A name read while it changed says nothing; a length past the field is cut. */
Test(bpf_records, name_states)
{
	struct dbf_bpf_rec fds[2] = { fd_rec(92, 92, 3, 2001, 1), fd_rec(92, 92, 4, 2002, 1) };
	struct dbf_snapshot *s;
	int procfd = proc_root();

	fds[0].name_state = DBF_BPF_NAME_CHANGING;
	memcpy(fds[0].name, "torn", 4);
	fds[0].name_len = 4;
	memset(fds[1].name, 'n', sizeof(fds[1].name));
	fds[1].name_state = DBF_BPF_NAME_SET;
	fds[1].name_len = 200;
	fds[1].exp_len = 200;
	memset(fds[1].exporter, 'e', sizeof(fds[1].exporter));
	cr_assert_eq(holders(fds, 2, NULL, 0, procfd, &s), 0);
	close(procfd);
	cr_assert_not(must_buf(s, 2001)->has_name);
	cr_assert_eq(must_buf(s, 2001)->name.len, 0);
	cr_assert(must_buf(s, 2002)->has_name);
	assert_str(must_buf(s, 2002)->name, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
	assert_str(must_buf(s, 2002)->exporter, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	dbf_snapshot_free(s);
}

/*
 * Process 4242 exited between the walk and /proc: left out, its buffer
 * too (no one else holds it). "77" cannot be opened as a directory: the
 * process is listed as unreadable, and its buffers are not guessed at.
 */
Test(bpf_records, gone_and_unreadable)
{
	struct dbf_bpf_rec fds[3] = {
		fd_rec(4242, 4242, 3, 3001, 1), fd_rec(77, 77, 3, 3002, 1), fd_rec(90, 90, 3, 3003, 1),
	};
	char *dir = copy_fixture("linux-6.1-vgem"), path[4096];
	struct dbf_snapshot *s;
	int procfd, f;

	snprintf(path, sizeof(path), "%s/proc/77", dir);
	f = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(f, 0);
	close(f);
	snprintf(path, sizeof(path), "%s/proc", dir);
	procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(procfd, 0);
	cr_assert_eq(holders(fds, 3, NULL, 0, procfd, &s), 0);
	close(procfd);
	remove_tree(dir);
	free(dir);
	cr_assert_eq(s->nbufs, 1);
	cr_assert_eq(s->bufs[0].ino, 3003);
	cr_assert_eq(s->nprocs, 1);
	cr_assert_null(dbf_snapshot_proc(s, 4242));
	cr_assert_eq(s->nunreadable, 1);
	cr_assert_eq(s->unreadable[0], 77);
	dbf_snapshot_free(s);
}

Test(bpf_records, buffers_from_iter_dmabuf)
{
	struct dbf_bpf_rec bufs[2] = { rec(DBF_BPF_BUF, 0, 0, 5002), rec(DBF_BPF_BUF, 0, 0, 5001) };
	struct dbf_builder *b = dbf_builder_new();
	struct timespec now = { 1, 0 };
	struct dbf_snapshot *s;

	bufs[0].size = 1 << 20;
	bufs[0].count = 1;
	set_name(&bufs[0], "cam");
	bufs[1].count = 0;
	cr_assert_eq(dbf_bpf_add_buffers(bufs, sizeof(bufs), b), 0);
	cr_assert_eq(dbf_builder_finish(b, &now, NULL, &s), 0);
	cr_assert_eq(s->nbufs, 2);
	cr_assert_eq(s->bufs[0].ino, 5001);
	cr_assert_eq(s->bufs[0].size, 4096);
	cr_assert_eq(s->bufs[0].refcount, 0);
	cr_assert_eq(s->bufs[1].ino, 5002);
	cr_assert_eq(s->bufs[1].size, 1 << 20);
	cr_assert_eq(s->bufs[1].refcount, 1);
	assert_str(s->bufs[1].name, "cam");
	assert_str(s->bufs[1].exporter, "vgem");
	cr_assert_eq(s->nholders, 0);
	cr_assert_eq(s->total_bytes, 4096 + (1 << 20));
	dbf_snapshot_free(s);
}

Test(bpf_records, nothing)
{
	struct dbf_snapshot *s;
	int procfd = proc_root();

	cr_assert_eq(holders(NULL, 0, NULL, 0, procfd, &s), 0);
	close(procfd);
	cr_assert_eq(s->nbufs, 0);
	cr_assert_eq(s->nprocs, 0);
	cr_assert_eq(s->dev_src, DBF_DEV_NONE);
	dbf_snapshot_free(s);
}

/* Bytes that are not whole records of the right kind add nothing at all. */
static void refused(const void *fds, size_t fds_len, const void *maps, size_t maps_len,
		    const char *what)
{
	struct dbf_builder *b = dbf_builder_new();
	struct dbf_buf_io pio = { 0 };
	struct timespec now = { 1, 0 };
	struct dbf_snapshot *s;
	int procfd = proc_root();

	cr_assert_eq(dbf_bpf_add_holders(fds, fds_len, maps, maps_len, procfd, &pio, b), -EIO,
		     "%s", what);
	close(procfd);
	free(pio.p);
	cr_assert_eq(dbf_builder_finish(b, &now, NULL, &s), 0);
	cr_assert_eq(s->nbufs, 0, "%s", what);
	cr_assert_eq(s->nprocs, 0, "%s", what);
	dbf_snapshot_free(s);
}

Test(bpf_records, truncated)
{
	struct dbf_bpf_rec fds[2] = { fd_rec(91, 91, 5, 1001, 1), fd_rec(91, 91, 6, 1002, 1) };
	struct dbf_bpf_rec maps[1] = { map_rec(91, 91, 1001, 4096) };

	for (size_t len = 1; len < sizeof(fds); len++)
		if (len != sizeof(fds[0]))
			refused(fds, len, maps, sizeof(maps), "fds cut");
	for (size_t len = 1; len < sizeof(maps); len++)
		refused(fds, sizeof(fds), maps, len, "maps cut");
	cr_assert_eq(dbf_bpf_add_buffers(fds, sizeof(fds[0]) - 1, NULL), -EIO);
}

Test(bpf_records, garbage)
{
	struct dbf_bpf_rec ok = fd_rec(91, 91, 5, 1001, 1), bad[8];
	struct dbf_bpf_rec map = map_rec(91, 91, 1001, 4096);
	struct dbf_builder *b = dbf_builder_new();

	for (size_t i = 0; i < 8; i++)
		bad[i] = ok;
	bad[0].kind = DBF_BPF_MAP;	/* a mapping among the fds */
	bad[1].kind = 0;
	bad[2].kind = 0xffffffff;
	bad[3].tgid = 0;
	bad[4].tgid = -5;
	bad[5].tid = 0;
	bad[6].fd = -1;
	bad[7].name_state = 3;
	for (size_t i = 0; i < 8; i++) {
		struct dbf_bpf_rec two[2] = { ok, bad[i] };

		refused(two, sizeof(two), NULL, 0, "bad fd record");
	}
	/* a mapping with an fd, or an fd record among the mappings */
	map.fd = 3;
	refused(&ok, sizeof(ok), &map, sizeof(map), "mapping with an fd");
	refused(&ok, sizeof(ok), &ok, sizeof(ok), "fd among mappings");
	/* iter/dmabuf gives buffers only */
	cr_assert(b);
	cr_assert_eq(dbf_bpf_add_buffers(&ok, sizeof(ok), b), -EIO);
	dbf_builder_free(b);
}

/* Every byte of a record set to each of a few values: refused or added, never a crash. */
Test(bpf_records, every_byte)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	struct dbf_bpf_rec base = fd_rec(91, 91, 5, 1001, 1);
	int procfd = proc_root();

	for (size_t i = 0; i < sizeof(base); i++)
		for (size_t v = 0; v < sizeof(vals); v++) {
			struct dbf_bpf_rec r = base;
			struct dbf_builder *b = dbf_builder_new();
			struct dbf_buf_io pio = { 0 };
			int ret;

			((uint8_t *)&r)[i] = vals[v];
			cr_assert(b);
			ret = dbf_bpf_add_holders(&r, sizeof(r), NULL, 0, procfd, &pio, b);
			cr_assert(ret == 0 || ret == -EIO, "byte %zu = %#x: %d", i, vals[v], ret);
			cr_assert_eq(dbf_bpf_add_buffers(&r, sizeof(r), b), -EIO);
			free(pio.p);
			dbf_builder_free(b);
		}
	close(procfd);
}

/* The fd-table walk's output: task records counted, fd records kept in order. */
Test(bpf_records, split_tasks)
{
	struct dbf_bpf_rec in[6] = {
		rec(DBF_BPF_TASK, 90, 90, 0), fd_rec(90, 90, 3, 1001, 1),
		rec(DBF_BPF_TASK, 91, 91, 0), fd_rec(91, 91, 4, 1002, 1),
		fd_rec(91, 95, 9, 1003, 1), rec(DBF_BPF_TASK, 92, 92, 0),
	};
	size_t len = sizeof(in), maps_len, ntasks;
	unsigned int more;

	cr_assert_eq(dbf_bpf_split_tasks(in, &len, &maps_len, &ntasks, &more), 0);
	cr_assert_eq(ntasks, 3);
	cr_assert_eq(more, 0);
	cr_assert_eq(maps_len, 0);
	cr_assert_eq(len, 3 * sizeof(in[0]));
	cr_assert_eq(in[0].kind, DBF_BPF_FD);
	cr_assert_eq(in[0].fd, 3);
	cr_assert_eq(in[1].fd, 4);
	cr_assert_eq(in[2].tid, 95);
	cr_assert_eq(in[2].ino, 1003);
}

/* The walk with mappings: fds first in order, then every mapping record, once. */
Test(bpf_records, split_tasks_maps)
{
	struct dbf_bpf_rec in[9] = {
		rec(DBF_BPF_TASK, 90, 90, 0), map_rec(90, 90, 2001, 4096),
		map_rec(90, 90, 2002, 8192), fd_rec(90, 90, 3, 1001, 1),
		rec(DBF_BPF_TASK, 91, 91, 0), map_rec(91, 91, 2003, 12288),
		fd_rec(91, 91, 4, 1002, 1), fd_rec(91, 95, 9, 1003, 1),
		map_rec(91, 95, 2004, 16384),
	};
	uint64_t seen = 0;
	size_t len = sizeof(in), maps_len, ntasks;
	unsigned int more;

	cr_assert_eq(dbf_bpf_split_tasks(in, &len, &maps_len, &ntasks, &more), 0);
	cr_assert_eq(ntasks, 2);
	cr_assert_eq(more, 0);
	cr_assert_eq(len, 3 * sizeof(in[0]));
	cr_assert_eq(maps_len, 4 * sizeof(in[0]));
	cr_assert_eq(in[0].fd, 3);
	cr_assert_eq(in[1].fd, 4);
	cr_assert_eq(in[2].fd, 9);
	for (size_t i = 3; i < 7; i++) {
		cr_assert_eq(in[i].kind, DBF_BPF_MAP);
		cr_assert_eq(in[i].len, (in[i].ino - 2000) * 4096, "record %zu", i);
		seen |= 1ULL << (in[i].ino - 2000);
	}
	cr_assert_eq(seen, 0x1e);
}

Test(bpf_records, split_tasks_more)
{
	struct dbf_bpf_rec in[3] = {
		rec(DBF_BPF_TASK, 90, 90, 0), fd_rec(90, 90, 3, 1001, 1), rec(DBF_BPF_MORE, 90, 90, 0),
	};
	struct dbf_bpf_rec in2[3] = {
		rec(DBF_BPF_TASK, 90, 90, 0), map_rec(90, 90, 2001, 4096),
		rec(DBF_BPF_MAP_MORE, 90, 90, 0),
	};
	size_t len = sizeof(in), maps_len, ntasks;
	unsigned int more;

	cr_assert_eq(dbf_bpf_split_tasks(in, &len, &maps_len, &ntasks, &more), 0);
	cr_assert_eq(ntasks, 1);
	cr_assert_eq(more, DBF_BPF_MORE_FDS);
	cr_assert_eq(len, sizeof(in[0]));
	len = sizeof(in2);
	cr_assert_eq(dbf_bpf_split_tasks(in2, &len, &maps_len, &ntasks, &more), 0);
	cr_assert_eq(more, DBF_BPF_MORE_MAPS);
	cr_assert_eq(len, 0);
	cr_assert_eq(maps_len, sizeof(in2[0]));
}

Test(bpf_records, split_tasks_refused)
{
	struct dbf_bpf_rec ok = rec(DBF_BPF_TASK, 90, 90, 0), bad[5];
	size_t len, maps_len, ntasks;
	unsigned int more;

	for (size_t i = 0; i < 5; i++)
		bad[i] = ok;
	bad[0].tid = 91;			/* a task record is a leader's */
	bad[1].tgid = 0;
	bad[2].kind = DBF_BPF_MAP;		/* a mapping has no fd: fd -1 */
	bad[2].fd = 3;
	bad[3].kind = DBF_BPF_BUF;
	bad[4].kind = 77;
	for (size_t i = 0; i < 5; i++) {
		struct dbf_bpf_rec two[2] = { ok, bad[i] };

		len = sizeof(two);
		cr_assert_eq(dbf_bpf_split_tasks(two, &len, &maps_len, &ntasks, &more), -EIO, "record %zu", i);
	}
	for (len = 1; len < 2 * sizeof(ok); len++) {
		struct dbf_bpf_rec two[2] = { ok, ok };
		size_t l = len;

		if (len == sizeof(ok))
			continue;
		cr_assert_eq(dbf_bpf_split_tasks(two, &l, &maps_len, &ntasks, &more), -EIO, "%zu bytes", len);
	}
	len = 0;
	cr_assert_eq(dbf_bpf_split_tasks(NULL, &len, &maps_len, &ntasks, &more), 0);
	cr_assert_eq(ntasks, 0);
}
