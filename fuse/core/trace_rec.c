// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>

#include "trace_rec.h"

/* The BPF side writes this very layout: both are built from dmabuf_trace.h. */
_Static_assert(sizeof(struct dbf_trace_rec) == 200, "struct dbf_trace_rec changed size");

/* Everything from the first NUL on is NUL, the last byte always. */
static void terminate(char *s, size_t size)
{
	size_t n = strnlen(s, size - 1);

	memset(s + n, 0, size - n);
}

int dbf_trace_rec_check(struct dbf_trace_rec *r)
{
	if (r->kind < DBF_TR_EXPORT || r->kind > DBF_TR_KIND_MAX)
		return -EINVAL;
	if (r->kind == DBF_TR_FD && r->fd < 0)
		return -EINVAL;
	if (r->kind != DBF_TR_FD)
		r->fd = -1;
	r->flags &= DBF_TR_FLAGS;
	if (!(r->flags & DBF_TR_HAS_NAME))
		memset(r->name, 0, sizeof(r->name));
	if (!(r->flags & DBF_TR_HAD_NAME))
		memset(r->old_name, 0, sizeof(r->old_name));
	terminate(r->comm, sizeof(r->comm));
	terminate(r->exporter, sizeof(r->exporter));
	terminate(r->name, sizeof(r->name));
	terminate(r->old_name, sizeof(r->old_name));
	terminate(r->device, sizeof(r->device));
	return 0;
}

/* @len bytes at ring position @pos, which may run past the end and wrap. */
static void copy_out(void *dst, const struct dbf_ring *ring, unsigned long pos, size_t len)
{
	size_t off = pos & ring->mask;
	size_t first = ring->mask + 1 - off;

	if (first > len)
		first = len;
	memcpy(dst, ring->data + off, first);
	memcpy((char *)dst + first, ring->data, len - first);
}

int dbf_trace_ring_walk(struct dbf_ring *ring, dbf_trace_fn fn, void *ctx)
{
	/* The kernel moves only the producer position, we only ours. */
	unsigned long cons = __atomic_load_n(ring->consumer, __ATOMIC_ACQUIRE);
	unsigned long prod = __atomic_load_n(ring->producer, __ATOMIC_ACQUIRE);
	int n = 0;

	while (cons != prod) {
		const __u32 *hdr = (const __u32 *)(ring->data + (cons & ring->mask));
		struct dbf_trace_rec r;
		unsigned long total;
		__u32 len, size;
		int ret;

		/* Headers are 8-byte aligned and the producer is never behind us. */
		if ((cons & 7) || prod - cons < BPF_RINGBUF_HDR_SZ || prod - cons > ring->mask + 1)
			return -EIO;
		/* Acquire: pairs with the kernel's commit, which clears the busy bit last. */
		len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		size = len & ~(__u32)BPF_RINGBUF_DISCARD_BIT;
		total = ((unsigned long)size + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
		if (total > prod - cons)
			return -EIO;
		ret = 0;
		if (!(len & BPF_RINGBUF_DISCARD_BIT) && size == sizeof(r)) {
			copy_out(&r, ring, cons + BPF_RINGBUF_HDR_SZ, sizeof(r));
			if (dbf_trace_rec_check(&r) == 0) {
				ret = fn(ctx, &r);
				n++;
			}
		}
		cons += total;
		/* Release: the kernel may reuse the bytes once it sees this. */
		__atomic_store_n(ring->consumer, cons, __ATOMIC_RELEASE);
		if (ret)
			return ret;
	}
	return n;
}
