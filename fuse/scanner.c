// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scanner process: forked before mounting, it loads the BPF iterators
 * (--scanner), drops to the service user with CAP_DAC_READ_SEARCH and, for
 * the procfs scanner, CAP_SYS_PTRACE alone, installs its seccomp filter,
 * and then scans, sends and sleeps until the server goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf_scan.h"
#include "bpf_trace.h"
#include "live.h"
#include "sandbox.h"
#include "scanner.h"
#include "log.h"
#include "wire.h"

/* The child's fds: the frame pipe's write end, the control pipe's read end. */
#define FD_FRAMES	3
#define FD_CTL		4
#define FD_NULL		5

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_frame(uint32_t type, int err, const char *payload, size_t len)
{
	struct dbf_wire_hdr h = {
		.magic = DBF_WIRE_MAGIC,
		.version = DBF_WIRE_VERSION,
		.len = (uint32_t)len,
		.err = err,
		.type = type,
	};

	if (write_all(FD_FRAMES, &h, sizeof(h)) < 0)
		return -1;
	return len ? write_all(FD_FRAMES, payload, len) : 0;
}

/*
 * The trace source, where the kernel could load it: records are read as
 * they come and sent on as events, a batch a frame.
 */
#define BATCH		128
/* After events, the next scan: once they settle, and not more often than this. */
#define SETTLE_NS	(2 * 1000000ull)
#define MIN_GAP_NS	(50 * 1000000ull)

struct tracer {
	struct dbf_trace *t;
	struct dbf_live *live;
	char desc[256];			/* the attach points, for the summary */
	struct dbf_trace_rec recs[BATCH];
	size_t n;
	uint64_t lost;			/* ring overflows told so far */
};

static int flush(struct tracer *tr)
{
	struct dbf_event evs[BATCH];
	int64_t off = dbf_live_boot_to_real();
	size_t n = 0, len;
	char *bytes;
	int r;

	for (size_t i = 0; i < tr->n; i++)
		if (dbf_live_event(tr->live, &tr->recs[i], off, &evs[n]) == 0)
			n++;
	tr->n = 0;
	if (!n)
		return 0;
	r = dbf_wire_encode_events(evs, n, &bytes, &len);
	if (r < 0)
		return 0;	/* no memory: these events are lost, the scan catches up */
	r = send_frame(DBF_WIRE_EVENTS, 0, bytes, len);
	free(bytes);
	return r;
}

static int on_record(void *ctx, const struct dbf_trace_rec *r)
{
	struct tracer *tr = ctx;

	tr->recs[tr->n++] = *r;
	return tr->n == BATCH && flush(tr) < 0 ? -EPIPE : 0;
}

/* Send on what the ring holds: how many records, or -1 once the server is gone. */
static int drain(struct tracer *tr)
{
	int r = dbf_trace_consume(tr->t, on_record, tr);
	uint64_t lost;

	if (r == -EPIPE || flush(tr) < 0)
		return -1;
	lost = dbf_trace_lost(tr->t);
	if (lost != tr->lost) {
		/* The scans still see where things ended up; only the steps are lost. */
		dbf_log(LOG_NOTICE, "trace: the kernel's ring buffer was full; %llu events lost",
			(unsigned long long)(lost - tr->lost));
		tr->lost = lost;
	}
	return r < 0 ? 0 : r;
}

/*
 * Sleep until the next scan is due, sending traced events as they come.
 * It is due an interval after the last one, but with the trace source
 * and nobody reading events (*watched false) only when the server asks
 * or the trace tells of a change; a change brings it soon, so the view
 * follows. False once the server has closed its end.
 */
