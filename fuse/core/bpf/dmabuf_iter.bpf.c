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

char LICENSE[] SEC("license") = "GPL";

/* include/uapi/linux/magic.h */
#define DMA_BUF_MAGIC 0x444d4142

/*
 * A dma-buf is a file on the dma-buf pseudo filesystem, whatever its
 * path says: a file merely named /dmabuf:X elsewhere has another magic.
 */
static __always_inline struct dma_buf *file_dmabuf(struct file *file)
{
	/*
	 * Most files are not dma-bufs: this test runs for every fd on the
	 * machine. Direct loads through BTF pointers (the verifier turns a
	 * fault into 0) cost a fraction of a bpf_probe_read_kernel() call.
	 */
	if (!file || file->f_inode->i_sb->s_magic != DMA_BUF_MAGIC)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

/* The file's references, the one the iterator itself holds not counted. */
static __always_inline __s64 file_refs(struct file *file)
{
	if (bpf_core_field_exists(file->f_ref))
		/* 6.13 and later: file_ref_t keeps the count less one. */
		return BPF_CORE_READ(file, f_ref.refcnt.counter);
	return BPF_CORE_READ((struct file___f_count *)file, f_count.counter) - 1;
}

/*
 * The kernel changes dmabuf->name under name_lock, a spinlock a program
 * cannot take: DMA_BUF_SET_NAME swaps the pointer and frees the old
 * string. So read the pointer, the bytes, and the pointer again; a name
 * that changed in between is reported as changing, never as torn bytes.
 * (Reading freed memory here cannot fault: bpf_probe_read_kernel_str
 * stops on a bad address.)
 */
static __always_inline void fill_buf(struct dbf_bpf_rec *r, struct dma_buf *d)
{
	const char *name, *again, *exp;
	long n;

	r->ino = BPF_CORE_READ(d, file, f_inode, i_ino);
	r->dev = BPF_CORE_READ(d, file, f_inode, i_sb, s_dev);
	r->size = BPF_CORE_READ(d, size);

	exp = BPF_CORE_READ(d, exp_name);
	if (exp) {
		n = bpf_probe_read_kernel_str(r->exporter, sizeof(r->exporter), exp);
		if (n > 0)
			r->exp_len = (__u8)(n - 1);
	}

	name = BPF_CORE_READ(d, name);
	if (!name)
		return;
	n = bpf_probe_read_kernel_str(r->name, sizeof(r->name), name);
	again = BPF_CORE_READ(d, name);
	if (n <= 0 || again != name) {
		r->name_state = DBF_BPF_NAME_CHANGING;
		return;
	}
	r->name_state = DBF_BPF_NAME_SET;
	r->name_len = (__u8)(n - 1);
}

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
	struct dma_buf *d;
	struct dbf_bpf_rec r;

	if (!task || !file)
		return 0;
	d = file_dmabuf(file);
	if (!d)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.kind = DBF_BPF_FD;
	r.tgid = BPF_CORE_READ(task, tgid);
	r.tid = BPF_CORE_READ(task, pid);
	r.fd = (__s32)ctx->fd;
	r.count = file_refs(file);
	fill_buf(&r, d);
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
	struct dma_buf *d;
	struct dbf_bpf_rec r;

	if (!task || !vma)
		return 0;
	d = file_dmabuf(vma->vm_file);
	if (!d)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.kind = DBF_BPF_MAP;
	r.tgid = BPF_CORE_READ(task, tgid);
	r.tid = BPF_CORE_READ(task, pid);
	r.fd = -1;
	r.count = -1;
	r.len = BPF_CORE_READ(vma, vm_end) - BPF_CORE_READ(vma, vm_start);
	fill_buf(&r, d);
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
	r.count = file_refs(BPF_CORE_READ(d, file));
	fill_buf(&r, d);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
