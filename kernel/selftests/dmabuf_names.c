// SPDX-License-Identifier: GPL-2.0-only
/*
 * What userspace can learn about a dma-buf: its inode, size, name, holders
 * and attached devices, from fstat(), procfs, debugfs, tracefs and the dma-buf
 * ioctls, and that a name cannot forge a field in the files that print it.
 *
 * Buffers come from whatever the running kernel offers: the system dma-heap,
 * udmabuf and vgem.  Output is TAP 13 as kselftest prints it.  A check that
 * needs what this kernel lacks is a SKIP with the reason; a known weakness of
 * an unpatched kernel is an XFAIL.  Exit status: 0 unless a check failed.
 * Run it as root (debugfs bufinfo and /dev nodes).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create(), F_ADD_SEALS */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#ifndef DMA_BUF_IOCTL_GET_NAME
/* Not in the uapi headers of kernels without the GET_NAME patch. */
struct dma_buf_get_name {
	char name[DMA_BUF_NAME_LEN];
};

#define DMA_BUF_IOCTL_GET_NAME	_IOR(DMA_BUF_BASE, 4, struct dma_buf_get_name)
#endif

/*
 * The few DRM ioctls vgem needs, from include/uapi/drm/drm.h and drm_mode.h,
 * so that the test builds without libdrm's or the kernel's DRM headers.
 */
struct st_drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct st_drm_gem_close {
	__u32 handle;
	__u32 pad;
};

struct st_drm_prime_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
};

struct st_drm_mode_create_dumb {
	__u32 height;
	__u32 width;
	__u32 bpp;
	__u32 flags;
	__u32 handle;
	__u32 pitch;
	__u64 size;
};

#define ST_DRM_IOCTL_VERSION	_IOWR('d', 0x00, struct st_drm_version)
#define ST_DRM_IOCTL_GEM_CLOSE	_IOW('d', 0x09, struct st_drm_gem_close)
#define ST_DRM_IOCTL_PRIME_HANDLE_TO_FD \
	_IOWR('d', 0x2d, struct st_drm_prime_handle)
#define ST_DRM_IOCTL_PRIME_FD_TO_HANDLE \
	_IOWR('d', 0x2e, struct st_drm_prime_handle)
#define ST_DRM_IOCTL_MODE_CREATE_DUMB \
	_IOWR('d', 0xb2, struct st_drm_mode_create_dumb)

#define PAGE		4096
#define BUFINFO		"/sys/kernel/debug/dma_buf/bufinfo"
#define TEXT_MAX	(1024 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* A name with a newline and a tab that tries to add a "size:" field. */
#define FORGED_NAME	"X\nsize:\t1"
#define FORGED_ESCAPED	"X\\012size:\\0111"

enum { ST_PASS, ST_FAIL, ST_SKIP, ST_XFAIL };

struct result {
	int status;
	char why[512];
};

/* The first verdict given in a check is the one reported. */
static void setr(struct result *r, int status, const char *fmt, ...)
{
	va_list ap;

	if (r->status != ST_PASS)
		return;
	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

#define FAIL(r, ...)	setr(r, ST_FAIL, __VA_ARGS__)
#define SKIP(r, ...)	setr(r, ST_SKIP, __VA_ARGS__)
#define XFAIL(r, ...)	setr(r, ST_XFAIL, __VA_ARGS__)

/* Exporters */

enum { EXP_SYSTEM, EXP_UDMABUF, EXP_VGEM, EXP_NR };

static const char *const exp_label[EXP_NR] = { "system", "udmabuf", "vgem" };
/* The exp_name each exporter reports in 6.1 */
static const char *const exp_name[EXP_NR] = { "system", "udmabuf", "drm" };

static int heap_fd = -1, udmabuf_dev = -1, vgem_fd = -1;

static int find_vgem(void)
{
	char path[64], name[16];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct st_drm_version v = { 0 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (ioctl(fd, ST_DRM_IOCTL_VERSION, &v) == 0 &&
		    strcmp(name, "vgem") == 0)
			return fd;
		close(fd);
	}
	return -1;
}

static bool have(int exp)
{
	switch (exp) {
	case EXP_SYSTEM:
		return heap_fd >= 0;
	case EXP_UDMABUF:
		return udmabuf_dev >= 0;
	case EXP_VGEM:
		return vgem_fd >= 0;
	}
	return false;
}

/* Returns a dma-buf fd of exactly @size bytes, or -1 with errno set. */
static int alloc_buf(int exp, size_t size)
{
	switch (exp) {
	case EXP_SYSTEM: {
		struct dma_heap_allocation_data d = {
			.len = size,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &d))
			return -1;
		return d.fd;
	}
	case EXP_UDMABUF: {
		struct udmabuf_create c = {
			.flags = UDMABUF_FLAGS_CLOEXEC,
			.size = size,
		};
		int memfd, fd, err;

		memfd = memfd_create("dmabuf_names", MFD_ALLOW_SEALING);
		if (memfd < 0)
			return -1;
		if (ftruncate(memfd, size) ||
		    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
			err = errno;
			close(memfd);
			errno = err;
			return -1;
		}
		c.memfd = memfd;
		fd = ioctl(udmabuf_dev, UDMABUF_CREATE, &c);
		err = errno;
		close(memfd);
		errno = err;
		return fd;
	}
	case EXP_VGEM: {
		struct st_drm_mode_create_dumb c = {
			.height = 1,
			.width = size,
			.bpp = 8,
		};
		struct st_drm_prime_handle p = { 0 };
		struct st_drm_gem_close g = { 0 };
		int err;

		if (ioctl(vgem_fd, ST_DRM_IOCTL_MODE_CREATE_DUMB, &c))
			return -1;
		p.handle = c.handle;
		p.flags = O_RDWR | O_CLOEXEC;
		err = ioctl(vgem_fd, ST_DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) ?
			errno : 0;
		/* Leave the fd as the only holder of the buffer. */
		g.handle = c.handle;
		ioctl(vgem_fd, ST_DRM_IOCTL_GEM_CLOSE, &g);
		if (err) {
			errno = err;
			return -1;
		}
		if (c.size != size) {
			close(p.fd);
			errno = EINVAL;
			return -1;
		}
		return p.fd;
	}
	}
	errno = EINVAL;
	return -1;
}

