/* SPDX-License-Identifier: GPL-2.0-only */
/* Caller classes: whose node of a split directory a caller gets. */
#ifndef DMABUFFS_CALLER_H
#define DMABUFFS_CALLER_H

#include "node.h"

/*
 * Caller classes of a shared mount: (uid, gid) pairs, at most @max of
 * them (DBF_CLASS_MAX). When all are taken, a newcomer gets the class
 * used least recently, whose epoch then grows by one; DBF_CLASS_PUBLIC
 * only when out of memory. Safe to use from several threads.
 */
struct dbf_classes;

struct dbf_classes *dbf_classes_new(unsigned int max);
void dbf_classes_free(struct dbf_classes *c);
/*
 * The class of caller @uid, @gid (DBF_CLASS_ROOT for uid 0), and in
 * *@epoch how many times it went to another caller: its nodes' generation.
 */
uint16_t dbf_class_of(struct dbf_classes *c, uid_t uid, gid_t gid,
		      uint32_t *epoch);
/*
 * May @uid, @gid read a node of class @cls, and as whom (*@as)? Root may
 * read any; others only their own class as it is now. One lock for both,
 * so that the class cannot change hands in between.
 */
bool dbf_class_owns(struct dbf_classes *c, uid_t uid, gid_t gid, uint16_t cls,
		    struct dbf_caller *as);

#endif
