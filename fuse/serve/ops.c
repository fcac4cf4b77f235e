// SPDX-License-Identifier: GPL-2.0-only
/* The request handlers: each answers from the newest published tree. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "render.h"

/*
 * Per open file: the text as it was at open, so reads agree. On a shared
 * mount a buffer file is one node for every caller, and its page cache
 * (which a private mmap fills) is everyone's: those reads get @pub, the
 * text of a caller who sees no holders (op_read()).
 */
struct open_text {
	int refs;			/* the open, and each read in flight */
	size_t len;
	const char *pub;		/* into text[], or NULL: reads are all direct */
	size_t pub_len;
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
}

/*
 * The node of entry @node that this caller gets: a split directory's
 * (tree.h) is its class's, whose name expires at once. So the kernel
 * looks the name up again, with the walker's credentials, at every path
 * walk, and each walk goes on in the walker's own node, whose listing
 * and names the kernel keeps apart. Its generation is its class's epoch:
 * a class that went to another caller is a new inode.
 */
static int seen_entry(struct view *v, const struct dbf_tree *t, fuse_req_t req,
		      struct fuse_entry_param *e, uint64_t node,
		      const struct stat *st)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	uint32_t epoch;
	uint16_t cls;

	fill_entry(v, t, e, node, st);
	if (!dbf_tree_split(t, node))
		return 0;
	cls = dbf_class_of(v->classes, ctx->uid, ctx->gid, &epoch);
	if (cls == DBF_CLASS_PUBLIC)
		return -ENOMEM;		/* no class, and no node to give */
	e->ino = dbf_tree_class_node(node, cls);
	e->generation += epoch;
	e->entry_timeout = 0;
	return 0;
}

/*
 * May this caller read directory @dir, and as whom? A class's node is
 * read as its class, by the class (or root); a node from an older tree
 * that now stands for something else is stale.
 */
static int dir_reader(struct view *v, const struct dbf_tree *t, fuse_req_t req,
		      uint64_t dir, struct dbf_caller *as)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	*as = req_caller(req);
	if (dbf_tree_stale(t, dir))
		return -ESTALE;
	if (dbf_node_is_class(dir) &&
	    !dbf_class_owns(v->classes, ctx->uid, ctx->gid, dbf_node_class(dir), as))
		return -EACCES;
	/* The kernel's mode check may have run on attributes it cached earlier. */
	return dbf_tree_may_enter(t, dir, as);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct view *v = userdata;

	/*
	 * Every node lists the same to whoever may read it (shared, a
	 * split directory is a node per caller class). Answering OPENDIR
	 * with ENOSYS once makes the kernel (5.1 on) open directories
	 * without asking, and cache their listings (FOPEN_CACHE_DIR and
	 * FOPEN_KEEP_CACHE) until the directory's mtime moves or it is
	 * invalidated (inval.c): a warm walk costs no round trip at all.
	 */
	v->no_opendir = conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT;
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
	struct dbf_tree *t = view_tree_fresh(v);
	struct fuse_entry_param e;
	struct dbf_caller as;
	struct stat st;
	uint64_t node;
	int r;

	r = dir_reader(v, t, req, parent, &as);
	if (r == 0)
		r = dbf_tree_lookup(t, parent, name, &as, &node, &st);
	if (r == 0)
		r = seen_entry(v, t, req, &e, node, &st);
	tree_unref(t);
	/*
	 * A negative entry, cached for one refresh interval: @parent lists
	 * the same to everyone who may read it.
	 */
	if (r == -ENOENT) {
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
	struct dbf_tree *t = view_tree_fresh(v);
	struct stat st;
	int r;

	(void)fi;
	r = dbf_tree_stale(t, ino) ? -ESTALE : dbf_tree_getattr(t, ino, &st);
	tree_unref(t);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, v->timeout);
}

/*
 * The text @caller reads from @ino, and, where the node's page cache is
 * everyone's, the text everyone may read, in one allocation.
 */
static int open_text_new(struct view *v, fuse_ino_t ino,
			 const struct dbf_caller *caller, struct open_text **out)
{
	const struct dbf_caller pub_caller = DBF_CALLER_PUBLIC;
	bool two = v->shared && dbf_node_kind(ino) == DBF_KIND_BUF;
	struct dbf_tree *t = view_tree_fresh(v);
	char *text, *pub = NULL;
	size_t len, pub_len = 0;
	struct open_text *o;
	int r;

	r = dbf_render(t, ino, caller, &text, &len);
	if (r == 0 && two) {
		r = dbf_render(t, ino, &pub_caller, &pub, &pub_len);
		if (r < 0)
			free(text);
	}
	tree_unref(t);
	if (r < 0)
		return r;
	o = malloc(sizeof(*o) + len + pub_len);
	if (o) {
		o->refs = 1;
		o->len = len;
		memcpy(o->text, text, len);
		o->pub = two ? o->text + len : NULL;
		o->pub_len = pub_len;
		if (pub_len)
			memcpy(o->text + len, pub, pub_len);
	}
	free(text);
	free(pub);
	*out = o;
	return o ? 0 : -ENOMEM;
}

