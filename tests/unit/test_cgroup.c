// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroup v2 path of each process: /proc/<pid>/cgroup parsed alone,
 * then whole scans of the captures' (synthesized) cgroup files, and the
 * real /proc of this machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder.h"
#include "fileio.h"
#include "helpers.h"
#include "process.h"

/* Parse @text (a string literal: its length is known) into *path. */
#define PARSE(text, path) dbf_cgroup_v2_path(text, sizeof(text) - 1, path)

Test(cgroup, unified)
{
	struct dbf_str p;

	cr_assert(PARSE("0::/system.slice/camera.service\n", &p));
	assert_str(p, "/system.slice/camera.service");
}

Test(cgroup, hybrid_v1_lines_then_unified)
{
	struct dbf_str p;

	cr_assert(PARSE("12:memory:/camera\n3:cpu,cpuacct:/\n1:name=systemd:/camera\n0::/x\n",
			&p));
	assert_str(p, "/x");
}

Test(cgroup, v1_only_is_unknown)
{
	struct dbf_str p = { "junk", 4 };

	cr_assert_not(PARSE("12:memory:/camera\n1:name=systemd:/camera\n", &p));
	cr_assert_eq(p.len, 0);
	/* "10::" is hierarchy 10 with no controller named, not the unified one */
	cr_assert_not(PARSE("10::/x\n", &p));
	/* "0::" inside a v1 path is no line start */
	cr_assert(PARSE("1:name=systemd:/a0::/b\n0::/c\n", &p));
	assert_str(p, "/c");
}

Test(cgroup, empty_file_is_unknown)
{
	struct dbf_str p = { "junk", 4 };

	cr_assert_not(dbf_cgroup_v2_path("", 0, &p));
	cr_assert_eq(p.len, 0);
	cr_assert_not(PARSE("\n", &p));
	cr_assert_not(PARSE("0::", &p));
	cr_assert_not(PARSE("0::\n", &p));
	/* the kernel's paths always start with '/', "/.." ones included */
	cr_assert_not(PARSE("0::system.slice\n", &p));
}

Test(cgroup, root)
{
	struct dbf_str p;

	cr_assert(PARSE("0::/\n", &p));
	assert_str(p, "/");
	/* outside the reader's cgroup namespace */
	cr_assert(PARSE("0::/../other.slice\n", &p));
	assert_str(p, "/../other.slice");
}

Test(cgroup, no_trailing_newline)
{
	struct dbf_str p;

	cr_assert(PARSE("1:name=systemd:/\n0::/a.slice", &p));
	assert_str(p, "/a.slice");
}

Test(cgroup, newlines_in_the_path)
{
	struct dbf_str p;

	cr_assert(PARSE("0::/user.slice/new\nline/tab\there\n", &p));
	assert_str(p, "/user.slice/new\nline/tab\there");
	/* a name that ends with a newline keeps it: only the file's last one goes */
	cr_assert(PARSE("0::/a\n\n", &p));
	assert_str(p, "/a\n");
	/*
	 * A user's own cgroup named "x\n0::" cannot pass for a system one: the
	 * first "0::" line is the kernel's, the rest is the name.
	 */
	cr_assert(PARSE("0::/user.slice/x\n0::/system.slice/camera.service\n", &p));
	assert_str(p, "/user.slice/x\n0::/system.slice/camera.service");
}

/* Every file in the captures, as the scanner's parser reads it. */
static void check_file(const char *rel, const char *expect)
{
	struct dbf_str p;
	size_t len;
	char *t = read_fixture(rel, &len);
	bool known = dbf_cgroup_v2_path(t, len, &p);

	if (expect) {
		cr_assert(known, "%s: unknown", rel);
		assert_bytes(p, expect, strlen(expect));
	} else {
		cr_assert_not(known, "%s: %.*s", rel, (int)p.len, p.p);
	}
	free(t);
}

Test(cgroup, fixture_files)
{
	check_file("linux-5.10-noino/proc/100/cgroup", NULL);
	check_file("linux-4.19-anon/proc/200/cgroup", NULL);
	check_file("linux-4.19-anon/proc/201/cgroup", NULL);
	check_file("linux-6.1-vgem/proc/87/cgroup", "/user.slice/user-0.slice/session-1.scope");
	check_file("linux-6.1-heap/proc/40/cgroup", "/init.scope");
	check_file("linux-6.1-patched/proc/400/cgroup", "/system.slice/camera.service");
}

static void assert_cgroup(const struct dbf_snapshot *s, pid_t pid, const char *path)
{
	const struct dbf_proc *p = must_proc(s, pid);

	if (!path) {
		cr_assert_eq(p->cgroup.len, 0, "pid %d: %.*s", (int)pid,
			     (int)p->cgroup.len, p->cgroup.p);
		return;
	}
	assert_bytes(p->cgroup, path, strlen(path));
}

