// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: /proc/<pid>/maps text, decoded in place. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

static const char *start, *end;

static int check(void *ctx, uint64_t dev, uint64_t ino, uint64_t len,
		 struct dbf_str name)
{
	(void)ctx;
	(void)dev;
	(void)ino;
	(void)len;
	if (name.len && (name.p < start || name.p + name.len > end))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	uint32_t anon;

	memcpy(buf, data, size);
	start = buf;
	end = buf + size;
	if (dbf_maps_parse(buf, size, check, NULL, &anon) < 0)
		abort();
	free(buf);
	return 0;
}
