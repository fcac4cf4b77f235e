// SPDX-License-Identifier: GPL-2.0-only
/*
 * Creates real dma-bufs, held by processes in every way a process can hold
 * one, and writes down the truth: which buffers exist and who holds them.
 * The VM checks compare what dmabuffs shows against that truth.
 *
 *   scenario [--demo] [--owners] [--exporter vgem|system|udmabuf] [--bulk PROCS:BUFS] TRUTH
 *   scenario --churn SECONDS:PROCS
 *   scenario --forge INODE:NAME OUT
 *   scenario --rename SECONDS[:BUFS]
 *   scenario --own-fd-table OUT
 *   scenario --handoff OUT
 *   scenario --latency COUNT MOUNT OUT
 *   scenario --export-rate SECONDS[:RATE]
 *
 * When the kernel has cgroup v2, the holders are placed in a small tree of
 * cgroups (tests/vm/README.md), and when a second device can import a
 * buffer (vgem importing a virtio-gpu, system heap or udmabuf buffer), a
 * few buffers get attachments; the truth records both.
 *
 * After setup it writes TRUTH (atomically) and waits. Each SIGUSR1 moves to
 * the next phase and rewrites TRUTH: phase 1 renames OLDNAME to NEWNAME,
 * phase 2 makes the "leaver" and the last bulk processes exit. SIGTERM or
 * SIGINT ends every process. The truth format is in tests/vm/README.md.
 *
 * --owners hands the holders to two users (camera, maponly and a non-dumpable
 * "sealed" holder to uid 1000, compositor and camera-child to uid 1001), for
 * the allow_other checks. --churn writes no truth: PROCS processes create,
 * name, pass, map, close and exit buffers for SECONDS, then it reaps them all
 * and prints what it did.
 *
 * --forge (root) makes ordinary files look like the dma-buf INODE named NAME
 * to anyone who trusts the path and inode columns of /proc/<pid>/maps, holds
 * them by fd and mapping, writes "forge PID INO DEV" to OUT and waits for
 * SIGTERM. --rename renames BUFS buffers (default one) in turn in a tight
 * loop for SECONDS, with a new name every time. --own-fd-table starts a
 * thread that unshares its fd table and makes a buffer named THREADFD there,
 * which /proc/<pid>/fd (the group leader's table) never shows; the copy of
 * the table it starts from holds LEADERFD, the leader's buffer, at the same
 * fd. It writes "ownfd PID TID FD INO LEADERFD-FD LEADERFD-INO" to OUT and
 * waits for SIGTERM.
 *
 * --handoff follows one buffer's life for the event checks: "handoff-exp"
 * exports it, names it HANDOFF, passes it over SCM_RIGHTS and exits, and
 * this process ("handoff") keeps it; it writes "handoff EXPORTER KEEPER INO
 * EXPORTER-FD KEEPER-FD" to OUT. The first SIGUSR1 dups the fd, maps the
 * buffer, renames it HANDED and, for another exporter than vgem, imports
 * it into vgem, which attaches to it ("step 1 DUP-FD DEVICE", DEVICE "-"
 * without), the second closes vgem (the detach), unmaps it and closes both
 * fds, which frees it ("step 2"). Then it waits for SIGTERM.
 *
 * --latency and --export-rate are tests/bench/trace's: the first times
 * COUNT exports to their line on MOUNT/events and their entry in
 * MOUNT/by-inode, the second exports and closes buffers as fast as it can
 * (at most RATE a second) and prints how many it made.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <sched.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/magic.h>
#include <linux/udmabuf.h>

/* The DRM uapi (include/uapi/drm/drm.h, drm_mode.h); libdrm is not needed. */
struct scn_drm_mode_create_dumb {
	uint32_t height, width, bpp, flags;
	uint32_t handle, pitch;
	uint64_t size;
};

struct scn_drm_prime_handle {
	uint32_t handle;
	uint32_t flags;
	int32_t fd;
};

struct scn_drm_gem_close {
	uint32_t handle;
	uint32_t pad;
};

struct scn_drm_version {
	int version_major, version_minor, version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

#define SCN_DRM_IOCTL_VERSION \
	_IOWR('d', 0x00, struct scn_drm_version)

#define SCN_DRM_IOCTL_GEM_CLOSE \
	_IOW('d', 0x09, struct scn_drm_gem_close)
#define SCN_DRM_IOCTL_PRIME_HANDLE_TO_FD \
	_IOWR('d', 0x2d, struct scn_drm_prime_handle)
#define SCN_DRM_IOCTL_PRIME_FD_TO_HANDLE \
	_IOWR('d', 0x2e, struct scn_drm_prime_handle)
#define SCN_DRM_IOCTL_MODE_CREATE_DUMB \
	_IOWR('d', 0xB2, struct scn_drm_mode_create_dumb)

#define KiB 1024ul
#define MiB (1024ul * 1024)

enum exporter { EXP_VGEM, EXP_SYSTEM, EXP_UDMABUF };

static enum exporter exp_kind = EXP_VGEM;
static int drm_fd = -1;		/* vgem, opened once per process */
static char vgem_path[32];	/* vgem's /dev/dri/cardN, "" when absent */
static char vgem_dev[64];	/* vgem's device name, as attachments name it */
static char virtio_path[32];	/* virtio-gpu's card, "" when absent */
static bool attach;		/* this run makes attachments */
static bool have_cgroups;	/* cgroup v2 is there and the holders are placed */
static char my_cgroup[64] = "unknown";	/* this process's cgroup, as placed */
static int report_fd = -1;	/* this process's report file */
static int done_fd = -1;	/* write end of the readiness pipe */
static char report_dir[64];
static bool owners;		/* --owners: holders belong to uids 1000 and 1001 */

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "scenario[%d]: ", getpid());
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const char *exporter_name(void)
{
	switch (exp_kind) {
	case EXP_SYSTEM:
		return "system";
	case EXP_UDMABUF:
		return "udmabuf";
	default:
		return "drm";	/* vgem exports through drm_prime.c */
	}
}

static void report(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || write(report_fd, line, n) != n)
		die("cannot write the report: %m");
}

static uint64_t ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("fstat %d: %m", fd);
	return st.st_ino;
}

static void hex(char *out, const char *s, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[(unsigned char)s[i] >> 4];
		out[2 * i + 1] = digits[(unsigned char)s[i] & 15];
	}
	out[2 * len] = '\0';
}

static void set_name(int fd, const char *name)
{
	if (ioctl(fd, DMA_BUF_SET_NAME_B, name) < 0)
		die("DMA_BUF_SET_NAME %s: %m", name);
}

/*
 * The DRM card whose driver is @driver: its /dev path in @path and, in @dev,
 * the name of the device behind it (what an attachment to it is called:
 * dev_name() of the card's parent, the target of /sys/class/drm/cardN/device).
 * Card numbers follow probe order, so vgem is not always card0.
 */
static bool find_card(const char *driver, char *path, size_t pathsz, char *dev, size_t devsz)
{
	char name[32], link[256], target[256];
	const char *base;
	ssize_t n;
	int i, fd;

	for (i = 0; i < 64; i++) {
		struct scn_drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, pathsz, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (ioctl(fd, SCN_DRM_IOCTL_VERSION, &v) < 0 || v.name_len >= sizeof(name) ||
		    strcmp(name, driver)) {
			close(fd);
			continue;
		}
		close(fd);
		if (dev) {
			snprintf(link, sizeof(link), "/sys/class/drm/card%d/device", i);
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				die("%s: %m", link);
			target[n] = '\0';
			base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
			if (strlen(base) >= devsz)
				die("%s: device name '%s' too long", link, base);
			memcpy(dev, base, strlen(base) + 1);
		}
		return true;
	}
	path[0] = '\0';
	return false;
}

static void open_drm(void)
{
	if (drm_fd >= 0)
		return;
	if (!vgem_path[0])
		die("no vgem card in /dev/dri (is vgem loaded?)");
	drm_fd = open(vgem_path, O_RDWR | O_CLOEXEC);
	if (drm_fd < 0)
		die("%s: %m", vgem_path);
}