/* /dmabuf/events is a stream (stream.c), every other file a text. */
static bool is_stream(fuse_ino_t ino)
{
	return ino == dbf_node(DBF_KIND_FIXED, DBF_NODE_EVENTS);
}

/* A reader from now on, as the opener: it sees what the opener may see. */
static void open_stream(fuse_req_t req, struct fuse_file_info *fi)
{
	struct view *v = req_view(req);
	struct dbf_caller caller = req_caller(req);
	struct view_reader *rd;
	int r;

	r = view_stream_open(v, &caller, fuse_req_ctx(req)->uid, &rd);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = (uintptr_t)rd;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		view_stream_release(v, rd);	/* the opener was interrupted */
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct view *v = req_view(req);
	struct dbf_caller caller = req_caller(req);
	struct open_text *o;
	int r;

	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (is_stream(ino)) {
		open_stream(req, fi);
		return;
	}
	r = open_text_new(v, ino, &caller, &o);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
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
	const char *text;
	size_t len;

	if (is_stream(ino)) {
		view_stream_read(req_view(req), (struct view_reader *)(uintptr_t)fi->fh,
				 req, size, fi->flags & O_NONBLOCK);
		return;
	}
	text = o->text;
	len = o->len;
	/*
	 * A read for the page cache (a private mmap faulting) carries no lock
	 * owner, a direct read(2) that of the reader's fd table (the kernel's
	 * fuse_direct_io()). The page cache is every caller's, so it gets the
	 * text every caller may read.
	 */
	if (o->pub && fi->lock_owner == 0) {
		text = o->pub;
		len = o->pub_len;
	}
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
	if (is_stream(ino))
		view_stream_release(req_view(req), (struct view_reader *)(uintptr_t)fi->fh);
	else
		text_unref((struct open_text *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* Only the stream waits; every other file is always readable. */
static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	if (is_stream(ino)) {
		view_stream_poll(req_view(req), (struct view_reader *)(uintptr_t)fi->fh,
				 req, ph);
		return;
	}
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, POLLIN | POLLRDNORM);
}

/*
 * How many entries @ino has, if this caller may read it, as whom (*@as);
 * else the error is the reply, @t is let go and the result is negative.
 */
static long enter_dir(fuse_req_t req, struct dbf_tree *t, fuse_ino_t ino,
		      struct dbf_caller *as)
{
	long n = dir_reader(req_view(req), t, req, ino, as);

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
	struct dbf_caller caller;
	struct dbf_tree *t;
	const struct dbf_dirver *ver;

	/* Once: the kernel sends no OPENDIR after this (op_init). */
	if (req_view(req)->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	t = view_tree_fresh(req_view(req));
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
	tree_unref(t);
	fuse_reply_open(req, fi);
}

/*
 * Offsets: 0 is ".", 1 is "..". Without OPENDIR, on a mount that is not
 * shared, 2 + i is child i in the low 32 bits, with the directory's tag
 * above them, which finds the kept tree the listing began in. Otherwise
 * an entry's offset is 3 + its key (dbf_tree_key()), and a read goes on
 * at the first entry with a greater key in the newest tree: an entry
 * there all along comes exactly once, and an offset says which entry it
 * follows and nothing else, not even, on a shared mount, what other
 * callers see around it. Each entry carries the offset of the next one,
 * as readdir expects.
 */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct view *v = req_view(req);
	struct dbf_caller caller;
	bool keyed = v->shared || !v->no_opendir;
	struct dbf_tree *t;
	char *buf, name[256];
	uint64_t tag = 0;
	size_t pos = 0;
	long i, n;

	(void)fi;
	if (off < 0)
		off = 0;
	/*
	 * Keyed, the newest tree, at offset 0 above all: a listing the
	 * kernel caches under the directory's current mtime is never one
	 * from an older snapshot.
	 */
	t = keyed ? view_tree_fresh(v) : view_listing_tree(v, ino, off);
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
			/* The reader's own node, as its lookup would give. */
			if (i < 2)
				fill_entry(v, t, &e, 0, &st);	/* no entry kept */
			else if (seen_entry(v, t, req, &e, node, &st) < 0)
				break;
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
	struct dbf_tree *t = view_tree_fresh(req_view(req));
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
	.poll		= op_poll,
	.opendir	= op_opendir,
	.readdir	= op_readdir,
	.readdirplus	= op_readdirplus,
	.statfs		= op_statfs,
	.setxattr	= op_setxattr,
	.getxattr	= op_getxattr,
	.listxattr	= op_listxattr,
	.removexattr	= op_removexattr,
};
