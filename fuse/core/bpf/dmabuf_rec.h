/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixed-size record every iterator writes per fact, read as is by
 * fuse/core/bpf_scan.c. Both sides are built from this one definition.
 */
#ifndef DMABUFFS_BPF_REC_H
#define DMABUFFS_BPF_REC_H

/* DMA_BUF_NAME_LEN, with the NUL: the kernel keeps at most 31 name bytes. */
#define DBF_BPF_NAME_MAX	32
/* Exporter names are driver strings ("drm", "system", "i915"). */
#define DBF_BPF_EXP_MAX		32

enum {
	DBF_BPF_TASK = 1,	/* a process (thread group leader) exists */
	DBF_BPF_FD,		/* tgid holds buffer ino through fd */
	DBF_BPF_MAP,		/* tgid maps buffer ino, len bytes */
	DBF_BPF_BUF,		/* a buffer, from iter/dmabuf */
	/* tgid's fd table of thread tid lists too many: read iter/task_file */
	DBF_BPF_MORE,
	/* the walk could not read tgid's mappings (thread tid) exactly: read iter/task_vma */
	DBF_BPF_MAP_MORE,
};

enum {
	DBF_BPF_NAME_NONE = 0,	/* unnamed */
	DBF_BPF_NAME_SET,	/* name[0..name_len) */
	/* renamed while it was read: the bytes may be torn, say nothing */
	DBF_BPF_NAME_CHANGING,
};

struct dbf_bpf_rec {
	__u32 kind;
	__s32 tgid;
	__s32 tid;		/* the task the iterator visited */
	__s32 fd;		/* DBF_BPF_FD */
	__u64 ino;
	__u64 size;		/* the buffer's */
	__u64 len;		/* DBF_BPF_MAP: the mapping's */
	__s64 count;		/* file references but the iterator's own, -1: none */
	__u32 dev;		/* the file's s_dev, kernel encoding (major << 20) */
	__u8 name_state;
	__u8 name_len;
	__u8 exp_len;		/* DBF_BPF_EXP_MAX: may be cut */
	__u8 pad;
	char name[DBF_BPF_NAME_MAX];
	char exporter[DBF_BPF_EXP_MAX];
};

#endif
