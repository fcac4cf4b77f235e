// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real captures (tests/fixtures/README.md) against their truth
 * table: every buffer, size, name byte for byte, holder fd and mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "helpers.h"

#define MAX_HOLDERS 3

struct want_holder {
	pid_t pid;
	int nfds;
	int fds[2];
	uint32_t maps;
};

struct want_buf {
	uint64_t ino;
	uint64_t size;
	const char *name;	/* NULL: unnamed */
	size_t name_len;
	int64_t refcount;
	int nholders;
	struct want_holder h[MAX_HOLDERS];
};

#define NAME(s) s, sizeof(s) - 1
#define KiB 1024ull
#define MiB (1024ull * 1024)

static const struct want_buf vgem[] = {
	{ 1, 1 * MiB, NAME("CAMERA"), 6, 2, { { 90, 1, { 6 }, 1 }, { 95, 1, { 6 }, 1 } } },
	{ 2, 1 * MiB, NAME("CAMERA"), 6, 2, { { 90, 2, { 7, 9 }, 0 }, { 95, 2, { 7, 9 }, 0 } } },
	{ 3, 2 * MiB, NAME("CAMERA"), 5, 3,
	  { { 90, 1, { 8 }, 0 }, { 91, 0, { 0 }, 1 }, { 95, 1, { 8 }, 0 } } },
	{ 4, 64 * KiB, NAME("a/b"), 3, 1, { { 92, 1, { 6 }, 0 } } },
	{ 5, 64 * KiB, NAME("with space"), 3, 1, { { 92, 1, { 7 }, 0 } } },
	{ 6, 64 * KiB, NAME("new\nline"), 3, 1, { { 92, 1, { 8 }, 0 } } },
	{ 7, 64 * KiB, NAME("tab\there"), 3, 1, { { 92, 1, { 9 }, 0 } } },
	{ 8, 64 * KiB, NAME("%41"), 3, 1, { { 92, 1, { 10 }, 0 } } },
	{ 9, 64 * KiB, NAME(".."), 3, 1, { { 92, 1, { 11 }, 0 } } },
	{ 10, 64 * KiB, NAME("0123456789012345678901234567890"), 3, 1, { { 92, 1, { 12 }, 0 } } },
	{ 11, 64 * KiB, NAME("\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9"), 3, 1, { { 92, 1, { 13 }, 0 } } },
	{ 12, 64 * KiB, NULL, 0, 3, 1, { { 92, 1, { 14 }, 0 } } },
	{ 13, 256 * KiB, NAME("MAPONLY"), 3, 1, { { 93, 0, { 0 }, 1 } } },
	{ 14, 128 * KiB, NAME("KERNELONLY"), 2, 0, { { 0 } } },
	{ 15, 512 * KiB, NAME("FRAMEBUFFER"), 3, 1, { { 91, 1, { 6 }, 0 } } },
};

static const struct want_buf heap[] = {
	{ 1, 64 * KiB, NAME("a/b"), 1, 1, { { 27, 1, { 6 }, 0 } } },
	{ 2, 64 * KiB, NAME("with space"), 1, 1, { { 27, 1, { 7 }, 0 } } },
	{ 3, 64 * KiB, NAME("new\nline"), 1, 1, { { 27, 1, { 8 }, 0 } } },
	{ 4, 64 * KiB, NAME("tab\there"), 1, 1, { { 27, 1, { 9 }, 0 } } },
	{ 5, 64 * KiB, NAME("%41"), 1, 1, { { 27, 1, { 10 }, 0 } } },
	{ 6, 64 * KiB, NAME(".."), 1, 1, { { 27, 1, { 11 }, 0 } } },
	{ 7, 64 * KiB, NAME("0123456789012345678901234567890"), 1, 1, { { 27, 1, { 12 }, 0 } } },
	{ 8, 64 * KiB, NAME("\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9"), 1, 1, { { 27, 1, { 13 }, 0 } } },
	{ 9, 64 * KiB, NULL, 0, 1, 1, { { 27, 1, { 14 }, 0 } } },
	{ 10, 1 * MiB, NAME("CAMERA"), 4, 2, { { 25, 1, { 6 }, 1 }, { 29, 1, { 6 }, 1 } } },
	{ 11, 256 * KiB, NAME("MAPONLY"), 1, 1, { { 28, 0, { 0 }, 1 } } },
	{ 12, 1 * MiB, NAME("CAMERA"), 4, 2, { { 25, 2, { 5, 7 }, 0 }, { 29, 2, { 5, 7 }, 0 } } },
	{ 13, 2 * MiB, NAME("CAMERA"), 3, 3,
	  { { 25, 1, { 8 }, 0 }, { 26, 0, { 0 }, 1 }, { 29, 1, { 8 }, 0 } } },
	{ 14, 512 * KiB, NAME("FRAMEBUFFER"), 1, 1, { { 26, 1, { 6 }, 0 } } },
};

