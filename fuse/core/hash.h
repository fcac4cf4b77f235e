/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 64-bit FNV-1a, for the hash tables and directory versions: cheap, and
 * good enough for keys that nobody gets to choose the table size of.
 */
#ifndef DMABUFFS_HASH_H
#define DMABUFFS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define DBF_FNV_BASIS	UINT64_C(14695981039346656037)
#define DBF_FNV_PRIME	UINT64_C(1099511628211)

/* @h (DBF_FNV_BASIS to start) with the @n bytes at @p added. */
static inline uint64_t dbf_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * DBF_FNV_PRIME;
	return h;
}

#endif
