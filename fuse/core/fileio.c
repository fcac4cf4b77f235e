// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fileio.h"

/* Pseudo files are read to the end: their st_size says nothing. */
int dbf_read_fd(int fd, struct dbf_buf_io *io)
{
	io->len = 0;
	for (;;) {
		ssize_t n;

		if (io->cap - io->len < 4096) {
			size_t cap = io->cap ? io->cap * 2 : 8192;
			char *p = realloc(io->p, cap);

			if (!p)
				return -ENOMEM;
			io->p = p;
			io->cap = cap;
		}
		n = read(fd, io->p + io->len, io->cap - io->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		io->len += (size_t)n;
	}
	io->p[io->len] = '\0';
	return 0;
}

int dbf_read_at(int dirfd, const char *path, struct dbf_buf_io *io)
{
	__do_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return dbf_read_fd(fd, io);
}
