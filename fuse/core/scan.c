// SPDX-License-Identifier: GPL-2.0-only
/* One pass over every source, joined by the builder into a snapshot. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_scan.h"
#include "builder.h"
#include "bufinfo.h"
#include "fileio.h"
#include "maps.h"
#include "parse.h"
#include "process.h"
#include "procfs_fds.h"
#include "sysfs_stats.h"

/* The process is gone (or going): not an error, just not there any more. */
static bool vanished(int r)
{
	return r == -ENOENT || r == -ESRCH;
}

/*
 * Scan one process into @stage, then merge it into @b only if it was read
 * whole: a process that exits mid-scan leaves no buffer fact or holder.
 * Returns 0, 1 if it vanished, 2 if unreadable, or a negative errno for
 * errors that stop the scan (ENOMEM).
 */
static int scan_process(int procfd, const char *name, pid_t pid,
			struct dbf_builder *b, struct dbf_builder *stage,
			struct dbf_buf_io *io)
{
	__do_close int piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint32_t held_fds, anon_fds, held_maps, anon_maps;
	struct dbf_proc_fact f = { .pid = pid };
	char comm[DBF_COMM_MAX], cgroup[DBF_CGROUP_MAX];
	int r;

	if (piddir < 0)
		return vanished(-errno) ? 1 : 2;

	dbf_builder_reset(stage);
	r = dbf_procfs_fds_scan(piddir, pid, stage, io, &held_fds, &anon_fds);
	if (r >= 0)
		r = dbf_maps_scan(piddir, pid, stage, io, &anon_maps, &held_maps);
	if (r >= 0 && (held_fds || held_maps || anon_fds || anon_maps)) {
		r = dbf_process_read(piddir, io, &f, comm, cgroup);
		if (r >= 0) {
			f.anon_fds = anon_fds;
			f.anon_maps = anon_maps;
			r = dbf_builder_proc(stage, &f);
		}
	}
	if (r >= 0)
		return dbf_builder_merge(b, stage);
	if (vanished(r))
		return 1;
	if (r == -EACCES || r == -EPERM)
		return 2;
	if (r == -ENOMEM)
		return r;
	/* Any other read error on one process (EIO, EINVAL) only loses that process. */
	return 2;
}

/* The pids in the proc root, ascending as the kernel lists them. */
static int list_pids(int procfd, pid_t **pids, size_t *n)
{
	DIR *dir = fdopendir(dup(procfd));
	size_t cap = 0;
	struct dirent *de;
	int r = 0;

	*pids = NULL;
	*n = 0;
	if (!dir)
		return -errno;
	for (;;) {
		uint64_t pid;

		errno = 0;
		de = readdir(dir);
		if (!de) {
			r = -errno;
			break;
		}
		if (!dbf_parse_u64(de->d_name, strlen(de->d_name), 10, &pid) ||
		    pid == 0 || pid > INT32_MAX)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			pid_t *p = reallocarray(*pids, ncap, sizeof(*p));

			if (!p) {
				r = -ENOMEM;
				break;
			}
			*pids = p;
			cap = ncap;
		}
		(*pids)[(*n)++] = (pid_t)pid;
	}
	closedir(dir);
	return r;
}

/* A share of the processes: every nworkers-th pid from @first. */
struct worker {
	int procfd;
	const pid_t *pids;
	size_t npids, first, stride;
	struct dbf_builder *b;
	uint64_t dmabuf_dev;		/* known before the scan, if dev_src */
	unsigned int dev_src;
	size_t nscanned;
	int err;
	pthread_t thread;
};

static void *scan_share(void *arg)
{
	struct worker *w = arg;
	struct dbf_buf_io io = { 0 };
	/* One process at a time, reused so that a process costs no malloc. */
	struct dbf_builder *stage = dbf_builder_new();

	if (!stage) {
		w->err = -ENOMEM;
		return NULL;
	}
	/* Known already (probe, option): the fds need not be stat'ed for it. */
	dbf_builder_set_dmabuf_dev(stage, w->dmabuf_dev, w->dev_src);
	for (size_t i = w->first; i < w->npids; i += w->stride) {
		char name[16];
		pid_t pid = w->pids[i];
		int r;

		snprintf(name, sizeof(name), "%d", (int)pid);
		r = scan_process(w->procfd, name, pid, w->b, stage, &io);
		if (r == 1)
			continue;	/* exited before we read it: it was never there */
		if (r == 2)
			r = dbf_builder_unreadable(w->b, pid);
		if (r < 0) {
			w->err = r;
			break;
		}
		w->nscanned++;
	}
	/* A device learned from a process that then vanished is still right. */
	if (dbf_builder_dev_src(stage) > dbf_builder_dev_src(w->b)) {
		dbf_builder_reset(stage);
		if (!w->err)
			w->err = dbf_builder_merge(w->b, stage);
	}
	dbf_builder_free(stage);
	free(io.p);
	return NULL;
}

/* Below this many processes a second thread costs more than it saves. */
#define PIDS_PER_THREAD 256
#define MAX_THREADS 8

/*
 * CPUs we may run on that nothing else is running on now. procfs work is
 * CPU-bound in the kernel, so a thread on a busy CPU only adds contention.
 */
