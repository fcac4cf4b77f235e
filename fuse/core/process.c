// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "fileio.h"
#include "parse.h"
#include "process.h"

int dbf_status_uid(const char *buf, size_t len, uid_t *uid)
{
	size_t pos = 0, ll;
	const char *line;

	while (dbf_next_line(buf, len, &pos, &line, &ll)) {
		const char *v, *e;
		uint64_t n;

		if (!DBF_STARTS_WITH(line, ll, "Uid:\t"))
			continue;
		/* Uid: real effective saved fs */
		v = line + 5;
		e = memchr(v, '\t', ll - 5);
		if (!e)
			e = line + ll;
		if (!dbf_parse_u64(v, (size_t)(e - v), 10, &n) || n > UINT32_MAX)
			return -EINVAL;
		*uid = (uid_t)n;
		return 0;
	}
	return -EINVAL;
}

int dbf_process_read(int piddir, struct dbf_buf_io *io, uid_t *uid,
		     char comm[DBF_COMM_MAX])
{
	size_t n;
	int r;

	r = dbf_read_at(piddir, "status", io);
	if (r < 0)
		return r;
	r = dbf_status_uid(io->p, io->len, uid);
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
	return 0;
}
