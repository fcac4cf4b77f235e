/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef DMABUFFS_BPF_PRINT_H
#define DMABUFFS_BPF_PRINT_H

#include <stdbool.h>

/* libbpf says nothing, or (@verbose, -d) its warnings and errors on stderr. */
void dbf_bpf_print(bool verbose);

#endif
