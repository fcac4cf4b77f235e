/* SPDX-License-Identifier: GPL-2.0-only */
/* Interned names: ids for name, exporter, device and cgroup directories. */
#ifndef DMABUFFS_INTERN_H
#define DMABUFFS_INTERN_H

#include <stddef.h>

struct dbf_interner;

struct dbf_interner *dbf_interner_new(void);
void dbf_interner_free(struct dbf_interner *in);
/* Names held: those of the last two trees built (dbf_tree_build). */
size_t dbf_interner_count(const struct dbf_interner *in);

#endif
