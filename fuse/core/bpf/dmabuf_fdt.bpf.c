// SPDX-License-Identifier: GPL-2.0-only
/*
 * 6.2 and later: iter/task with every process's dma-buf fds read from its
 * fd table in the one program run per task, where iter/task_file takes a
 * file reference, runs a program and steps its seq_file per fd (about
 * 150 ns a fd, most of a scan). Writes what dbf_tasks and dbf_fds of
 * dmabuf_iter.bpf.c write, in one pass:
 *  - a DBF_BPF_TASK record per thread group leader;
 *  - a DBF_BPF_FD record per dma-buf fd of every fd table, a thread's own
 *    (unshare(CLONE_FILES)) included, skipped where it is the leader's;
 *  - a DBF_BPF_MORE record for a table with more than FDT_MAX dma-buf fds:
 *    a program run's output must fit the kernel's seq_file buffer, so the
 *    reader then takes the fds from iter/task_file instead.
 * A table that could not be read whole is reported the same way.
 * 64-bit kernels only (64 fds a word of open_fds, 8-byte pointers).
 * Needs bpf_rdonly_cast() (6.2) to read a file through its pointer from
 * the table; its own object, so that loading dmabuf_iter.bpf.c never
 * depends on that kfunc.
 */
#include "dmabuf_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "dmabuf_rec.h"
#include "dmabuf_common.h"

char LICENSE[] SEC("license") = "GPL";

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* include/linux/sched.h */
#define PF_EXITING 0x00000004

/* 200 records and two more are 24,240 bytes: the seq buffer is 8 pages. */
#define FDT_MAX 200

/* Per CPU: too big for the stack, and loaded values keep the verifier's states few. */
struct walk {
	struct file *slot[64];		/* the table's pointers for one word of open_fds */
	unsigned long bits;		/* that word */
	__u64 open, fds;		/* fdt->open_fds, fdt->fd */
	__u32 word;
	__u32 nfds;			/* records written for this table */
	__u32 more;
	struct dbf_bpf_rec r;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk);
} walks SEC(".maps");

struct walk_ctx {
	struct walk *w;
	struct seq_file *seq;
	int tgid, tid;
};

static long one_fd(__u32 b, struct walk_ctx *c)
{
	struct walk *w = c->w;
	struct dbf_bpf_rec *r = &w->r;
	struct file *file;

	if (b >= 64 || !(w->bits & (1UL << b)))
		return 0;
	file = bpf_rdonly_cast(w->slot[b], bpf_core_type_id_kernel(struct file));
	if (!file_kept(file))
		return 0;
	if (w->nfds >= FDT_MAX) {
		w->more = 1;
		return 1;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = DBF_BPF_FD;
	r->tgid = c->tgid;
	r->tid = c->tid;
	r->fd = (__s32)(w->word * 64 + b);
	/* No reference is taken here: every one is someone else's. */
	r->count = file_refs(file, false);
	if (!fill_file(r, file))
		return 0;
	bpf_seq_write(c->seq, r, sizeof(*r));
	w->nfds++;
	return 0;
}

static long one_word(__u32 i, struct walk_ctx *c)
{
	struct walk *w = c->w;

	/* A table that cannot be read (it was being replaced): read per fd. */
	if (bpf_probe_read_kernel(&w->bits, sizeof(w->bits), (void *)(w->open + i * 8ULL))) {
		w->more = 1;
		return 1;
	}
	if (!w->bits)
		return 0;
	/* The slots of one word at once: one helper call for 64 fds. */
	if (bpf_probe_read_kernel(w->slot, sizeof(w->slot), (void *)(w->fds + i * 512ULL))) {
		w->more = 1;
		return 1;
	}
	w->word = i;
	bpf_loop(64, one_fd, c, 0);
	return w->more ? 1 : 0;
}

SEC("iter/task")
int dbf_fdtables(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct walk_ctx c = { .seq = ctx->meta->seq };
	struct files_struct *files;
	struct fdtable *fdt;
	__u32 key = 0;
	struct walk *w;

	if (!task)
		return 0;
	w = bpf_map_lookup_elem(&walks, &key);
	if (!w)
		return 0;
	c.w = w;
	c.tgid = task->tgid;
	c.tid = task->pid;
	if (c.tid == c.tgid) {
		__builtin_memset(&w->r, 0, sizeof(w->r));
		w->r.kind = DBF_BPF_TASK;
		w->r.tgid = c.tgid;
		w->r.tid = c.tgid;
		w->r.count = -1;
		bpf_seq_write(c.seq, &w->r, sizeof(w->r));
	}
	/*
	 * No lock is taken: a table is read under RCU as it is. An exiting
	 * task frees its files_struct at once (exit_files()), so once it is
	 * exiting its table is left alone; it is going away in any case.
	 */
	if (task->flags & PF_EXITING)
		return 0;
	/* iter/task_file's choice: each fd table once, a thread's own too. */
	files = task->files;
	if (!files || (c.tid != c.tgid && files == task->group_leader->files))
		return 0;
	fdt = files->fdt;
	if (!fdt)
		return 0;
	w->open = (__u64)fdt->open_fds;
	w->fds = (__u64)fdt->fd;
	w->nfds = 0;
	w->more = 0;
	/* bpf_loop() runs at most 1 << 23 times: 512M fds, past any nr_open in use */
	if (bpf_loop(fdt->max_fds / 64, one_word, &c, 0) < 0)
		w->more = 1;
	if (w->more) {
		__builtin_memset(&w->r, 0, sizeof(w->r));
		w->r.kind = DBF_BPF_MORE;
		w->r.tgid = c.tgid;
		w->r.tid = c.tid;
		w->r.fd = -1;
		w->r.count = -1;
		bpf_seq_write(c.seq, &w->r, sizeof(w->r));
	}
	return 0;
}