/* The first exporter this kernel offers, or -1. */
static int first_exporter(void)
{
	int exp;

	for (exp = 0; exp < EXP_NR; exp++)
		if (have(exp))
			return exp;
	return -1;
}

/* Makes one buffer from the first exporter, or reports why it could not. */
static int any_buf(struct result *r, size_t size, int *expp)
{
	int exp = first_exporter(), fd;

	if (exp < 0) {
		SKIP(r, "no dma-buf exporter reachable (system heap, udmabuf, vgem)");
		return -1;
	}
	fd = alloc_buf(exp, size);
	if (fd < 0)
		FAIL(r, "%s: allocating %zu bytes: %s", exp_label[exp], size,
		     strerror(errno));
	if (expp)
		*expp = exp;
	return fd;
}

static int set_name(int fd, const char *name)
{
	return ioctl(fd, DMA_BUF_SET_NAME, name);
}

/* Text files from procfs and debugfs */

static char *read_text(const char *path, size_t *lenp)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger;

			if (cap >= TEXT_MAX)
				break;
			cap *= 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger)
				break;
			buf = bigger;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static char *read_fdinfo_len(int fd, size_t *lenp)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return read_text(path, lenp);
}

static char *read_fdinfo(int fd)
{
	return read_fdinfo_len(fd, NULL);
}

