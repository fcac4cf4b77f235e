// SPDX-License-Identifier: GPL-2.0-only
/* A build without clang, bpftool or libbpf: no tracer, the records' checks only. */
#include <errno.h>
#include <stdio.h>

#include "bpf_trace.h"

int dbf_trace_load(const char *btf_path, bool verbose, struct dbf_trace **out,
		   const char **step)
{
	(void)btf_path;
	(void)verbose;
	*out = NULL;
	*step = "this build (no clang, bpftool or libbpf)";
	return -EOPNOTSUPP;
}

void dbf_trace_free(struct dbf_trace *t)
{
	(void)t;
}

void dbf_trace_describe(const struct dbf_trace *t, char *buf, size_t size)
{
	(void)t;
	if (size)
		snprintf(buf, size, "none: export fd map attach detach release rename");
}

unsigned int dbf_trace_patched(const struct dbf_trace *t)
{
	(void)t;
	return 0;
}

int dbf_trace_fd(const struct dbf_trace *t)
{
	(void)t;
	return -1;
}

int dbf_trace_move_fds(struct dbf_trace *t, int first)
{
	(void)t;
	return first;
}

int dbf_trace_consume(struct dbf_trace *t, dbf_trace_fn fn, void *ctx)
{
	(void)t;
	(void)fn;
	(void)ctx;
	return -EOPNOTSUPP;
}

uint64_t dbf_trace_lost(const struct dbf_trace *t)
{
	(void)t;
	return 0;
}
