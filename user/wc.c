/*
 * wc: count the lines, words and bytes of each named file (or standard
 * input) and print them with the name.  A word is a run of characters
 * that are not white space.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[1024];

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static void
wc(int fd, const char *name)
{
	int lines = 0, words = 0, bytes = 0, in_word = 0, n, i;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		bytes += n;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				lines++;
			if (is_space(buf[i])) {
				in_word = 0;
			} else if (!in_word) {
				in_word = 1;
				words++;
			}
		}
	}
	if (n < 0) {
		fprintf(2, "wc: read error on %s\n", name);
		exit(1);
	}
	printf("%d %d %d %s\n", lines, words, bytes, name);
}

int
main(int argc, char *argv[])
{
	int i, fd;

	if (argc < 2) {
		wc(0, "");
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if ((fd = open(argv[i], O_RDONLY)) < 0) {
			fprintf(2, "wc: cannot open %s\n", argv[i]);
			exit(1);
		}
		wc(fd, argv[i]);
		close(fd);
	}
	return 0;
}
