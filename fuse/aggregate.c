// SPDX-License-Identifier: GPL-2.0-only
/* Per-cgroup and per-device totals: see aggregate.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "fileio.h"

/*
 * Is @path in the subtree of cgroup @row? Itself, or below it: a cgroup
 * name may hold any byte but '/' and NUL, so "/a-b" is not below "/a".
 */
static bool in_subtree(struct dbf_str row, struct dbf_str path)
{
	if (path.len < row.len || memcmp(path.p, row.p, row.len))
		return false;
	return path.len == row.len || row.p[row.len - 1] == '/' ||
	       path.p[row.len] == '/';
}

static int cmp_str(const void *a, const void *b)
{
	return dbf_str_cmp(*(const struct dbf_str *)a, *(const struct dbf_str *)b);
}

static int cmp_proc_path(const void *a, const void *b, void *arg)
{
	const struct dbf_snapshot *s = arg;

	return dbf_str_cmp(s->procs[*(const uint32_t *)a].cgroup,
			   s->procs[*(const uint32_t *)b].cgroup);
}

/* First of @n processes (sorted by path) whose path is not below @key. */
static size_t lower(const struct dbf_snapshot *s, const uint32_t *v, size_t n,
		    struct dbf_str key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dbf_str_cmp(s->procs[v[mid]].cgroup, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Count the buffers of process @p not yet stamped @mark into @row. Stamps
 * make each buffer count once per row however many processes hold it.
 */
static void add_proc(const struct dbf_snapshot *s, const struct dbf_proc *p,
		     uint32_t *stamp, uint32_t mark, struct dbf_cgroup_row *row)
{
	for (uint32_t i = 0; i < p->nph; i++) {
		uint32_t b = s->holders[s->proc_holders[p->ph0 + i]].buf;

		if (stamp[b] == mark)
			continue;
		stamp[b] = mark;
		row->buffers++;
		row->bytes += s->bufs[b].size;
	}
	row->pss += p->pss;
}

int dbf_cgroup_rows(const struct dbf_snapshot *s, const struct dbf_caller *c,
		    struct dbf_cgroup_row **rows, size_t *n)
{
	__do_free uint32_t *vis = calloc(s->nprocs + 1, sizeof(*vis));
	__do_free uint32_t *stamp = calloc(s->nbufs + 1, sizeof(*stamp));
	__do_free struct dbf_str *paths = NULL;
	struct dbf_cgroup_row *out;
	size_t nvis = 0, nunknown = 0, npaths = 0, cap = 0, k = 0;

	*rows = NULL;
	*n = 0;
	if (!vis || !stamp)
		return -ENOMEM;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];

		if (!p->nph || !dbf_caller_sees(c, p))
			continue;
		if (p->cgroup.len) {
			vis[nvis++] = (uint32_t)i;
			cap += 2;
			for (uint32_t j = 1; j < p->cgroup.len; j++)
				cap += p->cgroup.p[j] == '/';
		} else {
			nunknown++;
		}
	}
	qsort_r(vis, nvis, sizeof(*vis), cmp_proc_path, (void *)s);

	/* Every cgroup of a process, and each of its ancestors. */
	paths = malloc((cap + 1) * sizeof(*paths));
	if (!paths)
		return -ENOMEM;
	for (size_t i = 0; i < nvis; i++) {
		struct dbf_str cg = s->procs[vis[i]].cgroup;

		if (cg.p[0] == '/')
			paths[npaths++] = (struct dbf_str){ cg.p, 1 };
		for (uint32_t j = 1; j < cg.len; j++)
			if (cg.p[j] == '/')
				paths[npaths++] = (struct dbf_str){ cg.p, j };
		paths[npaths++] = cg;
	}
	if (npaths)
		qsort(paths, npaths, sizeof(*paths), cmp_str);

	out = calloc(npaths + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < npaths; i++) {
		struct dbf_cgroup_row *row = &out[k];

		if (i && !dbf_str_cmp(paths[i], paths[i - 1]))
			continue;
		row->path = paths[i];
		/* the subtree's paths all sort at or after the row's own */
		for (size_t j = lower(s, vis, nvis, paths[i]); j < nvis; j++) {
			const struct dbf_proc *p = &s->procs[vis[j]];

			if (p->cgroup.len < row->path.len ||
			    memcmp(p->cgroup.p, row->path.p, row->path.len))
				break;
			if (in_subtree(row->path, p->cgroup))
				add_proc(s, p, stamp, (uint32_t)k + 1, row);
		}
		k++;
	}
	if (nunknown) {
		for (size_t i = 0; i < s->nprocs; i++) {
			const struct dbf_proc *p = &s->procs[i];

			if (p->nph && !p->cgroup.len && dbf_caller_sees(c, p))
				add_proc(s, p, stamp, (uint32_t)k + 1, &out[k]);
		}
		out[k++].path = (struct dbf_str){ "", 0 };
	}
	if (!k) {
		free(out);
		out = NULL;
	}
	*rows = out;
	*n = k;
	return 0;
}

long dbf_cgroup_row_of(const struct dbf_cgroup_row *rows, size_t n,
		       const struct dbf_proc *p)
{
	size_t lo = 0, hi = n;

	if (!p->cgroup.len)
		return n && !rows[n - 1].path.len ? (long)n - 1 : -1;
	if (n && !rows[n - 1].path.len)
		hi--;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = dbf_str_cmp(rows[mid].path, p->cgroup);

		if (!r)
			return (long)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct attach {
	struct dbf_str device;
	uint32_t buf;
};

static int cmp_attach(const void *a, const void *b)
{
	const struct attach *x = a, *y = b;
	int r = dbf_str_cmp(x->device, y->device);

	return r ? r : (x->buf > y->buf) - (x->buf < y->buf);
}

int dbf_device_rows(const struct dbf_snapshot *s, struct dbf_device_row **rows,
		    size_t *n)
{
	__do_free struct attach *a = NULL;
	struct dbf_device_row *out;
	size_t na = 0, k = 0;

	*rows = NULL;
	*n = 0;
	for (size_t i = 0; i < s->nbufs; i++)
		na += s->bufs[i].devices_known ? s->bufs[i].ndevices : 0;
	if (!na)
		return 0;
	a = malloc(na * sizeof(*a));
	out = calloc(na, sizeof(*out));
	if (!a || !out) {
		free(out);
		return -ENOMEM;
	}
	na = 0;
	for (size_t i = 0; i < s->nbufs; i++) {
		const struct dbf_buf *b = &s->bufs[i];

		for (uint32_t j = 0; b->devices_known && j < b->ndevices; j++)
			a[na++] = (struct attach){ b->devices[j], (uint32_t)i };
	}
	qsort(a, na, sizeof(*a), cmp_attach);
	for (size_t i = 0; i < na; i++) {
		/* two attachments of one buffer to one device: counted once */
		if (i && !cmp_attach(&a[i], &a[i - 1]))
			continue;
		if (!k || dbf_str_cmp(out[k - 1].device, a[i].device))
			out[k++].device = a[i].device;
		out[k - 1].buffers++;
		out[k - 1].bytes += s->bufs[a[i].buf].size;
	}
	*rows = out;
	*n = k;
	return 0;
}