static size_t idle_cpus(void)
{
	struct dbf_buf_io io = { 0 };
	unsigned long running = 1;
	size_t cpus = 1, busy;
	cpu_set_t set;
	const char *p;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		cpus = (size_t)CPU_COUNT(&set);
	/* loadavg: "0.50 0.40 0.30 <running>/<total> <last pid>"; counts us too */
	if (dbf_read_at(AT_FDCWD, "/proc/loadavg", &io) == 0 &&
	    (p = memchr(io.p, '/', io.len))) {
		while (p > io.p && p[-1] >= '0' && p[-1] <= '9')
			p--;
		running = strtoul(p, NULL, 10);
	}
	free(io.p);
	busy = running > 1 ? running - 1 : 0;
	return cpus > busy ? cpus - busy : 1;
}

static unsigned int scan_threads(const struct dbf_scan_opts *opts, size_t npids)
{
	size_t n;

	if (!opts->threads && npids < 2 * PIDS_PER_THREAD)
		return 1;
	n = opts->threads ? opts->threads : idle_cpus();
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	if (!opts->threads && n > npids / PIDS_PER_THREAD)
		n = npids / PIDS_PER_THREAD;
	return n ? (unsigned int)n : 1;
}

/* Read every process into @b, with up to scan_threads() threads. */
static int scan_procfs(const struct dbf_scan_opts *opts, int procfd,
		       struct dbf_builder *b, size_t *nscanned)
{
	struct worker w[MAX_THREADS] = { 0 };
	unsigned int nw;
	size_t npids;
	pid_t *pids;
	int r;

	r = list_pids(procfd, &pids, &npids);
	if (r < 0) {
		free(pids);
		return r;
	}
	nw = scan_threads(opts, npids);
	for (unsigned int i = 0; i < nw; i++) {
		w[i] = (struct worker){ .procfd = procfd, .pids = pids, .npids = npids,
					.first = i, .stride = nw, .b = b,
					.dmabuf_dev = opts->dmabuf_dev,
					.dev_src = opts->dev_src };
		if (i == 0)
			continue;
		w[i].b = dbf_builder_new();
		if (!w[i].b || pthread_create(&w[i].thread, NULL, scan_share, &w[i])) {
			dbf_builder_free(w[i].b);
			w[i].b = NULL;
			w[i].err = -ENOMEM;
		}
	}
	scan_share(&w[0]);
	r = w[0].err;
	*nscanned = w[0].nscanned;
	for (unsigned int i = 1; i < nw; i++) {
		if (w[i].b) {
			pthread_join(w[i].thread, NULL);
			if (!r && !w[i].err)
				w[i].err = dbf_builder_merge(b, w[i].b);
			dbf_builder_free(w[i].b);
		}
		if (!r)
			r = w[i].err;
		*nscanned += w[i].nscanned;
	}
	free(pids);
	return r;
}

int dbf_scan(const struct dbf_scan_opts *opts, const struct dbf_snapshot *prev,
	     struct dbf_snapshot **out)
{
	struct dbf_bufinfo_summary sum;
	unsigned int sources = DBF_SRC_FD | DBF_SRC_FDINFO | DBF_SRC_MAPS;
	struct dbf_builder *b;
	size_t nscanned = 0;
	struct timespec now, t0, t1;
	int bufinfo_err = 0, r;
	__do_close int procfd = -1;

	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	procfd = open(opts->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	b = dbf_builder_new();
	if (!b)
		return -ENOMEM;
	if (opts->dev_src != DBF_DEV_NONE)
		dbf_builder_set_dmabuf_dev(b, opts->dmabuf_dev, opts->dev_src);
	if (opts->names_escaped)
		dbf_builder_set_names_escaped(b);
	if (opts->bpf) {
		/* The same facts, from the kernel's iterators instead of /proc. */
		dbf_builder_set_scanner(b, DBF_SCANNER_BPF);
		r = dbf_bpf_scan(opts->bpf, procfd, b, &nscanned);
		if (dbf_bpf_lists_buffers(opts->bpf))
			sources |= DBF_SRC_ITER;
	} else {
		r = scan_procfs(opts, procfd, b, &nscanned);
	}
	if (r < 0)
		goto fail;

	r = dbf_bufinfo_read(opts->debugfs_root, b, &sum);
	if (r == -ENOMEM)
		goto fail;
	if (r < 0) {
		bufinfo_err = -r;
	} else {
		sources |= DBF_SRC_BUFINFO;
		dbf_builder_set_noino(b, sum.rows_noino, sum.bytes_noino);
		/*
		 * Every bufinfo lists each buffer's attachments: an empty one
		 * would too. Only when every block is garbled has it listed none.
		 */
		if (!sum.rows || sum.rows_devices)
			dbf_builder_add_device_sources(b, DBF_SRC_BUFINFO);
	}

	r = dbf_sysfs_read(opts->sysfs_root, b);
	if (r == -ENOMEM)
		goto fail;
	if (r >= 0)
		sources |= DBF_SRC_SYSFS;

	dbf_builder_set_sources(b, sources, bufinfo_err, nscanned);
	r = dbf_builder_finish(b, &now, prev, out);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	(*out)->scan_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
			  (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	return 0;
fail:
	dbf_builder_free(b);
	return r;
}
