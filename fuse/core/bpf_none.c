// SPDX-License-Identifier: GPL-2.0-only
/* A build without clang, bpftool or libbpf: the procfs scanner only. */
#include <errno.h>

#include "bpf_scan.h"

bool dbf_bpf_built(void)
{
	return false;
}

int dbf_bpf_load(const char *btf_path, bool verbose, struct dbf_bpf **out,
		 const char **step)
{
	(void)btf_path;
	(void)verbose;
	*out = NULL;
	*step = "this build (no clang, bpftool or libbpf)";
	return -EOPNOTSUPP;
}

void dbf_bpf_free(struct dbf_bpf *p)
{
	(void)p;
}

bool dbf_bpf_lists_buffers(const struct dbf_bpf *p)
{
	(void)p;
	return false;
}

void dbf_bpf_fds(const struct dbf_bpf *p, int fds[4])
{
	(void)p;
	for (int i = 0; i < 4; i++)
		fds[i] = -1;
}

int dbf_bpf_move_fds(struct dbf_bpf *p, int first)
{
	(void)p;
	(void)first;
	return 0;
}

int dbf_bpf_probe_unprivileged(struct dbf_bpf *p)
{
	(void)p;
	return -EOPNOTSUPP;
}

int dbf_bpf_scan(struct dbf_bpf *p, int procfd, struct dbf_builder *b,
		 size_t *nscanned)
{
	(void)p;
	(void)procfd;
	(void)b;
	*nscanned = 0;
	return -EOPNOTSUPP;
}

int dbf_bpf_fdt_check(unsigned long magic, const pid_t *pids, size_t npids,
		      size_t *nsame, size_t *nmore)
{
	(void)magic;
	(void)pids;
	(void)npids;
	*nsame = *nmore = 0;
	return -ENOSYS;
}

int dbf_bpf_maps_check(unsigned long magic, const pid_t *pids, size_t npids,
		       size_t *nsame, size_t *nmore)
{
	(void)magic;
	(void)pids;
	(void)npids;
	*nsame = *nmore = 0;
	return -ENOSYS;
}
