/*
 * profrun: the workload tools/profile traces.
 *
 *   profrun fork|exec|pipe|write ROUNDS
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

static void
fork_round(void)
{
	int pid = fork();

	if (pid == 0)
		exit(0);
	if (pid < 0) {
		printf("profrun: fork failed\n");
		exit(1);
	}
	wait(0);
}

static void
exec_round(void)
{
	char *argv[] = { "true", 0 };
	int pid = fork();

	if (pid == 0) {
		exec("/true", argv);
		printf("profrun: exec /true failed\n");
		exit(1);
	}
	if (pid < 0) {
		printf("profrun: fork failed\n");
		exit(1);
	}
	wait(0);
}

#define WRITE_PAGES 64

static char *pages;

static void
write_round(void)
{
	int pid = fork(), i;

	if (pid == 0) {
		for (i = 0; i < WRITE_PAGES; i++)
			pages[i * PGSIZE] = 1;
		exit(0);
	}
	if (pid < 0) {
		printf("profrun: fork failed\n");
		exit(1);
	}
	wait(0);
}

static int to_child[2], to_parent[2];

static void
pipe_round(void)
{
	char c = 'x';

	if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1) {
		printf("profrun: pipe round failed\n");
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	void (*round)(void);
	char line[8];
	int i, rounds;

	if (argc != 3 || (rounds = atoi(argv[2])) <= 0)
		goto usage;
	if (strcmp(argv[1], "fork") == 0)
		round = fork_round;
	else if (strcmp(argv[1], "exec") == 0)
		round = exec_round;
	else if (strcmp(argv[1], "write") == 0) {
		pages = sbrk(WRITE_PAGES * PGSIZE);
		if (pages == (char *)-1) {
			printf("profrun: sbrk failed\n");
			exit(1);
		}
		for (i = 0; i < WRITE_PAGES; i++)
			pages[i * PGSIZE] = 0;
		round = write_round;
	} else if (strcmp(argv[1], "pipe") == 0) {
		if (bench_echo_child(to_child, to_parent) < 0) {
			printf("profrun: pipe failed\n");
			exit(1);
		}
		round = pipe_round;
	} else
		goto usage;

	/* Warm up: the first rounds touch memory and code paths once. */
	round();
	round();
	printf("profrun ready\n");
	gets(line, sizeof(line));
	for (i = 0; i < rounds; i++) {
		prof_round();
		round();
	}
	prof_round();
	printf("profrun done\n");
	if (round == pipe_round) {
		close(to_child[1]);
		wait(0);
	}
	return 0;
usage:
	fprintf(2, "usage: profrun fork|exec|pipe|write ROUNDS\n");
	exit(1);
}
