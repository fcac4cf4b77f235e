// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BPF tracer's records out of its ring (fuse/core/trace_rec.c): the
 * check of one record, and the walk over a ring buffer built here by hand
 * the way the kernel writes one (kernel/bpf/ringbuf.c): an 8-byte header
 * per record, its length with the busy and discard bits, the record
 * 8-byte aligned, the positions byte counts that only grow.
 */
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>

#include "helpers.h"
#include "trace_rec.h"

static struct dbf_trace_rec rec(unsigned int kind, uint64_t ino)
{
	struct dbf_trace_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.ino = ino;
	r.size = 4096;
	r.tgid = 91;
	r.fd = kind == DBF_TR_FD ? 5 : -1;
	memcpy(r.comm, "compositor", 10);
	memcpy(r.exporter, "vgem", 4);
	return r;
}

Test(bpf_trace, check_kinds)
{
	struct dbf_trace_rec r = rec(0, 1);

	cr_assert_eq(dbf_trace_rec_check(&r), -EINVAL);
	r = rec(DBF_TR_RENAME + 1, 1);
	cr_assert_eq(dbf_trace_rec_check(&r), -EINVAL);
	r = rec(0xffffffffu, 1);
	cr_assert_eq(dbf_trace_rec_check(&r), -EINVAL);
	for (unsigned int k = DBF_TR_EXPORT; k <= DBF_TR_RENAME; k++) {
		r = rec(k, 1);
		cr_assert_eq(dbf_trace_rec_check(&r), 0, "kind %u", k);
		cr_assert_eq(r.kind, k);
	}
	/* an fd record must have one; any other has none */
	r = rec(DBF_TR_FD, 1);
	r.fd = -1;
	cr_assert_eq(dbf_trace_rec_check(&r), -EINVAL);
	r = rec(DBF_TR_FD, 1);
	r.fd = 0;
	cr_assert_eq(dbf_trace_rec_check(&r), 0);
	cr_assert_eq(r.fd, 0);
	r = rec(DBF_TR_MAP, 1);
	r.fd = 7;
	cr_assert_eq(dbf_trace_rec_check(&r), 0);
	cr_assert_eq(r.fd, -1);
}

