// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel prints names and exporter names raw into bufinfo, so a tab in
 * a name adds a column and a newline splits a row. We find the rows a name
 * cannot forge (a row line is at least 47 bytes, a name at most 31), then
 * read each block's trailer from its end, where the kernel's own lines are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "bufinfo.h"
#include "escape.h"
#include "fileio.h"
#include "parse.h"

/* DMA_BUF_NAME_LEN (32, since 5.3) less the NUL */
#define DBF_NAME_MAX 31

struct line {
	const char *p;
	size_t len;
};

/* Split at the next tab; false if there is none. */
static bool take_col(const char **p, const char *end, struct dbf_str *col)
{
	const char *t = memchr(*p, '\t', (size_t)(end - *p));

	if (!t)
		return false;
	*col = (struct dbf_str){ *p, (uint32_t)(t - *p) };
	*p = t + 1;
	return true;
}

static bool num_col(struct dbf_str c, int base, size_t min_digits, uint64_t *v)
{
	return c.len >= min_digits && dbf_parse_u64(c.p, c.len, base, v);
}

/*
 * A buffer row: "%08zu\t%08x\t%08x\t%08ld\t%s" and, from 5.3, "\t%08lu\t%s".
 * The exporter name is taken up to the next tab; the name is the rest.
 */
static bool parse_row(struct line l, bool with_ino, struct dbf_bufinfo_entry *e)
{
	const char *p = l.p, *end = l.p + l.len;
	struct dbf_str c;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	if (!take_col(&p, end, &c) || !num_col(c, 10, 8, &e->size))
		return false;
	if (!take_col(&p, end, &c) || c.len != 8 || !num_col(c, 16, 8, &v))
		return false;
	e->flags = (uint32_t)v;
	if (!take_col(&p, end, &c) || c.len != 8 || !num_col(c, 16, 8, &v))
		return false;
	e->mode = (uint32_t)v;
	if (!take_col(&p, end, &c) || !num_col(c, 10, 8, &v) || v > INT64_MAX)
		return false;
	e->count = (int64_t)v;
	if (!with_ino) {
		e->exp_name = (struct dbf_str){ p, (uint32_t)(end - p) };
		return e->exp_name.len > 0 && !memchr(p, '\t', (size_t)(end - p));
	}
	if (!take_col(&p, end, &e->exp_name) || !e->exp_name.len)
		return false;
	if (!take_col(&p, end, &c) || !num_col(c, 10, 8, &e->ino))
		return false;
	e->has_ino = true;
	e->name = (struct dbf_str){ p, (uint32_t)(end - p) };
	return true;
}

static bool is_fence(struct line l)
{
	/* "\t<usage> fence: ..." (6.1) or "\tExclusive fence: ..." (5.x) */
	const char *sp;

	if (!l.len || l.p[0] != '\t')
		return false;
	sp = memchr(l.p, ' ', l.len);
	return sp && DBF_STARTS_WITH(sp, (size_t)(l.p + l.len - sp), " fence:");
}

static bool is_line(struct line l, const char *lit)
{
	return l.len == strlen(lit) && !memcmp(l.p, lit, l.len);
}

/* "Total %d devices attached" */
static bool devices_total(struct line l, uint64_t *n)
{
	static const char pre[] = "Total ", post[] = " devices attached";
	size_t np = sizeof(pre) - 1, nq = sizeof(post) - 1;

	return l.len > np + nq && !memcmp(l.p, pre, np) &&
	       !memcmp(l.p + l.len - nq, post, nq) &&
	       dbf_parse_u64(l.p + np, l.len - np - nq, 10, n);
}

/* "Total %d objects, %zu bytes" */
static bool objects_total(struct line l, uint64_t *objs, uint64_t *bytes)
{
	static const char pre[] = "Total ";
	const char *p = l.p + 6, *end = l.p + l.len, *sp;

	if (!DBF_STARTS_WITH(l.p, l.len, pre))
		return false;
	sp = memchr(p, ' ', (size_t)(end - p));
	if (!sp || !dbf_parse_u64(p, (size_t)(sp - p), 10, objs))
		return false;
	p = sp;
	if (!DBF_STARTS_WITH(p, (size_t)(end - p), " objects, "))
		return false;
	p += 10;
	sp = memchr(p, ' ', (size_t)(end - p));
	return sp && dbf_parse_u64(p, (size_t)(sp - p), 10, bytes) &&
	       (size_t)(end - sp) == 6 && !memcmp(sp, " bytes", 6);
}

