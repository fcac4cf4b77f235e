// SPDX-License-Identifier: GPL-2.0-only
/*
 * Whole scans of synthesized trees for other kernels and bad days: no
 * debugfs, sysfs stats only, fdinfo without ino, pre-5.3 anon inodes,
 * hostile names, vanished and unreadable processes, and the real /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "process.h"

Test(scan, no_debugfs)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-vgem", NULL, NULL);
	const struct dbf_buf *b;

	/* procfs alone cannot see the buffer nobody holds */
	cr_assert_eq(s->nbufs, 14);
	cr_assert_null(dbf_snapshot_buf(s, 14));
	cr_assert_eq(s->bufinfo_err, ENOENT);
	cr_assert_eq(s->sources & (DBF_SRC_BUFINFO | DBF_SRC_SYSFS), 0);
	cr_assert_eq(s->total_bytes, 5701632 - 131072);	/* all but KERNELONLY */
	b = must_buf(s, 1);
	cr_assert_eq(b->refcount, 6);			/* from fdinfo */
	cr_assert(!b->devices_known);
	assert_str(b->name, "CAMERA");
	/* the mapping-only buffer is known from maps alone, name included */
	b = must_buf(s, 13);
	cr_assert_eq(b->sources, DBF_SRC_MAPS);
	assert_str(b->name, "MAPONLY");
	cr_assert_eq(b->size, 262144);		/* the mapping's length */
	dbf_snapshot_free(s);
}

Test(scan, sysfs_stats_only)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-vgem", NULL, "linux-6.1-sysfs/sys");
	const struct dbf_buf *b;

	cr_assert_eq(s->nbufs, 15);
	cr_assert(s->sources & DBF_SRC_SYSFS);
	cr_assert_eq(s->total_bytes, 5701632);
	b = must_buf(s, 14);
	cr_assert_eq(b->sources, DBF_SRC_SYSFS);
	cr_assert_eq(b->size, 131072);
	assert_str(b->exporter, "drm");
	cr_assert(!b->has_name);			/* sysfs has no names */
	cr_assert_eq(b->nholders, 0);
	cr_assert_eq(s->held_by_nobody, 1);
	b = must_buf(s, 13);
	cr_assert_eq(b->size, 262144);		/* sysfs fills what maps lacks */
	assert_str(b->name, "MAPONLY");
	dbf_snapshot_free(s);
}

/*
 * Before 5.14 fdinfo has no ino: line, so the scanner stats the buffer
 * through the fd link. A chroot makes the link targets real files; the
 * real /proc is mounted inside it too, for the sanitizers' runtime.
 */
