// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

enum sink { SINK_UNKNOWN, SINK_STDERR, SINK_JOURNAL, SINK_SYSLOG };
static enum sink sink;

/*
 * systemd hands a service's stderr to the journal and names that stream in
 * JOURNAL_STREAM as "dev:ino"; only then does a "<N>" prefix set the
 * priority. A redirected or inherited stderr gets plain lines.
 */
static enum sink stderr_sink(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		return SINK_JOURNAL;
	return SINK_STDERR;
}

void dbf_log_open_syslog(void)
{
	openlog("dmabuffs", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void dbf_log_to_syslog(void)
{
	/* Connect now: after the privilege drop the filter may forbid it. */
	dbf_log_open_syslog();
	sink = SINK_SYSLOG;
}

void dbf_vlog(int priority, const char *fmt, va_list ap)
{
	char line[1024];
	int saved = errno;
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One message, one line: callers' trailing newlines and any inside. */
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	for (char *p = line; (p = strchr(p, '\n')); )
		*p = ' ';

	if (sink == SINK_UNKNOWN)
		sink = stderr_sink();
	/* A terminal gets notices and worse; the journal and syslog get all. */
	if (sink == SINK_STDERR && LOG_PRI(priority) > LOG_NOTICE)
		return;
	switch (sink) {
	case SINK_SYSLOG:
		syslog(priority, "%s", line);
		break;
	case SINK_JOURNAL:
		fprintf(stderr, "<%d>%s\n", LOG_PRI(priority), line);
		break;
	default:
		fprintf(stderr, "dmabuffs: %s\n", line);
		break;
	}
	errno = saved;
}

void dbf_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dbf_vlog(priority, fmt, ap);
	va_end(ap);
}

#ifdef HAVE_LIBSYSTEMD
void dbf_notify_ready(void)
{
	int r = sd_notify(0, "READY=1");

	if (r < 0)
		dbf_log(LOG_WARNING, "cannot tell systemd the mount is ready: %s",
			strerror(-r));
}
#else
/*
 * The protocol of sd_notify(3), for builds without libsystemd: one
 * datagram to the socket named in NOTIFY_SOCKET ("@" for the abstract
 * namespace).
 */
void dbf_notify_ready(void)
{
	static const char msg[] = "READY=1";
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	size_t n;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	n = strlen(path);
	if (n >= sizeof(sa.sun_path)) {
		dbf_log(LOG_WARNING, "NOTIFY_SOCKET is too long");
		return;
	}
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL,
			     (struct sockaddr *)&sa, len) < 0)
		dbf_log(LOG_WARNING, "cannot tell systemd the mount is ready: %s",
			strerror(errno));
	if (fd >= 0)
		close(fd);
}
#endif
