// SPDX-License-Identifier: GPL-2.0-only
/*
 * The files of the tree (see render.h): which renderer writes a node.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "metrics.h"
#include "render.h"
#include "render_int.h"
#include "svg.h"

/* metrics and usage.svg: docs/metrics.md; rendered at open, like summary. */
static int render_metrics(const struct dbf_tree *t, const struct dbf_caller *c,
			  FILE *f)
{
	struct dbf_metrics_opts o = { .top = t->metrics_top };

	/* the snapshot's age is as of the open */
	clock_gettime(CLOCK_REALTIME, &o.now);
	return dbf_metrics_render(t, c, &o, f);
}

static int render_usage_svg(const struct dbf_tree *t, const struct dbf_caller *c,
			    FILE *f)
{
	return dbf_svg_render(t, c, &(struct dbf_svg_opts){ .top = t->metrics_top }, f);
}

/* The file that node @node is, written to @f; -EISDIR if it is none. */
static int render_node(const struct dbf_tree *t, uint64_t node,
		       const struct dbf_caller *c, FILE *f)
{
	const struct dbf_buf *b;

	switch (dbf_node_kind(node)) {
	case DBF_KIND_BUF:
		b = dbf_snapshot_buf(t->snap, dbf_node_ino(node));
		if (!b)
			return -ENOENT;
		render_buffer(t, b, c, f);
		return 0;
	case DBF_KIND_FIXED:
		switch (dbf_node_key(node)) {
		case DBF_NODE_SUMMARY:
			return render_summary(t, c, f);
		case DBF_NODE_METRICS:
			return render_metrics(t, c, f);
		case DBF_NODE_USAGE_SVG:
			return render_usage_svg(t, c, f);
		}
		return -EISDIR;
	default:
		return -EISDIR;
	}
}

int dbf_render(const struct dbf_tree *t, uint64_t node,
	       const struct dbf_caller *caller, char **text, size_t *len)
{
	FILE *f;
	int r;

	*text = NULL;
	f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	r = render_node(t, node, caller, f);
	if (r == 0 && ferror(f))
		r = -ENOMEM;
	if (fclose(f) && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(*text);
		*text = NULL;
	}
	return r;
}
