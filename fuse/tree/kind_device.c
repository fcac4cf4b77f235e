// SPDX-License-Identifier: GPL-2.0-only
/*
 * by-device/<device>: buffers by the devices attached to them. A buffer
 * attached to several devices is in several groups, so the groups run
 * over a list of (device, buffer) pairs of their own; the directories
 * are then kind_group.c's.
 */
#include <errno.h>
#include <stdlib.h>

#include "escape.h"
#include "kind_group.h"

struct dev_pair {
	struct dbf_str name;
	uint32_t buf;
};

static int dev_pair_cmp(const void *a, const void *b)
{
	const struct dev_pair *x = a, *y = b;
	int c = dbf_str_cmp(x->name, y->name);

	return c ? c : (x->buf > y->buf) - (x->buf < y->buf);
}

static struct dbf_str device_key(const struct dbf_tree *t, size_t i)
{
	return t->dev_names[i];
}

static int device_build(struct dbf_tree *t, struct dbf_interner *in,
			enum dbf_node_kind k)
{
	const struct dbf_snapshot *s = t->snap;
	struct dev_pair *p;
	size_t n = 0, m = 0;

	/* Without a source that lists attachments, none is known. */
	if (s->device_sources)
		for (size_t i = 0; i < s->nbufs; i++)
			n += s->bufs[i].ndevices;
	p = calloc(n ? n : 1, sizeof(*p));
	t->dev_bufs = calloc(n ? n : 1, sizeof(*t->dev_bufs));
	t->dev_names = calloc(n ? n : 1, sizeof(*t->dev_names));
	t->dev_links = calloc(s->nbufs ? s->nbufs : 1, sizeof(*t->dev_links));
	if (!p || !t->dev_bufs || !t->dev_names || !t->dev_links) {
		free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nbufs && n; i++)
		for (uint32_t j = 0; j < s->bufs[i].ndevices; j++)
			p[m++] = (struct dev_pair){ s->bufs[i].devices[j], (uint32_t)i };
	qsort(p, n, sizeof(*p), dev_pair_cmp);
	m = 0;
	for (size_t i = 0; i < n; i++) {
		/* Attached twice to one device: one entry. */
		if (m && p[i].buf == t->dev_bufs[m - 1] &&
		    !dbf_str_cmp(p[i].name, t->dev_names[m - 1]))
			continue;
		t->dev_bufs[m] = p[i].buf;
		t->dev_names[m] = p[i].name;
		m++;
		/* What no directory can list is no link. */
		if (p[i].name.len && dbf_escape_component(NULL, 0, p[i].name) <= 255)
			t->dev_links[p[i].buf]++;
	}
	free(p);
	return group_build(t, t->dev_bufs, m, device_key, in, tree_groups(t, k));
}

static void device_free(struct dbf_tree *t, enum dbf_node_kind k)
{
	group_free(t, k);
	free(t->dev_bufs);
	free(t->dev_names);
	free(t->dev_links);
}

static nlink_t device_links(const struct dbf_tree *t, enum dbf_node_kind k,
			    const struct dbf_buf *b)
{
	(void)k;
	return t->dev_links[b - t->snap->bufs];
}

/* A device's directory is a group's: only its pairs are its own. */
const struct kind_ops kind_device = {
	.build = device_build, .free = device_free, .links = device_links,
	GROUP_DIR_OPS,
};
