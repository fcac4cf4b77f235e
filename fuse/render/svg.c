// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dmabuf/usage.svg: see svg.h. A squarified treemap (Bruls, Huizing and
 * van Wijk, 2000): blocks as close to square as the areas allow, so that
 * labels fit. Text comes from untrusted names and comms: it is the
 * printable form of labels.h, XML-escaped, and only ever element content.
 * How many elements there are depends on the numbers alone, never on
 * the text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "labels.h"
#include "render_int.h"
#include "svg.h"

#define MARGIN		8.0
#define MAP_Y		60.0	/* the treemap starts below the title */
#define CELL_FONT	12.0
#define CELL_LINE	14.0
#define HEAD_FONT	13.0
#define HEAD_H		18.0	/* a block's own label, over its top cells */

enum kind { K_PROC, K_OTHERS, K_NOBODY, K_CELL, K_FREE, K_MORE };

struct item {
	enum kind kind;
	uint64_t bytes;
	double v;			/* area in px², proportional to bytes */
	double x, y, w, h;
	uint32_t ref;			/* process, holder or buffer index */
	uint32_t count;			/* K_OTHERS processes, K_MORE buffers */
};

/* Larger first; ties by index, so the picture is the same every time. */
static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->kind != y->kind)
		return (x->kind > y->kind) - (x->kind < y->kind);
	return (x->ref > y->ref) - (x->ref < y->ref);
}

/* The worst aspect ratio of a row of @n items (largest first) on @side. */
static double worst(const struct item *it, size_t n, double sum, double side)
{
	double s2 = sum * sum, side2 = side * side;
	double a = side2 * it[0].v / s2, b = s2 / (side2 * it[n - 1].v);

	return a > b ? a : b;
}

/* Lay out @n items, largest first, whose areas add up to @w x @h. */
static void squarify(struct item *it, size_t n, double x, double y, double w,
		     double h)
{
	size_t i = 0;

	while (i < n) {
		double side = w < h ? w : h, sum = 0, best = 0, t, off = 0;
		size_t j = i;

		if (side <= 0)
			side = 1e-9;
		/* grow the row while that makes its worst item squarer */
		while (j < n) {
			double r = worst(it + i, j - i + 1, sum + it[j].v, side);

			if (j > i && r > best)
				break;
			best = r;
			sum += it[j].v;
			j++;
		}
		t = sum / side;
		for (size_t k = i; k < j; k++) {
			double l = it[k].v / t;

			if (w >= h) {
				it[k].x = x;
				it[k].y = y + off;
				it[k].w = t;
				it[k].h = l;
			} else {
				it[k].x = x + off;
				it[k].y = y;
				it[k].w = l;
				it[k].h = t;
			}
			off += l;
		}
		if (w >= h) {
			x += t;
			w -= t;
		} else {
			y += t;
			h -= t;
		}
		i = j;
	}
}

static void size_text(char *buf, size_t len, uint64_t b)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64 " B", b);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%" PRIu64 " %s", (uint64_t)v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

/* Text as XML element content. */
static void put_xml(FILE *f, const char *s, size_t n)
{
	static const char *const entity[256] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
		['"'] = "&quot;", ['\''] = "&#39;",
	};

	for (size_t i = 0; i < n; i++) {
		const char *e = entity[(unsigned char)s[i]];

		if (e)
			fputs(e, f);
		else
			fputc(s[i], f);
	}
}

/*
 * Estimated width of one unit of the printable form: wide scripts take a
 * full em, anything else about 0.62 em in a sans-serif face (a \ooo
 * escape is four of those).
 */
static size_t unit_at(const char *t, size_t n, double *em)
{
	uint32_t cp;
	size_t k;

	if (t[0] == '\\' && n >= 4) {
		*em = 4 * 0.62;
		return 4;
	}
	k = dbf_utf8_char((const unsigned char *)t, n, &cp);
	if (!k)
		k = 1;		/* not in a printable form; counted all the same */
	*em = k > 1 && cp >= 0x1100 ? 1.0 : 0.62;
	return k;
}

