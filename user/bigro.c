/*
 * bigro: a program with 192 KB of read-only data that it hardly touches,
 * for `make bench` (user/execbench.c).  Its file is that big, so an exec
 * that reads the whole program pays for every page of it; one that maps
 * the program lazily reads the two pages touched here.
 *
 *   bigro        touch two pages of the data and exit
 *   bigro wait   the same, then write one byte to fd 1 (I am running)
 *                and read fd 0 until end of file (sleep)
 */
#include "kernel/types.h"
#include "user/user.h"

#define DATA_SIZE (192 * 1024)

/* A GCC range initializer: the bytes are in the file, in .rodata. */
static const char data[DATA_SIZE] = { [0 ... DATA_SIZE - 1] = 'r' };

int
main(int argc, char *argv[])
{
	const char *p = data;
	char c;

	/* The compiler must not know the bytes, or it would keep none of them. */
	asm volatile("" : "+r"(p));
	if (p[0] != 'r' || p[DATA_SIZE / 2] != 'r')
		return 1;
	if (argc > 1 && strcmp(argv[1], "wait") == 0) {
		write(1, "w", 1);
		while (read(0, &c, 1) == 1)
			;
	}
	return 0;
}
