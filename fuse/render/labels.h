/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names, comms, exporters, devices and cgroup paths as printable UTF-8, for
 * formats that must be valid UTF-8 (OpenMetrics label values, SVG text).
 */
#ifndef DMABUFFS_LABELS_H
#define DMABUFFS_LABELS_H

#include <stddef.h>
#include "escape.h"	/* dbf_utf8_char() */
#include "snapshot.h"

/*
 * The text form of escape.h (bytes below 0x20, 0x7f and backslash as
 * \ooo), extended so that the result is always valid UTF-8 with no
 * control character: every byte that is not part of a well-formed UTF-8
 * sequence, and the bytes of U+0080..U+009F (C1 controls), U+FFFE and
 * U+FFFF, are written \ooo too. Backslash is always escaped, so the form
 * is injective: distinct inputs never give the same text. Writes at most
 * @size bytes plus a NUL (if @size > 0); returns the full length, like
 * snprintf.
 */
size_t dbf_label_text(char *out, size_t size, struct dbf_str in);

#endif
