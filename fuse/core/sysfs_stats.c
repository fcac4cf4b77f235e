// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "fileio.h"
#include "parse.h"
#include "sysfs_stats.h"

/* A sysfs attribute: one value and a newline. */
static struct dbf_str attr_value(const struct dbf_buf_io *io)
{
	size_t n = io->len;

	if (n && io->p[n - 1] == '\n')
		n--;
	return (struct dbf_str){ io->p, (uint32_t)n };
}

static int read_buffer(int dirfd, const char *name, uint64_t ino,
		       struct dbf_builder *b, struct dbf_buf_io *io)
{
	__do_close int bufdir = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dbf_buf_fact f = dbf_buf_fact_init(ino, DBF_SRC_SYSFS);
	struct dbf_str v;
	int r;

	if (bufdir < 0)
		return -errno;
	r = dbf_read_at(bufdir, "size", io);
	if (r < 0)
		return r;
	v = attr_value(io);
	f.has_size = dbf_parse_u64(v.p, v.len, 10, &f.size);
	if (!f.has_size)
		return -EINVAL;
	r = dbf_read_at(bufdir, "exporter_name", io);
	if (r < 0)
		return r;
	f.exporter = attr_value(io);
	/* dbf_builder_buf copies the exporter before io is reused. */
	return dbf_builder_buf(b, &f);
}

int dbf_sysfs_read(const char *sysfs_root, struct dbf_builder *b)
{
	struct dbf_buf_io io = { 0 };
	struct dirent *de;
	char path[4096];
	DIR *dir;
	int n = 0, r = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/kernel/dmabuf/buffers",
			     sysfs_root) >= sizeof(path))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		uint64_t ino;

		if (!dbf_parse_u64(de->d_name, strlen(de->d_name), 10, &ino))
			continue;
		r = read_buffer(dirfd(dir), de->d_name, ino, b, &io);
		if (r == -ENOENT || r == -EINVAL) {
			r = 0;	/* freed since the listing, or not a buffer */
			continue;
		}
		if (r < 0)
			break;
		n++;
	}
	closedir(dir);
	free(io.p);
	return r < 0 ? r : n;
}
