/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record dmabuf_trace.bpf.c puts in its ring buffer per dma-buf
 * event, read as is by fuse/core/bpf_trace.c. Both sides are built from
 * this one definition; a record of another size is not one of these.
 */
#ifndef DMABUFFS_BPF_TRACE_REC_H
#define DMABUFFS_BPF_TRACE_REC_H

enum {
	DBF_TR_EXPORT = 1,	/* a buffer was made */
	DBF_TR_FD,		/* the acting process got fd for it */
	DBF_TR_MAP,		/* it was mapped (by the process, or a driver for it) */
	DBF_TR_ATTACH,		/* device attached to it */
	DBF_TR_DETACH,		/* device detached from it */
	DBF_TR_RELEASE,		/* its last reference went */
	DBF_TR_RENAME,		/* DMA_BUF_SET_NAME */
	DBF_TR_KIND_MAX = DBF_TR_RENAME,
};

#define DBF_TR_HAS_NAME		1u	/* name[] is the buffer's name (set) */
#define DBF_TR_HAD_NAME		2u	/* old_name[] is the name before a rename */
/* the rename's old name is known (patched tracepoint): old_name valid or unnamed */
#define DBF_TR_OLD_KNOWN	4u
/*
 * Renamed while it was read (no name_lock outside the tracepoints): the
 * name is unknown, not unset; name[] is empty.
 */
#define DBF_TR_NAME_TORN	8u
#define DBF_TR_FLAGS		15u	/* every flag above */

/* DMA_BUF_NAME_LEN, with the NUL: the kernel keeps at most 31 name bytes. */
#define DBF_TR_NAME_MAX		32
/* Exporter names are driver strings ("drm", "system", "i915"); longer are cut. */
#define DBF_TR_EXP_MAX		32
/* Device names ("0000:00:02.0", "vgem"); longer are cut. */
#define DBF_TR_DEV_MAX		32
#define DBF_TR_COMM_MAX		16	/* TASK_COMM_LEN */

struct dbf_trace_rec {
	__u64 boot_ns;		/* bpf_ktime_get_boot_ns() */
	__u64 ino, size;
	__u64 cgroup_id;	/* bpf_get_current_cgroup_id() */
	__u32 kind;		/* DBF_TR_* */
	__u32 flags;		/* DBF_TR_HAS_NAME ... */
	__s32 tgid;		/* acting task's process */
	__s32 fd;		/* DBF_TR_FD; else -1 */
	/*
	 * Who may see what the process did, as procfs decides who may read
	 * its fdinfo: its uid and gid where all four of each agree, else 0
	 * (root alone: a setuid or setgid process).
	 */
	__u32 owner, owner_gid;
	char comm[DBF_TR_COMM_MAX];
	char exporter[DBF_TR_EXP_MAX];
	char name[DBF_TR_NAME_MAX];
	char old_name[DBF_TR_NAME_MAX];
	char device[DBF_TR_DEV_MAX];	/* attach/detach: dev_name() */
};

#endif
