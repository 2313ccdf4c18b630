/*
 * t_pipe: pipes.
 *
 * Checks:
 *  - 64 KiB (far more than the pipe buffer) sent by a child in writes of
 *    changing sizes arrive complete and in order (every byte checked, and
 *    a checksum), read in pieces of changing sizes;
 *  - one 64 KiB write() call is taken whole while the other side reads;
 *  - after the write end is closed, read returns the remaining data, then
 *    0 (twice); a reader blocked in read wakes with 0 when the last
 *    writer closes;
 *  - with the read end closed, write returns -1; a writer blocked on a
 *    full pipe is released when the reader closes (-1 or a short count);
 *  - five children writing into one pipe at once: the reader gets exactly
 *    the bytes each wrote;
 *  - read on the write end and write on the read end return -1;
 *  - pipe() with only one free descriptor slot fails with -1 and uses
 *    up nothing.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define BIG        (64 * 1024)
#define NWRITERS   5
#define PER_WRITER 5120

static char buf[BIG];

static void
test_big_transfer(void)
{
	int p[2], pid, st = 99, got = 0, n, chunk = 1, bad = -1;
	uint sum = 0, want = 0;
	int i;

	for (i = 0; i < BIG; i++)
		want += pattern_byte(i, 3) * (uint)(i % 251 + 1);
	if (pipe(p) < 0) {
		fail("big_transfer", "pipe failed");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int off = 0, w = 1;

		close(p[0]);
		fill_pattern(buf, BIG, 0, 3);
		while (off < BIG) {
			if (w > BIG - off)
				w = BIG - off;
			if (write(p[1], buf + off, w) != w)
				exit(ST_BAD);
			off += w;
			w = w * 3 % 1500 + 1;
		}
		exit(0);
	}
	close(p[1]);
	memset(buf, 0, sizeof(buf));
	while ((n = read(p[0], buf + got,
		    chunk < BIG - got ? chunk : BIG - got)) > 0) {
		got += n;
		chunk = chunk * 7 % 2000 + 1;
		if (got == BIG)
			break;
	}
	/* Nothing more may come. */
	n = read(p[0], buf, 1);
	close(p[0]);
	wait_pid(pid, &st);
	for (i = 0; i < got; i++)
		sum += (uchar)buf[i] * (uint)(i % 251 + 1);
	bad = find_mismatch(buf, got, 0, 3);
	check(pid > 0 && got == BIG && n == 0 && sum == want && bad < 0 && st == 0,
	    "big_transfer",
	    "got %d of %d bytes, extra read %d, first bad byte %d, checksum "
	    "%x want %x, writer status %d",
	    got, BIG, n, bad, sum, want, st);
}

static void
test_one_big_write(void)
{
	int p[2], pid, st = 99, got = 0, n;

	if (pipe(p) < 0) {
		fail("one_big_write", "pipe failed");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		fill_pattern(buf, BIG, 0, 4);
		exit(write(p[1], buf, BIG) == BIG ? 0 : ST_BAD);
	}
	close(p[1]);
	memset(buf, 0, sizeof(buf));
	while (got < BIG && (n = read(p[0], buf + got, BIG - got)) > 0)
		got += n;
	close(p[0]);
	wait_pid(pid, &st);
	check(got == BIG && st == 0 && find_mismatch(buf, BIG, 0, 4) < 0,
	    "one_big_write",
	    "got %d bytes; writer status %d (%d: write "
	    "returned short)",
	    got, st, ST_BAD);
}

static void
test_eof(void)
{
	int p[2], pid, st = 99, r1, r2, r3;
	char b[200];

	if (pipe(p) < 0) {
		fail("eof_after_drain", "pipe failed");
		return;
	}
	write(p[1], "0123456789", 10);
	close(p[1]);
	r1 = read(p[0], b, sizeof(b));
	r2 = read(p[0], b, sizeof(b));
	r3 = read(p[0], b, sizeof(b));
	close(p[0]);
	check(r1 == 10 && r2 == 0 && r3 == 0, "eof_after_drain",
	    "reads returned %d, %d, %d; want 10, 0, 0", r1, r2, r3);

	/* A reader already asleep in read() must wake up with 0. */
	if (pipe(p) < 0) {
		fail("eof_wakes_reader", "pipe failed");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		exit(read(p[0], b, sizeof(b)) == 0 ? ST_GOOD : ST_BAD);
	}
	close(p[0]);
	sleep(3);
	close(p[1]);
	if (wait_timeout(pid, 50, &st) < 0)
		fail("eof_wakes_reader",
		    "reader still blocked 5 s after the "
		    "last write end closed");
	else
		check(st == ST_GOOD, "eof_wakes_reader", "reader %s",
		    st == ST_BAD ? "read something other than 0"
				 : status_word(st));
}

