// SPDX-License-Identifier: GPL-2.0-only
/* Trace records as events, and the origins of the buffers they exported. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "live.h"

/* Bounds: a machine exporting faster than it frees keeps the newest. */
#define ORIGINS_MAX	65536
#define CGROUPS_MAX	256
#define WALK_DEPTH	32
#define WALK_ENTRIES	100000

struct origin {
	uint64_t ino;
	pid_t pid;
	uid_t owner;
	gid_t owner_gid;
	struct timespec at;
	char comm[DBF_TR_COMM_MAX];
	char *cgroup;		/* NULL: unknown */
};

struct cg {
	uint64_t id;
	char *path;		/* NULL: looked for, not found */
};

struct dbf_live {
	char *root;
	struct origin *o;	/* ascending ino */
	size_t n, cap;
	struct cg cgs[CGROUPS_MAX];
	size_t ncgs, next_cg;
};

struct dbf_live *dbf_live_new(const char *cgroup_root)
{
	struct dbf_live *l = calloc(1, sizeof(*l));

	if (l && !(l->root = strdup(cgroup_root))) {
		free(l);
		l = NULL;
	}
	return l;
}

void dbf_live_free(struct dbf_live *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->o[i].cgroup);
	for (size_t i = 0; i < l->ncgs; i++)
		free(l->cgs[i].path);
	free(l->o);
	free(l->root);
	free(l);
}

size_t dbf_live_norigins(const struct dbf_live *l)
{
	return l->n;
}

int64_t dbf_live_boot_to_real(void)
{
	struct timespec b, r;

	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_REALTIME, &r);
	return (int64_t)(r.tv_sec - b.tv_sec) * 1000000000 + (r.tv_nsec - b.tv_nsec);
}

/* ---- cgroup ids to paths ---- */

/* Whether @path under the root is the cgroup @id (its directory's inode). */
static bool is_cgroup(const struct dbf_live *l, const char *path, uint64_t id)
{
	char full[4096];
	struct stat st;

	if (snprintf(full, sizeof(full), "%s%s", l->root, path) >= (int)sizeof(full))
		return false;
	return stat(full, &st) == 0 && S_ISDIR(st.st_mode) && st.st_ino == id;
}

/* The "0::" line of /proc/<pid>/cgroup, if it names cgroup @id. */
static char *from_proc(const struct dbf_live *l, pid_t pid, uint64_t id)
{
	char file[64], line[4096];
	char *path = NULL;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (strncmp(line, "0::/", 4) || line[n - 1] != '\n')
			continue;
		line[n - 1] = 0;
		if (is_cgroup(l, line + 3, id))
			path = strdup(line + 3);
		break;
	}
	fclose(f);
	return path;
}

/* Depth first under @dir (@rel below the root) for the directory of inode @id. */
static char *walk(int dir, const char *rel, uint64_t id, int depth, size_t *budget)
{
	DIR *d = fdopendir(dir);
	struct dirent *e;
	char *found = NULL;

	if (!d) {
		close(dir);
		return NULL;
	}
	while (!found && (e = readdir(d)) && (*budget)--) {
		char sub[4096];
		int fd;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) >= (int)sizeof(sub))
			continue;
		if (e->d_ino == id) {
			found = strdup(sub);
			break;
		}
		if (depth >= WALK_DEPTH)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			found = walk(fd, sub, id, depth + 1, budget);
	}
	closedir(d);
	return found;
}

/*
 * The path of cgroup @id, as /proc/<pid>/cgroup prints it: from the
 * process if it is still there, else by looking through the hierarchy
 * (a process that exported and exited at once). NULL: unknown.
 */