struct parser {
	struct line *lines;
	size_t n;
	struct dbf_str *devs;
	size_t ndevs_cap;
};

/*
 * Block [first, last) follows a row. From its end: an empty line, "Total N
 * devices attached", N device lines, "\tAttached Devices:". What lies between
 * the row and that is the rest of the name, then fence lines.
 */
static int finish_block(struct parser *ps, size_t row, size_t first, size_t last,
			bool named_header, struct dbf_bufinfo_entry *e,
			struct dbf_bufinfo_summary *sum)
{
	size_t j = last, name_end = first, nl = first;
	const char *end;
	uint64_t ndev;

	while (j > first && ps->lines[j - 1].len == 0)
		j--;
	if (j > first && devices_total(ps->lines[j - 1], &ndev) &&
	    ndev <= j - 1 - first && j - 1 - first - ndev >= 1 &&
	    is_line(ps->lines[j - 2 - ndev], "\tAttached Devices:")) {
		size_t d0 = j - 1 - ndev;
		bool ok = true;

		for (size_t k = d0; k < j - 1; k++)
			ok &= ps->lines[k].len > 0 && ps->lines[k].p[0] == '\t';
		if (ok) {
			if (ndev > ps->ndevs_cap) {
				struct dbf_str *d = reallocarray(ps->devs, ndev, sizeof(*d));

				if (!d)
					return -ENOMEM;
				ps->devs = d;
				ps->ndevs_cap = ndev;
			}
			for (size_t k = 0; k < ndev; k++)
				ps->devs[k] = (struct dbf_str){ ps->lines[d0 + k].p + 1,
								(uint32_t)(ps->lines[d0 + k].len - 1) };
			e->devices = ps->devs;
			e->ndevices = (uint32_t)ndev;
			e->devices_known = true;
			name_end = d0 - 1;
		}
	}
	if (!e->devices_known) {
		sum->garbled++;
		/* No trustworthy trailer: the name ends at the first kernel-looking line. */
		for (name_end = first; name_end < last; name_end++) {
			struct line l = ps->lines[name_end];

			if (!l.len || is_fence(l) || is_line(l, "\tAttached Devices:") ||
			    DBF_STARTS_WITH(l.p, l.len, "Total "))
				break;
		}
	}
	if (!e->has_ino)
		return 0;
	/* Name continuation lines stop at the first fence line. */
	while (nl < name_end && !is_fence(ps->lines[nl]))
		nl++;
	end = nl > first ? ps->lines[nl - 1].p + ps->lines[nl - 1].len
			 : ps->lines[row].p + ps->lines[row].len;
	e->name.len = (uint32_t)(end - e->name.p);
	/*
	 * A name split over lines is a raw one, and no raw name is longer than
	 * DMA_BUF_NAME_LEN - 1: more means a garbled row was swallowed. Keep
	 * the row's own line and trust nothing else. (An escaped name, from
	 * kernels that escape, is one line and may be four times as long.)
	 */
	if (nl > first && e->name.len > DBF_NAME_MAX) {
		if (e->devices_known)
			sum->garbled++;
		e->devices_known = false;
		e->ndevices = 0;
		e->devices = NULL;
		e->name.len = (uint32_t)(ps->lines[row].p + ps->lines[row].len - e->name.p);
	}
	/* 6.1 prints "<none>" for no name; 5.x prints nothing. */
	e->has_name = e->name.len > 0 &&
		      !(named_header && e->name.len == 6 && !memcmp(e->name.p, "<none>", 6));
	return 0;
}

