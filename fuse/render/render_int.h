/* SPDX-License-Identifier: GPL-2.0-only */
/* What the text renderers of fuse/render/ share; not for the layers below. */
#ifndef DMABUFFS_RENDER_INT_H
#define DMABUFFS_RENDER_INT_H

#include <stdio.h>
#include <string.h>
#include "tree.h"

/* A process's comm as bytes, never read past its array. */
static inline struct dbf_str render_comm(const struct dbf_proc *p)
{
	return (struct dbf_str){ p->comm, (uint32_t)strnlen(p->comm, DBF_COMM_MAX) };
}

/* @s as @escape writes it. */
void render_put_escaped(FILE *f, struct dbf_str s,
			size_t (*escape)(char *out, size_t size, struct dbf_str in));

/* Names, exporters, devices, cgroup paths: \ooo for control bytes and backslash. */
void render_put_text(FILE *f, struct dbf_str s);

/* A buffer's file, as @caller may see it. */
void render_buffer(const struct dbf_tree *t, const struct dbf_buf *b,
		   const struct dbf_caller *caller, FILE *f);

/* /dmabuf/summary. */
int render_summary(const struct dbf_tree *t, const struct dbf_caller *caller,
		   FILE *f);

#endif
