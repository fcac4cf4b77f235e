/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bump allocator: a snapshot's strings live and die together, so one
 * free releases them all and small names cost no malloc header each.
 */
#ifndef DMABUFFS_ARENA_H
#define DMABUFFS_ARENA_H

#include <stddef.h>
#include "snapshot.h"

struct dbf_arena *dbf_arena_new(void);
void dbf_arena_free(struct dbf_arena *a);
/* Forget every allocation, keeping one chunk for the next ones. */
void dbf_arena_reset(struct dbf_arena *a);
void *dbf_arena_alloc(struct dbf_arena *a, size_t size);
/* Copy @len bytes (plus a NUL, for convenience); NULL on ENOMEM. */
int dbf_arena_str(struct dbf_arena *a, const char *p, size_t len,
		  struct dbf_str *out);
size_t dbf_arena_bytes(const struct dbf_arena *a);

/*
 * Room for element @n of the malloc'd array at *@pp, of *@cap elements of
 * @elsize bytes: doubles it when full. Returns 0 or -ENOMEM (the array
 * as it was).
 */
int dbf_grow(void *pp, size_t *cap, size_t n, size_t elsize);

#endif
