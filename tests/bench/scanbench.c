// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers for tests/bench/scan: a load of processes holding ordinary fds,
 * the two baselines a scanner is measured against, and a timer.
 *
 *   scanbench load NPROC NFD READYFILE  hold the load until killed
 *   scanbench floor PROC                list every fd dir, readlink each fd
 *   scanbench fdinfo PROC               list every fd dir, read each fdinfo
 *   scanbench time CMD [ARG...]         run CMD once: "<wall ms> <maxrss KiB> <cpu ms>"
 *   scanbench walkcheck                 the fd-table walk against iter/task_file on
 *                                       /dev/null fds of 11 processes (see below):
 *                                       "same <records> more <processes>"
 *   scanbench mapcheck                  the walk's mappings (6.7's vma iterator)
 *                                       against iter/task_vma on memfd mappings of
 *                                       11 processes: "same <records> more <processes>"
 *   scanbench bpf ROUNDS                load the BPF scanner once, scan the real /proc
 *                                       ROUNDS times: "<load ms> <median scan ms>
 *                                       <fastest> <median CPU ms>"
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf_scan.h"
#include "snapshot.h"

static int load(int nproc, int nfd, const char *ready)
{
	struct rlimit rl = { (rlim_t)nfd + 64, (rlim_t)nfd + 64 };
	int fd;

	setrlimit(RLIMIT_NOFILE, &rl);
	for (int p = 0; p < nproc; p++) {
		pid_t c = fork();

		if (c < 0)
			return perror("fork"), 1;
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			int base = open("/dev/null", O_RDONLY);

			for (int i = 1; i < nfd; i++)
				if (dup(base) < 0)
					_exit(1);
			pause();
			_exit(0);
		}
	}
	/* give the children time to open their fds before saying ready */
	sleep(2);
	fd = open(ready, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	for (;;)
		pause();
}

