// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: a frame payload from the scanner process, which the
 * server must survive whatever it holds. What decodes must encode to bytes
 * that decode to a snapshot encoding to the very same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbf_snapshot *s, *s2;
	char *buf = malloc(size ? size : 1);
	char *e1, *e2;
	size_t l1, l2;
	int r;

	memcpy(buf, data, size);
	r = dbf_wire_decode(buf, size, NULL, &s);
	free(buf);
	if (r == -EINVAL || r == -ENOMEM)
		return 0;
	if (r < 0)
		abort();
	if (dbf_wire_encode(s, &e1, &l1) < 0 ||
	    dbf_wire_decode(e1, l1, NULL, &s2) < 0 ||
	    dbf_wire_encode(s2, &e2, &l2) < 0)
		abort();
	if (l1 != l2 || memcmp(e1, e2, l1))
		abort();
	free(e1);
	free(e2);
	dbf_snapshot_free(s);
	dbf_snapshot_free(s2);
	return 0;
}