/*
 * Allocate one buffer. With @gem_handle (vgem only) the GEM handle is kept
 * open, which keeps the buffer alive after its last fd is closed.
 */
static int alloc_buf(uint64_t size, uint32_t *gem_handle)
{
	int fd = -1;

	switch (exp_kind) {
	case EXP_VGEM: {
		struct scn_drm_mode_create_dumb c = {
			.width = 1024, .height = size / 1024, .bpp = 8,
		};
		struct scn_drm_prime_handle p = { .flags = O_RDWR | O_CLOEXEC };
		struct scn_drm_gem_close gc = { 0 };

		open_drm();
		if (ioctl(drm_fd, SCN_DRM_IOCTL_MODE_CREATE_DUMB, &c) < 0)
			die("DRM_IOCTL_MODE_CREATE_DUMB: %m");
		p.handle = c.handle;
		if (ioctl(drm_fd, SCN_DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) < 0)
			die("DRM_IOCTL_PRIME_HANDLE_TO_FD: %m");
		fd = p.fd;
		if (gem_handle) {
			*gem_handle = c.handle;
		} else {
			gc.handle = c.handle;
			if (ioctl(drm_fd, SCN_DRM_IOCTL_GEM_CLOSE, &gc) < 0)
				die("DRM_IOCTL_GEM_CLOSE: %m");
		}
		break;
	}
	case EXP_SYSTEM: {
		struct dma_heap_allocation_data a = {
			.len = size, .fd_flags = O_RDWR | O_CLOEXEC,
		};
		int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);

		if (heap < 0)
			die("/dev/dma_heap/system: %m");
		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a) < 0)
			die("DMA_HEAP_IOCTL_ALLOC: %m");
		close(heap);
		fd = a.fd;
		break;
	}
	case EXP_UDMABUF: {
		struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
		int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
		int mfd = memfd_create("scenario", MFD_ALLOW_SEALING | MFD_CLOEXEC);

		if (dev < 0 || mfd < 0)
			die("/dev/udmabuf or memfd: %m");
		if (ftruncate(mfd, size) < 0 || fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
			die("memfd: %m");
		c.memfd = mfd;
		fd = ioctl(dev, UDMABUF_CREATE, &c);
		if (fd < 0)
			die("UDMABUF_CREATE: %m");
		close(mfd);
		close(dev);
		break;
	}
	}
	return fd;
}

/*
 * Make a buffer, name it (name NULL: unnamed) and record it. Returns the
 * dma-buf fd; the caller records how it holds it.
 */
static int record_buf(int fd, uint64_t size, const char *exporter, const char *name,
		      size_t name_len, bool kernel)
{
	char namehex[2 * 32 + 1];
	struct stat st;

	if (name)
		set_name(fd, name);
	if (fstat(fd, &st) < 0)
		die("fstat: %m");
	if ((uint64_t)st.st_size != size)
		die("asked for %lu bytes, the kernel made %lld", (unsigned long)size,
		    (long long)st.st_size);
	if (name)
		hex(namehex, name, name_len);
	report("buf %lu %lu %s %s %s\n", (unsigned long)st.st_ino, (unsigned long)size,
	       exporter, name ? namehex : "-", kernel ? "kernel" : "user");
	return fd;
}

static int make_buf(uint64_t size, const char *name, size_t name_len,
		    uint32_t *gem_handle)
{
	return record_buf(alloc_buf(size, gem_handle), size, exporter_name(), name,
			  name_len, gem_handle != NULL);
}

/*
 * A buffer exported by virtio-gpu (a dumb buffer: 32 bpp, 1 KiB a row). Its
 * dma_buf_ops are virtio-gpu's own, so vgem importing it attaches to it;
 * vgem importing one of its own buffers takes the same-device short cut of
 * drm_gem_prime_import_dev() and attaches nothing.
 */
static int make_virtio_buf(uint64_t size, const char *name, size_t name_len)
{
	struct scn_drm_mode_create_dumb c = {
		.width = 256, .height = size / 1024, .bpp = 32,
	};
	struct scn_drm_prime_handle p = { .flags = O_RDWR | O_CLOEXEC };
	struct scn_drm_gem_close gc = { 0 };
	int card = open(virtio_path, O_RDWR | O_CLOEXEC);

	if (card < 0)
		die("%s: %m", virtio_path);
	if (ioctl(card, SCN_DRM_IOCTL_MODE_CREATE_DUMB, &c) < 0)
		die("virtio-gpu DRM_IOCTL_MODE_CREATE_DUMB: %m");
	p.handle = c.handle;
	if (ioctl(card, SCN_DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) < 0)
		die("virtio-gpu DRM_IOCTL_PRIME_HANDLE_TO_FD: %m");
	/* The dma-buf keeps the object; the card is not needed any more. */
	gc.handle = c.handle;
	if (ioctl(card, SCN_DRM_IOCTL_GEM_CLOSE, &gc) < 0)
		die("virtio-gpu DRM_IOCTL_GEM_CLOSE: %m");
	close(card);
	return record_buf(p.fd, size, "virtio_gpu", name, name_len, false);
}

/*
 * Import @fd into this process's vgem file and keep the handle: vgem stays
 * attached to the buffer (and holds a reference on it) while the process
 * lives. Each import from another file is an attachment of its own.
 */
static void attach_vgem(int fd)
{
	struct scn_drm_prime_handle p = { .fd = fd };

	open_drm();
	if (ioctl(drm_fd, SCN_DRM_IOCTL_PRIME_FD_TO_HANDLE, &p) < 0)
		die("vgem DRM_IOCTL_PRIME_FD_TO_HANDLE: %m");
	report("attach %lu %d %s\n", (unsigned long)ino_of(fd), getpid(), vgem_dev);
}

static void hold_fd(int fd)
{
	report("fd %lu %d %d\n", (unsigned long)ino_of(fd), getpid(), fd);
}

static void *map_buf(int fd, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap: %m");
	report("map %lu %d\n", (unsigned long)ino_of(fd), getpid());
	return p;
}

static void send_fd(int sock, int fd)
{
	char c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) != 1)
		die("sendmsg: %m");
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd;

	switch (recvmsg(sock, &m, 0)) {
	case 1:
		break;
	case 0:
		die("the process that was to send an fd exited");
	default:
		die("recvmsg: %m");
	}
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		die("no fd received");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * Switch every uid and gid to @uid. A uid change makes the process
 * non-dumpable, which hides its fds from its owner in procfs; make it
 * dumpable again unless @hidden.
 */
static void become(uid_t uid, bool hidden)
{
	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		die("cannot become uid %u: %m", (unsigned int)uid);
	if (prctl(PR_SET_DUMPABLE, hidden ? 0 : 1) < 0)
		die("PR_SET_DUMPABLE: %m");
	/* A change of credentials clears the parent-death signal: arm it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		die("PR_SET_PDEATHSIG: %m");
	if (getppid() == 1)
		die("the parent exited before uid %u was taken", (unsigned int)uid);
}

/* The owner of a holder process with --owners (0: stays root). */
static uid_t owner_of(const char *comm)
{
	if (!strcmp(comm, "camera") || !strcmp(comm, "maponly") || !strcmp(comm, "sealed"))
		return 1000;
	if (!strcmp(comm, "compositor") || !strcmp(comm, "camera-child"))
		return 1001;
	return 0;
}

/* --- cgroups --------------------------------------------------------------- */

#define CGROUP_MNT "/sys/fs/cgroup"

/*
 * The holders' cgroups (with cgroup v2): CAMERA's 2 MiB buffer is shared
 * across two services (camera and compositor), b.service and c.service
 * each have two processes sharing buffers, d.service holds buffers of its
 * own and has a child, and a.slice and x.slice hold nothing themselves. A
 * digits-only name and a name with a space test the escaping.
 */
static const char *const cgroup_dirs[] = {
	"/a.slice", "/a.slice/b.service", "/a.slice/c.service", "/a.slice/d.service",
	"/a.slice/d.service/e.scope", "/x.slice", "/x.slice/42", "/x.slice/y service",
};

static const char *cgroup_of(const char *comm, int index)
{
	if (!strcmp(comm, "camera"))
		return "/a.slice/b.service";	/* camera-child inherits it */
	if (!strcmp(comm, "compositor") || !strcmp(comm, "leaver"))
		return "/a.slice/c.service";
	if (!strcmp(comm, "oddnames"))
		return "/a.slice/d.service";
	if (!strcmp(comm, "maponly") || !strcmp(comm, "sealed"))
		return "/a.slice/d.service/e.scope";
	if (!strncmp(comm, "bulk", 4))
		return index % 3 == 0 ? "/x.slice/42" : index % 3 == 1 ? "/x.slice/y service" : "/";
	return "/";
}

static bool kernel_has_cgroup2(void)
{
	char buf[4096];
	ssize_t n;
	int fd = open("/proc/filesystems", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("/proc/filesystems: %m");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		die("/proc/filesystems: %m");
	buf[n] = '\0';
	return strstr(buf, "\tcgroup2\n") != NULL;
}

/* Move this process into @path (a cgroup v2 path); its children inherit it. */
static void enter_cgroup(const char *path)
{
	char file[128], pid[16];
	int fd, n;

	if (!have_cgroups)
		return;
	snprintf(file, sizeof(file), CGROUP_MNT "%s/cgroup.procs", strcmp(path, "/") ? path : "");
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, n) != n)
		die("cannot move into cgroup %s (%s): %m", path, file);
	close(fd);
	snprintf(my_cgroup, sizeof(my_cgroup), "%s", path);
}

