/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF tracer's records (struct dbf_trace_rec, fuse/core/bpf/dmabuf_trace.h)
 * out of its ring buffer: pure functions over memory, with no libbpf and
 * no system call, so that the unit tests feed them a ring built by hand
 * and the reader can run them under its seccomp filter.
 */
#ifndef DMABUFFS_TRACE_REC_H
#define DMABUFFS_TRACE_REC_H

#include <stddef.h>
#include <linux/types.h>

#include "dmabuf_trace.h"

typedef int (*dbf_trace_fn)(void *ctx, const struct dbf_trace_rec *r);

/*
 * Make @r, a copy of what the kernel wrote, safe to read: each string
 * NUL-terminated with nothing after its NUL, unknown flags cleared, a name
 * or old name its flag does not vouch for emptied, and fd -1 but in a
 * DBF_TR_FD record. 0, or -EINVAL for a kind this build does not know or
 * an fd record without an fd.
 */
int dbf_trace_rec_check(struct dbf_trace_rec *r);

/*
 * A BPF ring buffer (BPF_MAP_TYPE_RINGBUF) as mapped: the kernel's
 * positions are byte counts that only grow, a record's place in @data
 * is its position & @mask.
 */
struct dbf_ring {
	unsigned long *consumer;	/* the reader's position: its to write */
	const unsigned long *producer;	/* the kernel's, read-only */
	const unsigned char *data;	/* @mask + 1 bytes, a power of two */
	size_t mask;
};

/*
 * Hand each record committed between the consumer and the producer
 * position, as they were on entry, to @fn as a checked copy
 * (dbf_trace_rec_check()), and move the consumer position past it.
 * Discarded records, records of another size and records that fail the
 * check are passed over; the first one still being written (busy) ends
 * the walk. Returns the number handed, @fn's non-zero return (the record
 * it refused is consumed too), or -EIO for positions or a length no
 * kernel writes (then nothing more is consumed).
 */
int dbf_trace_ring_walk(struct dbf_ring *ring, dbf_trace_fn fn, void *ctx);

#endif
