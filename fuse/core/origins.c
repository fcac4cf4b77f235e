// SPDX-License-Identifier: GPL-2.0-only
/* Origins from a dmabuffs mount's buffer files: see origins.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "escape.h"
#include "fileio.h"
#include "origins.h"
#include "parse.h"

/* The value of line "@key: ..." in @text, or NULL; *@n its length. */
static const char *field(const char *text, size_t len, const char *key, size_t *n)
{
	size_t k = strlen(key), pos = 0, ll;
	const char *l;

	while (dbf_next_line(text, len, &pos, &l, &ll)) {
		if (ll < k + 1 || !dbf_starts_with(l, ll, key, k) || l[k] != ':')
			continue;
		l += k + 1;
		ll -= k + 1;
		if (ll && *l == ' ')
			l++, ll--;
		*n = ll;
		return l;
	}
	return NULL;
}

/* "2026-12-06T13:21:42.600000000Z", as dbf_fput_time() writes it. */
static bool parse_time(const char *p, size_t n, struct timespec *t)
{
	char buf[40];
	struct tm tm = { 0 };
	long ns;
	int used = 0;
	const char *rest;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	rest = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest || sscanf(rest, ".%9ldZ%n", &ns, &used) != 1 || used != 11 ||
	    rest[used] || ns < 0)
		return false;
	t->tv_sec = timegm(&tm);
	t->tv_nsec = ns;
	return true;
}

/* One word of "exported-by:", \ooo-escaped: decoded into @a. */
static int word(struct dbf_arena *a, const char *p, size_t n, struct dbf_str *out)
{
	int r = dbf_arena_str(a, p, n, out);

	if (r < 0)
		return r;
	out->len = (uint32_t)dbf_unescape_octal((char *)out->p, out->len);
	return 0;
}

int dbf_origin_parse(const char *text, size_t len, uint64_t size,
		     struct dbf_arena *a, struct dbf_origin *o)
{
	const char *v, *sp1, *sp2, *end;
	size_t n;
	uint64_t sz, pid;
	int r;

	*o = (struct dbf_origin){ 0 };
	if (!(v = field(text, len, "size", &n)) || !dbf_parse_u64(v, n, 10, &sz))
		return -EINVAL;
	if (sz != size)
		return 0;
	if (!(v = field(text, len, "exported-at", &n)))
		return -EINVAL;
	if (n == 7 && !memcmp(v, "unknown", 7))
		return 0;
	if (!parse_time(v, n, &o->at))
		return -EINVAL;
	/* "PID COMM CGROUP", or nothing for a reader who may not see it */
	if (!(v = field(text, len, "exported-by", &n)))
		return -EINVAL;
	if (!n)
		return 1;
	end = v + n;
	sp1 = memchr(v, ' ', n);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
	if (!sp2 || memchr(sp2 + 1, ' ', (size_t)(end - sp2 - 1)) ||
	    !dbf_parse_u64(v, (size_t)(sp1 - v), 10, &pid) || !pid || pid > INT32_MAX)
		return -EINVAL;
	if ((r = word(a, sp1 + 1, (size_t)(sp2 - sp1 - 1), &o->comm)) < 0)
		return r;
	if (end - sp2 - 1 == 7 && !memcmp(sp2 + 1, "unknown", 7))
		o->cgroup = (struct dbf_str){ 0 };
	else if ((r = word(a, sp2 + 1, (size_t)(end - sp2 - 1), &o->cgroup)) < 0)
		return r;
	o->pid = (pid_t)pid;
	return 1;
}

static const struct dbf_origin *dup_origin(struct dbf_arena *a, const struct dbf_origin *o)
{
	struct dbf_origin *p = dbf_arena_alloc(a, sizeof(*p));

	if (p)
		*p = *o;
	return p;
}

int dbf_origins_read(struct dbf_snapshot *snap, const char *mnt, size_t *bad)
{
	struct dbf_origin o;
	struct dbf_buf_io io = { 0 };
	__do_close int dir = -1;
	int found = 0;

	*bad = 0;
	dir = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	/* every dmabuffs mount has it; anything else is not one */
	if (faccessat(dir, "by-inode", F_OK, 0) < 0 ||
	    faccessat(dir, "summary", F_OK, 0) < 0) {
		return -ENOTDIR;
	}
	for (size_t i = 0; i < snap->nbufs; i++) {
		struct dbf_buf *b = &snap->bufs[i];
		char path[40];
		int r;

		snprintf(path, sizeof(path), "by-inode/%" PRIu64, b->ino);
		if (dbf_read_at(dir, path, &io) < 0)
			continue;	/* not in the mount's view (yet, or any more) */
		r = dbf_origin_parse(io.p, io.len, b->size, snap->arena, &o);
		if (r > 0 && !(b->origin = dup_origin(snap->arena, &o)))
			r = -ENOMEM;
		if (r == -ENOMEM) {
			free(io.p);
			return r;
		}
		found += r > 0;
		*bad += r == -EINVAL;
	}
	free(io.p);
	return found;
}
