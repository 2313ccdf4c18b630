/*
 * grep: print the lines of the files (or standard input) that contain a
 * match for the pattern.  The patterns are a small regular-expression
 * language: '^' anchors at the line start, '$' at its end, '.' matches
 * any character and 'c*' matches any run of c (possibly empty); every
 * other character matches itself.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[1024];

static int
char_matches(char p, char c)
{
	return p == '.' || p == c;
}

/* Does pattern p match a prefix of s? */
static int
match_prefix(const char *p, const char *s)
{
	const char *t;

	for (;;) {
		if (*p == '\0')
			return 1;
		if (p[1] == '*') {
			/* Try the shortest run of p[0] first, then longer ones. */
			t = s;
			for (;;) {
				if (match_prefix(p + 2, t))
					return 1;
				if (*t == '\0' || !char_matches(p[0], *t))
					return 0;
				t++;
			}
		}
		if (p[0] == '$' && p[1] == '\0')
			return *s == '\0';
		if (*s == '\0' || !char_matches(p[0], *s))
			return 0;
		p++;
		s++;
	}
}

/* Does pattern p match anywhere in the line s? */
static int
match_line(const char *p, const char *s)
{
	if (*p == '^')
		return match_prefix(p + 1, s);
	do {
		if (match_prefix(p, s))
			return 1;
	} while (*s++ != '\0');
	return 0;
}

/*
 * Prints the line of len bytes at line, with a newline, if it matches.
 * The byte after the line (its newline, or spare room) gets overwritten.
 */
static void
consider(const char *pattern, char *line, int len)
{
	line[len] = '\0';
	if (match_line(pattern, line)) {
		line[len] = '\n';
		write(1, line, len + 1);
	}
}

/* Reads fd line by line; a line longer than buf is taken in pieces. */
static void
grep(const char *pattern, int fd)
{
	int len = 0, n, start, i;

	/* One byte of buf stays free for consider() to end a line with. */
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += n;
		start = 0;
		for (i = 0; i < len; i++) {
			if (buf[i] == '\n') {
				consider(pattern, buf + start, i - start);
				start = i + 1;
			}
		}
		if (start == 0 && len == sizeof(buf) - 1) {
			consider(pattern, buf, len);
			start = len;
		}
		len -= start;
		memmove(buf, buf + start, len);
	}
	if (n < 0)
		fprintf(2, "grep: read error\n");
	if (len > 0)
		consider(pattern, buf, len); /* no newline at the end */
}

int
main(int argc, char *argv[])
{
	int i, fd;

	if (argc < 2) {
		fprintf(2, "usage: grep pattern [file ...]\n");
		exit(1);
	}
	if (argc == 2) {
		grep(argv[1], 0);
		return 0;
	}
	for (i = 2; i < argc; i++) {
		if ((fd = open(argv[i], O_RDONLY)) < 0) {
			fprintf(2, "grep: cannot open %s\n", argv[i]);
			exit(1);
		}
		grep(argv[1], fd);
		close(fd);
	}
	return 0;
}
