/*
 * kill: ask the kernel to kill each process named by pid.  The process
 * exits with status -1 the next time it would return to user space.
 * Exits with status 1 if any pid could not be killed.
 */
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
	int i, status = 0;

	if (argc < 2) {
		fprintf(2, "usage: kill pid ...\n");
		exit(1);
	}
	for (i = 1; i < argc; i++) {
		if (kill(atoi(argv[i])) < 0) {
			fprintf(2, "kill: no process %s\n", argv[i]);
			status = 1;
		}
	}
	return status;
}
