/*
 * Small file helpers of the user library: reading a line and stat by
 * name.  Both are built on the system calls and keep no state.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

/*
 * Reads one line from standard input into buf, keeping the newline, at
 * most max-1 bytes, always NUL-terminated.  An empty string means end of
 * input (or an error) before anything was read.
 */
char *
gets(char *buf, int max)
{
	int len = 0;
	char c;

	while (len + 1 < max && read(0, &c, 1) == 1) {
		buf[len++] = c;
		if (c == '\n' || c == '\r')
			break;
	}
	if (max > 0)
		buf[len] = '\0';
	return buf;
}

int
stat(const char *path, struct stat *st)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	r = fstat(fd, st);
	close(fd);
	return r;
}