/*
 * Mount cgroup v2 if the guest has not, make the cgroups, and put the
 * orchestrator in the root cgroup. Without cgroup v2 (a kernel without
 * cgroups) every process's cgroup is unknown.
 */
static void setup_cgroups(void)
{
	char path[128];
	struct statfs sf;
	size_t i;

	if (!kernel_has_cgroup2()) {
		fprintf(stderr, "scenario: no cgroup2 in this kernel: every process's cgroup is unknown\n");
		return;
	}
	if ((statfs(CGROUP_MNT, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) &&
	    mount("cgroup2", CGROUP_MNT, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount cgroup2 on " CGROUP_MNT ": %m");
	for (i = 0; i < sizeof(cgroup_dirs) / sizeof(cgroup_dirs[0]); i++) {
		snprintf(path, sizeof(path), CGROUP_MNT "%s", cgroup_dirs[i]);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir %s: %m", path);
	}
	have_cgroups = true;
	enter_cgroup("/");
}

/* --- processes ------------------------------------------------------------ */

#define MAX_CHILDREN 512

struct child {
	pid_t pid;
	bool leaver;		/* exits in phase 2 */
};

static struct child children[MAX_CHILDREN];
static int nchildren;

/* Close everything but stdio and the given fds (a child starts clean). */
static void close_others(const int *keep, int nkeep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd, i, dfd;

	if (!d)
		die("/proc/self/fd: %m");
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd <= 2 || fd == dfd || fd == done_fd)
			continue;
		for (i = 0; i < nkeep && keep[i] != fd; i++)
			;
		if (i == nkeep)
			close(fd);
	}
	closedir(d);
	drm_fd = -1;
}

static void open_report(void)
{
	char path[sizeof(report_dir) + 258];

	snprintf(path, sizeof(path), "%s/%d", report_dir, getpid());
	report_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (report_fd < 0)
		die("%s: %m", path);
}

/* This process's setup is complete: say so, then hold everything until killed. */
static _Noreturn void report_done_and_wait(const char *comm)
{
	char c = 'r';

	report("proc %d %u %s\n", getpid(), (unsigned int)getuid(), comm);
	report("cgroup %d %s\n", getpid(), my_cgroup);
	close(report_fd);
	if (write(done_fd, &c, 1) != 1)
		die("readiness pipe: %m");
	for (;;)
		pause();
}

/* Fork a holder process running @fn in cgroup @cgroup; @keep are fds it needs. */
static pid_t spawn(const char *comm, const char *cgroup, bool leaver, void (*fn)(void *),
		   void *arg, const int *keep, int nkeep)
{
	pid_t pid;

	if (nchildren == MAX_CHILDREN)
		die("too many processes");
	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGUSR1, SIG_IGN);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, comm);
		close_others(keep, nkeep);
		open_report();
		/* As root, before any uid change: a user may not move itself. */
		enter_cgroup(cgroup);
		fn(arg);
		if (owners && owner_of(comm))
			become(owner_of(comm), !strcmp(comm, "sealed"));
		report_done_and_wait(comm);
	}
	children[nchildren].pid = pid;
	children[nchildren].leaver = leaver;
	nchildren++;
	return pid;
}

struct camera_arg {
	int to_compositor;
};

static void camera_child(int a, int b, int b2, int c)
{
	/* Inherited across fork: the same fds and the mapping of A. */
	prctl(PR_SET_NAME, "camera-child");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	report_fd = -1;
	open_report();
	hold_fd(a);
	hold_fd(b);
	hold_fd(b2);
	hold_fd(c);
	report("map %lu %d\n", (unsigned long)ino_of(a), getpid());
	if (owners)
		become(owner_of("camera-child"), false);
	report_done_and_wait("camera-child");
}

static void camera(void *arg)
{
	struct camera_arg *ca = arg;
	int a, b, b2, c;
	pid_t pid;

	a = make_buf(1 * MiB, "CAMERA", 6, NULL);
	hold_fd(a);
	map_buf(a, 1 * MiB);
	b = make_buf(1 * MiB, "CAMERA", 6, NULL);
	hold_fd(b);
	b2 = dup(b);
	if (b2 < 0)
		die("dup: %m");
	hold_fd(b2);
	c = make_buf(2 * MiB, "CAMERA", 6, NULL);
	hold_fd(c);
	/* A vgem buffer gets no attachment from vgem (see make_virtio_buf). */
	if (attach && exp_kind != EXP_VGEM)
		attach_vgem(c);
	send_fd(ca->to_compositor, c);
	close(ca->to_compositor);

	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		close(report_fd);
		camera_child(a, b, b2, c);
	}
	/* The child reports on its own; the orchestrator waits for one more. */
}

struct compositor_arg {
	int from_camera, to_leaver;
};

static void compositor(void *arg)
{
	struct compositor_arg *co = arg;
	int c = recv_fd(co->from_camera);
	int fb, scanout = -1;

	/* Held by a mapping only: the fd that came over SCM_RIGHTS is closed. */
	map_buf(c, 2 * MiB);
	close(c);
	close(co->from_camera);
	fb = make_buf(512 * KiB, "FRAMEBUFFER", 11, NULL);
	hold_fd(fb);
	/*
	 * The buffer vgem attaches to: FRAMEBUFFER itself when another exporter
	 * made it, else a virtio-gpu SCANOUT. The leaver imports it too, so it
	 * has two attachments to one device until the leaver exits.
	 */
	if (attach && exp_kind == EXP_VGEM) {
		scanout = make_virtio_buf(256 * KiB, "SCANOUT", 7);
		hold_fd(scanout);
		attach_vgem(scanout);
	} else if (attach) {
		attach_vgem(fb);
	}
	if (co->to_leaver >= 0) {
		send_fd(co->to_leaver, fb);
		if (scanout >= 0)
			send_fd(co->to_leaver, scanout);
		close(co->to_leaver);
	}
}

static void leaver(void *arg)
{
	int sock = *(int *)arg;
	int fb = recv_fd(sock);
	int scanout = attach && exp_kind == EXP_VGEM ? recv_fd(sock) : -1;

	close(sock);
	hold_fd(fb);
	if (scanout >= 0) {
		hold_fd(scanout);
		attach_vgem(scanout);
	} else if (attach) {
		attach_vgem(fb);
	}
}

static void maponly(void *arg)
{
	int fd = make_buf(256 * KiB, "MAPONLY", 7, NULL);

	(void)arg;
	map_buf(fd, 256 * KiB);
	if (arg)	/* full scenario: two mappings of one buffer */
		map_buf(fd, 256 * KiB);
	close(fd);
}

