// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: debugfs bufinfo text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bufinfo.h"

static const char *start, *end;

/* Every string the parser hands out lies inside the input. */
static void inside(struct dbf_str s)
{
	if (s.len && (s.p < start || s.p + s.len > end))
		abort();
}

static int check(void *ctx, const struct dbf_bufinfo_entry *e)
{
	(void)ctx;
	inside(e->exp_name);
	inside(e->name);
	if (!e->has_ino && e->has_name)
		abort();
	for (uint32_t i = 0; i < e->ndevices; i++)
		inside(e->devices[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbf_bufinfo_summary sum;
	/* a private copy, so reads past the end are caught */
	char *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	start = buf;
	end = buf + size;
	if (dbf_bufinfo_parse(buf, size, check, NULL, &sum) < 0)
		abort();
	if (sum.rows_noino > sum.rows)
		abort();
	free(buf);
	return 0;
}