static void
test_no_reader(void)
{
	int p[2], pid, st = 99, r;

	if (pipe(p) < 0) {
		fail("write_no_reader", "pipe failed");
		return;
	}
	close(p[0]);
	r = write(p[1], "x", 1);
	close(p[1]);
	check(r == -1, "write_no_reader",
	    "write with the read end closed returned %d", r);

	/* A writer blocked on a full pipe must be released by the close. */
	if (pipe(p) < 0) {
		fail("write_blocked_reader_closes", "pipe failed");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		r = write(p[1], buf, BIG);
		exit(r < BIG ? ST_GOOD : ST_BAD);
	}
	close(p[1]);
	sleep(3);
	close(p[0]);
	if (wait_timeout(pid, 50, &st) < 0)
		fail("write_blocked_reader_closes",
		    "writer still blocked 5 s "
		    "after the read end closed");
	else
		check(st == ST_GOOD, "write_blocked_reader_closes", "writer %s",
		    st == ST_BAD ? "wrote all 64 KiB into a pipe nobody read"
				 : status_word(st));
}

static void
test_many_writers(void)
{
	int p[2], i, n, pid, st, total = 0, bad_status = 0;
	int count[NWRITERS];
	char b[700];

	if (pipe(p) < 0) {
		fail("many_writers", "pipe failed");
		return;
	}
	for (i = 0; i < NWRITERS; i++) {
		pid = fork();
		if (pid < 0) {
			fail("many_writers", "fork failed");
			break;
		}
		if (pid == 0) {
			int left = PER_WRITER, w = 1;

			close(p[0]);
			memset(b, 'A' + i, sizeof(b));
			while (left > 0) {
				if (w > left)
					w = left;
				if (write(p[1], b, w) != w)
					exit(ST_BAD);
				left -= w;
				w = w * 5 % (int)sizeof(b) + 1;
			}
			exit(0);
		}
	}
	close(p[1]);
	memset(count, 0, sizeof(count));
	while ((n = read(p[0], b, sizeof(b))) > 0) {
		int j;

		for (j = 0; j < n; j++) {
			int who = b[j] - 'A';

			if (who >= 0 && who < NWRITERS)
				count[who]++;
		}
		total += n;
	}
	close(p[0]);
	while ((pid = wait(&st)) > 0)
		if (st != 0)
			bad_status = st;
	for (i = 0; i < NWRITERS; i++)
		if (count[i] != PER_WRITER)
			break;
	check(total == NWRITERS * PER_WRITER && i == NWRITERS && bad_status == 0,
	    "many_writers",
	    "read %d bytes of %d; writer %d sent %d of %d; a writer's status %d",
	    total, NWRITERS * PER_WRITER, i, i < NWRITERS ? count[i] : 0,
	    PER_WRITER, bad_status);
}

static void
test_wrong_end(void)
{
	int p[2], r1, r2;
	char c;

	if (pipe(p) < 0) {
		fail("wrong_end", "pipe failed");
		return;
	}
	write(p[1], "z", 1);
	r1 = read(p[1], &c, 1);
	r2 = write(p[0], "y", 1);
	close(p[0]);
	close(p[1]);
	check(r1 == -1 && r2 == -1, "wrong_end",
	    "read of the write end %d, write of the read end %d", r1, r2);
}

static void
test_fd_table_full(void)
{
	int fds[NOFILE], n = 0, i, p[2] = { -7, -7 }, r, probe;

	/* Leave exactly one slot free: pipe needs two. */
	for (;;) {
		int fd = open("README", O_RDONLY);

		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	if (n == 0) {
		fail("pipe_fd_table_full", "could not open README");
		return;
	}
	close(fds[--n]);
	r = pipe(p);
	probe = open("README", O_RDONLY);
	check(r == -1 && probe >= 0, "pipe_fd_table_full",
	    "pipe with one free slot returned %d (fds %d %d); the free slot "
	    "%s",
	    r, p[0], p[1], probe >= 0 ? "stayed free" : "was used up");
	if (probe >= 0)
		close(probe);
	if (r == 0) {
		close(p[0]);
		close(p[1]);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
}

int
main(void)
{
	test_big_transfer();
	test_one_big_write();
	test_eof();
	test_no_reader();
	test_many_writers();
	test_wrong_end();
	test_fd_table_full();
	finish();
	return 0;
}
