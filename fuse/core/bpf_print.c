// SPDX-License-Identifier: GPL-2.0-only
/* libbpf's own diagnostics, for every loader of this build. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

#include "bpf_print.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int loud(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void dbf_bpf_print(bool verbose)
{
	libbpf_set_print(verbose ? loud : quiet);
}
