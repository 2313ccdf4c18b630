/*
 * String and memory functions of the user library.  Plain byte loops:
 * user programs here move little data, and clarity wins.  GCC could turn
 * the loops of memset/memmove back into calls to themselves, so that
 * transformation is switched off for this file.
 */
#include "kernel/types.h"
#include "user/user.h"

#pragma GCC optimize("no-tree-loop-distribute-patterns")

uint
strlen(const char *s)
{
	const char *end;

	for (end = s; *end != '\0'; end++)
		;
	return end - s;
}

char *
strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++) != '\0')
		;
	return dst;
}

int
strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (uchar)*a - (uchar)*b;
}

char *
strchr(const char *s, char c)
{
	for (; *s != '\0'; s++)
		if (*s == c)
			return (char *)s;
	return 0;
}

void *
memset(void *dst, int c, uint n)
{
	uchar *d = dst;

	while (n-- > 0)
		*d++ = c;
	return dst;
}

/* Copies n bytes correctly when the two ranges overlap, in either direction. */
static void
move_bytes(uchar *d, const uchar *s, uint64 n)
{
	if (d == s || n == 0)
		return;
	if (d < s || d >= s + n) {
		while (n-- > 0)
			*d++ = *s++;
	} else {
		d += n;
		s += n;
		while (n-- > 0)
			*--d = *--s;
	}
}

void *
memmove(void *dst, const void *src, int n)
{
	if (n > 0)
		move_bytes(dst, src, n);
	return dst;
}

void *
memcpy(void *dst, const void *src, uint n)
{
	move_bytes(dst, src, n);
	return dst;
}

int
memcmp(const void *a, const void *b, uint n)
{
	const uchar *x = a, *y = b;

	for (; n > 0; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

/* Decimal, with an optional sign; stops at the first non-digit. */
int
atoi(const char *s)
{
	int neg = 0, n = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return neg ? -n : n;
}
