// SPDX-License-Identifier: GPL-2.0-only
/*
 * Holders nobody can forge: a file placed at /dmabuf:X and mapped is not a
 * dma-buf, a process that vanishes mid-scan leaves nothing behind, and the
 * owner of a process is whom procfs would let in.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devprobe.h"
#include "helpers.h"

static void write_file(const char *dir, const char *rel, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	cr_assert(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void make_dir(const char *dir, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "%s: %s", path, strerror(errno));
}

static struct dbf_snapshot *scan_dev(const char *dir, bool debugfs, uint64_t dev,
				     unsigned int dev_src)
{
	char proc[4096], dbg[4096];
	struct dbf_scan_opts o = {
		.proc_root = proc,
		.debugfs_root = debugfs ? dbg : NO_SUCH_DIR,
		.sysfs_root = NO_SUCH_DIR,
		.dmabuf_dev = dev,
		.dev_src = dev_src,
	};
	struct dbf_snapshot *s = NULL;
	int r;

	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(dbg, sizeof(dbg), "%s/debug", dir);
	r = dbf_scan(&o, NULL, &s);
	cr_assert_eq(r, 0, "dbf_scan: %s", strerror(-r));
	return s;
}

/*
 * The vgem capture plus process 96, which maps three files that sit at
 * paths starting with /dmabuf: on an ordinary filesystem (08:01): a new
 * inode, a real buffer's inode under another name, and a real buffer's
 * inode and name. One more sits on 00:0b, another pseudo filesystem.
 */
static char *forged_tree(void)
{
	char *dir = copy_fixture("linux-6.1-vgem");

	make_dir(dir, "proc/96");
	make_dir(dir, "proc/96/fd");
	make_dir(dir, "proc/96/fdinfo");
	write_file(dir, "proc/96/comm", "forger\n");
	write_file(dir, "proc/96/status",
		   "Name:\tforger\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
	write_file(dir, "proc/96/maps",
		   "7f0000000000-7f0000001000 rw-s 00000000 08:01 999                        /dmabuf:FORGED\n"
		   "7f0000001000-7f0000002000 rw-s 00000000 08:01 1                          /dmabuf:FORGED\n"
		   "7f0000002000-7f0000003000 rw-s 00000000 08:01 15                         /dmabuf:FRAMEBUFFER\n"
		   "7f0000003000-7f0000004000 rw-s 00000000 00:0b 13                         /dmabuf:MAPONLY\n");
	return dir;
}

/* With the device known, the forged mappings are no holders and no facts. */
Test(trust, forged_maps_with_the_device)
{
	char *dir = forged_tree();
	struct dbf_snapshot *s = scan_dev(dir, true, makedev(0, 10), DBF_DEV_OPTION);

	cr_assert_eq(s->dev_src, DBF_DEV_OPTION);
	cr_assert_eq(s->dmabuf_dev, makedev(0, 10));
	cr_assert_eq(s->nbufs, 15);
	cr_assert_null(dbf_snapshot_buf(s, 999));
	cr_assert_null(dbf_snapshot_proc(s, 96));
	cr_assert_eq(s->nholders, 18);
	cr_assert_eq(s->held_by_nobody, 1);
	cr_assert_eq(s->total_bytes, 5701632);
	assert_str(must_buf(s, 1)->name, "CAMERA");
	cr_assert_eq(must_buf(s, 1)->nholders, 2);
	cr_assert_eq(must_buf(s, 15)->nholders, 1);
	cr_assert_eq(must_buf(s, 13)->nholders, 1);
	cr_assert_eq(holder_of(s, 13, 93)->maps, 1);
	cr_assert(!holder_of(s, 13, 93)->maps_unverified);
	/* held_by_nobody and names are the same without debugfs */
	dbf_snapshot_free(s);
	s = scan_dev(dir, false, makedev(0, 10), DBF_DEV_OPTION);
	cr_assert_eq(s->nbufs, 14);
	cr_assert_null(dbf_snapshot_buf(s, 999));
	cr_assert_eq(s->held_by_nobody, 0);
	assert_str(must_buf(s, 13)->name, "MAPONLY");
	cr_assert_eq(s->nby_name, 13);
	dbf_snapshot_free(s);
	remove_tree(dir);
	free(dir);
}

/* Without it they are shown, every mapping-only holder marked unverified. */
Test(trust, forged_maps_without_the_device)
{
	char *dir = forged_tree();
	struct dbf_snapshot *s = scan_dev(dir, true, 0, DBF_DEV_NONE);
	const struct dbf_holder *h;

	cr_assert_eq(s->dev_src, DBF_DEV_NONE);
	cr_assert_eq(s->nbufs, 16);
	assert_str(must_buf(s, 999)->name, "FORGED");
	cr_assert_eq(must_buf(s, 999)->sources, DBF_SRC_MAPS);
	cr_assert_eq(must_buf(s, 999)->size, 4096);
	/* exact names (fd link, fdinfo, bufinfo) still win over maps */
	assert_str(must_buf(s, 1)->name, "CAMERA");
	for (uint64_t ino = 1; ino <= 15; ino += 14) {
		h = holder_of(s, ino, 96);
		cr_assert(h, "no holder 96 on %llu", (unsigned long long)ino);
		cr_assert_eq(h->nfds, 0);
		cr_assert_eq(h->maps, 1);
		cr_assert(h->maps_unverified);
	}
	h = holder_of(s, 13, 96);
	cr_assert(h && h->maps_unverified);
	/* real mappings are unverified too: nothing tells them apart now */
	cr_assert(holder_of(s, 13, 93)->maps_unverified);
	cr_assert(!holder_of(s, 2, 90)->maps_unverified);	/* fds only */
	cr_assert_eq(must_proc(s, 96)->nmaps, 4);
	cr_assert_eq(s->held_by_nobody, 1);
	dbf_snapshot_free(s);
	remove_tree(dir);
	free(dir);
}

/*
 * A process whose fds and fdinfo were read but whose status is gone exited
 * mid-scan: none of the buffers it alone held may appear, not even as
 * facts without a holder.
 */
static void vanished(unsigned int threads)
{
	char *dir = copy_fixture("linux-6.1-vgem"), path[4096];
	struct dbf_snapshot *s;

	snprintf(path, sizeof(path), "%s/proc/92/status", dir);
	cr_assert_eq(unlink(path), 0);
	scan_threads = threads;
	s = scan_dev(dir, false, makedev(0, 10), DBF_DEV_OPTION);
	scan_threads = 0;
	for (uint64_t ino = 4; ino <= 12; ino++)
		cr_assert_null(dbf_snapshot_buf(s, ino), "buffer %llu of the vanished process",
			       (unsigned long long)ino);
	cr_assert_null(dbf_snapshot_proc(s, 92));
	cr_assert_eq(s->nbufs, 5);		/* 1, 2, 3, 13, 15 */
	cr_assert_eq(s->nby_name, 5);
	cr_assert_eq(s->held_by_nobody, 0);
	cr_assert_eq(s->total_bytes, 4 * 1048576 + 262144 + 524288);
	cr_assert_eq(s->nprocs_scanned, 7);
	cr_assert_eq(s->nunreadable, 0);
	dbf_snapshot_free(s);
	remove_tree(dir);
	free(dir);
}

Test(trust, vanished_process_leaves_nothing)
{
	vanished(1);
}

Test(trust, vanished_process_leaves_nothing_threaded)
{
	vanished(3);
}

/* Process 300 of the hostile capture (uid and gid 1000) with its dir's owner. */
static struct dbf_snapshot *scan_owner(const char *dir, uid_t uid, gid_t gid)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/proc/300", dir);
	cr_assert_eq(chown(path, uid, gid), 0, "chown: %s", strerror(errno));
	return scan_dev(dir, true, makedev(0, 10), DBF_DEV_OPTION);
}

