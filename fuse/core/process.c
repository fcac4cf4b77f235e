// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "builder.h"
#include "fileio.h"
#include "parse.h"
#include "process.h"

/* "Uid:\t<real>\t<effective>\t<saved>\t<fs>": the first, and whether all agree. */
static int four_ids(const char *v, const char *end, uint32_t *first, bool *equal)
{
	int i;

	*equal = true;
	for (i = 0; i < 4 && v < end; i++) {
		const char *e = memchr(v, '\t', (size_t)(end - v));
		uint64_t n;

		if (!e)
			e = end;
		if (!dbf_parse_u64(v, (size_t)(e - v), 10, &n) || n > UINT32_MAX)
			return -EINVAL;
		if (i == 0)
			*first = (uint32_t)n;
		else if ((uint32_t)n != *first)
			*equal = false;
		v = e + 1;
	}
	if (i == 0)
		return -EINVAL;
	if (i < 4)
		*equal = false;
	return 0;
}

int dbf_status_ids(const char *buf, size_t len, struct dbf_status_ids *ids)
{
	size_t pos = 0, ll;
	const char *line;
	bool has_uid = false;
	uint32_t id;
	int r;

	*ids = (struct dbf_status_ids){ .uid = (uid_t)-1, .gid = (gid_t)-1 };
	while (dbf_next_line(buf, len, &pos, &line, &ll)) {
		if (DBF_STARTS_WITH(line, ll, "Uid:\t")) {
			r = four_ids(line + 5, line + ll, &id, &ids->uids_equal);
			if (r < 0)
				return r;
			ids->uid = (uid_t)id;
			has_uid = true;
		} else if (DBF_STARTS_WITH(line, ll, "Gid:\t")) {
			r = four_ids(line + 5, line + ll, &id, &ids->gids_equal);
			if (r < 0)
				return r;
			ids->gid = (gid_t)id;
			break;	/* Gid: follows Uid: */
		}
	}
	return has_uid ? 0 : -EINVAL;
}

int dbf_stat_start_time(const char *buf, size_t len, uint64_t *start_time)
{
	const char *p = NULL, *end = buf + len;

	for (size_t i = len; i > 0; i--) {
		if (buf[i - 1] == ')') {
			p = buf + i;
			break;
		}
	}
	if (!p)
		return -EINVAL;
	/* fields 3 (state) to 22 (starttime), one space apart */
	for (int field = 3; field <= 22; field++) {
		const char *e;

		if (p >= end || *p != ' ')
			return -EINVAL;
		p++;
		e = p;
		while (e < end && *e != ' ' && *e != '\n')
			e++;
		if (field == 22)
			return dbf_parse_u64(p, (size_t)(e - p), 10, start_time) ? 0 : -EINVAL;
		p = e;
	}
	return -EINVAL;
}

bool dbf_cgroup_v2_path(const char *buf, size_t len, struct dbf_str *path)
{
	const char *p = buf, *end = buf + len;

	*path = (struct dbf_str){ "", 0 };
	while (p < end && !DBF_STARTS_WITH(p, (size_t)(end - p), "0::")) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return false;
		p++;
	}
	if (p >= end)
		return false;
	p += 3;
	/* Only the file's last newline ends the line: the path may hold more. */
	if (end > p && end[-1] == '\n')
		end--;
	if (p == end || *p != '/')
		return false;
	*path = (struct dbf_str){ p, (uint32_t)(end - p) };
	return true;
}

/* Unknown (length 0) unless the file names one; -ESRCH: the process is gone. */
static int read_cgroup(int piddir, struct dbf_buf_io *io, struct dbf_proc_fact *f,
		       char cgroup[DBF_CGROUP_MAX])
{
	struct dbf_str path;
	int r;

	f->cgroup = (struct dbf_str){ cgroup, 0 };
	r = dbf_read_at(piddir, "cgroup", io);
	/*
	 * ENOENT is also a process that just exited: the comm read that
	 * follows tells, as the process itself is not there either.
	 */
	if (r == -ESRCH || r == -ENOMEM)
		return r;
	if (r < 0 || !dbf_cgroup_v2_path(io->p, io->len, &path) ||
	    path.len >= DBF_CGROUP_MAX)
		return 0;
	memcpy(cgroup, path.p, path.len);
	f->cgroup.len = path.len;
	return 0;
}

int dbf_process_read(int piddir, struct dbf_buf_io *io, struct dbf_proc_fact *f,
		     char comm[DBF_COMM_MAX], char cgroup[DBF_CGROUP_MAX])
{
	struct dbf_status_ids ids;
	struct stat st;
	size_t n;
	int r;

	r = dbf_read_at(piddir, "status", io);
	if (r < 0)
		return r;
	r = dbf_status_ids(io->p, io->len, &ids);
	if (r < 0)
		return r;
	if (fstat(piddir, &st) < 0)
		return -errno;
	f->uid = ids.uid;
	f->gid = ids.gid;
	/* A process that is not dumpable has a /proc/<pid> owned by root. */
	if (ids.uids_equal && ids.gids_equal && st.st_uid == ids.uid &&
	    st.st_gid == ids.gid) {
		f->owner = ids.uid;
		f->owner_gid = ids.gid;
	} else {
		f->owner = 0;
		f->owner_gid = 0;
	}
	if (!f->owner)
		f->owner_gid = 0;

	f->start_time = 0;
	r = dbf_read_at(piddir, "stat", io);
	if (r == 0 && dbf_stat_start_time(io->p, io->len, &f->start_time) < 0)
		f->start_time = 0;	/* unknown, as in captures without it */
	else if (r < 0 && r != -ENOENT)
		return r;

	r = read_cgroup(piddir, io, f, cgroup);
	if (r < 0)
		return r;

	r = dbf_read_at(piddir, "comm", io);
	if (r < 0)
		return r;
	n = io->len;
	if (n && io->p[n - 1] == '\n')
		n--;
	if (n > DBF_COMM_MAX - 1)
		n = DBF_COMM_MAX - 1;
	memcpy(comm, io->p, n);
	comm[n] = '\0';
	f->comm = comm;
	return 0;
}