static bool wait_interval(unsigned int ms, struct tracer *tr, uint64_t last_scan,
			  bool *watched)
{
	uint64_t soon = UINT64_MAX;	/* asked for, or traced */

	for (;;) {
		uint64_t now = mono_ns();
		uint64_t end = tr && !*watched ? UINT64_MAX : last_scan + (uint64_t)ms * 1000000u;
		struct pollfd pfd[2] = {
			{ .fd = FD_CTL, .events = POLLIN },
			{ .fd = tr ? dbf_trace_fd(tr->t) : -1, .events = POLLIN },
		};
		char c[64];
		int r;

		if (soon < end)
			end = soon;
		if (now >= end)
			return true;
		r = poll(pfd, 2, end == UINT64_MAX ? -1 : (int)((end - now + 999999) / 1000000));
		if (r < 0 && errno != EINTR)
			return false;
		if (r > 0 && pfd[0].revents) {
			ssize_t n = read(FD_CTL, c, sizeof(c));

			if (n < 0 && errno == EINTR)
				continue;
			/* End of file: the server is gone. */
			if (n <= 0)
				return false;
			for (ssize_t i = 0; i < n; i++) {
				if (c[i] == DBF_SCAN_WATCHED || c[i] == DBF_SCAN_UNWATCHED)
					*watched = c[i] == DBF_SCAN_WATCHED;
				else if (c[i] == DBF_SCAN_NOW && soon > last_scan + MIN_GAP_NS)
					soon = last_scan + MIN_GAP_NS;
			}
		}
		if (r > 0 && pfd[1].revents) {
			int n = drain(tr);
			uint64_t t = mono_ns() + SETTLE_NS;

			if (n < 0)
				return false;
			if (t < last_scan + MIN_GAP_NS)
				t = last_scan + MIN_GAP_NS;
			if (n > 0 && t < soon)
				soon = t;
		}
	}
}

/*
 * by-cgroup/%unknown holds the buffers of processes without a cgroup v2
 * path: say why once per run, not at every scan.
 */
static void note_unknown_cgroups(const struct dbf_snapshot *s, bool *said)
{
	if (*said)
		return;
	for (size_t i = 0; i < s->nprocs; i++) {
		if (s->procs[i].nph && !s->procs[i].cgroup.len) {
			dbf_log(LOG_NOTICE, "no cgroup v2 path for some processes (cgroup v1 only, or unreadable); they are under by-cgroup/%%unknown");
			*said = true;
			return;
		}
	}
}

/*
 * The iterators report the kernel's pids: those of /proc only in the
 * initial pid namespace, where NSpid: has a single field. A kernel without
 * pid namespaces prints no NSpid: line and has only the initial one.
 */
static bool in_init_pidns(void)
{
	char line[256];
	bool init = true;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "NSpid:", 6)) {
			init = !strchr(line + 7, '\t');
			break;
		}
	}
	fclose(f);
	return init;
}

/*
 * Whether /proc hides other users' processes (hidepid=1, 2 or
 * invisible): opening /proc/<pid> then takes the ptrace access the BPF
 * scanner otherwise does without. Unknown counts as hiding.
 */
static bool proc_hides_pids(void)
{
	char *line = NULL;
	size_t cap = 0;
	bool hides = true;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return true;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS" */
	while (getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - proc ");
		char *h;

		if (!sep || !strstr(line, " /proc ") || strstr(line, " /proc ") > sep)
			continue;
		h = strstr(sep, "hidepid=");
		hides = h && strncmp(h + 8, "0", 1) && strncmp(h + 8, "off", 3);
	}
	free(line);
	fclose(f);
	return hides;
}

int dbf_scanner_load_bpf(enum dbf_scanner_choice choice, const char *proc_root,
			 const char *btf, bool verbose, struct dbf_bpf **out)
{
	const char *step = NULL, *why = NULL;
	int r;

	*out = NULL;
	if (choice == DBF_SCANNER_WANT_PROCFS)
		return 0;
	/* A capture, or another procfs: the kernel's iterators do not read it. */
	if (strcmp(proc_root, "/proc")) {
		if (choice == DBF_SCANNER_AUTO)
			return 0;
		dbf_log(LOG_ERR, "--scanner=bpf reads the running kernel, not --proc %s",
			proc_root);
		return -1;
	}
	if (!in_init_pidns()) {
		why = "in a pid namespace, its pids are not the kernel's";
	} else {
		r = dbf_bpf_load(btf, verbose, out, &step);
		if (r == 0)
			return 0;
	}
	if (choice == DBF_SCANNER_AUTO) {
		if (why)
			dbf_log(LOG_NOTICE, "BPF scanner unavailable (%s); scanning procfs", why);
		else
			dbf_log(LOG_NOTICE, "BPF scanner unavailable (%s: %s); scanning procfs",
				step, strerror(-r));
		return 0;
	}
	if (why)
		dbf_log(LOG_ERR, "--scanner=bpf: %s", why);
	else
		dbf_log(LOG_ERR, "--scanner=bpf: %s: %s", step, strerror(-r));
	return -1;
}