static void oddnames(void *arg)
{
	static const struct { const char *s; size_t len; } names[] = {
#define N(s) { s, sizeof(s) - 1 }
		N("a/b"), N("with space"), N("new\nline"), N("tab\there"),
		N("%41"), N("%"), N(".."), N("."),
		N("0123456789012345678901234567890"),
		N("\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9"),	/* カメラ */
		N("back\\slash"), N("del\x7f"), N("X\nsize:\t1"),
#undef N
	};
	size_t i;
	int fd;

	(void)arg;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fd = make_buf(64 * KiB, names[i].s, names[i].len, NULL);
		hold_fd(fd);
	}
	fd = make_buf(64 * KiB, NULL, 0, NULL);
	hold_fd(fd);
}

static void sealed(void *arg)
{
	(void)arg;
	hold_fd(make_buf(64 * KiB, "SEALED", 6, NULL));
}

struct bulk_arg {
	int index, nbufs;
};

static void bulk(void *arg)
{
	struct bulk_arg *ba = arg;
	char name[16];
	uint64_t size;
	int i, fd, len;

	len = snprintf(name, sizeof(name), "bulk%02d", ba->index);
	for (i = 0; i < ba->nbufs; i++) {
		size = (uint64_t)(1 + i % 4) * 4 * KiB;
		fd = make_buf(size, i % 5 == 4 ? NULL : name, len, NULL);
		hold_fd(fd);
		if (i % 4 == 3)
			map_buf(fd, size);
	}
}

/* --- the truth -------------------------------------------------------------- */

struct rec {
	char kind;		/* 'b'uf, 'f'd, 'm'ap, 'p'roc, 'c'group, 'a'ttachment */
	uint64_t ino;
	pid_t pid;
	int fd;
	char text[96];		/* buf: "size exporter namehex kind"; proc: "uid comm";
				   cgroup: the path; attachment: the device */
	bool gone;
};

static struct rec *recs;
static size_t nrecs, recs_cap;

static struct rec *new_rec(void)
{
	if (nrecs == recs_cap) {
		recs_cap = recs_cap ? 2 * recs_cap : 4096;
		recs = realloc(recs, recs_cap * sizeof(*recs));
		if (!recs)
			die("out of memory");
	}
	memset(&recs[nrecs], 0, sizeof(*recs));
	return &recs[nrecs++];
}

static void load_report(const char *path)
{
	char line[256];
	unsigned long ino;
	FILE *f = fopen(path, "re");
	struct rec *r;
	int pid, fd, n;

	if (!f)
		die("%s: %m", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		r = new_rec();
		if (sscanf(line, "buf %lu %n", &ino, &n) == 1) {
			r->kind = 'b';
			r->ino = ino;
			snprintf(r->text, sizeof(r->text), "%s", line + n);
		} else if (sscanf(line, "fd %lu %d %d", &ino, &pid, &fd) == 3) {
			r->kind = 'f';
			r->ino = ino;
			r->pid = pid;
			r->fd = fd;
		} else if (sscanf(line, "map %lu %d", &ino, &pid) == 2) {
			r->kind = 'm';
			r->ino = ino;
			r->pid = pid;
		} else if (sscanf(line, "proc %d %n", &pid, &n) == 1) {
			r->kind = 'p';
			r->pid = pid;
			snprintf(r->text, sizeof(r->text), "%s", line + n);
		} else if (sscanf(line, "cgroup %d %n", &pid, &n) == 1) {
			r->kind = 'c';
			r->pid = pid;
			snprintf(r->text, sizeof(r->text), "%s", line + n);
		} else if (sscanf(line, "attach %lu %d %n", &ino, &pid, &n) == 2) {
			r->kind = 'a';
			r->ino = ino;
			r->pid = pid;
			snprintf(r->text, sizeof(r->text), "%s", line + n);
		} else {
			die("%s: bad line '%s'", path, line);
		}
	}
	fclose(f);
}

static int rec_cmp(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;

	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->fd - b->fd;
}

/*
 * A buffer lives while a process holds it or the kernel does: a GEM handle
 * of its exporter, or an importer's attachment.
 */
static bool buf_alive(size_t bi)
{
	size_t i;

	if (strstr(recs[bi].text, " kernel"))
		return true;
	for (i = bi + 1; i < nrecs && recs[i].ino == recs[bi].ino; i++)
		if (!recs[i].gone && strchr("fma", recs[i].kind))
			return true;
	return false;
}

static void write_truth(const char *path, int phase)
{
	char tmp[4096];
	FILE *f;
	size_t i, j, k;
	int maps;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		die("%s: %m", tmp);
	/* Records sort as (ino, pid, kind, fd); proc records have ino 0. */
	qsort(recs, nrecs, sizeof(*recs), rec_cmp);
	fprintf(f, "# dmabuffs scenario truth (tests/vm/README.md)\nphase %d\n", phase);
	for (i = 0; i < nrecs; i++) {
		if (recs[i].kind != 'b' || recs[i].gone || !buf_alive(i))
			continue;
		fprintf(f, "buf %lu %s\n", (unsigned long)recs[i].ino, recs[i].text);
		for (j = i + 1; j < nrecs && recs[j].ino == recs[i].ino; j = k) {
			pid_t pid = recs[j].pid;
			bool first = true;

			maps = 0;
			for (k = j; k < nrecs && recs[k].ino == recs[i].ino && recs[k].pid == pid; k++)
				if (!recs[k].gone && recs[k].kind == 'm')
					maps++;
			for (k = j; k < nrecs && recs[k].ino == recs[i].ino && recs[k].pid == pid; k++) {
				if (recs[k].gone || recs[k].kind != 'f')
					continue;
				if (first)
					fprintf(f, "hold %lu %d ", (unsigned long)recs[i].ino, pid);
				fprintf(f, "%s%d", first ? "" : ",", recs[k].fd);
				first = false;
			}
			if (first && maps)
				fprintf(f, "hold %lu %d -", (unsigned long)recs[i].ino, pid);
			if (!first || maps)
				fprintf(f, " %d\n", maps);
		}
		for (j = i + 1; j < nrecs && recs[j].ino == recs[i].ino; j++)
			if (recs[j].kind == 'a' && !recs[j].gone)
				fprintf(f, "attach %lu %s\n", (unsigned long)recs[i].ino, recs[j].text);
	}
	for (i = 0; i < nrecs; i++)
		if (recs[i].kind == 'p' && !recs[i].gone)
			fprintf(f, "proc %d %s\n", recs[i].pid, recs[i].text);
	for (i = 0; i < nrecs; i++)
		if (recs[i].kind == 'c' && !recs[i].gone)
			fprintf(f, "cgroup %d %s\n", recs[i].pid, recs[i].text);
	fprintf(f, "end\n");
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		die("%s: %m", path);
}

/* --- churn ------------------------------------------------------------------ */

struct churn_stats {
	unsigned long bufs, passes, maps, procs;
};

static struct churn_stats *stats;	/* shared by every churn process */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One churn process: a few rounds of make a buffer, name it, pass it to a
 * short-lived child that maps it, closes the fd and exits; then exit too.
 */
static _Noreturn void churn_worker(int index, uint64_t deadline)
{
	static const char *const names[] = {
		"churn", "X\nsize:\t1", "a/b", "..", "\xe3\x82\xab", "",
	};
	unsigned int seed = (unsigned int)getpid() * 2654435761u;
	char name[32];
	int round, sv[2], fd, keep;
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "churn");
	drm_fd = -1;	/* a GEM handle namespace of its own */
	for (round = 0; round < 8 && now_ms() < deadline; round++) {
		uint64_t size = (uint64_t)(1 + rand_r(&seed) % 16) * 4 * KiB;
		const char *base = names[rand_r(&seed) % 6];

		fd = alloc_buf(size, NULL);
		snprintf(name, sizeof(name), "%s%s%d", base, *base ? "-" : "", index % 10);
		if (*base)
			set_name(fd, name);
		__atomic_fetch_add(&stats->bufs, 1, __ATOMIC_RELAXED);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die("socketpair: %m");
		pid = fork();
		if (pid < 0)
			die("fork: %m");
		if (pid == 0) {
			void *p;

			close(sv[0]);
			close(fd);
			keep = recv_fd(sv[1]);
			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, keep, 0);
			if (p == MAP_FAILED)
				die("mmap: %m");
			close(keep);
			__atomic_fetch_add(&stats->maps, 1, __ATOMIC_RELAXED);
			usleep(rand_r(&seed) % 20000);
			_exit(0);
		}
		close(sv[1]);
		send_fd(sv[0], fd);
		__atomic_fetch_add(&stats->passes, 1, __ATOMIC_RELAXED);
		close(sv[0]);
		/* Sometimes rename it while the child holds it. */
		if (round % 3 == 2)
			set_name(fd, "renamed");
		close(fd);
		waitpid(pid, NULL, 0);
	}
	_exit(0);
}

