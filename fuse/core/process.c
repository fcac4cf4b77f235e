// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "fileio.h"
#include "parse.h"
#include "process.h"

/* The first of the four ids on @key's line, and whether all four agree. */
static int status_ids(const char *buf, size_t len, const char *key,
		      uint32_t *first, bool *uniform)
{
	size_t pos = 0, ll, kl = strlen(key);
	const char *line;

	while (dbf_next_line(buf, len, &pos, &line, &ll)) {
		const char *v, *end = line + ll;
		int i;

		if (ll < kl || memcmp(line, key, kl))
			continue;
		/* real effective saved fs */
		v = line + kl;
		*uniform = true;
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
				*uniform = false;
			v = e + 1;
		}
		if (i == 0)
			return -EINVAL;
		*uniform = *uniform && i == 4;
		return 0;
	}
	return -EINVAL;
}

int dbf_status_uid(const char *buf, size_t len, uid_t *uid, uid_t *owner)
{
	uint32_t u;
	bool uniform;
	int r = status_ids(buf, len, "Uid:\t", &u, &uniform);

	if (r < 0)
		return r;
	*uid = (uid_t)u;
	*owner = uniform ? *uid : 0;
	return 0;
}

int dbf_status_gid(const char *buf, size_t len, gid_t *gid, bool *uniform)
{
	uint32_t g;
	int r = status_ids(buf, len, "Gid:\t", &g, uniform);

	if (r < 0)
		return r;
	*gid = (gid_t)g;
	return 0;
}

int dbf_process_read(int piddir, struct dbf_buf_io *io, uid_t *uid,
		     uid_t *owner, gid_t *gid, gid_t *owner_gid,
		     char comm[DBF_COMM_MAX])
{
	bool gids_agree = false;
	size_t n;
	int r;

	r = dbf_read_at(piddir, "status", io);
	if (r < 0)
		return r;
	r = dbf_status_uid(io->p, io->len, uid, owner);
	if (r < 0)
		return r;
	/* A setgid process is root's alone, as procfs's ptrace check has it. */
	if (dbf_status_gid(io->p, io->len, gid, &gids_agree) < 0)
		*gid = (gid_t)-1;
	if (!gids_agree)
		*owner = 0;
	*owner_gid = *owner ? *gid : 0;
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
