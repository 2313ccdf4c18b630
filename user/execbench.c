/*
 * execbench: what running a big program costs (see user/bench.h), for
 * `make bench`.  The program is user/bigro.c: 192 KB of read-only data,
 * two pages of it touched.
 *
 *   exec-bigro          fork + exec of /bigro + wait, its file used once
 *                       before (compare with procbench's exec-true: a
 *                       program whose file is not read twice costs about
 *                       as much as an empty one)
 *   frames-bigro-8procs the frames that each of 8 processes running
 *                       /bigro at once, all asleep, takes from the free
 *                       list (its total over 8, rounded): what they
 *                       cannot share
 */
#include "kernel/types.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#include "user/bench.h"

#define SLEEPERS 8

static void
fail(const char *what)
{
	printf("execbench: %s failed\n", what);
	exit(1);
}

static uint64
frames_free(void)
{
	struct vmstat st;

	if (vmstat(VMSTAT_GET, &st) < 0)
		fail("vmstat");
	return st.frames_free;
}

static void
bench_exec_big(int rounds)
{
	char *argv[] = { "bigro", 0 };
	uint64 start = 0;
	int i, pid, status;

	for (i = -1; i < rounds; i++) {
		if (i == 0) {
			bench_sync();
			start =
			    instret(); /* the first round reads the file once */
		}
		pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			exec("/bigro", argv);
			fail("exec /bigro");
		}
		if (wait(&status) != pid || status != 0)
			fail("exec /bigro");
	}
	bench_report("exec-bigro", instret() - start, rounds);
}

/* A child: /bigro wait, reading hold[0], telling it runs on ready[1]. */
static void
sleeper(int hold[2], int ready[2])
{
	char *argv[] = { "bigro", "wait", 0 };

	close(0);
	dup(hold[0]);
	close(1);
	dup(ready[1]);
	close(hold[0]);
	close(hold[1]);
	close(ready[0]);
	close(ready[1]);
	exec("/bigro", argv);
	exit(1);
}

static void
bench_sleepers(void)
{
	int hold[2], ready[2], i;
	uint64 before, after;
	char c;

	if (pipe(hold) < 0 || pipe(ready) < 0)
		fail("pipe");
	before = frames_free();
	for (i = 0; i < SLEEPERS; i++) {
		int pid = fork();

		if (pid < 0)
			fail("fork");
		if (pid == 0)
			sleeper(hold, ready);
	}
	for (i = 0; i < SLEEPERS; i++)
		if (read(ready[0], &c, 1) != 1)
			fail("bigro wait");
	after = frames_free();
	close(hold[1]); /* end of file: they exit */
	for (i = 0; i < SLEEPERS; i++)
		wait(0);
	printf("bench frames-bigro-8procs %lu frames\n",
	    (before - after + SLEEPERS / 2) / SLEEPERS);
	close(hold[0]);
	close(ready[0]);
	close(ready[1]);
}

int
main(void)
{
	bench_exec_big(5);
	bench_sleepers();
	return 0;
}
