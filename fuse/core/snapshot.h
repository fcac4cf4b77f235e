/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The snapshot model: every dma-buf the scan found, who holds it, and
 * indices by name, exporter and pid. A snapshot is built whole by
 * dbf_scan() and is immutable afterwards, so readers may share it freely.
 */
#ifndef DMABUFFS_SNAPSHOT_H
#define DMABUFFS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Bytes from the kernel: a length travels with them, no terminator assumed. */
struct dbf_str {
	const char *p;
	uint32_t len;
};

/* A NUL-terminated string as bytes. */
static inline struct dbf_str dbf_cstr(const char *s)
{
	return (struct dbf_str){ s, (uint32_t)__builtin_strlen(s) };
}

/* Where a buffer (or the snapshot as a whole) got its facts from. */
enum {
	DBF_SRC_FD	= 1u << 0,	/* a /proc/<pid>/fd link */
	DBF_SRC_FDINFO	= 1u << 1,	/* /proc/<pid>/fdinfo/<n> */
	DBF_SRC_MAPS	= 1u << 2,	/* /proc/<pid>/maps */
	DBF_SRC_BUFINFO	= 1u << 3,	/* debugfs dma_buf/bufinfo */
	DBF_SRC_SYSFS	= 1u << 4,	/* /sys/kernel/dmabuf/buffers */
	DBF_SRC_ITER	= 1u << 5,	/* the kernel's dma-buf BPF iterator (6.16) */
};

/* Which backend read the processes' fds and mappings. */
enum {
	DBF_SCANNER_PROCFS = 0,	/* /proc/<pid>/fd, fdinfo and maps */
	DBF_SCANNER_BPF,	/* BPF task_file and task_vma iterators */
};

/* How the dma-buf filesystem's device was learned. */
enum {
	DBF_DEV_NONE = 0,
	DBF_DEV_FD,		/* statx of a dma-buf fd met during the scan */
	DBF_DEV_PROBE,		/* a buffer dmabuffs exported itself at startup */
	DBF_DEV_OPTION,		/* --dmabuf-dev, for captures */
};

/*
 * Who exported a buffer, as the trace saw it. Most buffers have none, so
 * a buffer points to one in the snapshot's arena.
 */
struct dbf_origin {
	pid_t pid;			/* 0: the reader may not see it (--origins) */
	uid_t owner;			/* who may see it, as dbf_proc's */
	gid_t owner_gid;
	struct timespec at;		/* CLOCK_REALTIME */
	struct dbf_str comm;
	struct dbf_str cgroup;		/* len 0: unknown */
};

struct dbf_buf {
	uint64_t ino;
	uint64_t size;
	struct dbf_str exporter;	/* len 0 when no source named it */
	struct dbf_str name;		/* raw bytes; meaningful if has_name */
	int64_t refcount;		/* file refcount, -1 when unknown */
	const struct dbf_str *devices;	/* attached devices */
	struct timespec first_seen;	/* carried over from earlier snapshots */
	/*
	 * NULL: unknown, exported before dmabuffs started or where nothing
	 * traces.
	 */
	const struct dbf_origin *origin;
	uint32_t ndevices;
	unsigned int sources;		/* DBF_SRC_* */
	uint32_t holder0, nholders;	/* range in snapshot->holders */
	bool has_name;
	bool devices_known;		/* bufinfo (or patched fdinfo) was read */
	bool size_estimate;		/* size is a mapping's length */
};

/* One (buffer, process) pair: the fds and mappings by which it holds it. */
struct dbf_holder {
	uint32_t buf;			/* index in snapshot->bufs */
	uint32_t proc;			/* index in snapshot->procs */
	uint32_t fd0, nfds;		/* range in snapshot->fds, ascending */
	uint32_t maps;			/* number of mappings of the buffer */
	/*
	 * The mappings' device could not be checked against the dma-buf
	 * filesystem's (it was never learned): shown, marked unverified.
	 */
	bool maps_unverified;
};

#define DBF_COMM_MAX 64

struct dbf_proc {
	pid_t pid;
	uid_t uid;			/* real uid, (uid_t)-1 if unknown */
	gid_t gid;			/* real gid, (gid_t)-1 if unknown */
	/*
	 * Who procfs lets read the fdinfo besides root: all four uids and all
	 * four gids equal and the process dumpable. owner 0: root only.
	 */
	uid_t owner;
	gid_t owner_gid;		/* meaningful when owner != 0 */
	uint64_t start_time;		/* /proc/<pid>/stat field 22, 0 if unknown */
	char comm[DBF_COMM_MAX];	/* NUL-terminated, raw bytes */
	/*
	 * The cgroup v2 path, the "0::" line of /proc/<pid>/cgroup as the
	 * kernel prints it ("/" or "/a.slice/b.service"), raw bytes. len 0:
	 * unknown (no such line, as on a v1-only machine, or unreadable).
	 */
	struct dbf_str cgroup;
	uint32_t ph0, nph;		/* range in snapshot->proc_holders */
	/*
	 * Before 5.3 every dma-buf shares one anon inode, so buffers held
	 * this way can be counted but never told apart.
	 */
	uint32_t anon_fds, anon_maps;
	uint32_t nfds, nmaps;		/* dma-buf fds and mappings, all buffers */
	uint64_t bytes;			/* sum of held buffer sizes */
	uint64_t pss;			/* sum of size / number of holding procs */
};

