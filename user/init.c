/*
 * init: the first user process.  It opens the console as standard input,
 * output and error (making the device file on a fresh disk), then keeps a
 * shell running: when the shell exits, a new one starts.  Orphans are
 * handed to init by the kernel, so the wait loop also reaps them; only the
 * shell's own exit starts a new shell.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CONSOLE_MAJOR 1

static char *sh_argv[] = { "sh", 0 };

static void
open_console(void)
{
	if (open("console", O_RDWR) < 0) {
		mknod("console", CONSOLE_MAJOR, 0);
		if (open("console", O_RDWR) < 0)
			exit(1);	/* nowhere to even report it */
	}
	dup(0);		/* standard output */
	dup(0);		/* standard error */
}

static int
start_shell(void)
{
	int pid;

	printf("init: starting sh\n");
	pid = fork();
	if (pid < 0) {
		printf("init: fork failed\n");
		exit(1);
	}
	if (pid == 0) {
		exec("sh", sh_argv);
		printf("init: exec sh failed\n");
		exit(1);
	}
	return pid;
}

int
main(void)
{
	int shell, pid;

	open_console();
	for (;;) {
		shell = start_shell();
		while ((pid = wait(0)) != shell) {
			if (pid < 0) {
				printf("init: wait failed\n");
				exit(1);
			}
		}
	}
}