/*
 * Print @in as XML text in at most @width px at @font px: cut at a whole
 * character or escape, with an ellipsis, when it does not fit.
 */
static int put_fit(FILE *f, struct dbf_str in, double width, double font)
{
	char small[256], *t = small;
	size_t n = dbf_label_text(NULL, 0, in), i = 0, cut = 0;
	double used = 0, em;

	if (n >= sizeof(small) && !(t = malloc(n + 1)))
		return -ENOMEM;
	dbf_label_text(t, n + 1, in);
	while (i < n) {
		size_t k = unit_at(t + i, n - i, &em);

		if (used + em * font > width)
			break;
		used += em * font;
		i += k;
		/* where to cut if the rest does not fit with the ellipsis */
		if (used + font <= width)
			cut = i;
	}
	if (i < n) {
		put_xml(f, t, cut);
		fputs("\u2026", f);
	} else {
		put_xml(f, t, n);
	}
	if (t != small)
		free(t);
	return 0;
}

static int put_label(FILE *f, const char *s, double width, double font)
{
	return put_fit(f, (struct dbf_str){ s, (uint32_t)strlen(s) }, width, font);
}

/* Tableau 10: distinct hues that all carry dark text once lightened. */
static const unsigned int palette[] = {
	0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
	0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac,
};

static unsigned int tint(unsigned int rgb, unsigned int pct_white)
{
	unsigned int out = 0;

	for (int sh = 16; sh >= 0; sh -= 8) {
		unsigned int ch = (rgb >> sh) & 0xff;

		ch += (255 - ch) * pct_white / 100;
		out |= ch << sh;
	}
	return out;
}

struct ctx {
	const struct dbf_snapshot *s;
	FILE *f;
	unsigned int top;
	double scale;			/* px² per byte */
	int err;
};

static void put_rect(struct ctx *x, const struct item *it, const char *cls)
{
	fprintf(x->f, "<rect class=\"%s\" x=\"%.3f\" y=\"%.3f\" width=\"%.3f\" height=\"%.3f\"",
		cls, it->x, it->y, it->w, it->h);
}

/* The cells of block @b: the holders of a process, or unheld buffers. */
static int cells(struct ctx *x, const struct item *b, struct item **out,
		 size_t *nout)
{
	const struct dbf_snapshot *s = x->s;
	const struct dbf_proc *p = b->kind == K_PROC ? &s->procs[b->ref] : NULL;
	size_t n = p ? p->nph : s->held_by_nobody, k = 0, keep;
	struct item *it = calloc(n + 1, sizeof(*it));

	if (!it)
		return -ENOMEM;
	if (p) {
		for (uint32_t i = 0; i < p->nph; i++) {
			uint32_t h = s->proc_holders[p->ph0 + i];
			const struct dbf_buf *buf = &s->bufs[s->holders[h].buf];

			/* the process's share, as its PSS counts it */
			it[k++] = (struct item){ .kind = K_CELL, .ref = h,
						 .bytes = buf->size / buf->nholders };
		}
	} else {
		for (size_t i = 0; i < s->nbufs; i++)
			if (!s->bufs[i].nholders)
				it[k++] = (struct item){ .kind = K_FREE, .ref = (uint32_t)i,
							 .bytes = s->bufs[i].size };
	}
	qsort(it, k, sizeof(*it), cmp_item);
	while (k && !it[k - 1].bytes)
		k--;
	/* past the limit, one cell for the rest */
	keep = k <= x->top ? k : x->top;
	if (keep < k) {
		struct item more = { .kind = K_MORE, .ref = b->ref,
				     .count = (uint32_t)(k - keep) };

		for (size_t i = keep; i < k; i++)
			more.bytes += it[i].bytes;
		it[keep++] = more;
		qsort(it, keep, sizeof(*it), cmp_item);
	}
	for (size_t i = 0; i < keep; i++)
		it[i].v = (double)it[i].bytes * x->scale;
	squarify(it, keep, b->x, b->y, b->w, b->h);
	*out = it;
	*nout = keep;
	return 0;
}