Test(scan, fdinfo_without_ino_stats_the_link)
{
	char *dir, path[4096], fxproc[4096];
	struct stat cam, unnamed;
	struct dbf_snapshot *s;
	int fd;

	if (geteuid() != 0)
		cr_skip_test("chroot needs root");
	dir = copy_fixture("linux-5.10-noino");
	snprintf(path, sizeof(path), "%s/proc", dir);
	snprintf(fxproc, sizeof(fxproc), "%s/fxproc", dir);
	cr_assert_eq(rename(path, fxproc), 0);
	cr_assert_eq(mkdir(path, 0555), 0);
	if (unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		mount("proc", path, "proc", 0, NULL);
	snprintf(path, sizeof(path), "%s/dmabuf:CAMERA", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert(fd >= 0 && ftruncate(fd, 1048576) == 0 && fstat(fd, &cam) == 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/dmabuf:", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert(fd >= 0 && fstat(fd, &unnamed) == 0);
	close(fd);
	cr_assert_eq(chroot(dir), 0, "chroot: %s", strerror(errno));
	cr_assert_eq(chdir("/"), 0);
	free(dir);

	s = scan_roots("/fxproc", NULL, NULL);
	cr_assert_eq(s->nbufs, 2);
	cr_assert_eq(must_buf(s, cam.st_ino)->size, 1048576);	/* from fdinfo */
	assert_str(must_buf(s, cam.st_ino)->name, "CAMERA");
	assert_str(must_buf(s, cam.st_ino)->exporter, "ion");
	cr_assert_eq(holder_of(s, cam.st_ino, 100)->nfds, 1);
	cr_assert_eq(s->fds[holder_of(s, cam.st_ino, 100)->fd0], 3);
	cr_assert(!must_buf(s, unnamed.st_ino)->has_name);
	cr_assert_eq(s->fds[holder_of(s, unnamed.st_ino, 100)->fd0], 4);
	dbf_snapshot_free(s);
	/* the temp dir is left to the OS: it is outside the chroot now */
}

Test(scan, before_5_3_anon_inodes_are_counted_not_invented)
{
	struct dbf_snapshot *s = scan_fixture("linux-4.19-anon", "linux-4.19-anon/debug", NULL);
	const struct dbf_proc *p;

	cr_assert_eq(s->nbufs, 0);
	cr_assert_eq(s->nholders, 0);
	cr_assert_eq(s->nprocs, 1);
	p = must_proc(s, 200);
	cr_assert_str_eq(p->comm, "gralloc");
	cr_assert_eq(p->uid, 1000);
	cr_assert_eq(p->anon_fds, 3);
	cr_assert_eq(p->anon_maps, 2);
	cr_assert_eq(p->nph, 0);
	cr_assert_eq(s->anon_fds, 3);
	cr_assert_eq(s->anon_maps, 2);
	cr_assert_eq(s->bufinfo_noino, 3);
	cr_assert_eq(s->bufinfo_noino_bytes, 20480);
	cr_assert(s->sources & DBF_SRC_BUFINFO);
	cr_assert_eq(s->nprocs_scanned, 2);
	dbf_snapshot_free(s);
}

Test(scan, hostile_names_and_a_vanished_process)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-hostile",
					      "linux-6.1-hostile/debug", NULL);
	const struct dbf_buf *b;

	cr_assert_eq(s->nbufs, 6);
	cr_assert_eq(s->total_bytes, 269312);
	b = must_buf(s, 21);
	assert_str(b->name, "X\nsize:\t1");
	cr_assert_eq(b->size, 65536);
	cr_assert_eq(b->refcount, 2);			/* bufinfo's full count */
	b = must_buf(s, 22);
	assert_str(b->name, "a\n\tAttached Devices:\n\tevil");
	cr_assert(b->devices_known);
	cr_assert_eq(b->ndevices, 0);
	b = must_buf(s, 23);
	assert_str(b->name, "new\nline");
	cr_assert_eq(b->ndevices, 2);
	assert_str(b->devices[0], "vgem");
	assert_str(b->devices[1], "card1");
	cr_assert_eq(holder_of(s, 23, 301)->maps, 2);
	cr_assert_eq(holder_of(s, 23, 301)->nfds, 0);
	assert_str(must_buf(s, 24)->name, "back\\slash");
	assert_str(must_buf(s, 25)->name, "y\n\nTotal 9 objects, 1 bytes");
	assert_str(must_buf(s, 26)->name, "x\nTotal 0 devices attached");
	/* 302 was listed but gone: neither scanned nor unreadable */
	cr_assert_eq(s->nprocs_scanned, 2);
	cr_assert_eq(s->nunreadable, 0);
	cr_assert_null(dbf_snapshot_proc(s, 302));
	cr_assert_eq(must_proc(s, 300)->uid, 1000);
	dbf_snapshot_free(s);
}

Test(scan, unreadable_process_is_counted_not_fatal)
{
	char *dir, proc[4096], dbg[4096], fd[4096];
	struct dbf_snapshot *s;

	if (geteuid() != 0)
		cr_skip_test("switching to nobody needs root");
	dir = copy_fixture("linux-6.1-vgem");
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(fd, sizeof(fd), "%s/proc/92/fd", dir);
	cr_assert_eq(chmod(fd, 0), 0);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(dbg, sizeof(dbg), "%s/debug", dir);
	cr_assert_eq(setresgid(65534, 65534, 65534), 0);
	cr_assert_eq(setresuid(65534, 65534, 65534), 0);

	s = scan_roots(proc, dbg, NULL);
	cr_assert_eq(s->nunreadable, 1);
	cr_assert_eq(s->unreadable[0], 92);
	cr_assert_eq(s->nprocs_scanned, 8);
	/* its buffers are still listed, from bufinfo, with no holder */
	cr_assert_eq(s->nbufs, 15);
	cr_assert_eq(must_buf(s, 6)->nholders, 0);
	assert_str(must_buf(s, 6)->name, "new\nline");
	cr_assert_null(dbf_snapshot_proc(s, 92));
	cr_assert_eq(holder_of(s, 1, 90)->nfds, 1);
	dbf_snapshot_free(s);
	free(dir);
	/* nobody cannot remove a root-owned tree; leave it to the OS's /tmp */
}

Test(scan, missing_proc_root)
{
	struct dbf_scan_opts o = { NO_SUCH_DIR, NO_SUCH_DIR, NO_SUCH_DIR };
	struct dbf_snapshot *s = NULL;

	cr_assert_eq(dbf_scan(&o, NULL, &s), -ENOENT);
	cr_assert_null(s);
}

/* Whether listing or reading the fd links of @pid fails with EACCES (or it is gone). */
static bool fds_unreadable(pid_t pid)
{
	char path[64], target[256];
	struct dirent *de;
	bool denied = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == EACCES || errno == ENOENT;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (readlinkat(dirfd(d), de->d_name, target, sizeof(target)) < 0 &&
		    errno == EACCES)
			denied = true;
	}
	closedir(d);
	return denied;
}

