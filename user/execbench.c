/*
 * execbench: what running a big program costs (see user/bench.h), for
 * `make bench`.  The program is user/bigro.c: 192 KB of read-only data,
 * two pages of it touched.
 *
 *   exec-bigro          fork + exec of /bigro + wait, its file used once
 *                       before (compare with procbench's exec-true: a
 *                       program whose file is not read twice costs about
 *                       as much as an empty one); "n/a reads-the-disk"
 *                       while a run reads the disk, since the instructions
 *                       a hart runs while it waits for the disk depend on
 *                       the host's speed (see user/fsbench.c)
 *   exec-bigro-reads    disk reads per run of it (the diskstat device):
 *                       exact on every host
 *   frames-bigro-8procs the frames that each of 8 processes running
 *                       /bigro at once, all asleep, takes from the free
 *                       list (its total over 8, rounded): what they
 *                       cannot share
 */
#include "kernel/types.h"
#include "kernel/vmstat.h"
#include "kernel/fcntl.h"
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

/* Disk reads so far: the number on diskstat's first line ("reads N"). */
static uint64
disk_reads(void)
{
	char text[64], *p = text;
	int fd, n;
	uint64 v = 0;

	/* The diskstat device is major 2 (fsbench makes it the same way). */
	if ((fd = open("/diskstat", O_RDONLY)) < 0 &&
	    (mknod("/diskstat", 2, 0) < 0 ||
		(fd = open("/diskstat", O_RDONLY)) < 0))
		fail("open /diskstat");
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = 0;
	while (*p && (*p < '0' || *p > '9'))
		p++;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	return v;
}

static void
bench_exec_big(int rounds)
{
	char *argv[] = { "bigro", 0 };
	uint64 start = 0, reads = 0;
	int i, pid, status;

	/* The first round reads the file once. */
	for (i = -1; i < rounds; i++) {
		if (i == 0) {
			bench_sync();
			reads = disk_reads();
			start = instret();
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
	start = instret() - start;
	reads = disk_reads() - reads;
	if (reads > 0)
		printf("bench exec-bigro n/a reads-the-disk\n");
	else
		bench_report("exec-bigro", start, rounds);
	printf("bench exec-bigro-reads %lu reads\n", reads / rounds);
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
