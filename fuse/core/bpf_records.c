// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bpf_records.h"
#include "builder.h"
#include "fileio.h"
#include "process.h"

/* The programs write this layout as clang -target bpf lays it out: no padding. */
_Static_assert(sizeof(struct dbf_bpf_rec) == 120, "struct dbf_bpf_rec changed size");

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

/* Fds by (tgid, fd, ino); mappings by (tgid, tid, ino): see add_group(). */
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
static int add_group(const struct dbf_bpf_rec *r, size_t n, struct dbf_builder *stage)
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
static int add_process(int procfd, struct dbf_buf_io *pio, const struct dbf_bpf_rec *r,
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
	ret = add_group(r, n, stage);
	if (ret < 0)
		return ret;
	ret = dbf_process_read(piddir, pio, &f, comm, cgroup);
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

/* A record as its program writes it, or not. */
static bool rec_ok(const struct dbf_bpf_rec *r, unsigned int kind)
{
	if (r->kind != kind || r->name_state > DBF_BPF_NAME_CHANGING)
		return false;
	if (kind == DBF_BPF_BUF)
		return true;
	if (r->tgid <= 0 || r->tid <= 0)
		return false;
	return kind == DBF_BPF_FD ? r->fd >= 0 : r->fd == -1;
}

/* Copy @len bytes of @kind records after *n others in *all: 0 or -errno. */
static int append(struct dbf_bpf_rec **all, size_t *n, const void *p, size_t len,
		  unsigned int kind)
{
	size_t k = len / sizeof(**all);
	struct dbf_bpf_rec *q;

	if (len % sizeof(**all))
		return -EIO;
	if (!k)
		return 0;
	q = reallocarray(*all, *n + k, sizeof(**all));
	if (!q)
		return -ENOMEM;
	*all = q;
	/* the bytes need not be aligned for struct dbf_bpf_rec */
	memcpy(q + *n, p, k * sizeof(*q));
	for (size_t i = *n; i < *n + k; i++)
		if (!rec_ok(&q[i], kind))
			return -EIO;
	*n += k;
	return 0;
}

int dbf_bpf_add_holders(const void *fds, size_t fds_len, const void *maps,
			size_t maps_len, int procfd, struct dbf_buf_io *pio,
			struct dbf_builder *b)
{
	__do_free struct dbf_bpf_rec *all = NULL;
	struct dbf_builder *stage;
	size_t n = 0;
	int ret;

	ret = append(&all, &n, fds, fds_len, DBF_BPF_FD);
	if (ret >= 0)
		ret = append(&all, &n, maps, maps_len, DBF_BPF_MAP);
	if (ret < 0 || !n)
		return ret < 0 ? ret : 0;
	qsort(all, n, sizeof(*all), cmp_rec);
	/* Every record is a file on the dma-buf filesystem: its device. */
	if (dbf_builder_dev_src(b) == DBF_DEV_NONE)
		dbf_builder_set_dmabuf_dev(b, user_dev(all[0].dev), DBF_DEV_FD);

	stage = dbf_builder_new();
	if (!stage)
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && all[j].tgid == all[i].tgid)
			j++;
		ret = add_process(procfd, pio, all + i, j - i, b, stage);
		if (ret == 2)
			ret = dbf_builder_unreadable(b, all[i].tgid);
		if (ret < 0)
			break;
		i = j;
	}
	dbf_builder_free(stage);
	return ret < 0 ? ret : 0;
}

int dbf_bpf_add_buffers(const void *bufs, size_t len, struct dbf_builder *b)
{
	__do_free struct dbf_bpf_rec *all = NULL;
	size_t n = 0;
	int ret = append(&all, &n, bufs, len, DBF_BPF_BUF);

	for (size_t i = 0; ret >= 0 && i < n; i++) {
		struct dbf_buf_fact f = buf_fact(&all[i], DBF_SRC_ITER);

		/* the file's count, as bufinfo prints it */
		f.refcount_full = true;
		ret = dbf_builder_buf(b, &f);
	}
	return ret < 0 ? ret : 0;
}

int dbf_bpf_split_tasks(void *recs, size_t *len, size_t *maps_len, size_t *ntasks,
			unsigned int *more)
{
	struct dbf_bpf_rec r, t;
	size_t n = *len / sizeof(r), nfd = 0, nmap = 0;
	char *p = recs;

	*ntasks = 0;
	*maps_len = 0;
	*more = 0;
	if (*len % sizeof(r))
		return -EIO;
	/*
	 * Kept records are packed at the front, fds before mappings: a new
	 * fd record swaps places with the first mapping record. (The bytes
	 * need not be aligned for struct dbf_bpf_rec.)
	 */
	for (size_t i = 0; i < n; i++) {
		memcpy(&r, p + i * sizeof(r), sizeof(r));
		if (r.kind == DBF_BPF_TASK && r.tgid > 0 && r.tid == r.tgid) {
			++*ntasks;
		} else if (r.kind == DBF_BPF_MORE && r.tgid > 0 && r.tid > 0) {
			*more |= DBF_BPF_MORE_FDS;
		} else if (r.kind == DBF_BPF_MAP_MORE && r.tgid > 0 && r.tid > 0) {
			*more |= DBF_BPF_MORE_MAPS;
		} else if (rec_ok(&r, DBF_BPF_FD)) {
			if (nmap) {
				memcpy(&t, p + nfd * sizeof(r), sizeof(t));
				memcpy(p + (nfd + nmap) * sizeof(r), &t, sizeof(t));
			}
			memcpy(p + nfd * sizeof(r), &r, sizeof(r));
			nfd++;
		} else if (rec_ok(&r, DBF_BPF_MAP)) {
			memcpy(p + (nfd + nmap) * sizeof(r), &r, sizeof(r));
			nmap++;
		} else {
			return -EIO;
		}
	}
	*len = nfd * sizeof(r);
	*maps_len = nmap * sizeof(r);
	return 0;
}
