// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allowlists of system calls, one per process. What each needs was found
 * by running the integration, policy and privilege suites under a filter
 * that traps instead of failing. Default: EPERM, so a call that slipped
 * the list fails like any refused call instead of killing the process.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sandbox.h"
#include "log.h"

bool dbf_sandbox_selftest_on;

/*
 * The lists name the calls of every architecture Linux has added since
 * 2012 (arm64, riscv64: asm-generic's table). The older calls that
 * x86-64 still has, and glibc still uses there (open, poll, dup2, ...),
 * are in legacy_calls below; libseccomp leaves out a name the target has
 * not got, so both lists are safe everywhere.
 */

/* Every process: memory, threads' bookkeeping, signals, time, exit. */
static const int base_calls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(close),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(madvise),
	SCMP_SYS(futex), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(getrandom), SCMP_SYS(sigaltstack),
};

/* Threads (the scan's, libfuse's workers): clone, but never a fork. */
static const int thread_calls[] = {
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(sched_yield),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(ppoll), SCMP_SYS(tgkill),
};

/* Reading /proc, debugfs and sysfs. */
static const int scanner_calls[] = {
	SCMP_SYS(getdents64), SCMP_SYS(readlinkat), SCMP_SYS(statx),
	SCMP_SYS(pread64), SCMP_SYS(fcntl), SCMP_SYS(sysinfo),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(dup), SCMP_SYS(dup3),
	/* syslog(3) in the background, on the socket opened before the filter */
	SCMP_SYS(sendto),
};

/* Serving /dev/fuse, killing the scanner, waiting for the watcher. */
static const int server_calls[] = {
	SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(splice), SCMP_SYS(pipe2),
	SCMP_SYS(rt_sigaction), SCMP_SYS(pidfd_send_signal), SCMP_SYS(wait4),
	SCMP_SYS(fcntl), SCMP_SYS(getuid), SCMP_SYS(getgid),
	/*
	 * syslog(3) in the background, on the socket opened before the
	 * filter: no socket() or connect(), which could reach any AF_UNIX
	 * socket. If syslog restarts, the server's later notices are lost.
	 */
	SCMP_SYS(sendto),
#ifdef __SANITIZE_ADDRESS__
	/*
	 * Test builds only: LeakSanitizer stops the world at exit with a
	 * ptracing helper task (a clone without CLONE_THREAD) and reads
	 * /proc/self. A release build has none of these.
	 */
	SCMP_SYS(ptrace), SCMP_SYS(prctl), SCMP_SYS(waitid), SCMP_SYS(getppid),
	SCMP_SYS(readlinkat), SCMP_SYS(sched_getparam),
	SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(dup), SCMP_SYS(dup3),
	SCMP_SYS(statx), SCMP_SYS(kill), SCMP_SYS(getdents64),
	/* and their x86-64 forms (see legacy_calls) */
	SCMP_SYS(dup2), SCMP_SYS(readlink), SCMP_SYS(getdents),
#endif
};

/*
 * What glibc calls on x86-64 where arm64 has only the newer call listed
 * above: poll (ppoll), dup2 (dup3), readlink (readlinkat), getdents
 * (getdents64). open() is in add_read_only_open(), checked like openat().
 * The sanitizer's extra calls name both forms where they differ.
 */
static const int legacy_thread_calls[] = {
	SCMP_SYS(poll),
};

static const int legacy_scanner_calls[] = {
	SCMP_SYS(dup2), SCMP_SYS(readlink),
};

static const int watcher_calls[] = {
	SCMP_SYS(getuid),
	/* that the mountpoint is still the mount's root */
	SCMP_SYS(statx),
};

static int add_list(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0) < 0)
			return -1;
	return 0;
}

#define ADD(ctx, list) add_list(ctx, list, sizeof(list) / sizeof(list[0]))

/* open()/openat() for reading only: nothing is ever written or created. */
static int add_read_only_open(scmp_filter_ctx ctx)
{
	const scmp_datum_t w = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;

	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				SCMP_A2(SCMP_CMP_MASKED_EQ, w, 0)) < 0 ||
	       seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, w, 0)) < 0 ? -1 : 0;
}

/*
 * Threads only. glibc tries clone3 first, whose flags live in memory a
 * filter cannot read: ENOSYS makes it fall back to clone, whose flags it
 * can. Sanitizer builds need a plain clone at exit (above).
 */
static int add_threads(scmp_filter_ctx ctx)
{
	if (ADD(ctx, thread_calls) < 0 || ADD(ctx, legacy_thread_calls) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0)
		return -1;
#ifdef __SANITIZE_ADDRESS__
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0) < 0 ? -1 : 0;
#else
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
					CLONE_THREAD)) < 0 ? -1 : 0;
#endif
}

/*
 * Does the kernel filter system calls at all? Kernels built without
 * CONFIG_SECCOMP_FILTER (tinyconfig, some embedded ones) do not.
 */
static bool kernel_has_filters(void)
{
	uint32_t action = SCMP_ACT_ALLOW;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0 ||
	       (errno != EINVAL && errno != ENOSYS);
}

