/*
 * The pmap system call (SYS_pmap): what one process's address space is
 * made of, region by region, and which of its pages and frames it shares.
 * Shared by the kernel and user programs (user/pmap.c, user/ps.c).
 *
 *   int pmap(int pid, int flags, struct pmap *out);
 *
 * Fills *out for the live process pid and returns pid.  pid 0 is the
 * kernel: its page-table pages and kernel stacks.  With PMAP_NEXT it
 * reports the live process with the smallest pid above pid instead
 * (returns 0 when there is none), so `for (pid = 0; (pid = pmap(pid,
 * PMAP_NEXT, &m)) > 0;)` visits every process.  PMAP_INFO_ONLY skips the
 * walk of the page table (what ps needs).  A pid that is not live, a bad
 * out pointer or unknown flags get -1.
 *
 * Frames held: a frame that k address spaces share counts 1/k to each of
 * them (a page-table page shared by t spaces likewise 1/t, and a page
 * that a shared table maps 1/(t*k), k counting tables), so the frames held
 * by all processes plus the kernel's add up to the allocated frames.
 * Shares are given in 1/PMAP_SCALE frame: PMAP_SCALE is a multiple of
 * every number up to 16, so the sums are exact as long as no frame has
 * more than 16 sharers (inexact counts the pages where it has).
 */
#ifndef COWBIRD_PMAP_H
#define COWBIRD_PMAP_H

#include "kernel/types.h"

#define PMAP_NEXT      1
#define PMAP_INFO_ONLY 2

#define PMAP_SCALE 720720UL /* lcm(1, 2, ..., 16) */

/* Region kinds. */
#define PMAP_TEXT         1 /* program pages that may execute */
#define PMAP_DATA         2 /* the other program pages: data and bss */
#define PMAP_GUARD        3 /* the unmapped page below the stack */
#define PMAP_STACK        4
#define PMAP_HEAP         5 /* from above the stack to the size (sbrk) */
#define PMAP_TRAPFRAME    6 /* the kernel's save area for this process */
#define PMAP_TRAMPOLINE   7 /* trap entry code, the kernel's, shared by all */
#define PMAP_PAGETABLES   8 /* the page-table pages themselves */
#define PMAP_KSTACKS      9 /* pid 0 only: the kernel stacks */
#define PMAP_ZEROPAGE     10 /* pid 0 only: the kernel's share of the zero page */
#define PMAP_ANON_PRIVATE 11 /* mmap: MAP_ANONYMOUS | MAP_PRIVATE */
#define PMAP_ANON_SHARED  12 /* mmap: MAP_ANONYMOUS | MAP_SHARED */
#define PMAP_FILE_PRIVATE 13 /* mmap of a file, MAP_PRIVATE */
#define PMAP_FILE_SHARED  14 /* mmap of a file, MAP_SHARED */
#define PMAP_PAGECACHE    15 /* pid 0 only: the page cache's share of file pages */

/* Region permissions (COW pages count as writable). */
#define PMAP_R 1
#define PMAP_W 2
#define PMAP_X 4
#define PMAP_U 8

/*
 * One region.  Counts are in pages (page-table pages for PMAP_PAGETABLES);
 * a page is private when no other address space holds its frame, shared
 * otherwise (copy-on-write data, or read-only text); cow counts the pages
 * a write would fault on; sharers is the most address spaces sharing one
 * page (at least that many when shared tables and shared pages mix).
 */
struct pmap_region {
	uint64 start, end;    /* [start, end); 0, 0 for the page tables */
	uint32 kind;          /* PMAP_TEXT ... */
	uint32 perm;          /* PMAP_R | PMAP_W | PMAP_X | PMAP_U */
	uint32 present;       /* pages mapped */
	uint32 priv;          /* ... private */
	uint32 shared;        /* ... shared */
	uint32 cow;           /* ... marked copy-on-write */
	uint32 sharers;       /* most sharers of one page */
	uint32 tables_shared; /* ... reached through a shared page table */
	uint64 held;          /* frames held, in 1/PMAP_SCALE frames */
};

#define PMAP_MAX_REGIONS 36 /* 20, and 16 mmap regions */

struct pmap {
	int pid;
	int ppid;      /* 0 for init and the kernel */
	char state[8]; /* "run", "runble", "sleep", "zombie", "used" */
	char name[16];
	uint64 size;       /* bytes of user memory from 0 (sbrk's end) */
	uint64 cow_faults; /* writes to copy-on-write pages this process made */
	uint64 pages_copied; /* ... resolved by copying the frame */
	uint64 pages_reused; /* ... resolved by taking over the frame */
	uint64 held;         /* sum of the regions' held */
	uint32 inexact;      /* pages whose share does not divide PMAP_SCALE */
	uint32 nregions;
	struct pmap_region region[PMAP_MAX_REGIONS];
};

/*
 * ps's columns, fixed width (a name has at most 15 characters, a size at
 * most 9 digits with 128 MB of RAM); the kernel's ^P prints the same.  The
 * header goes through PS_HEADER_FORMAT so that it lines up with the rows.
 */
#define PS_HEADER_FORMAT "%5s %5s %-6s %-15s %9s %7s %7s %7s\n"
#define PS_HEADER_NAMES \
	"PID", "PPID", "STATE", "NAME", "SIZE", "COWFLT", "COPIED", "REUSED"
#define PS_FORMAT "%5d %5d %-6s %-15s %9lu %7lu %7lu %7lu\n"

#endif
