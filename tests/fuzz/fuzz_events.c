// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: what reaches the server and --watch from the trace.
 * First byte 0: an events frame from the scanner process; what decodes
 * must encode to bytes that decode to events encoding to the same bytes. Else: the rest is a BPF ring buffer as
 * mapped (the consumer's and producer's positions, then 4096 bytes of
 * data) for the reader's walk, every record checked on the way.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace_rec.h"
#include "wire.h"

#define RING 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int frame(const uint8_t *data, size_t size)
{
	struct dbf_event *evs, *evs2;
	char *copy = malloc(size ? size : 1), *e1, *e2;
	size_t n, n2, l1, l2;
	int r;

	memcpy(copy, data, size);
	r = dbf_wire_decode_events(copy, size, &evs, &n);
	free(copy);
	if (r == -EINVAL || r == -ENOMEM)
		return 0;
	if (r < 0 || dbf_wire_encode_events(evs, n, &e1, &l1) < 0 ||
	    dbf_wire_decode_events(e1, l1, &evs2, &n2) < 0 ||
	    dbf_wire_encode_events(evs2, n2, &e2, &l2) < 0)
		abort();
	if (n2 != n || l1 != l2 || memcmp(e1, e2, l1))
		abort();
	free(e1);
	free(e2);
	free(evs);
	free(evs2);
	return 0;
}

static int seen(void *ctx, const struct dbf_trace_rec *r)
{
	/* A record handed on is checked: kind known, strings terminated. */
	if (!r->kind || r->kind > DBF_TR_KIND_MAX || r->comm[sizeof(r->comm) - 1] ||
	    r->name[sizeof(r->name) - 1] || r->device[sizeof(r->device) - 1])
		abort();
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char ring_data[RING];
	unsigned long pos[2] = { 0, 0 };
	struct dbf_ring ring = { &pos[0], &pos[1], ring_data, RING - 1 };
	size_t n = 0;

	if (!size)
		return 0;
	if (!data[0])
		return frame(data + 1, size - 1);
	data++;
	size--;
	if (size < sizeof(pos))
		return 0;
	memcpy(pos, data, sizeof(pos));
	memset(ring_data, 0, sizeof(ring_data));
	memcpy(ring_data, data + sizeof(pos),
	       size - sizeof(pos) < RING ? size - sizeof(pos) : RING);
	dbf_trace_ring_walk(&ring, seen, &n);
	return 0;
}
