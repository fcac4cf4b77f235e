// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "escape.h"
#include "helpers.h"

static const char *component(const char *p, size_t len)
{
	static char out[256];

	dbf_escape_component(out, sizeof(out), (struct dbf_str){ p, (uint32_t)len });
	return out;
}

#define COMPONENT(lit) component(lit, sizeof(lit) - 1)

Test(escape, component)
{
	cr_assert_str_eq(COMPONENT("CAMERA"), "CAMERA");
	cr_assert_str_eq(COMPONENT("\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9"),
			 "\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9");
	cr_assert_str_eq(COMPONENT("a/b"), "a%2Fb");
	cr_assert_str_eq(COMPONENT("%41"), "%2541");
	cr_assert_str_eq(COMPONENT("new\nline"), "new%0Aline");
	cr_assert_str_eq(COMPONENT("tab\there"), "tab%09here");
	cr_assert_str_eq(COMPONENT("with space"), "with space");
	cr_assert_str_eq(COMPONENT("."), "%2E");
	cr_assert_str_eq(COMPONENT(".."), "%2E%2E");
	cr_assert_str_eq(COMPONENT("..."), "...");
	cr_assert_str_eq(COMPONENT(".x"), ".x");
	cr_assert_str_eq(COMPONENT("\x7f"), "%7F");
	cr_assert_eq(dbf_escape_component(NULL, 0, (struct dbf_str){ "a/b", 3 }), 5);
}

static int unescape(const char *in, char *out)
{
	return dbf_unescape_component(out, in, strlen(in));
}

Test(escape, component_round_trip_is_canonical)
{
	char out[64];

	cr_assert_eq(unescape("a%2Fb", out), 3);
	cr_assert(!memcmp(out, "a/b", 3));
	cr_assert_eq(unescape("%2E%2E", out), 2);
	cr_assert(!memcmp(out, "..", 2));
	cr_assert_eq(unescape("new%0Aline", out), 8);
	cr_assert_eq(unescape("%2541", out), 3);
	cr_assert(!memcmp(out, "%41", 3));
	/* other spellings of the same bytes name nothing */
	cr_assert_eq(unescape("%41", out), -EINVAL);	/* "A" is written as A */
	cr_assert_eq(unescape("a%2fb", out), -EINVAL);	/* lower-case hex */
	cr_assert_eq(unescape("%2", out), -EINVAL);
	cr_assert_eq(unescape("%", out), -EINVAL);
	cr_assert_eq(unescape("%zz", out), -EINVAL);
	cr_assert_eq(unescape("..", out), -EINVAL);
	cr_assert_eq(unescape("%2E.", out), -EINVAL);
}

Test(escape, text)
{
	char out[64];

	dbf_escape_text(out, sizeof(out), (struct dbf_str){ "new\nline", 8 }, false);
	cr_assert_str_eq(out, "new\\012line");
	dbf_escape_text(out, sizeof(out), (struct dbf_str){ "a\\b\"c\x7f", 6 }, false);
	cr_assert_str_eq(out, "a\\134b\"c\\177");
	dbf_escape_text(out, sizeof(out), (struct dbf_str){ "a\"b", 3 }, true);
	cr_assert_str_eq(out, "a\\042b");
	/* truncation still terminates and reports the full length */
	cr_assert_eq(dbf_escape_text(out, 4, (struct dbf_str){ "\t\t", 2 }, false), 8);
	cr_assert_str_eq(out, "\\01");
}

/* A word of a space-separated list: the text form, spaces too, quotes left alone. */
Test(escape, word)
{
	static const char hostile[] = "/user.slice/new\nline/tab\there/%41/../42/with space";
	char out[128];

	cr_assert_eq(dbf_escape_word(out, sizeof(out),
				     (struct dbf_str){ hostile, sizeof(hostile) - 1 }), 59);
	cr_assert_str_eq(out, "/user.slice/new\\012line/tab\\011here/%41/../42/with\\040space");
	dbf_escape_word(out, sizeof(out), (struct dbf_str){ "a\\b\"c\x7f", 6 });
	cr_assert_str_eq(out, "a\\134b\"c\\177");
	dbf_escape_word(out, sizeof(out), (struct dbf_str){ "/", 1 });
	cr_assert_str_eq(out, "/");
}

Test(escape, octal)
{
	char buf[] = "new\\012line\\134x\\9\\01";
	size_t n = dbf_unescape_octal(buf, sizeof(buf) - 1);

	cr_assert_eq(n, 15);
	cr_assert(!memcmp(buf, "new\nline\\x\\9\\01", n));
}

Test(escape, json)
{
	char out[64];

	dbf_escape_json(out, sizeof(out), (struct dbf_str){ "a\"\\\n\x01", 5 });
	cr_assert_str_eq(out, "a\\\"\\\\\\u000A\\u0001");
	/* valid UTF-8 passes, a stray byte becomes U+FFFD */
	dbf_escape_json(out, sizeof(out), (struct dbf_str){ "\xe3\x82\xab\xff", 4 });
	cr_assert_str_eq(out, "\xe3\x82\xab\xef\xbf\xbd");
	dbf_escape_json(out, sizeof(out), (struct dbf_str){ "\xe3\x82", 2 });
	cr_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd");
}
