// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dmabuf/events: every change, one text line each, to every reader from
 * the moment it opened (docs/events.md). The receiver pushes the lines of
 * each rebuild into one ring; a read takes what its opener may see and,
 * when there is nothing, waits: the request is answered later, by the
 * push that brings a line for it (or by an interrupt). A reader too slow
 * for the ring loses its oldest lines and is told how many.
 *
 * One lock, the stream's, guards everything here. Lock order: a request's
 * own lock (libfuse holds it around an interrupt callback), then ours,
 * then libfuse's session lock (taken as we reply).
 */
#include "serve.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "events.h"
#include "evmerge.h"
#include "wire.h"
#include "log.h"

struct line {
	uint64_t seq;
	pid_t pid;			/* 0: about no process, for everyone */
	uid_t owner;			/* with pid: the process's dbf_proc owner */
	gid_t owner_gid;
	size_t len;
	char text[];
};

struct wait {
	fuse_req_t req;
	size_t size;
	struct wait *next;
};

struct view_reader {
	struct view_reader *next, **pprev;
	struct dbf_caller caller;	/* the opener's */
	uid_t uid;			/* the opener's, for the per-user cap */
	uint64_t seq;			/* the next line to look at */
	uint64_t avail;			/* lines from seq on it may read */
	uint64_t lost;			/* lines it may read, overwritten */
	size_t part;			/* bytes of line seq already read */
	struct wait *waits;		/* reads parked, oldest first */
	struct fuse_pollhandle *ph;	/* a poll waiting, or NULL */
};

static bool may_read(const struct view_reader *r, const struct line *l)
{
	const struct dbf_proc who = { .pid = l->pid, .owner = l->owner,
				      .owner_gid = l->owner_gid };

	return !l->pid || dbf_caller_sees(&r->caller, &who);
}

/* @r's parked reads: answered with @err (0: the end of the file), or not at all (-1). */
static void drop_waits(struct view_reader *r, int err)
{
	while (r->waits) {
		struct wait *w = r->waits;

		r->waits = w->next;
		if (err > 0)
			fuse_reply_err(w->req, err);
		else if (err == 0)
			fuse_reply_buf(w->req, NULL, 0);
		free(w);
	}
}

/* Wake @r's poll, if one waits. */
static void wake_poll(struct view_reader *r)
{
	if (r->ph) {
		fuse_lowlevel_notify_poll(r->ph);
		fuse_pollhandle_destroy(r->ph);
		r->ph = NULL;
	}
}

static struct line *ring_at(const struct view_stream *s, uint64_t seq)
{
	return s->ring[seq % s->cap];
}

