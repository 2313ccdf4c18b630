/*
 * The vmstat system call (SYS_vmstat): virtual-memory counters, and a
 * self-check of every frame's reference count against the page tables.
 * Shared by the kernel and user programs.
 */
#ifndef COWBIRD_VMSTAT_H
#define COWBIRD_VMSTAT_H

#include "kernel/types.h"

struct vmstat {
	uint64 frames_total; /* frames the allocator manages */
	uint64 frames_free;  /* frames on the free list now */
	uint64 cow_faults; /* write faults (and copyouts) on COW pages, since boot */
	uint64 pages_copied; /* ... resolved by copying the frame */
	uint64 pages_reused; /* ... resolved by reusing a frame no one else maps */
	uint64 frames_shared; /* pages mapped from 2+ tables, and shared tables, now */
	uint64 fork_mode; /* FORK_MODE_* below: how this kernel's fork shares */
	uint64 tables_shared; /* page tables (level 1 or 0) shared by several processes, now */
	uint64 tables_copied; /* shared level-0 tables copied on a write, since boot */
	uint64 ram_bytes;    /* RAM, as the device tree (QEMU's -m) gives it */
	uint64 pcache_pages; /* file pages in the page cache, now */
	uint64 zero_refs; /* references to the zero page (the kernel's own included), now */
	uint64 writeback_lost; /* mapped pages write-back could not store, since boot */
};

/* fork_mode: which fork the kernel was built with (make FORK=...). */
#define FORK_MODE_COW  0 /* shares level-0 page tables and pages (default) */
#define FORK_MODE_COPY 1 /* copies every page at fork */
#define FORK_MODE_PAGE 2 /* shares pages copy-on-write, copies page tables */

/* vmstat(mode, struct vmstat *): */
#define VMSTAT_GET           0 /* fill the struct; returns 0 */
#define VMSTAT_CHECK         1 /* fill it, then verify refcounts; returns mismatches */
#define VMSTAT_CHECK_VERBOSE 2 /* the same, printing each mismatch */

#endif