/* Number of lines of @text that start with @prefix. */
static int count_lines(const char *text, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *p = text;
	int n = 0;

	while (p && *p) {
		if (strncmp(p, prefix, plen) == 0)
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/*
 * Copies the rest of the first line of @text that starts with @key and a
 * tab into @out.  Returns false if there is no such line.
 */
static bool field(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == '\t') {
			const char *v = p + klen + 1;
			size_t n = strcspn(v, "\n");

			if (n >= size)
				n = size - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static long field_long(const char *text, const char *key)
{
	char v[64];

	if (!field(text, key, v, sizeof(v)))
		return -1;
	return strtol(v, NULL, 10);
}

static long fdinfo_long(int fd, const char *key)
{
	char *t = read_fdinfo(fd);
	long v;

	if (!t)
		return -1;
	v = field_long(t, key);
	free(t);
	return v;
}

/*
 * Finds the maps line of a dma-buf mapping with inode @ino.  Copies its path
 * (to the end of the line) into @path if @path is not NULL.
 */
static bool maps_find(unsigned long ino, char *path, size_t size)
{
	char *maps = read_text("/proc/self/maps", NULL), *line, *save = NULL;
	bool found = false;

	if (!maps)
		return false;
	for (line = strtok_r(maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long lino;
		int off = 0;

		if (sscanf(line, "%*x-%*x %*s %*x %*x:%*x %lu %n", &lino,
			   &off) != 1 || off == 0)
			continue;
		if (lino != ino || strncmp(line + off, "/dmabuf:", 8) != 0)
			continue;
		if (path)
			snprintf(path, size, "%s", line + off);
		found = true;
		break;
	}
	free(maps);
	return found;
}

/*
 * Finds the bufinfo row of inode @ino.  Copies the name column (everything
 * after the sixth tab, to the end of the line) into @name and the line after
 * the row into @next.  Returns -1 if bufinfo cannot be read, 0 if the row is
 * missing, 1 if found.
 */
static int bufinfo_row(unsigned long ino, char *name, size_t nsize,
		       char *next, size_t xsize)
{
	char *text = read_text(BUFINFO, NULL), *p;
	int ret = 0;

	if (!text)
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *col = p;
		size_t n;
		int tabs;

		for (tabs = 0; tabs < 5 && col; tabs++) {
			col = strpbrk(col, "\t\n");
			if (col && *col == '\n')
				col = NULL;
			else if (col)
				col++;
		}
		if (!col || strtoul(col, NULL, 10) != ino ||
		    strspn(col, "0123456789") != 8 || col[8] != '\t')
			continue;
		col += 9;
		n = strcspn(col, "\n");
		snprintf(name, nsize, "%.*s", (int)n, col);
		col += n;
		if (*col == '\n')
			col++;
		snprintf(next, xsize, "%.*s", (int)strcspn(col, "\n"), col);
		ret = 1;
		break;
	}
	free(text);
	return ret;
}

static unsigned long ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* Checks */

#define NBUF	4

static void t_inode_unique(struct result *r)
{
	unsigned long inos[EXP_NR * NBUF];
	int fds[EXP_NR * NBUF];
	int n = 0, exp, i, j;

	for (exp = 0; exp < EXP_NR; exp++) {
		if (!have(exp))
			continue;
		for (i = 0; i < NBUF; i++) {
			fds[n] = alloc_buf(exp, PAGE);
			if (fds[n] < 0) {
				FAIL(r, "%s: allocating: %s", exp_label[exp],
				     strerror(errno));
				goto out;
			}
			inos[n] = ino_of(fds[n]);
			n++;
		}
	}
	if (n == 0) {
		SKIP(r, "no dma-buf exporter reachable (system heap, udmabuf, vgem)");
		return;
	}
	for (i = 0; i < n; i++) {
		long ino = fdinfo_long(fds[i], "ino:");

		if (ino >= 0 && (unsigned long)ino != inos[i])
			FAIL(r, "fdinfo ino %ld, fstat st_ino %lu", ino, inos[i]);
		for (j = 0; j < i; j++)
			if (inos[i] == inos[j])
				FAIL(r, "buffers %d and %d share st_ino %lu", j,
				     i, inos[i]);
	}
out:
	while (n--)
		close(fds[n]);
}

static void t_size_blocks(struct result *r)
{
	int exp, i;

	if (first_exporter() < 0) {
		SKIP(r, "no dma-buf exporter reachable (system heap, udmabuf, vgem)");
		return;
	}
	for (exp = 0; exp < EXP_NR; exp++) {
		if (!have(exp))
			continue;
		for (i = 1; i <= 3; i++) {
			size_t size = (size_t)PAGE * i * 5;
			struct stat st;
			int fd = alloc_buf(exp, size);

			if (fd < 0) {
				FAIL(r, "%s: allocating %zu: %s", exp_label[exp],
				     size, strerror(errno));
				return;
			}
			if (fstat(fd, &st))
				FAIL(r, "fstat: %s", strerror(errno));
			else if ((size_t)st.st_size != size)
				FAIL(r, "%s: st_size %lld, want %zu",
				     exp_label[exp], (long long)st.st_size, size);
			else if ((size_t)st.st_blocks != size / 512)
				FAIL(r, "%s: st_blocks %lld, want %zu",
				     exp_label[exp], (long long)st.st_blocks,
				     size / 512);
			else if (fdinfo_long(fd, "size:") != (long)size)
				FAIL(r, "%s: fdinfo size %ld, want %zu",
				     exp_label[exp], fdinfo_long(fd, "size:"),
				     size);
			close(fd);
		}
	}
}

static void t_exp_name(struct result *r)
{
	char v[64];
	int exp;

	if (first_exporter() < 0) {
		SKIP(r, "no dma-buf exporter reachable (system heap, udmabuf, vgem)");
		return;
	}
	for (exp = 0; exp < EXP_NR; exp++) {
		int fd;
		char *t;

		if (!have(exp))
			continue;
		fd = alloc_buf(exp, PAGE);
		if (fd < 0) {
			FAIL(r, "%s: allocating: %s", exp_label[exp],
			     strerror(errno));
			return;
		}
		t = read_fdinfo(fd);
		if (!t || !field(t, "exp_name:", v, sizeof(v)))
			FAIL(r, "%s: no exp_name in fdinfo", exp_label[exp]);
		else if (strcmp(v, exp_name[exp]) != 0)
			FAIL(r, "%s: exp_name \"%s\", want \"%s\"",
			     exp_label[exp], v, exp_name[exp]);
		free(t);
		close(fd);
	}
}

static void t_name_fdinfo(struct result *r)
{
	int fd = any_buf(r, PAGE, NULL);
	char v[64], *t;

	if (fd < 0)
		return;
	t = read_fdinfo(fd);
	if (t && count_lines(t, "name:") != 0)
		FAIL(r, "unnamed buffer has a name: line");
	free(t);
	if (set_name(fd, "CAMERA preview")) {
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
	} else {
		t = read_fdinfo(fd);
		if (!t || !field(t, "name:", v, sizeof(v)))
			FAIL(r, "no name: line in fdinfo");
		else if (strcmp(v, "CAMERA preview") != 0)
			FAIL(r, "fdinfo name \"%s\"", v);
		free(t);
	}
	close(fd);
}

/* readlink() with a terminator; a longer target is an error. */
static ssize_t read_link(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static void t_name_fd_link(struct result *r)
{
	int fd = any_buf(r, PAGE, NULL);
	char path[64], link[128];
	ssize_t n;

	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = read_link(path, link, sizeof(link));
	if (n < 0)
		FAIL(r, "readlink: %s", strerror(errno));
	else if (strcmp(link, "/dmabuf:") != 0)
		FAIL(r, "unnamed link \"%s\", want \"/dmabuf:\"", link);
	if (set_name(fd, "FRAMEBUFFER")) {
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
	} else {
		n = read_link(path, link, sizeof(link));
		if (n < 0)
			FAIL(r, "readlink: %s", strerror(errno));
		else if (strcmp(link, "/dmabuf:FRAMEBUFFER") != 0)
			FAIL(r, "link \"%s\", want \"/dmabuf:FRAMEBUFFER\"",
			     link);
	}
	close(fd);
}

static void t_name_maps(struct result *r)
{
	int fd = any_buf(r, PAGE, NULL);
	char path[128];
	void *p;

	if (fd < 0)
		return;
	if (set_name(fd, "VIDEO")) {
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
		close(fd);
		return;
	}
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		FAIL(r, "mmap: %s", strerror(errno));
	} else {
		if (!maps_find(ino_of(fd), path, sizeof(path)))
			FAIL(r, "no maps line for inode %lu", ino_of(fd));
		else if (strcmp(path, "/dmabuf:VIDEO") != 0)
			FAIL(r, "maps path \"%s\", want \"/dmabuf:VIDEO\"", path);
		munmap(p, PAGE);
	}
	close(fd);
}

static void t_name_bufinfo(struct result *r)
{
	char name[128], next[128];
	int fd, found;

	if (access(BUFINFO, R_OK)) {
		SKIP(r, "%s: %s", BUFINFO, strerror(errno));
		return;
	}
	fd = any_buf(r, PAGE, NULL);
	if (fd < 0)
		return;
	found = bufinfo_row(ino_of(fd), name, sizeof(name), next,
			    sizeof(next));
	if (found != 1)
		FAIL(r, "no bufinfo row for inode %lu", ino_of(fd));
	else if (strcmp(name, "<none>") != 0)
		FAIL(r, "unnamed buffer's bufinfo name \"%s\"", name);
	if (set_name(fd, "AUDIO ring")) {
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
	} else {
		found = bufinfo_row(ino_of(fd), name, sizeof(name), next,
				    sizeof(next));
		if (found != 1)
			FAIL(r, "no bufinfo row for inode %lu", ino_of(fd));
		else if (strcmp(name, "AUDIO ring") != 0)
			FAIL(r, "bufinfo name \"%s\", want \"AUDIO ring\"",
			     name);
	}
	close(fd);
}

/* Returns 1 and fills @out, 0 on a kernel without GET_NAME, -1 on error. */
static int get_name(struct result *r, int fd, struct dma_buf_get_name *out)
{
	memset(out, 0x5a, sizeof(*out));
	if (ioctl(fd, DMA_BUF_IOCTL_GET_NAME, out) == 0)
		return 1;
	if (errno == ENOTTY) {
		SKIP(r, "DMA_BUF_IOCTL_GET_NAME: ENOTTY: this kernel has no GET_NAME");
		return 0;
	}
	FAIL(r, "DMA_BUF_IOCTL_GET_NAME: %s", strerror(errno));
	return -1;
}

/* The name bytes, then NULs to the end of the struct. */
static bool name_is(const struct dma_buf_get_name *g, const char *want,
		    size_t len)
{
	size_t i;

	if (memcmp(g->name, want, len) != 0)
		return false;
	for (i = len; i < sizeof(g->name); i++)
		if (g->name[i] != '\0')
			return false;
	return true;
}

static void t_get_name(struct result *r)
{
	struct dma_buf_get_name g;
	int fd = any_buf(r, PAGE, NULL);

	if (fd < 0)
		return;
	if (set_name(fd, "CAMERA"))
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
	else if (get_name(r, fd, &g) == 1 && !name_is(&g, "CAMERA", 6))
		FAIL(r, "GET_NAME \"%.*s\", want \"CAMERA\"",
		     (int)sizeof(g.name), g.name);
	close(fd);
}

static void t_get_name_max(struct result *r)
{
	static const char longest[] = "0123456789abcdefghijklmnopqrstu";
	struct dma_buf_get_name g;
	int fd = any_buf(r, PAGE, NULL);

	if (fd < 0)
		return;
	if (sizeof(longest) != DMA_BUF_NAME_LEN)
		FAIL(r, "test name is %zu bytes", sizeof(longest) - 1);
	else if (set_name(fd, longest))
		FAIL(r, "DMA_BUF_SET_NAME (31 bytes): %s", strerror(errno));
	else if (get_name(r, fd, &g) == 1 &&
		 !name_is(&g, longest, sizeof(longest)))
		FAIL(r, "GET_NAME \"%.*s\", want the 31-byte name",
		     (int)sizeof(g.name), g.name);
	close(fd);
}

static void t_get_name_unnamed(struct result *r)
{
	struct dma_buf_get_name g;
	int fd = any_buf(r, PAGE, NULL);

	if (fd < 0)
		return;
	if (get_name(r, fd, &g) == 1 && !name_is(&g, "", 0))
		FAIL(r, "GET_NAME of an unnamed buffer is not 32 NULs");
	close(fd);
}

static void t_get_name_raw(struct result *r)
{
	struct dma_buf_get_name g;
	int fd = any_buf(r, PAGE, NULL);

	if (fd < 0)
		return;
	if (set_name(fd, FORGED_NAME))
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
	else if (get_name(r, fd, &g) == 1 &&
		 !name_is(&g, FORGED_NAME, strlen(FORGED_NAME)))
		FAIL(r, "GET_NAME did not return the raw bytes");
	close(fd);
}

static void t_fdinfo_count(struct result *r)
{
	int fd = any_buf(r, PAGE, NULL), fd2, fd3;
	long c0, c;

	if (fd < 0)
		return;
	c0 = fdinfo_long(fd, "count:");
	if (c0 != 1)
		FAIL(r, "count %ld with one fd, want 1", c0);
	fd2 = dup(fd);
	fd3 = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	c = fdinfo_long(fd, "count:");
	if (c != 3)
		FAIL(r, "count %ld after two dups, want 3", c);
	c = fdinfo_long(fd3, "count:");
	if (c != 3)
		FAIL(r, "count %ld through the dup, want 3", c);
	close(fd2);
	c = fdinfo_long(fd, "count:");
	if (c != 2)
		FAIL(r, "count %ld after one close, want 2", c);
	close(fd3);
	c = fdinfo_long(fd, "count:");
	if (c != 1)
		FAIL(r, "count %ld after closing both dups, want 1", c);
	close(fd);
}

static void t_mapped_only(struct result *r)
{
	int fd = any_buf(r, 2 * PAGE, NULL);
	unsigned long ino;
	char path[128];
	char *p;

	if (fd < 0)
		return;
	ino = ino_of(fd);
	if (set_name(fd, "MAPPED ONLY")) {
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
		close(fd);
		return;
	}
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		FAIL(r, "mmap: %s", strerror(errno));
		return;
	}
	p[0] = 'd';
	p[PAGE] = 'b';
	if (!maps_find(ino, path, sizeof(path)))
		FAIL(r, "mapping of inode %lu gone from maps after close", ino);
	else if (strcmp(path, "/dmabuf:MAPPED ONLY") != 0)
		FAIL(r, "maps path \"%s\"", path);
	else if (p[0] != 'd' || p[PAGE] != 'b')
		FAIL(r, "mapping lost its contents");
	munmap(p, 2 * PAGE);
	if (maps_find(ino, NULL, 0))
		FAIL(r, "inode %lu still in maps after munmap", ino);
}

/* Imports @fd into vgem; returns the GEM handle or 0. */
static __u32 vgem_import(int fd)
{
	struct st_drm_prime_handle p = { .fd = fd };

	if (ioctl(vgem_fd, ST_DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		return 0;
	return p.handle;
}

static void vgem_release(__u32 handle)
{
	struct st_drm_gem_close g = { .handle = handle };

	ioctl(vgem_fd, ST_DRM_IOCTL_GEM_CLOSE, &g);
}

static void t_attachments_fdinfo(struct result *r)
{
	int exp, fd = -1;
	char v[64], *t;
	__u32 handle;

	/* vgem imports a foreign buffer by attaching its device to it. */
	for (exp = 0; exp < EXP_VGEM && fd < 0; exp++)
		if (have(exp))
			fd = alloc_buf(exp, PAGE);
	if (fd < 0)
		fd = any_buf(r, PAGE, NULL);
	if (fd < 0)
		return;
	t = read_fdinfo(fd);
	if (!t || !field(t, "attachments:", v, sizeof(v))) {
		SKIP(r, "this kernel does not list attachments in fdinfo");
		goto out;
	}
	if (strcmp(v, "0") != 0 || count_lines(t, "attached_dev:") != 0)
		FAIL(r, "new buffer has attachments: %s", v);
	if (vgem_fd < 0 || count_lines(t, "exp_name:\tdrm") != 0) {
		SKIP(r, "no importer: needs vgem and a buffer from another exporter");
		goto out;
	}
	handle = vgem_import(fd);
	if (!handle) {
		FAIL(r, "vgem PRIME_FD_TO_HANDLE: %s", strerror(errno));
		goto out;
	}
	free(t);
	t = read_fdinfo(fd);
	if (!t || !field(t, "attachments:", v, sizeof(v)) || strcmp(v, "1"))
		FAIL(r, "attachments after vgem import, want 1");
	else if (!field(t, "attached_dev:", v, sizeof(v)) ||
		 strcmp(v, "vgem") != 0)
		FAIL(r, "attached_dev \"%s\", want \"vgem\"", v);
	else if (count_lines(t, "attached_dev:") != 1)
		FAIL(r, "%d attached_dev lines, want 1",
		     count_lines(t, "attached_dev:"));
	vgem_release(handle);
	free(t);
	t = read_fdinfo(fd);
	if (!t || !field(t, "attachments:", v, sizeof(v)) || strcmp(v, "0"))
		FAIL(r, "attachments after vgem released the buffer, want 0");
out:
	free(t);
	close(fd);
}

/*
 * Names that hold no control byte and no backslash: printable ASCII with
 * spaces, '%' and quotes, UTF-8, and bytes above 0x7f that are not UTF-8.
 * Escaping must leave each of them byte for byte as a stock kernel prints it.
 */
static const char *const plain_names[] = {
	"plain",
	"with space",
	"100% \"quoted\" 'single' %s%n",
	" !\"#$%&'()*+,-./0123456789:;<=>",
	"?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^",
	"_`abcdefghijklmnopqrstuvwxyz{|}",
	"~",
	"na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80",
	"\xff\x80 latin1 \xe9t\xe9",
};

static void t_name_plain_fdinfo(struct result *r)
{
	int fd = any_buf(r, PAGE, NULL);
	char want[64], *t;
	size_t i, len, wl;

	if (fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(plain_names); i++) {
		if (set_name(fd, plain_names[i])) {
			FAIL(r, "DMA_BUF_SET_NAME \"%s\": %s", plain_names[i],
			     strerror(errno));
			break;
		}
		t = read_fdinfo_len(fd, &len);
		if (!t) {
			FAIL(r, "reading fdinfo: %s", strerror(errno));
			break;
		}
		/* name: is the last line and holds the name as it was set. */
		wl = snprintf(want, sizeof(want), "\nname:\t%s\n", plain_names[i]);
		if (len < wl || memcmp(t + len - wl, want, wl) != 0)
			FAIL(r, "name %zu \"%s\": fdinfo ends \"%s\"", i,
			     plain_names[i], len > wl ? t + len - wl : t);
		free(t);
	}
	close(fd);
}

static void t_name_plain_bufinfo(struct result *r)
{
	char name[128], next[128];
	int fd, found;
	size_t i;

	if (access(BUFINFO, R_OK)) {
		SKIP(r, "%s: %s", BUFINFO, strerror(errno));
		return;
	}
	fd = any_buf(r, PAGE, NULL);
	if (fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(plain_names); i++) {
		if (set_name(fd, plain_names[i])) {
			FAIL(r, "DMA_BUF_SET_NAME \"%s\": %s", plain_names[i],
			     strerror(errno));
			break;
		}
		found = bufinfo_row(ino_of(fd), name, sizeof(name), next,
				    sizeof(next));
		if (found != 1)
			FAIL(r, "no bufinfo row for inode %lu", ino_of(fd));
		else if (strcmp(name, plain_names[i]) != 0)
			FAIL(r, "name %zu: bufinfo shows \"%s\", want \"%s\"", i,
			     name, plain_names[i]);
	}
	close(fd);
}

/*
 * One fdinfo read taken while others attach and detach: the attachment lines
 * are either "attachments:\tskipped" alone or a count and that many devices,
 * and the name is still the last line.  Returns the count, -2 for skipped,
 * -1 (with @r failed) for anything else.
 */
static int churn_read(struct result *r, int fd, const char *name)
{
	char v[64], tail[64], *t;
	int devs, ret = -1;
	size_t len, tl;

	t = read_fdinfo_len(fd, &len);
	if (!t) {
		FAIL(r, "reading fdinfo: %s", strerror(errno));
		return -1;
	}
	devs = count_lines(t, "attached_dev:");
	tl = snprintf(tail, sizeof(tail), "\nname:\t%s\n", name);
	if (count_lines(t, "attachments:") != 1 ||
	    !field(t, "attachments:", v, sizeof(v))) {
		FAIL(r, "%d attachments: lines", count_lines(t, "attachments:"));
	} else if (len < tl || memcmp(t + len - tl, tail, tl) != 0) {
		FAIL(r, "name: is not the last line");
	} else if (strcmp(v, "skipped") == 0) {
		if (devs)
			FAIL(r, "skipped list with %d attached_dev lines", devs);
		else
			ret = -2;
	} else if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
		FAIL(r, "attachments: \"%s\", want 0, 1 or skipped", v);
	} else if (atoi(v) != devs) {
		FAIL(r, "attachments: %s with %d attached_dev lines", v, devs);
	} else if (devs == 1 && (!field(t, "attached_dev:", v, sizeof(v)) ||
			      strcmp(v, "vgem") != 0)) {
		FAIL(r, "attached_dev \"%s\", want \"vgem\"", v);
	} else {
		ret = devs;
	}
	free(t);
	return ret;
}

/*
 * fdinfo only tries the reservation lock.  Two children keep taking it, one
 * by attaching vgem to the buffer and detaching it again, one by polling the
 * buffer, while this process reads fdinfo for a while.  Every read must be
 * well formed; how many were skipped depends on timing and is only reported.
 */
static void t_attachments_churn(struct result *r)
{
	int exp, fd = -1, i, reads = 0, counts[2] = { 0 }, skipped = 0, n;
	pid_t kids[2] = { -1, -1 };
	struct timespec start, now;
	char v[64], *t;

	for (exp = 0; exp < EXP_VGEM && fd < 0; exp++)
		if (have(exp))
			fd = alloc_buf(exp, PAGE);
	if (fd < 0)
		fd = any_buf(r, PAGE, NULL);
	if (fd < 0)
		return;
	t = read_fdinfo(fd);
	if (!t || !field(t, "attachments:", v, sizeof(v))) {
		SKIP(r, "this kernel does not list attachments in fdinfo");
		goto out;
	}
	if (vgem_fd < 0 || count_lines(t, "exp_name:\tdrm") != 0) {
		SKIP(r, "no importer: needs vgem and a buffer from another exporter");
		goto out;
	}
	if (set_name(fd, "churn")) {
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
		goto out;
	}
	fflush(stdout);
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			FAIL(r, "fork: %s", strerror(errno));
			goto out;
		}
		if (kids[i] > 0)
			continue;
		for (;;) {
			if (i == 0) {
				__u32 h = vgem_import(fd);

				if (h)
					vgem_release(h);
			} else {
				struct pollfd p = { fd, POLLIN | POLLOUT, 0 };

				poll(&p, 1, 0);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		n = churn_read(r, fd, "churn");
		if (n == -1)
			break;
		if (n == -2)
			skipped++;
		else
			counts[n]++;
		reads++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 3);
	printf("# attachments_churn: %d reads: %d listed none, %d listed vgem, %d skipped\n",
	       reads, counts[0], counts[1], skipped);
	if (r->status == ST_PASS && counts[0] + counts[1] == 0)
		FAIL(r, "no read of %d listed the attachments", reads);
out:
	for (i = 0; i < 2; i++) {
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
	}
	free(t);
	close(fd);
}

static void t_name_forge_fdinfo(struct result *r)
{
	int fd = any_buf(r, 3 * PAGE, NULL), sizes;
	char v[64], *t;

	if (fd < 0)
		return;
	if (set_name(fd, FORGED_NAME)) {
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
		close(fd);
		return;
	}
	t = read_fdinfo(fd);
	if (!t) {
		FAIL(r, "reading fdinfo: %s", strerror(errno));
		close(fd);
		return;
	}
	sizes = count_lines(t, "size:");
	if (sizes == 2 && field(t, "name:", v, sizeof(v)) &&
	    strcmp(v, "X") == 0)
		XFAIL(r, "this kernel prints names raw in fdinfo: %s",
		      "a newline in a name adds a size: line");
	else if (sizes != 1)
		FAIL(r, "%d size: lines", sizes);
	else if (field_long(t, "size:") != 3 * PAGE)
		FAIL(r, "size %ld, want %d", field_long(t, "size:"), 3 * PAGE);
	else if (!field(t, "name:", v, sizeof(v)) ||
		 strcmp(v, FORGED_ESCAPED) != 0)
		FAIL(r, "name line \"%s\", want \"%s\"", v, FORGED_ESCAPED);
	free(t);
	close(fd);
}

static void t_name_forge_bufinfo(struct result *r)
{
	char name[128], next[128];
	int fd, found;

	if (access(BUFINFO, R_OK)) {
		SKIP(r, "%s: %s", BUFINFO, strerror(errno));
		return;
	}
	fd = any_buf(r, PAGE, NULL);
	if (fd < 0)
		return;
	if (set_name(fd, FORGED_NAME)) {
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
		close(fd);
		return;
	}
	found = bufinfo_row(ino_of(fd), name, sizeof(name), next,
			    sizeof(next));
	if (found != 1)
		FAIL(r, "no bufinfo row for inode %lu", ino_of(fd));
	else if (strcmp(name, "X") == 0 && strcmp(next, "size:\t1") == 0)
		XFAIL(r, "this kernel prints names raw in bufinfo: %s",
		      "a newline in a name adds a line");
	else if (strcmp(name, FORGED_ESCAPED) != 0)
		FAIL(r, "bufinfo name \"%s\", want \"%s\"", name,
		     FORGED_ESCAPED);
	else if (next[0] != '\t')
		FAIL(r, "line after the row is \"%s\"", next);
	close(fd);
}

/*
 * Trace events.  The release of a buffer and a change of its name are the two
 * changes no other dma_buf event shows; a tool that follows buffers through
 * the trace instead of rescanning every process needs both.
 */

static const char *tracefs;

/* Writes @val to the tracefs file @rel; 0 or -1 with errno. */
static int trace_write(const char *rel, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tracefs, rel);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * Finds tracefs, mounting it where it belongs when nothing is mounted there,
 * and turns off every event but @event, with an empty buffer.  Returns 1 when
 * tracing @event has begun, 0 after a SKIP, -1 after a FAIL.
 */
static int trace_start(struct result *r, const char *event)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char rel[128], path[256];
	size_t i;

	for (i = 0; !tracefs && i < ARRAY_SIZE(roots); i++) {
		snprintf(path, sizeof(path), "%s/trace", roots[i]);
		if (access(path, F_OK) == 0)
			tracefs = roots[i];
	}
	if (!tracefs &&
	    mount("tracefs", roots[0], "tracefs", 0, NULL) == 0)
		tracefs = roots[0];
	if (!tracefs) {
		SKIP(r, "no tracefs (mount on %s: %s)", roots[0],
		     strerror(errno));
		return 0;
	}
	snprintf(rel, sizeof(rel), "events/dma_buf/%s/enable", event);
	snprintf(path, sizeof(path), "%s/%s", tracefs, rel);
	if (access(path, F_OK) != 0) {
		SKIP(r, "no dma_buf:%s event in %s: this kernel does not trace it",
		     event, tracefs);
		return 0;
	}
	if (trace_write("events/enable", "0") || trace_write("trace", "") ||
	    trace_write("tracing_on", "1") || trace_write(rel, "1")) {
		FAIL(r, "setting up %s in %s: %s", event, tracefs,
		     strerror(errno));
		return -1;
	}
	return 1;
}

/*
 * Stops tracing @event and returns what followed "<event>: " on each line of
 * the trace that is about inode @ino, one per line, in order (malloc'd), with
 * their number in @count.
 */
static char *trace_stop(struct result *r, const char *event,
			unsigned long ino, int *count)
{
	char rel[128], tag[128], want_ino[48];
	char *text, *line, *out;
	size_t used = 0;

	*count = 0;
	snprintf(rel, sizeof(rel), "events/dma_buf/%s/enable", event);
	trace_write(rel, "0");
	snprintf(rel, sizeof(rel), "%s/trace", tracefs);
	text = read_text(rel, NULL);
	out = calloc(1, text ? strlen(text) + 1 : 1);
	if (!text || !out) {
		FAIL(r, "reading %s: %s", rel, strerror(errno));
		free(text);
		free(out);
		return NULL;
	}
	snprintf(tag, sizeof(tag), " %s: ", event);
	snprintf(want_ino, sizeof(want_ino), "ino=%lu", ino);
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *ev = strstr(line, tag), *hit;
		size_t n;

		if (!ev)
			continue;
		ev += strlen(tag);
		/* "ino=5" must not match "ino=51". */
		hit = strstr(ev, want_ino);
		if (!hit || (hit[strlen(want_ino)] != ' ' &&
			     hit[strlen(want_ino)] != '\0'))
			continue;
		n = strlen(ev);
		memcpy(out + used, ev, n);
		used += n;
		out[used++] = '\n';
		(*count)++;
	}
	free(text);
	return out;
}

/* One line for a TAP comment: the events' newlines as '|'. */
static char *one_line(char *s)
{
	char *c;

	for (c = s; *c; c++)
		if (*c == '\n')
			*c = '|';
	return s;
}

/*
 * dma_buf_release fires once, when the last reference goes: not at close()
 * while a mapping still holds the buffer, and then at munmap().
 */
static void t_trace_release(struct result *r)
{
	char want[160];
	unsigned long ino;
	int fd, exp, n, on;
	char *ev, *p;

	on = trace_start(r, "dma_buf_release");
	if (on <= 0)
		return;
	fd = any_buf(r, 2 * PAGE, &exp);
	if (fd < 0)
		goto out;
	ino = ino_of(fd);
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		FAIL(r, "mmap: %s", strerror(errno));
		goto out;
	}
	ev = trace_stop(r, "dma_buf_release", ino, &n);
	free(ev);
	if (n != 0)
		FAIL(r, "%d release events for inode %lu while it is mapped",
		     n, ino);
	trace_start(r, "dma_buf_release");
	munmap(p, 2 * PAGE);
	ev = trace_stop(r, "dma_buf_release", ino, &n);
	if (!ev)
		return;
	snprintf(want, sizeof(want), "exp_name=%s size=%d ino=%lu\n",
		 exp_name[exp], 2 * PAGE, ino);
	if (n != 1)
		FAIL(r, "%d release events for inode %lu after munmap, want 1",
		     n, ino);
	else if (strcmp(ev, want) != 0)
		FAIL(r, "release event \"%.*s\", want \"%.*s\"",
		     (int)strcspn(ev, "\n"), ev, (int)strcspn(want, "\n"),
		     want);
	free(ev);
	return;
out:
	free(trace_stop(r, "dma_buf_release", 0, &n));
}