static void check_bufs(const struct dbf_snapshot *s, const struct want_buf *want,
		       size_t n, const char *exporter)
{
	cr_assert_eq(s->nbufs, n, "%zu buffers, expected %zu", s->nbufs, n);
	for (size_t i = 0; i < n; i++) {
		const struct want_buf *w = &want[i];
		const struct dbf_buf *b = must_buf(s, w->ino);

		cr_assert_eq(b->size, w->size, "ino %llu size", (unsigned long long)w->ino);
		assert_bytes(b->exporter, exporter, strlen(exporter));
		cr_assert_eq(b->has_name, w->name != NULL, "ino %llu has_name",
			     (unsigned long long)w->ino);
		if (w->name)
			assert_bytes(b->name, w->name, w->name_len);
		cr_assert_eq(b->refcount, w->refcount, "ino %llu refcount %lld",
			     (unsigned long long)w->ino, (long long)b->refcount);
		cr_assert(b->devices_known);
		cr_assert_eq(b->ndevices, 0);
		cr_assert_eq(b->nholders, (uint32_t)w->nholders, "ino %llu holders %u",
			     (unsigned long long)w->ino, b->nholders);
		for (int k = 0; k < w->nholders; k++) {
			const struct want_holder *wh = &w->h[k];
			const struct dbf_holder *h = &s->holders[b->holder0 + k];

			cr_assert_eq(s->procs[h->proc].pid, wh->pid, "ino %llu holder %d",
				     (unsigned long long)w->ino, k);
			cr_assert_eq(h->nfds, (uint32_t)wh->nfds, "ino %llu pid %d nfds",
				     (unsigned long long)w->ino, (int)wh->pid);
			for (int f = 0; f < wh->nfds; f++)
				cr_assert_eq(s->fds[h->fd0 + f], wh->fds[f]);
			cr_assert_eq(h->maps, wh->maps, "ino %llu pid %d maps",
				     (unsigned long long)w->ino, (int)wh->pid);
		}
	}
}

struct want_proc {
	pid_t pid;
	const char *comm;
	uint32_t nbufs;
	uint64_t bytes, pss;
};

static void check_procs(const struct dbf_snapshot *s, const struct want_proc *want,
			size_t n)
{
	cr_assert_eq(s->nprocs, n, "%zu processes hold buffers, expected %zu", s->nprocs, n);
	for (size_t i = 0; i < n; i++) {
		const struct dbf_proc *p = must_proc(s, want[i].pid);

		cr_assert_str_eq(p->comm, want[i].comm);
		cr_assert_eq(p->uid, 0);
		cr_assert_eq(p->nph, want[i].nbufs, "pid %d", (int)p->pid);
		cr_assert_eq(p->bytes, want[i].bytes, "pid %d bytes", (int)p->pid);
		cr_assert_eq(p->pss, want[i].pss, "pid %d pss %llu", (int)p->pid,
			     (unsigned long long)p->pss);
		cr_assert_eq(p->anon_fds + p->anon_maps, 0);
	}
}

