/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /dmabuf/usage.svg: a treemap of dma-buf memory. One block per process,
 * its area the process's PSS, split into one cell per buffer it holds
 * (area: the buffer's size divided by its number of holders); one block
 * for the buffers no process holds; a title with the totals and the time.
 * Every area is proportional to bytes.
 */
#ifndef DMABUFFS_SVG_H
#define DMABUFFS_SVG_H

#include <stdio.h>
#include "tree.h"

#define DBF_SVG_WIDTH	1280
#define DBF_SVG_HEIGHT	800

struct dbf_svg_opts {
	/*
	 * Blocks for the @top processes with the largest PSS, then one for
	 * the rest; at most @top cells in a block, then one for the rest.
	 */
	unsigned int top;
};

/*
 * Write the treemap of @t's snapshot as @c may see it: a block for each
 * process @c sees (dbf_caller_sees); the processes it may not see make
 * one block with the rest, which tells no more than the public totals.
 * Returns 0, -ENOMEM or -EIO.
 */
int dbf_svg_render(const struct dbf_tree *t, const struct dbf_caller *c,
		   const struct dbf_svg_opts *o, FILE *out);

#endif
