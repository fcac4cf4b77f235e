// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: dma-buf fdinfo text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct dbf_fdinfo fi;

	memcpy(buf, data, size);
	if (dbf_fdinfo_parse(buf, size, &fi) == 0) {
		if (fi.exp_name.p < buf || fi.exp_name.p + fi.exp_name.len > buf + size)
			abort();
		if (fi.has_name && (fi.name.p < buf || fi.name.p + fi.name.len > buf + size))
			abort();
	}
	free(buf);
	return 0;
}