static void cell_title(struct ctx *x, const struct item *c)
{
	const struct dbf_snapshot *s = x->s;
	const struct dbf_buf *buf = NULL;
	char size[32];

	if (c->kind == K_CELL)
		buf = &s->bufs[s->holders[c->ref].buf];
	else if (c->kind == K_FREE)
		buf = &s->bufs[c->ref];
	fputs("<title>", x->f);
	if (!buf) {
		size_text(size, sizeof(size), c->bytes);
		fprintf(x->f, "%" PRIu32 " more buffers: %s", c->count, size);
	} else {
		if (buf->has_name && put_fit(x->f, buf->name, 1e9, 1) < 0)
			x->err = -ENOMEM;
		size_text(size, sizeof(size), buf->size);
		fprintf(x->f, "%sinode %" PRIu64 ", %s", buf->has_name ? ", " : "",
			buf->ino, size);
		if (buf->nholders > 1) {
			size_text(size, sizeof(size), c->bytes);
			fprintf(x->f, " shared by %" PRIu32 " processes: %s each",
				buf->nholders, size);
		}
	}
	fputs("</title>", x->f);
}

static void cell_rect(struct ctx *x, const struct item *c, unsigned int rgb,
		      size_t i)
{
	const struct dbf_snapshot *s = x->s;
	static const unsigned int light[] = { 45, 60, 52, 68 };

	if (c->kind == K_CELL) {
		const struct dbf_holder *h = &s->holders[c->ref];

		put_rect(x, c, "cell");
		fprintf(x->f, " data-pid=\"%d\" data-ino=\"%" PRIu64 "\"",
			(int)s->procs[h->proc].pid, s->bufs[h->buf].ino);
	} else if (c->kind == K_FREE) {
		put_rect(x, c, "cell nobody");
		fprintf(x->f, " data-ino=\"%" PRIu64 "\"", s->bufs[c->ref].ino);
	} else {
		put_rect(x, c, "cell more");
		fprintf(x->f, " data-count=\"%" PRIu32 "\"", c->count);
	}
	fprintf(x->f, " data-bytes=\"%" PRIu64 "\" fill=\"#%06x\">", c->bytes,
		tint(rgb, light[i % 4]));
	cell_title(x, c);
	fputs("</rect>\n", x->f);
}

/* A cell's label: name and size, as many lines as its height takes. */
static void cell_text(struct ctx *x, const struct item *c, double off)
{
	const struct dbf_snapshot *s = x->s;
	const struct dbf_buf *buf = NULL;
	double room = c->h - off - 4, width = c->w - 6;
	int lines = room >= 2 * CELL_LINE ? 2 : room >= CELL_LINE ? 1 : 0;
	char size[32], more[48];

	if (width < 3 * CELL_FONT || lines == 0)
		return;
	if (c->kind == K_CELL)
		buf = &s->bufs[s->holders[c->ref].buf];
	else if (c->kind == K_FREE)
		buf = &s->bufs[c->ref];
	size_text(size, sizeof(size), buf ? buf->size : c->bytes);
	fprintf(x->f, "<text x=\"%.3f\" y=\"%.3f\">", c->x + 3, c->y + off + 2);
	fprintf(x->f, "<tspan x=\"%.3f\" dy=\"%.1f\">", c->x + 3, CELL_FONT);
	if (!buf) {
		snprintf(more, sizeof(more), "%" PRIu32 " more", c->count);
		put_label(x->f, more, width, CELL_FONT);
	} else if (buf->has_name) {
		if (put_fit(x->f, buf->name, width, CELL_FONT) < 0)
			x->err = -ENOMEM;
	} else {
		snprintf(more, sizeof(more), "inode %" PRIu64, buf->ino);
		put_label(x->f, more, width, CELL_FONT);
	}
	fputs("</tspan>", x->f);
	if (lines == 2) {
		fprintf(x->f, "<tspan x=\"%.3f\" dy=\"%.1f\">", c->x + 3, CELL_LINE);
		put_label(x->f, size, width, CELL_FONT);
		fputs("</tspan>", x->f);
	}
	fputs("</text>\n", x->f);
}