Test(trust, owner_is_whom_procfs_lets_in)
{
	char *dir;
	struct dbf_snapshot *s;
	const struct dbf_proc *p;

	if (geteuid() != 0)
		cr_skip_test("chown needs root");
	dir = copy_fixture("linux-6.1-hostile");

	/* dumpable: /proc/<pid> has the process's euid and egid */
	s = scan_owner(dir, 1000, 1000);
	p = must_proc(s, 300);
	cr_assert_eq(p->uid, 1000);
	cr_assert_eq(p->gid, 1000);
	cr_assert_eq(p->owner, 1000);
	cr_assert_eq(p->owner_gid, 1000);
	cr_assert_eq(p->start_time, 0);		/* this capture has no stat */
	dbf_snapshot_free(s);

	/* not dumpable: procfs gives the dir to root */
	s = scan_owner(dir, 0, 0);
	p = must_proc(s, 300);
	cr_assert_eq(p->uid, 1000);
	cr_assert_eq(p->gid, 1000);
	cr_assert_eq(p->owner, 0);
	cr_assert_eq(p->owner_gid, 0);
	dbf_snapshot_free(s);

	/* setgid: the gids differ, so only root may look */
	write_file(dir, "proc/300/status",
		   "Name:\tattacker\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t5\t5\t1000\n");
	s = scan_owner(dir, 1000, 1000);
	p = must_proc(s, 300);
	cr_assert_eq(p->gid, 1000);
	cr_assert_eq(p->owner, 0);
	dbf_snapshot_free(s);

	/* a comm that fakes the end of field 2 does not shift field 22 */
	write_file(dir, "proc/300/status",
		   "Name:\tattacker\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n");
	write_file(dir, "proc/300/comm", "a) (b\n");
	write_file(dir, "proc/300/stat",
		   "300 (a) (b) S 1 300 300 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
		   "4242 2068480 14 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0\n");
	s = scan_owner(dir, 1000, 1000);
	p = must_proc(s, 300);
	cr_assert_str_eq(p->comm, "a) (b");
	cr_assert_eq(p->start_time, 4242);
	cr_assert_eq(p->owner, 1000);
	dbf_snapshot_free(s);
	remove_tree(dir);
	free(dir);
}

/*
 * The probe exports a buffer from whatever this machine has. Either it
 * finds none, or the device is the dma-buf pseudo filesystem's, which like
 * every pseudo filesystem has an anonymous device: major 0.
 */
Test(trust, probe_finds_the_pseudo_filesystem_or_nothing)
{
	uint64_t dev = 12345;
	bool escaped;
	int r = dbf_dmabuf_dev_probe(&dev, &escaped);

	if (r == -ENODEV) {
		cr_assert_eq(dev, 12345);
		return;
	}
	cr_assert_eq(r, 0, "probe: %s", strerror(-r));
	cr_assert_eq(major(dev), 0);
	cr_assert_gt(minor(dev), 0);
}

/* A scan says how long it took, and the device it was given. */
Test(trust, scan_records_duration_and_device)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-vgem", NULL, NULL);

	cr_assert_gt(s->scan_ns, 0);
	cr_assert_eq(s->dev_src, DBF_DEV_NONE);
	dbf_snapshot_free(s);
}
