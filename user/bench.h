/*
 * Helpers for the benchmark programs (forkbench, execbench, pipebench,
 * procbench, profrun).
 *
 * A benchmark prints one line per figure, "bench NAME VALUE UNIT", which
 * `make bench` (tools/bench) collects.  Costs are read from the instret
 * counter: under `qemu -icount shift=0` it counts every instruction the
 * hart retires, in user and kernel mode alike, so on one hart the
 * difference of two readings is the whole cost of what ran in between,
 * the same from run to run.  Under plain `make qemu` it counts host
 * ticks instead and the figures mean little.
 */
#ifndef COWBIRD_BENCH_H
#define COWBIRD_BENCH_H

#include "kernel/types.h"
#include "user/user.h"

static inline uint64
instret(void)
{
	uint64 n;

	asm volatile("rdinstret %0" : "=r"(n));
	return n;
}

/* A figure that is a cost per operation: total instructions / count. */
static inline void
bench_report(const char *name, uint64 instructions, uint64 count)
{
	printf("bench %s %lu instr\n", name, instructions / count);
}

#endif
