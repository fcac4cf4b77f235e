// SPDX-License-Identifier: GPL-2.0-only
/* The FUSE view over the snapshot model. */
#include <stdio.h>

#include "options.h"

int dbf_view_run(const struct dbf_options *opts)
{
	(void)opts;
	fprintf(stderr, "dmabuffs: mounting is not available in this build\n");
	return 1;
}
