// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "helpers.h"
#include "maps.h"

struct seen {
	size_t n;
	uint64_t dev[8], ino[8];
	char name[8][64];
	uint32_t len[8];
	uint64_t len_bytes[8];
};

static int record(void *ctx, uint64_t dev, uint64_t ino, uint64_t len,
		  struct dbf_str name)
{
	struct seen *s = ctx;

	cr_assert_lt(s->n, 8);
	s->dev[s->n] = dev;
	s->ino[s->n] = ino;
	s->len_bytes[s->n] = len;
	memcpy(s->name[s->n], name.p, name.len);
	s->len[s->n++] = name.len;
	return 0;
}

Test(maps, linux_6_1)
{
	struct seen s = { 0 };
	uint32_t anon;
	size_t len;
	char *t = read_fixture("linux-6.1-vgem/proc/91/maps", &len);

	cr_assert_eq(dbf_maps_parse(t, len, record, &s, &anon), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.ino[0], 3);
	cr_assert_eq(s.len_bytes[0], 2097152);
	cr_assert_eq(s.len[0], 6);
	cr_assert(!memcmp(s.name[0], "CAMERA", 6));
	cr_assert_eq(anon, 0);
	free(t);
}

Test(maps, newline_escapes_are_decoded)
{
	struct seen s = { 0 };
	uint32_t anon;
	size_t len;
	char *t = read_fixture("linux-6.1-hostile/proc/301/maps", &len);

	cr_assert_eq(dbf_maps_parse(t, len, record, &s, &anon), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.ino[0], 23);
	cr_assert_eq(s.len[0], 8);
	cr_assert(!memcmp(s.name[0], "new\nline", 8));
	cr_assert_eq(s.ino[1], 23);
	cr_assert_eq(s.ino[2], 24);
	/* only "\n" is escaped by the kernel, so a lone backslash stays */
	cr_assert_eq(s.len[2], 10);
	cr_assert(!memcmp(s.name[2], "back\\slash", 10));
	free(t);
}

Test(maps, before_5_3_anon_inode)
{
	struct seen s = { 0 };
	uint32_t anon;
	size_t len;
	char *t = read_fixture("linux-4.19-anon/proc/200/maps", &len);

	cr_assert_eq(dbf_maps_parse(t, len, record, &s, &anon), 0);
	cr_assert_eq(s.n, 0);
	cr_assert_eq(anon, 2);
	free(t);
}

Test(maps, malformed_lines_are_skipped)
{
	static char t[] =
		"7f00-7f01 rw-s 0 00:0a\n"				/* no inode */
		"7f00-7f01 rw-s 0 00:0a x /dmabuf:A\n"			/* inode not a number */
		"/dmabuf:B\n"
		"7f00-7f01 rw-s 0 00:0a 7 /dmabuf:C\\01\n"		/* short escape stays */
		"7f01-7f00 rw-s 0 00:0a 6 /dmabuf:D\n"			/* end before start */
		"7f00-7f01 rw-s 0 00:0a 8 /dmabuf:with space\n"
		"7f00-7f01 rw-s 0 00:0a 9 /dmabuf:\n";			/* unnamed */
	struct seen s = { 0 };
	uint32_t anon;

	cr_assert_eq(dbf_maps_parse(t, sizeof(t) - 1, record, &s, &anon), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.ino[0], 7);
	cr_assert_eq(s.len[0], 4);
	cr_assert(!memcmp(s.name[0], "C\\01", 4));
	cr_assert_eq(s.len[1], 10);
	cr_assert(!memcmp(s.name[1], "with space", 10));
	cr_assert_eq(s.ino[2], 9);
	cr_assert_eq(s.len[2], 0);
}

/*
 * The kernel escapes only '\n' in maps: any other backslash sequence is
 * the name's own bytes, so "lit\101" is not "litA" and "\134" stays.
 */
Test(maps, only_the_newline_escape_is_decoded)
{
	static char t[] =
		"7f00-7f01 rw-s 0 00:0a 5 /dmabuf:lit\\101\n"
		"7f00-7f01 rw-s 0 00:0a 6 /dmabuf:b\\134s\\011t\n"
		"7f00-7f01 rw-s 0 00:0a 7 /dmabuf:a\\012b\\012\n";
	struct seen s = { 0 };
	uint32_t anon;

	cr_assert_eq(dbf_maps_parse(t, sizeof(t) - 1, record, &s, &anon), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.len[0], 7);
	cr_assert(!memcmp(s.name[0], "lit\\101", 7));
	cr_assert_eq(s.len[1], 11);
	cr_assert(!memcmp(s.name[1], "b\\134s\\011t", 11));
	cr_assert_eq(s.len[2], 4);
	cr_assert(!memcmp(s.name[2], "a\nb\n", 4));
	cr_assert_eq(s.dev[0], makedev(0, 10));
}

Test(maps, device_column)
{
	static char t[] =
		"7f00-7f01 rw-s 0 08:01 1 /dmabuf:FORGED\n"
		"7f00-7f01 rw-s 0 fff:fffff 2 /dmabuf:max\n"
		"7f00-7f01 rw-s 0 1000:00 3 /dmabuf:toobig\n"
		"7f00-7f01 rw-s 0 0a 4 /dmabuf:nocolon\n";
	struct seen s = { 0 };
	uint32_t anon;

	cr_assert_eq(dbf_maps_parse(t, sizeof(t) - 1, record, &s, &anon), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.dev[0], makedev(8, 1));
	cr_assert_eq(s.ino[0], 1);
	cr_assert_eq(s.dev[1], makedev(0xfff, 0xfffff));
}
