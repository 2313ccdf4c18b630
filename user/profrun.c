/*
 * profrun: the workload tools/profile traces.
 *
 *   profrun fork|exec|pipe|write|crowd|big ROUNDS
 *
 * Prints "profrun ready", waits for one line on standard input (the
 * profiler turns tracing on meanwhile), then runs ROUNDS rounds of the
 * workload and prints "profrun done".  Each round begins with a call of
 * prof_round(), whose address the profiler finds in this program's symbol
 * table: the instructions between two calls are one round.
 *
 *   fork   fork; the child exits at once; the parent waits
 *   exec   fork; the child execs /true; the parent waits (what a shell does)
 *   pipe   one byte to a child and one byte back, over two pipes
 *   write  fork; the child writes each of 64 pages once and exits; the
 *          parent waits (the copy-on-write faults)
 *   crowd  fork+exit+wait while 60 other processes sleep (as procbench's
 *          fork-60procs: one helper child and its 59 children)
 *   big    fork+exit+wait of a parent holding 64 MB of heap, every page
 *          written (as forkbench's 64 MB figure)
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"
#include "user/bench.h"

__attribute__((noinline)) void
prof_round(void)
{
	asm volatile("");
}

/*
 * Each workload runs its rounds in one loop, with no function call but
 * the system calls and prof_round(): the parent writes no memory between
 * rounds, as forkbench's loops do (a write to its stack would take a
 * copy-on-write fault after every fork and count it).
 */
static void
fail(const char *what)
{
	printf("profrun: %s failed\n", what);
	exit(1);
}

static void
fork_rounds(int n)
{
	int i, pid;

	for (i = 0; i < n; i++) {
		prof_round();
		pid = fork();
		if (pid == 0)
			exit(0);
		if (pid < 0)
			fail("fork");
		wait(0);
	}
}

static char *true_argv[] = { "true", 0 };

static void
exec_rounds(int n)
{
	int i, pid;

	for (i = 0; i < n; i++) {
		prof_round();
		pid = fork();
		if (pid == 0) {
			exec("/true", true_argv);
			fail("exec /true");
		}
		if (pid < 0)
			fail("fork");
		wait(0);
	}
}

#define WRITE_PAGES 64
#define BIG_BYTES   (64 * 1024 * 1024)

static char *pages;

static void
write_rounds(int n)
{
	int i, j, pid;

	for (i = 0; i < n; i++) {
		prof_round();
		pid = fork();
		if (pid == 0) {
			for (j = 0; j < WRITE_PAGES; j++)
				pages[j * PGSIZE] = 1;
			exit(0);
		}
		if (pid < 0)
			fail("fork");
		wait(0);
	}
}

/* sbrk(+64 MB) then sbrk(-64 MB), untouched: forkbench's sbrk-64MB. */
static void
sbrk_rounds(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		prof_round();
		if (sbrk(BIG_BYTES) == (char *)-1)
			fail("sbrk");
		sbrk(-BIG_BYTES);
	}
}

static int to_child[2], to_parent[2];
static char byte = 'x';

/* 60 other processes, sleeping until to_child[1] closes. */
static void
crowd_start(void)
{
	int n, pid;

	if (pipe(to_child) < 0 || pipe(to_parent) < 0)
		fail("pipe");
	if (fork() == 0) {
		close(to_child[1]);
		for (n = 0; n < 59; n++) {
			pid = fork();
			if (pid < 0)
				fail("fork");
			if (pid == 0) { /* a sleeper */
				read(to_child[0], &byte, 1);
				exit(0);
			}
		}
		write(to_parent[1], &byte, 1);
		while (wait(0) >= 0)
			;
		exit(0);
	}
	close(to_child[0]);
	if (read(to_parent[0], &byte, 1) != 1)
		fail("crowd");
}

static void
pipe_rounds(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		prof_round();
		if (write(to_child[1], &byte, 1) != 1 ||
		    read(to_parent[0], &byte, 1) != 1)
			fail("pipe round");
	}
}

int
main(int argc, char *argv[])
{
	void (*rounds_of)(int);
	char line[8];
	int i, rounds;

	if (argc != 3 || (rounds = atoi(argv[2])) <= 0)
		goto usage;
	if (strcmp(argv[1], "fork") == 0)
		rounds_of = fork_rounds;
	else if (strcmp(argv[1], "exec") == 0)
		rounds_of = exec_rounds;
	else if (strcmp(argv[1], "write") == 0) {
		pages = sbrk(WRITE_PAGES * PGSIZE);
		if (pages == (char *)-1)
			fail("sbrk");
		for (i = 0; i < WRITE_PAGES; i++)
			pages[i * PGSIZE] = 0;
		rounds_of = write_rounds;
	} else if (strcmp(argv[1], "big") == 0) {
		pages = sbrk(BIG_BYTES);
		if (pages == (char *)-1)
			fail("sbrk");
		for (i = 0; i < BIG_BYTES / PGSIZE; i++)
			pages[i * PGSIZE] = 1;
		rounds_of = fork_rounds;
	} else if (strcmp(argv[1], "sbrk") == 0) {
		rounds_of = sbrk_rounds;
	} else if (strcmp(argv[1], "crowd") == 0) {
		crowd_start();
		rounds_of = fork_rounds;
	} else if (strcmp(argv[1], "pipe") == 0) {
		if (bench_echo_child(to_child, to_parent) < 0)
			fail("pipe");
		rounds_of = pipe_rounds;
	} else
		goto usage;

	/* Warm up: the first rounds touch memory and code paths once. */
	rounds_of(2);
	printf("profrun ready\n");
	gets(line, sizeof(line));
	rounds_of(rounds);
	prof_round();
	printf("profrun done\n");
	if (rounds_of == pipe_rounds || strcmp(argv[1], "crowd") == 0) {
		close(to_child[1]);
		wait(0);
	}
	return 0;
usage:
	fprintf(2, "usage: profrun fork|exec|pipe|write|crowd|big|sbrk ROUNDS\n");
	exit(1);
}
