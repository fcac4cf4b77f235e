// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: readlink() targets of /proc/<pid>/fd entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_fds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct dbf_str name;

	memcpy(buf, data, size);
	if (dbf_link_classify(buf, size, &name) == DBF_LINK_DMABUF) {
		/* the name is exactly what follows "/dmabuf:" */
		if (name.p != buf + 8 || name.len != size - 8)
			abort();
	}
	free(buf);
	return 0;
}
