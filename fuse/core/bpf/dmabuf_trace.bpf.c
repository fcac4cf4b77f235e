// SPDX-License-Identifier: GPL-2.0-only
/*
 * One struct dbf_trace_rec per dma-buf event into a ring buffer, for the
 * event stream: exports, fds, mappings, attachments, releases, renames.
 * Each event has two programs: the dma_buf tracepoint (7.0 and later;
 * release and rename only with kernel/patches/7.3/0004) and, for kernels
 * without it, an fentry or fexit program on the function it sits in.
 * fuse/core/bpf_trace.c loads one of the two per event, by what the
 * kernel's BTF has. Built once with CO-RE (dmabuf_types.h).
 */
#include "dmabuf_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "dmabuf_trace.h"

char LICENSE[] SEC("license") = "GPL";

/* include/uapi/linux/magic.h */
#define DMA_BUF_MAGIC 0x444d4142
/* include/linux/err.h */
#define MAX_ERRNO 4095

/*
 * DMA_BUF_SET_NAME_A and _B (include/uapi/linux/dma-buf.h), as the
 * target's ioctl encoding has them: the loader sets them from its own
 * headers, since powerpc, mips and sparc encode _IOW otherwise. These
 * are x86's and arm's.
 */
const volatile __u32 dbf_set_name_a = 0x40046201;	/* _IOW('b', 1, __u32) */
const volatile __u32 dbf_set_name_b = 0x40086201;	/* _IOW('b', 1, __u64) */

/* Records the ring had no room for: the reader says how many it missed. */
__u64 dbf_lost = 0;

/* A power of two of pages; the loader may change it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} dbf_ring SEC(".maps");

/*
 * The acting process's owner as procfs has it for its fdinfo: the ids of
 * its credentials when the four uids agree and the four gids too, else
 * root's alone (0). (procfs also makes a process that is not dumpable
 * root's; its mm's flags are not read here.)
 */
static __always_inline void owner_of_current(struct dbf_trace_rec *r)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	const struct cred *c = BPF_CORE_READ(t, real_cred);
	__u32 uid = BPF_CORE_READ(c, uid.val), gid = BPF_CORE_READ(c, gid.val);

	if (uid == BPF_CORE_READ(c, euid.val) && uid == BPF_CORE_READ(c, suid.val) &&
	    uid == BPF_CORE_READ(c, fsuid.val) && gid == BPF_CORE_READ(c, egid.val) &&
	    gid == BPF_CORE_READ(c, sgid.val) && gid == BPF_CORE_READ(c, fsgid.val)) {
		r->owner = uid;
		r->owner_gid = gid;
	}
}

/* A record with what every event has: the buffer, and who acted. */
static __always_inline struct dbf_trace_rec *begin(__u32 kind, struct dma_buf *d)
{
	struct dbf_trace_rec *r = bpf_ringbuf_reserve(&dbf_ring, sizeof(*r), 0);
	const char *exp;

	if (!r) {
		__sync_fetch_and_add(&dbf_lost, 1);
		return NULL;
	}
	/* Reserved ring memory is not zeroed: no stale bytes reach the reader. */
	__builtin_memset(r, 0, sizeof(*r));
	r->boot_ns = bpf_ktime_get_boot_ns();
	r->kind = kind;
	r->fd = -1;
	r->tgid = (__s32)(bpf_get_current_pid_tgid() >> 32);
	owner_of_current(r);
	r->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->ino = BPF_CORE_READ(d, file, f_inode, i_ino);
	r->size = BPF_CORE_READ(d, size);
	exp = BPF_CORE_READ(d, exp_name);
	if (exp)
		bpf_probe_read_kernel_str(r->exporter, sizeof(r->exporter), exp);
	return r;
}

/*
 * The buffer's name, as fill_buf() (dmabuf_common.h) reads it. The
 * tracepoints run under name_lock (7.x's DMA_BUF_TRACE()), where it
 * cannot change; elsewhere DMA_BUF_SET_NAME may swap the pointer and free
 * the old string meanwhile, so read the pointer, the bytes and the
 * pointer again: a name that changed in between is said to be torn,
 * never given as bytes that may be.
 */
