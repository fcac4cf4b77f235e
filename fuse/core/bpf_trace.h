/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF tracer: dma-buf events (exports, fds, mappings, attachments,
 * releases, renames) as they happen, from the dma_buf tracepoints where
 * the kernel has them (7.0; release and rename only with
 * kernel/patches/7.3/0004) and from fentry/fexit programs on the same
 * functions before. Records come through a BPF ring buffer that the
 * reader maps: after loading, reading takes no system call but poll().
 *
 * Loading needs privilege (CAP_BPF and CAP_PERFMON, or root). The links
 * then live as long as their fds, which is all that is kept.
 */
#ifndef DMABUFFS_BPF_TRACE_H
#define DMABUFFS_BPF_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_rec.h"

struct dbf_trace;

/*
 * Load and attach, fitted to the kernel BTF at @btf_path (NULL: the
 * running kernel's). Per event kind, the tracepoint where that BTF has
 * btf_trace_<name>, else the fentry/fexit program where it has the
 * function, else nothing; a kind whose programs fail to attach is left
 * out too. Export, fd and release are required: -EOPNOTSUPP with *step
 * "no dma-buf trace points" where the BTF has no way to trace one of
 * them, the error itself where one fails to load or attach (so do
 * fentry and fexit where a security policy refuses them, as some
 * sandboxes do: EPERM). Only the links' fds and the ring's map fd are kept,
 * above fd 2; the object is closed. On failure returns a negative errno
 * and sets *step to what failed, for the one notice. @verbose lets
 * libbpf print its own diagnostics on stderr.
 *
 * Attaching resolves the targets in the running kernel's own BTF
 * whatever @btf_path says (libbpf reads /sys/kernel/btf/vmlinux for it):
 * a @btf_path for another kernel chooses programs this one cannot load.
 */
int dbf_trace_load(const char *btf_path, bool verbose, struct dbf_trace **out,
		   const char **step);
void dbf_trace_free(struct dbf_trace *t);

/*
 * One line for the summary and notices, the kinds by how they are
 * traced, e.g. "tracepoints: export fd map attach detach; fentry:
 * release; fexit: rename"; kinds not traced at all close it as "none: ...".
 */
void dbf_trace_describe(const struct dbf_trace *t, char *buf, size_t size);

/*
 * The kinds that come from the patched kernel's own tracepoints
 * (dma_buf_release, dma_buf_set_name): bits 1u << DBF_TR_RELEASE and
 * 1u << DBF_TR_RENAME. A rename from them knows the old name.
 */
unsigned int dbf_trace_patched(const struct dbf_trace *t);

/* The fd to poll for POLLIN: the ring buffer map's. */
int dbf_trace_fd(const struct dbf_trace *t);

/*
 * Move every kept fd to @first, @first + 1, ... (dup2, FD_CLOEXEC set), one
 * already kept there moved out of the way first; returns the next free fd
 * number, or a negative errno.
 */
int dbf_trace_move_fds(struct dbf_trace *t, int first);

/*
 * Hand every record waiting in the ring to @fn, each a checked copy
 * (dbf_trace_rec_check()); the number handed, or a negative errno, or
 * @fn's non-zero return (see dbf_trace_ring_walk()). No system call.
 */
int dbf_trace_consume(struct dbf_trace *t, dbf_trace_fn fn, void *ctx);

/* Records the kernel could not put in the ring (it was full), since load. */
uint64_t dbf_trace_lost(const struct dbf_trace *t);

#endif
