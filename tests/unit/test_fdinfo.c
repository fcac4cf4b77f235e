// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>

#include "fdinfo.h"
#include "helpers.h"

Test(fdinfo, linux_6_1)
{
	struct dbf_fdinfo fi;
	size_t len;
	char *t = read_fixture("linux-6.1-vgem/proc/90/fdinfo/6", &len);

	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), 0);
	cr_assert(fi.has_ino && fi.has_size && fi.has_count && fi.has_name);
	cr_assert_eq(fi.ino, 1);
	cr_assert_eq(fi.size, 1048576);
	cr_assert_eq(fi.count, 6);
	cr_assert(fi.has_mnt_id);
	cr_assert_eq(fi.mnt_id, 11);
	assert_str(fi.exp_name, "drm");
	assert_str(fi.name, "CAMERA");
	free(t);
}

Test(fdinfo, name_with_newline_is_last)
{
	struct dbf_fdinfo fi;
	size_t len;
	char *t = read_fixture("linux-6.1-vgem/proc/92/fdinfo/8", &len);

	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), 0);
	assert_str(fi.name, "new\nline");
	cr_assert_eq(fi.ino, 6);
	free(t);
}

Test(fdinfo, unnamed)
{
	struct dbf_fdinfo fi;
	size_t len;
	char *t = read_fixture("linux-6.1-vgem/proc/92/fdinfo/14", &len);

	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), 0);
	cr_assert(!fi.has_name);
	cr_assert_eq(fi.ino, 12);
	free(t);
}

Test(fdinfo, injected_size_line_is_part_of_the_name)
{
	struct dbf_fdinfo fi;
	size_t len;
	char *t = read_fixture("linux-6.1-hostile/proc/300/fdinfo/3", &len);

	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), 0);
	cr_assert_eq(fi.size, 65536);
	assert_str(fi.name, "X\nsize:\t1");
	free(t);
}

Test(fdinfo, before_5_14_has_no_ino)
{
	struct dbf_fdinfo fi;
	size_t len;
	char *t = read_fixture("linux-5.10-noino/proc/100/fdinfo/3", &len);

	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), 0);
	cr_assert(!fi.has_ino);
	cr_assert_eq(fi.size, 1048576);
	assert_str(fi.exp_name, "ion");
	free(t);
}

Test(fdinfo, not_a_dmabuf)
{
	struct dbf_fdinfo fi;
	size_t len;
	char *t = read_fixture("linux-6.1-vgem/proc/90/fdinfo/3", &len);

	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), -EINVAL);
	cr_assert_eq(dbf_fdinfo_parse("", 0, &fi), -EINVAL);
	/* a size that is not a number is no dma-buf fdinfo */
	cr_assert_eq(dbf_fdinfo_parse("size:\tx\nexp_name:\tdrm\n", 22, &fi), -EINVAL);
	cr_assert_eq(dbf_fdinfo_parse("size:\t1\nexp_name:\tdrm\n", 22, &fi), 0);
	cr_assert_eq(fi.size, 1);
	free(t);
}

Test(fdinfo, patched_attachments)
{
	struct dbf_fdinfo fi;
	size_t len;
	char *t = read_fixture("linux-6.1-patched/proc/400/fdinfo/3", &len);

	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), 0);
	cr_assert(fi.has_attachments);
	cr_assert(fi.devices_known);
	cr_assert_eq(fi.ndevices, 2);
	assert_str(fi.devices[0], "vgem");
	assert_str(fi.devices[1], "0000:00:02.0");
	assert_str(fi.name, "new\\012line");	/* escaped by the kernel */
	free(t);
}

Test(fdinfo, attachment_count_disagrees)
{
	static const char t[] = "size:\t1\nexp_name:\tx\nattachments:\t2\nattached_dev:\ta\nname:\tn\n";
	struct dbf_fdinfo fi;

	cr_assert_eq(dbf_fdinfo_parse(t, sizeof(t) - 1, &fi), 0);
	cr_assert(fi.has_attachments);		/* listed, though not whole */
	cr_assert(!fi.devices_known);
	cr_assert_eq(fi.ndevices, 0);
}

/*
 * The kernel found the reservation lock busy: the kernel lists attachments,
 * but not this time, so the devices are unknown, not none.
 */
Test(fdinfo, attachments_skipped)
{
	static const char t[] = "size:\t8192\ncount:\t2\nexp_name:\tsystem\n"
				"attachments:\tskipped\nname:\tcam0\n";
	struct dbf_fdinfo fi;

	cr_assert_eq(dbf_fdinfo_parse(t, sizeof(t) - 1, &fi), 0);
	cr_assert(fi.has_attachments);
	cr_assert(fi.attachments_skipped);
	cr_assert(!fi.devices_known);
	cr_assert_eq(fi.ndevices, 0);
	cr_assert_eq(fi.size, 8192);
	cr_assert_eq(fi.count, 2);
	assert_str(fi.exp_name, "system");
	assert_str(fi.name, "cam0");
}

/* A count is a number or "skipped"; anything else is no list. */
Test(fdinfo, attachments_garbled)
{
	static const char t[] = "size:\t1\nexp_name:\tx\nattachments:\tskip\nname:\tn\n";
	struct dbf_fdinfo fi;

	cr_assert_eq(dbf_fdinfo_parse(t, sizeof(t) - 1, &fi), 0);
	cr_assert(!fi.has_attachments);
	cr_assert(!fi.attachments_skipped);
	cr_assert(!fi.devices_known);
}

/* "attachments:\t0" is a list, empty; no such line is no list at all. */
Test(fdinfo, attachments_or_none)
{
	struct dbf_fdinfo fi;
	size_t len;
	char *t = read_fixture("linux-6.1-patched/proc/400/fdinfo/4", &len);

	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), 0);
	cr_assert(fi.has_attachments && fi.devices_known && !fi.attachments_skipped);
	cr_assert_eq(fi.ndevices, 0);
	free(t);
	t = read_fixture("linux-6.1-vgem/proc/90/fdinfo/6", &len);
	cr_assert_eq(dbf_fdinfo_parse(t, len, &fi), 0);
	cr_assert(!fi.has_attachments && !fi.devices_known);
	free(t);
}
