/*
 * procbench: what processes cost besides fork, in instructions (see
 * user/bench.h), for `make bench`.
 *
 *   exec-true      fork + exec of /true (a program that returns at once) +
 *                  wait: what a shell does for every command
 *   pipe-roundtrip one byte to another process and one byte back, over two
 *                  pipes: two wakeups and two switches
 *   fork-60procs   fork + exit(0) + wait while 60 other processes are alive
 *                  (sleeping in read; only one of them is our child)
 *   fork-60procs-growth  how much more that costs than with one other
 *                  (the same program, files and sharing): 0 when nothing
 *                  scans the processes
 */
#include "kernel/types.h"
#include "user/user.h"
#include "user/bench.h"

#define OTHERS 60

static void
fail(const char *what)
{
	printf("procbench: %s failed\n", what);
	exit(1);
}

static void
bench_exec(int rounds)
{
	char *argv[] = { "true", 0 };
	uint64 start = 0;
	int i, status;

	for (i = -1; i < rounds; i++) {
		int pid;

		if (i == 0) {
			bench_sync();
			start = instret(); /* the first round only warms up */
		}
		pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			exec("/true", argv);
			fail("exec /true");
		}
		if (wait(&status) != pid || status != 0)
			fail("exec /true");
	}
	bench_report("exec-true", instret() - start, rounds);
}

static void
bench_pipe(int rounds)
{
	int there[2], back[2], i;
	uint64 start = 0;
	char c = 'x';

	if (bench_echo_child(there, back) < 0)
		fail("pipe");
	for (i = -1; i < rounds; i++) {
		if (i == 0) {
			bench_sync();
			start = instret();
		}
		if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
			fail("pipe round trip");
	}
	bench_report("pipe-roundtrip", instret() - start, rounds);
	close(there[1]);
	close(back[0]);
	wait(0);
}

/*
 * Instructions of rounds fork+exit+wait, after one round of warm-up and a
 * tick; 0 if a fork failed.
 */
static uint64
fork_rounds(int rounds)
{
	uint64 start = 0;
	int i, pid;

	for (i = -1; i < rounds; i++) {
		if (i == 0) {
			bench_sync();
			start = instret();
		}
		pid = fork();
		if (pid < 0)
			return 0;
		if (pid == 0)
			exit(0);
		wait(0);
	}
	return instret() - start;
}

/*
 * fork+exit+wait with OTHERS other processes alive, and how much more
 * that costs than with one: a helper (our child) starts, waits for a
 * byte, forks OTHERS - 1 processes that sleep reading a pipe (its
 * children, not ours) and reports back.  We measure once before the byte
 * (the helper alone) and once after, with the same open files and the
 * same page-table sharing, so the difference is what the other processes
 * cost a fork: 0 when nothing scans them.
 */
static void
bench_crowd(int rounds)
{
	int hold[2], go[2], ready[2], n;
	uint64 alone, crowd;
	char c;

	if (pipe(hold) < 0 || pipe(go) < 0 || pipe(ready) < 0)
		fail("pipe");
	if (fork() == 0) {
		close(hold[1]);
		if (read(go[0], &c, 1) != 1)
			exit(1);
		for (n = 0; n < OTHERS - 1; n++) {
			int pid = fork();

			if (pid < 0)
				break;
			if (pid == 0) {
				read(hold[0], &c, 1);
				exit(0);
			}
		}
		c = n;
		write(ready[1], &c, 1);
		while (wait(0) >= 0)
			;
		exit(0);
	}
	alone = fork_rounds(rounds);
	write(go[1], "g", 1);
	if (read(ready[0], &c, 1) != 1)
		fail("crowd start");
	if (c != OTHERS - 1)
		printf("# fork-60procs: only %d other processes could start\n",
		    c + 1);
	crowd = fork_rounds(rounds);
	if (alone == 0 || crowd == 0)
		printf("bench fork-60procs n/a no-process-slot\n");
	else {
		bench_report("fork-60procs", crowd, rounds);
		printf("bench fork-60procs-growth %ld instr\n",
		    ((long)crowd - (long)alone) / rounds);
	}
	close(hold[0]);
	close(hold[1]);
	wait(0);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

int
main(void)
{
	bench_exec(5);
	bench_pipe(50);
	bench_crowd(20);
	return 0;
}