/* Keep @nprocs churn processes running for @secs seconds, then reap them all. */
static int churn_main(int secs, int nprocs)
{
	pid_t *pids = calloc(nprocs, sizeof(*pids));
	uint64_t deadline = now_ms() + (uint64_t)secs * 1000;
	int i, status, failed = 0;
	pid_t pid;

	/* Grandchildren left by a killed worker come back here to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!pids || stats == MAP_FAILED)
		die("out of memory");
	while (now_ms() < deadline) {
		for (i = 0; i < nprocs; i++) {
			if (pids[i] > 0)
				continue;
			pid = fork();
			if (pid < 0)
				die("fork: %m");
			if (pid == 0)
				churn_worker(i, deadline);
			pids[i] = pid;
			stats->procs++;
		}
		pid = waitpid(-1, &status, 0);
		if (pid < 0)
			break;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
		for (i = 0; i < nprocs; i++)
			if (pids[i] == pid)
				pids[i] = 0;
	}
	for (i = 0; i < nprocs; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	/* Reap the workers and any grandchild they left. */
	while (wait(NULL) > 0 || errno == EINTR)
		;
	printf("churn: %d s, %lu processes, %lu buffers, %lu passed, %lu mapped, %d failed\n",
	       secs, stats->procs, stats->bufs, stats->passes, stats->maps, failed);
	return failed ? 1 : 0;
}

/* --- forge ------------------------------------------------------------------ */

/* Enough for a dma-buf made before the forger: tmpfs numbers inodes from 1. */
#define FORGE_TRIES (1ul << 20)
#define FORGE_PAGE 4096

static char forged_real[64];	/* "/dmabuf:" NAME, bind-mounted */
static const char forged_plain[] = "/dmabuf:FORGED";

static void forge_cleanup(void)
{
	if (forged_real[0]) {
		umount2(forged_real, MNT_DETACH);
		unlink(forged_real);
	}
	unlink(forged_plain);
}

/* Say why the forgery cannot be made here: a SKIP, never a pass. */
static _Noreturn void forge_skip(const char *out, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	f = fopen(tmp, "we");
	if (!f)
		die("%s: %m", tmp);
	fputs("SKIP ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	if (fclose(f) != 0 || rename(tmp, out) < 0)
		die("%s: %m", out);
	forge_cleanup();
	exit(77);
}

static void *forge_map(const char *path, struct stat *st)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0 || fstat(fd, st) < 0)
		die("%s: %m", path);
	p = mmap(NULL, FORGE_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap %s: %m", path);
	/* The fd stays open: its link reads "/dmabuf:..." as well. */
	return p;
}

/*
 * A tmpfs file whose inode number is @ino (tmpfs hands out numbers in
 * order, so create and unlink until it comes up), bind-mounted on
 * "/dmabuf:@name", and a plain "/dmabuf:FORGED" on /: both look like
 * dma-bufs by path and inode in /proc/<pid>/maps and the fd links; only
 * their device tells them apart.
 */
