/*
 * init: the first user process.  It opens the console as standard input,
 * output and error (making the device file on a fresh disk), then keeps a
 * shell running: when the shell exits, a new one starts.  Orphans are
 * handed to init by the kernel, so the wait loop also reaps them; only the
 * shell's own exit starts a new shell.
 *
 * init never exits: the kernel cannot go on without it.  When it cannot
 * start a shell (no free process slot or memory, a missing sh, no console
 * yet) it says so once, reaps orphans meanwhile, and retries until it
 * can, then says that it could.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CONSOLE_MAJOR 1
#define RETRY_TICKS   10  /* a second between attempts */
#define EXEC_FAILED   127 /* the child's status when sh could not start */

static char *sh_argv[] = { "sh", 0 };
static int in_trouble; /* said that sh cannot start; not yet back */

/* Says once per outage that no shell can start. */
static void
complain(const char *why)
{
	if (!in_trouble)
		printf("init: cannot start sh: %s; retrying\n", why);
	in_trouble = 1;
}

static void
open_console(void)
{
	/* Before the console is open there is nowhere to complain to. */
	while (open("console", O_RDWR) < 0) {
		mknod("console", CONSOLE_MAJOR, 0);
		if (open("console", O_RDWR) >= 0)
			break;
		sleep(RETRY_TICKS);
	}
	dup(0); /* standard output */
	dup(0); /* standard error */
}

/*
 * Wait before the next attempt.  If init has children (orphans handed to
 * it), wait for one to exit: only init can reap them, and when they fill
 * the process table nothing else frees a slot.  Otherwise sleep a while.
 * (A child that never exits delays the retry while memory freed elsewhere
 * goes unnoticed; its own exit, or any other orphan's, ends the wait.)
 */
static void
pause_before_retry(void)
{
	if (wait(0) < 0)
		sleep(RETRY_TICKS);
}

/* Starts a shell; returns its pid, retrying for as long as it takes. */
static int
start_shell(void)
{
	int pid;

	if (!in_trouble)
		printf("init: starting sh\n");
	while ((pid = fork()) < 0) {
		complain("fork failed");
		pause_before_retry();
	}
	if (pid == 0) {
		exec("sh", sh_argv);
		exit(EXEC_FAILED); /* the parent reports it */
	}
	return pid;
}

int
main(void)
{
	int shell, pid, status;

	open_console();
	for (;;) {
		shell = start_shell();
		while ((pid = wait(&status)) != shell) {
			if (pid < 0) /* cannot happen: the shell is our child */
				sleep(RETRY_TICKS);
		}
		/* An sh that cannot run must not make us spin. */
		if (status == EXEC_FAILED) {
			complain("exec sh failed");
			pause_before_retry();
		} else {
			in_trouble = 0; /* it ran: the trouble is over */
		}
	}
}
