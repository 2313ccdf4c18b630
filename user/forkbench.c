/*
 * forkbench: what fork and copy-on-write cost.
 *
 * Prints "bench NAME VALUE instr" lines (instructions per operation), read
 * by `make bench`, which runs QEMU with -icount shift=0: there the time
 * CSR advances one unit per 100 instructions, so the numbers are
 * instruction counts, repeatable from run to run.  Under plain `make qemu`
 * the same program prints wall-clock-derived numbers that vary.
 *
 *   fork-N-pages      fork + child exit + wait, the parent holding N heap pages
 *   cow-copy-fault    a write to a page still shared with the parent (copy)
 *   cow-reuse-fault   a write to a COW page nobody else maps any more (reuse)
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"

#define INSTR_PER_TICK 100   /* mtime at 10 MHz, 1 ns per instruction */
#define ROUNDS 20
#define FAULT_PAGES 256

static uint64
now(void)
{
	uint64 t;

	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

static void
report(const char *name, uint64 ticks, uint64 count)
{
	printf("bench %s %lu instr\n", name, ticks * INSTR_PER_TICK / count);
}

static char *
grow(int pages)
{
	char *p = sbrk(pages * PGSIZE);
	int i;

	if (p == (char *)-1) {
		printf("forkbench: sbrk failed\n");
		exit(1);
	}
	for (i = 0; i < pages; i++)
		p[i * PGSIZE] = i;   /* make every page present and private */
	return p;
}

static void
bench_fork(int pages)
{
	char name[32] = "fork-";
	char num[12];
	uint64 start;
	int i, n = 0, v = pages;

	grow(pages);
	do {
		num[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		name[5 + i] = num[n - 1 - i];
	strcpy(name + 5 + n, "-pages");

	start = now();
	for (i = 0; i < ROUNDS; i++) {
		int pid = fork();

		if (pid == 0)
			exit(0);
		wait(0);
	}
	report(name, now() - start, ROUNDS);
	sbrk(-pages * PGSIZE);
}

/* The child writes every page while the parent still shares them. */
static void
bench_copy_fault(void)
{
	char *p = grow(FAULT_PAGES);
	int i, fds[2];
	uint64 t;

	pipe(fds);
	if (fork() == 0) {
		uint64 start = now();

		for (i = 0; i < FAULT_PAGES; i++)
			p[i * PGSIZE] = 1;
		t = now() - start;
		write(fds[1], &t, sizeof(t));
		exit(0);
	}
	read(fds[0], &t, sizeof(t));
	wait(0);
	close(fds[0]);
	close(fds[1]);
	report("cow-copy-fault", t, FAULT_PAGES);
	sbrk(-FAULT_PAGES * PGSIZE);
}

/* After the only sharer exited, the parent's writes reuse the frames. */
static void
bench_reuse_fault(void)
{
	char *p = grow(FAULT_PAGES);
	uint64 start;
	int i;

	if (fork() == 0)
		exit(0);
	wait(0);
	start = now();
	for (i = 0; i < FAULT_PAGES; i++)
		p[i * PGSIZE] = 2;
	report("cow-reuse-fault", now() - start, FAULT_PAGES);
	sbrk(-FAULT_PAGES * PGSIZE);
}

int
main(void)
{
	bench_fork(0);
	bench_fork(256);
	bench_fork(4096);
	bench_copy_fault();
	bench_reuse_fault();
	return 0;
}
