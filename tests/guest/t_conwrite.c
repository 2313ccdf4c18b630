/*
 * t_conwrite N: three processes write N lines each to the console at the
 * same time, every line with one write().  tests/conwrite.py checks that
 * every line arrives whole: one write() to the console is not cut into
 * by another process's (on several harts the writers really run at once).
 */
#include "kernel/types.h"
#include "user/user.h"

#define WRITERS 3
#define WIDTH   60

static void
writer(int k, int n)
{
	char line[WIDTH + 1];
	int i;

	memset(line, 'a' + k, WIDTH);
	memmove(line, "conwrite ", 9);
	line[9] = '0' + k;
	line[10] = ' ';
	line[WIDTH] = '\n';
	for (i = 0; i < n; i++)
		if (write(1, line, WIDTH + 1) != WIDTH + 1)
			exit(1);
	exit(0);
}

int
main(int argc, char *argv[])
{
	int n = argc > 1 ? atoi(argv[1]) : 40, k, st, bad = 0;

	for (k = 0; k < WRITERS; k++)
		if (fork() == 0)
			writer(k, n);
	for (k = 0; k < WRITERS; k++)
		if (wait(&st) < 0 || st != 0)
			bad++;
	printf("conwrite done: %d writers failed\n", bad);
	exit(0);
}
