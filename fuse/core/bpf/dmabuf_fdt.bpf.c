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
 * dbf_fdtables_maps also writes what dbf_maps writes (iter/task_vma) in
 * the same pass, with 6.7's open-coded vma iterator: the tasks are walked
 * once instead of twice (loaded only with DMABUFFS_BPF_FDT_MAPS: on 6.18
 * the iterator's per-vma work costs more than the second walk saves). It reads a process's mappings where iter/task_vma
 * does (the leader, and a thread with an fd table of its own), and writes
 * a DBF_BPF_MAP_MORE record where it cannot be sure to have read them as
 * iter/task_vma would (see task_maps()): the reader then takes every
 * mapping from iter/task_vma instead.
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
/* 6.7: weak, so that dbf_fdtables loads where they are missing */
extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task,
				 __u64 addr) __ksym __weak;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym __weak;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym __weak;

/* include/linux/sched.h */
#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000
/* include/uapi/asm-generic/errno-base.h */
#define ENOENT 2

/* 200 records and two more are 24,240 bytes: the seq buffer is 8 pages. */
#define FDT_MAX 200

/*
 * Mapping records a run may add: with FDT_MAX fds, a task record and two
 * MORE records, 263 records (31,560 bytes) still fit the seq buffer.
 */
#define MAP_MAX 60

/* Per CPU: too big for the stack, and loaded values keep the verifier's states few. */
struct walk {
	struct file *slot[64];		/* the table's pointers for one word of open_fds */
	unsigned long bits;		/* that word */
	__u64 open, fds;		/* fdt->open_fds, fdt->fd */
	__u32 word;
	__u32 nfds;			/* records written for this table */
	__u32 more;
	__u32 nmaps;			/* mapping records written for this task */
	__u32 over;			/* it had more than MAP_MAX */
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

/* The mm's write-lock sequence: it moves whenever a writer takes or drops the lock. */
static __always_inline __u32 mm_seq(struct mm_struct *mm)
{
	if (bpf_core_field_exists(mm->mm_lock_seq.sequence))
		return BPF_CORE_READ(mm, mm_lock_seq.sequence);
	if (bpf_core_field_exists(((struct mm_struct___int_seq *)mm)->mm_lock_seq))
		return BPF_CORE_READ((struct mm_struct___int_seq *)mm, mm_lock_seq);
	return 0;
}

static __always_inline bool mm_written(struct mm_struct *mm)
{
	return BPF_CORE_READ(mm, mmap_lock.count.counter) & 1;
}

static __always_inline void map_more(struct walk *w, struct walk_ctx *c)
{
	__builtin_memset(&w->r, 0, sizeof(w->r));
	w->r.kind = DBF_BPF_MAP_MORE;
	w->r.tgid = c->tgid;
	w->r.tid = c->tid;
	w->r.fd = -1;
	w->r.count = -1;
	bpf_seq_write(c->seq, &w->r, sizeof(w->r));
}

/*
 * iter/task_vma's records for @task. It reads the mm under mmap_read_lock
 * (it waits for a writer); the vma iterator does not: from 6.12.y/6.13
 * it locks one vma at a time (lock_vma_under_rcu()) and steps over a vma
 * it cannot lock, which happens only while a writer holds mmap_lock
 * (vmas are write-locked under it). So the walk counts only if no writer
 * held the lock at either end and its sequence did not move in between;
 * else, or if the iterator could not start (-EBUSY: the task's
 * alloc_lock was taken; -EOPNOTSUPP: no CONFIG_PER_VMA_LOCK), say so.
 */
static __always_inline void task_maps(struct task_struct *task, struct walk_ctx *c)
{
	struct walk *w = c->w;
	struct dbf_bpf_rec *r = &w->r;
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	bool busy;
	__u32 seq;
	int err;

	/* iter/task_vma's choice: the leader, and threads with a table of their own */
	if (c->tid != c->tgid && task->files == task->group_leader->files)
		return;
	/* get_task_mm(): no mm, or a kernel thread borrowing one: nothing */
	mm = task->mm;
	if (!mm || (task->flags & PF_KTHREAD))
		return;
	seq = mm_seq(mm);
	busy = mm_written(mm);
	/* counted in the map, not on the stack: the verifier then sees one loop state */
	w->nmaps = 0;
	w->over = 0;
	err = bpf_iter_task_vma_new(&it, task, 0);
	while ((vma = bpf_iter_task_vma_next(&it))) {
		if (!file_kept(vma->vm_file))
			continue;
		if (w->nmaps >= MAP_MAX) {
			w->over = 1;
			break;
		}
		__builtin_memset(r, 0, sizeof(*r));
		r->kind = DBF_BPF_MAP;
		r->tgid = c->tgid;
		r->tid = c->tid;
		r->fd = -1;
		r->count = -1;
		r->len = vma->vm_end - vma->vm_start;
		if (fill_file(r, vma->vm_file)) {
			bpf_seq_write(c->seq, r, sizeof(*r));
			w->nmaps++;
		}
	}
	/* the iterator holds the mm until destroyed: read it again before */
	busy |= !err && (task->mm != mm || mm_written(mm) || mm_seq(mm) != seq);
	bpf_iter_task_vma_destroy(&it);
	/* -ENOENT: the mm went away (exit, exec) before the iterator began */
	if (err == -ENOENT)
		return;
	if (err || busy || w->over)
		map_more(w, c);
}

static __always_inline int fdtables(struct bpf_iter__task *ctx, bool maps)
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
	if (maps)
		task_maps(task, &c);
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

SEC("iter/task")
int dbf_fdtables(struct bpf_iter__task *ctx)
{
	return fdtables(ctx, false);
}

/* 6.7 and later: the mappings too. */
SEC("iter/task")
int dbf_fdtables_maps(struct bpf_iter__task *ctx)
{
	return fdtables(ctx, true);
}