/* Strings full to the last byte are cut by one; nothing follows a NUL. */
Test(bpf_trace, check_strings)
{
	struct dbf_trace_rec r = rec(DBF_TR_RENAME, 1);
	char want[32];

	memset(r.comm, 'c', sizeof(r.comm));
	memset(r.exporter, 'e', sizeof(r.exporter));
	memset(r.name, 'n', sizeof(r.name));
	memcpy(r.old_name, "old\0junk", 8);
	memset(r.device, 'd', sizeof(r.device));
	r.device[3] = '\0';
	r.flags = DBF_TR_HAS_NAME | DBF_TR_HAD_NAME | DBF_TR_OLD_KNOWN;
	cr_assert_eq(dbf_trace_rec_check(&r), 0);
	cr_assert_str_eq(r.comm, "ccccccccccccccc");
	cr_assert_str_eq(r.exporter, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	cr_assert_str_eq(r.name, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
	memset(want, 0, sizeof(want));
	memcpy(want, "old", 3);
	cr_assert_arr_eq(r.old_name, want, sizeof(want));
	memcpy(want, "ddd", 3);
	cr_assert_arr_eq(r.device, want, sizeof(want));
	cr_assert_eq(r.flags, DBF_TR_HAS_NAME | DBF_TR_HAD_NAME | DBF_TR_OLD_KNOWN);
}

/* A name its flag does not vouch for is emptied; unknown flags go. */
Test(bpf_trace, check_flags)
{
	struct dbf_trace_rec r = rec(DBF_TR_RENAME, 1);
	char zero[32] = { 0 };

	memcpy(r.name, "stale", 5);
	memcpy(r.old_name, "stale", 5);
	r.flags = DBF_TR_OLD_KNOWN | DBF_TR_NAME_TORN | 0x30u | 0x80000000u;
	cr_assert_eq(dbf_trace_rec_check(&r), 0);
	cr_assert_eq(r.flags, DBF_TR_OLD_KNOWN | DBF_TR_NAME_TORN);
	cr_assert_arr_eq(r.name, zero, sizeof(zero));
	cr_assert_arr_eq(r.old_name, zero, sizeof(zero));
	cr_assert_str_eq(r.exporter, "vgem");
	cr_assert_str_eq(r.comm, "compositor");
}

#define RING 1024u

struct ring {
	unsigned long cons, prod;
	_Alignas(8) unsigned char data[RING];
	struct dbf_ring view;
};

static void ring_init(struct ring *g, unsigned long pos)
{
	memset(g, 0, sizeof(*g));
	memset(g->data, 0xa5, sizeof(g->data));
	g->cons = g->prod = pos;
	g->view.consumer = &g->cons;
	g->view.producer = &g->prod;
	g->view.data = g->data;
	g->view.mask = RING - 1;
}

/* @len bytes at the producer position, with header bits @bits; the producer moves on. */
static unsigned long put(struct ring *g, const void *p, uint32_t len, uint32_t bits)
{
	unsigned long at = g->prod;
	uint32_t hdr[2] = { len | bits, 0 };
	size_t total = (len + BPF_RINGBUF_HDR_SZ + 7) & ~7u;

	for (size_t i = 0; i < sizeof(hdr); i++)
		g->data[(at + i) & (RING - 1)] = ((const unsigned char *)hdr)[i];
	for (size_t i = 0; i < len; i++)
		g->data[(at + BPF_RINGBUF_HDR_SZ + i) & (RING - 1)] =
			((const unsigned char *)p)[i];
	g->prod += total;
	return at;
}

/* The kernel's commit of the record at @at: it clears the busy bit. */
static void commit(struct ring *g, unsigned long at)
{
	uint32_t len;

	memcpy(&len, g->data + (at & (RING - 1)), sizeof(len));
	len &= ~(uint32_t)BPF_RINGBUF_BUSY_BIT;
	memcpy(g->data + (at & (RING - 1)), &len, sizeof(len));
}

static unsigned long put_rec(struct ring *g, const struct dbf_trace_rec *r, uint32_t bits)
{
	return put(g, r, sizeof(*r), bits);
}

/* What a walk handed, and when to refuse. */
struct seen {
	uint64_t ino[8];
	unsigned int kind[8];
	int n;
	int refuse_at;		/* -1: never */
	int refusal;
};

static int collect(void *ctx, const struct dbf_trace_rec *r)
{
	struct seen *s = ctx;

	cr_assert_lt(s->n, 8);
	s->ino[s->n] = r->ino;
	s->kind[s->n] = r->kind;
	if (s->n++ == s->refuse_at)
		return s->refusal;
	return 0;
}

static struct seen seen(void)
{
	return (struct seen){ .refuse_at = -1 };
}

Test(bpf_trace, walk_empty)
{
	struct ring g;
	struct seen s = seen();

	ring_init(&g, 4096);
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), 0);
	cr_assert_eq(s.n, 0);
	cr_assert_eq(g.cons, 4096);
}

Test(bpf_trace, walk_in_order)
{
	struct dbf_trace_rec a = rec(DBF_TR_EXPORT, 11), b = rec(DBF_TR_FD, 12);
	struct ring g;
	struct seen s = seen();

	ring_init(&g, 0);
	put_rec(&g, &a, 0);
	put_rec(&g, &b, 0);
	cr_assert_eq(g.prod, 2 * 208);
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), 2);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.ino[0], 11);
	cr_assert_eq(s.kind[0], DBF_TR_EXPORT);
	cr_assert_eq(s.ino[1], 12);
	cr_assert_eq(s.kind[1], DBF_TR_FD);
	cr_assert_eq(g.cons, 2 * 208);
	/* nothing twice */
	s = seen();
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), 0);
	cr_assert_eq(s.n, 0);
}

/*
 * Discarded records, records of another size and records of an unknown
 * kind are consumed but not handed.
 */
Test(bpf_trace, walk_passes_over)
{
	struct dbf_trace_rec a = rec(DBF_TR_EXPORT, 21), bad = rec(42, 22), c = rec(DBF_TR_RELEASE, 23);
	uint64_t small[2] = { 24, 25 };
	struct ring g;
	struct seen s = seen();

	ring_init(&g, 0);
	put_rec(&g, &a, BPF_RINGBUF_DISCARD_BIT);
	put(&g, small, 13, 0);		/* 13 bytes: 24 with header and padding */
	put_rec(&g, &bad, 0);
	put_rec(&g, &c, 0);
	cr_assert_eq(g.prod, 208 + 24 + 208 + 208);
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), 1);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.ino[0], 23);
	cr_assert_eq(s.kind[0], DBF_TR_RELEASE);
	cr_assert_eq(g.cons, g.prod);
}