/*
 * dma_buf_set_name fires once per rename with the old and the new name,
 * escaped as fdinfo escapes them: the newline and the tab of a forged name
 * cannot add a line or a field to the trace.
 */
static void t_trace_set_name(struct result *r)
{
	char want[256];
	unsigned long ino;
	int fd, n, on;
	char *ev;

	on = trace_start(r, "dma_buf_set_name");
	if (on <= 0)
		return;
	fd = any_buf(r, PAGE, NULL);
	if (fd < 0) {
		free(trace_stop(r, "dma_buf_set_name", 0, &n));
		return;
	}
	ino = ino_of(fd);
	if (set_name(fd, "CAMERA") || set_name(fd, FORGED_NAME) ||
	    set_name(fd, "a\\b"))
		FAIL(r, "DMA_BUF_SET_NAME: %s", strerror(errno));
	ev = trace_stop(r, "dma_buf_set_name", ino, &n);
	close(fd);
	if (!ev)
		return;
	snprintf(want, sizeof(want),
		 "ino=%lu old_name= new_name=CAMERA\n"
		 "ino=%lu old_name=CAMERA new_name=" FORGED_ESCAPED "\n"
		 "ino=%lu old_name=" FORGED_ESCAPED " new_name=a\\134b\n",
		 ino, ino, ino);
	if (n != 3)
		FAIL(r, "%d rename events for inode %lu, want 3: %s", n, ino,
		     one_line(ev));
	else if (strcmp(ev, want) != 0)
		FAIL(r, "rename events \"%s\", want \"%s\"", one_line(ev),
		     one_line(want));
	free(ev);
}