static int split_lines(const char *buf, size_t len, struct parser *ps)
{
	size_t pos = 0, cap = 0;
	struct line l;

	while (dbf_next_line(buf, len, &pos, &l.p, &l.len)) {
		if (ps->n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct line *nl = reallocarray(ps->lines, ncap, sizeof(*nl));

			if (!nl)
				return -ENOMEM;
			ps->lines = nl;
			cap = ncap;
		}
		ps->lines[ps->n++] = l;
	}
	return 0;
}

int dbf_bufinfo_parse(const char *buf, size_t len, dbf_bufinfo_cb cb,
		      void *ctx, struct dbf_bufinfo_summary *sum)
{
	struct parser ps = { 0 };
	bool with_ino = true, named_header = true;
	size_t i, start = 0, end, prev_row = SIZE_MAX;
	struct dbf_bufinfo_entry e, cur;
	int r;

	memset(sum, 0, sizeof(*sum));
	r = split_lines(buf, len, &ps);
	if (r < 0)
		goto out;

	/* The header tells the format; without one, assume 6.1's. */
	for (i = 0; i < ps.n; i++) {
		struct line l = ps.lines[i];

		if (DBF_STARTS_WITH(l.p, l.len, "size") && dbf_contains(l.p, l.len, "exp_name")) {
			sum->has_header = true;
			with_ino = dbf_contains(l.p, l.len, "\tino");
			named_header = dbf_contains(l.p, l.len, "\tname");
			start = i + 1;
			break;
		}
	}
	sum->has_ino = with_ino;

	/* The real footer is the last line that looks like one. */
	end = ps.n;
	for (i = ps.n; i > start; i--) {
		if (!ps.lines[i - 1].len)
			continue;
		if (objects_total(ps.lines[i - 1], &sum->footer_objects, &sum->footer_bytes)) {
			sum->has_footer = true;
			end = i - 1;
		}
		break;
	}

	for (i = start; i <= end; i++) {
		bool row = i < end && parse_row(ps.lines[i], with_ino, &e);

		if (!row && i < end)
			continue;
		if (prev_row != SIZE_MAX) {
			r = finish_block(&ps, prev_row, prev_row + 1, i, named_header,
					 &cur, sum);
			if (r < 0)
				goto out;
			sum->rows++;
			if (cur.devices_known)
				sum->rows_devices++;
			if (!cur.has_ino) {
				sum->rows_noino++;
				sum->bytes_noino += cur.size;
			}
			r = cb(ctx, &cur);
			if (r < 0)
				goto out;
		}
		prev_row = i;
		cur = e;
	}
	r = 0;
out:
	free(ps.lines);
	free(ps.devs);
	return r;
}

static int add_entry(void *ctx, const struct dbf_bufinfo_entry *e)
{
	struct dbf_builder *b = ctx;
	struct dbf_buf_fact f;
	char name[4 * DBF_NAME_MAX];

	/* Before 5.3 all buffers share one inode: nothing to join on. */
	if (!e->has_ino)
		return 0;
	f = dbf_buf_fact_init(e->ino, DBF_SRC_BUFINFO);
	f.size = e->size;
	f.has_size = true;
	f.exporter = e->exp_name;
	f.name = e->name;
	if (dbf_builder_names_escaped(b) && e->name.len <= sizeof(name)) {
		memcpy(name, e->name.p, e->name.len);
		f.name = (struct dbf_str){ name, (uint32_t)dbf_unescape_octal(name, e->name.len) };
	}
	f.has_name = e->has_name;
	f.name_rank = DBF_NAME_BUFINFO;
	f.refcount = e->count;
	f.refcount_full = true;
	f.devices = e->devices;
	f.ndevices = e->ndevices;
	f.devices_known = e->devices_known;
	return dbf_builder_buf(b, &f);
}

int dbf_bufinfo_read(const char *debugfs_root, struct dbf_builder *b,
		     struct dbf_bufinfo_summary *sum)
{
	struct dbf_buf_io io = { 0 };
	char path[4096];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/dma_buf/bufinfo",
			     debugfs_root) >= sizeof(path))
		return -ENAMETOOLONG;
	r = dbf_read_at(AT_FDCWD, path, &io);
	if (r >= 0)
		r = dbf_bufinfo_parse(io.p, io.len, add_entry, b, sum);
	free(io.p);
	return r;
}
