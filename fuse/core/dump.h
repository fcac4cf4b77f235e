/* SPDX-License-Identifier: GPL-2.0-only */
/* `dmabuffs --dump`: the model printed once, as text or JSON. */
#ifndef DMABUFFS_DUMP_H
#define DMABUFFS_DUMP_H

#include <stdio.h>
#include "snapshot.h"

int dbf_dump_text(const struct dbf_snapshot *snap, FILE *out);
int dbf_dump_json(const struct dbf_snapshot *snap, FILE *out);

#endif
