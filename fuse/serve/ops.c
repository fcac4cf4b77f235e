// SPDX-License-Identifier: GPL-2.0-only
/* The request handlers: each answers from the newest published tree. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "render.h"

/*
 * Per open file: the text as it was at open, so reads agree. It is the
 * text of the node's caller class, which alone reads that node's page
 * cache (tree.h).
 */
struct open_text {
	int refs;			/* the open, and each read in flight */
	size_t len;
	char text[];
};

static struct view *req_view(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Who asks, by fsuid and fsgid, which procfs checks too. */
static struct dbf_caller req_caller(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return dbf_caller(ctx->uid, ctx->gid);
}

/* The caller class whose buffer nodes a request gets (tree.h). */
static uint16_t req_class(struct view *v, fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	if (!v->shared)
		return DBF_CLASS_ROOT;
	return dbf_class_of(v->classes, ctx->uid, ctx->gid);
}

static void fill_entry(struct view *v, const struct dbf_tree *t,
		       struct fuse_entry_param *e, uint64_t node,
		       const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->ino = node;
	e->generation = dbf_tree_generation(t, node);
	e->attr = *st;
	e->attr_timeout = v->timeout;
	e->entry_timeout = v->timeout;
	/*
	 * Shared, every caller class has its own node for a buffer. A name
	 * that expired at once is looked up again at every path walk, with
	 * the walker's credentials, so each walk ends on the walker's node
	 * and never on one another caller's walk left in the dentry cache.
	 */
	if (v->shared && dbf_node_kind(node) == DBF_KIND_BUF) {
		e->entry_timeout = 0;
		/*
		 * A class that went to another caller is a new generation:
		 * the kernel then drops the inode (and page cache) it kept
		 * for the old one rather than reuse it (tree.h).
		 */
		e->generation += dbf_class_epoch(v->classes, dbf_node_class(node));
	}
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct view *v = userdata;

	/*
	 * Not shared, every caller gets the same listing. Answering OPENDIR
	 * with ENOSYS once makes the kernel (5.1 on) open directories
	 * without asking, and cache their listings (FOPEN_CACHE_DIR and
	 * FOPEN_KEEP_CACHE) until the directory's mtime moves or it is
	 * invalidated (changed()): a warm walk costs no round trip at all.
	 * Shared, pid and cgroup directories list per caller and must not
	 * be cached, so OPENDIR stays.
	 */
	v->no_opendir = !v->shared && (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
	/* Names come and go with processes; no writeback, no locks. */
	conn->want &= ~(unsigned int)(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_POSIX_LOCKS |
				      FUSE_CAP_FLOCK_LOCKS);
	/*
	 * Attributes cost nothing here, and a listing that switches to plain
	 * readdir after its first page makes the kernel look up every later
	 * name one by one (du, find and ls -l stat them all).
	 */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want &= ~(unsigned int)FUSE_CAP_READDIRPLUS_AUTO;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct view *v = req_view(req);
	struct dbf_caller caller = req_caller(req);
	struct dbf_tree *t = view_tree(v);
	struct fuse_entry_param e;
	struct stat st;
	uint64_t node;
	bool mine;	/* the answer is the caller's own */
	int r;

	/* The kernel's mode check may have run on attributes it cached earlier. */
	r = dbf_tree_may_enter(t, parent, &caller);
	if (r == 0)
		r = dbf_tree_lookup(t, parent, name, &caller, &node, &st);
	if (r == 0) {
		node = dbf_node_for(node, req_class(v, req));
		fill_entry(v, t, &e, node, &st);
	}
	mine = dbf_tree_per_caller(t, parent);
	tree_unref(t);
	/*
	 * A negative entry, cached for one refresh interval; but not where
	 * the answer was this caller's alone: ENOENT as an error leaves the
	 * kernel nothing to reuse for the next caller.
	 */
	if (r == -ENOENT && !mine) {
		memset(&e, 0, sizeof(e));
		e.entry_timeout = v->timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fuse_reply_entry(req, &e);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	/*
	 * Node ids are derived from keys (and caller classes, which live as
	 * long as the mount): there is nothing to release.
	 */
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct view *v = req_view(req);
	struct dbf_tree *t = view_tree(v);
	struct stat st;
	int r;

	(void)fi;
	r = dbf_tree_getattr(t, ino, &st);
	tree_unref(t);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, v->timeout);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct view *v = req_view(req);
	struct dbf_caller caller = req_caller(req);
	uint16_t cls = dbf_node_class(ino);
	struct dbf_tree *t;
	struct open_text *o;
	char *text;
	size_t len;
	int r;

	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	/*
	 * Shared, a buffer's text is its node's class's, whoever opens it:
	 * reads from a private mmap keep the pages in the node's page cache,
	 * where that class's later mappings find them. A walk always ends on
	 * the walker's own node; anyone else but root (a process that
	 * changed credentials on a file it had resolved, or whose class went
	 * to another caller since) is refused.
	 */
	if (v->shared && dbf_node_kind(ino) == DBF_KIND_BUF &&
	    !dbf_class_owns(v->classes, fuse_req_ctx(req)->uid, fuse_req_ctx(req)->gid,
			    cls, &caller)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	t = view_tree(v);
	r = dbf_render(t, ino, &caller, &text, &len);
	tree_unref(t);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	o = malloc(sizeof(*o) + len);
	if (!o) {
		free(text);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	o->refs = 1;
	o->len = len;
	memcpy(o->text, text, len);
	free(text);
	fi->fh = (uintptr_t)o;
	/* The text is not st_size bytes long: bypass the page cache. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 0;
	if (fuse_reply_open(req, fi) == -ENOENT)
		free(o);	/* the opener was interrupted */
}

static void text_unref(struct open_text *o)
{
	if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(o);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct open_text *o = (struct open_text *)(uintptr_t)fi->fh;
	const char *text = o->text;
	size_t len = o->len;

	(void)ino;
	/*
	 * Direct reads and those that fill the page cache (a private mmap)
	 * get the same text: the node's page cache is its class's alone.
	 */
	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	/*
	 * The reader may close once the kernel has the reply, before
	 * fuse_reply_buf() returns here: release must not free it under us.
	 */
	__atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
	fuse_reply_buf(req, text + off, size);
	text_unref(o);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	text_unref((struct open_text *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/*
 * How many entries @ino has for @caller, who may enter it; else the
 * error is the reply, @t is let go and the result is negative.
 */
static long enter_dir(fuse_req_t req, struct dbf_tree *t, fuse_ino_t ino,
		      const struct dbf_caller *caller)
{
	long n = dbf_tree_may_enter(t, ino, caller);

	if (n == 0)
		n = dbf_tree_nchildren(t, ino);
	if (n < 0) {
		tree_unref(t);
		fuse_reply_err(req, (int)-n);
	}
	return n;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dbf_caller caller = req_caller(req);
	struct dbf_tree *t;
	const struct dbf_dirver *ver;

	/* Once: the kernel sends no OPENDIR after this (op_init). */
	if (req_view(req)->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	t = view_tree(req_view(req));
	/* The kernel's mode check may have run on attributes it cached earlier. */
	if (enter_dir(req, t, ino, &caller) < 0)
		return;
	/*
	 * The handle keeps nothing: every read lists from the newest tree
	 * (do_readdir), so an open directory holds no snapshot, however
	 * long it stays open.
	 */
	fi->fh = 0;
	/*
	 * Let the kernel cache the listing. Keep what it cached only if the
	 * entries did not change in this snapshot; an older change shows in
	 * the directory's mtime, which the kernel checks before reusing it.
	 */
	ver = dbf_tree_dirver(t, ino);
	fi->cache_readdir = 1;
	fi->keep_cache = ver && !ver->changed;
	/*
	 * Shared, a pid or cgroup directory answers each caller its own way,
	 * and its mtime does not follow its entries (tree/attr.c).
	 */
	if (dbf_tree_per_caller(t, ino))
		fi->cache_readdir = fi->keep_cache = 0;
	tree_unref(t);
	fuse_reply_open(req, fi);
}

/*
 * Offsets: 0 is ".", 1 is "..". Without OPENDIR (a mount that is not
 * shared), 2 + i is child i in the low 32 bits, with the directory's tag
 * above them, which finds the kept tree the listing began in. With
 * OPENDIR, an entry's offset is 3 + its key (dbf_tree_key()), and a read
 * goes on at the first entry with a greater key in the newest tree: an
 * entry there all along comes exactly once, and an offset says which
 * entry it follows and nothing else, not even, on a shared mount, what
 * other callers see around it. Each entry carries the offset of the next
 * one, as readdir expects.
 */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct view *v = req_view(req);
	struct dbf_caller caller = req_caller(req);
	uint16_t cls = plus ? req_class(v, req) : DBF_CLASS_ROOT;
	bool keyed = !v->no_opendir;
	struct dbf_tree *t;
	char *buf, name[256];
	uint64_t tag = 0;
	size_t pos = 0;
	long i, n;

	(void)fi;
	if (off < 0)
		off = 0;
	/*
	 * With OPENDIR, the newest tree, at offset 0 above all: a listing
	 * the kernel caches under the directory's current mtime is never
	 * one from an older snapshot.
	 */
	t = keyed ? view_tree(v) : view_listing_tree(v, ino, off);
	n = enter_dir(req, t, ino, &caller);
	if (n < 0)
		return;
	if (!keyed)
		tag = (uint64_t)view_dir_tag(t, ino) << 32;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	if (off < 2)
		i = (long)off;
	else if (keyed)
		i = 2 + (long)dbf_tree_seek(t, ino, (uint64_t)off - 2);
	else
		i = (long)(off & 0xffffffff);
	for (; i < n + 2; i++) {
		struct fuse_entry_param e;
		struct stat st;
		uint64_t node;
		off_t next;
		size_t len;

		next = keyed && i >= 2 ? (off_t)(3 + dbf_tree_key(t, ino, (size_t)(i - 2))) :
					 (off_t)(tag | (uint64_t)(i + 1));
		if (i < 2) {
			node = i == 0 ? ino : dbf_tree_parent(t, ino);
			if (dbf_tree_getattr(t, node, &st) < 0)
				continue;
			strcpy(name, i == 0 ? "." : "..");
		} else if (dbf_tree_child(t, ino, (size_t)(i - 2), &caller,
					  name, &node, &st) != 0) {
			continue;
		}
		if (plus) {
			/* The reader's own nodes, as its lookups would give. */
			fill_entry(v, t, &e, dbf_node_for(node, cls), &st);
			if (i < 2)
				e.ino = 0;	/* the kernel keeps no entry for these */
			len = fuse_add_direntry_plus(req, buf + pos, size - pos, name,
						     &e, next);
		} else {
			len = fuse_add_direntry(req, buf + pos, size - pos, name, &st,
						next);
		}
		if (len > size - pos)
			break;
		pos += len;
	}
	/* Before the reply, which the next read may follow at once. */
	if (!keyed && i < n + 2)
		view_keep_listing(v, t, ino);
	fuse_reply_buf(req, buf, pos);
	free(buf);
out:
	tree_unref(t);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct dbf_tree *t = view_tree(req_view(req));
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	/* df shows the dma-buf memory in use; nothing is free. */
	sv.f_bsize = 4096;
	sv.f_frsize = 512;
	sv.f_blocks = (fsblkcnt_t)((t->snap->total_bytes + 511) / 512);
	sv.f_files = (fsfilcnt_t)t->snap->nbufs;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY;
	tree_unref(t);
	fuse_reply_statfs(req, &sv);
}

/* Nothing has extended attributes; ENOSYS makes the kernel stop asking. */
static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	fuse_reply_err(req, ENOSYS);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	(void)size;
	fuse_reply_err(req, ENOSYS);
}

/*
 * Every change is refused. The ro mount stops them in the kernel, but
 * root can remount it rw, and then they come here. WRITE never does:
 * op_open() gives no handle to write with.
 */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	(void)ino;
	(void)attr;
	(void)to_set;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	fuse_reply_err(req, EROFS);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	(void)parent;
	(void)name;
	(void)mode;
	fuse_reply_err(req, EROFS);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	(void)parent;
	(void)name;
	(void)newparent;
	(void)newname;
	(void)flags;
	fuse_reply_err(req, EROFS);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EROFS);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	(void)ino;
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	fuse_reply_err(req, EROFS);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino;
	(void)name;
	fuse_reply_err(req, EROFS);
}

const struct fuse_lowlevel_ops view_ops = {
	.init		= op_init,
	.lookup		= op_lookup,
	.forget		= op_forget,
	.forget_multi	= op_forget_multi,
	.getattr	= op_getattr,
	.setattr	= op_setattr,
	.mknod		= op_mknod,
	.mkdir		= op_mkdir,
	.unlink		= op_unlink,
	.rmdir		= op_unlink,
	.symlink	= op_symlink,
	.rename		= op_rename,
	.link		= op_link,
	.create		= op_create,
	.open		= op_open,
	.read		= op_read,
	.release	= op_release,
	.opendir	= op_opendir,
	.readdir	= op_readdir,
	.readdirplus	= op_readdirplus,
	.statfs		= op_statfs,
	.setxattr	= op_setxattr,
	.getxattr	= op_getxattr,
	.listxattr	= op_listxattr,
	.removexattr	= op_removexattr,
};
