// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the label values of /dmabuf/metrics and the text of
 * usage.svg. The input is split at NUL bytes into strings that become
 * buffer names, an exporter, attached devices, comms and cgroup paths
 * (none of them can hold a NUL). The same snapshot is built a second time
 * with each distinct string (each cgroup component) replaced by a plain
 * token, and both are rendered.
 *
 * Metrics: the hostile output must parse strictly (our descriptors,
 * samples with known label names, the format's escapes only, printable
 * UTF-8 values, "# EOF" last, no series twice), and once every label value
 * is mapped back to its token it must have exactly the lines of the plain
 * output. So a value can add no line, no label and no series. SVG: the
 * same number of elements as the plain picture, valid UTF-8, no control
 * byte, no script.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "labels.h"
#include "metrics.h"
#include "svg.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strings: 0-5 names, 6 an exporter, 7-8 devices, 9-11 comms, 12-13 cgroups. */
#define NSTR		14
#define MAXLEN		64
#define NCOMP		(2 * (MAXLEN + 1))
#define PATHMAX		(NCOMP * 6)

struct val {
	struct dbf_str raw;
	char *text;		/* dbf_label_text() of raw */
	size_t tlen;
	char tok[8];		/* the plain stand-in: equal strings, equal tokens */
};

struct input {
	struct val s[NSTR];
	struct val comp[NCOMP];	/* the cgroup paths' components */
	size_t ncomp;
};

static void set_text(struct val *v)
{
	v->tlen = dbf_label_text(NULL, 0, v->raw);
	v->text = malloc(v->tlen + 1);
	dbf_label_text(v->text, v->tlen + 1, v->raw);
}

/* Tokens by equality within @v[0..n); the empty string stays empty. */
static void tokens(struct val *v, size_t n, char kind)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = i;

		for (size_t j = 0; j < i; j++)
			if (!dbf_str_cmp(v[i].raw, v[j].raw)) {
				k = j;
				break;
			}
		if (v[i].raw.len)
			snprintf(v[i].tok, sizeof(v[i].tok), "%c%zu", kind, k);
		else
			v[i].tok[0] = '\0';
	}
}

static void parse_input(const uint8_t *data, size_t size, struct input *in)
{
	/* what the builder keeps: a name to 31 bytes; comms here to 15 */
	static const uint32_t max[NSTR] = { 31, 31, 31, 31, 31, 31, MAXLEN, MAXLEN,
					     MAXLEN, 15, 15, 15, MAXLEN, MAXLEN };
	size_t n = 0, start = 0;

	memset(in, 0, sizeof(*in));
	for (size_t i = 0; i <= size && n < NSTR; i++) {
		if (i == size || !data[i]) {
			size_t len = i - start;

			in->s[n].raw = (struct dbf_str){ (const char *)data + start,
							 (uint32_t)(len < max[n] ? len : max[n]) };
			n++;
			start = i + 1;
		}
	}
	for (; n < NSTR; n++)
		in->s[n].raw = (struct dbf_str){ "", 0 };
	for (n = 0; n < NSTR; n++)
		set_text(&in->s[n]);
	tokens(in->s, 6, 'n');
	tokens(in->s + 6, 1, 'e');
	/* the odd buffers' exporter: the same group in both snapshots */
	if (!dbf_str_cmp(in->s[6].raw, (struct dbf_str){ "drm", 3 }))
		strcpy(in->s[6].tok, "drm");
	tokens(in->s + 7, 2, 'd');
	tokens(in->s + 9, 3, 'c');
	for (int i = 12; i < 14; i++) {
		struct dbf_str p = in->s[i].raw;

		for (uint32_t a = 0, b = 0; b <= p.len; b++) {
			if (b < p.len && p.p[b] != '/')
				continue;
			in->comp[in->ncomp].raw = (struct dbf_str){ p.p + a, b - a };
			set_text(&in->comp[in->ncomp++]);
			a = b + 1;
		}
	}
	tokens(in->comp, in->ncomp, 'g');
}

static void free_input(struct input *in)
{
	for (size_t i = 0; i < NSTR; i++)
		free(in->s[i].text);
	for (size_t i = 0; i < in->ncomp; i++)
		free(in->comp[i].text);
}

