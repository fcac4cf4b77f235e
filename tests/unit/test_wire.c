// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scanner-to-server hand-over: a snapshot encoded and decoded again is
 * the same snapshot, field by field and in its --dump JSON; anything
 * malformed is refused with EINVAL.
 */
#include <errno.h>
#include <stdlib.h>

#include "dump.h"
#include "helpers.h"
#include "wire.h"

static char *json_of(const struct dbf_snapshot *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert(f);
	cr_assert_eq(dbf_dump_json(s, f), 0);
	cr_assert_eq(fclose(f), 0);
	return text;
}

static void same_str(struct dbf_str a, struct dbf_str b, const char *what)
{
	cr_assert_eq(a.len, b.len, "%s: length %u, expected %u", what, b.len, a.len);
	cr_assert(!a.len || !memcmp(a.p, b.p, a.len), "%s: bytes differ", what);
}

/* Every field, derived ones included. */
static void same_snapshot(const struct dbf_snapshot *a, const struct dbf_snapshot *b)
{
	cr_assert_eq(a->taken.tv_sec, b->taken.tv_sec);
	cr_assert_eq(a->taken.tv_nsec, b->taken.tv_nsec);
	cr_assert_eq(a->scan_ns, b->scan_ns);
	cr_assert_eq(a->sources, b->sources);
	cr_assert_eq(a->device_sources, b->device_sources);
	cr_assert_eq(a->dmabuf_dev, b->dmabuf_dev);
	cr_assert_eq(a->dev_src, b->dev_src);
	cr_assert_eq(a->bufinfo_err, b->bufinfo_err);
	cr_assert_eq(a->nprocs_scanned, b->nprocs_scanned);
	cr_assert_eq(a->total_bytes, b->total_bytes);
	cr_assert_eq(a->held_by_nobody, b->held_by_nobody);
	cr_assert_eq(a->anon_fds, b->anon_fds);
	cr_assert_eq(a->anon_maps, b->anon_maps);
	cr_assert_eq(a->bufinfo_noino, b->bufinfo_noino);
	cr_assert_eq(a->bufinfo_noino_bytes, b->bufinfo_noino_bytes);

	cr_assert_eq(a->nbufs, b->nbufs);
	for (size_t i = 0; i < a->nbufs; i++) {
		const struct dbf_buf *x = &a->bufs[i], *y = &b->bufs[i];

		cr_assert_eq(x->ino, y->ino);
		cr_assert_eq(x->size, y->size, "buffer %lu", (unsigned long)x->ino);
		same_str(x->exporter, y->exporter, "exporter");
		cr_assert_eq(x->has_name, y->has_name);
		same_str(x->name, y->name, "name");
		cr_assert_eq(x->devices_known, y->devices_known);
		cr_assert_eq(x->size_estimate, y->size_estimate);
		cr_assert_eq(x->refcount, y->refcount);
		cr_assert_eq(x->ndevices, y->ndevices);
		for (uint32_t k = 0; k < x->ndevices; k++)
			same_str(x->devices[k], y->devices[k], "device");
		cr_assert_eq(x->first_seen.tv_sec, y->first_seen.tv_sec);
		cr_assert_eq(x->first_seen.tv_nsec, y->first_seen.tv_nsec);
		cr_assert_eq(x->sources, y->sources, "buffer %lu", (unsigned long)x->ino);
		cr_assert_eq(x->holder0, y->holder0);
		cr_assert_eq(x->nholders, y->nholders);
	}
	cr_assert_eq(a->nprocs, b->nprocs);
	for (size_t i = 0; i < a->nprocs; i++) {
		const struct dbf_proc *x = &a->procs[i], *y = &b->procs[i];

		cr_assert_eq(x->pid, y->pid);
		cr_assert_eq(x->uid, y->uid);
		cr_assert_eq(x->gid, y->gid);
		cr_assert_eq(x->owner, y->owner);
		cr_assert_eq(x->owner_gid, y->owner_gid);
		cr_assert_eq(x->start_time, y->start_time);
		cr_assert_str_eq(x->comm, y->comm);
		same_str(x->cgroup, y->cgroup, "cgroup");
		cr_assert_eq(x->ph0, y->ph0);
		cr_assert_eq(x->nph, y->nph);
		cr_assert_eq(x->anon_fds, y->anon_fds);
		cr_assert_eq(x->anon_maps, y->anon_maps);
		cr_assert_eq(x->nfds, y->nfds);
		cr_assert_eq(x->nmaps, y->nmaps);
		cr_assert_eq(x->bytes, y->bytes);
		cr_assert_eq(x->pss, y->pss);
	}
	cr_assert_eq(a->nholders, b->nholders);
	for (size_t i = 0; i < a->nholders; i++) {
		const struct dbf_holder *x = &a->holders[i], *y = &b->holders[i];

		cr_assert_eq(x->buf, y->buf);
		cr_assert_eq(x->proc, y->proc);
		cr_assert_eq(x->fd0, y->fd0);
		cr_assert_eq(x->nfds, y->nfds);
		cr_assert_eq(x->maps, y->maps);
		cr_assert_eq(x->maps_unverified, y->maps_unverified);
		cr_assert_eq(a->proc_holders[i], b->proc_holders[i]);
	}
	cr_assert_eq(a->nfds, b->nfds);
	for (size_t i = 0; i < a->nfds; i++)
		cr_assert_eq(a->fds[i], b->fds[i]);
	cr_assert_eq(a->nby_name, b->nby_name);
	for (size_t i = 0; i < a->nby_name; i++)
		cr_assert_eq(a->by_name[i], b->by_name[i]);
	cr_assert_eq(a->nby_exporter, b->nby_exporter);
	for (size_t i = 0; i < a->nby_exporter; i++)
		cr_assert_eq(a->by_exporter[i], b->by_exporter[i]);
	cr_assert_eq(a->nunreadable, b->nunreadable);
	for (size_t i = 0; i < a->nunreadable; i++)
		cr_assert_eq(a->unreadable[i], b->unreadable[i]);
}

