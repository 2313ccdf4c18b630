/*
 * The lockstat system call (SYS_lockstat): how often each kind of lock
 * was taken and how often a hart had to wait for it.  Locks are grouped
 * by the name they were initialised with (every process lock counts as
 * "proc", every pipe lock as "pipe").  Shared by the kernel and user
 * programs.
 */
#ifndef COWBIRD_LOCKSTAT_H
#define COWBIRD_LOCKSTAT_H

#include "kernel/types.h"

#define LOCKSTAT_NAME 24 /* bytes of a name, NUL included */

struct lockstat {
	char name[LOCKSTAT_NAME];
	uint64 acquired;  /* acquisitions since boot or the last reset */
	uint64 contended; /* ... that found the lock held and waited */
};

/* lockstat(op, struct lockstat *out, int max): */
#define LOCKSTAT_READ  0 /* fill up to max entries; returns how many */
#define LOCKSTAT_RESET 1 /* set every count to 0; returns 0 */
#define LOCKSTAT_HARTS 2 /* returns the harts running: waits need two */

#endif