/*
 * The snapshot: buffers 1-6 (sizes powers of two, so no two sets of
 * buffers weigh the same) named by strings 0-5, even ones exported by
 * string 6, buffer 1 attached to strings 7 and 8; processes 10, 11 and 12
 * named by strings 9-11; 10 holds 1, 2, 3; 11 holds 3, 4; 12 holds 5;
 * nobody holds 6. Processes 10 and 11 are in cgroups "/" + strings 12 and
 * 13 (@cg, kept by the caller); 12's is unknown.
 */
static struct dbf_snapshot *build(const struct dbf_str *s, const struct dbf_str *cg)
{
	static const struct timespec taken = { 1700000000, 0 };
	struct dbf_builder *b = dbf_builder_new();
	struct dbf_snapshot *snap;
	char comm[3][16];

	if (!b)
		abort();
	for (uint64_t ino = 1; ino <= 6; ino++) {
		struct dbf_buf_fact f = dbf_buf_fact_init(ino, DBF_SRC_FDINFO);

		f.size = 4096ull << ino;
		f.has_size = true;
		f.exporter = ino % 2 ? (struct dbf_str){ "drm", 3 } : s[6];
		f.name = s[ino - 1];
		f.has_name = f.name.len > 0;
		f.name_rank = DBF_NAME_EXACT;
		if (ino == 1) {
			f.devices = &s[7];
			f.ndevices = 2;
			f.devices_known = true;
		}
		if (dbf_builder_buf(b, &f) < 0)
			abort();
	}
	for (int i = 0; i < 3; i++) {
		memcpy(comm[i], s[9 + i].p, s[9 + i].len);
		comm[i][s[9 + i].len] = '\0';
		if (dbf_builder_proc(b, &(struct dbf_proc_fact){ .pid = 10 + i,
				.comm = comm[i] }) < 0)
			abort();
	}
	if (dbf_builder_fd(b, 10, 3, 1) < 0 || dbf_builder_fd(b, 10, 4, 2) < 0 ||
	    dbf_builder_fd(b, 10, 5, 3) < 0 || dbf_builder_fd(b, 11, 3, 3) < 0 ||
	    dbf_builder_fd(b, 11, 4, 4) < 0 || dbf_builder_fd(b, 12, 3, 5) < 0)
		abort();
	dbf_builder_set_sources(b, DBF_SRC_FDINFO | DBF_SRC_BUFINFO, 0, 3);
	/* by-device/ and so the device series need a source of attachments */
	dbf_builder_add_device_sources(b, DBF_SRC_BUFINFO);
	if (dbf_builder_finish(b, &taken, NULL, &snap) < 0)
		abort();
	snap->procs[0].cgroup = cg[0];
	snap->procs[1].cgroup = cg[1];
	return snap;
}

static char *render(const struct dbf_tree *t, bool svg)
{
	struct dbf_caller root = DBF_CALLER_ROOT;
	/* no cut: which of two equal rows is kept depends on byte order */
	struct dbf_metrics_opts mo = { .top = DBF_METRICS_TOP_MAX, .now = t->snap->taken };
	struct dbf_svg_opts so = { .top = 20 };
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f || (svg ? dbf_svg_render(t, &root, &so, f) :
			 dbf_metrics_render(t, &root, &mo, f)) < 0 || fclose(f))
		abort();
	return text;
}

/* ---- a strict reader of what metrics.c writes ---- */

static const char *const label_names[] = {
	"exporter", "name", "other", "cgroup", "device", "pid", "comm",
	"source", "scanner", "unnamed", "unattached", "unknown",
};

static bool known_label(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(label_names) / sizeof(label_names[0]); i++)
		if (strlen(label_names[i]) == n && !memcmp(p, label_names[i], n))
			return true;
	return false;
}

static const char *token_of(const struct val *v, size_t n, const char *t, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].tlen == len && !memcmp(v[i].text, t, len))
			return v[i].tok;
	abort();	/* a value that is no input's text form */
}

