// SPDX-License-Identifier: GPL-2.0-only
/*
 * The server's half of a rebuild, for tests/bench/view --scale: scan a
 * fixture once, encode it as the scanner would, then ROUNDS times do what
 * the server does with a frame (copy it in, decode it over the previous
 * snapshot, free it, build the tree over the previous one, drop that one).
 *
 *   rebuildbench PROC DEBUGFS SYSFS ROUNDS
 *
 * prints "<median ms> <fastest ms> <peak KiB> <between KiB>": the wall
 * time of one rebuild, the peak RSS (VmHWM) during the rounds, and the RSS
 * after the last one, when one tree is held. The scan's own memory is
 * freed before the rounds and the peak reset, so neither counts.
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"
#include "tree.h"
#include "wire.h"

static long status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = strtol(line + strlen(field), NULL, 10);
	fclose(f);
	return v;
}

/* "5" to clear_refs resets VmHWM to the current RSS (Linux 4.0). */
static int reset_peak(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ok = fd >= 0 && write(fd, "5", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
	struct dbf_scan_opts o = { 0 };
	struct dbf_snapshot *snap;
	struct dbf_interner *in;
	struct dbf_tree *cur = NULL;
	double *ms;
	char *frame;
	size_t len;
	int rounds, r;

	if (argc != 5 || (rounds = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: rebuildbench PROC DEBUGFS SYSFS ROUNDS\n");
		return 2;
	}
	/* As the server does (fuse/serve/lifecycle.c): big arrays mapped, freed at once. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	o.proc_root = argv[1];
	o.debugfs_root = argv[2];
	o.sysfs_root = argv[3];
	r = dbf_scan(&o, NULL, &snap);
	if (r < 0) {
		fprintf(stderr, "rebuildbench: scan: %s\n", strerror(-r));
		return 1;
	}
	r = dbf_wire_encode(snap, &frame, &len);
	dbf_snapshot_free(snap);
	in = dbf_interner_new();
	ms = calloc((size_t)rounds, sizeof(*ms));
	if (r < 0 || !in || !ms) {
		fprintf(stderr, "rebuildbench: out of memory\n");
		return 1;
	}
	malloc_trim(0);
	if (reset_peak() < 0) {
		fprintf(stderr, "rebuildbench: cannot reset the peak RSS: %m\n");
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		struct timespec a, b;
		struct dbf_tree *t;
		char *copy;

		clock_gettime(CLOCK_MONOTONIC, &a);
		/* The frame as dbf_scanner_read() hands it over: the server's own copy. */
		copy = malloc(len);
		if (!copy)
			return 1;
		memcpy(copy, frame, len);
		r = dbf_wire_decode(copy, len, cur ? cur->snap : NULL, &snap);
		free(copy);
		if (r == 0)
			r = dbf_tree_build(snap, in, cur, getuid(), getgid(), false, 10, &t);
		if (r < 0) {
			fprintf(stderr, "rebuildbench: rebuild: %s\n", strerror(-r));
			return 1;
		}
		dbf_tree_free(cur);
		cur = t;
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	}
	qsort(ms, (size_t)rounds, sizeof(*ms), cmp_double);
	printf("%.1f %.1f %ld %ld\n", ms[rounds / 2], ms[0], status_kib("VmHWM:"),
	       status_kib("VmRSS:"));
	dbf_tree_free(cur);
	dbf_interner_free(in);
	free(frame);
	free(ms);
	return 0;
}