/* A record still being written stops the walk; the ones after it wait. */
Test(bpf_trace, walk_stops_at_busy)
{
	struct dbf_trace_rec a = rec(DBF_TR_EXPORT, 31), b = rec(DBF_TR_FD, 32),
			     c = rec(DBF_TR_MAP, 33);
	unsigned long at;
	struct ring g;
	struct seen s = seen();

	ring_init(&g, 0);
	put_rec(&g, &a, 0);
	at = put_rec(&g, &b, BPF_RINGBUF_BUSY_BIT);
	put_rec(&g, &c, 0);
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), 1);
	cr_assert_eq(s.ino[0], 31);
	cr_assert_eq(g.cons, at);
	commit(&g, at);
	s = seen();
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), 2);
	cr_assert_eq(s.ino[0], 32);
	cr_assert_eq(s.ino[1], 33);
	cr_assert_eq(g.cons, g.prod);
}

/* A record that runs past the end of the data area continues at its start. */
Test(bpf_trace, walk_wraps)
{
	struct dbf_trace_rec a = rec(DBF_TR_RENAME, 41), b = rec(DBF_TR_DETACH, 42);
	unsigned long start = 3 * RING + 904;
	struct ring g;
	struct seen s = seen();

	ring_init(&g, start);
	a.flags = DBF_TR_HAS_NAME | DBF_TR_OLD_KNOWN;
	memcpy(a.name, "frame", 5);
	memcpy(b.device, "0000:00:02.0", 12);
	put_rec(&g, &a, 0);		/* header at 904, record 912 to 1112: wraps at 1024 */
	put_rec(&g, &b, 0);
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), 2);
	cr_assert_eq(s.ino[0], 41);
	cr_assert_eq(s.ino[1], 42);
	cr_assert_eq(g.cons, start + 2 * 208);
}

static int check_rename(void *ctx, const struct dbf_trace_rec *r)
{
	(void)ctx;
	cr_assert_eq(r->kind, DBF_TR_RENAME);
	cr_assert_eq(r->flags, DBF_TR_HAS_NAME | DBF_TR_OLD_KNOWN);
	cr_assert_str_eq(r->name, "frame");
	cr_assert_str_eq(r->old_name, "");
	cr_assert_str_eq(r->exporter, "vgem");
	cr_assert_eq(r->size, 4096);
	cr_assert_eq(r->fd, -1);
	return 0;
}

/* The wrapped record reads back byte for byte. */
Test(bpf_trace, walk_wrapped_bytes)
{
	struct dbf_trace_rec a = rec(DBF_TR_RENAME, 41);
	struct ring g;

	ring_init(&g, 904);
	a.flags = DBF_TR_HAS_NAME | DBF_TR_OLD_KNOWN;
	memcpy(a.name, "frame", 5);
	put_rec(&g, &a, 0);
	cr_assert_eq(dbf_trace_ring_walk(&g.view, check_rename, NULL), 1);
}

/* The caller's refusal ends the walk; the record refused is consumed. */
Test(bpf_trace, walk_refused)
{
	struct dbf_trace_rec a = rec(DBF_TR_EXPORT, 51), b = rec(DBF_TR_FD, 52),
			     c = rec(DBF_TR_MAP, 53);
	struct ring g;
	struct seen s = seen();

	ring_init(&g, 0);
	put_rec(&g, &a, 0);
	put_rec(&g, &b, 0);
	put_rec(&g, &c, 0);
	s.refuse_at = 1;
	s.refusal = -ENOSPC;
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), -ENOSPC);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(g.cons, 2 * 208);
	s = seen();
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), 1);
	cr_assert_eq(s.ino[0], 53);
}

/* Positions and lengths no kernel writes: -EIO, and nothing consumed. */
Test(bpf_trace, walk_corrupt)
{
	struct dbf_trace_rec a = rec(DBF_TR_EXPORT, 61);
	struct ring g;
	struct seen s = seen();

	/* a length past the producer */
	ring_init(&g, 0);
	put_rec(&g, &a, 0);
	g.prod -= 8;
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), -EIO);
	cr_assert_eq(g.cons, 0);
	/* a consumer off the 8-byte grid */
	ring_init(&g, 0);
	put_rec(&g, &a, 0);
	g.cons = 4;
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), -EIO);
	cr_assert_eq(g.cons, 4);
	/* a producer behind the consumer, or more than a ring ahead */
	ring_init(&g, 4096);
	g.prod = 4096 - 208;
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), -EIO);
	ring_init(&g, 0);
	g.prod = RING + 8;
	cr_assert_eq(dbf_trace_ring_walk(&g.view, collect, &s), -EIO);
	cr_assert_eq(s.n, 0);
}
