// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* Append one byte if it fits; the caller's count keeps growing either way. */
static inline void put(char *out, size_t size, size_t n, char c)
{
	if (n < size)
		out[n] = c;
}

static size_t terminate(char *out, size_t size, size_t n)
{
	if (size)
		out[n < size ? n : size - 1] = '\0';
	return n;
}

/* \ooo for control bytes, DEL and backslash, and for @also (0: nothing more) */
static size_t escape_octal(char *out, size_t size, struct dbf_str in, char also)
{
	size_t n = 0;

	for (uint32_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.p[i];

		if (c < 0x20 || c == 0x7f || c == '\\' || (also && c == also)) {
			put(out, size, n++, '\\');
			put(out, size, n++, (char)('0' + (c >> 6)));
			put(out, size, n++, (char)('0' + ((c >> 3) & 7)));
			put(out, size, n++, (char)('0' + (c & 7)));
		} else {
			put(out, size, n++, (char)c);
		}
	}
	return terminate(out, size, n);
}

size_t dbf_escape_text(char *out, size_t size, struct dbf_str in, bool quote)
{
	return escape_octal(out, size, in, quote ? '"' : 0);
}

size_t dbf_escape_word(char *out, size_t size, struct dbf_str in)
{
	return escape_octal(out, size, in, ' ');
}

static bool component_special(unsigned char c)
{
	return c == '/' || c == '%' || c < 0x20 || c == 0x7f;
}

static const char hex[] = "0123456789ABCDEF";

size_t dbf_escape_component(char *out, size_t size, struct dbf_str in)
{
	size_t n = 0;
	bool dots = in.len && in.len <= 2 && !memcmp(in.p, "..", in.len);

	for (uint32_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.p[i];

		if (dots || component_special(c)) {
			put(out, size, n++, '%');
			put(out, size, n++, hex[c >> 4]);
			put(out, size, n++, hex[c & 15]);
		} else {
			put(out, size, n++, (char)c);
		}
	}
	return terminate(out, size, n);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* lower case is not canonical */
}

int dbf_unescape_component(char *out, const char *in, size_t len)
{
	char check[3 * 256];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (in[i] != '%') {
			out[n++] = in[i];
			continue;
		}
		if (len - i < 3)
			return -EINVAL;
		hi = hexval(in[i + 1]);
		lo = hexval(in[i + 2]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	/* Only the canonical spelling names a buffer: "%41" is not "A". */
	if (n > 255 || dbf_escape_component(check, sizeof(check),
					    (struct dbf_str){ out, (uint32_t)n }) != len ||
	    memcmp(check, in, len))
		return -EINVAL;
	return (int)n;
}

size_t dbf_unescape_octal(char *buf, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		if (buf[r] == '\\' && len - r >= 4 &&
		    buf[r + 1] >= '0' && buf[r + 1] <= '3' &&
		    buf[r + 2] >= '0' && buf[r + 2] <= '7' &&
		    buf[r + 3] >= '0' && buf[r + 3] <= '7') {
			buf[w++] = (char)((buf[r + 1] - '0') << 6 |
					  (buf[r + 2] - '0') << 3 |
					  (buf[r + 3] - '0'));
			r += 4;
		} else {
			buf[w++] = buf[r++];
		}
	}
	return w;
}

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

size_t dbf_escape_json(char *out, size_t size, struct dbf_str in)
{
	const unsigned char *s = (const unsigned char *)in.p;
	size_t n = 0;

	for (uint32_t i = 0; i < in.len;) {
		unsigned char c = s[i];
		size_t u;
		uint32_t cp;

		if (c == '"' || c == '\\') {
			put(out, size, n++, '\\');
			put(out, size, n++, (char)c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			put(out, size, n++, '\\');
			put(out, size, n++, 'u');
			put(out, size, n++, '0');
			put(out, size, n++, '0');
			put(out, size, n++, hex[c >> 4]);
			put(out, size, n++, hex[c & 15]);
			i++;
		} else if ((u = dbf_utf8_char(s + i, in.len - i, &cp))) {
			for (size_t k = 0; k < u; k++)
				put(out, size, n++, (char)s[i + k]);
			i += (uint32_t)u;
		} else {
			/* U+FFFD; name_hex in the JSON keeps the exact bytes */
			put(out, size, n++, (char)0xef);
			put(out, size, n++, (char)0xbf);
			put(out, size, n++, (char)0xbd);
			i++;
		}
	}
	return terminate(out, size, n);
}

size_t dbf_escape_quoted(char *out, size_t size, struct dbf_str in)
{
	return dbf_escape_text(out, size, in, true);
}

/* Names are short, so one malloc per print is fine. */
int dbf_fput_escaped(FILE *out, struct dbf_str s, dbf_escape_fn esc)
{
	size_t n = esc(NULL, 0, s);
	char *buf = malloc(n + 1);

	if (!buf)
		return -ENOMEM;
	esc(buf, n + 1, s);
	fputs(buf, out);
	free(buf);
	return 0;
}
