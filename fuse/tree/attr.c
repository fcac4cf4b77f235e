// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every kind of node uses: finding records by id and buffers by
 * inode, entry names, directory versions and attributes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bisect.h"
#include "tree_int.h"

/* ---- finding things ---- */

static uint64_t rec_id(const struct id_recs *r, uint32_t i)
{
	uint64_t id;

	memcpy(&id, (const char *)r->p + (size_t)i * r->size, sizeof(id));
	return id;
}

int id_cmp(const void *a, const void *b, void *arg)
{
	return u64_cmp(rec_id(arg, *(const uint32_t *)a),
		       rec_id(arg, *(const uint32_t *)b));
}

struct id_seek {
	const struct id_recs *r;
	const uint32_t *by;
	uint64_t id;
};

static int id_at(const void *arg, size_t i)
{
	const struct id_seek *k = arg;

	return u64_cmp(rec_id(k->r, k->by[i]), k->id);
}

int64_t id_find(const struct id_recs *r, const uint32_t *by, uint32_t n,
		uint64_t id)
{
	size_t i;

	if (!dbf_bisect_find(0, n, id_at, &(struct id_seek){ r, by, id }, &i))
		return -1;
	return by[i];
}

struct ino_seek {
	const struct dbf_snapshot *s;
	const uint32_t *idx;		/* a run of snap->bufs indices, or */
	const struct dbf_proc *p;	/* a process's holdings */
	uint64_t ino;
};

static int ino_at(const void *arg, size_t i)
{
	const struct ino_seek *k = arg;
	const struct dbf_buf *b = k->idx ? &k->s->bufs[k->idx[i]] :
				  holder_buf(k->s, k->p, (uint32_t)i);

	return u64_cmp(b->ino, k->ino);
}

const struct dbf_buf *run_find(const struct dbf_tree *t, const uint32_t *idx,
			       uint32_t lo, uint32_t hi, uint64_t ino)
{
	size_t i;

	return dbf_bisect_find(lo, hi, ino_at,
			       &(struct ino_seek){ .s = t->snap, .idx = idx, .ino = ino },
			       &i) ? &t->snap->bufs[idx[i]] : NULL;
}

const struct dbf_buf *proc_find(const struct dbf_snapshot *s,
				const struct dbf_proc *p, uint64_t ino)
{
	size_t i;

	return dbf_bisect_find(0, p->nph, ino_at,
			       &(struct ino_seek){ .s = s, .p = p, .ino = ino },
			       &i) ? holder_buf(s, p, (uint32_t)i) : NULL;
}

bool parse_name(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

/* ---- directory versions ---- */

/*
 * What a process's holdings add to @h: its owner too, since a new one
 * must reach the kernel's cached mode check and decides who sees what,
 * and its start time, since a reused pid is another process.
 */
uint64_t proc_hash(uint64_t h, const struct dbf_snapshot *s,
		   const struct dbf_proc *p)
{
	h = ver_mix(ver_mix(ver_mix(ver_mix(h, p->start_time), p->owner),
			    p->owner_gid), p->nph);
	for (uint32_t j = 0; j < p->nph; j++)
		h = ver_mix(h, holder_buf(s, p, j)->ino);
	return h;
}

/*
 * A directory that is new in this tree counts as changed: its node id may
 * have meant the same path before (a reused pid), with a listing the
 * kernel still caches. The first tree has nothing before it.
 */
void ver_set(const struct dbf_tree *t, struct dbf_dirver *v, uint64_t hash,
	     const struct dbf_tree *prev, const struct dbf_dirver *old)
{
	bool same = old && old->hash == hash;

	v->hash = hash;
	v->mtime = same ? old->mtime : t->snap->taken;
	v->changed = prev && !same;
}

void top_version(struct dbf_tree *t, const struct dbf_tree *prev, int key,
		 uint64_t hash)
{
	ver_set(t, &t->fixed[key], hash, prev, prev ? &prev->fixed[key] : NULL);
}

/* ---- attributes ---- */

void buf_attr(const struct dbf_tree *t, const struct dbf_buf *b,
	      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = b->ino;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;	/* every kind's links: dbf_tree_getattr() */
	st->st_uid = t->uid;
	st->st_gid = t->gid;
	st->st_size = (off_t)b->size;
	st->st_blocks = (blkcnt_t)((b->size + 511) / 512);
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = b->first_seen;
}

void dir_attr(const struct dbf_tree *t, uint64_t node,
	      const struct dbf_dirver *ver, nlink_t subdirs, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = is_fixed(node) ? FIXED_INO_BASE | dbf_node_key(node) : node;
	st->st_mode = S_IFDIR | 0555;
	st->st_nlink = 2 + subdirs;
	st->st_uid = t->uid;
	st->st_gid = t->gid;
	st->st_blksize = 4096;
	/*
	 * When the entries last changed: the kernel's cue to drop a cached
	 * listing. Shared, a directory whose entries are not everyone's
	 * business shows another time (kind_pid.c, kind_cgroup.c).
	 */
	st->st_atim = st->st_mtim = st->st_ctim = ver ? ver->mtime : t->snap->taken;
}

int buf_child(const struct dbf_buf *b, char name[256], uint64_t *node)
{
	if (b->ino > DBF_BUF_INO_MAX)
		return 1;	/* see note_wide() in tree.c */
	snprintf(name, 256, "%" PRIu64, b->ino);
	*node = dbf_buf_node(b->ino);
	return 0;
}

int buf_found(const struct dbf_buf *b, uint64_t *node)
{
	if (!b)
		return -ENOENT;
	*node = dbf_buf_node(b->ino);
	return 0;
}
