/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * seccomp filters for the three processes (docs/security.md): each may
 * make only the system calls its job needs; anything else fails with
 * EPERM. Install them last, after the privilege drop and no_new_privs.
 */
#ifndef DMABUFFS_SANDBOX_H
#define DMABUFFS_SANDBOX_H

#include <stdbool.h>

/* Each returns 0, or -1 after printing why. */
int dbf_sandbox_scanner(void);
int dbf_sandbox_server(void);
int dbf_sandbox_watcher(void);

/*
 * Test builds (meson -Dseccomp_selftest=true) only: try every call the
 * filters must refuse and print one line each, "seccomp-selftest WHO
 * CALL: refused (EPERM)" or what happened instead.
 */
void dbf_sandbox_selftest(const char *who);
/* Set by --seccomp-selftest; always false without the build option. */
extern bool dbf_sandbox_selftest_on;

#endif
