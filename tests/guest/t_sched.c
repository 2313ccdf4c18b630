/*
 * t_sched: the scheduler shares the harts fairly, and timed sleeps end on
 * time.
 *
 * Checks:
 *  - fairness: more CPU-bound processes than harts spin, all from the same
 *    moment (they wait on a pipe until the parent has forked them all)
 *    until the same clock tick, each counting the ticks in which it ran;
 *    with one FIFO run queue and a one-tick time slice each runs in about
 *    half of them, so the fewest must be at least an eighth of the most (a
 *    starved one runs in none).  Ticks run in, not loop iterations: how
 *    fast an iteration goes depends on how the host runs QEMU's harts,
 *    while which process a hart runs each tick is the scheduler's choice;
 *  - timed sleeps: several processes sleeping different numbers of ticks
 *    at once each sleep at least as long as asked and not much longer
 *    (the timer wakes sleepers in order of their deadline);
 *  - a process blocked reading a pipe costs nothing: while many sleep,
 *    fork+exit+wait still works and they all wake when the pipe closes.
 */
#include "kernel/types.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define NSPIN      6
#define SPIN_TICKS 20
#define NSLEEP     6
#define NBLOCKED   20

/* Wait for the start (the tick to spin until), then report the ticks run in. */
static void
spinner(int go, int fd)
{
	int until = 0, now, last = -1;
	uint64 seen = 0;

	if (read(go, &until, sizeof(until)) == sizeof(until)) {
		while ((now = uptime()) < until) {
			if (now != last)
				seen++;
			last = now;
		}
	}
	write(fd, &seen, sizeof(seen));
	exit(0);
}

static void
test_fairness(void)
{
	int go[2], p[2], i, until[NSPIN], got = 0;
	uint64 n, lo = ~0UL, hi = 0;

	if (pipe(go) < 0 || pipe(p) < 0) {
		fail("fair_share", "pipe failed");
		return;
	}
	for (i = 0; i < NSPIN; i++) {
		int pid = fork();

		if (pid == 0) {
			close(p[0]);
			spinner(go[0], p[1]);
		}
	}
	close(p[1]);
	for (i = 0; i < NSPIN; i++)
		until[i] = uptime() + SPIN_TICKS;
	write(go[1], until, sizeof(until)); /* all start now */
	close(go[0]);
	close(go[1]);
	while (read(p[0], &n, sizeof(n)) == sizeof(n)) {
		got++;
		if (n < lo)
			lo = n;
		if (n > hi)
			hi = n;
	}
	close(p[0]);
	while (wait(0) > 0)
		;
	note("ticks run in, of %d: fewest %d, most %d", SPIN_TICKS, (int)lo,
	    (int)hi);
	check(got == NSPIN && lo * 8 >= hi, "fair_share",
	    "%d of %d spinners reported; fewest ticks run in %d, most %d of %d",
	    got, NSPIN, (int)lo, (int)hi, SPIN_TICKS);
}

static void
test_timed_sleeps(void)
{
	int i, status, good = 0, first_bad = 0;

	for (i = 0; i < NSLEEP; i++) {
		int pid = fork();

		if (pid == 0) {
			int want = (NSLEEP - i) * 2, t0 = uptime(), slept;

			sleep(want);
			slept = uptime() - t0;
			/* Early is a bug; late by over 50 ticks would be a lost wakeup. */
			exit(slept >= want && slept < want + 50 ? ST_GOOD
								: 1000 + slept);
		}
	}
	while (wait(&status) > 0) {
		if (status == ST_GOOD)
			good++;
		else if (first_bad == 0)
			first_bad = status;
	}
	check(good == NSLEEP, "timed_sleeps_on_time",
	    "%d of %d sleepers woke on time (a bad one: 1000 + ticks slept = %d)",
	    good, NSLEEP, first_bad);
}

static void
test_blocked_readers(void)
{
	int p[2], i, status, reaped = 0, forks = 0;
	char c;

	if (pipe(p) < 0) {
		fail("blocked_readers_wake", "pipe failed");
		return;
	}
	for (i = 0; i < NBLOCKED; i++) {
		int pid = fork();

		if (pid == 0) {
			close(p[1]);
			exit(read(p[0], &c, 1) == 0 ? ST_GOOD : ST_BAD);
		}
	}
	for (i = 0; i < 50; i++) {
		int pid = fork();

		if (pid == 0)
			exit(7);
		/* The readers are still blocked: the only child that can exit is this one. */
		if (pid > 0 && wait(&status) == pid && status == 7)
			forks++;
	}
	close(p[0]);
	close(p[1]); /* every reader sees end of file */
	while (wait(&status) > 0)
		if (status == ST_GOOD)
			reaped++;
	check(forks == 50 && reaped == NBLOCKED, "blocked_readers_wake",
	    "%d of 50 fork+wait rounds with %d readers asleep; %d readers woke at end of file",
	    forks, NBLOCKED, reaped);
}

int
main(void)
{
	test_fairness();
	test_timed_sleeps();
	test_blocked_readers();
	finish();
}
