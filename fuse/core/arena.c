// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define CHUNK_SIZE (16 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

struct dbf_arena {
	struct chunk *head;
	size_t bytes;
};

struct dbf_arena *dbf_arena_new(void)
{
	return calloc(1, sizeof(struct dbf_arena));
}

void dbf_arena_free(struct dbf_arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void dbf_arena_reset(struct dbf_arena *a)
{
	struct chunk *c, *next, *keep = NULL;

	a->bytes = 0;
	for (c = a->head; c; c = next) {
		next = c->next;
		if (!keep && c->size == CHUNK_SIZE) {
			keep = c;
			continue;
		}
		free(c);
	}
	a->head = keep;
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
		a->bytes = sizeof(*keep) + keep->size;
	}
}

void *dbf_arena_alloc(struct dbf_arena *a, size_t size)
{
	struct chunk *c = a->head;
	size_t off;

	size = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	if (!c || c->size - c->used < size) {
		size_t csize = size > CHUNK_SIZE ? size : CHUNK_SIZE;

		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		c->used = 0;
		/* A big one-off allocation must not strand the current chunk. */
		if (a->head && csize > CHUNK_SIZE) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->bytes += sizeof(*c) + csize;
	}
	off = c->used;
	c->used += size;
	return c->data + off;
}

int dbf_arena_str(struct dbf_arena *a, const char *p, size_t len,
		  struct dbf_str *out)
{
	char *s;

	if (len > UINT32_MAX - 1)
		return -EOVERFLOW;
	s = dbf_arena_alloc(a, len + 1);
	if (!s)
		return -ENOMEM;
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	out->p = s;
	out->len = (uint32_t)len;
	return 0;
}

size_t dbf_arena_bytes(const struct dbf_arena *a)
{
	return a->bytes;
}

int dbf_grow(void *pp, size_t *cap, size_t n, size_t elsize)
{
	void **p = pp;
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	q = reallocarray(*p, ncap, elsize);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}
