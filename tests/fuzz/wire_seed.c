// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seeds for fuzz_wire: scan a fixture tree and write the encoded payload.
 *   wire_seed PROC DEBUGFS OUT
 */
#include <stdio.h>
#include <stdlib.h>

#include "wire.h"

int main(int argc, char **argv)
{
	struct dbf_scan_opts o = { .sysfs_root = "/nonexistent" };
	struct dbf_snapshot *s;
	char *bytes;
	size_t len;
	FILE *f;

	if (argc != 4)
		return 2;
	o.proc_root = argv[1];
	o.debugfs_root = argv[2];
	if (dbf_scan(&o, NULL, &s) < 0 || dbf_wire_encode(s, &bytes, &len) < 0)
		return 1;
	f = fopen(argv[3], "wb");
	if (!f || fwrite(bytes, 1, len, f) != len || fclose(f))
		return 1;
	free(bytes);
	dbf_snapshot_free(s);
	return 0;
}