/*
 * Lockdep, might_sleep() and WARN_ON() report here.  Runs last, after every
 * path the checks above took in the kernel.
 */
static void t_kernel_log_clean(struct result *r)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "possible circular locking",
		"inconsistent lock state", "possible recursive locking",
		"sleeping function called from invalid context",
	};
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *log;
	size_t i;

	if (len <= 0) {
		SKIP(r, "kernel log not readable: %s", strerror(errno));
		return;
	}
	log = calloc(1, len + 1);
	if (!log) {
		FAIL(r, "out of memory");
		return;
	}
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	if (len < 0) {
		SKIP(r, "kernel log not readable: %s", strerror(errno));
		free(log);
		return;
	}
	log[len] = '\0';
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *hit = strstr(log, bad[i]);

		if (hit)
			FAIL(r, "kernel log: %.*s", (int)strcspn(hit, "\n"),
			     hit);
	}
	free(log);
}

static const struct {
	const char *name;
	void (*fn)(struct result *r);
} tests[] = {
	{ "inode_unique", t_inode_unique },
	{ "size_blocks", t_size_blocks },
	{ "exp_name", t_exp_name },
	{ "name_fdinfo", t_name_fdinfo },
	{ "name_fd_link", t_name_fd_link },
	{ "name_maps", t_name_maps },
	{ "name_bufinfo", t_name_bufinfo },
	{ "get_name", t_get_name },
	{ "get_name_max", t_get_name_max },
	{ "get_name_unnamed", t_get_name_unnamed },
	{ "get_name_raw", t_get_name_raw },
	{ "fdinfo_count", t_fdinfo_count },
	{ "mapped_only", t_mapped_only },
	{ "attachments_fdinfo", t_attachments_fdinfo },
	{ "attachments_churn", t_attachments_churn },
	{ "name_forge_fdinfo", t_name_forge_fdinfo },
	{ "name_forge_bufinfo", t_name_forge_bufinfo },
	{ "name_plain_fdinfo", t_name_plain_fdinfo },
	{ "name_plain_bufinfo", t_name_plain_bufinfo },
	{ "trace_release", t_trace_release },
	{ "trace_set_name", t_trace_set_name },
	{ "kernel_log_clean", t_kernel_log_clean },
};

