/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Binary search over anything indexable: the caller says how entry @i
 * compares with what it seeks, so sorted arrays, index arrays into other
 * arrays and runs of either share one loop.
 */
#ifndef DMABUFFS_BISECT_H
#define DMABUFFS_BISECT_H

#include <stdbool.h>
#include <stddef.h>

/* Entry @i against the sought key: < 0 before it, 0 equal, > 0 after. */
typedef int dbf_bisect_fn(const void *arg, size_t i);

/* The first index in [@lo, @hi) whose entry is not before the key, or @hi. */
static inline size_t dbf_bisect(size_t lo, size_t hi, dbf_bisect_fn *cmp,
				const void *arg)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(arg, mid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is the key in [@lo, @hi)? *@at: where it is, or where it would go. */
static inline bool dbf_bisect_find(size_t lo, size_t hi, dbf_bisect_fn *cmp,
				   const void *arg, size_t *at)
{
	*at = dbf_bisect(lo, hi, cmp, arg);
	return *at < hi && cmp(arg, *at) == 0;
}

#endif
