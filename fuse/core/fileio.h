/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading whole pseudo files, whose st_size is 0, and auto-closing fds. */
#ifndef DMABUFFS_FILEIO_H
#define DMABUFFS_FILEIO_H

#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

static inline void dbf_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void dbf_freep(void *p)
{
	free(*(void **)p);
}

#define __do_close __attribute__((__cleanup__(dbf_closep)))
#define __do_free __attribute__((__cleanup__(dbf_freep)))

/* A growable buffer reused across reads to keep the scan malloc-free. */
struct dbf_buf_io {
	char *p;
	size_t len, cap;
};

/*
 * Read all of @path (relative to @dirfd) into @io, replacing its content.
 * Returns 0 or a negative errno.
 */
int dbf_read_at(int dirfd, const char *path, struct dbf_buf_io *io);

/* Read all of an open fd into @io. */
int dbf_read_fd(int fd, struct dbf_buf_io *io);

#endif
