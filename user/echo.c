/*
 * echo: print the arguments separated by single spaces, then a newline.
 * The line is assembled first and written in one go when it fits, so
 * echoes from several processes do not mix within a line.
 */
#include "kernel/types.h"
#include "user/user.h"

static char out[512];
static int len;

static void
put(const char *s, int n)
{
	for (; n > 0; n--) {
		if (len == sizeof(out)) {
			write(1, out, len);
			len = 0;
		}
		out[len++] = *s++;
	}
}

int
main(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++) {
		if (i > 1)
			put(" ", 1);
		put(argv[i], strlen(argv[i]));
	}
	put("\n", 1);
	write(1, out, len);
	return 0;
}
