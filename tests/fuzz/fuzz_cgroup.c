// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: /proc/<pid>/cgroup text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "process.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct dbf_str p;
	size_t at;

	memcpy(buf, data, size);
	if (dbf_cgroup_v2_path(buf, size, &p)) {
		/* inside the input, a '/' first, right after a "0::" that starts a line */
		if (p.p < buf + 3 || p.p + p.len > buf + size || !p.len || p.p[0] != '/')
			abort();
		at = (size_t)(p.p - buf) - 3;
		if (memcmp(buf + at, "0::", 3) || (at && buf[at - 1] != '\n'))
			abort();
		/* the path runs to the end, less one final newline */
		if (p.p + p.len != buf + size &&
		    (p.p + p.len + 1 != buf + size || buf[size - 1] != '\n'))
			abort();
		/* and no earlier line starts with "0::" */
		for (size_t i = 0; i < at; i++)
			if ((!i || buf[i - 1] == '\n') && size - i >= 3 &&
			    !memcmp(buf + i, "0::", 3))
				abort();
	} else if (p.len) {
		abort();
	}
	free(buf);
	return 0;
}
