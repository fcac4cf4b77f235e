/* SPDX-License-Identifier: GPL-2.0-only */
/* Small pieces shared by the parsers of kernel text. */
#ifndef DMABUFFS_PARSE_H
#define DMABUFFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse an unsigned decimal (base 10) or hex (base 16) number that spans
 * all of [p, p + len). No sign, no spaces, no overflow.
 */
bool dbf_parse_u64(const char *p, size_t len, int base, uint64_t *out);

/* The line starting at *pos, without its '\n'; advances *pos past it. */
bool dbf_next_line(const char *buf, size_t len, size_t *pos,
		   const char **line, size_t *line_len);

static inline bool dbf_starts_with(const char *p, size_t len, const char *prefix,
				   size_t plen)
{
	return len >= plen && !__builtin_memcmp(p, prefix, plen);
}

/* Whether @needle occurs in [p, p + len). */
bool dbf_contains(const char *p, size_t len, const char *needle);

#define DBF_STARTS_WITH(p, len, lit) dbf_starts_with(p, len, lit, sizeof(lit) - 1)

#endif
