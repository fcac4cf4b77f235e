// SPDX-License-Identifier: GPL-2.0-only
/* Kernel bytes as printable UTF-8: see labels.h. */
#include <stdbool.h>
#include <stdint.h>

#include "labels.h"

static bool printable(uint32_t c)
{
	return c >= 0x20 && c != 0x7f && c != '\\' &&
	       !(c >= 0x80 && c <= 0x9f) && c != 0xfffe && c != 0xffff;
}

/* Append one byte if it fits; the count keeps growing either way. */
static inline void put(char *out, size_t size, size_t n, char c)
{
	if (n < size)
		out[n] = c;
}

size_t dbf_label_text(char *out, size_t size, struct dbf_str in)
{
	const unsigned char *p = (const unsigned char *)in.p;
	size_t len = in.len, n = 0;

	while (len) {
		uint32_t c;
		size_t k = dbf_utf8_char(p, len, &c);

		if (k && printable(c)) {
			for (size_t i = 0; i < k; i++)
				put(out, size, n++, (char)p[i]);
		} else {
			/* a whole C1 or noncharacter sequence, else one bad byte */
			k = k ? k : 1;
			for (size_t i = 0; i < k; i++) {
				put(out, size, n++, '\\');
				put(out, size, n++, (char)('0' + (p[i] >> 6)));
				put(out, size, n++, (char)('0' + ((p[i] >> 3) & 7)));
				put(out, size, n++, (char)('0' + (p[i] & 7)));
			}
		}
		p += k;
		len -= k;
	}
	if (size)
		out[n < size ? n : size - 1] = '\0';
	return n;
}