static int forge_main(unsigned long ino, const char *name, const char *out)
{
	char dir[] = "/tmp/forge.XXXXXX", file[64], page[FORGE_PAGE], tmp[4096];
	struct stat st, st_real, st_plain;
	sigset_t block, old;
	unsigned long tries;
	volatile char *a, *b;
	int fd = -1, sig;
	FILE *f;

	if (geteuid() != 0)
		die("--forge needs root (it mounts)");
	atexit(forge_cleanup);
	if (strlen(name) > 32 || strchr(name, '/'))
		die("--forge wants a dma-buf name (at most 32 bytes, no '/'), not '%s'", name);
	snprintf(forged_real, sizeof(forged_real), "/dmabuf:%s", name);
	if (!mkdtemp(dir))
		die("mkdtemp: %m");
	if (mount("forge", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700") < 0)
		die("mount tmpfs on %s: %m", dir);
	snprintf(file, sizeof(file), "%s/f", dir);
	for (tries = 0; tries < FORGE_TRIES; tries++) {
		fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || fstat(fd, &st) < 0)
			die("%s: %m", file);
		if (st.st_ino == ino)
			break;
		close(fd);
		fd = -1;
		if (unlink(file) < 0)
			die("unlink %s: %m", file);
		if (st.st_ino > ino) {
			umount2(dir, MNT_DETACH);
			rmdir(dir);
			forge_skip(out, "a fresh tmpfs numbered its file %lu, past the buffer's inode %lu",
				   (unsigned long)st.st_ino, ino);
		}
	}
	if (fd < 0) {
		umount2(dir, MNT_DETACH);
		rmdir(dir);
		forge_skip(out, "no tmpfs file got inode %lu in %lu tries", ino, tries);
	}
	memset(page, 'F', sizeof(page));
	if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
		die("write %s: %m", file);
	close(fd);

	fd = open(forged_real, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		die("%s: %m", forged_real);
	close(fd);
	if (mount(file, forged_real, NULL, MS_BIND, NULL) < 0)
		die("bind %s on %s: %m", file, forged_real);
	/* The bind mount keeps the tmpfs alive; its own mount point can go. */
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	fd = open(forged_plain, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
		die("%s: %m", forged_plain);
	close(fd);

	a = forge_map(forged_real, &st_real);
	b = forge_map(forged_plain, &st_plain);
	if (st_real.st_ino != ino)
		die("%s has inode %lu, not %lu", forged_real, (unsigned long)st_real.st_ino, ino);
	(void)a[0];
	(void)b[0];
	prctl(PR_SET_NAME, "forger");

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	f = fopen(tmp, "we");
	if (!f)
		die("%s: %m", tmp);
	fprintf(f, "forge %d %lu %u:%u %s\nforge %d %lu %u:%u %s\nend\n",
		getpid(), (unsigned long)st_real.st_ino, major(st_real.st_dev),
		minor(st_real.st_dev), forged_real,
		getpid(), (unsigned long)st_plain.st_ino, major(st_plain.st_dev),
		minor(st_plain.st_dev), forged_plain);
	if (fclose(f) != 0 || rename(tmp, out) < 0)
		die("%s: %m", out);
	sigwait(&block, &sig);
	forge_cleanup();
	return 0;
}

/* --- rename ------------------------------------------------------------------- */

/*
 * @nbufs buffers, held by fd, renamed in turn "n<counter>" as fast as the
 * kernel allows: every scan of them meets @nbufs names it never saw.
 */
static const char *ownfd_out;
static int leader_fd;
static unsigned long leader_ino;

static void *ownfd_thread(void *arg)
{
	char tmp[256], line[128];
	struct stat st;
	int fd, out;

	(void)arg;
	if (unshare(CLONE_FILES) < 0)
		die("unshare(CLONE_FILES): %m");
	fd = alloc_buf(65536, NULL);
	set_name(fd, "THREADFD");
	if (fstat(fd, &st) < 0)
		die("fstat: %m");
	snprintf(line, sizeof(line), "ownfd %d %d %d %lu %d %lu\n", (int)getpid(),
		 (int)gettid(), fd, (unsigned long)st.st_ino, leader_fd, leader_ino);
	snprintf(tmp, sizeof(tmp), "%s.tmp", ownfd_out);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || write(out, line, strlen(line)) != (ssize_t)strlen(line) ||
	    close(out) < 0 || rename(tmp, ownfd_out) < 0)
		die("%s: %m", ownfd_out);
	for (;;)
		pause();
	return NULL;
}

static int ownfd_main(const char *out)
{
	pthread_t t;

	struct stat st;

	ownfd_out = out;
	prctl(PR_SET_NAME, "ownfd", 0, 0, 0);
	leader_fd = alloc_buf(65536, NULL);
	set_name(leader_fd, "LEADERFD");
	if (fstat(leader_fd, &st) < 0)
		die("fstat: %m");
	leader_ino = (unsigned long)st.st_ino;
	if (pthread_create(&t, NULL, ownfd_thread, NULL))
		die("pthread_create failed");
	for (;;)
		pause();
}

/* --handoff: one buffer's life, step by step (see the head). */
static const char *handoff_out;
static char handoff_text[256];
static volatile sig_atomic_t handoff_go;

static void handoff_step(int sig)
{
	(void)sig;
	handoff_go = 1;
}

/* Add @line to OUT, rewritten whole, so a reader never sees half of it. */
static void handoff_say(const char *fmt, ...)
{
	char tmp[4096];
	size_t n = strlen(handoff_text);
	va_list ap;
	int out;

	va_start(ap, fmt);
	vsnprintf(handoff_text + n, sizeof(handoff_text) - n, fmt, ap);
	va_end(ap);
	snprintf(tmp, sizeof(tmp), "%s.tmp", handoff_out);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || write(out, handoff_text, strlen(handoff_text)) != (ssize_t)strlen(handoff_text) ||
	    close(out) < 0 || rename(tmp, handoff_out) < 0)
		die("%s: %m", handoff_out);
}

static void handoff_wait(sigset_t *old)
{
	while (!handoff_go)
		sigsuspend(old);
	handoff_go = 0;
}

static int handoff_main(const char *out)
{
	struct sigaction sa = { .sa_handler = handoff_step };
	sigset_t block, old;
	int sv[2], fd, efd, dupfd;
	bool attached = false;
	pid_t pid;
	void *p;

	handoff_out = out;
	prctl(PR_SET_NAME, "handoff", 0, 0, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGUSR1, &sa, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair: %m");
	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		prctl(PR_SET_NAME, "handoff-exp", 0, 0, 0);
		fd = alloc_buf(64 * KiB, NULL);
		set_name(fd, "HANDOFF");
		send_fd(sv[1], fd);
		if (write(sv[1], &fd, sizeof(fd)) != sizeof(fd))
			die("write: %m");
		_exit(0);
	}
	fd = recv_fd(sv[0]);
	if (read(sv[0], &efd, sizeof(efd)) != sizeof(efd))
		die("the exporter said no fd");
	if (waitpid(pid, NULL, 0) != pid)
		die("waitpid: %m");
	close(sv[0]);
	close(sv[1]);
	handoff_say("handoff %d %d %lu %d %d\n", (int)pid, (int)getpid(),
		    (unsigned long)ino_of(fd), efd, fd);
	handoff_wait(&old);
	dupfd = dup(fd);
	p = mmap(NULL, 64 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (dupfd < 0 || p == MAP_FAILED)
		die("dup or mmap: %m");
	set_name(fd, "HANDED");
	/*
	 * Another exporter's buffer imported into vgem is attached to it
	 * while the handle lives (vgem's own takes a short cut, no attachment).
	 */
	if (exp_kind != EXP_VGEM && vgem_path[0]) {
		struct scn_drm_prime_handle h = { .fd = fd };

		open_drm();
		if (ioctl(drm_fd, SCN_DRM_IOCTL_PRIME_FD_TO_HANDLE, &h) < 0)
			die("vgem DRM_IOCTL_PRIME_FD_TO_HANDLE: %m");
		attached = true;
	}
	handoff_say("step 1 %d %s\n", dupfd, attached ? vgem_dev : "-");
	handoff_wait(&old);
	/*
	 * Closing the vgem file frees the handle: the detach. Scans see it
	 * only while the buffer lives, so it lives on a while (two of the
	 * checks' 300 ms intervals and more).
	 */
	if (attached) {
		close(drm_fd);
		usleep(1500 * 1000);
	}
	munmap(p, 64 * KiB);
	close(dupfd);
	close(fd);
	handoff_say("step 2\n");
	for (;;)
		pause();
}

static int rename_main(int secs, int nbufs)
{
	uint64_t deadline = now_ms() + (uint64_t)secs * 1000;
	unsigned long n = 0;
	char name[32];
	int *fds = calloc(nbufs, sizeof(*fds));
	int i;

	if (!fds)
		die("out of memory");
	prctl(PR_SET_NAME, "renamer");
	for (i = 0; i < nbufs; i++)
		fds[i] = alloc_buf(nbufs == 1 ? 64 * KiB : 4 * KiB, NULL);
	while (now_ms() < deadline) {
		for (i = 0; i < 256; i++) {
			snprintf(name, sizeof(name), "n%lu", n);
			set_name(fds[n++ % nbufs], name);
		}
	}
	printf("rename: %d s, %lu names, %d buffers, first inode %lu\n", secs, n, nbufs,
	       (unsigned long)ino_of(fds[0]));
	for (i = 0; i < nbufs; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

/* --- latency and export rate (tests/bench/trace) ---------------------------- */

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* The first export or hold line the reader got for each inode. */
struct seen_line {
	unsigned long ino;
	uint64_t at;		/* CLOCK_REALTIME when the read returned it */
	char source[8];		/* trace or scan */
};

static struct {
	pthread_mutex_t lock;
	int fd;
	size_t n;
	struct seen_line lines[4096];
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void seen_add(const char *line, uint64_t at)
{
	char event[16], source[8] = "?";
	unsigned long ino;
	const char *s;
	size_t i;

	if (sscanf(line, "%*s %15s ino=%lu", event, &ino) != 2 ||
	    (strcmp(event, "export") && strcmp(event, "hold")))
		return;
	s = strstr(line, " source=");
	if (s)
		sscanf(s, " source=%7s", source);
	pthread_mutex_lock(&seen.lock);
	for (i = 0; i < seen.n && seen.lines[i].ino != ino; i++)
		;
	if (i == seen.n && i < sizeof(seen.lines) / sizeof(seen.lines[0])) {
		seen.lines[i].ino = ino;
		seen.lines[i].at = at;
		snprintf(seen.lines[i].source, sizeof(seen.lines[i].source), "%s", source);
		seen.n++;
	}
	pthread_mutex_unlock(&seen.lock);
}

/* A poll(2) reader of /dmabuf/events that stamps each read as it returns. */
static void *seen_thread(void *arg)
{
	static char buf[1 << 16];
	size_t have = 0;

	(void)arg;
	for (;;) {
		struct pollfd pfd = { .fd = seen.fd, .events = POLLIN };
		uint64_t at;
		ssize_t r;
		char *p, *nl;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll events: %m");
		at = real_ns();
		while ((r = read(seen.fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
			have += r;
			buf[have] = '\0';
			for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
				*nl = '\0';
				seen_add(p, at);
			}
			have -= p - buf;
			memmove(buf, p, have);
			if (have == sizeof(buf) - 1)
				have = 0;	/* no line is that long */
		}
		if (r == 0)
			die("events: the daemon stopped");
		if (errno != EAGAIN && errno != EINTR)
			die("read events: %m");
	}
	return NULL;
}

static bool seen_get(unsigned long ino, struct seen_line *out)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&seen.lock);
	for (i = 0; i < seen.n; i++)
		if (seen.lines[i].ino == ino) {
			*out = seen.lines[i];
			found = true;
			break;
		}
	pthread_mutex_unlock(&seen.lock);
	return found;
}

/*
 * Is @name listed in @dir? A listing, not a lookup: the daemon caches a
 * lookup of a name that does not exist yet for one refresh interval.
 */
static bool listed(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		die("%s: %m", dir);
	while (!found && (e = readdir(d)))
		found = !strcmp(e->d_name, name);
	closedir(d);
	return found;
}

/*
 * --latency: COUNT exports at random moments (0.3 to 1.3 s apart, out of
 * step with any refresh interval), each timed from the export's return to
 * the first export or hold line for it on MOUNT/events and to its name in
 * the listing of MOUNT/by-inode. Writes "INO LINE-US VIEW-US SOURCE" per
 * export to OUT ("-" for what did not come within 5 s). The buffers stay
 * held until it exits, and vgem's GEM handles open, so that the time is
 * taken right after the export's own ioctl.
 */
static int latency_main(int count, const char *mnt, const char *out)
{
	char path[256], dir[256], name[32];
	unsigned int seed = (unsigned int)getpid() * 2654435761u;
	struct seen_line l;
	pthread_t t;
	FILE *f;
	int k;

	prctl(PR_SET_NAME, "latency", 0, 0, 0);
	snprintf(path, sizeof(path), "%s/events", mnt);
	snprintf(dir, sizeof(dir), "%s/by-inode", mnt);
	seen.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (seen.fd < 0)
		die("%s: %m", path);
	if (pthread_create(&t, NULL, seen_thread, NULL))
		die("pthread_create failed");
	f = fopen(out, "w");
	if (!f)
		die("%s: %m", out);
	for (k = 0; k < count; k++) {
		uint64_t t0, now, line_at = 0, view_at = 0;
		char line_us[24] = "-", view_us[24] = "-";
		unsigned long ino;
		uint32_t handle;
		int fd;

		usleep(300000 + rand_r(&seed) % 1000000);
		fd = alloc_buf(64 * KiB, &handle);
		t0 = now = real_ns();
		ino = ino_of(fd);
		snprintf(name, sizeof(name), "%lu", ino);
		do {
			if (!view_at && listed(dir, name))
				view_at = real_ns();
			if (!line_at && seen_get(ino, &l))
				line_at = l.at;
			if (line_at && view_at)
				break;
			usleep(2000);
			now = real_ns();
		} while (now - t0 < 5000000000u);
		if (!seen_get(ino, &l))
			snprintf(l.source, sizeof(l.source), "-");
		/* Signed: the reader may have the line before this thread reads the clock. */
		if (line_at)
			snprintf(line_us, sizeof(line_us), "%lld",
				 ((long long)line_at - (long long)t0) / 1000);
		if (view_at)
			snprintf(view_us, sizeof(view_us), "%lld",
				 ((long long)view_at - (long long)t0) / 1000);
		fprintf(f, "%lu %s %s %s\n", ino, line_us, view_us, l.source);
		fflush(f);
	}
	if (fclose(f))
		die("%s: %m", out);
	return 0;
}

/*
 * --export-rate: export a 4 KiB buffer and close it, again and again, at
 * most RATE a second (0: no limit), for SECONDS.
 */
static int export_rate_main(int secs, long rate)
{
	uint64_t start = now_ms(), deadline = start + (uint64_t)secs * 1000, now;
	unsigned long n = 0;

	prctl(PR_SET_NAME, "exporter", 0, 0, 0);
	while ((now = now_ms()) < deadline) {
		/* Ahead of the rate: wait for the next one's moment. */
		if (rate > 0 && n >= (now - start) * rate / 1000) {
			usleep(1000);
			continue;
		}
		close(alloc_buf(4 * KiB, NULL));
		n++;
	}
	now = now_ms();
	printf("export-rate: %d s, %lu exports, %.0f a second, pid %d\n", secs, n,
	       n * 1000.0 / (double)(now - start), (int)getpid());
	return 0;
}

/* --- main ---------------------------------------------------------------------- */

static volatile sig_atomic_t got_usr1, got_term;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static void kill_children(bool leavers_only)
{
	int i;

	for (i = 0; i < nchildren; i++) {
		if (children[i].pid <= 0 || (leavers_only && !children[i].leaver))
			continue;
		kill(children[i].pid, SIGKILL);
		waitpid(children[i].pid, NULL, 0);
		children[i].pid = -children[i].pid;
	}
}

static void mark_gone(pid_t pid)
{
	size_t i;

	for (i = 0; i < nrecs; i++)
		if (recs[i].pid == pid && recs[i].kind != 'b')
			recs[i].gone = true;
}

static pid_t orchestrator;

/*
 * The holders that are not the orchestrator's children (camera-child), by
 * the pids they reported. Their parent's death signal is not enough: with
 * --owners camera (uid 1000) may not signal camera-child (uid 1001), which
 * would outlive the scenario and keep its buffers into the next check.
 */
static void kill_grandchildren(void)
{
	size_t i;
	int j;

	for (i = 0; i < nrecs; i++) {
		if (recs[i].kind != 'p' || recs[i].gone || recs[i].pid == getpid())
			continue;
		for (j = 0; j < nchildren; j++)
			if (children[j].pid == recs[i].pid || children[j].pid == -recs[i].pid)
				break;
		if (j == nchildren)
			kill(recs[i].pid, SIGKILL);
	}
}

static void cleanup_reports(void)
{
	char path[sizeof(report_dir) + 258];
	DIR *d;
	struct dirent *e;

	/* atexit handlers survive fork: only the orchestrator cleans up. */
	if (getpid() != orchestrator || !(d = opendir(report_dir)))
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", report_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(report_dir);
}

int main(int argc, char **argv)
{
	const char *truth = NULL;
	bool demo = false;
	int bulk_procs = 50, bulk_bufs = 20, churn_secs = 0, churn_procs = 0;
	int rename_secs = 0, rename_bufs = 1, n;
	unsigned long forge_ino = 0;
	const char *forge_name = NULL, *ownfd = NULL, *handoff = NULL;
	const char *lat_mnt = NULL, *lat_out = NULL;
	int lat_count = 0, rate_secs = 0;
	long rate_max = 0;
	int i, pipefd[2], cam_comp[2], comp_leave[2] = { -1, -1 };
	int expected, got, old_fd = -1, phase = 0;
	uint32_t kernel_handle;
	struct camera_arg ca;
	struct compositor_arg co;
	struct bulk_arg *ba;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	char c;
	DIR *d;
	struct dirent *e;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--demo")) {
			demo = true;
		} else if (!strcmp(argv[i], "--owners")) {
			owners = true;
		} else if (!strcmp(argv[i], "--churn") && i + 1 < argc) {
			if (sscanf(argv[++i], "%d:%d", &churn_secs, &churn_procs) != 2 ||
			    churn_secs < 1 || churn_secs > 3600 || churn_procs < 1 ||
			    churn_procs > 1000)
				die("--churn wants SECONDS:PROCS, not '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--forge") && i + 1 < argc) {
			n = 0;
			if (sscanf(argv[++i], "%lu:%n", &forge_ino, &n) != 1 || !n ||
			    !forge_ino || !argv[i][n])
				die("--forge wants INODE:NAME, not '%s'", argv[i]);
			forge_name = argv[i] + n;
		} else if (!strcmp(argv[i], "--rename") && i + 1 < argc) {
			n = sscanf(argv[++i], "%d:%d", &rename_secs, &rename_bufs);
			if (n < 1 || rename_secs < 1 || rename_secs > 3600 || rename_bufs < 1 ||
			    rename_bufs > 1000)
				die("--rename wants SECONDS[:BUFS], not '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--own-fd-table") && i + 1 < argc) {
			ownfd = argv[++i];
		} else if (!strcmp(argv[i], "--handoff") && i + 1 < argc) {
			handoff = argv[++i];
		} else if (!strcmp(argv[i], "--latency") && i + 3 < argc) {
			lat_count = atoi(argv[++i]);
			if (lat_count < 1 || lat_count > 1000)
				die("--latency wants a COUNT of 1 to 1000, not '%s'", argv[i]);
			lat_mnt = argv[++i];
			lat_out = argv[++i];
		} else if (!strcmp(argv[i], "--export-rate") && i + 1 < argc) {
			n = sscanf(argv[++i], "%d:%ld", &rate_secs, &rate_max);
			if (n < 1 || rate_secs < 1 || rate_secs > 3600 || rate_max < 0)
				die("--export-rate wants SECONDS[:RATE], not '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--exporter") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "vgem"))
				exp_kind = EXP_VGEM;
			else if (!strcmp(argv[i], "system"))
				exp_kind = EXP_SYSTEM;
			else if (!strcmp(argv[i], "udmabuf"))
				exp_kind = EXP_UDMABUF;
			else
				die("unknown exporter '%s' (vgem, system or udmabuf)", argv[i]);
		} else if (!strcmp(argv[i], "--bulk") && i + 1 < argc) {
			if (sscanf(argv[++i], "%d:%d", &bulk_procs, &bulk_bufs) != 2 ||
			    bulk_procs < 0 || bulk_procs > 400 || bulk_bufs < 0 || bulk_bufs > 1000)
				die("--bulk wants PROCS:BUFS, not '%s'", argv[i]);
		} else if (argv[i][0] != '-' && !truth && !churn_secs && !rename_secs) {
			truth = argv[i];
		} else {
			fprintf(stderr, "usage: scenario [--demo] [--owners] "
				"[--exporter vgem|system|udmabuf] [--bulk PROCS:BUFS] TRUTH\n"
				"       scenario [--exporter vgem|system|udmabuf] --churn SECONDS:PROCS\n"
				"       scenario --forge INODE:NAME OUT\n"
				"       scenario [--exporter vgem|system|udmabuf] --rename SECONDS[:BUFS]\n"
				"       scenario [--exporter vgem|system|udmabuf] --own-fd-table OUT\n"
				"       scenario [--exporter vgem|system|udmabuf] --handoff OUT\n"
				"       scenario [--exporter vgem|system|udmabuf] --latency COUNT MOUNT OUT\n"
				"       scenario [--exporter vgem|system|udmabuf] --export-rate SECONDS[:RATE]\n");
			return 1;
		}
	}
	if (forge_name) {
		if (!truth)
			die("--forge wants an output file");
		return forge_main(forge_ino, forge_name, truth);
	}
	if (!truth && !churn_secs && !rename_secs && !ownfd && !handoff && !lat_count &&
	    !rate_secs)
		die("no truth file given");
	if (demo)
		bulk_procs = 0;

	/* Fail once, with one line, when the kernel has no such exporter. */
	find_card("vgem", vgem_path, sizeof(vgem_path), vgem_dev, sizeof(vgem_dev));
	if (exp_kind == EXP_VGEM) {
		open_drm();
	} else {
		const char *dev = exp_kind == EXP_SYSTEM ? "/dev/dma_heap/system" : "/dev/udmabuf";

		if (access(dev, R_OK) < 0)
			die("%s: %m", dev);
	}
	if (churn_secs) {
		if (drm_fd >= 0)
			close(drm_fd);
		drm_fd = -1;
		return churn_main(churn_secs, churn_procs);
	}
	if (rename_secs)
		return rename_main(rename_secs, rename_bufs);
	if (ownfd)
		return ownfd_main(ownfd);
	if (handoff)
		return handoff_main(handoff);
	if (lat_count)
		return latency_main(lat_count, lat_mnt, lat_out);
	if (rate_secs)
		return export_rate_main(rate_secs, rate_max);

	setup_cgroups();
	/*
	 * Attachments need a second device: vgem importing another exporter's
	 * buffer.
	 */
	if (exp_kind == EXP_VGEM) {
		attach = find_card("virtio_gpu", virtio_path, sizeof(virtio_path), NULL, 0);
		if (!attach)
			fprintf(stderr, "scenario: no virtio-gpu card (module or device missing): "
				"no attachments (vgem does not attach to its own buffers)\n");
	} else {
		attach = vgem_path[0] != '\0';
		if (!attach)
			fprintf(stderr, "scenario: no vgem card to import into: no attachments\n");
	}

	snprintf(report_dir, sizeof(report_dir), "/tmp/scenario.XXXXXX");
	if (!mkdtemp(report_dir))
		die("mkdtemp: %m");
	orchestrator = getpid();
	atexit(cleanup_reports);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("pipe: %m");
	done_fd = pipefd[1];
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Children start with the signals unblocked again. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cam_comp) < 0)
		die("socketpair: %m");
	if (!demo && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, comp_leave) < 0)
		die("socketpair: %m");

