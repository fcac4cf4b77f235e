// SPDX-License-Identifier: GPL-2.0-only
/* Kernel bytes as printable UTF-8: see labels.h. */
#include <stdbool.h>
#include <stdint.h>

#include "labels.h"

size_t dbf_utf8_char(const unsigned char *p, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n;

	if (!len)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else {
		return 0;	/* continuation byte, 0xc0, 0xc1 or above 0xf4 */
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and beyond U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

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
