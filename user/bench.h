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

/* The instret counter: a statement expression, so it is always inlined. */
#define instret()                                        \
	({                                               \
		uint64 n_;                               \
		asm volatile("rdinstret %0" : "=r"(n_)); \
		n_;                                      \
	})

/*
 * Wait for the next clock tick.  Under -icount a tick comes every 10^8
 * instructions, at points that depend on when the command was typed;
 * starting a measurement right after one keeps ticks out of it (a
 * measurement here is shorter than that), so the figure repeats exactly.
 */
static inline void
bench_sync(void)
{
	sleep(1);
}

/*
 * A figure that is a cost per operation: total instructions / count.
 * Signed: a figure that is the difference of two measurements may come out
 * below 0 where the measured work is nothing, and is printed so, not
 * wrapped around (forkbench prints no such figure: under FORK=copy its
 * cow-reuse-page is "n/a nothing-shared").
 */
static inline void
bench_report(const char *name, uint64 instructions, uint64 count)
{
	printf("bench %s %ld instr\n", name, (long)instructions / (long)count);
}

/*
 * Starts a child that echoes every byte written to there[1] back on
 * back[0], until there[1] is closed; returns its pid or -1.  The caller
 * keeps there[1] and back[0].
 */
static inline int
bench_echo_child(int there[2], int back[2])
{
	char c;
	int pid;

	if (pipe(there) < 0 || pipe(back) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(there[1]);
		close(back[0]);
		while (read(there[0], &c, 1) == 1)
			write(back[1], &c, 1);
		exit(0);
	}
	close(there[0]);
	close(back[1]);
	return pid;
}

#endif
