// SPDX-License-Identifier: GPL-2.0-only
/* A buffer's file: docs/layout.md lists its lines. */
#include <inttypes.h>

#include "escape.h"
#include "events.h"
#include "render_int.h"

/*
 * Who exported it and when, where the trace saw it; "unknown" where it
 * did not. The exporter is left out for a caller who may not look into
 * that process, as a holder is.
 */
static void render_origin(const struct dbf_buf *b, const struct dbf_caller *caller, FILE *f)
{
	const struct dbf_origin *o = b->origin;
	struct dbf_proc p;

	if (!o) {
		fputs("exported-by: unknown\nexported-at: unknown\n", f);
		return;
	}
	p = (struct dbf_proc){ .pid = o->pid, .owner = o->owner, .owner_gid = o->owner_gid };
	fputs("exported-by:", f);
	if (dbf_caller_sees(caller, &p)) {
		fprintf(f, " %d ", (int)o->pid);
		render_put_escaped(f, o->comm, dbf_escape_word);
		fputc(' ', f);
		if (o->cgroup.len)
			render_put_escaped(f, o->cgroup, dbf_escape_word);
		else
			fputs("unknown", f);
	}
	fputs("\nexported-at: ", f);
	dbf_fput_time(f, o->at);
	fputc('\n', f);
}

void render_buffer(const struct dbf_tree *t, const struct dbf_buf *b,
		   const struct dbf_caller *caller, FILE *f)
{
	const struct dbf_snapshot *s = t->snap;
	const struct dbf_holder *h = &s->holders[b->holder0];
	bool count = caller->sees == DBF_SEES_ALL;

	/*
	 * The refcount counts every holder's references: only for those who
	 * could read it in the fdinfo of a process of theirs.
	 */
	for (uint32_t i = 0; i < b->nholders && !count; i++)
		count = h[i].nfds && dbf_caller_sees(caller, &s->procs[h[i].proc]);

	/* An unknown or empty value is an empty one: "key:" and nothing. */
	fprintf(f, "inode: %" PRIu64 "\nsize: %" PRIu64 "\nexporter:",
		b->ino, b->size);
	if (b->exporter.len) {
		fputc(' ', f);
		render_put_text(f, b->exporter);
	}
	fputs("\nname:", f);
	if (b->has_name && b->name.len) {
		fputc(' ', f);
		render_put_text(f, b->name);
	}
	fputs("\nrefcount:", f);
	if (b->refcount >= 0 && count)
		fprintf(f, " %" PRId64, b->refcount);
	if (b->devices_known) {
		fputs("\ndevices:", f);
		for (uint32_t i = 0; i < b->ndevices; i++) {
			fputc(' ', f);
			render_put_text(f, b->devices[i]);
		}
	}
	/* Processes the caller may not look into are left out, as in procfs. */
	fputs("\npids:", f);
	for (uint32_t i = 0; i < b->nholders; i++)
		if (dbf_caller_sees(caller, &s->procs[h[i].proc]))
			fprintf(f, " %d", (int)s->procs[h[i].proc].pid);
	fputs("\nfds:", f);
	for (uint32_t i = 0; i < b->nholders; i++) {
		if (!dbf_caller_sees(caller, &s->procs[h[i].proc]))
			continue;
		for (uint32_t j = 0; j < h[i].nfds; j++)
			fprintf(f, " %d:%d", (int)s->procs[h[i].proc].pid,
				(int)s->fds[h[i].fd0 + j]);
	}
	fputs("\nmaps:", f);
	for (uint32_t i = 0; i < b->nholders; i++)
		if (h[i].maps && dbf_caller_sees(caller, &s->procs[h[i].proc]))
			fprintf(f, " %d:%" PRIu32 "%s", (int)s->procs[h[i].proc].pid,
				h[i].maps, h[i].maps_unverified ? "(unverified)" : "");
	/* A space inside a path is \040, so that the list splits on spaces. */
	fputs("\ncgroups:", f);
	for (uint32_t i = 0; i < b->nholders; i++) {
		const struct dbf_proc *p = &s->procs[h[i].proc];

		if (!dbf_caller_sees(caller, p))
			continue;
		fprintf(f, " %d:", (int)p->pid);
		if (dbf_cgroup_known(p->cgroup))
			render_put_escaped(f, p->cgroup, dbf_escape_word);
		else
			fputs("unknown", f);
	}
	fputc('\n', f);
	render_origin(b, caller, f);
}
