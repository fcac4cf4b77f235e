// SPDX-License-Identifier: GPL-2.0-only
/*
 * Iterators that write one struct dbf_bpf_rec per dma-buf fact: every
 * process (iter/task), every dma-buf fd (iter/task_file), every mapping of
 * a dma-buf (iter/task_vma) and, from 6.16, every buffer (iter/dmabuf).
 * Built once with CO-RE (dmabuf_types.h); libbpf fits it to the running
 * kernel's BTF at load time.
 */
#include "dmabuf_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "dmabuf_rec.h"
#include "dmabuf_common.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int dbf_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct dbf_bpf_rec r;

	/* Threads are the same process: count each thread group once. */
	if (!task || BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.kind = DBF_BPF_TASK;
	r.tgid = BPF_CORE_READ(task, tgid);
	r.tid = r.tgid;
	r.count = -1;
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

/*
 * The kernel visits each fd table once: a thread that shares its group
 * leader's table is skipped, one with a table of its own (unshare
 * (CLONE_FILES)) is visited, and its fds count for its process.
 */
SEC("iter/task_file")
int dbf_fds(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct dbf_bpf_rec r;

	if (!task || !file_kept(file))
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.kind = DBF_BPF_FD;
	r.tgid = BPF_CORE_READ(task, tgid);
	r.tid = BPF_CORE_READ(task, pid);
	r.fd = (__s32)ctx->fd;
	r.count = file_refs(file, true);
	if (fill_file(&r, file))
		bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

/*
 * Mappings, by the mapped file's identity. Threads share their leader's
 * mm; the reader keeps one thread's view per process.
 */
SEC("iter/task_vma")
int dbf_maps(struct bpf_iter__task_vma *ctx)
{
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct dbf_bpf_rec r;

	if (!task || !vma || !file_kept(vma->vm_file))
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.kind = DBF_BPF_MAP;
	r.tgid = BPF_CORE_READ(task, tgid);
	r.tid = BPF_CORE_READ(task, pid);
	r.fd = -1;
	r.count = -1;
	r.len = BPF_CORE_READ(vma, vm_end) - BPF_CORE_READ(vma, vm_start);
	if (fill_file(&r, vma->vm_file))
		bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

/* 6.16 and later: every buffer, held by a process or not. */
SEC("iter/dmabuf")
int dbf_bufs(struct bpf_iter__dmabuf *ctx)
{
	struct dma_buf *d = ctx->dmabuf;
	struct dbf_bpf_rec r;

	if (!d)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.kind = DBF_BPF_BUF;
	r.fd = -1;
	/* dma_buf_iter_begin()/next() hold a reference on each file. */
	r.count = file_refs(BPF_CORE_READ(d, file), true);
	fill_buf(&r, d);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
