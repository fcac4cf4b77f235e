// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "parse.h"

bool dbf_parse_u64(const char *p, size_t len, int base, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned int d;
		char c = p[i];

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return true;
}

bool dbf_contains(const char *p, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	return p && len >= n && memmem(p, len, needle, n);
}

bool dbf_next_line(const char *buf, size_t len, size_t *pos,
		   const char **line, size_t *line_len)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*line = buf + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*line_len = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *line_len + (nl != NULL);
	return true;
}
