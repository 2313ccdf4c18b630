/*
 * soak SECONDS [SEED]: a mixed load for a bounded time, checking as it goes.
 *
 * Four workers (one per hart and one more), each until the deadline picks
 * at random from:
 * - cow:  fill heap pages with a pattern, fork; the child checks them,
 *         overwrites half and checks again; the parent checks that its
 *         copy never changed (copy-on-write must copy);
 * - pipe: a child streams a pseudo-random byte sequence through a pipe,
 *         the parent checks every byte and the count;
 * - file: write a file in chunks, read it back and compare, unlink it;
 * - exec: fork and exec `wc README` with output to a file, check its
 *         exit status;
 * - kill: fork a child that spins writing its memory, kill it after a
 *         random delay, check it died with status -1;
 * and says FAIL with what went wrong.  The last line is "ok soak" when
 * nothing did; a worker that dies unexpectedly is a FAIL too.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define NWORKERS  4
#define COW_PAGES 16

static uint64 rng;
static int wid;
static int problems;

static uint64
next(void)
{
	return xorshift(&rng);
}

static void
complain(const char *what, int detail)
{
	printf("FAIL soak: worker %d: %s (%d)\n", wid, what, detail);
	problems++;
}

static uchar
byte_at(uint64 seed, uint64 i)
{
	uint64 x = seed * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL;

	return (uchar)(x >> 29 ^ x >> 47);
}

static int
wait_status(int pid)
{
	int st = -999, r;

	while ((r = wait(&st)) >= 0 && r != pid)
		;
	return r == pid ? st : -999;
}

static void
do_cow(void)
{
	char *mem = sbrk(COW_PAGES * PGSIZE);
	uint64 seed = next();
	int i, pid, st, bad = 0;

	if (mem == (char *)-1)
		return; /* memory short: another worker's turn */
	for (i = 0; i < COW_PAGES * PGSIZE; i++)
		mem[i] = byte_at(seed, i);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < COW_PAGES * PGSIZE; i++)
			if ((uchar)mem[i] != byte_at(seed, i))
				exit(2);
		for (i = 0; i < COW_PAGES * PGSIZE; i += 2)
			mem[i] = ~byte_at(seed, i);
		for (i = 0; i < COW_PAGES * PGSIZE; i++)
			if ((uchar)mem[i] !=
			    (i % 2 ? byte_at(seed, i) : (uchar)~byte_at(seed, i)))
				exit(3);
		exit(0);
	}
	if (pid > 0) {
		/* Write our own half too, while the child may still share. */
		for (i = 1; i < COW_PAGES * PGSIZE; i += 512)
			mem[i] = byte_at(seed, i);
		st = wait_status(pid);
		if (st != 0)
			complain("cow child saw wrong bytes", st);
	}
	for (i = 0; i < COW_PAGES * PGSIZE; i++)
		bad += (uchar)mem[i] != byte_at(seed, i);
	if (bad)
		complain("parent's copy changed under copy-on-write", bad);
	sbrk(-COW_PAGES * PGSIZE);
}

static void
do_pipe(void)
{
	int fds[2], pid, n, total = 0, len = 1 + next() % 20000, i, st;
	uint64 seed = next();
	char buf[512];

	if (pipe(fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		for (i = 0; i < len; i += n) {
			n = len - i < (int)sizeof(buf) ? len - i
						       : (int)sizeof(buf);
			n = 1 + (int)(next() % n);
			for (int k = 0; k < n; k++)
				buf[k] = byte_at(seed, i + k);
			if (write(fds[1], buf, n) != n)
				exit(2);
		}
		exit(0);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return;
	}
	while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if ((uchar)buf[i] != byte_at(seed, total + i)) {
				complain("pipe delivered a wrong byte at",
				    total + i);
				break;
			}
		}
		total += n;
	}
	close(fds[0]);
	st = wait_status(pid);
	if (total != len || st != 0)
		complain("pipe lost bytes or the writer failed", total - len);
}

