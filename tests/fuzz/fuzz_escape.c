// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the name escapers. A path component must round-trip
 * to the same bytes and never contain '/' or be "." or "..".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbf_str in = { (const char *)data, (uint32_t)size };
	size_t n;
	char *out, *back;
	int r;

	if (size > 255)
		return 0;	/* names are at most 31 bytes; components 255 */
	n = dbf_escape_component(NULL, 0, in);
	out = malloc(n + 1);
	if (dbf_escape_component(out, n + 1, in) != n || strlen(out) != n)
		abort();
	if (memchr(out, '/', n) || !strcmp(out, ".") || !strcmp(out, ".."))
		abort();
	back = malloc(n + 1);
	r = dbf_unescape_component(back, out, n);
	if (r != (int)size || memcmp(back, data, size))
		abort();
	free(out);
	free(back);

	/* the text form is one line whatever the bytes */
	n = dbf_escape_text(NULL, 0, in, true);
	out = malloc(n + 1);
	dbf_escape_text(out, n + 1, in, true);
	if (memchr(out, '\n', n) || strlen(out) != n)
		abort();
	free(out);

	/* the word form, one word of one line */
	n = dbf_escape_word(NULL, 0, in);
	out = malloc(n + 1);
	dbf_escape_word(out, n + 1, in);
	if (memchr(out, '\n', n) || memchr(out, ' ', n) || strlen(out) != n)
		abort();
	free(out);

	n = dbf_escape_json(NULL, 0, in);
	out = malloc(n + 1);
	dbf_escape_json(out, n + 1, in);
	if (strlen(out) != n)
		abort();
	free(out);

	/* and the unescaper never reads or writes past what it is given */
	back = malloc(size ? size : 1);
	memcpy(back, data, size);
	if (dbf_unescape_octal(back, size) > size)
		abort();
	r = dbf_unescape_component(back, (const char *)data, size);
	(void)r;
	free(back);
	return 0;
}
