/*
 * lockbench: how often the frame allocator's locks and the VM lock make a
 * hart wait, for `make bench`, which runs it on a machine of 3 harts.
 *
 * Counts are reset (lockstat -z), then one worker per hart runs the loop of
 * user/heaploop.h (grow a 1 MB heap, write it, fork, shrink it) ROUNDS
 * times; then, for each kind of lock below, two figures:
 *     bench lock-KIND-acquired N acquired
 *     bench lock-KIND-contended M contended
 * (KIND is the lock's name with '-' for ' ').  Unlike the instruction
 * counts, these vary from run to run: they depend on how the harts'
 * instructions interleave.  `lockbench N` runs N rounds per worker.
 */
#include "kernel/types.h"
#include "kernel/lockstat.h"
#include "user/user.h"
#include "user/heaploop.h"

#define ROUNDS   40
#define MAXKINDS 64

static struct lockstat recs[MAXKINDS];

/* The locks the issue sets targets for, by their lockstat names. */
static const char *const reported[] = { "frame cache", "frames", "vm" };

static void
report(int n, const char *name)
{
	char kind[LOCKSTAT_NAME];
	int i;

	for (i = 0; name[i] && i < LOCKSTAT_NAME - 1; i++)
		kind[i] = name[i] == ' ' ? '-' : name[i];
	kind[i] = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(recs[i].name, name) != 0)
			continue;
		printf("bench lock-%s-acquired %lu acquired\n", kind,
		    recs[i].acquired);
		printf("bench lock-%s-contended %lu contended\n", kind,
		    recs[i].contended);
		return;
	}
	printf("bench lock-%s-acquired n/a no-such-lock\n", kind);
}

int
main(int argc, char *argv[])
{
	int harts = lockstat(LOCKSTAT_HARTS, 0, 0);
	uint64 rounds = argc == 2 ? atoi(argv[1]) : ROUNDS;
	int i, n, st, failed = 0;

	if (harts < 1 || lockstat(LOCKSTAT_RESET, 0, 0) < 0) {
		fprintf(2, "lockbench: lockstat failed\n");
		exit(1);
	}
	for (i = 0; i < harts; i++) {
		int pid = fork();

		if (pid == 0)
			exit(heap_loop_rounds(rounds) == 0 ? 0 : 1);
		if (pid < 0)
			failed++;
	}
	while (wait(&st) >= 0)
		failed += st != 0;
	n = lockstat(LOCKSTAT_READ, recs, MAXKINDS);
	if (failed || n < 0) {
		fprintf(2, "lockbench: %d workers failed\n", failed);
		exit(1);
	}
	printf("bench lock-harts %d harts\n", harts);
	for (i = 0; i < (int)(sizeof(reported) / sizeof(reported[0])); i++)
		report(n, reported[i]);
	return 0;
}
