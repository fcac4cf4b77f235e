/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF scanner backend: iterators over every task's fds and mappings
 * (and, from 6.16, every dma-buf) that write fixed-size records, read
 * into the same builder the procfs backend feeds.
 *
 * Loading needs privilege (CAP_BPF and CAP_PERFMON, or root); the links
 * it keeps are then read with BPF_ITER_CREATE alone (docs/security.md).
 */
#ifndef DMABUFFS_BPF_SCAN_H
#define DMABUFFS_BPF_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct dbf_bpf;
struct dbf_builder;

/* Whether this build has the BPF backend at all. */
bool dbf_bpf_built(void);

/*
 * Load the programs, fitted to the kernel BTF at @btf_path (NULL: the
 * running kernel's, /sys/kernel/btf/vmlinux), and attach one iterator
 * link each. Only the links' fds are kept, above fd 2. On failure returns
 * a negative errno and sets *step to what failed, for the one notice.
 * @verbose lets libbpf print its own diagnostics on stderr.
 */
int dbf_bpf_load(const char *btf_path, bool verbose, struct dbf_bpf **out,
		 const char **step);
void dbf_bpf_free(struct dbf_bpf *p);

/* The kernel has iter/dmabuf (6.16): every buffer is listed. */
bool dbf_bpf_lists_buffers(const struct dbf_bpf *p);

/* The link fds kept, for the scanner's fd hygiene: up to 4, -1 unused. */
void dbf_bpf_fds(const struct dbf_bpf *p, int fds[4]);
/* Move the link fds to @first, @first + 1, ...; 0 or a negative errno. */
int dbf_bpf_move_fds(struct dbf_bpf *p, int first);

/*
 * Whether the links can be read (BPF_ITER_CREATE) with no capability at
 * all, tried from a thread that drops its own: 0, or -EPERM where the
 * kernel still wants CAP_BPF for it (see docs/security.md).
 */
int dbf_bpf_probe_unprivileged(struct dbf_bpf *p);

/*
 * One pass: every process's dma-buf fds and mappings into @b, each
 * process staged and merged only once its /proc/<pid> facts (comm, ids,
 * cgroup) were read under @procfd; and with iter/dmabuf every buffer.
 * *nscanned: thread groups the kernel listed. 0 or a negative errno.
 */
int dbf_bpf_scan(struct dbf_bpf *p, int procfd, struct dbf_builder *b,
		 size_t *nscanned);

/*
 * Self-check of the fd-table walk (6.2 and later) against iter/task_file
 * where no dma-buf exists: both load keeping the files on the filesystem
 * of superblock @magic, by their own inode, and their fd records for the
 * processes in @pids (sorted) must be the same, fd for fd: tgid, thread,
 * fd, inode, device and reference count. *nmore: those processes with a
 * table the walk found too long to list (the scan then reads it per fd),
 * left out of the comparison.
 * 0 same (*nsame records), 1 different (*nsame: the first that differs),
 * or a negative errno (-ENOSYS: no BPF in this build).
 */
int dbf_bpf_fdt_check(unsigned long magic, const pid_t *pids, size_t npids,
		      size_t *nsame, size_t *nmore);

/*
 * Self-check of the walk with mappings (6.7 and later) against
 * iter/task_vma, the same way: mappings of files on the filesystem of
 * superblock @magic, by their own inode, for the processes in @pids
 * (sorted), must be the same records, byte for byte. *nmore: those
 * processes whose mappings the walk did not list (DBF_BPF_MAP_MORE: the
 * scan then reads iter/task_vma), left out of the comparison.
 * 0 same (*nsame records), 1 different (*nsame: the first that differs),
 * or a negative errno (-ENOSYS: no BPF in this build).
 */
int dbf_bpf_maps_check(unsigned long magic, const pid_t *pids, size_t npids,
		       size_t *nsame, size_t *nmore);

#endif
