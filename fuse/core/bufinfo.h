/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * debugfs dma_buf/bufinfo: the one list of every buffer, including those
 * no process holds, with attached devices.
 */
#ifndef DMABUFFS_BUFINFO_H
#define DMABUFFS_BUFINFO_H

#include "snapshot.h"

struct dbf_builder;

struct dbf_bufinfo_entry {
	uint64_t size;
	uint32_t flags, mode;
	int64_t count;			/* the full file refcount */
	struct dbf_str exp_name;
	bool has_ino;			/* no ino or name column before 5.3 */
	uint64_t ino;
	bool has_name;
	struct dbf_str name;		/* points into the parsed text */
	bool devices_known;		/* false if the block was garbled */
	uint32_t ndevices;
	const struct dbf_str *devices;
};

struct dbf_bufinfo_summary {
	bool has_header;
	bool has_ino;			/* the header has an ino column */
	bool has_footer;		/* "Total N objects, M bytes" */
	uint64_t footer_objects, footer_bytes;
	uint32_t rows;
	uint32_t garbled;		/* blocks whose trailer did not parse */
	uint32_t rows_devices;		/* rows whose device list was read */
	uint32_t rows_noino;		/* before 5.3: rows without an inode */
	uint64_t bytes_noino;
};

typedef int (*dbf_bufinfo_cb)(void *ctx, const struct dbf_bufinfo_entry *e);

/*
 * Parse bufinfo text: 6.1 (name column, "<none>", usage fence lines), 5.x
 * (ino and name, "Exclusive/Shared fence"), and the pre-5.3 header with no
 * ino or name. Calls @cb once per buffer row. Returns 0 or @cb's error;
 * garbled parts are counted in @sum and skipped.
 */
int dbf_bufinfo_parse(const char *buf, size_t len, dbf_bufinfo_cb cb,
		      void *ctx, struct dbf_bufinfo_summary *sum);

/*
 * Read <debugfs_root>/dma_buf/bufinfo into @b. Buffers without an inode
 * (before 5.3) cannot be joined with procfs and are not added.
 * Returns 0 or a negative errno (-ENOENT: not mounted, -EACCES: not root).
 */
int dbf_bufinfo_read(const char *debugfs_root, struct dbf_builder *b,
		     struct dbf_bufinfo_summary *sum);

#endif
