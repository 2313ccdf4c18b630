/*
 * The loop of lockstat's target (issue: "3 harts each growing, writing,
 * forking and shrinking 1 MB heaps"), shared by lockbench (make bench's
 * figures) and t_lockstat (make check's test), so both measure the same
 * work.
 */
#ifndef COWBIRD_HEAPLOOP_H
#define COWBIRD_HEAPLOOP_H

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"

#define HEAPLOOP_BYTES (1024 * 1024)

/*
 * rounds times: grow the heap by 1 MB, write every page, fork a child that
 * exits at once, wait for it, shrink the heap back.  0, or -1 if a step
 * failed (memory ran out).
 */
static inline int
heap_loop_rounds(uint64 rounds)
{
	uint64 r;
	int i, pid;
	char *p;

	for (r = 0; r < rounds; r++) {
		p = sbrk(HEAPLOOP_BYTES);
		if (p == (char *)-1)
			return -1;
		for (i = 0; i < HEAPLOOP_BYTES; i += PGSIZE)
			p[i] = (char)i;
		pid = fork();
		if (pid == 0)
			exit(0);
		if (pid < 0 || wait(0) != pid)
			return -1;
		if (sbrk(-HEAPLOOP_BYTES) == (char *)-1)
			return -1;
	}
	return 0;
}

#endif
