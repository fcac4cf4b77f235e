/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Messages and readiness. A message is one line with a syslog priority:
 * on stderr while starting (prefixed "dmabuffs: "), with a "<N>" prefix
 * when stderr is the journal's stream (systemd sets JOURNAL_STREAM), and
 * to syslog once dbf_log_to_syslog() was called, after daemonizing.
 * Plain stderr gets LOG_NOTICE and worse only: the informational lines
 * (the startup line) are for the journal and syslog.
 */
#ifndef DMABUFFS_LOG_H
#define DMABUFFS_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* From now on every message goes to syslog (facility daemon). */
void dbf_log_to_syslog(void);
/*
 * Connect to syslog without switching to it yet (a connected socket is
 * kept by dbf_log_to_syslog()): for a process whose filter will forbid
 * connecting, but that has more to say on stderr first.
 */
void dbf_log_open_syslog(void);

void dbf_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dbf_vlog(int priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * Tell the service manager that the mount is in place ("READY=1" to
 * $NOTIFY_SOCKET); nothing when not started as a Type=notify service.
 */
void dbf_notify_ready(void);

#endif
