/*
 * t_sleep: a helper for the shell-session checks, not a test.
 * "t_sleep N" sleeps N clock ticks and exits 0 (1 on a bad argument), so a
 * command line can give a background job time to finish.
 */
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char **argv)
{
	if (argc != 2 || atoi(argv[1]) < 0) {
		fprintf(2, "usage: t_sleep ticks\n");
		exit(1);
	}
	sleep(atoi(argv[1]));
	exit(0);
}
