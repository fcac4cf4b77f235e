// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "builder.h"
#include "helpers.h"

unsigned int scan_threads;

struct dbf_snapshot *scan_roots(const char *proc, const char *debugfs,
				const char *sysfs)
{
	struct dbf_scan_opts o = {
		.proc_root = proc,
		.debugfs_root = debugfs ? debugfs : NO_SUCH_DIR,
		.sysfs_root = sysfs ? sysfs : NO_SUCH_DIR,
		.threads = scan_threads,
	};
	struct dbf_snapshot *s = NULL;
	int r = dbf_scan(&o, NULL, &s);

	cr_assert_eq(r, 0, "dbf_scan(%s): %s", proc, strerror(-r));
	return s;
}

struct dbf_snapshot *scan_fixture(const char *tree, const char *debugfs,
				  const char *sysfs)
{
	char proc[4096], dbg[4096], sys[4096];

	snprintf(proc, sizeof(proc), "%s/%s/proc", FIXTURES_DIR, tree);
	if (debugfs)
		snprintf(dbg, sizeof(dbg), "%s/%s", FIXTURES_DIR, debugfs);
	if (sysfs)
		snprintf(sys, sizeof(sys), "%s/%s", FIXTURES_DIR, sysfs);
	return scan_roots(proc, debugfs ? dbg : NULL, sysfs ? sys : NULL);
}

char *read_fixture(const char *rel, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, rel);
	f = fopen(path, "rb");
	cr_assert(f, "open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

const struct dbf_buf *must_buf(const struct dbf_snapshot *s, uint64_t ino)
{
	const struct dbf_buf *b = dbf_snapshot_buf(s, ino);

	cr_assert(b, "no buffer with inode %llu", (unsigned long long)ino);
	return b;
}

const struct dbf_proc *must_proc(const struct dbf_snapshot *s, pid_t pid)
{
	const struct dbf_proc *p = dbf_snapshot_proc(s, pid);

	cr_assert(p, "no process %d", (int)pid);
	return p;
}

const struct dbf_holder *holder_of(const struct dbf_snapshot *s, uint64_t ino,
				   pid_t pid)
{
	const struct dbf_buf *b = must_buf(s, ino);

	for (uint32_t i = 0; i < b->nholders; i++) {
		const struct dbf_holder *h = &s->holders[b->holder0 + i];

		if (s->procs[h->proc].pid == pid)
			return h;
	}
	return NULL;
}

char *copy_fixture(const char *tree)
{
	char tmpl[] = "/tmp/dmabuffs-test-XXXXXX", cmd[8192];
	char *dir = mkdtemp(tmpl);

	cr_assert(dir, "mkdtemp: %s", strerror(errno));
	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s/' && chmod -R u+w '%s'",
		 FIXTURES_DIR, tree, dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	return strdup(dir);
}

void remove_tree(const char *dir)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

#define WORLD_DEV makedev(0, 10)

struct dbf_snapshot *world_at(const struct buf *bufs, size_t n, const pid_t *unreadable,
			      bool listing, struct timespec taken)
{
	struct dbf_builder *b = dbf_builder_new();
	struct dbf_snapshot *s;

	cr_assert(b);
	dbf_builder_set_dmabuf_dev(b, WORLD_DEV, DBF_DEV_OPTION);
	for (size_t i = 0; i < n; i++) {
		const struct buf *w = &bufs[i];
		struct dbf_buf_fact f = dbf_buf_fact_init(w->ino, listing ? DBF_SRC_BUFINFO
									  : DBF_SRC_FDINFO);
		struct dbf_str devs[3];
		uint32_t nd = 0;

		while (nd < 3 && w->devices[nd]) {
			devs[nd] = (struct dbf_str){ w->devices[nd], (uint32_t)strlen(w->devices[nd]) };
			nd++;
		}
		f.size = w->size;
		f.has_size = true;
		f.exporter = (struct dbf_str){ "drm", 3 };
		f.has_name = w->name != NULL;
		f.name = (struct dbf_str){ w->name, w->name ? (uint32_t)strlen(w->name) : 0 };
		f.name_rank = DBF_NAME_EXACT;
		f.devices = devs;
		f.ndevices = nd;
		f.devices_known = listing;
		cr_assert_eq(dbf_builder_buf(b, &f), 0);
		for (const struct hold *h = w->h; h < w->h + 3 && h->pid; h++) {
			struct dbf_proc_fact p = { .pid = h->pid, .start_time = h->start,
						   .comm = h->comm,
						   .cgroup = { "/a b", 4 } };

			cr_assert_eq(dbf_builder_proc(b, &p), 0);
			for (const int *fd = h->fds; fd < h->fds + 3 && *fd; fd++)
				cr_assert_eq(dbf_builder_fd(b, h->pid, *fd, w->ino), 0);
			if (h->maps)
				cr_assert_eq(dbf_builder_maps(b, h->pid, w->ino, WORLD_DEV, h->maps, w->size,
							      f.name), 0);
		}
	}
	for (; unreadable && *unreadable; unreadable++)
		cr_assert_eq(dbf_builder_unreadable(b, *unreadable), 0);
	dbf_builder_set_sources(b, DBF_SRC_FD | DBF_SRC_FDINFO | DBF_SRC_MAPS |
				   (listing ? DBF_SRC_BUFINFO : 0), 0, 10);
	cr_assert_eq(dbf_builder_finish(b, &taken, NULL, &s), 0);
	return s;
}