/* Buffer 3 (2 MiB) is held by three processes: 2097152 / 3 = 699050 each. */
#define PSS_CAMERA (524288 + 524288 + 699050)
#define PSS_COMPOSITOR (699050 + 524288)

static void vgem_truth(void);

Test(fixtures, vgem_truth)
{
	vgem_truth();
}

/* Three threads split the 8 processes: the same truth, merged. */
Test(fixtures, vgem_truth_threaded)
{
	scan_threads = 3;
	vgem_truth();
}

static void vgem_truth(void)
{
	static const struct want_proc procs[] = {
		{ 90, "camera", 3, 4 * MiB, PSS_CAMERA },
		{ 91, "compositor", 2, 2 * MiB + 512 * KiB, PSS_COMPOSITOR },
		{ 92, "oddnames", 9, 9 * 64 * KiB, 9 * 64 * KiB },
		{ 93, "maponly", 1, 256 * KiB, 256 * KiB },
		{ 95, "camera-child", 3, 4 * MiB, PSS_CAMERA },
	};
	struct dbf_snapshot *s = scan_fixture("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL);

	check_bufs(s, vgem, sizeof(vgem) / sizeof(vgem[0]), "drm");
	check_procs(s, procs, sizeof(procs) / sizeof(procs[0]));
	cr_assert_eq(s->total_bytes, 5701632);		/* the bufinfo footer */
	cr_assert_eq(s->held_by_nobody, 1);		/* KERNELONLY */
	cr_assert_eq(must_buf(s, 14)->sources, DBF_SRC_BUFINFO);
	cr_assert_eq(s->nprocs_scanned, 8);
	cr_assert_eq(s->nunreadable, 0);
	cr_assert_eq(s->sources, DBF_SRC_FD | DBF_SRC_FDINFO | DBF_SRC_MAPS | DBF_SRC_BUFINFO);
	cr_assert_eq(s->bufinfo_err, 0);
	cr_assert_eq(s->nholders, 18);
	cr_assert_eq(s->nfds, 18);
	/* per process: fds on buffers 1, 2 (dup'd) and 3, and buffer 1's mapping */
	cr_assert_eq(must_proc(s, 90)->nfds, 4);
	cr_assert_eq(must_proc(s, 90)->nmaps, 1);
	cr_assert_eq(must_proc(s, 91)->nfds, 1);
	cr_assert_eq(must_proc(s, 91)->nmaps, 1);
	cr_assert_eq(must_proc(s, 93)->nfds, 0);
	cr_assert_eq(must_proc(s, 93)->nmaps, 1);
	dbf_snapshot_free(s);
}

Test(fixtures, heap_truth)
{
	static const struct want_proc procs[] = {
		{ 25, "camera", 3, 4 * MiB, PSS_CAMERA },
		{ 26, "compositor", 2, 2 * MiB + 512 * KiB, PSS_COMPOSITOR },
		{ 27, "oddnames", 9, 9 * 64 * KiB, 9 * 64 * KiB },
		{ 28, "maponly", 1, 256 * KiB, 256 * KiB },
		{ 29, "camera-child", 3, 4 * MiB, PSS_CAMERA },
	};
	struct dbf_snapshot *s = scan_fixture("linux-6.1-heap", "linux-6.1-heap/debug", NULL);

	check_bufs(s, heap, sizeof(heap) / sizeof(heap[0]), "system");
	check_procs(s, procs, sizeof(procs) / sizeof(procs[0]));
	cr_assert_eq(s->total_bytes, 5570560);
	cr_assert_eq(s->held_by_nobody, 0);
	cr_assert_eq(s->nprocs_scanned, 8);
	dbf_snapshot_free(s);
}

Test(fixtures, indices)
{
	struct dbf_snapshot *s = scan_fixture("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL);
	size_t first, n;

	n = dbf_snapshot_by_name(s, (struct dbf_str){ "CAMERA", 6 }, &first);
	cr_assert_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(s->bufs[s->by_name[first + i]].ino, i + 1);
	n = dbf_snapshot_by_name(s, (struct dbf_str){ "new\nline", 8 }, &first);
	cr_assert_eq(n, 1);
	cr_assert_eq(s->bufs[s->by_name[first]].ino, 6);
	cr_assert_eq(dbf_snapshot_by_name(s, (struct dbf_str){ "CAMER", 5 }, &first), 0);
	cr_assert_eq(s->nby_name, 14);		/* all but the unnamed one */
	cr_assert_eq(dbf_snapshot_by_exporter(s, (struct dbf_str){ "drm", 3 }, &first), 15);
	cr_assert_null(dbf_snapshot_buf(s, 16));
	cr_assert_null(dbf_snapshot_proc(s, 87));	/* holds nothing */

	/* by pid: the compositor holds 3 by mapping and 15 by fd */
	{
		const struct dbf_proc *p = must_proc(s, 91);
		const struct dbf_holder *h0 = &s->holders[s->proc_holders[p->ph0]];
		const struct dbf_holder *h1 = &s->holders[s->proc_holders[p->ph0 + 1]];

		cr_assert_eq(s->bufs[h0->buf].ino, 3);
		cr_assert_eq(h0->maps, 1);
		cr_assert_eq(s->bufs[h1->buf].ino, 15);
		cr_assert_eq(h1->nfds, 1);
	}
	dbf_snapshot_free(s);
}

static bool ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

Test(fixtures, first_seen_carries_over)
{
	struct dbf_scan_opts o = {
		.proc_root = FIXTURES_DIR "/linux-6.1-vgem/proc",
		.debugfs_root = FIXTURES_DIR "/linux-6.1-vgem/debug",
		.sysfs_root = NO_SUCH_DIR,
	};
	struct dbf_snapshot *a, *b, *c;

	cr_assert_eq(dbf_scan(&o, NULL, &a), 0);
	cr_assert(ts_eq(must_buf(a, 1)->first_seen, a->taken));
	/* Without bufinfo, KERNELONLY (14) vanishes; with it again, it is new. */
	o.debugfs_root = NO_SUCH_DIR;
	cr_assert_eq(dbf_scan(&o, a, &b), 0);
	o.debugfs_root = FIXTURES_DIR "/linux-6.1-vgem/debug";
	cr_assert_eq(dbf_scan(&o, b, &c), 0);
	cr_assert(!ts_eq(a->taken, c->taken));
	cr_assert(ts_eq(must_buf(c, 1)->first_seen, a->taken));
	cr_assert(ts_eq(must_buf(c, 15)->first_seen, a->taken));
	cr_assert(ts_eq(must_buf(c, 14)->first_seen, c->taken));
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
	dbf_snapshot_free(c);
}

/* Buffer 7 alone, @size bytes, scanned at @sec. */
static struct dbf_snapshot *buf7(uint64_t size, bool estimate, time_t sec,
				 const struct dbf_snapshot *prev)
{
	struct dbf_builder *b = dbf_builder_new();
	struct dbf_buf_fact f = dbf_buf_fact_init(7, estimate ? DBF_SRC_MAPS : DBF_SRC_FDINFO);
	struct timespec at = { .tv_sec = sec };
	struct dbf_snapshot *s;

	cr_assert_not_null(b);
	f.size = size;
	f.has_size = true;
	f.size_estimate = estimate;
	cr_assert_eq(dbf_builder_buf(b, &f), 0);
	cr_assert_eq(dbf_builder_finish(b, &at, prev, &s), 0);
	cr_assert_eq(s->nbufs, 1);
	cr_assert_eq(s->bufs[0].size_estimate, estimate);
	return s;
}

/*
 * A buffer first seen only through a mapping has the mapping's length as
 * its size; the fd that shows up later says the real one. Same buffer:
 * its first_seen stays. Two real sizes that differ are two buffers.
 */
Test(fixtures, first_seen_survives_a_corrected_size)
{
	struct dbf_snapshot *a = buf7(8192, true, 100, NULL);
	struct dbf_snapshot *b = buf7(4096, false, 200, a);
	struct dbf_snapshot *c = buf7(4096, false, 300, b);
	struct dbf_snapshot *d = buf7(65536, false, 400, c);

	cr_assert_eq(b->bufs[0].first_seen.tv_sec, 100);
	cr_assert_eq(c->bufs[0].first_seen.tv_sec, 100);
	cr_assert_eq(d->bufs[0].first_seen.tv_sec, 400);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
	dbf_snapshot_free(c);
	dbf_snapshot_free(d);
}

/* A truth file's name: hex bytes, or "-" for an unnamed buffer. */
static size_t unhex(const char *hex, char *out, size_t cap)
{
	size_t n = 0;
	unsigned int byte;

	while (hex[0] && hex[1] && n < cap && sscanf(hex, "%2x", &byte) == 1) {
		out[n++] = (char)byte;
		hex += 2;
	}
	return n;
}

/*
 * Stock 7.3 (tests/vm/capture --stock 7.3): bufinfo prints inodes with
 * %08llu and a mode with O_LARGEFILE. Every buffer, holder and attachment
 * of the scenario's own truth, written in the guest beside the capture.
 */
Test(fixtures, linux_7_3_truth)
{
	struct dbf_snapshot *s = scan_fixture("linux-7.3-vgem", "linux-7.3-vgem/debug", NULL);
	char *truth, *save = NULL;
	size_t len, bufs = 0, holds = 0, attaches = 0, nobody = 0;

	truth = read_fixture("linux-7.3-vgem/truth", &len);
	for (char *l = strtok_r(truth, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long ino, size;
		char exp[32], hex[80], who[16], fds[64], name[40];
		const struct dbf_buf *b;
		unsigned int maps;
		int pid;

		if (sscanf(l, "buf %llu %llu %31s %79s %15s", &ino, &size, exp, hex, who) == 5) {
			b = must_buf(s, ino);
			cr_assert_eq(b->size, size, "ino %llu size", ino);
			assert_bytes(b->exporter, exp, strlen(exp));
			cr_assert_eq(b->has_name, strcmp(hex, "-") != 0);
			if (b->has_name)
				assert_bytes(b->name, name, unhex(hex, name, sizeof(name)));
			if (!strcmp(who, "kernel")) {
				cr_assert_eq(b->nholders, 0, "ino %llu is held by nobody", ino);
				nobody++;
			}
			bufs++;
		} else if (sscanf(l, "hold %llu %d %63s %u", &ino, &pid, fds, &maps) == 4) {
			const struct dbf_holder *h = holder_of(s, ino, pid);
			char got[64] = "-";
			int off = 0;

			for (uint32_t f = 0; f < h->nfds; f++)
				off += snprintf(got + off, sizeof(got) - off, "%s%d", f ? "," : "",
						s->fds[h->fd0 + f]);
			cr_assert_str_eq(got, fds, "ino %llu pid %d fds", ino, pid);
			cr_assert_eq(h->maps, maps, "ino %llu pid %d maps", ino, pid);
			holds++;
		} else if (sscanf(l, "attach %llu %31s", &ino, exp) == 2) {
			b = must_buf(s, ino);
			cr_assert_eq(b->ndevices, 1);
			assert_bytes(b->devices[0], exp, strlen(exp));
			attaches++;
		}
	}
	/* All of it is in the capture, and nothing else. */
	cr_assert_eq(bufs, 7);
	cr_assert_eq(holds, 10);
	cr_assert_eq(attaches, 1);
	cr_assert_eq(nobody, 1);
	cr_assert_eq(s->nbufs, bufs);
	cr_assert_eq(s->held_by_nobody, nobody);
	cr_assert_eq(s->nholders, holds);
	cr_assert_eq(s->total_bytes, 5373952);		/* the bufinfo footer */
	cr_assert_eq(s->bufinfo_err, 0);
	cr_assert_eq(s->sources, DBF_SRC_FD | DBF_SRC_FDINFO | DBF_SRC_MAPS | DBF_SRC_BUFINFO);
	free(truth);
	dbf_snapshot_free(s);
}