static struct dbf_snapshot *scan_with(const char *tree, const char *debugfs,
				      const char *sysfs, unsigned int dev_src,
				      uint64_t dev)
{
	char proc[4096], dbg[4096], sys[4096];
	struct dbf_scan_opts o = {
		.proc_root = proc,
		.debugfs_root = NO_SUCH_DIR,
		.sysfs_root = NO_SUCH_DIR,
		.dmabuf_dev = dev,
		.dev_src = dev_src,
	};
	struct dbf_snapshot *s = NULL;

	snprintf(proc, sizeof(proc), "%s/%s/proc", FIXTURES_DIR, tree);
	if (debugfs) {
		snprintf(dbg, sizeof(dbg), "%s/%s", FIXTURES_DIR, debugfs);
		o.debugfs_root = dbg;
	}
	if (sysfs) {
		snprintf(sys, sizeof(sys), "%s/%s", FIXTURES_DIR, sysfs);
		o.sysfs_root = sys;
	}
	cr_assert_eq(dbf_scan(&o, NULL, &s), 0, "scan %s", tree);
	/* Fields the fixtures may leave at zero still have to travel. */
	s->scan_ns = 123456789;
	for (size_t i = 0; i < s->nprocs; i++) {
		s->procs[i].start_time = 1000u + (uint64_t)s->procs[i].pid;
		s->procs[i].owner_gid = 2000u + (gid_t)s->procs[i].pid;
	}
	return s;
}

static void round_trip(struct dbf_snapshot *s)
{
	struct dbf_snapshot *d = NULL;
	char *bytes, *again, *ja, *jb;
	size_t len, len2;

	cr_assert_eq(dbf_wire_encode(s, &bytes, &len), 0);
	cr_assert_eq(dbf_wire_decode(bytes, len, NULL, &d), 0);
	same_snapshot(s, d);
	ja = json_of(s);
	jb = json_of(d);
	cr_assert_str_eq(ja, jb);
	/* Encoding is a function of the snapshot: the decoded one gives the same bytes. */
	cr_assert_eq(dbf_wire_encode(d, &again, &len2), 0);
	cr_assert_eq(len2, len);
	cr_assert(!memcmp(bytes, again, len));
	free(ja);
	free(jb);
	free(again);
	free(bytes);
	dbf_snapshot_free(d);
	dbf_snapshot_free(s);
}

