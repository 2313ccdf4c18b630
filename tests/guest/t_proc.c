/*
 * t_proc: process creation, exit and wait, at the limits.
 *
 * Checks:
 *  - NPROC exhaustion: forking children that stay alive eventually fails
 *    with exactly -1, by the time NPROC processes exist (init, the shell
 *    and this program count, so at most NPROC - 3 children); after they
 *    all exit and are reaped, the same number can be forked again (no
 *    process slot leaked);
 *  - a storm of 200 rounds of 4 children each, every child exiting with
 *    its own status, every status matched to its pid by wait;
 *  - every child's getpid equals fork's return, and pids are distinct;
 *  - a chain of 20 generations, each waiting for its child and passing its
 *    status on plus one;
 *  - a child's memory is its own copy: its writes do not reach the parent;
 *  - orphans (children of an exited parent) are not reported to the
 *    grandparent, and once they exit their slots come back (init reaps);
 *    also when they had exited already, so init gets them as zombies.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define ROUNDS    200
#define PER_ROUND 4
#define CHAIN     20

/*
 * Fork children that block on a pipe until fork fails; return how many
 * were made, and in *err what the failing fork returned.  Each child
 * exits when the pipe's write end closes.
 */
static int
fork_until_full(int *err)
{
	int p[2], n = 0, pid;
	char c;

	*err = 0;
	if (pipe(p) < 0) {
		*err = -100;
		return 0;
	}
	for (;;) {
		pid = fork();
		if (pid == 0) {
			close(p[1]);
			read(p[0], &c, 1);
			exit(0);
		}
		if (pid < 0) {
			*err = pid;
			break;
		}
		n++;
		if (n > NPROC + 5)
			break;
	}
	close(p[0]);
	close(p[1]); /* every child's read now returns 0 */
	return n;
}

static int
reap_all(void)
{
	int n = 0;

	while (wait(0) >= 0)
		n++;
	return n;
}

static void
test_nproc(void)
{
	int first, second, err, reaped;

	first = fork_until_full(&err);
	reaped = reap_all();
	/* init, the shell and this program hold three of the NPROC slots. */
	if (err != -1 || first > NPROC - 3 || first < NPROC / 2) {
		fail("nproc_limit",
		    "%d forks succeeded, then fork returned %d "
		    "(want -1 after at most NPROC-3 = %d)",
		    first, err, NPROC - 3);
		return;
	}
	note("%d children forked before fork failed", first);
	ok("nproc_limit");
	check(reaped == first, "nproc_reaped", "reaped %d of %d children",
	    reaped, first);

	second = fork_until_full(&err);
	reaped = reap_all();
	check(second == first && err == -1 && reaped == second, "nproc_again",
	    "second time %d forks (first %d), fork returned "
	    "%d, reaped %d",
	    second, first, err, reaped);
}

static void
test_storm(void)
{
	int round, i, pid, st, w, j;
	int pids[PER_ROUND], want[PER_ROUND];

	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < PER_ROUND; i++) {
			want[i] = (round * PER_ROUND + i) % 250 + 1;
			pid = fork();
			if (pid == 0)
				exit(want[i]);
			if (pid < 0) {
				fail("storm", "round %d: fork returned %d",
				    round, pid);
				reap_all();
				return;
			}
			pids[i] = pid;
		}
		for (i = 0; i < PER_ROUND; i++) {
			w = wait(&st);
			for (j = 0; j < PER_ROUND; j++)
				if (pids[j] == w)
					break;
			if (j == PER_ROUND || st != want[j]) {
				fail("storm",
				    "round %d: wait returned pid %d "
				    "status %d (%s)",
				    round, w, st,
				    j == PER_ROUND ? "not a child of this round"
						   : "wrong status");
				reap_all();
				return;
			}
			pids[j] = -2;
		}
		if (wait(0) != -1) {
			fail("storm", "round %d: wait found an extra child",
			    round);
			reap_all();
			return;
		}
	}
	ok("storm");
}

static void
test_pids(void)
{
	int p[2], pids[10], got[10], i, j, n = 0, dup_found = 0, mismatch = 0;

	if (pipe(p) < 0) {
		fail("pids", "pipe failed");
		return;
	}
	for (i = 0; i < 10; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int me = getpid();

			write(p[1], &me, sizeof(me));
			exit(0);
		}
	}
	close(p[1]);
	while (n < 10 && read(p[0], &got[n], sizeof(got[n])) == sizeof(got[n]))
		n++;
	close(p[0]);
	reap_all();
	for (i = 0; i < n; i++) {
		for (j = 0; j < 10; j++)
			if (pids[j] == got[i])
				break;
		if (j == 10)
			mismatch++;
		for (j = 0; j < i; j++)
			if (got[j] == got[i])
				dup_found++;
	}
	check(n == 10 && mismatch == 0 && dup_found == 0, "pids",
	    "%d children reported; %d getpid values not returned by fork; "
	    "%d duplicates",
	    n, mismatch, dup_found);
}

/* Each generation forks the next, waits for it and exits with its status + 1. */
static void
chain(uint64 depth)
{
	int pid, st;

	for (;;) {
		if (depth == 0)
			exit(0);
		pid = fork();
		if (pid < 0)
			exit(-50);
		if (pid != 0)
			break;
		depth--; /* the child carries on as the next generation */
	}
	if (wait(&st) != pid)
		exit(-60);
	exit(st < 0 ? st : st + 1);
}

static void
test_chain(void)
{
	int st = child_status(chain, CHAIN);

	check(st == CHAIN, "chain",
	    "status %d from a chain of %d (negative: "
	    "a fork or wait failed)",
	    st, CHAIN);
}

static volatile int shared_word = 1234;

static void
test_private_memory(void)
{
	int pid, st = 99;

	pid = fork();
	if (pid == 0) {
		shared_word = 5678;
		exit(shared_word == 5678 ? 0 : 1);
	}
	wait_pid(pid, &st);
	check(st == 0 && shared_word == 1234, "private_memory",
	    "child status %d; parent sees %d (want 1234)", st, shared_word);
}

/*
 * A child leaves 10 children behind and exits: they must not be reported
 * to us, and init must reap them.  With zombies, they have all exited
 * before their parent does, so init gets them as zombies (and must be
 * woken for them: no exit of theirs is left to wake it); otherwise they
 * exit a bit after it.
 */
static void
test_orphans(int zombies, const char *not_ours, const char *reaped)
{
	int i, pid, st = 99, w, before, after, err;

	before = fork_until_full(&err);
	reap_all();

	pid = fork();
	if (pid == 0) {
		for (i = 0; i < 10; i++)
			if (fork() == 0) {
				if (!zombies)
					sleep(5);
				exit(0);
			}
		if (zombies)
			sleep(5);
		exit(3);
	}
	w = wait(&st);
	check(w == pid && st == 3 && wait(0) == -1, not_ours,
	    "wait returned %d (child %d) status %d, or reported a grandchild",
	    w, pid, st);

	sleep(20); /* the orphans exit and init reaps them */
	after = fork_until_full(&err);
	reap_all();
	/*
	 * ">=": a background job started earlier (by the shell tests) may
	 * have exited in between and freed one more slot.  Unreaped orphans
	 * would hold ten.
	 */
	check(after >= before, reaped,
	    "could fork %d children before the orphans, %d after", before, after);
}

int
main(void)
{
	test_nproc();
	test_storm();
	test_pids();
	test_chain();
	test_private_memory();
	test_orphans(0, "orphans_not_ours", "orphans_reaped");
	test_orphans(1, "zombie_orphans_not_ours", "zombie_orphans_reaped");
	finish();
	return 0;
}