/* Walk every /proc/<pid>/fd; @read_fdinfo picks the baseline. */
static int walk(const char *proc, int read_fdinfo)
{
	DIR *pd = opendir(proc);
	struct dirent *pe;
	long n = 0;
	char buf[4096];

	if (!pd)
		return perror(proc), 1;
	while ((pe = readdir(pd))) {
		char path[512];
		DIR *fd_dir;
		struct dirent *fe;
		int dfd, infodir = -1;

		if (pe->d_name[0] < '0' || pe->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", proc, pe->d_name);
		fd_dir = opendir(path);
		if (!fd_dir)
			continue;
		dfd = dirfd(fd_dir);
		if (read_fdinfo) {
			snprintf(path, sizeof(path), "%s/%s/fdinfo", proc, pe->d_name);
			infodir = open(path, O_RDONLY | O_DIRECTORY);
		}
		while ((fe = readdir(fd_dir))) {
			if (fe->d_name[0] == '.')
				continue;
			if (!read_fdinfo) {
				if (readlinkat(dfd, fe->d_name, buf, sizeof(buf)) > 0)
					n++;
			} else if (infodir >= 0) {
				int f = openat(infodir, fe->d_name, O_RDONLY);

				if (f >= 0) {
					if (read(f, buf, sizeof(buf)) > 0)
						n++;
					close(f);
				}
			}
		}
		if (infodir >= 0)
			close(infodir);
		closedir(fd_dir);
	}
	closedir(pd);
	printf("%ld\n", n);
	return 0;
}

static double ms_since_on(clockid_t clock, const struct timespec *a)
{
	struct timespec b;

	clock_gettime(clock, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static double ms_since(const struct timespec *a)
{
	return ms_since_on(CLOCK_MONOTONIC, a);
}

static int cmp_pid(const void *x, const void *y)
{
	pid_t a = *(const pid_t *)x, b = *(const pid_t *)y;

	return (a > b) - (a < b);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Whole dbf_scan() calls through the BPF iterators, as the scanner makes them. */
static int bpf_rounds(int rounds)
{
	struct dbf_scan_opts o = { .proc_root = "/proc", .debugfs_root = "/sys/kernel/debug",
				   .sysfs_root = "/sys" };
	struct timespec t, c;
	const char *step;
	double load_ms, *ms, *cpu;
	int r;

	if (rounds < 1 || rounds > 1000)
		return fprintf(stderr, "bpf: ROUNDS from 1 to 1000\n"), 1;
	clock_gettime(CLOCK_MONOTONIC, &t);
	r = dbf_bpf_load(NULL, false, &o.bpf, &step);
	if (r < 0)
		return fprintf(stderr, "bpf: %s: %s\n", step, strerror(-r)), 77;
	load_ms = ms_since(&t);
	ms = calloc((size_t)rounds, sizeof(*ms));
	cpu = calloc((size_t)rounds, sizeof(*cpu));
	if (!ms || !cpu)
		return 1;
	for (int i = 0; i < rounds; i++) {
		struct dbf_snapshot *snap;

		clock_gettime(CLOCK_MONOTONIC, &t);
		/* the kernel runs the iterators in our read(): system time is ours */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
		r = dbf_scan(&o, NULL, &snap);
		ms[i] = ms_since(&t);
		cpu[i] = ms_since_on(CLOCK_PROCESS_CPUTIME_ID, &c);
		if (r < 0)
			return fprintf(stderr, "bpf: scan: %s\n", strerror(-r)), 1;
		dbf_snapshot_free(snap);
	}
	qsort(ms, (size_t)rounds, sizeof(*ms), cmp_double);
	qsort(cpu, (size_t)rounds, sizeof(*cpu), cmp_double);
	printf("%.3f %.3f %.3f %.3f\n", load_ms, ms[(rounds - 1) / 2], ms[0],
	       cpu[(rounds - 1) / 2]);
	free(ms);
	free(cpu);
	dbf_bpf_free(o.bpf);
	return 0;
}

static int ready_fd;

static void dups(int n)
{
	for (int i = 0; i < n; i++)
		if (dup(0) < 0)
			_exit(1);
}

/* A thread with an fd table of its own: a copy of the leader's, and 7 more. */
static void *own_table(void *arg)
{
	(void)arg;
	if (unshare(CLONE_FILES) < 0)
		_exit(1);
	dups(7);
	if (write(ready_fd, "t", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* A thread sharing its leader's table: its 4 fds are the leader's. */
static void *shared_table(void *arg)
{
	(void)arg;
	dups(4);
	if (write(ready_fd, "t", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/*
 * Processes 0-9 hold /dev/null as fds 0-2 and 5 * i more: 255 fds. Process 0
 * has a thread with its own table (3 + 7 fds), process 1 one that shares the
 * leader's (4 fds more in it): 269 in all. Process 10 holds 253, more than
 * the walk lists in one table.
 */
static int walkcheck(void)
{
	enum { N = 11 };
	pid_t pids[N];
	size_t same, more;
	struct statfs st;
	int ready[2], r, got = 0;
	char c;

	if (statfs("/dev/null", &st) < 0 || pipe(ready) < 0)
		return perror("walkcheck"), 1;
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return perror("fork"), 1;
		if (pids[i] == 0) {
			pthread_t t;
			int nul;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* nothing inherited: what is on /dev's filesystem is known */
			if (dup2(ready[1], 3) < 0)
				_exit(1);
			close_range(4, ~0U, 0);
			ready_fd = 3;
			nul = open("/dev/null", O_RDWR);
			for (int fd = 0; fd < 3; fd++)
				if (nul != fd && dup2(nul, fd) < 0)
					_exit(1);
			if (nul > 2)
				close(nul);
			dups(i < 10 ? 5 * i : 250);
			if ((i == 0 && pthread_create(&t, NULL, own_table, NULL)) ||
			    (i == 1 && pthread_create(&t, NULL, shared_table, NULL)))
				_exit(1);
			if (write(ready_fd, "p", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	close(ready[1]);
	while (got < N + 2 && read(ready[0], &c, 1) == 1)
		got++;
	qsort(pids, N, sizeof(*pids), cmp_pid);
	r = got == N + 2 ? dbf_bpf_fdt_check((unsigned long)st.f_type, pids, N, &same, &more) : -EIO;
	for (int i = 0; i < N; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < N; i++)
		waitpid(pids[i], NULL, 0);
	if (r < 0)
		return fprintf(stderr, "walkcheck: %s\n", strerror(-r)), 77;
	if (r > 0)
		return printf("differ at record %zu, more %zu\n", same, more), 1;
	printf("same %zu more %zu\n", same, more);
	return 0;
}

/* A thread with an fd table of its own: iter/task_vma reads the mm again for it. */
static void *own_table_idle(void *arg)
{
	(void)arg;
	if (unshare(CLONE_FILES) < 0)
		_exit(1);
	if (write(ready_fd, "t", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void *shared_idle(void *arg)
{
	(void)arg;
	if (write(ready_fd, "t", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/*
 * Process i (0-9) maps its own memfd i + 2 times, 4 KiB more each time:
 * 65 mappings. Process 0 has a thread with its own fd table (iter/task_vma
 * lists the mm for it again: 2 more), process 1 one that shares the
 * leader's (not listed again): 67 records. Process 10 maps 70, more than
 * one run of the walk lists.
 */
static int mapcheck(void)
{
	enum { N = 11 };
	pid_t pids[N];
	size_t same, more;
	struct statfs st;
	int ready[2], r, got = 0, probe;
	char c;

	probe = memfd_create("dmabuffs-mapcheck", MFD_CLOEXEC);
	if (probe < 0 || fstatfs(probe, &st) < 0 || pipe(ready) < 0)
		return perror("mapcheck"), 1;
	close(probe);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return perror("fork"), 1;
		if (pids[i] == 0) {
			int n = i < 10 ? i + 2 : 70, fd;
			pthread_t t;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			ready_fd = ready[1];
			fd = memfd_create("dmabuffs-mapcheck", MFD_CLOEXEC);
			if (fd < 0 || ftruncate(fd, 80 * 4096) < 0)
				_exit(1);
			/* offset 0 each time: no two can merge into one vma */
			for (int k = 0; k < n; k++)
				if (mmap(NULL, (size_t)(k + 1) * 4096, PROT_READ, MAP_SHARED, fd, 0) ==
				    MAP_FAILED)
					_exit(1);
			close(fd);
			if ((i == 0 && pthread_create(&t, NULL, own_table_idle, NULL)) ||
			    (i == 1 && pthread_create(&t, NULL, shared_idle, NULL)))
				_exit(1);
			if (write(ready_fd, "p", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	close(ready[1]);
	while (got < N + 2 && read(ready[0], &c, 1) == 1)
		got++;
	qsort(pids, N, sizeof(*pids), cmp_pid);
	r = got == N + 2 ? dbf_bpf_maps_check((unsigned long)st.f_type, pids, N, &same, &more) :
			   -EIO;
	for (int i = 0; i < N; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < N; i++)
		waitpid(pids[i], NULL, 0);
	if (r < 0)
		return fprintf(stderr, "mapcheck: %s\n", strerror(-r)), 77;
	if (r > 0)
		return printf("differ at record %zu, more %zu\n", same, more), 1;
	printf("same %zu more %zu\n", same, more);
	return 0;
}

static int timeit(char **argv)
{
	struct timespec a, b;
	struct rusage ru;
	int status;
	pid_t c;

	clock_gettime(CLOCK_MONOTONIC, &a);
	c = fork();
	if (c == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (c < 0 || wait4(c, &status, 0, &ru) < 0)
		return perror("fork"), 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fprintf(stderr, "%s failed\n", argv[0]), 1;
	printf("%.3f %ld %.3f\n", (double)(b.tv_sec - a.tv_sec) * 1e3 +
	       (double)(b.tv_nsec - a.tv_nsec) / 1e6, ru.ru_maxrss,
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "load"))
		return load(atoi(argv[2]), atoi(argv[3]), argv[4]);
	if (argc == 3 && !strcmp(argv[1], "floor"))
		return walk(argv[2], 0);
	if (argc == 3 && !strcmp(argv[1], "fdinfo"))
		return walk(argv[2], 1);
	if (argc == 3 && !strcmp(argv[1], "bpf"))
		return bpf_rounds(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "walkcheck"))
		return walkcheck();
	if (argc == 2 && !strcmp(argv[1], "mapcheck"))
		return mapcheck();
	if (argc >= 3 && !strcmp(argv[1], "time"))
		return timeit(argv + 2);
	fprintf(stderr, "usage: scanbench load NPROC NFD READY | floor PROC | fdinfo PROC | time CMD...\n");
	return 1;
}
