/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the unit tests: scanning fixture trees and looking things up. */
#ifndef DMABUFFS_TEST_HELPERS_H
#define DMABUFFS_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "snapshot.h"

/* Set by meson: the source tree's tests/fixtures. */
#ifndef FIXTURES_DIR
#error FIXTURES_DIR must be defined
#endif

#define NO_SUCH_DIR "/nonexistent-dmabuffs-root"

/* Scan <fixtures>/<tree>/proc with the given debugfs and sysfs (NULL: none). */
struct dbf_snapshot *scan_fixture(const char *tree, const char *debugfs,
				  const char *sysfs);
struct dbf_snapshot *scan_roots(const char *proc, const char *debugfs,
				const char *sysfs);

/* Threads for the procfs scan in scan_fixture/scan_roots (0: automatic). */
extern unsigned int scan_threads;

/* Read a whole fixture file; the caller frees. */
char *read_fixture(const char *rel, size_t *len);

const struct dbf_buf *must_buf(const struct dbf_snapshot *s, uint64_t ino);
const struct dbf_proc *must_proc(const struct dbf_snapshot *s, pid_t pid);
/* The holder record of @pid on @ino, or NULL. */
const struct dbf_holder *holder_of(const struct dbf_snapshot *s, uint64_t ino,
				   pid_t pid);

/* A made-up world for the event tests: each buffer's holders and their fds. */
struct hold {
	pid_t pid;
	uint64_t start;		/* start time; 0: unknown */
	const char *comm;
	int fds[3];		/* ascending, 0-terminated: fd 0 is never a dma-buf here */
	uint32_t maps;
};

struct buf {
	uint64_t ino, size;
	const char *name;	/* NULL: unnamed */
	const char *devices[3];	/* NULL-terminated */
	struct hold h[3];	/* pid 0 ends */
};

/*
 * One snapshot of @bufs taken at @taken: exporter "drm", every process in
 * cgroup "/a b"; @unreadable pids (0-terminated); @listing: bufinfo answered.
 */
struct dbf_snapshot *world_at(const struct buf *bufs, size_t n, const pid_t *unreadable,
			      bool listing, struct timespec taken);

/* Copy a fixture tree to a fresh temp dir (cp -a); returns the dir. */
char *copy_fixture(const char *tree);
void remove_tree(const char *dir);

#define assert_bytes(str, lit, n)                                              \
	do {                                                                   \
		cr_assert_eq((str).len, (n), "length %u, expected %zu",        \
			     (unsigned int)(str).len, (size_t)(n));            \
		cr_assert(!memcmp((str).p, (lit), (n)), "bytes differ: '%.*s'", \
			  (int)(str).len, (str).p);                            \
	} while (0)

#define assert_str(str, lit) assert_bytes(str, lit, sizeof(lit) - 1)

#endif