int dbf_scanner_load_trace(enum dbf_scanner_choice choice, const char *proc_root,
			   const char *btf, bool verbose, struct dbf_trace **out)
{
	const char *step = NULL;
	int r;

	*out = NULL;
	/* The trace reports the kernel's pids: as for the BPF scanner. */
	if (choice == DBF_SCANNER_WANT_PROCFS || strcmp(proc_root, "/proc") || !in_init_pidns())
		return 0;
	r = dbf_trace_load(btf, verbose, out, &step);
	if (r == -ENOSYS)
		return 0;
	if (r < 0)
		dbf_log(LOG_NOTICE, "no live events (%s: %s); events come from scans", step,
			strerror(-r));
	return 0;
}

/*
 * A scanner that cannot start says why: a silent exit would leave the
 * server with "the scanner exited" and nothing else to go on.
 */
static void __attribute__((noreturn)) die(const char *what)
{
	dbf_log(LOG_ERR, "scanner: %s: %s", what, strerror(errno));
	_exit(1);
}

/*
 * _exit() everywhere: no atexit handlers, and no leak check that would
 * need to ptrace in a sanitizer build.
 */
static void __attribute__((noreturn)) scanner_main(const struct dbf_scanner_cfg *cfg,
						     int frames, int ctl)
{
	struct dbf_scan_opts opts = *cfg->scan;
	static struct tracer tr;
	struct tracer *trace = NULL;
	uint64_t last_scan = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	bool said_cgroups = false;
	bool watched = true;	/* until the server says otherwise */
	unsigned int keep;
	int r;

	prctl(PR_SET_NAME, "dmabuffs-scan", 0, 0, 0);
	/* A server gone mid-write is an exit, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	/* A terminal's ^C is for the server, which then ends the scanner. */
	signal(SIGINT, SIG_IGN);
	/*
	 * It must hold no terminal nor any other fd of the daemon. Above
	 * every fd it keeps first, so that no dup2() clobbers another.
	 */
	frames = fcntl(frames, F_DUPFD, 10);
	ctl = fcntl(ctl, F_DUPFD, 10);
	if (null >= 0)
		null = fcntl(null, F_DUPFD, 10);
	if (frames < 0 || ctl < 0 ||
	    dup2(frames, FD_FRAMES) < 0 || dup2(ctl, FD_CTL) < 0)
		die("cannot set up its pipes");
	/* No /dev/null (a bare mount namespace): closed will do. */
	if (null < 0 || dup2(null, FD_NULL) < 0 || dup2(null, 0) < 0 ||
	    dup2(null, 1) < 0) {
		null = -1;
		close(0);
		close(1);
	}
	if (close_range(null < 0 ? FD_NULL : FD_NULL + 1, ~0U, 0) < 0)
		die("close_range");
	/*
	 * The iterators load while root: only their links are kept, and
	 * reading them later takes no capability but the bpf() call that
	 * the filter allows (docs/security.md).
	 */
	if (dbf_scanner_load_bpf(cfg->choice, opts.proc_root, cfg->btf, cfg->verbose,
				 &opts.bpf) < 0) {
		send_frame(DBF_WIRE_SNAPSHOT, EOPNOTSUPP, NULL, 0);
		_exit(1);
	}
	if (dbf_scanner_load_trace(cfg->choice, opts.proc_root, cfg->btf, cfg->verbose,
				   &tr.t) == 0 && tr.t) {
		char root[4096];

		snprintf(root, sizeof(root), "%s/fs/cgroup", opts.sysfs_root);
		tr.live = dbf_live_new(root);
		if (!tr.live)
			die("cannot keep the trace's state");
		dbf_trace_describe(tr.t, tr.desc, sizeof(tr.desc));
		trace = &tr;
	}
	/*
	 * In the background its notices go to syslog: connect while the
	 * filter allows it, but say why a start failed on stderr until then.
	 */
	if (!cfg->foreground)
		dbf_log_open_syslog();
	/*
	 * The procfs scanner needs CAP_SYS_PTRACE for other users' fd links,
	 * fdinfo and maps. The BPF scanner does not: the kernel walks them,
	 * and the /proc/<pid> files it still reads (status, stat, cgroup,
	 * comm) are world-readable, unless /proc hides other users' pids.
	 * Both read debugfs.
	 */
	keep = opts.bpf && !proc_hides_pids() ? DBF_KEEP_DAC : DBF_KEEP_PTRACE | DBF_KEEP_DAC;
	/*
	 * With kernel.unprivileged_bpf_disabled set, older kernels refuse
	 * every bpf() command without CAP_BPF, reading an iterator too (5.19
	 * narrowed that to commands that create objects): keep it then, and
	 * only then. It is tried, not guessed from a version.
	 */
	if (opts.bpf && cfg->privs && dbf_bpf_probe_unprivileged(opts.bpf) == -EPERM) {
		keep |= DBF_KEEP_BPF;
		dbf_log(LOG_NOTICE, "this kernel checks CAP_BPF to read BPF iterators: the scanner keeps it");
	}
	/* Both say why they failed. */
	if (cfg->privs && dbf_privs_drop(cfg->privs, keep) < 0)
		_exit(1);
	if (cfg->sandbox && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS");
	if (cfg->sandbox && dbf_sandbox_scanner() < 0)
		_exit(1);
	if (!cfg->foreground)
		dbf_log_to_syslog();
	/* In the background, stderr is the shell's: let it go. */
	if (!cfg->foreground && null >= 0)
		dup2(FD_NULL, 2);
	else if (!cfg->foreground)
		close(2);
	if (null >= 0)
		close(FD_NULL);
	/*
	 * Right after the pipes: fds 5 and up are the iterator links, then
	 * the trace's. Its own are out of the way first, so that no move
	 * lands on one of them.
	 */
	r = trace ? dbf_trace_move_fds(trace->t, 64) : 0;
	if (r >= 0)
		r = opts.bpf ? dbf_bpf_move_fds(opts.bpf, FD_NULL) : 0;
	if (r >= 0 && trace) {
		int fds[4], next = FD_NULL;

		if (opts.bpf) {
			dbf_bpf_fds(opts.bpf, fds);
			for (int i = 0; i < 4; i++)
				next += fds[i] >= 0;
		}
		r = dbf_trace_move_fds(trace->t, next);
	}
	if (r < 0) {
		errno = -r;
		die("cannot keep its BPF links");
	}

	for (;;) {
		struct dbf_snapshot *snap;
		char *bytes = NULL;
		size_t len = 0;

		r = dbf_scan(&opts, NULL, &snap);
		last_scan = mono_ns();
		/*
		 * Events up to the scan's end go before its snapshot: the
		 * kernel traces a change after making it visible (an export
		 * is listed before its tracepoint fires), so a scan can see a
		 * change whose record comes while it runs.
		 */
		if (trace && drain(trace) < 0)
			_exit(0);
		if (r == 0) {
			/* The device never changes while the kernel runs: learn it once. */
			if (opts.dev_src == DBF_DEV_NONE && snap->dev_src != DBF_DEV_NONE) {
				opts.dmabuf_dev = snap->dmabuf_dev;
				opts.dev_src = snap->dev_src;
			}
			/* So does the way it prints names. */
			opts.names_escaped |= snap->names_escaped;
			note_unknown_cgroups(snap, &said_cgroups);
			if (trace) {
				snap->trace = dbf_cstr(trace->desc);
				r = dbf_live_origins(trace->live, snap);
			}
			if (r == 0)
				r = dbf_wire_encode(snap, &bytes, &len);
			dbf_snapshot_free(snap);
		}
		if (send_frame(DBF_WIRE_SNAPSHOT, r < 0 ? -r : 0, bytes, len) < 0)
			_exit(0);
		free(bytes);
		if (!wait_interval(cfg->refresh_ms, trace, last_scan, &watched))
			_exit(0);
	}
}

void dbf_scanner_ask(const struct dbf_scanner *sc, char what)
{
	/* A scanner that is gone is the receiver's news (its frames end). */
	ssize_t r = sc->ctl >= 0 ? write(sc->ctl, &what, 1) : 0;

	(void)r;
}

int dbf_scanner_start(const struct dbf_scanner_cfg *cfg, struct dbf_scanner *sc)
{
	int frames[2], ctl[2];

	*sc = (struct dbf_scanner){ .pid = -1, .pidfd = -1, .frames = -1, .ctl = -1 };
	if (pipe2(frames, O_CLOEXEC) < 0)
		goto fail;
	if (pipe2(ctl, O_CLOEXEC) < 0) {
		close(frames[0]);
		close(frames[1]);
		goto fail;
	}
	fflush(stderr);
	sc->pid = fork();
	if (sc->pid < 0) {
		close(frames[0]);
		close(frames[1]);
		close(ctl[0]);
		close(ctl[1]);
		goto fail;
	}
	if (sc->pid == 0)
		scanner_main(cfg, frames[1], ctl[0]);
	close(frames[1]);
	close(ctl[0]);
	sc->frames = frames[0];
	sc->ctl = ctl[1];
	/* A request never waits on a scanner busy scanning: see dbf_scanner_ask(). */
	fcntl(sc->ctl, F_SETFL, O_NONBLOCK);
	/* Right away, while it is our child and its pid cannot be reused. */
	sc->pidfd = (int)syscall(SYS_pidfd_open, sc->pid, 0);
	if (sc->pidfd < 0)
		dbf_log(LOG_WARNING, "pidfd_open: %s; the scanner exits when the server does",
			strerror(errno));
	return 0;
fail:
	dbf_log(LOG_ERR, "cannot start the scanner: %s", strerror(errno));
	return -1;
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPIPE;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int dbf_scanner_read(int fd, uint32_t *type, char **payload, size_t *len, int *err)
{
	struct dbf_wire_hdr h;
	char *p;
	int r;

	*payload = NULL;
	*len = 0;
	*err = 0;
	r = read_all(fd, &h, sizeof(h));
	if (r < 0)
		return r;
	if (dbf_wire_hdr_check(&h) < 0)
		return -EINVAL;
	*type = h.type;
	if (h.err) {
		*err = h.err;
		return 0;
	}
	p = malloc(h.len ? h.len : 1);
	if (!p) {
		/* Skip the payload, so the next frame is read from its start. */
		char sink[4096];

		for (size_t n = h.len; n; n -= n < sizeof(sink) ? n : sizeof(sink)) {
			r = read_all(fd, sink, n < sizeof(sink) ? n : sizeof(sink));
			if (r < 0)
				return r == -EPIPE ? -EINVAL : r;
		}
		return -ENOMEM;
	}
	r = read_all(fd, p, h.len);
	if (r < 0) {
		free(p);
		return r == -EPIPE ? -EINVAL : r;
	}
	*payload = p;
	*len = h.len;
	return 0;
}

void dbf_scanner_kill(struct dbf_scanner *sc)
{
	if (sc->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, sc->pidfd, SIGKILL, NULL, 0);
}

int dbf_scanner_stop(struct dbf_scanner *sc)
{
	int status = -1;

	dbf_scanner_kill(sc);
	if (sc->pidfd >= 0) {
		close(sc->pidfd);
		sc->pidfd = -1;
	}
	if (sc->ctl >= 0) {
		close(sc->ctl);
		sc->ctl = -1;
	}
	if (sc->frames >= 0) {
		close(sc->frames);
		sc->frames = -1;
	}
	/* Still ours in the foreground; init's after fuse_daemonize(). */
	if (sc->pid > 0) {
		while (waitpid(sc->pid, &status, 0) < 0 && errno == EINTR)
			;
		sc->pid = -1;
	}
	return status;
}

void dbf_scanner_describe(int status, char *buf, size_t size)
{
	if (status >= 0 && WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (status >= 0 && WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d, %s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "not our child: status unknown");
}
