/*
 * faultwl: the workload of the disk-error test (tools/faulttest.py).
 *
 *   faultwl run N     make the files /fw/f0 .. /fw/f(N-1), each SIZE bytes
 *                     of its own pattern, reading back every file made so
 *                     far after each one; go on whatever fails
 *   faultwl check N   say which of those files are there, whole
 *
 * run prints "fw err mkdir" if it cannot make /fw, and for file K:
 *   fw ok K        open, both writes and close succeeded: K is committed
 *   fw err K       one of them failed (returned -1 or wrote less)
 * and for each read-back of a committed file J:
 *   fw rerr J      a read failed (-1): allowed, the disk failed a request
 *   fw bad J       a read succeeded with the wrong bytes: never allowed
 * It starts and ends with "fw disk R W F", the disk requests so far (the
 * diskstat device), so the test can aim errors inside the workload, and
 * the last line is "fw finished".  run brings in all of its own program's
 * pages first (exec maps them lazily): a failed read while paging one in
 * would kill the workload ("mapped file unreadable"), not fail a system
 * call, so every error the test aims lands on a file system read.
 *
 * check prints "fw have K" for each file with the right size and bytes,
 * "fw lost K" for the others.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define SIZE      2500 /* three blocks: two writes, each its own commit */
#define BLOCK     1024 /* BSIZE */
#define MAXFILES  64
#define DISKSTAT  2 /* major of kernel/dev/dev.h's diskstat device */
#define STAT_PATH "/fwdisk"

static char want[SIZE], got[SIZE + 1];

static int
min(int a, int b)
{
	return a < b ? a : b;
}

static void
name_of(char *path, int k)
{
	strcpy(path, "/fw/f00");
	path[5] = '0' + k / 10;
	path[6] = '0' + k % 10;
}

static void
pattern(int k)
{
	int i;

	for (i = 0; i < SIZE; i++)
		want[i] = 'a' + (k * 11 + i * 7 + i / 97) % 26;
}

/* 1: file k is whole; 0: missing or wrong; -1: a read failed. */
static int
file_state(int k)
{
	char path[16];
	int fd, n = 0, total = 0;

	name_of(path, k);
	pattern(k);
	if ((fd = open(path, O_RDONLY)) < 0)
		return 0;
	/* A block per read(), so a block that cannot be read fails a call. */
	while (total <= SIZE &&
	    (n = read(fd, got + total, min(BLOCK, SIZE + 1 - total))) > 0)
		total += n;
	close(fd);
	if (n < 0)
		return -1;
	return total == SIZE && memcmp(got, want, SIZE) == 0;
}

static int
make_file(int k)
{
	char path[16];
	int fd, ok, half = SIZE / 2;

	name_of(path, k);
	pattern(k);
	if ((fd = open(path, O_CREATE | O_WRONLY)) < 0)
		return 0;
	ok = write(fd, want, half) == half &&
	    write(fd, want + half, SIZE - half) == SIZE - half;
	return close(fd) == 0 && ok;
}

/* "fw disk READS WRITES FLUSHES" from the diskstat device, if it can be had. */
static void
disk_counts(void)
{
	char text[160], *p;
	uint64 v[3] = { 0, 0, 0 };
	int fd, n, i;

	mknod(STAT_PATH, DISKSTAT, 0); /* fails if it exists: fine */
	if ((fd = open(STAT_PATH, O_RDONLY)) < 0)
		return;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = 0;
	p = text;
	for (i = 0; i < 3; i++) {
		while (*p && (*p < '0' || *p > '9'))
			p++;
		while (*p >= '0' && *p <= '9')
			v[i] = v[i] * 10 + (*p++ - '0');
	}
	printf("fw disk %lu %lu %lu\n", v[0], v[1], v[2]);
}

static void
run(int n)
{
	char committed[MAXFILES];
	int k, j, r;

	image_resident();
	disk_counts();
	if (mkdir("/fw") < 0)
		printf("fw err mkdir\n");
	for (k = 0; k < n; k++) {
		committed[k] = make_file(k);
		printf("fw %s %d\n", committed[k] ? "ok" : "err", k);
		for (j = 0; j <= k; j++) {
			if (!committed[j])
				continue;
			if ((r = file_state(j)) < 0)
				printf("fw rerr %d\n", j);
			else if (r == 0)
				printf("fw bad %d\n", j);
		}
	}
	disk_counts();
	printf("fw finished\n");
}

int
main(int argc, char *argv[])
{
	int n, k;

	if (argc != 3 || (n = atoi(argv[2])) < 1 || n > MAXFILES) {
		fprintf(2, "usage: faultwl run|check N (N <= %d)\n", MAXFILES);
		exit(1);
	}
	if (strcmp(argv[1], "run") == 0) {
		run(n);
	} else if (strcmp(argv[1], "check") == 0) {
		for (k = 0; k < n; k++)
			printf("fw %s %d\n",
			    file_state(k) == 1 ? "have" : "lost", k);
	} else {
		fprintf(2, "usage: faultwl run|check N\n");
		exit(1);
	}
	exit(0);
}
