// SPDX-License-Identifier: GPL-2.0-only
/* Bytes shared out by cgroup and by device: see shares.h. */
#include <errno.h>
#include <stdlib.h>

#include "fileio.h"
#include "shares.h"

static int cmp_row(const void *a, const void *b)
{
	const struct dbf_share_row *x = a, *y = b;

	return dbf_str_cmp(x->key, y->key);
}

/* Sort @rows by key and add up the rows of one key; returns the new count. */
static size_t merge_rows(struct dbf_share_row *rows, size_t n)
{
	size_t m = 0;

	qsort(rows, n, sizeof(*rows), cmp_row);
	for (size_t i = 0; i < n; i++) {
		if (m && !dbf_str_cmp(rows[m - 1].key, rows[i].key))
			rows[m - 1].bytes += rows[i].bytes;
		else
			rows[m++] = rows[i];
	}
	return m;
}

int dbf_cgroup_shares(const struct dbf_snapshot *s, const struct dbf_caller *c,
		      struct dbf_share_row **rows, size_t *n,
		      struct dbf_cgroup_rest *rest)
{
	/* what PSS rounds away, given to the lowest pid */
	__do_free uint64_t *left = calloc(s->nprocs + 1, sizeof(*left));
	struct dbf_share_row *out = calloc(s->nprocs + 1, sizeof(*out));
	size_t m = 0;

	*rows = NULL;
	*n = 0;
	*rest = (struct dbf_cgroup_rest){ 0 };
	if (!left || !out) {
		free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nbufs; i++) {
		const struct dbf_buf *b = &s->bufs[i];

		if (!b->nholders) {
			rest->nobody += b->size;
			continue;
		}
		/* holders are in pid order: the first has the lowest */
		left[s->holders[b->holder0].proc] += b->size % b->nholders;
	}
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];
		uint64_t share = p->pss + left[i];

		if (!dbf_caller_sees(c, p))
			rest->hidden += share;
		else if (!p->cgroup.len)
			rest->unknown += share;
		else
			out[m++] = (struct dbf_share_row){ p->cgroup, share };
	}
	*n = merge_rows(out, m);
	*rows = out;
	return 0;
}

int dbf_device_shares(const struct dbf_snapshot *s, struct dbf_share_row **rows,
		      size_t *n, struct dbf_device_rest *rest)
{
	struct dbf_share_row *out;
	size_t total = 0, m = 0;

	*rows = NULL;
	*n = 0;
	*rest = (struct dbf_device_rest){ 0 };
	for (size_t i = 0; i < s->nbufs; i++)
		total += s->bufs[i].ndevices;
	out = calloc(total + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < s->nbufs; i++) {
		const struct dbf_buf *b = &s->bufs[i];
		struct dbf_share_row *mine = out + m;
		size_t k;

		/* Without a source that lists attachments, none is known. */
		if (!s->device_sources || !b->devices_known) {
			rest->unknown += b->size;
			continue;
		}
		if (!b->ndevices) {
			rest->unattached += b->size;
			continue;
		}
		for (uint32_t d = 0; d < b->ndevices; d++)
			mine[d] = (struct dbf_share_row){ b->devices[d], 0 };
		/* attached twice to one device: one share */
		k = merge_rows(mine, b->ndevices);
		for (size_t d = 0; d < k; d++)
			mine[d].bytes = b->size / k;
		mine[0].bytes += b->size % k;
		m += k;
	}
	*n = merge_rows(out, m);
	*rows = out;
	return 0;
}
