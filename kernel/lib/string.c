/*
 * Memory and string helpers for the kernel.  Page-sized copies get their
 * own doubleword loops: they run on every copy-on-write fault.
 */
#include "kernel/lib/lib.h"
#include "kernel/riscv.h"

void *
memset(void *dst, int c, uint n)
{
	uchar *d = dst;
	uint64 word;

	/* Long: bytes up to a doubleword boundary, then doublewords. */
	if (n >= 16) {
		for (; ((uint64)d & 7) != 0; n--)
			*d++ = (uchar)c;
		word = (uchar)c * 0x0101010101010101UL;
		for (; n >= 8; n -= 8, d += 8)
			*(uint64 *)d = word;
	}
	while (n-- > 0)
		*d++ = (uchar)c;
	return dst;
}

void *
memmove(void *dst, const void *src, uint n)
{
	const uchar *s = src;
	uchar *d = dst;

	if (n == 0 || d == s)
		return dst;
	if (s < d && s + n > d) {
		/* Overlap with the source first: copy from the end. */
		s += n;
		d += n;
		while (n-- > 0)
			*--d = *--s;
	} else {
		while (n-- > 0)
			*d++ = *s++;
	}
	return dst;
}

/*
 * The compiler emits calls to memcpy for structure copies (a trap frame,
 * a region list: long and aligned), so memcpy copies doublewords when it
 * can.  memmove stays a byte loop: its hot callers copy a few bytes (a
 * pipe's byte between user and kernel), and any test more at its top cost
 * the pipe round trip 14 to 42 instructions.
 */
void *
memcpy(void *dst, const void *src, uint n)
{
	uchar *d = dst;
	const uchar *s = src;

	if (n < 64 || (((uint64)d | (uint64)s) & 7) != 0)
		return memmove(dst, src, n);
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(uint64 *)d = *(const uint64 *)s;
	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

int
memcmp(const void *a, const void *b, uint n)
{
	const uchar *p = a, *q = b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

int
strncmp(const char *a, const char *b, uint n)
{
	for (; n > 0 && *a && *a == *b; n--, a++, b++)
		;
	if (n == 0)
		return 0;
	return (uchar)*a - (uchar)*b;
}

/* Like the C library's: pads with NULs, does not terminate when full. */
char *
strncpy(char *dst, const char *src, int n)
{
	char *d = dst;

	while (n > 0 && *src) {
		*d++ = *src++;
		n--;
	}
	while (n-- > 0)
		*d++ = 0;
	return dst;
}

/* Copies at most n-1 characters and always terminates (n > 0). */
char *
strlcpy_k(char *dst, const char *src, int n)
{
	char *d = dst;

	if (n <= 0)
		return dst;
	while (--n > 0 && *src)
		*d++ = *src++;
	*d = 0;
	return dst;
}

int
strlen(const char *s)
{
	int n = 0;

	while (s[n])
		n++;
	return n;
}

void
page_copy(void *dst, const void *src)
{
	uint64 *d = dst;
	const uint64 *s = src;
	int i;

	/* 8 words a round: the copy-on-write fault's main cost. */
	for (i = 0; i < PGSIZE / 8; i += 8) {
		d[i] = s[i];
		d[i + 1] = s[i + 1];
		d[i + 2] = s[i + 2];
		d[i + 3] = s[i + 3];
		d[i + 4] = s[i + 4];
		d[i + 5] = s[i + 5];
		d[i + 6] = s[i + 6];
		d[i + 7] = s[i + 7];
	}
}

void
page_fill(void *dst, uint64 pattern)
{
	uint64 *d = dst;
	int i;

	for (i = 0; i < PGSIZE / 8; i += 4) {
		d[i] = pattern;
		d[i + 1] = pattern;
		d[i + 2] = pattern;
		d[i + 3] = pattern;
	}
}

void
page_zero(void *dst)
{
	page_fill(dst, 0);
}
