// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "devprobe.h"
#include "fileio.h"
#include "snapshot.h"

/*
 * The DRM uapi (include/uapi/drm/drm.h, drm_mode.h): linux-libc-dev does
 * not install it everywhere and libdrm is not needed for three ioctls.
 */
struct probe_drm_create_dumb {
	uint32_t height, width, bpp, flags;
	uint32_t handle, pitch;
	uint64_t size;
};

struct probe_drm_prime_handle {
	uint32_t handle;
	uint32_t flags;
	int32_t fd;
};

struct probe_drm_destroy_dumb {
	uint32_t handle;
};

#define PROBE_DRM_IOCTL_PRIME_HANDLE_TO_FD \
	_IOWR('d', 0x2d, struct probe_drm_prime_handle)
#define PROBE_DRM_IOCTL_MODE_CREATE_DUMB \
	_IOWR('d', 0xB2, struct probe_drm_create_dumb)
#define PROBE_DRM_IOCTL_MODE_DESTROY_DUMB \
	_IOWR('d', 0xB4, struct probe_drm_destroy_dumb)

#define PROBE_SIZE 4096

static int from_heap(void)
{
	struct dma_heap_allocation_data a = {
		.len = PROBE_SIZE, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	__do_close int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);

	if (heap < 0 || ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a) < 0)
		return -errno;
	return (int)a.fd;
}

static int from_udmabuf(void)
{
	__do_close int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	__do_close int mfd = -1;
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = PROBE_SIZE };
	int fd;

	if (dev < 0)
		return -errno;
	mfd = memfd_create("dmabuffs-probe", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	/* udmabuf insists the memfd can no longer shrink under the buffer. */
	if (mfd < 0 || ftruncate(mfd, PROBE_SIZE) < 0 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		return -errno;
	c.memfd = (uint32_t)mfd;
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	return fd < 0 ? -errno : fd;
}

static int from_drm(int card)
{
	struct probe_drm_create_dumb c = { .width = 64, .height = 16, .bpp = 32 };
	struct probe_drm_prime_handle p = { .flags = O_RDWR | O_CLOEXEC, .fd = -1 };
	struct probe_drm_destroy_dumb d;
	int r = 0;

	if (ioctl(card, PROBE_DRM_IOCTL_MODE_CREATE_DUMB, &c) < 0)
		return -errno;
	p.handle = c.handle;
	if (ioctl(card, PROBE_DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) < 0)
		r = -errno;
	/* The exported fd keeps the buffer; the handle is not needed. */
	d.handle = c.handle;
	ioctl(card, PROBE_DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	return r < 0 ? r : p.fd;
}

static int from_drm_cards(void)
{
	DIR *dir = opendir("/dev/dri");
	struct dirent *de;
	int fd = -ENODEV;

	if (!dir)
		return -errno;
	while (fd < 0 && (de = readdir(dir))) {
		__do_close int card = -1;

		if (strncmp(de->d_name, "card", 4))
			continue;
		card = openat(dirfd(dir), de->d_name, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (card >= 0)
			fd = from_drm(card);
	}
	closedir(dir);
	return fd;
}

/* Does our buffer's fdinfo have the series' "attachments" line? */
static bool fdinfo_of_series(int fd)
{
	struct dbf_buf_io io = { 0 };
	char path[64];
	bool yes;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	yes = dbf_read_at(AT_FDCWD, path, &io) == 0 && io.len &&
	      memmem(io.p, io.len, "\nattachments:\t", 14);
	free(io.p);
	return yes;
}

int dbf_dmabuf_dev_probe(uint64_t *dev, bool *escaped)
{
	int (*const exporters[])(void) = { from_heap, from_udmabuf, from_drm_cards };

	for (size_t i = 0; i < sizeof(exporters) / sizeof(exporters[0]); i++) {
		__do_close int fd = exporters[i]();
		struct stat st;

		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0)
			continue;
		*dev = st.st_dev;
		*escaped = fdinfo_of_series(fd);
		return 0;
	}
	return -ENODEV;
}

void dbf_scan_opts_probe(struct dbf_scan_opts *o)
{
	uint64_t dev;
	bool escaped;

	if (o->dev_src == DBF_DEV_NONE && geteuid() == 0 &&
	    !strcmp(o->proc_root, "/proc") && dbf_dmabuf_dev_probe(&dev, &escaped) == 0) {
		o->dmabuf_dev = dev;
		o->dev_src = DBF_DEV_PROBE;
		o->names_escaped |= escaped;
	}
}