static void check_vgem(unsigned int threads)
{
	struct dbf_snapshot *s;

	scan_threads = threads;
	s = scan_fixture("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL);
	scan_threads = 0;
	cr_assert_eq(s->nprocs, 5);
	cr_assert_eq(s->nprocs_scanned, 8);
	assert_cgroup(s, 90, "/system.slice/camera.service");
	assert_cgroup(s, 91, "/system.slice/compositor.service");
	assert_cgroup(s, 92, "/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope");
	/* no cgroup file: unknown, and still scanned with its mapping */
	assert_cgroup(s, 93, NULL);
	cr_assert_eq(holder_of(s, 13, 93)->maps, 1);
	assert_cgroup(s, 95, "/system.slice/camera.service");
	dbf_snapshot_free(s);
}

Test(cgroup, vgem_scan)
{
	check_vgem(0);
}

/* Each thread's builder merges into the scan's: the paths must survive it. */
Test(cgroup, vgem_scan_three_threads)
{
	check_vgem(3);
}

Test(cgroup, heap_scan_root_cgroup)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-heap", "linux-6.1-heap/debug", NULL);

	assert_cgroup(s, 25, "/system.slice/camera.service");
	assert_cgroup(s, 26, "/system.slice/compositor.service");
	assert_cgroup(s, 27, "/user.slice/odd.scope");
	assert_cgroup(s, 28, "/");
	assert_cgroup(s, 29, "/system.slice/camera.service");
	cr_assert_null(dbf_snapshot_proc(s, 40));	/* holds nothing */
	dbf_snapshot_free(s);
}

Test(cgroup, v1_only_scan)
{
	struct dbf_snapshot *s = scan_fixture("linux-4.19-anon", "linux-4.19-anon/debug", NULL);

	/* a holder of pre-5.3 buffers, on a machine without the unified hierarchy */
	assert_cgroup(s, 200, NULL);
	cr_assert_eq(must_proc(s, 200)->anon_fds, 3);
	dbf_snapshot_free(s);
}

Test(cgroup, patched_scan)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-patched", "linux-6.1-patched/debug",
					      NULL);

	assert_cgroup(s, 400, "/system.slice/camera.service");
	dbf_snapshot_free(s);
}

Test(cgroup, hostile_scan)
{
	static const char attacker[] = "/user.slice/new\nline/tab\there/%41/../42/with space";
	struct dbf_snapshot *s = scan_fixture("linux-6.1-hostile", "linux-6.1-hostile/debug",
					      NULL);
	const struct dbf_proc *p;

	assert_bytes(must_proc(s, 300)->cgroup, attacker, sizeof(attacker) - 1);
	p = must_proc(s, 301);
	/* "/user.slice/" and a 255-byte name: '%' and 254 'v' */
	cr_assert_eq(p->cgroup.len, 12 + 255);
	cr_assert(!memcmp(p->cgroup.p, "/user.slice/%", 13));
	for (uint32_t i = 13; i < p->cgroup.len; i++)
		cr_assert_eq(p->cgroup.p[i], 'v', "byte %u", i);
	cr_assert_null(dbf_snapshot_proc(s, 302));
	dbf_snapshot_free(s);
}

/* A cgroup file that cannot be read (here a directory: EISDIR) is an unknown path. */
Test(cgroup, unreadable_file_is_unknown)
{
	char *dir = copy_fixture("linux-6.1-vgem"), path[4096];
	struct dbf_snapshot *s;

	snprintf(path, sizeof(path), "%s/proc/90/cgroup", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc", dir);
	s = scan_roots(path, NULL, NULL);
	assert_cgroup(s, 90, NULL);
	cr_assert_eq(holder_of(s, 2, 90)->nfds, 2);
	assert_cgroup(s, 95, "/system.slice/camera.service");
	cr_assert_eq(s->nunreadable, 0);
	cr_assert_eq(s->nprocs_scanned, 8);
	dbf_snapshot_free(s);
	remove_tree(dir);
}

/*
 * This process on the real /proc: the path is the last line's, which
 * (our own cgroup has no newline in its name) is the file's "0::" line.
 */
Test(cgroup, real_proc_self)
{
	struct dbf_buf_io io = { 0 };
	struct dbf_proc_fact f = { .pid = getpid() };
	char comm[DBF_COMM_MAX], cgroup[DBF_CGROUP_MAX], last[DBF_CGROUP_MAX + 3];
	int piddir = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t start, len;

	cr_assert(piddir >= 0);
	if (dbf_read_at(piddir, "cgroup", &io) == -ENOENT)
		cr_skip_test("this kernel has no cgroups");
	cr_assert(io.len && io.p[io.len - 1] == '\n');
	for (start = io.len - 1; start && io.p[start - 1] != '\n'; start--)
		;
	len = io.len - 1 - start;
	cr_assert_lt(len, sizeof(last));
	memcpy(last, io.p + start, len);
	cr_assert_eq(dbf_process_read(piddir, &io, &f, comm, cgroup), 0);
	if (len < 3 || memcmp(last, "0::", 3)) {
		cr_assert_eq(f.cgroup.len, 0, "no unified hierarchy, yet %.*s",
			     (int)f.cgroup.len, f.cgroup.p);
	} else {
		cr_assert_gt(len, 3);
		assert_bytes(f.cgroup, last + 3, len - 3);
	}
	close(piddir);
	free(io.p);
}