/*
 * What holds on any machine, with or without a GPU, for a scan of procfs
 * alone: every buffer was seen held by a process, through fd or mapping,
 * and the model's counts agree with each other.
 */
static void check_procfs_only(const struct dbf_snapshot *s)
{
	uint64_t bytes = 0;
	size_t nholders = 0;

	cr_assert_eq(s->sources, DBF_SRC_FD | DBF_SRC_FDINFO | DBF_SRC_MAPS);
	cr_assert_eq(s->held_by_nobody, 0);
	/* nothing was given: the device is learned from an fd or not at all */
	cr_assert(s->dev_src == DBF_DEV_NONE || s->dev_src == DBF_DEV_FD);
	for (size_t i = 0; i < s->nbufs; i++) {
		const struct dbf_buf *b = &s->bufs[i];

		cr_assert_gt(b->nholders, 0, "ino %llu", (unsigned long long)b->ino);
		cr_assert(b->sources & (DBF_SRC_FD | DBF_SRC_MAPS));
		cr_assert_eq(b->sources & (DBF_SRC_BUFINFO | DBF_SRC_SYSFS), 0);
		bytes += b->size;
		nholders += b->nholders;
		for (uint32_t k = 0; k < b->nholders; k++) {
			const struct dbf_holder *h = &s->holders[b->holder0 + k];

			cr_assert_gt(h->nfds + h->maps, 0);
			cr_assert_eq(h->buf, i);
			/* unverified exactly when the device is unknown */
			cr_assert_eq(h->maps_unverified,
				     h->maps && s->dev_src == DBF_DEV_NONE);
		}
	}
	cr_assert_eq(bytes, s->total_bytes);
	cr_assert_eq(nholders, s->nholders);
	cr_assert_geq(s->nprocs_scanned, s->nprocs + s->nunreadable);
	/* a cgroup path is unknown or the kernel's, which starts with '/' */
	for (size_t i = 0; i < s->nprocs; i++)
		cr_assert(!s->procs[i].cgroup.len || s->procs[i].cgroup.p[0] == '/',
			  "pid %d", (int)s->procs[i].pid);
}

