/*
 * printf and fprintf: %d %u %x %p %s %c %%, with the l and ll length
 * modifiers.  Output is gathered in a buffer on the stack and written
 * once at the end of the call (earlier only when the buffer fills), so a
 * line from one process is not cut into pieces by another's output.
 */
#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

#define OUTBUF_SIZE 256

struct outbuf {
	int fd;
	int len;
	char data[OUTBUF_SIZE];
};

static void
flush(struct outbuf *ob)
{
	if (ob->len > 0)
		write(ob->fd, ob->data, ob->len);
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
format(int fd, const char *fmt, va_list ap)
{
	struct outbuf ob;
	const char *s;
	int longs;

	ob.fd = fd;
	ob.len = 0;
	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			put(&ob, *fmt);
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
			put_int(&ob, longs ? va_arg(ap, long) : va_arg(ap, int));
			break;
		case 'u':
			put_uint(&ob,
			    longs ? va_arg(ap, uint64) : va_arg(ap, uint), 10, 1);
			break;
		case 'x':
			put_uint(&ob,
			    longs ? va_arg(ap, uint64) : va_arg(ap, uint), 16, 1);
			break;
		case 'p':
			put_str(&ob, "0x");
			put_uint(&ob, (uint64)va_arg(ap, void *), 16, 16);
			break;
		case 's':
			s = va_arg(ap, const char *);
			put_str(&ob, s != 0 ? s : "(null)");
			break;
		case 'c':
			put(&ob, va_arg(ap, int));
			break;
		case '%':
			put(&ob, '%');
			break;
		case '\0':
			/* A lone % at the very end: show it and stop. */
			put(&ob, '%');
			fmt--;
			break;
		default:
			/* Unknown conversion: print it as written. */
			put(&ob, '%');
			while (longs-- > 0)
				put(&ob, 'l');
			put(&ob, *fmt);
			break;
		}
	}
	flush(&ob);
}

void
fprintf(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format(fd, fmt, ap);
	va_end(ap);
}

void
printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format(1, fmt, ap);
	va_end(ap);
}