static const char *cgroup_path(struct dbf_live *l, pid_t pid, uint64_t id)
{
	size_t budget = WALK_ENTRIES;
	struct cg *c;
	char *path;
	int fd;

	if (!id)
		return NULL;
	for (size_t i = 0; i < l->ncgs; i++)
		if (l->cgs[i].id == id && l->cgs[i].path)
			return l->cgs[i].path;
	path = from_proc(l, pid, id);
	if (!path && is_cgroup(l, "", id))
		path = strdup("/");
	if (!path && (fd = open(l->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		path = walk(fd, "", id, 1, &budget);
	if (!path)
		return NULL;
	/* Round robin: cgroups come and go, the cache keeps the recent. */
	if (l->ncgs < CGROUPS_MAX) {
		c = &l->cgs[l->ncgs++];
	} else {
		c = &l->cgs[l->next_cg];
		l->next_cg = (l->next_cg + 1) % CGROUPS_MAX;
		free(c->path);
	}
	*c = (struct cg){ id, path };
	return path;
}

/* ---- origins ---- */

/* The index of @ino, or where it would go. */
static size_t origin_at(const struct dbf_live *l, uint64_t ino)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->o[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void origin_forget(struct dbf_live *l, size_t i)
{
	free(l->o[i].cgroup);
	memmove(&l->o[i], &l->o[i + 1], (l->n - i - 1) * sizeof(*l->o));
	l->n--;
}

static int origin_add(struct dbf_live *l, const struct dbf_event *ev)
{
	size_t i = origin_at(l, ev->ino);
	struct origin o = {
		.ino = ev->ino, .pid = ev->pid, .owner = ev->owner,
		.owner_gid = ev->owner_gid, .at = ev->time,
	};

	if (i < l->n && l->o[i].ino == ev->ino)
		return 0;
	if (ev->cgroup.len && !(o.cgroup = strndup(ev->cgroup.p, ev->cgroup.len)))
		return -ENOMEM;
	snprintf(o.comm, sizeof(o.comm), "%s", ev->comm ? ev->comm : "");
	if (l->n == ORIGINS_MAX) {
		/* Inodes only grow: the smallest is the oldest. */
		origin_forget(l, 0);
		if (i)
			i--;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct origin *p = realloc(l->o, cap * sizeof(*p));

		if (!p) {
			free(o.cgroup);
			return -ENOMEM;
		}
		l->o = p;
		l->cap = cap;
	}
	memmove(&l->o[i + 1], &l->o[i], (l->n - i) * sizeof(*l->o));
	l->o[i] = o;
	l->n++;
	return 0;
}

static const unsigned int kinds[] = {
	[DBF_TR_EXPORT] = DBF_EV_EXPORT,
	[DBF_TR_FD] = DBF_EV_HOLD,
	[DBF_TR_MAP] = DBF_EV_HOLD,
	[DBF_TR_ATTACH] = DBF_EV_ATTACH,
	[DBF_TR_DETACH] = DBF_EV_DETACH,
	[DBF_TR_RELEASE] = DBF_EV_RELEASE,
	[DBF_TR_RENAME] = DBF_EV_RENAME,
};

static struct dbf_str field(const char *s)
{
	return (struct dbf_str){ s, (uint32_t)strlen(s) };
}

int dbf_live_event(struct dbf_live *l, const struct dbf_trace_rec *r,
		   int64_t boot_to_real, struct dbf_event *ev)
{
	int64_t ns = (int64_t)r->boot_ns + boot_to_real;
	const char *cg;

	if (!r->kind || r->kind > DBF_TR_KIND_MAX)
		return -EINVAL;
	*ev = (struct dbf_event){
		.time = { ns / 1000000000, ns % 1000000000 },
		.kind = kinds[r->kind],
		.source = DBF_EVS_TRACE,
		.ino = r->ino,
		.size = r->size,
		.exporter = field(r->exporter),
		.name = field(r->name),
		.has_name = r->flags & DBF_TR_HAS_NAME,
		.old_name = field(r->old_name),
		.had_name = r->flags & DBF_TR_HAD_NAME,
		.fd = r->kind == DBF_TR_FD ? r->fd : -1,
		.map = r->kind == DBF_TR_MAP,
		.device = field(r->device),
	};
	/* Who freed it says nothing about the buffer: a release is no one's. */
	if (r->kind == DBF_TR_RELEASE) {
		size_t i = origin_at(l, r->ino);

		if (i < l->n && l->o[i].ino == r->ino)
			origin_forget(l, i);
		return 0;
	}
	/* No process (an interrupt, say): the event is no one's. */
	if (r->tgid <= 0)
		return 0;
	cg = cgroup_path(l, r->tgid, r->cgroup_id);
	ev->pid = r->tgid;
	ev->owner = r->owner;
	ev->owner_gid = r->owner_gid;
	ev->comm = r->comm;
	ev->cgroup = cg ? field(cg) : (struct dbf_str){ 0 };
	if (r->kind == DBF_TR_EXPORT)
		return origin_add(l, ev);
	return 0;
}

int dbf_live_origins(struct dbf_live *l, struct dbf_snapshot *s)
{
	const unsigned int listing = DBF_SRC_BUFINFO | DBF_SRC_SYSFS | DBF_SRC_ITER;

	for (size_t i = 0; i < l->n;) {
		const struct origin *o = &l->o[i];
		struct dbf_buf *b = (struct dbf_buf *)dbf_snapshot_buf(s, o->ino);
		struct dbf_origin *bo;

		if (!b) {
			/*
			 * A second's margin: a traced time is the kernel's
			 * clock moved to the wall clock's, off by as long as
			 * the reader was kept from running.
			 */
			bool before = o->at.tv_sec + 1 < s->taken.tv_sec ||
				      (o->at.tv_sec + 1 == s->taken.tv_sec &&
				       o->at.tv_nsec < s->taken.tv_nsec);

			if (before && (s->sources & listing))
				origin_forget(l, i);
			else
				i++;
			continue;
		}
		bo = dbf_arena_alloc(s->arena, sizeof(*bo));
		if (!bo)
			return -ENOMEM;
		*bo = (struct dbf_origin){
			.pid = o->pid, .owner = o->owner, .owner_gid = o->owner_gid,
			.at = o->at,
		};
		/* The comm is NUL-terminated in the arena too. */
		if (dbf_arena_str(s->arena, o->comm, strlen(o->comm) + 1, &bo->comm) < 0 ||
		    (o->cgroup && dbf_arena_str(s->arena, o->cgroup, strlen(o->cgroup),
						&bo->cgroup) < 0))
			return -ENOMEM;
		bo->comm.len--;
		b->origin = bo;
		i++;
	}
	return 0;
}