struct dbf_snapshot {
	struct timespec taken;		/* CLOCK_REALTIME at scan start */

	struct dbf_buf *bufs;		/* ascending ino */
	size_t nbufs;
	struct dbf_proc *procs;		/* ascending pid; holders only */
	size_t nprocs;
	struct dbf_holder *holders;	/* ascending (buf, pid) */
	size_t nholders;
	uint32_t *proc_holders;		/* holder indices by (pid, ino) */
	int32_t *fds;
	size_t nfds;

	uint32_t *by_name;		/* named bufs, by (name bytes, ino) */
	size_t nby_name;
	uint32_t *by_exporter;		/* bufs with an exporter, likewise */
	size_t nby_exporter;

	pid_t *unreadable;		/* processes we could not read (EACCES) */
	size_t nunreadable;

	unsigned int sources;		/* DBF_SRC_* that answered */
	unsigned int scanner;		/* DBF_SCANNER_* */
	/*
	 * How events reach the stream besides scans: len 0, none; else
	 * the trace source's attach points (dbf_trace_describe()).
	 */
	struct dbf_str trace;
	/* DBF_SRC_BUFINFO and/or DBF_SRC_FDINFO: which listed attachments */
	unsigned int device_sources;
	/* The dma-buf filesystem's device, against which maps lines are checked. */
	uint64_t dmabuf_dev;		/* makedev() form; meaningful if dev_src */
	unsigned int dev_src;		/* DBF_DEV_*: how it was learned, 0: never */
	bool names_escaped;		/* the kernel escapes names: learned */
	uint64_t scan_ns;		/* how long the scan took */
	int bufinfo_err;		/* errno why bufinfo was not used, or 0 */
	size_t nprocs_scanned;
	uint64_t total_bytes;
	size_t held_by_nobody;
	uint32_t anon_fds, anon_maps;	/* pre-5.3 totals */
	size_t bufinfo_noino;		/* pre-5.3 bufinfo rows: no inode to join */
	uint64_t bufinfo_noino_bytes;

	struct dbf_arena *arena;	/* owns every string above */
};

struct dbf_scan_opts {
	const char *proc_root;		/* default "/proc" */
	const char *debugfs_root;	/* default "/sys/kernel/debug" */
	const char *sysfs_root;		/* default "/sys" */
	unsigned int threads;		/* procfs scan threads, 0: by CPUs and load */
	/*
	 * The dma-buf filesystem's device if already known (probe, option or
	 * an earlier scan); DBF_DEV_NONE lets the scan learn it from fds.
	 */
	uint64_t dmabuf_dev;
	unsigned int dev_src;
	/*
	 * The kernel escapes names in fdinfo and bufinfo (kernel/patches),
	 * if an earlier scan learned so: a scan that sees no witness itself
	 * (no fd of a buffer whose name has bytes to escape, no fdinfo of
	 * the series) still reads bufinfo's names right.
	 */
	bool names_escaped;
	/*
	 * Loaded BPF iterators (bpf_scan.h): read fds and mappings through
	 * them instead of /proc. NULL: procfs.
	 */
	struct dbf_bpf *bpf;
};

/* The scanner's name as the summary, --dump and metrics print it. */
const char *dbf_scanner_name(unsigned int scanner);

/*
 * Scan every source once and build a snapshot. @prev, if not NULL, is the
 * previous snapshot: first_seen times are carried over from it.
 * Returns 0 or a negative errno (only for failures of the scan as a whole,
 * such as an unreadable proc root or no memory).
 */
int dbf_scan(const struct dbf_scan_opts *opts, const struct dbf_snapshot *prev,
	     struct dbf_snapshot **out);
void dbf_snapshot_free(struct dbf_snapshot *snap);

/*
 * For whoever fills a snapshot's arrays (the builder, the wire decoder):
 * once bufs (with their holder ranges), procs, holders and fds are in
 * place, derive the rest: by_name, by_exporter, proc_holders and the
 * per-process sums, the totals, and first_seen (carried over from @prev,
 * may be NULL). 0 or -ENOMEM.
 */
int dbf_snapshot_index(struct dbf_snapshot *s, const struct dbf_snapshot *prev);

/* Heap bytes the snapshot holds, for the memory budget. */
size_t dbf_snapshot_mem(const struct dbf_snapshot *snap);

const struct dbf_buf *dbf_snapshot_buf(const struct dbf_snapshot *snap,
				       uint64_t ino);
const struct dbf_proc *dbf_snapshot_proc(const struct dbf_snapshot *snap,
					 pid_t pid);

/*
 * The run of snapshot->by_name (or by_exporter) entries whose name equals
 * @key: sets *first and returns the count (0 if none).
 */
size_t dbf_snapshot_by_name(const struct dbf_snapshot *snap,
			    struct dbf_str key, size_t *first);
size_t dbf_snapshot_by_exporter(const struct dbf_snapshot *snap,
				struct dbf_str key, size_t *first);

static inline int dbf_str_cmp(struct dbf_str a, struct dbf_str b)
{
	uint32_t n = a.len < b.len ? a.len : b.len;
	int c = n ? __builtin_memcmp(a.p, b.p, n) : 0;

	if (c)
		return c;
	return (a.len > b.len) - (a.len < b.len);
}

#endif