static void
do_file(void)
{
	char name[16] = "/soak.w0", buf[1024];
	uint64 seed = next();
	int fd, len = next() % 30000, i, n, total = 0;

	name[7] = '0' + wid;
	fd = open(name, O_CREATE | O_TRUNC | O_RDWR);
	if (fd < 0) {
		complain("cannot create a file", fd);
		return;
	}
	for (i = 0; i < len; i += n) {
		n = len - i < (int)sizeof(buf) ? len - i : (int)sizeof(buf);
		for (int k = 0; k < n; k++)
			buf[k] = byte_at(seed, i + k);
		if (write(fd, buf, n) != n)
			break; /* the disk may be full of the others' files */
	}
	len = i;
	close(fd);
	fd = open(name, O_RDONLY);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if ((uchar)buf[i] != byte_at(seed, total + i)) {
				complain("file read back a wrong byte at",
				    total + i);
				break;
			}
		}
		total += n;
	}
	if (fd < 0 || total != len)
		complain("file read back the wrong length", total - len);
	close(fd);
	if (unlink(name) < 0)
		complain("cannot unlink a file", 0);
}

static void
do_exec(void)
{
	char *argv[] = { "wc", "README", 0 };
	char name[16] = "/soak.x0";
	int pid, fd, st;

	name[7] = '0' + wid;
	pid = fork();
	if (pid == 0) {
		close(1);
		fd = open(name, O_CREATE | O_TRUNC | O_WRONLY);
		if (fd != 1)
			exit(5);
		exec("wc", argv);
		exit(6);
	}
	if (pid < 0)
		return;
	st = wait_status(pid);
	if (st != 0)
		complain("exec of wc failed with status", st);
	unlink(name);
}

static void
do_kill(void)
{
	int pid, st;
	volatile char *mem;

	pid = fork();
	if (pid == 0) {
		mem = sbrk(4 * PGSIZE);
		if (mem == (char *)-1)
			for (;;)
				;
		for (uint64 i = 0;; i++)
			mem[i % (4 * PGSIZE)] = (char)i;
	}
	if (pid < 0)
		return;
	sleep(next() % 4);
	if (kill(pid) < 0)
		complain("kill of our own child failed", pid);
	st = wait_status(pid);
	if (st != -1)
		complain("killed child's status is not -1", st);
}

static void
worker(int deadline)
{
	while (uptime() < deadline) {
		switch (next() % 5) {
		case 0:
			do_cow();
			break;
		case 1:
			do_pipe();
			break;
		case 2:
			do_file();
			break;
		case 3:
			do_exec();
			break;
		default:
			do_kill();
			break;
		}
	}
	exit(problems ? 1 : 0);
}

int
main(int argc, char *argv[])
{
	int seconds, seed, deadline, i, pid, st, bad = 0;

	if (argc < 2 || (seconds = atoi(argv[1])) <= 0) {
		fprintf(2, "usage: soak SECONDS [SEED]\n");
		exit(1);
	}
	seed = argc > 2 ? atoi(argv[2]) : uptime();
	printf("# soak: %d s, seed %d\n", seconds, seed);
	deadline = uptime() + seconds * 10;
	for (i = 0; i < NWORKERS; i++) {
		wid = i;
		rng = (uint64)(seed + 1) * 0x2545f4914f6cdd1dULL + i;
		pid = fork();
		if (pid == 0)
			worker(deadline);
		if (pid < 0) {
			printf("FAIL soak: fork of worker %d failed\n", i);
			bad++;
		}
	}
	while ((pid = wait(&st)) > 0) {
		if (st != 0) {
			printf("FAIL soak: worker pid %d ended with status %d\n",
			    pid, st);
			bad++;
		}
	}
	if (bad == 0)
		printf("ok soak\n");
	exit(bad != 0);
}