int main(void)
{
	int counts[4] = { 0 };
	size_t i;
	int exp;

	heap_fd = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	udmabuf_dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	vgem_fd = find_vgem();

	printf("TAP version 13\n");
	printf("# exporters:");
	for (exp = 0; exp < EXP_NR; exp++)
		if (have(exp))
			printf(" %s", exp_label[exp]);
	printf("\n1..%zu\n", ARRAY_SIZE(tests));

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		struct result r = { ST_PASS, "" };

		tests[i].fn(&r);
		counts[r.status]++;
		switch (r.status) {
		case ST_PASS:
			printf("ok %zu %s\n", i + 1, tests[i].name);
			break;
		case ST_FAIL:
			printf("# %s: %s\n", tests[i].name, r.why);
			printf("not ok %zu %s\n", i + 1, tests[i].name);
			break;
		case ST_SKIP:
			printf("ok %zu %s # SKIP %s\n", i + 1, tests[i].name,
			       r.why);
			break;
		case ST_XFAIL:
			printf("ok %zu %s # XFAIL %s\n", i + 1, tests[i].name,
			       r.why);
			break;
		}
		fflush(stdout);
	}
	printf("# Totals: pass:%d fail:%d xfail:%d xpass:0 skip:%d error:0\n",
	       counts[ST_PASS], counts[ST_FAIL], counts[ST_XFAIL],
	       counts[ST_SKIP]);
	return counts[ST_FAIL] ? 1 : 0;
}
