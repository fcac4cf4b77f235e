// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "builder.h"
#include "escape.h"
#include "fdinfo.h"
#include "fileio.h"
#include "parse.h"
#include "procfs_fds.h"

enum dbf_link_kind dbf_link_classify(const char *target, size_t len,
				     struct dbf_str *name)
{
	if (DBF_STARTS_WITH(target, len, "/dmabuf:")) {
		*name = (struct dbf_str){ target + 8, (uint32_t)(len - 8) };
		return DBF_LINK_DMABUF;
	}
	if (len == 17 && !memcmp(target, "anon_inode:dmabuf", 17))
		return DBF_LINK_ANON;
	return DBF_LINK_OTHER;
}

static bool names_equal(struct dbf_str a, struct dbf_str b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* Whether @escaped is @raw with control bytes and backslash as \ooo. */
static bool escapes_to(struct dbf_str raw, struct dbf_str escaped)
{
	char buf[4 * 256];
	size_t n;

	if (escaped.len > sizeof(buf))
		return false;
	memcpy(buf, escaped.p, escaped.len);
	n = dbf_unescape_octal(buf, escaped.len);
	return n == raw.len && !memcmp(buf, raw.p, n);
}

/*
 * The dma-buf filesystem's device, from a statx of an fd fdinfo just
 * described as a dma-buf. The fd number may have been closed and reused
 * since, so the device counts only if the file is on the same mount: no
 * other filesystem shares the dma-buf mount's id.
 */
static void dev_from_statx(const struct statx *stx, const struct dbf_fdinfo *fi,
			   struct dbf_builder *b)
{
	if (fi->has_mnt_id && (stx->stx_mask & STATX_MNT_ID) &&
	    stx->stx_mnt_id == fi->mnt_id && dbf_builder_dev_src(b) == DBF_DEV_NONE)
		dbf_builder_set_dmabuf_dev(b, makedev(stx->stx_dev_major, stx->stx_dev_minor),
					   DBF_DEV_FD);
}

/*
 * The same when fdinfo gave the inode, so nothing else needed the stat:
 * it must also be the same inode. One success per scan is enough, so
 * this costs a few stats at most.
 */
static void learn_dev(int fddir, const char *fdname, const struct dbf_fdinfo *fi,
		      struct dbf_builder *b)
{
	struct statx stx;

	if (statx(fddir, fdname, AT_STATX_DONT_SYNC, STATX_INO | STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_INO) || stx.stx_ino != fi->ino)
		return;
	dev_from_statx(&stx, fi, b);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* One dma-buf fd: fdinfo gives size, exporter, count, and ino since 5.14. */
static int scan_dmabuf_fd(int piddir, int *fdinfo_dir, int fddir,
			  const char *fdname, int fd, pid_t pid,
			  struct dbf_str link_name, struct dbf_builder *b,
			  struct dbf_buf_io *io)
{
	struct dbf_buf_fact f;
	struct dbf_fdinfo fi;
	int r;

	if (*fdinfo_dir < 0) {
		*fdinfo_dir = openat(piddir, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*fdinfo_dir < 0)
			return -errno;
	}
	r = dbf_read_at(*fdinfo_dir, fdname, io);
	if (r < 0)
		return r;
	if (dbf_fdinfo_parse(io->p, io->len, &fi) < 0)
		return -ENOENT;	/* the fd number was reused for something else */

	if (!fi.has_ino) {
		struct statx stx;

		/*
		 * fdinfo has no ino: line before 5.14; stat the buffer through
		 * the link. The fd may have been replaced by a file on any
		 * filesystem since: AT_STATX_DONT_SYNC lets network and FUSE
		 * filesystems answer from their cache instead of a request a
		 * hung server never answers, so a scan cannot block on one.
		 */
		if (statx(fddir, fdname, AT_STATX_DONT_SYNC, STATX_INO | STATX_MNT_ID,
			  &stx) < 0)
			return -errno;
		fi.ino = stx.stx_ino;
		fi.has_ino = true;
		/* 5.8 to 5.13: statx knows the mount, which is as good as the inode */
		dev_from_statx(&stx, &fi, b);
	} else if (fi.has_mnt_id && dbf_builder_dev_src(b) == DBF_DEV_NONE) {
		learn_dev(fddir, fdname, &fi, b);
	}

	/*
	 * Escaping shows where a name has bytes to escape; the fdinfo field
	 * "attachments" comes with the same series (kernel/patches), and is
	 * in every fdinfo of a dma-buf.
	 */
	if ((fi.has_name && !names_equal(fi.name, link_name) &&
	     escapes_to(link_name, fi.name)) || fi.has_attachments)
		dbf_builder_set_names_escaped(b);

	f = dbf_buf_fact_init(fi.ino, DBF_SRC_FDINFO);
	f.size = fi.size;
	f.has_size = true;
	f.exporter = fi.exp_name;
	f.refcount = fi.has_count ? fi.count : -1;
	/* The link carries the exact name bytes; fdinfo agrees unless renamed in between. */
	f.name = link_name;
	f.has_name = link_name.len > 0;
	f.name_rank = DBF_NAME_EXACT;
	f.devices = fi.devices;
	f.ndevices = fi.ndevices;
	f.devices_known = fi.devices_known;
	if (fi.has_attachments)
		dbf_builder_add_device_sources(b, DBF_SRC_FDINFO);
	r = dbf_builder_buf(b, &f);
	if (r < 0)
		return r;
	return dbf_builder_fd(b, pid, fd, fi.ino);
}

int dbf_procfs_fds_scan(int piddir, pid_t pid, struct dbf_builder *b,
			struct dbf_buf_io *io, uint32_t *held, uint32_t *anon)
{
	__attribute__((__cleanup__(closedirp))) DIR *dir = NULL;
	__do_close int fdinfo_dir = -1;
	struct dirent *de;
	int fddir, r;

	*held = *anon = 0;
	fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0)
		return -errno;
	dir = fdopendir(fddir);
	if (!dir) {
		r = -errno;
		close(fddir);
		return r;
	}
	for (;;) {
		char target[256];
		struct dbf_str name;
		ssize_t n;
		uint64_t fd;

		errno = 0;
		de = readdir(dir);
		if (!de)
			return -errno;
		if (!dbf_parse_u64(de->d_name, strlen(de->d_name), 10, &fd) ||
		    fd > INT32_MAX)
			continue;
		n = readlinkat(fddir, de->d_name, target, sizeof(target));
		if (n < 0) {
			if (errno == ENOENT)
				continue;	/* closed since the listing */
			return -errno;
		}
		switch (dbf_link_classify(target, (size_t)n, &name)) {
		case DBF_LINK_DMABUF:
			r = scan_dmabuf_fd(piddir, &fdinfo_dir, fddir, de->d_name,
					   (int)fd, pid, name, b, io);
			if (r == -ENOENT)
				continue;
			if (r < 0)
				return r;
			(*held)++;
			break;
		case DBF_LINK_ANON:
			(*anon)++;
			break;
		case DBF_LINK_OTHER:
			break;
		}
	}
}
