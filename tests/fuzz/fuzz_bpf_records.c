// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the BPF iterators' records (fuse/core/bpf_records.c).
 * The first byte splits the rest into the fd and the mapping records;
 * the whole is also read as iter/dmabuf's and as the fd-table walk's;
 * processes are looked up in the linux-6.1-vgem fixture's /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf_records.h"
#include "builder.h"
#include "fileio.h"

#ifndef FIXTURES_DIR
#error FIXTURES_DIR must be defined
#endif

static int procfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbf_builder *b;
	struct dbf_buf_io pio = { 0 };
	struct timespec now = { 1, 0 };
	struct dbf_snapshot *s;
	size_t split, rest;
	char *buf;
	int r;

	if (procfd < 0)
		procfd = open(FIXTURES_DIR "/linux-6.1-vgem/proc", O_RDONLY | O_DIRECTORY);
	if (procfd < 0 || !size)
		return 0;
	rest = size - 1;
	split = rest * data[0] / 255;
	buf = malloc(rest ? rest : 1);
	memcpy(buf, data + 1, rest);
	b = dbf_builder_new();
	if (!b)
		abort();
	r = dbf_bpf_add_holders(buf, split, buf + split, rest - split, procfd, &pio, b);
	/* whatever is not whole records must be refused */
	if (r != 0 && r != -EIO && r != -ENOMEM)
		abort();
	if ((split % sizeof(struct dbf_bpf_rec) || (rest - split) % sizeof(struct dbf_bpf_rec)) &&
	    r != -EIO)
		abort();
	r = dbf_bpf_add_buffers(buf, rest, b);
	if (r != 0 && r != -EIO && r != -ENOMEM)
		abort();
	/* the fd-table walk's output: only ever shorter, whole records */
	{
		size_t len = rest, maps_len, ntasks;
		unsigned int more;

		r = dbf_bpf_split_tasks(buf, &len, &maps_len, &ntasks, &more);
		if (r != 0 && r != -EIO)
			abort();
		if (r == 0 && (len + maps_len > rest || len % sizeof(struct dbf_bpf_rec) ||
			       maps_len % sizeof(struct dbf_bpf_rec) || more > 3 ||
			       ntasks > rest / sizeof(struct dbf_bpf_rec)))
			abort();
	}
	if (dbf_builder_finish(b, &now, NULL, &s) == 0)
		dbf_snapshot_free(s);
	free(pio.p);
	free(buf);
	return 0;
}