int view_stream_init(struct view_stream *s, unsigned int cap, unsigned int cgroups)
{
	s->ring = calloc(cap, sizeof(*s->ring));
	s->merge = dbf_evmerge_new();
	s->counters = dbf_counters_new(cgroups);
	if (!s->ring || !s->merge || !s->counters) {
		free(s->ring);
		dbf_evmerge_free(s->merge);
		dbf_counters_free(s->counters);
		s->ring = NULL;
		return -ENOMEM;
	}
	dbf_evmerge_observe(s->merge, dbf_counters_scan, s->counters);
	s->cap = cap;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

/* After the session: readers the kernel had no time to release go too. */
void view_stream_free(struct view_stream *s)
{
	if (!s->ring)
		return;
	while (s->readers) {
		struct view_reader *r = s->readers;

		s->readers = r->next;
		drop_waits(r, -1);	/* view_stream_end() answered them */
		if (r->ph)
			fuse_pollhandle_destroy(r->ph);
		free(r);
	}
	for (unsigned int i = 0; i < s->cap; i++)
		free(s->ring[i]);
	free(s->ring);
	s->ring = NULL;
	dbf_evmerge_free(s->merge);
	s->merge = NULL;
	dbf_counters_free(s->counters);
	s->counters = NULL;
	pthread_mutex_destroy(&s->lock);
}

int view_stream_open(struct view *v, const struct dbf_caller *c, uid_t uid,
		     struct view_reader **out)
{
	struct view_stream *s = &v->stream;
	struct view_reader *r, *it;
	unsigned int mine = 0;

	pthread_mutex_lock(&s->lock);
	/* One user cannot take every reader (a shared mount's neighbours). */
	for (it = s->readers; it; it = it->next)
		mine += it->uid == uid;
	if (uid && mine >= DBF_STREAM_READERS_PER_USER) {
		pthread_mutex_unlock(&s->lock);
		return -EMFILE;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	r->caller = *c;
	r->uid = uid;
	r->seq = s->head;
	r->next = s->readers;
	r->pprev = &s->readers;
	if (s->readers)
		s->readers->pprev = &r->next;
	s->readers = r;
	/* The first reader: scans every interval, to tell what the trace cannot. */
	if (__atomic_add_fetch(&s->nreaders, 1, __ATOMIC_RELEASE) == 1)
		dbf_scanner_ask(&v->scanner, DBF_SCAN_WATCHED);
	pthread_mutex_unlock(&s->lock);
	*out = r;
	return 0;
}

void view_stream_release(struct view *v, struct view_reader *r)
{
	struct view_stream *s = &v->stream;

	pthread_mutex_lock(&s->lock);
	*r->pprev = r->next;
	if (r->next)
		r->next->pprev = r->pprev;
	if (!__atomic_sub_fetch(&s->nreaders, 1, __ATOMIC_RELEASE))
		dbf_scanner_ask(&v->scanner, DBF_SCAN_UNWATCHED);
	pthread_mutex_unlock(&s->lock);
	/* The kernel releases a file only once its reads are answered. */
	drop_waits(r, EBADF);
	if (r->ph)
		fuse_pollhandle_destroy(r->ph);
	free(r);
}

/* Has @r anything to read (a line, or news of lines lost)? Locked. */
static bool readable(const struct view_reader *r)
{
	return r->avail || r->lost;
}

/*
 * Up to @size bytes of whole lines for @r into @buf, a part of one line
 * only when @size cannot hold it. Locked. Returns the length.
 */
static size_t take(struct view_stream *s, struct view_reader *r, char *buf,
		   size_t size)
{
	size_t n = 0;

	if (r->lost) {
		char note[80];
		struct timespec now;
		FILE *f = fmemopen(note, sizeof(note), "w");
		long len;

		if (!f)
			return 0;
		clock_gettime(CLOCK_REALTIME, &now);
		len = dbf_event_lost_text(f, now, r->lost) == 0 ? ftell(f) : -1;
		fclose(f);
		if (len <= 0 || (size_t)len > size)
			return 0;	/* no reader asks for less than a line */
		memcpy(buf, note, (size_t)len);
		n = (size_t)len;
		r->lost = 0;
	}
	while (r->seq < s->head && n < size) {
		const struct line *l = ring_at(s, r->seq);
		size_t rest;

		if (!may_read(r, l)) {
			r->seq++;
			continue;
		}
		rest = l->len - r->part;
		if (rest > size - n) {
			if (n)
				break;	/* whole lines while they fit */
			memcpy(buf, l->text + r->part, size);
			r->part += size;
			return size;
		}
		memcpy(buf + n, l->text + r->part, rest);
		n += rest;
		r->part = 0;
		r->seq++;
		r->avail--;
	}
	return n;
}

/* Answer @req with what @r has; false when it has nothing. Locked. */
static bool answer(struct view_stream *s, struct view_reader *r, fuse_req_t req,
		   size_t size)
{
	char *buf;
	size_t n;

	if (!readable(r))
		return false;
	if (size > DBF_STREAM_READ_MAX)
		size = DBF_STREAM_READ_MAX;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return true;
	}
	n = take(s, r, buf, size);
	if (n)
		fuse_reply_buf(req, buf, n);
	else
		fuse_reply_err(req, EINVAL);	/* too small for the loss line */
	free(buf);
	return true;
}

/*
 * An interrupted read that waits: answer it EINTR. The reader may be gone
 * by now (answered, then closed), so look for the request in every one.
 */
static void on_interrupt(fuse_req_t req, void *data)
{
	struct view_stream *s = data;

	pthread_mutex_lock(&s->lock);
	for (struct view_reader *r = s->readers; r; r = r->next) {
		for (struct wait **pw = &r->waits; *pw; pw = &(*pw)->next) {
			struct wait *w = *pw;

			if (w->req != req)
				continue;
			*pw = w->next;
			free(w);
			fuse_reply_err(req, EINTR);
			pthread_mutex_unlock(&s->lock);
			return;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

void view_stream_read(struct view *v, struct view_reader *r, fuse_req_t req,
		      size_t size, bool nonblock)
{
	struct view_stream *s = &v->stream;
	struct wait *w, **pw;

	/* Before our lock (see the lock order); it may call on_interrupt() now. */
	fuse_req_interrupt_func(req, on_interrupt, s);
	pthread_mutex_lock(&s->lock);
	/* Reads are answered in order: none passes one that waits. */
	if (!r->waits && answer(s, r, req, size))
		goto out;
	if (s->ended) {
		fuse_reply_buf(req, NULL, 0);	/* the end of the stream */
		goto out;
	}
	if (nonblock) {
		fuse_reply_err(req, EAGAIN);
		goto out;
	}
	if (fuse_req_interrupted(req)) {
		fuse_reply_err(req, EINTR);
		goto out;
	}
	w = malloc(sizeof(*w));
	if (!w) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	*w = (struct wait){ .req = req, .size = size };
	for (pw = &r->waits; *pw; pw = &(*pw)->next)
		;
	*pw = w;
out:
	pthread_mutex_unlock(&s->lock);
}

void view_stream_poll(struct view *v, struct view_reader *r, fuse_req_t req,
		      struct fuse_pollhandle *ph)
{
	struct view_stream *s = &v->stream;
	unsigned int revents = 0;

	pthread_mutex_lock(&s->lock);
	if ((readable(r) && !r->waits) || s->ended)
		revents = POLLIN | POLLRDNORM;
	if (ph) {
		/* The newest poll is the one to wake. */
		if (r->ph)
			fuse_pollhandle_destroy(r->ph);
		r->ph = revents ? NULL : ph;
		if (revents)
			fuse_pollhandle_destroy(ph);
	}
	pthread_mutex_unlock(&s->lock);
	fuse_reply_poll(req, revents);
}

/* Put @l at the ring's head, making room; every reader counts it. Locked. */
static void push_line(struct view_stream *s, struct line *l)
{
	if (s->head >= s->cap) {
		const struct line *old = ring_at(s, s->head - s->cap);

		/* Readers still before it lose it. */
		for (struct view_reader *r = s->readers; r; r = r->next) {
			if (r->seq != old->seq)
				continue;
			if (may_read(r, old)) {
				r->lost++;
				r->avail--;
			}
			r->seq++;
			r->part = 0;
		}
		free(s->ring[s->head % s->cap]);
	}
	l->seq = s->head;
	s->ring[s->head % s->cap] = l;
	s->head++;
	for (struct view_reader *r = s->readers; r; r = r->next)
		r->avail += may_read(r, l);
}

/*
 * Lines of events, made only while someone reads (a reader sees the
 * lines from its open on). With @keep the lines wait there for their
 * tree, else they go to the ring at once.
 */
struct pusher {
	struct view_stream *s;
	struct view_lines *keep;
	FILE *f;
	char *text;
	size_t len;
};

static int push_event(void *ctx, const struct dbf_event *ev)
{
	struct pusher *p = ctx;
	struct line *l;
	int r;

	rewind(p->f);
	r = dbf_event_text(p->f, ev);
	if (r == 0 && fflush(p->f))
		r = -ENOMEM;
	if (r < 0)
		return r;
	l = malloc(sizeof(*l) + p->len);
	if (!l)
		return -ENOMEM;
	l->pid = ev->pid;
	l->owner = ev->owner;
	l->owner_gid = ev->owner_gid;
	l->len = p->len;
	memcpy(l->text, p->text, p->len);
	if (!p->keep) {
		push_line(p->s, l);
		return 0;
	}
	if (p->keep->n == p->keep->cap) {
		size_t cap = p->keep->cap ? p->keep->cap * 2 : 64;
		struct line **q = realloc(p->keep->l, cap * sizeof(*q));

		if (!q) {
			free(l);
			return -ENOMEM;
		}
		p->keep->l = q;
		p->keep->cap = cap;
	}
	p->keep->l[p->keep->n++] = l;
	return 0;
}

/* Every reader that can now read: its waiting reads, then its poll. Locked. */
static void wake(struct view_stream *s)
{
	for (struct view_reader *r = s->readers; r; r = r->next) {
		while (r->waits && readable(r)) {
			struct wait *w = r->waits;

			r->waits = w->next;
			answer(s, r, w->req, w->size);
			free(w);
		}
		if (readable(r))
			wake_poll(r);
	}
}

/* Start @p, with a memstream for the text of lines. */
static int pusher_open(struct pusher *p, struct view_stream *s, struct view_lines *keep)
{
	*p = (struct pusher){ .s = s, .keep = keep };
	p->f = open_memstream(&p->text, &p->len);
	return p->f ? 0 : -ENOMEM;
}

static void pusher_close(struct pusher *p)
{
	if (p->f)
		fclose(p->f);
	free(p->text);
}

int view_stream_merge(struct view *v, const struct dbf_snapshot *a,
		      const struct dbf_snapshot *b, struct view_lines *lines)
{
	struct view_stream *s = &v->stream;
	struct pusher p;
	int r;

	pthread_mutex_lock(&s->lock);
	/*
	 * Nobody reads: no lines to make (a reader sees those after it
	 * opened), and what the trace told nobody needs no confirming; the
	 * counters still count. With readers, the merge's diff feeds them.
	 */
	if (!__atomic_load_n(&s->nreaders, __ATOMIC_ACQUIRE)) {
		dbf_evmerge_reset(s->merge);
		r = dbf_events_diff(a, b, dbf_counters_scan, s->counters);
	} else if ((r = pusher_open(&p, s, lines)) == 0) {
		r = dbf_evmerge_scan(s->merge, a, b, push_event, &p);
		pusher_close(&p);
	} else {
		dbf_log(LOG_WARNING, "events: %s; a scan's events are lost", strerror(-r));
		r = dbf_events_diff(a, b, dbf_counters_scan, s->counters);
	}
	if (r == 0)
		r = dbf_counters_flush(s->counters, b);
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		dbf_log(LOG_WARNING, "events: %s; a scan's changes are not counted or told",
			strerror(-r));
	return r;
}

void view_stream_push(struct view *v, struct view_lines *lines)
{
	struct view_stream *s = &v->stream;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < lines->n; i++)
		push_line(s, lines->l[i]);
	wake(s);
	pthread_mutex_unlock(&s->lock);
	free(lines->l);
	*lines = (struct view_lines){ 0 };
}

struct dbf_counts *view_stream_counts(struct view *v)
{
	struct view_stream *s = &v->stream;
	struct dbf_counts *n;

	pthread_mutex_lock(&s->lock);
	n = dbf_counters_freeze(s->counters);
	pthread_mutex_unlock(&s->lock);
	return n;
}

int view_stream_trace(struct view *v, const struct dbf_snapshot *cur, const void *bytes,
		      size_t len)
{
	struct view_stream *s = &v->stream;
	struct dbf_event *evs;
	struct pusher p;
	size_t n;
	int r;

	r = dbf_wire_decode_events(bytes, len, &evs, &n);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	/* The first snapshot is where counting starts: nothing before it. */
	for (size_t i = 0; cur && i < n && r >= 0; i++)
		r = dbf_counters_trace(s->counters, cur, &evs[i]);
	if (r < 0)
		dbf_log(LOG_WARNING, "events: %s; traced events are not counted", strerror(-r));
	r = 0;
	if (!__atomic_load_n(&s->nreaders, __ATOMIC_ACQUIRE) || (r = pusher_open(&p, s, NULL)) < 0) {
		pthread_mutex_unlock(&s->lock);
		free(evs);
		if (r < 0)
			dbf_log(LOG_WARNING, "events: %s; traced events are lost", strerror(-r));
		return 0;
	}
	for (size_t i = 0; i < n && r >= 0; i++)
		r = dbf_evmerge_trace(s->merge, cur, &evs[i], push_event, &p);
	wake(s);
	pthread_mutex_unlock(&s->lock);
	pusher_close(&p);
	free(evs);
	if (r < 0)
		dbf_log(LOG_WARNING, "events: %s; traced events are lost", strerror(-r));
	return 0;
}

void view_stream_end(struct view *v)
{
	struct view_stream *s = &v->stream;

	pthread_mutex_lock(&s->lock);
	s->ended = true;
	wake(s);
	for (struct view_reader *r = s->readers; r; r = r->next) {
		drop_waits(r, 0);
		wake_poll(r);
	}
	pthread_mutex_unlock(&s->lock);
}
