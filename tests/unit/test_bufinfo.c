// SPDX-License-Identifier: GPL-2.0-only
/* debugfs bufinfo: 7.3, 6.1, 5.x and 4.x formats, and text that fights back. */
#include <stdlib.h>

#include "bufinfo.h"
#include "helpers.h"

#define MAX_ROWS 32

struct rows {
	size_t n;
	struct dbf_bufinfo_entry e[MAX_ROWS];
	char *devs[MAX_ROWS];	/* devices joined by ',' */
};

static int collect(void *ctx, const struct dbf_bufinfo_entry *e)
{
	struct rows *r = ctx;
	size_t len = 1;
	char *d;

	cr_assert_lt(r->n, MAX_ROWS);
	for (uint32_t i = 0; i < e->ndevices; i++)
		len += e->devices[i].len + 1;
	d = calloc(1, len);
	for (uint32_t i = 0; i < e->ndevices; i++) {
		if (i)
			strcat(d, ",");
		strncat(d, e->devices[i].p, e->devices[i].len);
	}
	r->devs[r->n] = d;
	r->e[r->n++] = *e;
	r->e[r->n - 1].devices = NULL;	/* points into the parser's memory */
	return 0;
}

static char *text;

static void parse(const char *fixture, struct rows *r, struct dbf_bufinfo_summary *sum)
{
	size_t len;

	memset(r, 0, sizeof(*r));
	text = read_fixture(fixture, &len);
	cr_assert_eq(dbf_bufinfo_parse(text, len, collect, r, sum), 0);
}

static void done(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->devs[i]);
	free(text);
}

/* Find the row of @ino. */
static const struct dbf_bufinfo_entry *row(const struct rows *r, uint64_t ino, size_t *idx)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].ino == ino) {
			if (idx)
				*idx = i;
			return &r->e[i];
		}
	cr_assert_fail("no row for inode %llu", (unsigned long long)ino);
	return NULL;
}

Test(bufinfo, linux_6_1_vgem)
{
	struct dbf_bufinfo_summary sum;
	struct rows r;

	parse("linux-6.1-vgem/debug/dma_buf/bufinfo", &r, &sum);
	cr_assert(sum.has_header && sum.has_ino && sum.has_footer);
	cr_assert_eq(sum.footer_objects, 15);
	cr_assert_eq(sum.footer_bytes, 5701632);
	cr_assert_eq(sum.rows, 15);
	cr_assert_eq(sum.garbled, 0);
	cr_assert_eq(sum.rows_devices, 15);	/* each lists 0 devices */
	/* rows come newest first */
	cr_assert_eq(r.e[0].ino, 15);
	cr_assert_eq(r.e[0].size, 524288);
	cr_assert_eq(r.e[0].count, 3);
	cr_assert_eq(r.e[0].flags, 2);
	cr_assert_eq(r.e[0].mode, 0x80007);
	assert_str(r.e[0].exp_name, "drm");
	assert_str(r.e[0].name, "FRAMEBUFFER");
	assert_str(row(&r, 6, NULL)->name, "new\nline");
	assert_str(row(&r, 7, NULL)->name, "tab\there");
	assert_str(row(&r, 5, NULL)->name, "with space");
	cr_assert(!row(&r, 12, NULL)->has_name);		/* <none> */
	cr_assert(row(&r, 11, NULL)->has_name);
	cr_assert_eq(row(&r, 14, NULL)->count, 2);
	for (size_t i = 0; i < r.n; i++) {
		cr_assert(r.e[i].devices_known);
		cr_assert_eq(r.e[i].ndevices, 0);
		cr_assert_eq(r.e[i].ino, 15 - i);
	}
	done(&r);
}

