/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A snapshot as bytes, from the scanner process to the server over a pipe.
 * The receiver trusts nothing: decoding checks the order of processes,
 * buffers and holders itself, and the model's derived values (indices,
 * totals) come from dbf_snapshot_index(), as for a scan, never from the
 * sender.
 */
#ifndef DMABUFFS_WIRE_H
#define DMABUFFS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "snapshot.h"

#define DBF_WIRE_MAGIC		0x57464244u	/* "DBFW" */
#define DBF_WIRE_VERSION	4u
/* Far above any real machine's snapshot; a bigger frame is refused. */
#define DBF_WIRE_MAX		(256u << 20)

/* What a frame carries. */
enum {
	DBF_WIRE_SNAPSHOT = 0,
	DBF_WIRE_EVENTS,	/* traced events, in the order they happened */
};

/*
 * One frame on the pipe: this header, then @len bytes of payload. @err is
 * 0 for a snapshot or events, else the positive errno of a failed scan (no
 * payload). Both ends are the same binary on the same machine: native byte
 * order.
 */
struct dbf_wire_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t len;
	int32_t err;
	uint32_t type;		/* DBF_WIRE_* */
	uint32_t reserved;	/* 0 */
};

/* 0 if @h is a frame this build can read, else -EINVAL. */
int dbf_wire_hdr_check(const struct dbf_wire_hdr *h);

/* Every fact of @s as bytes; *out is malloc()ed. 0 or -ENOMEM. */
int dbf_wire_encode(const struct dbf_snapshot *s, char **out, size_t *len);

/*
 * Rebuild a snapshot from @len bytes at @p. @prev, if not NULL, is the
 * previous snapshot, for first_seen. Returns 0, -EINVAL for anything
 * malformed (never a crash), or -ENOMEM.
 */
int dbf_wire_decode(const void *p, size_t len, const struct dbf_snapshot *prev,
		    struct dbf_snapshot **out);

/* Events as bytes (their source is not sent: the trace's). 0 or -ENOMEM. */
int dbf_wire_encode_events(const struct dbf_event *evs, size_t n, char **out,
			   size_t *len);

/*
 * The events in @len bytes at @p: *evs (malloc()ed, with their strings in
 * the same block; free() it) and *n. 0, -EINVAL or -ENOMEM.
 */
int dbf_wire_decode_events(const void *p, size_t len, struct dbf_event **evs,
			   size_t *n);

#endif
