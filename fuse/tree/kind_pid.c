// SPDX-License-Identifier: GPL-2.0-only
/*
 * by-pid/<pid>: one directory per holding process, listing what it
 * holds, and by-pid/ itself. Like /proc/<pid>, each is its owner's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tree_int.h"

static const struct dbf_proc *pid_proc(const struct dbf_tree *t, uint64_t node)
{
	return dbf_snapshot_proc(t->snap, (pid_t)dbf_node_key(node));
}

static void pid_free(struct dbf_tree *t, enum dbf_node_kind k)
{
	(void)k;
	free(t->pid_ver);
}

static size_t pid_ndirs(const struct dbf_tree *t, enum dbf_node_kind k)
{
	(void)k;
	return t->snap->nprocs;
}

static uint64_t pid_dir(const struct dbf_tree *t, enum dbf_node_kind k, size_t i)
{
	return dbf_node(k, (uint64_t)t->snap->procs[i].pid);
}

static const struct dbf_dirver *pid_dirver(const struct dbf_tree *t,
					   uint64_t dir)
{
	const struct dbf_proc *p = pid_proc(t, dir);

	return p ? &t->pid_ver[p - t->snap->procs] : NULL;
}

/* Every process's directory, and by-pid/'s: the pids. */
static int pid_versions(struct dbf_tree *t, const struct dbf_tree *prev,
			enum dbf_node_kind k)
{
	const struct dbf_snapshot *s = t->snap;
	uint64_t top = ver_mix(VER_HASH0, s->nprocs);

	t->pid_ver = calloc(s->nprocs ? s->nprocs : 1, sizeof(*t->pid_ver));
	if (!t->pid_ver)
		return -ENOMEM;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct dbf_proc *p = &s->procs[i];

		ver_set(t, &t->pid_ver[i], proc_hash(VER_HASH0, s, p), prev,
			prev ? pid_dirver(prev, dbf_node(k, (uint64_t)p->pid)) : NULL);
		top = ver_mix(top, (uint64_t)p->pid);
	}
	top_version(t, prev, DBF_NODE_BY_PID, top);
	return 0;
}

static uint64_t pid_parent(const struct dbf_tree *t, uint64_t dir)
{
	(void)t;
	(void)dir;
	return fixed_node(DBF_NODE_BY_PID);
}

/*
 * Like /proc/<pid>/fd: the process's owner, root:root when procfs shows
 * it to root alone, and only the owner (and root) may list it.
 * default_permissions then keeps others out, and dbf_tree_may_enter()
 * checks the gid too, and what the kernel cached.
 */
static void pid_attr(const struct dbf_tree *t, const struct dbf_proc *p,
		     struct stat *st)
{
	uint64_t node = dbf_node(DBF_KIND_PID, (uint64_t)p->pid);

	dir_attr(t, node, pid_dirver(t, node), 0, st);
	/*
	 * Shared, everyone may stat it, and its mtime would say when the
	 * process's holdings last changed: it is the snapshot's instead. So
	 * the kernel reads the listing again once per snapshot, and answers
	 * from what it cached, on its own mode check, for no longer.
	 */
	if (t->shared)
		st->st_atim = st->st_mtim = st->st_ctim = t->snap->taken;
	st->st_mode = S_IFDIR | 0500;
	st->st_uid = p->owner;
	st->st_gid = p->owner ? p->owner_gid : 0;
}

static int pid_getattr(const struct dbf_tree *t, uint64_t node, struct stat *st)
{
	const struct dbf_proc *p;

	if (is_fixed(node)) {
		dir_attr(t, node, fixed_ver(t, node), t->snap->nprocs, st);
		return 0;
	}
	p = pid_proc(t, node);
	if (!p)
		return -ENOENT;
	pid_attr(t, p, st);
	return 0;
}

/*
 * by-pid/ resolves a pid; a pid directory's entries are its owner's,
 * whom dbf_tree_may_enter() alone lets in: no caller to check here.
 */
static int pid_lookup(const struct dbf_tree *t, uint64_t dir, const char *name,
		      const struct dbf_caller *c, uint64_t *node)
{
	const struct dbf_proc *p;
	uint64_t v;

	(void)c;
	if (is_fixed(dir)) {
		if (!parse_name(name, INT32_MAX, &v) ||
		    !dbf_snapshot_proc(t->snap, (pid_t)v))
			return -ENOENT;
		*node = dbf_node(DBF_KIND_PID, v);
		return 0;
	}
	p = pid_proc(t, dir);
	if (!p || !parse_name(name, DBF_BUF_INO_MAX, &v))
		return -ENOENT;
	return buf_found(proc_find(t->snap, p, v), node);
}

static long pid_nchildren(const struct dbf_tree *t, uint64_t dir)
{
	const struct dbf_proc *p;

	if (is_fixed(dir))
		return (long)t->snap->nprocs;
	p = pid_proc(t, dir);
	return p ? (long)p->nph : -ENOENT;
}

static int pid_child(const struct dbf_tree *t, uint64_t dir, size_t i,
		     const struct dbf_caller *c, char name[256], uint64_t *node)
{
	const struct dbf_proc *p;

	(void)c;
	if (is_fixed(dir)) {
		if (i >= t->snap->nprocs)
			return -ENOENT;
		p = &t->snap->procs[i];
		snprintf(name, 256, "%d", (int)p->pid);
		*node = dbf_node(DBF_KIND_PID, (uint64_t)p->pid);
		return 0;
	}
	p = pid_proc(t, dir);
	if (!p || i >= p->nph)
		return -ENOENT;
	return buf_child(holder_buf(t->snap, p, (uint32_t)i), name, node);
}

static uint64_t pid_key(const struct dbf_tree *t, uint64_t dir, size_t i)
{
	if (is_fixed(dir))
		return (uint64_t)t->snap->procs[i].pid;
	return holder_buf(t->snap, pid_proc(t, dir), (uint32_t)i)->ino;
}

/*
 * One link per holding process. Shared, the holders are not everyone's
 * to count: by-pid/ then counts as one link, held or not, which keeps du
 * from counting a buffer twice there.
 */
static nlink_t pid_links(const struct dbf_tree *t, enum dbf_node_kind k,
			 const struct dbf_buf *b)
{
	(void)k;
	return t->shared ? 1 : b->nholders;
}

/* A reused pid is another process: the kernel must not mix them up. */
static uint64_t pid_generation(const struct dbf_tree *t, uint64_t node)
{
	const struct dbf_proc *p;

	if (is_fixed(node))
		return 0;
	p = pid_proc(t, node);
	return p ? p->start_time : 0;
}

static int pid_may_enter(const struct dbf_tree *t, uint64_t dir,
			 const struct dbf_caller *c)
{
	const struct dbf_proc *p;

	if (is_fixed(dir))
		return 0;
	p = pid_proc(t, dir);
	if (!p)
		return -ENOENT;
	return dbf_caller_sees(c, p) ? 0 : -EACCES;
}

const struct kind_ops kind_pid = {
	.versions = pid_versions, .free = pid_free,
	.ndirs = pid_ndirs, .dir = pid_dir, .dirver = pid_dirver,
	.parent = pid_parent,
	.getattr = pid_getattr, .lookup = pid_lookup,
	.nchildren = pid_nchildren, .child = pid_child, .key = pid_key,
	.links = pid_links,
	.generation = pid_generation, .may_enter = pid_may_enter,
};
