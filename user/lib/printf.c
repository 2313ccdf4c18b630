/*
 * printf, fprintf and vfprintf; snprintf and vsnprintf: %d %u %x %p %s %c
 * %%, with the l and ll length modifiers.  Output is gathered in a buffer
 * on the stack and written once at the end of the call (earlier only when
 * the buffer fills), so a line from one process is not cut into pieces by
 * another's output.  The string forms fill the caller's buffer instead.
 */
#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

#define OUTBUF_SIZE 256

/* Output goes to fd, or with str set into str (at most size - 1 bytes). */
struct outbuf {
	int fd;
	int len;
	char data[OUTBUF_SIZE];
	char *str;
	int size;
	int total; /* bytes formatted so far, kept or not */
};

static void
flush(struct outbuf *ob)
{
	int n;

	if (ob->str != 0) {
		n = ob->size - 1 - ob->total;
		if (n > ob->len)
			n = ob->len;
		if (n > 0)
			memmove(ob->str + ob->total, ob->data, n);
	} else if (ob->len > 0) {
		write(ob->fd, ob->data, ob->len);
	}
	ob->total += ob->len;
	ob->len = 0;
}

static void
put(struct outbuf *ob, char c)
{
	if (ob->len == OUTBUF_SIZE)
		flush(ob);
	ob->data[ob->len++] = c;
}

static void
put_str(struct outbuf *ob, const char *s)
{
	while (*s != '\0')
		put(ob, *s++);
}

/* Writes v in the given base, at least mindigits digits (zero-padded). */
static void
put_uint(struct outbuf *ob, uint64 v, int base, int mindigits)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	while (n < mindigits)
		tmp[n++] = '0';
	while (n > 0)
		put(ob, tmp[--n]);
}

static void
put_int(struct outbuf *ob, long v)
{
	/* Negate in unsigned arithmetic: -LONG_MIN does not fit in a long. */
	if (v < 0) {
		put(ob, '-');
		put_uint(ob, (uint64)0 - (uint64)v, 10, 1);
	} else {
		put_uint(ob, v, 10, 1);
	}
}

static void
format(struct outbuf *ob, const char *fmt, va_list ap)
{
	const char *s;
	int longs;

	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			put(ob, *fmt);
			continue;
		}
		/* l and ll both mean 64 bits here (lp64). */
		longs = 0;
		while (fmt[1] == 'l') {
			longs++;
			fmt++;
		}
		fmt++;
		switch (*fmt) {
		case 'd':
			put_int(ob, longs ? va_arg(ap, long) : va_arg(ap, int));
			break;
		case 'u':
			put_uint(ob,
			    longs ? va_arg(ap, uint64) : va_arg(ap, uint), 10, 1);
			break;
		case 'x':
			put_uint(ob,
			    longs ? va_arg(ap, uint64) : va_arg(ap, uint), 16, 1);
			break;
		case 'p':
			put_str(ob, "0x");
			put_uint(ob, (uint64)va_arg(ap, void *), 16, 16);
			break;
		case 's':
			s = va_arg(ap, const char *);
			put_str(ob, s != 0 ? s : "(null)");
			break;
		case 'c':
			put(ob, va_arg(ap, int));
			break;
		case '%':
			put(ob, '%');
			break;
		case '\0':
			/* A lone % at the very end: show it and stop. */
			put(ob, '%');
			fmt--;
			break;
		default:
			/* Unknown conversion: print it as written. */
			put(ob, '%');
			while (longs-- > 0)
				put(ob, 'l');
			put(ob, *fmt);
			break;
		}
	}
	flush(ob);
}

void
vfprintf(int fd, const char *fmt, va_list ap)
{
	struct outbuf ob;

	ob.fd = fd;
	ob.len = 0;
	ob.str = 0;
	ob.total = 0;
	format(&ob, fmt, ap);
}

void
fprintf(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(fd, fmt, ap);
	va_end(ap);
}

void
printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(1, fmt, ap);
	va_end(ap);
}

/* As C's: returns the length of the whole output, stored or not. */
int
vsnprintf(char *str, int size, const char *fmt, va_list ap)
{
	struct outbuf ob;

	ob.len = 0;
	ob.str = str;
	ob.size = size;
	ob.total = 0;
	format(&ob, fmt, ap);
	if (size > 0)
		str[ob.total < size ? ob.total : size - 1] = '\0';
	return ob.total;
}

int
snprintf(char *str, int size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(str, size, fmt, ap);
	va_end(ap);
	return n;
}
