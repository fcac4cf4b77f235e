// SPDX-License-Identifier: GPL-2.0-only
/* Text the renderers share: escaped names, below every renderer. */
#include <stdlib.h>

#include "escape.h"
#include "render_int.h"

static size_t escape_text(char *out, size_t size, struct dbf_str in)
{
	return dbf_escape_text(out, size, in, false);
}

void render_put_escaped(FILE *f, struct dbf_str s,
			size_t (*escape)(char *out, size_t size, struct dbf_str in))
{
	char small[256], *p = small;
	size_t n = escape(small, sizeof(small), s);

	if (n >= sizeof(small)) {
		p = malloc(n + 1);
		if (!p) {
			/* Names are at most 32 bytes; this is for odd exporters. */
			p = small;
			n = sizeof(small) - 1;
		} else {
			escape(p, n + 1, s);
		}
	}
	fwrite(p, 1, n, f);
	if (p != small)
		free(p);
}

void render_put_text(FILE *f, struct dbf_str s)
{
	render_put_escaped(f, s, escape_text);
}