static bool has_head(const struct item *b)
{
	return b->w >= 4 * HEAD_FONT && b->h >= HEAD_H + 2;
}

static void block_head(struct ctx *x, const struct item *b)
{
	const struct dbf_snapshot *s = x->s;
	char size[32], text[96];

	if (!has_head(b))
		return;
	size_text(size, sizeof(size), b->bytes);
	fprintf(x->f, "<text class=\"head\" x=\"%.3f\" y=\"%.3f\">", b->x + 4,
		b->y + HEAD_FONT + 1);
	if (b->kind == K_PROC) {
		const struct dbf_proc *p = &s->procs[b->ref];
		/* the pid and size first: they must show even if the comm is cut */
		int n = snprintf(text, sizeof(text), "%d \u00b7 %s \u00b7 ", (int)p->pid, size);
		/* two of those bytes are the second halves of the two dots */
		double w = b->w - 8 - (n - 2) * 0.62 * HEAD_FONT;

		fputs(text, x->f);
		if (w > 0 && put_fit(x->f, render_comm(p), w, HEAD_FONT) < 0)
			x->err = -ENOMEM;
	} else {
		if (b->kind == K_NOBODY)
			snprintf(text, sizeof(text), "held by nobody \u00b7 %s", size);
		else
			snprintf(text, sizeof(text), "%" PRIu32 " other processes \u00b7 %s",
				 b->count, size);
		put_label(x->f, text, b->w - 8, HEAD_FONT);
	}
	fputs("</text>\n", x->f);
}

static void block_title(struct ctx *x, const struct item *b)
{
	const struct dbf_snapshot *s = x->s;
	char pss[32], held[32];

	fputs("<title>", x->f);
	size_text(pss, sizeof(pss), b->bytes);
	if (b->kind == K_PROC) {
		const struct dbf_proc *p = &s->procs[b->ref];

		if (put_fit(x->f, render_comm(p), 1e9, 1) < 0)
			x->err = -ENOMEM;
		size_text(held, sizeof(held), p->bytes);
		fprintf(x->f, " (pid %d): PSS %s; holds %" PRIu32 " buffers, %s",
			(int)p->pid, pss, p->nph, held);
	} else if (b->kind == K_NOBODY) {
		fprintf(x->f, "%zu buffers no process holds: %s", s->held_by_nobody, pss);
	} else {
		fprintf(x->f, "%" PRIu32 " other processes: PSS %s", b->count, pss);
	}
	fputs("</title>", x->f);
}

static int block(struct ctx *x, const struct item *b, size_t i)
{
	__do_free struct item *c = NULL;
	unsigned int rgb = b->kind == K_PROC ? palette[i % 10] : 0x9e9e9e;
	size_t n = 0;
	int r;

	if (b->kind != K_OTHERS && (r = cells(x, b, &c, &n)) < 0)
		return r;
	for (size_t j = 0; j < n; j++)
		cell_rect(x, &c[j], rgb, j);
	/* the block's frame over its cells; filled when it has none */
	put_rect(x, b, b->kind == K_PROC ? "proc" : b->kind == K_NOBODY ? "nobody" : "others");
	if (b->kind == K_PROC)
		fprintf(x->f, " data-pid=\"%d\"", (int)x->s->procs[b->ref].pid);
	else if (b->kind == K_OTHERS)
		fprintf(x->f, " data-count=\"%" PRIu32 "\"", b->count);
	fprintf(x->f, " data-bytes=\"%" PRIu64 "\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"3\">",
		b->bytes, b->kind == K_OTHERS ? "#d9d9d9" : "none");
	block_title(x, b);
	fputs("</rect>\n", x->f);

	fputs("<g class=\"labels\">\n", x->f);
	for (size_t j = 0; j < n; j++)
		cell_text(x, &c[j], has_head(b) && c[j].y - b->y < 0.5 ? HEAD_H : 0);
	block_head(x, b);
	fputs("</g>\n", x->f);
	return x->err;
}

