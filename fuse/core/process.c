// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "fileio.h"
#include "parse.h"
#include "process.h"

int dbf_status_uid(const char *buf, size_t len, uid_t *uid, uid_t *owner)
{
	size_t pos = 0, ll;
	const char *line;

	while (dbf_next_line(buf, len, &pos, &line, &ll)) {
		const char *v, *end = line + ll;
		bool uniform = true;
		int i;

		if (!DBF_STARTS_WITH(line, ll, "Uid:\t"))
			continue;
		/* Uid: real effective saved fs */
		v = line + 5;
		for (i = 0; i < 4 && v < end; i++) {
			const char *e = memchr(v, '\t', (size_t)(end - v));
			uint64_t n;

			if (!e)
				e = end;
			if (!dbf_parse_u64(v, (size_t)(e - v), 10, &n) || n > UINT32_MAX)
				return -EINVAL;
			if (i == 0)
				*uid = (uid_t)n;
			else if ((uid_t)n != *uid)
				uniform = false;
			v = e + 1;
		}
		if (i == 0)
			return -EINVAL;
		*owner = uniform && i == 4 ? *uid : 0;
		return 0;
	}
	return -EINVAL;
}

int dbf_process_read(int piddir, struct dbf_buf_io *io, uid_t *uid,
		     uid_t *owner, char comm[DBF_COMM_MAX])
{
	size_t n;
	int r;

	r = dbf_read_at(piddir, "status", io);
	if (r < 0)
		return r;
	r = dbf_status_uid(io->p, io->len, uid, owner);
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
