/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel types the iterators read, for CO-RE. Checked in rather
 * than generated from /sys/kernel/btf/vmlinux so that the build does not
 * depend on the build machine's kernel (a package builder's chroot may
 * run any kernel, or one without BTF): only the fields named here are
 * read, and libbpf relocates each one against the running kernel's BTF
 * at load time, so their order and the members left out do not matter.
 */
#ifndef DMABUFFS_BPF_TYPES_H
#define DMABUFFS_BPF_TYPES_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed int __s32;
typedef signed long long __s64;
typedef __u32 u32;
typedef __u64 u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u32 dev_t;
typedef long long loff_t;
typedef _Bool bool;
#define true 1
#define false 0

/* include/uapi/linux/bpf.h */
enum bpf_map_type___dbf { BPF_MAP_TYPE_PERCPU_ARRAY = 6, BPF_MAP_TYPE_RINGBUF = 27 };

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct {
	long counter;
} atomic_long_t;

struct super_block {
	dev_t s_dev;
	unsigned long s_magic;
};

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
};

/* 6.13 and later count references in f_ref (file_ref_t): the count less one. */
struct file_ref {
	atomic_long_t refcnt;
};

struct file {
	struct inode *f_inode;
	void *private_data;
	struct file_ref f_ref;
};

/* Before 6.13. */
struct file___f_count {
	atomic_long_t f_count;
};

struct dma_buf {
	unsigned long size;
	struct file *file;
	const char *exp_name;
	const char *name;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
	unsigned long *open_fds;
};

struct files_struct {
	struct fdtable *fdt;
};

/* include/linux/rwsem.h: bit 0 of count is the writer's */
struct rw_semaphore {
	atomic_long_t count;
};

/* 6.13 and later (and 6.12.y backports): a seqcount, odd while write-locked. */
typedef struct seqcount {
	unsigned int sequence;
} seqcount_t;

struct mm_struct {
	struct rw_semaphore mmap_lock;
	seqcount_t mm_lock_seq;
};

/* Before: an int, bumped when the write lock is dropped (CONFIG_PER_VMA_LOCK). */
struct mm_struct___int_seq {
	int mm_lock_seq;
};

typedef struct {
	unsigned int val;
} kuid_t;

typedef struct {
	unsigned int val;
} kgid_t;

struct cred {
	kuid_t uid, suid, euid, fsuid;
	kgid_t gid, sgid, egid, fsgid;
};

struct task_struct {
	unsigned int flags;
	int pid;
	int tgid;
	struct task_struct *group_leader;
	struct files_struct *files;
	struct mm_struct *mm;
	const struct cred *real_cred;
};

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	struct file *vm_file;
};

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

struct bpf_iter__task_vma {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
};

/* 6.16 and later. */
struct bpf_iter__dmabuf {
	struct bpf_iter_meta *meta;
	struct dma_buf *dmabuf;
};

/* The tracer's (dmabuf_trace.bpf.c): an attachment's device, and its name. */
struct kobject {
	const char *name;
};

struct device {
	const char *init_name;
	struct kobject kobj;
};

struct dma_buf_attachment {
	struct dma_buf *dmabuf;
	struct device *dev;
};

#pragma clang attribute pop

/* Only passed by pointer: never read. */
struct dma_buf_export_info;
struct dma_buf_attach_ops;

/* 6.7 and later: the open-coded vma iterator's state, opaque; found by name. */
struct bpf_iter_task_vma {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

#endif
