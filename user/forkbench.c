/*
 * forkbench: what fork and copy-on-write cost, in instructions (see
 * user/bench.h), for `make bench`.
 *
 *   fork-NMB        fork + the child's exit(0) + wait, the parent holding N MB
 *                   of heap, every page written (present and private)
 *   cow-write-page  the first write to a page shared with the parent, all
 *                   costs included: the fault, the copy, and freeing the copy
 *                   at the child's exit.  Measured as the difference between
 *                   fork+exit+wait of a 1 MB parent whose child writes every
 *                   page once and one whose child writes none, per page
 *   cow-reuse-page  the parent's first write to a page after its only sharer
 *                   exited (nothing to copy), per page, the same way
 *   frames-child-NMB  frames a fork of an N MB parent takes from the free
 *                   list while the child has written nothing (vmstat)
 *   sbrk-64MB       sbrk(+64 MB) then sbrk(-64 MB), the heap untouched
 *
 * `forkbench MB` measures fork-MBMB only (make bench runs `forkbench 512`
 * on a machine of 1 GiB, and 1024 on one of 2 GiB).
 *
 * A figure that cannot be measured is printed "n/a REASON": "out-of-memory"
 * when memory ran out (an eager-copy fork of 64 MB on a 128 MiB machine),
 * "nothing-shared" for cow-reuse-page under FORK=copy, whose fork shares
 * no page (the difference of two measurements would be noise, not a cost).
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#include "user/bench.h"

#define MB          (1024 * 1024)
#define WRITE_PAGES 256

/* Grows the heap by n bytes and writes every page; 0 if memory ran out. */
static char *
grow(int n)
{
	char *p = sbrk(n);
	int i;

	if (p == (char *)-1)
		return 0;
	for (i = 0; i < n; i += PGSIZE)
		p[i] = i / PGSIZE;
	return p;
}

static void
not_measured(const char *name, const char *reason)
{
	printf("bench %s n/a %s\n", name, reason);
}

static void
unavailable(const char *name)
{
	not_measured(name, "out-of-memory");
}

static struct vmstat *
vm_counts(void)
{
	static struct vmstat st;

	if (vmstat(VMSTAT_GET, &st) < 0) {
		printf("forkbench: vmstat failed\n");
		exit(1);
	}
	return &st;
}

/*
 * Instructions of rounds fork+exit+wait, the child first writing every
 * page of [p, p + n) when p is not 0; 0 if a fork failed.
 */
static uint64
fork_rounds(int rounds, char *p, int n)
{
	uint64 start = instret();
	int i, j;

	for (i = 0; i < rounds; i++) {
		int pid = fork();

		if (pid < 0)
			return 0;
		if (pid == 0) {
			for (j = 0; p && j < n; j += PGSIZE)
				p[j] = 1;
			exit(0);
		}
		wait(0);
	}
	return instret() - start;
}

/* name = prefix, mb in decimal, "MB". */
static void
name_mb(char *name, const char *prefix, int mb)
{
	char digits[8];
	int n = 0;

	strcpy(name, prefix);
	name += strlen(name);
	do {
		digits[n++] = '0' + mb % 10;
		mb /= 10;
	} while (mb);
	while (n > 0)
		*name++ = digits[--n];
	strcpy(name, "MB");
}

static void
bench_fork(int mb, int rounds)
{
	char name[32];
	uint64 t;

	name_mb(name, "fork-", mb);
	if (mb && grow(mb * MB) == 0) {
		unavailable(name);
		return;
	}
	/* One round first, so every round measured starts from the same state. */
	if (fork_rounds(1, 0, 0) == 0) {
		unavailable(name);
		sbrk(-mb * MB);
		return;
	}
	bench_sync();
	if ((t = fork_rounds(rounds, 0, 0)) == 0)
		unavailable(name);
	else
		bench_report(name, t, rounds);
	sbrk(-mb * MB);
}

static void
bench_write(void)
{
	int n = WRITE_PAGES * PGSIZE;
	char *p = grow(n);
	uint64 quiet, busy;

	if (p == 0 || fork_rounds(1, p, n) == 0) {
		unavailable("cow-write-page");
		return;
	}
	bench_sync();
	quiet = fork_rounds(4, 0, 0);
	busy = fork_rounds(4, p, n);
	if (quiet == 0 || busy == 0)
		unavailable("cow-write-page");
	else
		bench_report("cow-write-page", busy - quiet, 4 * WRITE_PAGES);
	sbrk(-n);
}

