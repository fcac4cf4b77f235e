// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "fdinfo.h"
#include "parse.h"

/* "key:\t" prefix, value up to the end of the line */
static bool field(const char *line, size_t len, const char *key, size_t klen,
		  const char **val, size_t *vlen)
{
	if (len < klen + 2 || memcmp(line, key, klen) || line[klen] != ':' ||
	    line[klen + 1] != '\t')
		return false;
	*val = line + klen + 2;
	*vlen = len - klen - 2;
	return true;
}

#define FIELD(line, len, key, val, vlen) field(line, len, key, sizeof(key) - 1, val, vlen)

int dbf_fdinfo_parse(const char *buf, size_t len, struct dbf_fdinfo *out)
{
	size_t pos = 0, ll, vl;
	const char *line, *v;
	uint64_t n, attachments = 0;

	memset(out, 0, sizeof(*out));
	while (dbf_next_line(buf, len, &pos, &line, &ll)) {
		if (FIELD(line, ll, "name", &v, &vl)) {
			size_t end = len;

			/* The name runs to the end; only the final '\n' is not its own. */
			if (end > (size_t)(v - buf) && buf[end - 1] == '\n')
				end--;
			out->name = (struct dbf_str){ v, (uint32_t)(end - (size_t)(v - buf)) };
			out->has_name = true;
			break;
		}
		if (FIELD(line, ll, "mnt_id", &v, &vl)) {
			out->has_mnt_id = dbf_parse_u64(v, vl, 10, &out->mnt_id);
		} else if (FIELD(line, ll, "ino", &v, &vl)) {
			out->has_ino = dbf_parse_u64(v, vl, 10, &out->ino);
		} else if (FIELD(line, ll, "size", &v, &vl)) {
			out->has_size = dbf_parse_u64(v, vl, 10, &out->size);
		} else if (FIELD(line, ll, "count", &v, &vl)) {
			out->has_count = dbf_parse_u64(v, vl, 10, &n) && n <= INT64_MAX;
			out->count = (int64_t)n;
		} else if (FIELD(line, ll, "exp_name", &v, &vl)) {
			out->exp_name = (struct dbf_str){ v, (uint32_t)vl };
			out->has_exp_name = true;
		} else if (FIELD(line, ll, "attachments", &v, &vl)) {
			/* The kernel only tries the lock: busy means not known now. */
			if (vl == 7 && !memcmp(v, "skipped", 7))
				out->has_attachments = out->attachments_skipped = true;
			else
				out->has_attachments = dbf_parse_u64(v, vl, 10, &attachments);
		} else if (FIELD(line, ll, "attached_dev", &v, &vl)) {
			if (out->ndevices < DBF_FDINFO_MAX_DEVICES)
				out->devices[out->ndevices] = (struct dbf_str){ v, (uint32_t)vl };
			out->ndevices++;
		}
	}
	out->devices_known = out->has_attachments && !out->attachments_skipped &&
			     attachments == out->ndevices &&
			     out->ndevices <= DBF_FDINFO_MAX_DEVICES;
	if (!out->devices_known)
		out->ndevices = 0;
	if (!out->has_size || !out->has_exp_name)
		return -EINVAL;
	return 0;
}
