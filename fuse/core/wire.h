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

#include "snapshot.h"

#define DBF_WIRE_MAGIC		0x57464244u	/* "DBFW" */
#define DBF_WIRE_VERSION	3u
/* Far above any real machine's snapshot; a bigger frame is refused. */
#define DBF_WIRE_MAX		(256u << 20)

/*
 * One frame on the pipe: this header, then @len bytes of payload. @err is
 * 0 for a snapshot, else the positive errno of a failed scan (no payload).
 * Both ends are the same binary on the same machine: native byte order.
 */
struct dbf_wire_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t len;
	int32_t err;
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

#endif
