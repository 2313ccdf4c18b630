/*
 * Kernel console output: kprintf, panic and backtraces.
 *
 * kprintf holds print_lock for a whole call, so lines from different harts
 * never interleave.  panic stops the system: it sets `panicked`, which every
 * other hart notices at its next timer interrupt (or kprintf), and parks.
 */
#include <stdarg.h>

#include "kernel/lib/lib.h"
#include "kernel/arch/arch.h"

volatile int panicked;

static struct spinlock print_lock;
static void (*output)(int c);

/* Until the console registers itself, characters have nowhere to go. */
static void
emit(int c)
{
	if (output)
		output(c);
}

static const char digits[] = "0123456789abcdef";

/* Spaces to fill a field of width from len; before it unless left. */
static void
pad(int width, int len)
{
	while (len++ < width)
		emit(' ');
}

/* s in a field of width (%-Ns: left-justified), as ps's columns want. */
static void
print_field(const char *s, int len, int width, int left)
{
	if (!left)
		pad(width, len);
	for (int i = 0; i < len; i++)
		emit(s[i]);
	if (left)
		pad(width, len);
}

static void
print_uint(uint64 v, int base, int mindigits, int negative, int width, int left)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	while (n < mindigits)
		buf[n++] = '0';
	if (negative)
		buf[n++] = '-';
	for (int i = 0; i < n / 2; i++) {
		char c = buf[i];

		buf[i] = buf[n - 1 - i];
		buf[n - 1 - i] = c;
	}
	print_field(buf, n, width, left);
}

static void
print_int(long v, int width, int left)
{
	if (v < 0)
		print_uint(-(uint64)v, 10, 0, 1, width, left);
	else
		print_uint(v, 10, 0, 0, width, left);
}

/* %d %u %x %p %s %c %%, with l or ll, a width and the - flag. */
static void
vkprintf(const char *fmt, va_list ap)
{
	const char *s;
	int longs, width, left;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(*fmt);
			continue;
		}
		fmt++;
		left = *fmt == '-';
		if (left)
			fmt++;
		for (width = 0; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (longs = 0; *fmt == 'l'; fmt++)
			longs++;
		switch (*fmt) {
		case 'd':
			print_int(longs ? va_arg(ap, long) : va_arg(ap, int),
			    width, left);
			break;
		case 'u':
			print_uint(longs ? va_arg(ap, uint64) : va_arg(ap, uint),
			    10, 0, 0, width, left);
			break;
		case 'x':
			print_uint(longs ? va_arg(ap, uint64) : va_arg(ap, uint),
			    16, 0, 0, width, left);
			break;
		case 'p':
			emit('0');
			emit('x');
			print_uint(va_arg(ap, uint64), 16, 16, 0, 0, 0);
			break;
		case 's':
			s = va_arg(ap, const char *);
			s = s ? s : "(null)";
			print_field(s, strlen(s), width, left);
			break;
		case 'c':
			emit(va_arg(ap, int));
			break;
		case '%':
			emit('%');
			break;
		case 0:
			return;
		default:
			emit('%');
			emit(*fmt);
			break;
		}
	}
}

void
printf_init(void (*putc)(int c))
{
	spin_init(&print_lock, "print");
	output = putc;
}

void
kprintf(const char *fmt, ...)
{
	va_list ap;
	int locking = !panicked;

	if (locking)
		spin_lock(&print_lock);
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	if (locking)
		spin_unlock(&print_lock);
}

/*
 * Walk the frame-pointer chain of the current kernel stack.  GCC's RISC-V
 * frame: s0 points just above the frame, the return address is at s0-8
 * and the caller's s0 at s0-16.  Every kernel stack is one page, so the
 * walk stops when the chain leaves the page it started in.
 */
void
backtrace(void)
{
	uint64 fp = r_fp();
	uint64 page = PGROUNDDOWN(fp);

	kprintf("backtrace (make backtrace turns these into file:line):\n");
	while (PGROUNDDOWN(fp) == page && fp != page) {
		uint64 ra = *(uint64 *)(fp - 8);
		kprintf("  0x%lx\n", ra);
		fp = *(uint64 *)(fp - 16);
	}
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	intr_off();
	/* Atomic exchange (acquire): exactly one hart reports the panic. */
	if (__sync_lock_test_and_set(&panicked, 1)) {
		/* Another hart (or a nested panic) got here first. */
		for (;;)
			asm volatile("wfi");
	}
	kprintf("\npanic: hart %d: ", cpuid());
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace();
	kprintf("system halted\n");
	for (;;)
		asm volatile("wfi");
}
