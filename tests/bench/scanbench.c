// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers for tests/bench/scan: a load of processes holding ordinary fds,
 * the two baselines a scanner is measured against, and a timer.
 *
 *   scanbench load NPROC NFD READYFILE  hold the load until killed
 *   scanbench floor PROC                list every fd dir, readlink each fd
 *   scanbench fdinfo PROC               list every fd dir, read each fdinfo
 *   scanbench time CMD [ARG...]         run CMD once: "<wall ms> <maxrss KiB> <cpu ms>"
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
	if (argc >= 3 && !strcmp(argv[1], "time"))
		return timeit(argv + 2);
	fprintf(stderr, "usage: scanbench load NPROC NFD READY | floor PROC | fdinfo PROC | time CMD...\n");
	return 1;
}