#define SPAWN(comm, index, leaver, fn, arg, ...) do {				\
		int keep_[] = { __VA_ARGS__ };					\
		sigprocmask(SIG_SETMASK, &old, NULL);				\
		spawn(comm, cgroup_of(comm, index), leaver, fn, arg, keep_,	\
		      sizeof(keep_) / sizeof(int));				\
		sigprocmask(SIG_BLOCK, &block, NULL);				\
	} while (0)

	expected = 0;
	ca.to_compositor = cam_comp[0];
	SPAWN("camera", 0, false, camera, &ca, cam_comp[0]);
	expected += 2;	/* camera and camera-child */
	co.from_camera = cam_comp[1];
	co.to_leaver = comp_leave[0];
	SPAWN("compositor", 0, false, compositor, &co, cam_comp[1], comp_leave[0]);
	expected++;
	close(cam_comp[0]);
	close(cam_comp[1]);
	if (!demo) {
		SPAWN("leaver", 0, true, leaver, &comp_leave[1], comp_leave[1]);
		expected++;
		close(comp_leave[0]);
		close(comp_leave[1]);
	}
	SPAWN("maponly", 0, false, maponly, demo ? NULL : (void *)1, -1);
	expected++;
	if (!demo) {
		SPAWN("oddnames", 0, false, oddnames, NULL, -1);
		expected++;
	}
	if (owners) {
		SPAWN("sealed", 0, false, sealed, NULL, -1);
		expected++;
	}
	ba = calloc(bulk_procs ? bulk_procs : 1, sizeof(*ba));
	for (i = 0; i < bulk_procs; i++) {
		char comm[16];

		ba[i].index = i;
		ba[i].nbufs = bulk_bufs;
		snprintf(comm, sizeof(comm), "bulk%02d", i);
		/* The last fifth of them exit in phase 2. */
		SPAWN(comm, i, i >= bulk_procs - bulk_procs / 5, bulk, &ba[i], -1);
		expected++;
	}

	/* The orchestrator's own: a kernel-only buffer and the one it renames. */
	open_report();
	if (exp_kind == EXP_VGEM) {
		int fd = make_buf(128 * KiB, "KERNELONLY", 10, &kernel_handle);

		close(fd);	/* the GEM handle keeps it alive, held by no process */
	}
	if (!demo || owners) {
		old_fd = make_buf(64 * KiB, "OLDNAME", 7, NULL);
		hold_fd(old_fd);
	}
	report("proc %d %u scenario\n", getpid(), (unsigned int)getuid());
	report("cgroup %d %s\n", getpid(), my_cgroup);
	close(report_fd);
	close(done_fd);

	/* A holder that dies during setup never reports: notice it and stop. */
	for (got = 0; got < expected;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		pid_t dead;

		if (poll(&pfd, 1, 200) > 0) {
			if (read(pipefd[0], &c, 1) != 1)
				die("readiness pipe: %m");
			got++;
		} else if ((dead = waitpid(-1, NULL, WNOHANG)) > 0) {
			kill_children(false);
			die("holder process %d failed during setup", (int)dead);
		}
	}
	d = opendir(report_dir);
	if (!d)
		die("%s: %m", report_dir);
	while ((e = readdir(d))) {
		char path[sizeof(report_dir) + 258];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", report_dir, e->d_name);
		load_report(path);
	}
	closedir(d);
	cleanup_reports();
	write_truth(truth, phase);

	while (!got_term) {
		sigsuspend(&old);
		if (!got_usr1)
			continue;
		got_usr1 = 0;
		phase++;
		if (phase == 1 && old_fd >= 0) {
			size_t k;

			set_name(old_fd, "NEWNAME");
			for (k = 0; k < nrecs; k++)
				if (recs[k].kind == 'b' && recs[k].ino == ino_of(old_fd))
					snprintf(recs[k].text, sizeof(recs[k].text),
						 "%lu %s 4e45574e414d45 user",
						 (unsigned long)(64 * KiB), exporter_name());
		} else if (phase == 2) {
			for (i = 0; i < nchildren; i++)
				if (children[i].leaver && children[i].pid > 0)
					mark_gone(children[i].pid);
			kill_children(true);
		}
		write_truth(truth, phase);
	}
	kill_children(false);
	kill_grandchildren();
	return 0;
}
