/*
 * lockstat: how often each kind of kernel lock was taken and how often a
 * hart had to wait for it, one line per kind, most contended first:
 *     NAME acquired N contended M
 * Locks of one kind (every pipe, every process) share a line.  With -z,
 * instead set every count back to 0.
 */
#include "kernel/types.h"
#include "kernel/lockstat.h"
#include "user/user.h"

#define MAX_KINDS 64

static struct lockstat recs[MAX_KINDS];

/* More contended first; equal ones by more acquisitions, then by name. */
static int
comes_before(const struct lockstat *a, const struct lockstat *b)
{
	if (a->contended != b->contended)
		return a->contended > b->contended;
	if (a->acquired != b->acquired)
		return a->acquired > b->acquired;
	return strcmp(a->name, b->name) < 0;
}

static void
sort_records(int n)
{
	struct lockstat t;
	int i, j;

	for (i = 1; i < n; i++) {
		t = recs[i];
		for (j = i; j > 0 && comes_before(&t, &recs[j - 1]); j--)
			recs[j] = recs[j - 1];
		recs[j] = t;
	}
}

int
main(int argc, char *argv[])
{
	int i, n;

	if (argc == 2 && strcmp(argv[1], "-z") == 0) {
		if (lockstat(LOCKSTAT_RESET, 0, 0) < 0) {
			fprintf(2, "lockstat: system call failed\n");
			exit(1);
		}
		return 0;
	}
	if (argc != 1) {
		fprintf(2, "usage: lockstat [-z]\n");
		exit(1);
	}
	n = lockstat(LOCKSTAT_READ, recs, MAX_KINDS);
	if (n < 0) {
		fprintf(2, "lockstat: system call failed\n");
		exit(1);
	}
	sort_records(n);
	for (i = 0; i < n; i++)
		printf("%s acquired %lu contended %lu\n", recs[i].name,
		    recs[i].acquired, recs[i].contended);
	return 0;
}