/* The parent writes its pages after a child that never wrote has exited. */
static void
bench_reuse(void)
{
	int n = WRITE_PAGES * PGSIZE;
	uint64 start, quiet, busy;
	int i, j;
	char *p;

	if (vm_counts()->fork_mode == FORK_MODE_COPY) {
		not_measured("cow-reuse-page", "nothing-shared");
		return;
	}
	p = grow(n);
	if (p == 0) {
		unavailable("cow-reuse-page");
		return;
	}
	bench_sync();
	for (i = 0, quiet = 0, busy = 0; i < 4; i++) {
		start = instret();
		if (fork_rounds(1, 0, 0) == 0) {
			unavailable("cow-reuse-page");
			return;
		}
		quiet += instret() - start;
		start = instret();
		fork_rounds(1, 0, 0);
		for (j = 0; j < n; j += PGSIZE)
			p[j] = 2;
		busy += instret() - start;
	}
	bench_report("cow-reuse-page", busy - quiet, 4 * WRITE_PAGES);
	sbrk(-n);
}

static uint64
frames_free(void)
{
	return vm_counts()->frames_free;
}

static uint64
cow_faults(void)
{
	return vm_counts()->cow_faults;
}

/*
 * Frames a fork takes: a helper process of mb MB forks a child that writes
 * nothing; this process, which shares no page with either, reads the free
 * count before and after.  After fork the helper only writes a byte to a
 * pipe (from read-only data) and waits with no status pointer, and the
 * child blocks in a read that returns 0 when the pipe closes: neither
 * writes memory, so no copy-on-write copy muddles the count.
 */
static void
bench_frames(int mb)
{
	char name[32], c;
	int ready[2], go[2], hold[2];
	uint64 before, after, faults;
	int helper;

	name_mb(name, "frames-child-", mb);
	if (pipe(ready) < 0 || pipe(go) < 0 || pipe(hold) < 0) {
		printf("forkbench: pipe failed\n");
		exit(1);
	}
	helper = fork();
	if (helper == 0) {
		int ok = grow(mb * MB) != 0, pid;

		close(hold[1]);
		write(ready[1], ok ? "1" : "0", 1);
		if (!ok)
			exit(1);
		read(go[0], &c, 1);
		pid = fork();
		if (pid == 0) {
			read(hold[0], &c, 1);
			exit(0);
		}
		write(ready[1], pid > 0 ? "1" : "0", 1);
		wait(0);
		exit(0);
	}
	close(hold[0]);
	frames_free(); /* our own copy-on-write copies happen now */
	cow_faults();
	if (read(ready[0], &c, 1) != 1 || c != '1') {
		unavailable(name);
		goto out;
	}
	faults = cow_faults();
	before = frames_free();
	write(go[1], "1", 1);
	if (read(ready[0], &c, 1) != 1 || c != '1') {
		unavailable(name);
		goto out;
	}
	after = frames_free();
	printf("bench %s %lu frames\n", name, before - after);
	if (cow_faults() != faults)
		printf("# %s: %lu copy-on-write faults meanwhile\n", name,
		    cow_faults() - faults);
out:
	close(hold[1]);
	wait(0);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* sbrk(+64 MB) then sbrk(-64 MB), untouched: the heap fills on demand. */
static void
bench_sbrk(void)
{
	uint64 start;

	bench_sync();
	start = instret();
	if (sbrk(64 * MB) == (char *)-1) {
		unavailable("sbrk-64MB");
		return;
	}
	sbrk(-64 * MB);
	bench_report("sbrk-64MB", instret() - start, 1);
}

int
main(int argc, char *argv[])
{
	/* forkbench MB: only fork-<MB>MB, on a machine with more memory. */
	if (argc == 2) {
		bench_fork(atoi(argv[1]), 3);
		return 0;
	}
	bench_fork(0, 20);
	bench_fork(1, 10);
	bench_fork(4, 5);
	bench_fork(16, 3);
	bench_fork(64, 3);
	bench_write();
	bench_reuse();
	bench_frames(16);
	bench_frames(64);
	bench_sbrk();
	return 0;
}