static void header(struct ctx *x, uint64_t nobody, size_t nprocs)
{
	const struct dbf_snapshot *s = x->s;
	char total[32], free_[32], when[64];
	struct tm tm;

	size_text(total, sizeof(total), s->total_bytes);
	size_text(free_, sizeof(free_), nobody);
	if (!gmtime_r(&s->taken.tv_sec, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		strcpy(when, "unknown time");
	fprintf(x->f, "<text class=\"title\" x=\"%.0f\" y=\"26\">dma-buf memory: %s in %zu buffers"
		"</text>\n", MARGIN, total, s->nbufs);
	fprintf(x->f, "<text class=\"sub\" x=\"%.0f\" y=\"48\">%zu processes hold buffers "
		"(area: each one's PSS) \u00b7 %s held by no process \u00b7 %" PRIu64 " bytes in all "
		"\u00b7 %s</text>\n", MARGIN, nprocs, free_, s->total_bytes, when);
}

int dbf_svg_render(const struct dbf_tree *t, const struct dbf_caller *c,
		   const struct dbf_svg_opts *o, FILE *out)
{
	const struct dbf_snapshot *s = t->snap;
	__do_free struct item *b = calloc(s->nprocs + 3, sizeof(*b));
	struct ctx x = { .s = s, .f = out, .top = o->top ? o->top : 1 };
	struct item others = { .kind = K_OTHERS }, nobody = { .kind = K_NOBODY };
	double w = DBF_SVG_WIDTH - 2 * MARGIN, h = DBF_SVG_HEIGHT - MAP_Y - MARGIN;
	uint64_t total = 0;
	size_t n = 0, keep;
	int r;

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];

		if (dbf_caller_sees(c, p) && p->pss)
			b[n++] = (struct item){ .kind = K_PROC, .ref = (uint32_t)i,
						.bytes = p->pss };
		else if (p->pss)
			others.bytes += p->pss, others.count++;
	}
	qsort(b, n, sizeof(*b), cmp_item);
	keep = n <= x.top ? n : x.top;
	for (size_t i = keep; i < n; i++)
		others.bytes += b[i].bytes, others.count++;
	for (size_t i = 0; i < s->nbufs; i++)
		if (!s->bufs[i].nholders)
			nobody.bytes += s->bufs[i].size;
	n = keep;
	if (others.bytes)
		b[n++] = others;
	if (nobody.bytes)
		b[n++] = nobody;
	for (size_t i = 0; i < n; i++)
		total += b[i].bytes;
	qsort(b, n, sizeof(*b), cmp_item);
	x.scale = total ? w * h / (double)total : 0;
	for (size_t i = 0; i < n; i++)
		b[i].v = (double)b[i].bytes * x.scale;
	squarify(b, n, MARGIN, MAP_Y, w, h);

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n"
		"<title>dma-buf memory</title>\n"
		"<style>\n"
		".cell { stroke: #ffffff; stroke-width: 1; }\n"
		"text { font-size: %.0fpx; fill: #1a1a1a; }\n"
		".title { font-size: 20px; font-weight: bold; }\n"
		".sub { font-size: 14px; fill: #444444; }\n"
		".head { font-size: %.0fpx; font-weight: bold; paint-order: stroke; "
		"stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }\n"
		"</style>\n"
		"<rect class=\"background\" width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
		DBF_SVG_WIDTH, DBF_SVG_HEIGHT, DBF_SVG_WIDTH, DBF_SVG_HEIGHT,
		CELL_FONT, HEAD_FONT);
	header(&x, nobody.bytes, s->nprocs);
	if (!n)
		fprintf(out, "<text class=\"sub\" x=\"%.0f\" y=\"%.0f\">no dma-bufs</text>\n",
			MARGIN, MAP_Y + 20);
	for (size_t i = 0; i < n; i++)
		if ((r = block(&x, &b[i], i)) < 0)
			return r;
	fputs("</svg>\n", out);
	return ferror(out) ? -EIO : 0;
}
