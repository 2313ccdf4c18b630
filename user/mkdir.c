/*
 * mkdir: create each named directory.  Stops at the first failure (the
 * name exists, or its parent does not) with status 1.
 */
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2) {
		fprintf(2, "usage: mkdir directory ...\n");
		exit(1);
	}
	for (i = 1; i < argc; i++) {
		if (mkdir(argv[i]) < 0) {
			fprintf(2, "mkdir: %s failed to create\n", argv[i]);
			exit(1);
		}
	}
	return 0;
}