/* Processes exit while the real /proc is scanned: every scan still succeeds. */
Test(scan, real_proc_with_exiting_processes, .timeout = 60)
{
	struct dbf_scan_opts o = { "/proc", NO_SUCH_DIR, NO_SUCH_DIR };
	pid_t churn = fork();

	cr_assert(churn >= 0);
	if (churn == 0) {
		/* never outlive the test, whatever happens to it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(60);
		for (;;) {
			pid_t c = fork();

			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		}
	}
	for (int i = 0; i < 50; i++) {
		struct dbf_snapshot *s = NULL;

		cr_assert_eq(dbf_scan(&o, NULL, &s), 0, "scan %d", i);
		cr_assert_gt(s->nprocs_scanned, 1);
		check_procfs_only(s);
		for (size_t k = 0; k < s->nunreadable; k++)
			cr_assert(fds_unreadable(s->unreadable[k]),
				  "pid %d counted unreadable", (int)s->unreadable[k]);
		dbf_snapshot_free(s);
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
}

/* A process with @ndmabuf dma-buf fds (inodes @ino0..) and @nother other fds. */
static void make_process(const char *proc, pid_t pid, int ndmabuf, uint64_t ino0,
			 int nother)
{
	char path[4096], target[64], text[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/fd", proc, (int)pid);
	cr_assert_eq(mkdir(path, 0755) == 0 || errno == EEXIST, 1);
	snprintf(path, sizeof(path), "%s/%d/fdinfo", proc, (int)pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/comm", proc, (int)pid);
	f = fopen(path, "w");
	fprintf(f, "p%d\n", (int)pid);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%d/status", proc, (int)pid);
	f = fopen(path, "w");
	fprintf(f, "Name:\tp%d\nUid:\t0\t0\t0\t0\n", (int)pid);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%d/maps", proc, (int)pid);
	f = fopen(path, "w");
	fclose(f);
	for (int i = 0; i < ndmabuf + nother; i++) {
		snprintf(path, sizeof(path), "%s/%d/fd/%d", proc, (int)pid, i);
		if (i < ndmabuf)
			snprintf(target, sizeof(target), "/dmabuf:buf%llu",
				 (unsigned long long)(ino0 + (uint64_t)i));
		else
			snprintf(target, sizeof(target), "/dev/null");
		cr_assert_eq(symlink(target, path), 0);
		if (i >= ndmabuf)
			continue;
		snprintf(path, sizeof(path), "%s/%d/fdinfo/%d", proc, (int)pid, i);
		f = fopen(path, "w");
		snprintf(text, sizeof(text),
			 "pos:\t0\nflags:\t02000002\nmnt_id:\t11\nino:\t%llu\nsize:\t4096\n"
			 "count:\t2\nexp_name:\tsystem\nname:\tbuf%llu\n",
			 (unsigned long long)(ino0 + (uint64_t)i),
			 (unsigned long long)(ino0 + (uint64_t)i));
		fputs(text, f);
		fclose(f);
	}
}

static size_t model_bytes(int nother, size_t *nholders)
{
	char tmpl[] = "/tmp/dmabuffs-mem-XXXXXX", proc[256];
	char *dir = mkdtemp(tmpl);
	struct dbf_snapshot *s;
	size_t mem;

	cr_assert(dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	cr_assert_eq(mkdir(proc, 0755), 0);
	for (int p = 0; p < 10; p++) {
		char pd[300];

		snprintf(pd, sizeof(pd), "%s/%d", proc, 1000 + p);
		cr_assert_eq(mkdir(pd, 0755), 0);
		make_process(proc, 1000 + p, 50, (uint64_t)p * 50 + 1, nother);
	}
	s = scan_roots(proc, NULL, NULL);
	mem = dbf_snapshot_mem(s);
	*nholders = s->nholders;
	dbf_snapshot_free(s);
	remove_tree(dir);
	return mem;
}

Test(scan, model_memory_per_holder, .timeout = 120)
{
	size_t n0, n1;
	size_t plain = model_bytes(0, &n0);
	size_t noisy = model_bytes(300, &n1);

	cr_assert_eq(n0, 500);
	cr_assert_eq(n1, 500);
	cr_assert_leq(plain / n0, 256, "%zu bytes per holder reference", plain / n0);
	/* fds that are not dma-bufs cost the model nothing */
	cr_assert_eq(noisy, plain);
}

/*
 * A kernel with kernel/patches: fdinfo lists attached devices, and names in
 * fdinfo and bufinfo are octal-escaped. Once a held buffer shows that, the
 * bufinfo-only buffer's name is decoded too.
 */
Test(scan, patched_kernel)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-patched",
					      "linux-6.1-patched/debug", NULL);
	const struct dbf_buf *b;

	cr_assert_eq(s->nbufs, 3);
	b = must_buf(s, 31);
	assert_str(b->name, "new\nline");
	cr_assert(b->devices_known);
	cr_assert_eq(b->ndevices, 2);
	assert_str(b->devices[0], "vgem");
	assert_str(b->devices[1], "0000:00:02.0");
	b = must_buf(s, 32);
	cr_assert(b->devices_known);
	cr_assert_eq(b->ndevices, 0);
	assert_str(b->exporter, "udmabuf");
	b = must_buf(s, 33);
	assert_str(b->name, "k\tonly\\x");
	cr_assert_eq(b->nholders, 0);
	cr_assert_eq(s->total_bytes, 77824);
	dbf_snapshot_free(s);
}

/* Without debugfs the devices come from the patched fdinfo alone. */
Test(scan, patched_kernel_devices_without_debugfs)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-patched", NULL, NULL);
	const struct dbf_buf *b = must_buf(s, 31);

	cr_assert_eq(s->nbufs, 2);
	cr_assert(b->devices_known);
	cr_assert_eq(b->ndevices, 2);
	assert_str(b->devices[1], "0000:00:02.0");
	assert_str(b->name, "new\nline");		/* the link's exact bytes */
	dbf_snapshot_free(s);
}

/* Which sources listed attachments: bufinfo and the patched fdinfo, alone or both. */
Test(scan, device_sources)
{
	static const struct {
		const char *tree, *debugfs;
		unsigned int want;
	} cases[] = {
		{ "linux-6.1-vgem", "linux-6.1-vgem/debug", DBF_SRC_BUFINFO },
		{ "linux-6.1-vgem", NULL, 0 },
		{ "linux-6.1-heap", "linux-6.1-heap/debug", DBF_SRC_BUFINFO },
		{ "linux-6.1-patched", "linux-6.1-patched/debug",
		  DBF_SRC_BUFINFO | DBF_SRC_FDINFO },
		{ "linux-6.1-patched", NULL, DBF_SRC_FDINFO },
		/* pre-5.3 rows have device lists, though no inode to join them on */
		{ "linux-4.19-anon", "linux-4.19-anon/debug", DBF_SRC_BUFINFO },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dbf_snapshot *s = scan_fixture(cases[i].tree, cases[i].debugfs, NULL);

		cr_assert_eq(s->device_sources, cases[i].want, "%s with%s debugfs: %#x",
			     cases[i].tree, cases[i].debugfs ? "" : "out",
			     s->device_sources);
		dbf_snapshot_free(s);
	}
}

/* A bufinfo whose every block is garbled has listed no attachments; an empty one has. */
Test(scan, device_sources_of_a_bufinfo)
{
	static const struct {
		const char *text;
		unsigned int want;
	} cases[] = {
		{ "\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
		  "00004096\t00000002\t00080007\t00000001\tsystem\t00000005\tx\n"
		  "\tAttached Devices:\nTotal 0 devices attached\n\n"
		  "\nTotal 1 objects, 4096 bytes\n", DBF_SRC_BUFINFO },
		{ "\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
		  "00004096\t00000002\t00080007\t00000001\tsystem\t00000005\tx\n"
		  "\tAttached Devices:\nTotal 3 devices attached\n\n"
		  "\nTotal 1 objects, 4096 bytes\n", 0 },
		{ "\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
		  "\nTotal 0 objects, 0 bytes\n", DBF_SRC_BUFINFO },
	};
	char tmpl[] = "/tmp/dmabuffs-bufinfo-XXXXXX", path[256];
	char *dir = mkdtemp(tmpl);

	cr_assert(dir);
	snprintf(path, sizeof(path), "%s/dma_buf", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char proc[4096];
		struct dbf_snapshot *s;
		FILE *f;

		snprintf(path, sizeof(path), "%s/dma_buf/bufinfo", dir);
		f = fopen(path, "w");
		cr_assert(f);
		fputs(cases[i].text, f);
		fclose(f);
		snprintf(proc, sizeof(proc), "%s/linux-6.1-vgem/proc", FIXTURES_DIR);
		s = scan_roots(proc, dir, NULL);
		cr_assert(s->sources & DBF_SRC_BUFINFO, "case %zu", i);
		cr_assert_eq(s->device_sources, cases[i].want, "case %zu: %#x", i,
			     s->device_sources);
		dbf_snapshot_free(s);
	}
	remove_tree(dir);
}

/* An unpatched 6.1 fdinfo has no attachment lines: devices stay unknown. */
Test(scan, unpatched_fdinfo_has_no_devices)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-vgem", NULL, NULL);

	cr_assert(!must_buf(s, 1)->devices_known);
	dbf_snapshot_free(s);
}

/* Ids from status: the real ones, and whether all four of each agree. */
Test(scan, status_ids)
{
	static const char plain[] = "Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t100\t100\t100\t100\n";
	static const char setuid[] = "Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
	static const char setgid[] = "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t5\t5\t1000\n";
	static const char fsuid[] = "Uid:\t1000\t1000\t1000\t1001\n";
	static const char junk[] = "Uid:\tx\n";
	static const char badgid[] = "Uid:\t1\t1\t1\t1\nGid:\ty\n";
	struct dbf_status_ids ids;

	cr_assert_eq(dbf_status_ids(plain, sizeof(plain) - 1, &ids), 0);
	cr_assert_eq(ids.uid, 1000);
	cr_assert_eq(ids.gid, 100);
	cr_assert(ids.uids_equal && ids.gids_equal);
	cr_assert_eq(dbf_status_ids(setuid, sizeof(setuid) - 1, &ids), 0);
	cr_assert_eq(ids.uid, 1000);
	cr_assert(!ids.uids_equal && ids.gids_equal);
	cr_assert_eq(dbf_status_ids(setgid, sizeof(setgid) - 1, &ids), 0);
	cr_assert_eq(ids.gid, 1000);
	cr_assert(ids.uids_equal && !ids.gids_equal);
	cr_assert_eq(dbf_status_ids(fsuid, sizeof(fsuid) - 1, &ids), 0);
	cr_assert(!ids.uids_equal);
	cr_assert_eq(ids.gid, (gid_t)-1);		/* no Gid: line */
	cr_assert(!ids.gids_equal);
	cr_assert_eq(dbf_status_ids(junk, sizeof(junk) - 1, &ids), -EINVAL);
	cr_assert_eq(dbf_status_ids(badgid, sizeof(badgid) - 1, &ids), -EINVAL);
	cr_assert_eq(dbf_status_ids("Name:\tx\n", 8, &ids), -EINVAL);
}

/* Field 22 counts from the last ')': comm may hold spaces and parens. */
Test(scan, stat_start_time)
{
	static const char hostile[] =
		"300 (a) (b) S 1 300 300 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
		"987654 2068480 14 18446744073709551615\n";
	static const char real[] =
		"90 (camera) S 87 0 0 0 -1 4194368 8 0 0 0 0 1 0 0 20 0 1 0 325 2068480 14\n";
	uint64_t t = 1;
	size_t len;
	char *cap;

	cr_assert_eq(dbf_stat_start_time(hostile, sizeof(hostile) - 1, &t), 0);
	cr_assert_eq(t, 987654);
	cr_assert_eq(dbf_stat_start_time(real, sizeof(real) - 1, &t), 0);
	cr_assert_eq(t, 325);
	cr_assert_eq(dbf_stat_start_time("1 (x) S 1 2\n", 12, &t), -EINVAL);
	cr_assert_eq(dbf_stat_start_time("no paren", 8, &t), -EINVAL);
	cap = read_fixture("linux-6.1-vgem/proc/91/stat", &len);
	cr_assert_eq(dbf_stat_start_time(cap, len, &t), 0);
	cr_assert_eq(t, 325);
	free(cap);
}
