/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Collecting facts from each source, then joining them into a snapshot.
 * Each source module reports what it saw; the builder decides which source
 * wins when they disagree, so that policy lives in one place.
 */
#ifndef DMABUFFS_BUILDER_H
#define DMABUFFS_BUILDER_H

#include "snapshot.h"

/*
 * How much a name is trusted. The fd link and fdinfo carry the exact
 * bytes; maps escapes newlines but not backslashes, so "\012" there is
 * ambiguous; bufinfo columns can be split by tabs and newlines.
 */
enum dbf_name_rank {
	DBF_NAME_NONE = 0,
	DBF_NAME_BUFINFO,
	DBF_NAME_SYSFS,
	DBF_NAME_MAPS,
	DBF_NAME_EXACT,
};

struct dbf_buf_fact {
	uint64_t ino;
	uint64_t size;
	bool has_size;
	bool size_estimate;		/* a mapping's length, not the buffer's */
	struct dbf_str exporter;	/* len 0: unknown */
	struct dbf_str name;
	bool has_name;			/* false: unnamed per this source */
	enum dbf_name_rank name_rank;	/* DBF_NAME_NONE: says nothing */
	int64_t refcount;		/* -1: unknown */
	bool refcount_full;		/* bufinfo's count is the one to show */
	const struct dbf_str *devices;
	uint32_t ndevices;
	bool devices_known;
	unsigned int source;		/* one DBF_SRC_* */
};

static inline struct dbf_buf_fact dbf_buf_fact_init(uint64_t ino,
						    unsigned int source)
{
	return (struct dbf_buf_fact){ .ino = ino, .refcount = -1,
				      .source = source };
}

struct dbf_builder;

struct dbf_builder *dbf_builder_new(void);
void dbf_builder_free(struct dbf_builder *b);
/*
 * Forget every fact, keeping the memory for the next ones, and the
 * dma-buf device, name escaping and which sources list attachments,
 * which are facts about the kernel.
 * A scan collects each process in a builder of its own and merges it only
 * once the process was read whole: one that exits mid-scan leaves nothing.
 */
void dbf_builder_reset(struct dbf_builder *b);

/* Facts about one buffer; strings are copied. */
int dbf_builder_buf(struct dbf_builder *b, const struct dbf_buf_fact *f);
/* @pid holds buffer @ino through fd @fd. */
int dbf_builder_fd(struct dbf_builder *b, pid_t pid, int fd, uint64_t ino);
/*
 * @pid maps buffer @ino @count times, on device @dev (as the maps line
 * says), the longest mapping @len bytes, named @name (copied). A path is
 * only a name: at finish the mappings count only if @dev is the dma-buf
 * filesystem's, and are kept marked unverified when that is unknown.
 */
int dbf_builder_maps(struct dbf_builder *b, pid_t pid, uint64_t ino,
		     uint64_t dev, uint32_t count, uint64_t len,
		     struct dbf_str name);

/* The dma-buf filesystem's device (makedev() form), and how it was learned. */
void dbf_builder_set_dmabuf_dev(struct dbf_builder *b, uint64_t dev,
				unsigned int src);
unsigned int dbf_builder_dev_src(const struct dbf_builder *b);

/* A process that holds something. */
struct dbf_proc_fact {
	pid_t pid;
	uid_t uid, owner;		/* see struct dbf_proc */
	gid_t gid, owner_gid;
	uint64_t start_time;
	const char *comm;		/* NUL-terminated */
	struct dbf_str cgroup;		/* copied; len 0: unknown */
	uint32_t anon_fds, anon_maps;	/* pre-5.3 counts */
};
int dbf_builder_proc(struct dbf_builder *b, const struct dbf_proc_fact *p);
int dbf_builder_unreadable(struct dbf_builder *b, pid_t pid);

/* Whole-scan facts. */
void dbf_builder_set_sources(struct dbf_builder *b, unsigned int sources,
			     int bufinfo_err, size_t nprocs_scanned);
void dbf_builder_set_scanner(struct dbf_builder *b, unsigned int scanner);

/*
 * @src (DBF_SRC_BUFINFO, DBF_SRC_FDINFO) lists attachments on this kernel:
 * a fact about the kernel, kept across dbf_builder_reset().
 */
void dbf_builder_add_device_sources(struct dbf_builder *b, unsigned int src);

/* Buffers bufinfo listed without an inode (before 5.3). */
void dbf_builder_set_noino(struct dbf_builder *b, size_t count, uint64_t bytes);

/*
 * Kernels with the name hardening of kernel/patches print names in fdinfo
 * and bufinfo with control bytes and backslash as \ooo. That is seen when
 * a name from fdinfo is the octal-escaped form of the fd link's name; from
 * then on bufinfo names are decoded.
 */
void dbf_builder_set_names_escaped(struct dbf_builder *b);
bool dbf_builder_names_escaped(const struct dbf_builder *b);

/* Move everything @src collected into @dst (parallel scans). */
int dbf_builder_merge(struct dbf_builder *dst, const struct dbf_builder *src);

/* Join everything into a snapshot; frees @b whatever happens. */
int dbf_builder_finish(struct dbf_builder *b, const struct timespec *taken,
		       const struct dbf_snapshot *prev,
		       struct dbf_snapshot **out);

#endif
