/*
 * t_lockstat: the lockstat system call (kernel/lockstat.h) and program.
 *
 * Bad arguments get -1; work that allocates frames moves the frame
 * allocator's counts ("frame cache", the per-hart caches, and "frames",
 * the global list behind them); three processes (one per hart) each growing, writing, forking
 * and shrinking a 1 MB heap make some lock contended (none on one hart,
 * which holds its locks with interrupts off), and a note line
 * reports how often the frame allocator's locks and the VM lock were; the
 * lockstat program prints every kind as "NAME acquired N contended M",
 * most contended first; and `lockstat -z` sets the counts back to 0.
 */
#include "kernel/types.h"
#include "kernel/lockstat.h"
#include "tests/guest/testlib.h"
#include "user/heaploop.h"

#define WORKERS 3
#define ROUNDS  6 /* contends on 3 harts; few, to keep make check short */
#define MAXK    64

static struct lockstat recs[MAXK];
static char out[8192];

static int
starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static int
read_all(void)
{
	return lockstat(LOCKSTAT_READ, recs, MAXK);
}

static const struct lockstat *
find(int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(recs[i].name, name) == 0)
			return &recs[i];
	return 0;
}

static uint64
acquired_of(const char *name)
{
	const struct lockstat *r = find(read_all(), name);

	return r ? r->acquired : 0;
}

/* The frame allocator's locks: the per-hart caches and the global list. */
static uint64
frames_acquired(void)
{
	return acquired_of("frame cache") + acquired_of("frames");
}

static void
test_bad_args(void)
{
	int bad = 0;

	bad += lockstat(7, recs, MAXK) != -1;
	bad += lockstat(-1, recs, MAXK) != -1;
	bad += lockstat(LOCKSTAT_READ, recs, -1) != -1;
	bad += lockstat(LOCKSTAT_READ, (struct lockstat *)bad_address(0),
		   MAXK) != -1;
	bad += lockstat(LOCKSTAT_READ, recs, 0) != 0;
	check(bad == 0, "lockstat_bad_args", "%d bad calls did not return -1",
	    bad);
}

/* The loop (user/heaploop.h), in a worker process. */
static void
heap_loop(uint64 rounds)
{
	exit(heap_loop_rounds(rounds) == 0 ? ST_GOOD : ST_BAD);
}

static void
test_counts_move(void)
{
	uint64 before = frames_acquired(), after;
	char *p = sbrk(64 * PGSIZE);
	int i;

	for (i = 0; i < 64; i++)
		p[i * PGSIZE] = 1;
	sbrk(-64 * PGSIZE);
	after = frames_acquired();
	check(after >= before + 64, "lockstat_counts_move",
	    "frames acquired %lu before and %lu after 64 pages came and went",
	    before, after);
}

static void
percent_note(int n, const char *name)
{
	const struct lockstat *r = find(n, name);

	if (r == 0 || r->acquired == 0) {
		note("%s: no acquisitions", name);
		return;
	}
	note("%s acquired %lu contended %lu (%lu.%lu percent)", name,
	    r->acquired, r->contended, r->contended * 100 / r->acquired,
	    r->contended * 1000 / r->acquired % 10);
}

static void
test_contention(void)
{
	int i, n, pids[WORKERS], st, bad = 0;
	uint64 contended = 0;

	lockstat(LOCKSTAT_RESET, 0, 0);
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			heap_loop(ROUNDS);
	}
	for (i = 0; i < WORKERS; i++)
		if (pids[i] < 0 || wait(&st) < 0 || st != ST_GOOD)
			bad++;
	n = read_all();
	for (i = 0; i < n; i++)
		contended += recs[i].contended;
	percent_note(n, "frame cache");
	percent_note(n, "frames");
	percent_note(n, "vm");
	if (lockstat(LOCKSTAT_HARTS, 0, 0) < 2) {
		/* One hart never waits for a lock: it holds them with interrupts off. */
		check(bad == 0 && contended == 0, "lockstat_contention",
		    "one hart: %d workers failed; %lu contended acquisitions",
		    bad, contended);
		return;
	}
	check(bad == 0 && contended > 0, "lockstat_contention",
	    "%d workers failed; %lu contended acquisitions in all", bad,
	    contended);
}

/* Runs /lockstat with args; its standard output lands in out. */
static int
run_lockstat(char *arg)
{
	char *argv[] = { "lockstat", arg, 0 };
	int fds[2], pid, len = 0, got, st;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(1);
		dup(fds[1]);
		close(fds[0]);
		close(fds[1]);
		exec("/lockstat", argv);
		exit(ST_BAD);
	}
	close(fds[1]);
	while ((got = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += got;
	out[len] = 0;
	close(fds[0]);
	if (pid < 0 || wait_pid(pid, &st) < 0 || st != 0)
		return -1;
	return len;
}

/* One line "NAME acquired N contended M": M, or -1 if it is not so. */
static long
line_contended(char *line, uint64 *acquired)
{
	char *a = 0, *c = 0, *s;

	for (s = line; *s; s++) {
		if (starts_with(s, " acquired "))
			a = s + 10;
		if (starts_with(s, " contended "))
			c = s + 11;
	}
	if (a == 0 || c == 0 || a == line + 10 || *a < '0' || *a > '9' ||
	    *c < '0' || *c > '9')
		return -1;
	*acquired = atoi(a);
	return atoi(c);
}

static void
test_program(void)
{
	char *line = out, *nl;
	long c, prev = -1;
	int lines = 0, bad = 0, frames = 0;
	uint64 acquired = 0;

	if (run_lockstat(0) < 0) {
		fail("lockstat_program", "lockstat did not run");
		return;
	}
	for (; (nl = strchr(line, '\n')) != 0; line = nl + 1) {
		*nl = 0;
		lines++;
		c = line_contended(line, &acquired);
		if (c < 0 || (prev >= 0 && c > prev))
			bad++;
		if (starts_with(line, "frames acquired ") && acquired > 0)
			frames = 1;
		prev = c;
	}
	check(lines > 3 && bad == 0 && frames, "lockstat_program",
	    "%d lines, %d not 'NAME acquired N contended M' in order, frames %s",
	    lines, bad, frames ? "seen" : "missing");
}

static void
test_reset(void)
{
	uint64 before = frames_acquired(), after;

	if (run_lockstat("-z") < 0) {
		fail("lockstat_reset", "lockstat -z did not run");
		return;
	}
	after = frames_acquired();
	check(before > 1000 && after < before / 4, "lockstat_reset",
	    "frames acquired %lu before lockstat -z and %lu after", before,
	    after);
}

int
main(void)
{
	test_bad_args();
	test_counts_move();
	test_contention();
	test_program();
	test_reset();
	finish();
	return 0;
}
