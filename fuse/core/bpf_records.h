/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF iterators' records (struct dbf_bpf_rec, fuse/core/bpf/dmabuf_rec.h)
 * into the builder: pure functions over the bytes read, with no libbpf, so
 * the unit tests and a fuzz target feed them directly.
 */
#ifndef DMABUFFS_BPF_RECORDS_H
#define DMABUFFS_BPF_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "dmabuf_rec.h"

struct dbf_builder;
struct dbf_buf_io;

/*
 * Every process's dma-buf fds (@fds: DBF_BPF_FD records) and mappings
 * (@maps: DBF_BPF_MAP records) into @b, each process staged and merged
 * only once its /proc/<tgid> facts were read under @procfd (with @pio as
 * the read buffer); a process gone from @procfd is left out, one that
 * cannot be read is marked unreadable. The bytes are checked whole before
 * anything is added: -EIO for a length that is not a whole number of
 * records, a record of another kind, or a tgid, tid or fd out of range.
 * Otherwise 0 or -ENOMEM.
 */
int dbf_bpf_add_holders(const void *fds, size_t fds_len, const void *maps,
			size_t maps_len, int procfd, struct dbf_buf_io *pio,
			struct dbf_builder *b);

/* What the fd-table walk could not list (dbf_bpf_split_tasks()'s *more). */
enum {
	DBF_BPF_MORE_FDS = 1,	/* a table had too many dma-buf fds: read per fd */
	DBF_BPF_MORE_MAPS = 2,	/* a process's mappings: read iter/task_vma */
};

/*
 * The fd-table walk's records (dmabuf_fdt.bpf.c) in @recs: the task
 * records counted into *ntasks and dropped; the fd records moved up and
 * *len made theirs; the mapping records (the walk with mappings) after
 * them, *maps_len bytes, in no particular order. *more: DBF_BPF_MORE_*
 * bits. 0, or -EIO for anything else.
 */
int dbf_bpf_split_tasks(void *recs, size_t *len, size_t *maps_len, size_t *ntasks,
			unsigned int *more);

/* iter/dmabuf's records (DBF_BPF_BUF) into @b: 0, -EIO or -ENOMEM. */
int dbf_bpf_add_buffers(const void *bufs, size_t len, struct dbf_builder *b);

#endif