/* Stock 7.3, captured: %08llu inodes, O_LARGEFILE in the mode, an attachment. */
Test(bufinfo, linux_7_3_vgem)
{
	struct dbf_bufinfo_summary sum;
	struct rows r;
	size_t i;

	parse("linux-7.3-vgem/debug/dma_buf/bufinfo", &r, &sum);
	cr_assert(sum.has_header && sum.has_ino && sum.has_footer);
	cr_assert_eq(sum.footer_objects, 7);
	cr_assert_eq(sum.footer_bytes, 5373952);
	cr_assert_eq(sum.rows, 7);
	cr_assert_eq(sum.garbled, 0);
	for (i = 0; i < r.n; i++) {
		cr_assert_eq(r.e[i].ino, 7 - i);	/* newest first */
		cr_assert_eq(r.e[i].mode, 0x2080007);
		cr_assert(r.e[i].devices_known);
	}
	assert_str(row(&r, 7, &i)->exp_name, "virtio_gpu");
	assert_str(r.e[i].name, "SCANOUT");
	cr_assert_str_eq(r.devs[i], "vgem");
	cr_assert_eq(r.e[i].count, 4);
	assert_str(row(&r, 1, &i)->name, "KERNELONLY");
	cr_assert_eq(r.e[i].count, 2);
	cr_assert_eq(r.e[i].size, 131072);
	cr_assert_str_eq(r.devs[i], "");
	done(&r);
}

/*
 * The same rows with inodes of a machine that has made many buffers: 7.x
 * numbers them in 64 bits and prints %08llu, zero-padded (decimal, not
 * octal) up to eight digits and wider past them.
 */
Test(bufinfo, linux_7_3_wide_inodes)
{
	struct dbf_bufinfo_summary sum;
	struct rows r;
	size_t i;

	parse("bufinfo/linux-7.3-wide.txt", &r, &sum);
	cr_assert_eq(sum.rows, 7);
	cr_assert_eq(sum.garbled, 0);
	cr_assert_eq(r.e[0].ino, 281474976710655ull);	/* 2^48 - 1 */
	assert_str(r.e[0].name, "SCANOUT");
	cr_assert_str_eq(r.devs[0], "vgem");
	cr_assert_eq(r.e[1].ino, 4294967296ull);	/* 2^32 */
	assert_str(r.e[1].name, "FRAMEBUFFER");
	cr_assert_eq(r.e[2].ino, 10);			/* "00000010" */
	cr_assert_eq(r.e[2].size, 2097152);
	cr_assert_eq(row(&r, 4, &i)->size, 1048576);
	done(&r);
}

Test(bufinfo, linux_5_10)
{
	struct dbf_bufinfo_summary sum;
	struct rows r;
	size_t i;

	parse("bufinfo/linux-5.10.txt", &r, &sum);
	cr_assert(sum.has_header && sum.has_ino && sum.has_footer);
	cr_assert_eq(sum.rows, 3);
	cr_assert_eq(sum.footer_bytes, 123469077);
	cr_assert(!row(&r, 17, &i)->has_name);		/* 5.x: empty, no <none> */
	cr_assert_str_eq(r.devs[i], "soc:gpu,1c00000.isp");
	cr_assert_eq(r.e[i].ndevices, 2);
	cr_assert_eq(r.e[i].size, 4096);
	assert_str(row(&r, 18, &i)->name, "cam\tpreview");
	cr_assert_str_eq(r.devs[i], "");
	cr_assert_eq(row(&r, 19, NULL)->size, 123456789);	/* wider than %08 */
	assert_str(row(&r, 19, NULL)->exp_name, "udmabuf");
	cr_assert_eq(sum.garbled, 0);
	done(&r);
}

Test(bufinfo, linux_4_19_has_no_ino)
{
	struct dbf_bufinfo_summary sum;
	struct rows r;

	parse("linux-4.19-anon/debug/dma_buf/bufinfo", &r, &sum);
	cr_assert(sum.has_header && !sum.has_ino && sum.has_footer);
	cr_assert_eq(sum.rows, 3);
	cr_assert_eq(sum.rows_noino, 3);
	cr_assert_eq(sum.rows_devices, 3);
	cr_assert_eq(sum.bytes_noino, 20480);
	cr_assert_eq(sum.footer_bytes, 20480);
	cr_assert(!r.e[0].has_ino);
	cr_assert_eq(r.e[0].size, 4096);
	cr_assert_eq(r.e[0].count, 4);
	assert_str(r.e[0].exp_name, "ion");
	cr_assert_str_eq(r.devs[0], "soc:gpu");
	cr_assert_eq(r.e[2].size, 8192);
	cr_assert_eq(sum.garbled, 0);
	done(&r);
}