static int load(scmp_filter_ctx ctx, const char *who, int r)
{
	static bool said;

	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0 && !kernel_has_filters()) {
		/* The privilege split still holds; say once that filters do not. */
		if (!__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
			dbf_log(LOG_WARNING, "this kernel has no seccomp filters (CONFIG_SECCOMP_FILTER); running without them");
		return 0;
	}
	if (r < 0) {
		dbf_log(LOG_ERR, "cannot install the %s's seccomp filter: %s",
			who, strerror(r == -1 ? errno : -r));
		return -1;
	}
	if (dbf_sandbox_selftest_on)
		dbf_sandbox_selftest(who);
	return 0;
}

static scmp_filter_ctx new_ctx(void)
{
	return seccomp_init(SCMP_ACT_ERRNO(EPERM));
}

int dbf_sandbox_scanner(void)
{
	scmp_filter_ctx ctx = new_ctx();
	int r;

	if (!ctx)
		return load(NULL, "scanner", -ENOMEM);
	r = ADD(ctx, base_calls) < 0 || add_threads(ctx) < 0 ||
	    ADD(ctx, scanner_calls) < 0 || ADD(ctx, legacy_scanner_calls) < 0 ||
	    add_read_only_open(ctx) < 0 ||
	    /*
	     * The BPF scanner reads the iterator links it loaded while root:
	     * bpf() for BPF_ITER_CREATE only, so no program, map or link can
	     * be made, nor any object looked up by id.
	     */
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(bpf), 1,
			     SCMP_A0(SCMP_CMP_EQ, BPF_ITER_CREATE)) < 0 ? -EINVAL : 0;
	return load(ctx, "scanner", r);
}

int dbf_sandbox_server(void)
{
	scmp_filter_ctx ctx;
	int r;

	/*
	 * libfuse ends its workers with pthread_cancel(), for which glibc
	 * loads libgcc_s on first use. Load it now, while files may still be
	 * opened: the server then never needs open() at all.
	 */
	if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE))
		dbf_log(LOG_WARNING, "%s", dlerror());
	ctx = new_ctx();
	if (!ctx)
		return load(NULL, "server", -ENOMEM);
	r = ADD(ctx, base_calls) < 0 || add_threads(ctx) < 0 ||
	    ADD(ctx, server_calls) < 0 ? -EINVAL : 0;
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer lists /proc/<pid>/task and reads /proc/self/maps. */
	if (r == 0 && add_read_only_open(ctx) < 0)
		r = -EINVAL;
#endif
	return load(ctx, "server", r);
}

int dbf_sandbox_watcher(void)
{
	scmp_filter_ctx ctx = new_ctx();
	int r;

	if (!ctx)
		return load(NULL, "watcher", -ENOMEM);
	/* Its one privileged act, with the flags it needs and no others. */
	r = ADD(ctx, base_calls) < 0 || ADD(ctx, watcher_calls) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(umount2), 1,
			     SCMP_A1(SCMP_CMP_EQ, UMOUNT_NOFOLLOW | MNT_DETACH)) < 0 ?
	    -EINVAL : 0;
	return load(ctx, "watcher", r);
}

#ifdef DBF_SECCOMP_SELFTEST
static void say(const char *who, const char *call, long r)
{
	int e = errno;

	if (r < 0 && e == EPERM)
		fprintf(stderr, "seccomp-selftest %s %s: refused (EPERM)\n", who, call);
	else if (r < 0)
		fprintf(stderr, "seccomp-selftest %s %s: failed (%s), not refused\n",
			who, call, strerror(e));
	else
		fprintf(stderr, "seccomp-selftest %s %s: ALLOWED\n", who, call);
}

void dbf_sandbox_selftest(const char *who)
{
	char buf[16], handle[sizeof(unsigned int) * 2 + 8] = { 0 };
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	struct iovec local = { buf, sizeof(buf) }, remote = { (void *)4096, sizeof(buf) };
	long r;

	r = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	say(who, "ptrace", r);
	if (r == 0)
		ptrace(PTRACE_DETACH, 1, NULL, NULL);
	say(who, "process_vm_readv", process_vm_readv(1, &local, 1, &remote, 1, 0));
	say(who, "process_vm_writev", process_vm_writev(1, &local, 1, &remote, 1, 0));
	say(who, "pidfd_getfd", syscall(SYS_pidfd_getfd, 0, 0, 0));
	r = syscall(SYS_open_by_handle_at, AT_FDCWD, handle, O_RDONLY);
	say(who, "open_by_handle_at", r);
	if (r >= 0)
		close((int)r);
	r = openat(AT_FDCWD, "/tmp/dmabuffs-seccomp-selftest", O_WRONLY | O_CREAT, 0600);
	say(who, "openat-write", r);
	if (r >= 0)
		close((int)r);
	r = openat(AT_FDCWD, "/dev/null", O_RDWR);
	say(who, "openat-rdwr", r);
	if (r >= 0)
		close((int)r);
	r = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	say(who, "socket", r);
	if (r >= 0)
		close((int)r);
	/* An fd that is no socket: EBADF or ENOTSOCK if the filter let it by. */
	say(who, "connect", connect(-1, (struct sockaddr *)&un, sizeof(un)));
}
#else
void dbf_sandbox_selftest(const char *who)
{
	(void)who;
}
#endif