Test(wire, vgem_debugfs)
{
	round_trip(scan_with("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL, 0, 0));
}

Test(wire, vgem_sysfs_no_debugfs)
{
	round_trip(scan_with("linux-6.1-vgem", NULL, "linux-6.1-sysfs/sys", 0, 0));
}

/* Maps lines of the fixtures say device 00:0d, i.e. makedev(0, 13). */
Test(wire, vgem_known_dev)
{
	struct dbf_snapshot *s = scan_with("linux-6.1-vgem", "linux-6.1-vgem/debug",
					   NULL, DBF_DEV_OPTION, 13);

	/* Scans that do not record the option yet: the fields travel all the same. */
	if (s->dev_src != DBF_DEV_OPTION) {
		s->dmabuf_dev = 13;
		s->dev_src = DBF_DEV_OPTION;
	}
	round_trip(s);
}

Test(wire, heap)
{
	round_trip(scan_with("linux-6.1-heap", "linux-6.1-heap/debug", NULL, 0, 0));
}

Test(wire, hostile)
{
	round_trip(scan_with("linux-6.1-hostile", "linux-6.1-hostile/debug", NULL, 0, 0));
}

Test(wire, patched)
{
	round_trip(scan_with("linux-6.1-patched", "linux-6.1-patched/debug", NULL, 0, 0));
}

Test(wire, anon_4_19)
{
	struct dbf_snapshot *s = scan_with("linux-4.19-anon", "linux-4.19-anon/debug",
					   NULL, 0, 0);

	cr_assert_gt(s->anon_fds, 0);
	round_trip(s);
}

Test(wire, noino_5_10)
{
	round_trip(scan_with("linux-5.10-noino", NULL, NULL, 0, 0));
}

Test(wire, empty)
{
	round_trip(scan_with("linux-6.1-vgem", NULL, NULL, 0, 0));
}

/* What the scanner read travels exactly: cgroups (known or not) and device sources. */
static struct dbf_snapshot *decoded(struct dbf_snapshot *s)
{
	struct dbf_snapshot *d = NULL;
	char *bytes;
	size_t len;

	cr_assert_eq(dbf_wire_encode(s, &bytes, &len), 0);
	cr_assert_eq(dbf_wire_decode(bytes, len, NULL, &d), 0);
	free(bytes);
	dbf_snapshot_free(s);
	return d;
}

static void assert_cgroup(const struct dbf_snapshot *s, pid_t pid, const char *path,
			  size_t len)
{
	const struct dbf_proc *p = must_proc(s, pid);

	cr_assert_eq(p->cgroup.len, len, "pid %d: %u bytes", (int)pid, p->cgroup.len);
	cr_assert(!len || !memcmp(p->cgroup.p, path, len), "pid %d", (int)pid);
}

#define ASSERT_CGROUP(s, pid, lit) assert_cgroup(s, pid, lit, sizeof(lit) - 1)

Test(wire, cgroups_and_device_sources)
{
	static const char attacker[] = "/user.slice/new\nline/tab\there/%41/../42/with space";
	struct dbf_snapshot *d;

	d = decoded(scan_with("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL, 0, 0));
	cr_assert_eq(d->device_sources, DBF_SRC_BUFINFO);
	ASSERT_CGROUP(d, 90, "/system.slice/camera.service");
	ASSERT_CGROUP(d, 91, "/system.slice/compositor.service");
	ASSERT_CGROUP(d, 92, "/user.slice/user-1000.slice/user@1000.service/app.slice/odd.scope");
	ASSERT_CGROUP(d, 93, "");		/* unknown: no cgroup file */
	ASSERT_CGROUP(d, 95, "/system.slice/camera.service");
	dbf_snapshot_free(d);

	d = decoded(scan_with("linux-6.1-heap", "linux-6.1-heap/debug", NULL, 0, 0));
	ASSERT_CGROUP(d, 28, "/");
	dbf_snapshot_free(d);

	d = decoded(scan_with("linux-6.1-hostile", "linux-6.1-hostile/debug", NULL, 0, 0));
	ASSERT_CGROUP(d, 300, attacker);
	cr_assert_eq(must_proc(d, 301)->cgroup.len, 12 + 255);
	dbf_snapshot_free(d);

	d = decoded(scan_with("linux-6.1-patched", "linux-6.1-patched/debug", NULL, 0, 0));
	cr_assert_eq(d->device_sources, DBF_SRC_BUFINFO | DBF_SRC_FDINFO);
	ASSERT_CGROUP(d, 400, "/system.slice/camera.service");
	dbf_snapshot_free(d);

	d = decoded(scan_with("linux-6.1-patched", NULL, NULL, 0, 0));
	cr_assert_eq(d->device_sources, DBF_SRC_FDINFO);
	dbf_snapshot_free(d);

	d = decoded(scan_with("linux-4.19-anon", "linux-4.19-anon/debug", NULL, 0, 0));
	ASSERT_CGROUP(d, 200, "");		/* v1 only */
	dbf_snapshot_free(d);

	d = decoded(scan_with("linux-6.1-vgem", NULL, NULL, 0, 0));
	cr_assert_eq(d->device_sources, 0);
	dbf_snapshot_free(d);
}

/* first_seen comes from the receiver's previous snapshot, not the sender. */
Test(wire, first_seen_from_prev)
{
	struct dbf_snapshot *a = scan_with("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL, 0, 0);
	struct dbf_snapshot *b = scan_with("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL, 0, 0);
	struct dbf_snapshot *d;
	char *bytes;
	size_t len;

	b->taken.tv_sec += 10;
	cr_assert_eq(dbf_wire_encode(b, &bytes, &len), 0);
	cr_assert_eq(dbf_wire_decode(bytes, len, a, &d), 0);
	/* The scan time is the sent snapshot's own (the two scans may straddle a second). */
	cr_assert_eq(d->taken.tv_sec, b->taken.tv_sec);
	cr_assert_eq(d->taken.tv_nsec, b->taken.tv_nsec);
	for (size_t i = 0; i < d->nbufs; i++)
		cr_assert_eq(d->bufs[i].first_seen.tv_sec, a->bufs[i].first_seen.tv_sec);
	free(bytes);
	dbf_snapshot_free(a);
	dbf_snapshot_free(b);
	dbf_snapshot_free(d);
}

Test(wire, truncated)
{
	struct dbf_snapshot *s = scan_with("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL, 0, 0);
	struct dbf_snapshot *d = NULL;
	char *bytes;
	size_t len;

	cr_assert_eq(dbf_wire_encode(s, &bytes, &len), 0);
	for (size_t n = 0; n < len; n++)
		cr_assert_eq(dbf_wire_decode(bytes, n, NULL, &d), -EINVAL,
			     "%zu of %zu bytes decoded", n, len);
	/* One byte too many is as bad. */
	bytes = realloc(bytes, len + 1);
	cr_assert(bytes);
	bytes[len] = 0;
	cr_assert_eq(dbf_wire_decode(bytes, len + 1, NULL, &d), -EINVAL);
	free(bytes);
	dbf_snapshot_free(s);
}

/* Offsets of the fixed header (see wire.c). */
#define OFF_NPROCS	80
#define OFF_PROC0_PID	84
#define OFF_DEVICE_SOURCES 28
#define OFF_SCANNER	56
/* In a process record: pid to the comm's length byte, then comm, then the cgroup. */
#define PROC_COMM_LEN	36

Test(wire, corrupted)
{
	struct dbf_snapshot *s = scan_with("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL, 0, 0);
	struct dbf_snapshot *d = NULL;
	char *bytes, *copy;
	uint32_t v;
	int32_t pid;
	size_t len, off;
	int r;

	cr_assert_eq(dbf_wire_encode(s, &bytes, &len), 0);
	copy = malloc(len);
	cr_assert(copy);

	memcpy(&v, bytes + OFF_NPROCS, 4);
	cr_assert_eq(v, s->nprocs);
	memcpy(&pid, bytes + OFF_PROC0_PID, 4);
	cr_assert_eq(pid, s->procs[0].pid);

	/* A count far beyond the bytes left. */
	memcpy(copy, bytes, len);
	v = 0x7fffffff;
	memcpy(copy + OFF_NPROCS, &v, 4);
	cr_assert_eq(dbf_wire_decode(copy, len, NULL, &d), -EINVAL);

	/* The second process with the first one's pid: not ascending. */
	memcpy(copy, bytes, len);
	pid = s->procs[1].pid;
	memcpy(copy + OFF_PROC0_PID, &pid, 4);
	cr_assert_eq(dbf_wire_decode(copy, len, NULL, &d), -EINVAL);

	/* taken.tv_nsec out of range */
	memcpy(copy, bytes, len);
	memset(copy + 8, 0xff, 8);
	cr_assert_eq(dbf_wire_decode(copy, len, NULL, &d), -EINVAL);

	/* A device source that is not one */
	memcpy(&v, bytes + OFF_DEVICE_SOURCES, 4);
	cr_assert_eq(v, DBF_SRC_BUFINFO);
	memcpy(copy, bytes, len);
	v = DBF_SRC_BUFINFO | DBF_SRC_MAPS;
	memcpy(copy + OFF_DEVICE_SOURCES, &v, 4);
	cr_assert_eq(dbf_wire_decode(copy, len, NULL, &d), -EINVAL);

	/* The scanner that ran travels; one that does not exist is refused. */
	memcpy(&v, bytes + OFF_SCANNER, 4);
	cr_assert_eq(v, DBF_SCANNER_PROCFS);
	memcpy(copy, bytes, len);
	v = DBF_SCANNER_BPF;
	memcpy(copy + OFF_SCANNER, &v, 4);
	cr_assert_eq(dbf_wire_decode(copy, len, NULL, &d), 0);
	cr_assert_eq(d->scanner, DBF_SCANNER_BPF);
	cr_assert_str_eq(dbf_scanner_name(d->scanner), "bpf");
	dbf_snapshot_free(d);
	v = DBF_SCANNER_BPF + 1;
	memcpy(copy + OFF_SCANNER, &v, 4);
	cr_assert_eq(dbf_wire_decode(copy, len, NULL, &d), -EINVAL);

	/* A cgroup path that does not start with '/', as no kernel prints one */
	off = OFF_PROC0_PID + PROC_COMM_LEN + 1 + strlen(s->procs[0].comm);
	memcpy(&v, bytes + off, 4);
	cr_assert_eq(v, s->procs[0].cgroup.len);
	cr_assert_eq(bytes[off + 4], '/');
	memcpy(copy, bytes, len);
	copy[off + 4] = 's';
	cr_assert_eq(dbf_wire_decode(copy, len, NULL, &d), -EINVAL);

	/*
	 * Every byte set to every interesting value: decoded or refused, never
	 * a crash; what decodes encodes to bytes that decode to the same.
	 */
	for (size_t i = 0; i < len; i++) {
		static const unsigned char vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };

		for (size_t k = 0; k < sizeof(vals); k++) {
			memcpy(copy, bytes, len);
			copy[i] = (char)vals[k];
			r = dbf_wire_decode(copy, len, NULL, &d);
			cr_assert(r == 0 || r == -EINVAL, "byte %zu: %d", i, r);
			if (r == 0) {
				struct dbf_snapshot *d2;
				char *e1, *e2;
				size_t l1, l2;

				cr_assert_eq(dbf_wire_encode(d, &e1, &l1), 0);
				cr_assert_eq(dbf_wire_decode(e1, l1, NULL, &d2), 0);
				cr_assert_eq(dbf_wire_encode(d2, &e2, &l2), 0);
				cr_assert(l1 == l2 && !memcmp(e1, e2, l1), "byte %zu", i);
				free(e1);
				free(e2);
				dbf_snapshot_free(d2);
				dbf_snapshot_free(d);
			}
		}
	}
	free(copy);
	free(bytes);
	dbf_snapshot_free(s);
}

/* A payload written by hand, field by field as wire.c lays them out. */
struct frame {
	char b[1024];
	size_t len;
};

static void put(struct frame *f, const void *p, size_t n)
{
	cr_assert_leq(f->len + n, sizeof(f->b));
	if (n)
		memcpy(f->b + f->len, p, n);
	f->len += n;
}

#define PUT(f, type, v) do { type v_ = (type)(v); put(f, &v_, sizeof(v_)); } while (0)

static void put_str(struct frame *f, const char *s)
{
	PUT(f, uint32_t, strlen(s));
	put(f, s, strlen(s));
}

static void put_proc(struct frame *f, pid_t pid, const char *comm, uint32_t anon_fds)
{
	PUT(f, int32_t, pid);
	for (int i = 0; i < 4; i++)
		PUT(f, uint32_t, 1000);		/* uid, gid, owner, owner_gid */
	PUT(f, uint64_t, 77);			/* start_time */
	PUT(f, uint32_t, anon_fds);
	PUT(f, uint32_t, 0);			/* anon_maps */
	PUT(f, uint8_t, strlen(comm));
	put(f, comm, strlen(comm));
	put_str(f, "/app.slice");
}

static void put_buf(struct frame *f, uint64_t ino, uint8_t flags, int64_t refcount,
		    uint32_t sources, const char *exporter, const char *name,
		    uint32_t nholders)
{
	PUT(f, uint64_t, ino);
	PUT(f, uint64_t, 4096);
	PUT(f, uint8_t, flags);
	PUT(f, int64_t, refcount);
	PUT(f, uint32_t, sources);
	put_str(f, exporter);
	put_str(f, name);
	PUT(f, uint32_t, 0);			/* ndevices */
	PUT(f, uint32_t, nholders);
}

static void put_holder(struct frame *f, uint32_t proc, uint32_t maps, uint32_t nfds,
		       const int32_t *fds)
{
	PUT(f, uint32_t, proc);
	PUT(f, uint32_t, maps);
	PUT(f, uint8_t, 0);			/* maps_unverified */
	PUT(f, uint32_t, nfds);
	put(f, fds, nfds * sizeof(*fds));
}

/*
 * What the sender may state loosely is decoded as a scan would have
 * recorded it: fds in order, a negative refcount unknown, an empty name
 * none, a holder's fds and mappings counted among the buffer's sources, a
 * process that holds nothing dropped, unreadable pids sorted.
 */
Test(wire, decoded_as_scanned)
{
	static const int32_t fds[] = { 9, 4, 7 };
	struct frame f = { .len = 0 };
	struct dbf_snapshot *d = NULL;
	const struct dbf_buf *b;
	const struct dbf_proc *p;

	PUT(&f, int64_t, 1700000000);		/* taken */
	PUT(&f, int64_t, 5);
	PUT(&f, uint64_t, 1000);		/* scan_ns */
	PUT(&f, uint32_t, DBF_SRC_FD | DBF_SRC_BUFINFO);
	PUT(&f, uint32_t, 0);			/* device_sources */
	PUT(&f, int32_t, 0);			/* bufinfo_err */
	PUT(&f, uint64_t, 4);			/* nprocs_scanned */
	PUT(&f, uint64_t, 0);			/* dmabuf_dev */
	PUT(&f, uint32_t, DBF_DEV_NONE);
	PUT(&f, uint32_t, DBF_SCANNER_PROCFS);
	PUT(&f, uint32_t, 0);			/* trace: none */
	PUT(&f, uint64_t, 0);			/* bufinfo_noino */
	PUT(&f, uint64_t, 0);
	PUT(&f, uint32_t, 3);			/* processes */
	put_proc(&f, 10, "idle", 0);		/* holds nothing: dropped */
	put_proc(&f, 20, "cam", 0);
	put_proc(&f, 30, "old", 2);		/* anonymous fds only: kept */
	PUT(&f, uint32_t, 3);			/* unreadable */
	PUT(&f, int32_t, 50);
	PUT(&f, int32_t, 40);
	PUT(&f, int32_t, 45);
	PUT(&f, uint32_t, 3);			/* buffers */
	put_buf(&f, 100, 1, -5, DBF_SRC_BUFINFO, "system", "", 1);
	put_holder(&f, 1, 0, 3, fds);
	put_buf(&f, 101, 0, 2, 0, "system", "ignored", 1);
	put_holder(&f, 1, 2, 0, NULL);
	put_buf(&f, 102, 1, 1, DBF_SRC_BUFINFO, "", "frame", 0);

	cr_assert_eq(dbf_wire_decode(f.b, f.len, NULL, &d), 0);
	cr_assert_eq(d->nprocs, 2);
	cr_assert_eq(d->procs[0].pid, 20);
	cr_assert_eq(d->procs[1].pid, 30);
	cr_assert_eq(d->anon_fds, 2);
	cr_assert_eq(d->nunreadable, 3);
	cr_assert_eq(d->unreadable[0], 40);
	cr_assert_eq(d->unreadable[1], 45);
	cr_assert_eq(d->unreadable[2], 50);

	b = must_buf(d, 100);
	cr_assert_not(b->has_name);
	cr_assert_eq(b->name.len, 0);
	cr_assert_eq(b->refcount, -1);
	cr_assert_eq(b->sources, DBF_SRC_BUFINFO | DBF_SRC_FD);
	cr_assert_eq(b->nholders, 1);
	cr_assert_eq(d->holders[b->holder0].proc, 0);
	cr_assert_eq(d->holders[b->holder0].nfds, 3);
	cr_assert_eq(d->fds[0], 4);
	cr_assert_eq(d->fds[1], 7);
	cr_assert_eq(d->fds[2], 9);

	b = must_buf(d, 101);
	cr_assert_not(b->has_name);
	cr_assert_eq(b->name.len, 0);
	cr_assert_eq(b->refcount, 2);
	cr_assert_eq(b->sources, DBF_SRC_MAPS);
	cr_assert_eq(d->holders[b->holder0].maps, 2);

	b = must_buf(d, 102);
	cr_assert(b->has_name);
	cr_assert_eq(b->exporter.len, 0);
	cr_assert_eq(b->holder0, 0);
	cr_assert_eq(b->nholders, 0);
	cr_assert_eq(d->held_by_nobody, 1);
	cr_assert_eq(d->total_bytes, 3 * 4096);
	cr_assert_eq(d->nby_name, 1);
	cr_assert_eq(d->nby_exporter, 2);

	p = must_proc(d, 20);
	cr_assert_eq(p->nph, 2);
	cr_assert_eq(p->nfds, 3);
	cr_assert_eq(p->nmaps, 2);
	cr_assert_eq(p->bytes, 2 * 4096);
	cr_assert_eq(p->pss, 2 * 4096);
	cr_assert_eq(p->cgroup.len, strlen("/app.slice"));
	cr_assert_eq(must_proc(d, 30)->nph, 0);
	dbf_snapshot_free(d);
}

Test(wire, frame_header)
{
	struct dbf_wire_hdr h = { DBF_WIRE_MAGIC, DBF_WIRE_VERSION, 100, 0 };

	cr_assert_eq(dbf_wire_hdr_check(&h), 0);
	h.err = ENOENT;
	cr_assert_eq(dbf_wire_hdr_check(&h), -EINVAL);	/* an error has no payload */
	h.len = 0;
	cr_assert_eq(dbf_wire_hdr_check(&h), 0);
	h.err = -1;
	cr_assert_eq(dbf_wire_hdr_check(&h), -EINVAL);
	h = (struct dbf_wire_hdr){ DBF_WIRE_MAGIC, DBF_WIRE_VERSION + 1, 0, 0 };
	cr_assert_eq(dbf_wire_hdr_check(&h), -EINVAL);
	h = (struct dbf_wire_hdr){ DBF_WIRE_MAGIC ^ 1, DBF_WIRE_VERSION, 0, 0 };
	cr_assert_eq(dbf_wire_hdr_check(&h), -EINVAL);
	h = (struct dbf_wire_hdr){ DBF_WIRE_MAGIC, DBF_WIRE_VERSION, DBF_WIRE_MAX + 1, 0 };
	cr_assert_eq(dbf_wire_hdr_check(&h), -EINVAL);
	h = (struct dbf_wire_hdr){ DBF_WIRE_MAGIC, DBF_WIRE_VERSION, 8, 0, DBF_WIRE_EVENTS, 0 };
	cr_assert_eq(dbf_wire_hdr_check(&h), 0);
	h.type = DBF_WIRE_EVENTS + 1;
	cr_assert_eq(dbf_wire_hdr_check(&h), -EINVAL);
	h.type = DBF_WIRE_SNAPSHOT;
	h.reserved = 1;
	cr_assert_eq(dbf_wire_hdr_check(&h), -EINVAL);
}

/* A traced export's origin and the trace's attach points travel whole. */
Test(wire, origin_and_trace)
{
	struct dbf_snapshot *s = scan_with("linux-6.1-vgem", "linux-6.1-vgem/debug", NULL, 0, 0);
	struct dbf_snapshot *d = NULL;
	char *bytes;
	size_t len;

	s->trace = dbf_cstr("tracepoints: export fd; fentry: release");
	s->bufs[1].origin = &(struct dbf_origin){
		.pid = 4242, .owner = 1000, .owner_gid = 1001,
		.at = { 1796563302, 600000000 },
		.comm = dbf_cstr("exp\001orter"), .cgroup = dbf_cstr("/a b"),
	};
	cr_assert_eq(dbf_wire_encode(s, &bytes, &len), 0);
	cr_assert_eq(dbf_wire_decode(bytes, len, NULL, &d), 0);
	assert_bytes(d->trace, "tracepoints: export fd; fentry: release", 39);
	cr_assert_null(d->bufs[0].origin);
	cr_assert_not_null(d->bufs[1].origin);
	cr_assert_eq(d->bufs[1].origin->pid, 4242);
	cr_assert_eq(d->bufs[1].origin->owner, 1000);
	cr_assert_eq(d->bufs[1].origin->owner_gid, 1001);
	cr_assert_eq(d->bufs[1].origin->at.tv_nsec, 600000000);
	assert_bytes(d->bufs[1].origin->comm, "exp\001orter", 9);
	cr_assert_eq(d->bufs[1].origin->comm.p[9], 0);
	assert_bytes(d->bufs[1].origin->cgroup, "/a b", 4);
	dbf_snapshot_free(d);
	free(bytes);
	round_trip(s);
}

/* Events frames: what goes in comes out, and nothing else decodes. */
Test(wire, events)
{
	struct dbf_event in[2] = {
		{ .time = { 1796563302, 600000000 }, .kind = DBF_EV_EXPORT, .ino = 9,
		  .size = 4096, .exporter = dbf_cstr("system"), .pid = 300, .owner = 1000,
		  .owner_gid = 1000, .comm = "a\nb", .cgroup = dbf_cstr("/u"), .fd = -1 },
		{ .time = { 1796563302, 700000000 }, .kind = DBF_EV_RENAME, .ino = 9,
		  .size = 4096, .exporter = dbf_cstr("system"), .name = dbf_cstr("CAM"),
		  .has_name = true, .old_name = dbf_cstr("x"), .had_name = true, .fd = -1 },
	};
	struct dbf_event *out;
	char *bytes, *a = NULL, *b = NULL;
	size_t len, n, la, lb;
	FILE *fa, *fb;

	cr_assert_eq(dbf_wire_encode_events(in, 2, &bytes, &len), 0);
	cr_assert_eq(dbf_wire_decode_events(bytes, len, &out, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(out[0].source, DBF_EVS_TRACE);
	fa = open_memstream(&a, &la);
	fb = open_memstream(&b, &lb);
	for (size_t i = 0; i < 2; i++) {
		in[i].source = DBF_EVS_TRACE;
		cr_assert_eq(dbf_event_json(fa, &in[i]), 0);
		cr_assert_eq(dbf_event_json(fb, &out[i]), 0);
	}
	fclose(fa);
	fclose(fb);
	cr_assert_str_eq(b, a);
	cr_assert_str_eq(b, "{\"time\":\"2026-12-06T13:21:42.600000000Z\",\"event\":\"export\","
			    "\"ino\":9,\"size\":4096,\"exporter\":\"system\",\"name\":null,"
			    "\"source\":\"trace\",\"pid\":300,\"comm\":\"a\\u000Ab\",\"cgroup\":\"/u\"}\n"
			    "{\"time\":\"2026-12-06T13:21:42.700000000Z\",\"event\":\"rename\","
			    "\"ino\":9,\"size\":4096,\"exporter\":\"system\",\"name\":\"CAM\","
			    "\"source\":\"trace\",\"old_name\":\"x\"}\n");
	free(a);
	free(b);
	free(out);
	for (size_t k = 0; k < len; k++)
		cr_assert_eq(dbf_wire_decode_events(bytes, k, &out, &n), -EINVAL, "%zu bytes", k);
	/* A kind no build has. */
	in[0].kind = 99;
	free(bytes);
	cr_assert_eq(dbf_wire_encode_events(in, 1, &bytes, &len), 0);
	cr_assert_eq(dbf_wire_decode_events(bytes, len, &out, &n), -EINVAL);
	free(bytes);
}
