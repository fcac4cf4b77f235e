/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every iterator program reads of a file and its dma-buf, shared by
 * dmabuf_iter.bpf.c and dmabuf_fdt.bpf.c. Each object has its own copy of
 * dbf_magic and dbf_any_file (read-only data, set before load).
 */
#ifndef DMABUFFS_BPF_COMMON_H
#define DMABUFFS_BPF_COMMON_H

/* include/uapi/linux/magic.h */
#define DMA_BUF_MAGIC 0x444d4142

/*
 * The superblock magic the programs keep. Only a self-check changes it,
 * with dbf_any_file: then every file on that filesystem is listed by its
 * own inode (fill_file()), so that two ways of walking the fd tables can
 * be compared on ordinary files, where no dma-buf exists.
 */
const volatile unsigned long dbf_magic = DMA_BUF_MAGIC;
const volatile bool dbf_any_file = false;

/*
 * A dma-buf is a file on the dma-buf pseudo filesystem, whatever its
 * path says: a file merely named /dmabuf:X elsewhere has another magic.
 */
static __always_inline bool file_kept(struct file *file)
{
	/*
	 * Most files are not dma-bufs: this test runs for every fd on the
	 * machine. Direct loads through BTF pointers (the verifier turns a
	 * fault into 0) cost a fraction of a bpf_probe_read_kernel() call.
	 */
	return file && file->f_inode->i_sb->s_magic == dbf_magic;
}

/*
 * The file's references. @held: the program runs with one of its own
 * (iter/task_file, iter/dmabuf), which is not counted.
 */
static __always_inline __s64 file_refs(struct file *file, bool held)
{
	if (bpf_core_field_exists(file->f_ref))
		/* 6.13 and later: file_ref_t keeps the count less one. */
		return BPF_CORE_READ(file, f_ref.refcnt.counter) + (held ? 0 : 1);
	return BPF_CORE_READ((struct file___f_count *)file, f_count.counter) - (held ? 1 : 0);
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

/*
 * The buffer behind a kept file, or false if it has none (yet). In the
 * self-check, the file's own inode and device where a buffer's would be.
 */
static __always_inline bool fill_file(struct dbf_bpf_rec *r, struct file *file)
{
	struct dma_buf *d;

	if (dbf_any_file) {
		r->ino = BPF_CORE_READ(file, f_inode, i_ino);
		r->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
		return true;
	}
	d = BPF_CORE_READ(file, private_data);
	if (!d)
		return false;
	fill_buf(r, d);
	return true;
}

#endif