static __always_inline void read_name(struct dbf_trace_rec *r, struct dma_buf *d)
{
	const char *name = BPF_CORE_READ(d, name), *again;
	long n;

	if (!name)
		return;
	n = bpf_probe_read_kernel_str(r->name, sizeof(r->name), name);
	again = BPF_CORE_READ(d, name);
	if (n <= 0 || again != name) {
		__builtin_memset(r->name, 0, sizeof(r->name));
		r->flags |= DBF_TR_NAME_TORN;
		return;
	}
	r->flags |= DBF_TR_HAS_NAME;
}

/* dev_name(): the name the device was made with, until it is registered. */
static __always_inline void read_dev(struct dbf_trace_rec *r, struct device *dev)
{
	const char *name = BPF_CORE_READ(dev, init_name);

	if (!name)
		name = BPF_CORE_READ(dev, kobj.name);
	if (name)
		bpf_probe_read_kernel_str(r->device, sizeof(r->device), name);
}

static __always_inline int emit(__u32 kind, struct dma_buf *d, int fd, struct device *dev)
{
	struct dbf_trace_rec *r;

	if (!d)
		return 0;
	r = begin(kind, d);
	if (!r)
		return 0;
	read_name(r, d);
	r->fd = fd;
	if (dev)
		read_dev(r, dev);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

static __always_inline bool is_err(const void *p)
{
	return !p || (unsigned long)p >= (unsigned long)-MAX_ERRNO;
}

/* The tracepoints, 7.0 and later. */

SEC("tp_btf/dma_buf_export")
int BPF_PROG(dbf_tp_export, struct dma_buf *dmabuf)
{
	return emit(DBF_TR_EXPORT, dmabuf, -1, NULL);
}

/* Fires only for fd >= 0 (TP_CONDITION), before fd_install(). */
SEC("tp_btf/dma_buf_fd")
int BPF_PROG(dbf_tp_fd, struct dma_buf *dmabuf, int fd)
{
	return emit(DBF_TR_FD, dmabuf, fd, NULL);
}

/* mmap() of the buffer's fd. */
SEC("tp_btf/dma_buf_mmap_internal")
int BPF_PROG(dbf_tp_mmap_int, struct dma_buf *dmabuf)
{
	return emit(DBF_TR_MAP, dmabuf, -1, NULL);
}

/* A driver maps it for the process, e.g. through its own device file. */
SEC("tp_btf/dma_buf_mmap")
int BPF_PROG(dbf_tp_mmap, struct dma_buf *dmabuf)
{
	return emit(DBF_TR_MAP, dmabuf, -1, NULL);
}

SEC("tp_btf/dma_buf_dynamic_attach")
int BPF_PROG(dbf_tp_attach, struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
	     bool is_dynamic, struct device *dev)
{
	return emit(DBF_TR_ATTACH, dmabuf, -1, dev);
}

SEC("tp_btf/dma_buf_detach")
int BPF_PROG(dbf_tp_detach, struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
	     bool is_dynamic, struct device *dev)
{
	return emit(DBF_TR_DETACH, dmabuf, -1, dev);
}

/* Patched kernels (0004): from dma_buf_file_release(), once per buffer. */
SEC("tp_btf/dma_buf_release")
int BPF_PROG(dbf_tp_release, struct dma_buf *dmabuf)
{
	return emit(DBF_TR_RELEASE, dmabuf, -1, NULL);
}

/*
 * Patched kernels (0004), under name_lock, before the swap: both names
 * are stable, and dmabuf->name is still the old one.
 */
SEC("tp_btf/dma_buf_set_name")
int BPF_PROG(dbf_tp_rename, struct dma_buf *dmabuf, const char *old_name,
	     const char *new_name)
{
	struct dbf_trace_rec *r;

	if (!dmabuf)
		return 0;
	r = begin(DBF_TR_RENAME, dmabuf);
	if (!r)
		return 0;
	r->flags |= DBF_TR_OLD_KNOWN;
	if (new_name && bpf_probe_read_kernel_str(r->name, sizeof(r->name), new_name) > 0)
		r->flags |= DBF_TR_HAS_NAME;
	if (old_name && bpf_probe_read_kernel_str(r->old_name, sizeof(r->old_name), old_name) > 0)
		r->flags |= DBF_TR_HAD_NAME;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* The functions, for kernels without the tracepoints (before 7.0). */

SEC("fexit/dma_buf_export")
int BPF_PROG(dbf_fx_export, const struct dma_buf_export_info *info, struct dma_buf *ret)
{
	if (is_err(ret))
		return 0;
	return emit(DBF_TR_EXPORT, ret, -1, NULL);
}

/* After fd_install(): the fd is the process's by now. */
SEC("fexit/dma_buf_fd")
int BPF_PROG(dbf_fx_fd, struct dma_buf *dmabuf, int flags, int ret)
{
	if (ret < 0)
		return 0;
	return emit(DBF_TR_FD, dmabuf, ret, NULL);
}

/*
 * fexit, not fentry: the size and support checks come first, and a
 * mapping refused by them or by the exporter is none.
 */
SEC("fexit/dma_buf_mmap_internal")
int BPF_PROG(dbf_fx_mmap_int, struct file *file, struct vm_area_struct *vma, int ret)
{
	if (ret)
		return 0;
	return emit(DBF_TR_MAP, BPF_CORE_READ(file, private_data), -1, NULL);
}

SEC("fexit/dma_buf_mmap")
int BPF_PROG(dbf_fx_mmap, struct dma_buf *dmabuf, struct vm_area_struct *vma,
	     unsigned long pgoff, int ret)
{
	if (ret)
		return 0;
	return emit(DBF_TR_MAP, dmabuf, -1, NULL);
}

/* 5.7 and later: the importer's ops and private data. */
SEC("fexit/dma_buf_dynamic_attach")
int BPF_PROG(dbf_fx_attach, struct dma_buf *dmabuf, struct device *dev,
	     const struct dma_buf_attach_ops *importer_ops, void *importer_priv,
	     struct dma_buf_attachment *ret)
{
	if (is_err(ret))
		return 0;
	return emit(DBF_TR_ATTACH, dmabuf, -1, dev);
}

/* fentry: the attachment is freed on the way out. */
SEC("fentry/dma_buf_detach")
int BPF_PROG(dbf_fe_detach, struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	if (!attach)
		return 0;
	return emit(DBF_TR_DETACH, dmabuf, -1, BPF_CORE_READ(attach, dev));
}

/*
 * The file's release is the buffer's: every reference to a dma-buf is a
 * reference to its file, and this runs at the last fput(). Not
 * dma_buf_release(), the dentry's d_release: the inode is gone by then.
 * A failed export (7.x makes the file first) releases a file with no
 * buffer.
 */
SEC("fentry/dma_buf_file_release")
int BPF_PROG(dbf_fe_release, struct inode *inode, struct file *file)
{
	struct dma_buf *d;
	struct dbf_trace_rec *r;

	if (BPF_CORE_READ(inode, i_sb, s_magic) != DMA_BUF_MAGIC)
		return 0;
	d = BPF_CORE_READ(file, private_data);
	if (!d)
		return 0;
	r = begin(DBF_TR_RELEASE, d);
	if (!r)
		return 0;
	r->ino = BPF_CORE_READ(inode, i_ino);
	read_name(r, d);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* A rename that worked; the old name is gone by now, so not known. */
SEC("fexit/dma_buf_ioctl")
int BPF_PROG(dbf_fx_rename, struct file *file, unsigned int cmd, unsigned long arg, long ret)
{
	if (ret || (cmd != dbf_set_name_a && cmd != dbf_set_name_b))
		return 0;
	return emit(DBF_TR_RENAME, BPF_CORE_READ(file, private_data), -1, NULL);
}
