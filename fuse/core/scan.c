// SPDX-License-Identifier: GPL-2.0-only
/* One pass over every source, joined by the builder into a snapshot. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

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
 * Scan one process. Returns 0, 1 if it vanished, 2 if unreadable, or a
 * negative errno for errors that stop the scan (ENOMEM).
 */
static int scan_process(int procfd, const char *name, pid_t pid,
			struct dbf_builder *b, struct dbf_buf_io *io)
{
	__do_close int piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t mark = dbf_builder_mark(b);
	uint32_t held_fds, anon_fds, held_maps, anon_maps;
	char comm[DBF_COMM_MAX];
	uid_t uid;
	int r;

	if (piddir < 0)
		return vanished(-errno) ? 1 : 2;

	r = dbf_procfs_fds_scan(piddir, pid, b, io, &held_fds, &anon_fds);
	if (r >= 0)
		r = dbf_maps_scan(piddir, pid, b, io, &anon_maps, &held_maps);
	if (r >= 0 && (held_fds || held_maps || anon_fds || anon_maps)) {
		r = dbf_process_read(piddir, io, &uid, comm);
		if (r >= 0)
			r = dbf_builder_proc(b, pid, uid, comm, anon_fds, anon_maps);
	}
	if (r >= 0)
		return 0;
	dbf_builder_rollback(b, mark);
	if (vanished(r))
		return 1;
	if (r == -EACCES || r == -EPERM)
		return 2;
	if (r == -ENOMEM)
		return r;
	/* Any other read error on one process (EIO, EINVAL) only loses that process. */
	return 2;
}

int dbf_scan(const struct dbf_scan_opts *opts, const struct dbf_snapshot *prev,
	     struct dbf_snapshot **out)
{
	struct dbf_bufinfo_summary sum;
	struct dbf_buf_io io = { 0 };
	unsigned int sources = DBF_SRC_FD | DBF_SRC_FDINFO | DBF_SRC_MAPS;
	struct dbf_builder *b;
	size_t nscanned = 0;
	struct timespec now;
	struct dirent *de;
	int procfd, bufinfo_err = 0, r = 0;
	DIR *dir;

	clock_gettime(CLOCK_REALTIME, &now);
	procfd = open(opts->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	dir = fdopendir(procfd);
	if (!dir) {
		r = -errno;
		close(procfd);
		return r;
	}
	b = dbf_builder_new();
	if (!b) {
		closedir(dir);
		return -ENOMEM;
	}

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
		r = scan_process(procfd, de->d_name, (pid_t)pid, b, &io);
		if (r < 0)
			break;
		if (r == 1) {
			r = 0;	/* exited before we read it: it was never there */
			continue;
		}
		nscanned++;
		if (r == 2 && (r = dbf_builder_unreadable(b, (pid_t)pid)) < 0)
			break;
		r = 0;
	}
	closedir(dir);
	free(io.p);
	if (r < 0) {
		dbf_builder_free(b);
		return r;
	}

	r = dbf_bufinfo_read(opts->debugfs_root, b, &sum);
	if (r == -ENOMEM)
		goto fail;
	if (r < 0)
		bufinfo_err = -r;
	else
		sources |= DBF_SRC_BUFINFO;
	if (r >= 0)
		dbf_builder_set_noino(b, sum.rows_noino, sum.bytes_noino);

	r = dbf_sysfs_read(opts->sysfs_root, b);
	if (r == -ENOMEM)
		goto fail;
	if (r >= 0)
		sources |= DBF_SRC_SYSFS;

	dbf_builder_set_sources(b, sources, bufinfo_err, nscanned);
	return dbf_builder_finish(b, &now, prev, out);
fail:
	dbf_builder_free(b);
	return r;
}
