/*
 * t_kill: kill() and preemption.
 *
 * Checks (each killed child must be reported by wait() with status -1,
 * within a few seconds):
 *  - a child asleep in sleep(1000);
 *  - a child blocked reading an empty pipe, and one blocked writing a
 *    full pipe;
 *  - a child blocked reading the console;
 *  - a child blocked in wait() for its own sleeping child;
 *  - a child in the middle of one 2 MB write() to the console: it stops
 *    at its next chunk, instead of writing all of it (a minute of output);
 *  - a child waiting for the console while another writes 2 MB: it gives
 *    up without writing anything, and the writer is not disturbed;
 *  - a child spinning in user mode (no system calls);
 *  - a child that kills itself;
 *  - preemption: while 8 children spin forever (more than the CPUs), the
 *    parent still gets to run: its sleep(1) returns and uptime advances;
 *    then it kills them all;
 *  - kill of an exited (zombie) child does not change its exit status;
 *  - kill of a pid that does not exist returns -1;
 *  - setfg (Ctrl-C's foreground) takes only the caller's own family.
 */
#include "kernel/types.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define NSPIN 8

/*
 * Ticks a killed child may take to exit: 5 s.  A killed child needs a hart
 * to run its exit, and on a busy host QEMU's harts may get none for a
 * while, so the bound is wide; the bugs it is for keep the child far
 * longer (for ever asleep, or the rest of a 2 MB console write: a minute
 * or more).
 */
#define KILL_WAIT 50

/* Report how a killed child ended: late, or its status. */
static void
report_killed(const char *name, int late, int st)
{
	if (late)
		fail(name, "still running %d ticks after kill", KILL_WAIT);
	else
		check(st == -1, name, "child %s (status %d), want killed (-1)",
		    status_word(st), st);
}

/*
 * Start child body fn, give it time to block, kill it and check that it
 * exits with -1 within KILL_WAIT ticks.
 */
static void
kill_and_check(const char *name, void (*fn)(void))
{
	int pid, st = 99, r, late;

	pid = fork();
	if (pid < 0) {
		fail(name, "fork failed");
		return;
	}
	if (pid == 0) {
		fn();
		exit(ST_RETURNED);
	}
	sleep(5);
	r = kill(pid);
	if (r != 0) {
		fail(name, "kill(%d) returned %d", pid, r);
		kill(pid);
		wait_pid(pid, 0);
		return;
	}
	late = wait_timeout(pid, KILL_WAIT, &st) < 0;
	report_killed(name, late, st);
}

static void
in_sleep(void)
{
	sleep(1000);
}

static int pipefd[2];

static void
in_pipe_read(void)
{
	char c;

	read(pipefd[0], &c, 1);
}

static void
in_pipe_write(void)
{
	static char big[16384];

	for (;;)
		write(pipefd[1], big, sizeof(big));
}

static void
in_console_read(void)
{
	char c;

	read(0, &c, 1);
}

static void
spin(void)
{
	volatile uint64 n = 0;

	for (;;)
		n++;
}

static void
in_wait(void)
{
	int pid = fork();

	if (pid == 0) {
		/* The grandchild is killed by the test when its parent is. */
		sleep(1000);
		exit(0);
	}
	write(pipefd[1], &pid, sizeof(pid));
	wait(0);
}

/*
 * The console: one 2 MB write() takes about a minute to come out, and
 * holds the console's output lock all the while.  The filler is comment
 * lines, which tests/run.py ignores; a newline afterwards ends the one the
 * kill cut short.
 */
#define FLOOD_BYTES (2 << 20)

static char *flood;

static void
make_flood(void)
{
	static const char filler[] = "# console flood, to be killed\n";
	int i, n = sizeof(filler) - 1;

	flood = sbrk(FLOOD_BYTES);
	if (flood == (char *)-1) {
		flood = 0;
		return;
	}
	for (i = 0; i < FLOOD_BYTES; i++)
		flood[i] = filler[i % n];
}

/* A child that writes the whole flood in one write(); its pid. */
static int
start_flood(void)
{
	int pid = fork();

	if (pid == 0) {
		write(1, flood, FLOOD_BYTES);
		exit(ST_RETURNED);
	}
	return pid;
}

static void
test_console_write(void)
{
	int pid, late, st = 99;

	pid = start_flood();
	sleep(2);
	kill(pid);
	late = wait_timeout(pid, KILL_WAIT, &st) < 0;
	write(1, "\n", 1); /* ends the line the kill cut short */
	report_killed("kill_console_write", late, st);
}

/*
 * A second writer waits for the console behind the flood and is killed
 * meanwhile: it must leave at once, and never print its line, which would
 * show up as a failure.  The parent prints nothing until it has killed
 * the flood too: it would wait for the console like anyone else.
 */
