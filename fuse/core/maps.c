// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "builder.h"
#include "fileio.h"
#include "maps.h"
#include "parse.h"

/* Skip one space-separated column; false if the line ends first. */
static bool skip_col(const char **p, const char *end, const char **col,
		     size_t *col_len)
{
	const char *s = *p, *e;

	while (s < end && *s == ' ')
		s++;
	e = s;
	while (e < end && *e != ' ')
		e++;
	if (e == s)
		return false;
	*col = s;
	*col_len = (size_t)(e - s);
	*p = e;
	return true;
}

/*
 * show_map_vma() prints the path with seq_file_path(..., "\n"): only a
 * newline is escaped, as \012, and a backslash is printed as is. So
 * "\012" is the one escape there is; a name really spelled "lit\101"
 * stays "lit\101". (A name really spelled "\012" is ambiguous: the fd
 * link's exact bytes win over maps when both are seen.)
 */
static size_t unescape_newlines(char *buf, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		if (len - r >= 4 && !memcmp(buf + r, "\\012", 4)) {
			buf[w++] = '\n';
			r += 4;
		} else {
			buf[w++] = buf[r++];
		}
	}
	return w;
}

int dbf_maps_parse(char *buf, size_t len, dbf_maps_cb cb, void *ctx,
		   uint32_t *anon)
{
	size_t pos = 0, ll;
	const char *line;

	*anon = 0;
	while (dbf_next_line(buf, len, &pos, &line, &ll)) {
		const char *p = line, *end = line + ll, *col = NULL, *dash;
		size_t cl = 0, path_len;
		uint64_t ino, start, stop, major, minor;
		const char *colon;
		char *path;
		int r;

		/* Cheap reject first: most mappings are not dma-bufs. */
		if (!dbf_contains(line, ll, "dmabuf"))
			continue;
		/* address, perms, offset, device, inode */
		if (!skip_col(&p, end, &col, &cl))
			continue;
		dash = memchr(col, '-', cl);
		if (!dash || !dbf_parse_u64(col, (size_t)(dash - col), 16, &start) ||
		    !dbf_parse_u64(dash + 1, cl - (size_t)(dash + 1 - col), 16, &stop) ||
		    stop < start)
			continue;
		/* perms, offset, then the device as hex "major:minor" */
		for (int i = 0; i < 3; i++)
			if (!skip_col(&p, end, &col, &cl))
				goto next;
		colon = memchr(col, ':', cl);
		if (!colon || !dbf_parse_u64(col, (size_t)(colon - col), 16, &major) ||
		    !dbf_parse_u64(colon + 1, cl - (size_t)(colon + 1 - col), 16, &minor) ||
		    major > 0xfff || minor > 0xfffff)
			continue;
		if (!skip_col(&p, end, &col, &cl) || !dbf_parse_u64(col, cl, 10, &ino))
			continue;
		while (p < end && *p == ' ')
			p++;
		path = (char *)p;
		path_len = (size_t)(end - p);
		if (DBF_STARTS_WITH(path, path_len, "anon_inode:dmabuf")) {
			(*anon)++;
			continue;
		}
		if (!DBF_STARTS_WITH(path, path_len, "/dmabuf:"))
			continue;
		path_len = unescape_newlines(path + 8, path_len - 8);
		r = cb(ctx, makedev(major, minor), ino, stop - start,
		       (struct dbf_str){ path + 8, (uint32_t)path_len });
		if (r < 0)
			return r;
next:
		;
	}
	return 0;
}

struct mapping {
	uint64_t dev, ino;
	uint64_t len;		/* the longest mapping of the buffer */
	uint32_t count;
	struct dbf_str name;
};

struct maps_ctx {
	struct mapping *m;
	size_t n, cap;
};

static int collect(void *ctx, uint64_t dev, uint64_t ino, uint64_t len,
		   struct dbf_str name)
{
	struct maps_ctx *c = ctx;

	/* A process maps few buffers: a linear search is enough. */
	for (size_t i = 0; i < c->n; i++) {
		if (c->m[i].ino == ino && c->m[i].dev == dev) {
			c->m[i].count++;
			if (len > c->m[i].len)
				c->m[i].len = len;
			return 0;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct mapping *m = reallocarray(c->m, cap, sizeof(*m));

		if (!m)
			return -ENOMEM;
		c->m = m;
		c->cap = cap;
	}
	c->m[c->n++] = (struct mapping){ .dev = dev, .ino = ino, .len = len, .count = 1,
					 .name = name };
	return 0;
}

int dbf_maps_scan(int piddir, pid_t pid, struct dbf_builder *b,
		  struct dbf_buf_io *io, uint32_t *anon, uint32_t *held)
{
	struct maps_ctx c = { 0 };
	int r;

	*anon = *held = 0;
	r = dbf_read_at(piddir, "maps", io);
	if (r < 0)
		return r;
	r = dbf_maps_parse(io->p, io->len, collect, &c, anon);
	for (size_t i = 0; r >= 0 && i < c.n; i++)
		r = dbf_builder_maps(b, pid, c.m[i].ino, c.m[i].dev, c.m[i].count,
				     c.m[i].len, c.m[i].name);
	*held = (uint32_t)c.n;
	free(c.m);
	return r < 0 ? r : 0;
}