/* The plain form of value @v (@len bytes) of label @label. */
static void map_value(const struct input *in, const char *label, const char *v,
		      size_t len, bool other, char *out, size_t size)
{
	if (!strcmp(label, "name")) {
		snprintf(out, size, "%s", token_of(in->s, 6, v, len));
	} else if (!strcmp(label, "exporter") && !(len == 3 && !memcmp(v, "drm", 3))) {
		snprintf(out, size, "%s", token_of(in->s + 6, 1, v, len));
	} else if (!strcmp(label, "device")) {
		snprintf(out, size, "%s", token_of(in->s + 7, 2, v, len));
	} else if (!strcmp(label, "comm") && !other) {
		snprintf(out, size, "%s", token_of(in->s + 9, 3, v, len));
	} else if (!strcmp(label, "cgroup") && len > 1 && v[0] == '/') {
		/* component by component: '/' is its own text form */
		size_t o = 0;

		for (size_t i = 1; i <= len;) {
			size_t j = i;

			while (j < len && v[j] != '/')
				j++;
			o += (size_t)snprintf(out + o, size - o, "/%s",
					      token_of(in->comp, in->ncomp, v + i, j - i));
			i = j + 1;
		}
	} else {
		/* pid, source, scanner, other, sentinels, the root "/": as they are */
		snprintf(out, size, "%.*s", (int)len, v);
	}
}

/*
 * Read sample line @l (@n bytes) strictly; write it with its values
 * mapped (@map) into @out. Aborts on anything metrics.c would not write.
 */