static void
test_console_lock_wait(void)
{
	static const char line[] = "\nFAIL kill_console_lock_wait: a killed "
				   "process wrote to the console\n";
	int writer, waiter, late, st = 99, wst = 99;

	writer = start_flood();
	sleep(2);
	waiter = fork();
	if (waiter == 0) {
		write(1, line, sizeof(line) - 1);
		exit(ST_RETURNED);
	}
	sleep(3);
	kill(waiter);
	late = wait_timeout(waiter, KILL_WAIT, &st) < 0;
	kill(writer);
	wait_pid(writer, &wst);
	write(1, "\n", 1);
	report_killed("kill_console_lock_wait", late, st);
	check(wst == -1, "kill_console_writer_after_wait",
	    "writer %s (status %d), want killed (-1)", status_word(wst), wst);
}

static void
test_console(void)
{
	make_flood();
	if (flood == 0) {
		fail("kill_console_write", "no memory for the 2 MB buffer");
		return;
	}
	test_console_write();
	test_console_lock_wait();
}

static void
test_blocked(void)
{
	int gpid = -1;

	kill_and_check("kill_sleeping", in_sleep);

	if (pipe(pipefd) < 0) {
		fail("kill_pipe_read", "pipe failed");
		return;
	}
	kill_and_check("kill_pipe_read", in_pipe_read);
	close(pipefd[0]);
	close(pipefd[1]);

	pipe(pipefd);
	kill_and_check("kill_pipe_write", in_pipe_write);
	close(pipefd[0]);
	close(pipefd[1]);

	kill_and_check("kill_console_read", in_console_read);

	pipe(pipefd);
	kill_and_check("kill_in_wait", in_wait);
	if (read(pipefd[0], &gpid, sizeof(gpid)) == sizeof(gpid) && gpid > 0)
		kill(gpid); /* it belongs to init now */
	close(pipefd[0]);
	close(pipefd[1]);

	kill_and_check("kill_spinning", spin);
}

static void
kill_self(uint64 unused)
{
	(void)unused;
	kill(getpid());
	/* Killed at the latest on the way back to user space. */
	for (;;)
		;
}

static void
test_preemption(void)
{
	int pids[NSPIN], i, n = 0, t0, t1, st, killed = 0, others = 0;

	for (i = 0; i < NSPIN; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			spin();
		if (pids[i] > 0)
			n++;
	}
	t0 = uptime();
	sleep(1);
	sleep(2);
	t1 = uptime();
	check(n == NSPIN && t1 - t0 >= 3, "preemption",
	    "%d spinners; uptime went from %d to %d across sleep(1)+sleep(2)",
	    n, t0, t1);
	for (i = 0; i < NSPIN; i++)
		if (pids[i] > 0 && kill(pids[i]) != 0)
			others++;
	for (i = 0; i < n; i++) {
		int w = wait(&st);

		if (w < 0)
			break;
		if (st == -1)
			killed++;
	}
	check(killed == NSPIN && others == 0, "kill_all_spinners",
	    "%d of %d spinners ended with -1; %d kill calls failed", killed,
	    NSPIN, others);
}

static void
test_zombie(void)
{
	int pid, st = 99;

	pid = fork();
	if (pid == 0)
		exit(5);
	sleep(3);  /* it has exited by now */
	kill(pid); /* may return 0 or -1; must not matter */
	check(wait_pid(pid, &st) == pid && st == 5, "kill_zombie",
	    "status %d after kill of an exited child, want 5", st);
}

/*
 * setfg, which puts a process in front of Ctrl-C, takes only the caller
 * and its descendants: never init, its parent or a pid that is not there.
 * It returns the foreground it replaced, so the caller can put that back.
 */
static void
test_setfg(void)
{
	int parent = getpid(), child, prev, back, st = 99;

	check(setfg(1) == -1 && setfg(99999) == -1 && setfg(-3) == -1,
	    "setfg_outsiders_refused", "setfg of init, 99999 or -3 succeeded");
	child = fork();
	if (child == 0) {
		sleep(1000);
		exit(0);
	}
	prev = setfg(child);
	back = prev >= 0 ? setfg(prev) : -1;
	check(prev >= 0 && back == child, "setfg_child_and_back",
	    "setfg(child) returned %d, putting that back returned %d (want %d)",
	    prev, back, child);
	kill(child);
	wait_pid(child, 0);
	child = fork();
	if (child == 0)
		exit(setfg(parent) == -1 ? ST_GOOD : ST_BAD);
	wait_pid(child, &st);
	check(st == ST_GOOD, "setfg_parent_refused",
	    "a child could put its parent in front: %s", status_word(st));
}

int
main(void)
{
	int st;

	test_blocked();
	test_console();
	st = child_status(kill_self, 0);
	check(st == -1, "kill_self", "child %s (status %d)", status_word(st), st);
	test_preemption();
	test_zombie();
	check(kill(99999) == -1, "kill_nopid", "kill(99999) did not return -1");
	/* Killing init would halt the system: the kernel refuses. */
	check(kill(1) == -1, "kill_init_refused", "kill(1) did not return -1");
	test_setfg();
	finish();
	return 0;
}
