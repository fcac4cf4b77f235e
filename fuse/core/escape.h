/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Showing kernel bytes safely. Names are any bytes but NUL, so every
 * place that prints one (a text line, a path component, JSON) escapes it.
 */
#ifndef DMABUFFS_ESCAPE_H
#define DMABUFFS_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "snapshot.h"

/*
 * Text form: bytes below 0x20, 0x7f and backslash become \ooo. With
 * @quote, '"' is escaped too. Writes at most @size bytes plus a NUL (if
 * @size > 0) and returns the full length, like snprintf.
 */
size_t dbf_escape_text(char *out, size_t size, struct dbf_str in, bool quote);

/*
 * One word of a space-separated list (a cgroup path in a buffer file's
 * cgroups: line, or in --dump): the text form, and a space as \040 too.
 */
size_t dbf_escape_word(char *out, size_t size, struct dbf_str in);

/*
 * One path component: '/', '%', bytes below 0x20 and 0x7f become %XX, and
 * the whole names "." and ".." become "%2E" and "%2E%2E". Same return
 * convention as dbf_escape_text.
 */
size_t dbf_escape_component(char *out, size_t size, struct dbf_str in);

/*
 * Inverse of dbf_escape_component for a lookup. Accepts only the canonical
 * form (what dbf_escape_component would print), so every buffer has
 * exactly one name. Decodes into @out (at least strlen(in) bytes) and
 * returns the length, or -EINVAL.
 */
int dbf_unescape_component(char *out, const char *in, size_t len);

/*
 * Decode the \ooo escapes seq_file_path() writes into /proc/<pid>/maps, in
 * place. Returns the new length.
 */
size_t dbf_unescape_octal(char *buf, size_t len);

/* JSON string body (no quotes); invalid UTF-8 bytes become U+FFFD. */
size_t dbf_escape_json(char *out, size_t size, struct dbf_str in);

/* The text form with '"' escaped (dbf_escape_text with @quote). */
size_t dbf_escape_quoted(char *out, size_t size, struct dbf_str in);

typedef size_t (*dbf_escape_fn)(char *out, size_t size, struct dbf_str in);

/* Print @s through one of the escapers above: 0, or -ENOMEM. */
int dbf_fput_escaped(FILE *out, struct dbf_str s, dbf_escape_fn esc);

/*
 * Bytes of the well-formed UTF-8 character at @p (1..4; at most @len), its
 * code point in *@cp; 0 if none (a stray, overlong or surrogate sequence).
 */
size_t dbf_utf8_char(const unsigned char *p, size_t len, uint32_t *cp);

#endif