static void sample(const struct input *in, const char *l, size_t n, bool map,
		   char *out, size_t size)
{
	char labels[16][16], *value = malloc(PATHMAX), *raw = malloc(n + 1);
	size_t i = 0, o = 0, nl = 0;
	bool other;

	while (i < n && ((l[i] >= 'a' && l[i] <= 'z') || l[i] == '_'))
		i++;
	if (i < 8 || strncmp(l, "dmabuf_", 7))
		abort();
	o += (size_t)snprintf(out + o, size - o, "%.*s", (int)i, l);
	/* a comm is "other" only in the pid="other" series */
	other = n - i > 13 && !strncmp(l + i, "{pid=\"other\",", 13);
	if (i < n && l[i] == '{') {
		do {
			size_t k = ++i, m = 0;

			while (i < n && l[i] >= 'a' && l[i] <= 'z')
				i++;
			if (i == k || i - k >= 16 || !known_label(l + k, i - k) ||
			    i + 1 >= n || l[i] != '=' || l[i + 1] != '"')
				abort();
			snprintf(labels[nl], 16, "%.*s", (int)(i - k), l + k);
			for (size_t j = 0; j < nl; j++)
				if (!strcmp(labels[j], labels[nl]))
					abort();	/* a label twice */
			/* the escapes \\ and \"; never \n, the text form has none */
			for (i += 2; i < n && l[i] != '"'; raw[m++] = l[i++]) {
				if (l[i] != '\\')
					continue;
				if (i + 1 >= n || (l[i + 1] != '\\' && l[i + 1] != '"'))
					abort();
				i++;
			}
			if (i++ >= n)
				abort();
			for (size_t j = 0; j < m;) {
				uint32_t cp;
				size_t k2 = dbf_utf8_char((const unsigned char *)raw + j, m - j, &cp);

				if (!k2 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
					abort();
				j += k2;
			}
			if (map)
				map_value(in, labels[nl], raw, m, other, value, PATHMAX);
			else
				snprintf(value, PATHMAX, "%.*s", (int)m, raw);
			o += (size_t)snprintf(out + o, size - o, "%c%s=\"%s\"", nl ? ',' : '{',
					      labels[nl], value);
			nl++;
		} while (i < n && l[i] == ',' && nl < 16);
		if (i >= n || l[i] != '}')
			abort();
		i++;
		o += (size_t)snprintf(out + o, size - o, "}");
	}
	if (i >= n || l[i] != ' ' || ++i == n)
		abort();
	for (size_t j = i; j < n; j++)
		if (!((l[j] >= '0' && l[j] <= '9') || l[j] == '.'))
			abort();
	snprintf(out + o, size - o, " %.*s", (int)(n - i), l + i);
	free(raw);
	free(value);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Everything before the value: what makes a sample a series. */
static size_t key_len(const char *l)
{
	const char *sp = strrchr(l, ' ');

	return l[0] == '#' || !sp ? strlen(l) : (size_t)(sp - l);
}

/* The lines of @text, samples mapped, sorted; checks the file's frame. */
static char **lines(const struct input *in, const char *text, bool map, size_t *count)
{
	size_t n = 0, cap = 64;
	char **v = malloc(cap * sizeof(*v));
	bool eof = false;

	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t len, size = 2 * PATHMAX + 1024;
		char *out = malloc(size);

		if (!e || eof)
			abort();	/* every line ends; nothing after # EOF */
		len = (size_t)(e - l);
		if (len == 5 && !memcmp(l, "# EOF", 5)) {
			eof = true;
			snprintf(out, size, "# EOF");
		} else if (l[0] == '#') {
			/* descriptors are ours alone: no value reaches them */
			if (strncmp(l, "# HELP dmabuf_", 14) && strncmp(l, "# TYPE dmabuf_", 14) &&
			    strncmp(l, "# UNIT dmabuf_", 14))
				abort();
			snprintf(out, size, "%.*s", (int)len, l);
		} else {
			sample(in, l, len, map, out, size);
		}
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = out;
		l = e + 1;
	}
	if (!eof)
		abort();
	qsort(v, n, sizeof(*v), cmp_line);
	for (size_t i = 1; i < n; i++) {
		size_t k = key_len(v[i]);

		if (k == key_len(v[i - 1]) && !memcmp(v[i], v[i - 1], k))
			abort();	/* a series twice */
	}
	*count = n;
	return v;
}

static void check_svg(const char *hostile, const char *plain)
{
	size_t a = 0, b = 0, left = strlen(hostile);

	for (const char *c = plain; *c; c++)
		b += *c == '<';
	for (const unsigned char *c = (const unsigned char *)hostile; *c;) {
		uint32_t cp;
		size_t k = dbf_utf8_char(c, left, &cp);

		if (!k || (cp < 0x20 && cp != '\n') || cp == 0x7f)
			abort();
		a += *c == '<';
		c += k;
		left -= k;
	}
	if (a != b || strstr(hostile, "<script"))
		abort();
}

/* "/" + @v's components' tokens (plain) or its bytes (hostile). */
static struct dbf_str path(const struct input *in, int which, bool plain, char *buf)
{
	size_t o = 1, c = 0;

	buf[0] = '/';
	if (!plain) {
		memcpy(buf + 1, in->s[which].raw.p, in->s[which].raw.len);
		return (struct dbf_str){ buf, in->s[which].raw.len + 1 };
	}
	for (int j = 12; j < which; j++)
		for (uint32_t b = 0; b <= in->s[j].raw.len; b++)
			c += b == in->s[j].raw.len || in->s[j].raw.p[b] == '/';
	for (uint32_t b = 0, first = 1; b <= in->s[which].raw.len; b++) {
		if (b < in->s[which].raw.len && in->s[which].raw.p[b] != '/')
			continue;
		o += (size_t)sprintf(buf + o, "%s%s", first ? "" : "/", in->comp[c++].tok);
		first = 0;
	}
	return (struct dbf_str){ buf, (uint32_t)o };
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char cgbuf[4][PATHMAX];
	struct dbf_str hs[NSTR], ps[NSTR], hcg[2], pcg[2];
	struct dbf_interner *hi = dbf_interner_new(), *pi = dbf_interner_new();
	struct dbf_tree *h, *p;
	struct input in;
	char *ht, *pt, **hl, **pl;
	size_t hn, pn;

	parse_input(data, size, &in);
	for (int i = 0; i < NSTR; i++) {
		hs[i] = in.s[i].raw;
		ps[i] = (struct dbf_str){ in.s[i].tok, (uint32_t)strlen(in.s[i].tok) };
	}
	for (int i = 0; i < 2; i++) {
		hcg[i] = path(&in, 12 + i, false, cgbuf[i]);
		pcg[i] = path(&in, 12 + i, true, cgbuf[2 + i]);
	}
	/* the renderers are called with their own bound: the tree's is unused */
	if (!hi || !pi ||
	    dbf_tree_build(build(hs, hcg), hi, NULL, 0, 0, false, 1, &h) < 0 ||
	    dbf_tree_build(build(ps, pcg), pi, NULL, 0, 0, false, 1, &p) < 0)
		abort();

	ht = render(h, false);
	pt = render(p, false);
	hl = lines(&in, ht, true, &hn);
	pl = lines(&in, pt, false, &pn);
	if (hn != pn)
		abort();
	for (size_t i = 0; i < hn; i++) {
		if (strcmp(hl[i], pl[i]))
			abort();
		free(hl[i]);
		free(pl[i]);
	}
	free(hl);
	free(pl);
	free(ht);
	free(pt);

	ht = render(h, true);
	pt = render(p, true);
	check_svg(ht, pt);
	free(ht);
	free(pt);
	dbf_tree_free(h);
	dbf_tree_free(p);
	dbf_interner_free(hi);
	dbf_interner_free(pi);
	free_input(&in);
	return 0;
}
