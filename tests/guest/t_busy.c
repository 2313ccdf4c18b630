/*
 * t_busy: a helper for the Ctrl-C and kill sessions, not a test.
 *   t_busy spin          computes forever (a runaway program)
 *   t_busy write BYTES   writes BYTES bytes to standard output in one
 *                        write(): lines of '#', which tests/run.py ignores
 * Either way it only ends when it is killed (write: or when done).
 */
#include "kernel/types.h"
#include "user/user.h"

static void
spin(void)
{
	volatile uint64 n = 0;

	for (;;)
		n++;
}

static int
write_lines(int bytes)
{
	static const char filler[] =
	    "# t_busy writes this line again and again\n";
	int i, n = sizeof(filler) - 1;
	char *buf = sbrk(bytes);

	if (buf == (char *)-1) {
		fprintf(2, "t_busy: no memory for %d bytes\n", bytes);
		return 1;
	}
	for (i = 0; i < bytes; i++)
		buf[i] = filler[i % n];
	return write(1, buf, bytes) == bytes ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "spin") == 0)
		spin();
	if (argc == 3 && strcmp(argv[1], "write") == 0 && atoi(argv[2]) > 0)
		exit(write_lines(atoi(argv[2])));
	fprintf(2, "usage: t_busy spin | t_busy write BYTES\n");
	exit(2);
}