Test(bufinfo, truncated)
{
	struct dbf_bufinfo_summary sum;
	struct rows r;

	/* cut inside the row of buffer 9: rows 15..10 are whole */
	parse("bufinfo/truncated.txt", &r, &sum);
	cr_assert(!sum.has_footer);
	cr_assert_eq(sum.rows, 6);
	for (size_t i = 0; i < 6; i++)
		cr_assert_eq(r.e[i].ino, 15 - i);
	assert_str(row(&r, 10, NULL)->name, "0123456789012345678901234567890");
	cr_assert_eq(row(&r, 10, NULL)->size, 65536);
	cr_assert_eq(sum.garbled, 1);
	cr_assert(!row(&r, 10, NULL)->devices_known);
	done(&r);
}

Test(bufinfo, garbled)
{
	struct dbf_bufinfo_summary sum;
	struct rows r;

	/*
	 * KERNELONLY lost a column and one CAMERA row has a letter in its size:
	 * neither is a row, and neither may leak into its neighbour's name.
	 * MAPONLY claims 7 devices and lists none.
	 */
	parse("bufinfo/garbled.txt", &r, &sum);
	cr_assert(sum.has_header && sum.has_footer);
	cr_assert_eq(sum.rows, 13);
	for (size_t i = 0; i < r.n; i++)
		cr_assert(r.e[i].ino != 14 && r.e[i].ino != 2);
	assert_str(row(&r, 15, NULL)->name, "FRAMEBUFFER");
	cr_assert(!row(&r, 15, NULL)->devices_known);
	assert_str(row(&r, 13, NULL)->name, "MAPONLY");
	cr_assert(!row(&r, 13, NULL)->devices_known);
	assert_str(row(&r, 3, NULL)->name, "CAMERA");
	cr_assert_eq(row(&r, 3, NULL)->size, 2097152);
	cr_assert(!row(&r, 3, NULL)->devices_known);
	assert_str(row(&r, 6, NULL)->name, "new\nline");
	cr_assert(row(&r, 6, NULL)->devices_known);
	cr_assert_eq(sum.garbled, 3);
	cr_assert_eq(sum.rows_devices, 10);
	done(&r);
}

Test(bufinfo, hostile_names_forge_nothing)
{
	struct dbf_bufinfo_summary sum;
	struct rows r;
	size_t i;

	parse("linux-6.1-hostile/debug/dma_buf/bufinfo", &r, &sum);
	cr_assert_eq(sum.rows, 6);
	cr_assert_eq(sum.garbled, 0);
	/* the real footer, not the one inside buffer 25's name */
	cr_assert(sum.has_footer);
	cr_assert_eq(sum.footer_objects, 6);
	cr_assert_eq(sum.footer_bytes, 269312);

	assert_str(row(&r, 21, NULL)->name, "X\nsize:\t1");
	cr_assert_eq(row(&r, 21, NULL)->size, 65536);
	assert_str(row(&r, 22, &i)->name, "a\n\tAttached Devices:\n\tevil");
	cr_assert_eq(r.e[i].ndevices, 0);
	cr_assert(r.e[i].devices_known);
	assert_str(row(&r, 23, &i)->name, "new\nline");
	cr_assert_str_eq(r.devs[i], "vgem,card1");
	assert_str(row(&r, 24, NULL)->name, "back\\slash");
	assert_str(row(&r, 25, NULL)->name, "y\n\nTotal 9 objects, 1 bytes");
	cr_assert_eq(row(&r, 25, NULL)->size, 2048);
	assert_str(row(&r, 26, NULL)->name, "x\nTotal 0 devices attached");
	cr_assert_eq(row(&r, 26, NULL)->size, 1024);
	done(&r);
}

Test(bufinfo, empty_and_junk)
{
	struct dbf_bufinfo_summary sum;
	struct rows r = { 0 };
	static const char junk[] = "\x01\x02\nTotal \n\tAttached Devices:\nsize\t\n";

	cr_assert_eq(dbf_bufinfo_parse("", 0, collect, &r, &sum), 0);
	cr_assert_eq(r.n, 0);
	cr_assert(!sum.has_header && !sum.has_footer);
	cr_assert_eq(dbf_bufinfo_parse(junk, sizeof(junk) - 1, collect, &r, &sum), 0);
	cr_assert_eq(r.n, 0);
}
