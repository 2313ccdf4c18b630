/*
 * Small helpers shared by the guest test programs (tests/guest/t_*.c).
 *
 * Header-only: every function is static, because only user/lib/ is linked
 * into a program.  Result lines follow the protocol in tests/run.py:
 *     ok <name>
 *     FAIL <name>: <reason>
 *     SKIP <name>: <reason>
 * Each line is formatted into a buffer and written with one write(), so a
 * kernel diagnostic printed at the same moment cannot split it.
 *
 * Only the parent prints results; children report through their exit
 * status (or a pipe), so lines never interleave.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define TL __attribute__((unused)) static

/* Exit statuses a test child uses to describe what happened to it. */
#define ST_RETURNED 77      /* the child's function returned normally */
#define ST_GOOD     42      /* the child saw what the test expects */
#define ST_BAD      43      /* the child saw something else */
#define ST_NOFORK   (-1000) /* fork itself failed (never a real status) */

static int tl_nfail;

/* A line under construction; too-long lines are cut, never overflowed. */
struct tl_line {
	char buf[240];
	int len;
};

TL void
tl_putc(struct tl_line *l, char c)
{
	if (l->len < (int)sizeof(l->buf) - 1)
		l->buf[l->len++] = c;
}

TL void
tl_puts(struct tl_line *l, const char *s)
{
	if (s == 0)
		s = "(null)";
	while (*s)
		tl_putc(l, *s++);
}

TL void
tl_putnum(struct tl_line *l, uint64 x, int base, int negative)
{
	char digits[24];
	int n = 0;

	if (negative)
		tl_putc(l, '-');
	do {
		digits[n++] = "0123456789abcdef"[x % base];
		x /= base;
	} while (x != 0);
	while (n > 0)
		tl_putc(l, digits[--n]);
}

/* The subset of printf the tests use: %d %u %x %p %s %c %%, with l and ll. */
TL void
tl_vformat(struct tl_line *l, const char *fmt, __builtin_va_list ap)
{
	for (; *fmt; fmt++) {
		int longs = 0;
		uint64 u;
		long d;

		if (*fmt != '%') {
			tl_putc(l, *fmt);
			continue;
		}
		fmt++;
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
			d = longs ? __builtin_va_arg(ap, long)
				  : __builtin_va_arg(ap, int);
			if (d < 0)
				tl_putnum(l, -(uint64)d, 10, 1);
			else
				tl_putnum(l, d, 10, 0);
			break;
		case 'u':
		case 'x':
			u = longs ? __builtin_va_arg(ap, uint64)
				  : __builtin_va_arg(ap, uint);
			tl_putnum(l, u, *fmt == 'u' ? 10 : 16, 0);
			break;
		case 'p':
			tl_puts(l, "0x");
			tl_putnum(l, __builtin_va_arg(ap, uint64), 16, 0);
			break;
		case 's':
			tl_puts(l, __builtin_va_arg(ap, const char *));
			break;
		case 'c':
			tl_putc(l, (char)__builtin_va_arg(ap, int));
			break;
		case '\0':
			return;
		default:
			tl_putc(l, '%');
			tl_putc(l, *fmt);
			break;
		}
	}
}

TL void
tl_emit(const char *tag, const char *name, const char *fmt, __builtin_va_list *app)
{
	struct tl_line l;

	l.len = 0;
	tl_puts(&l, tag);
	tl_putc(&l, ' ');
	tl_puts(&l, name);
	if (fmt != 0) {
		tl_puts(&l, ": ");
		tl_vformat(&l, fmt, *app);
	}
	tl_putc(&l, '\n');
	write(1, l.buf, l.len);
}

/* snprintf-like, for building file names and messages. */
TL void
snfmt(char *dst, int size, const char *fmt, ...)
{
	struct tl_line l;
	__builtin_va_list ap;
	int i;

	l.len = 0;
	__builtin_va_start(ap, fmt);
	tl_vformat(&l, fmt, ap);
	__builtin_va_end(ap);
	for (i = 0; i < l.len && i < size - 1; i++)
		dst[i] = l.buf[i];
	if (size > 0)
		dst[i] = '\0';
}

TL void
ok(const char *name)
{
	tl_emit("ok", name, 0, 0);
}

TL void
fail(const char *name, const char *fmt, ...)
{
	__builtin_va_list ap;

	tl_nfail++;
	__builtin_va_start(ap, fmt);
	tl_emit("FAIL", name, fmt, &ap);
	__builtin_va_end(ap);
}

TL void
skip(const char *name, const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	tl_emit("SKIP", name, fmt, &ap);
	__builtin_va_end(ap);
}

/* ok when cond holds, otherwise FAIL with the formatted reason. */
TL void
check(int cond, const char *name, const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	if (cond) {
		tl_emit("ok", name, 0, 0);
	} else {
		tl_nfail++;
		tl_emit("FAIL", name, fmt, &ap);
	}
	__builtin_va_end(ap);
}

/* An informational line; it starts with '#', never with ok/FAIL/SKIP. */
TL void
note(const char *fmt, ...)
{
	struct tl_line l;
	__builtin_va_list ap;

	l.len = 0;
	tl_puts(&l, "# ");
	__builtin_va_start(ap, fmt);
	tl_vformat(&l, fmt, ap);
	__builtin_va_end(ap);
	tl_putc(&l, '\n');
	write(1, l.buf, l.len);
}

/* Exit 0 when every subtest passed, 1 otherwise. */
TL void
finish(void)
{
	exit(tl_nfail == 0 ? 0 : 1);
}

/*
 * Hide a value from the optimizer, so that accesses through a constant
 * address are really made and not reasoned away.
 */
TL uint64
opaque(uint64 x)
{
	asm volatile("" : "+r"(x));
	return x;
}

/* Wait for one particular child; other children that exit are dropped. */
TL int
wait_pid(int pid, int *status)
{
	int st, w;

	for (;;) {
		w = wait(&st);
		if (w < 0)
			return -1;
		if (w == pid) {
			if (status)
				*status = st;
			return pid;
		}
	}
}

/*
 * Run fn(arg) in a child and return the child's exit status: what fn
 * passed to exit(), ST_RETURNED if fn returned, -1 if it was killed, or
 * ST_NOFORK if no child could be made.
 */
TL int
child_status(void (*fn)(uint64), uint64 arg)
{
	int pid, st;

	pid = fork();
	if (pid < 0)
		return ST_NOFORK;
	if (pid == 0) {
		fn(arg);
		exit(ST_RETURNED);
	}
	if (wait_pid(pid, &st) != pid)
		return ST_NOFORK;
	return st;
}

/* Describe a child's exit status for a FAIL line. */
TL const char *
status_word(int st)
{
	switch (st) {
	case -1:
		return "killed (status -1)";
	case ST_RETURNED:
		return "survived (fn returned)";
	case ST_GOOD:
		return "exited ST_GOOD";
	case ST_BAD:
		return "exited ST_BAD";
	case ST_NOFORK:
		return "fork failed";
	default:
		return "exited with an unexpected status";
	}
}

/* fn(arg) must get its process killed: wait() status -1. */
TL void
expect_killed(const char *name, void (*fn)(uint64), uint64 arg)
{
	int st = child_status(fn, arg);

	if (st == -1)
		ok(name);
	else
		fail(name, "child %s, status %d; expected killed (-1)",
		    status_word(st), st);
}

/*
 * Wait at most `ticks` clock ticks for child `pid`.  Returns 0 and stores
 * its status, or -1 if it did not exit in time (it is then killed and
 * reaped).  Use only when `pid` is the caller's only child: a watchdog
 * child measures the time, and other children's exits would be dropped.
 */
TL int
wait_timeout(int pid, int ticks, int *status)
{
	int dog, st, w;

	dog = fork();
	if (dog < 0)
		return wait_pid(pid, status) == pid ? 0 : -1;
	if (dog == 0) {
		sleep(ticks);
		exit(0);
	}
	for (;;) {
		w = wait(&st);
		if (w < 0)
			return -1;
		if (w == pid) {
			if (status)
				*status = st;
			kill(dog);
			wait_pid(dog, 0);
			return 0;
		}
		if (w == dog) {
			kill(pid);
			wait_pid(pid, &st);
			if (status)
				*status = st;
			return -1;
		}
	}
}

/* xorshift64: a small, replayable pseudo-random sequence; *state != 0. */
TL uint64
xorshift(uint64 *state)
{
	uint64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* Read the whole file (up to n bytes) into b; return the byte count. */
TL int
slurp(const char *path, char *b, int n)
{
	int fd = open(path, O_RDONLY), got = 0, r;

	if (fd < 0)
		return -1;
	while (got < n && (r = read(fd, b + got, n - got)) > 0)
		got += r;
	close(fd);
	return got;
}

/* Fill / verify a recognizable byte pattern that depends on position. */
TL uchar
pattern_byte(uint64 pos, uint seed)
{
	return (uchar)((pos * 7 + (pos >> 8) * 13 + seed) & 0xff);
}

TL void
fill_pattern(char *buf, int n, uint64 start, uint seed)
{
	int i;

	for (i = 0; i < n; i++)
		buf[i] = pattern_byte(start + i, seed);
}

/* Index of the first byte that differs from the pattern, or -1. */
TL int
find_mismatch(const char *buf, int n, uint64 start, uint seed)
{
	int i;

	for (i = 0; i < n; i++)
		if ((uchar)buf[i] != pattern_byte(start + i, seed))
			return i;
	return -1;
}

/*
 * Addresses that no user access and no system call may use (t_badptr,
 * t_fault).  bad_address() is meant to be called in the process that will
 * use the address: the guard page and the freed heap are its own.
 */
enum badkind {
	BAD_UNMAPPED,   /* a page above the heap: sbrk(0) rounded up + 1 page */
	BAD_KERNEL,     /* KERNBASE, where the kernel lives */
	BAD_GUARD,      /* the page below the stack page */
	BAD_MAXVA,      /* the first address above user space */
	BAD_ALLONES,    /* 0xffff...ffff: address + length wraps around */
	BAD_FREED,      /* heap memory given back with sbrk(-n) */
	BAD_TRAPFRAME,  /* mapped, but not user-accessible */
	BAD_TRAMPOLINE, /* mapped, but not user-accessible */
	NBADKINDS
};

TL const char *
badkind_name(int k)
{
	static const char *names[NBADKINDS] = {
		"unmapped",
		"kernel",
		"guard",
		"maxva",
		"allones",
		"freed",
		"trapframe",
		"trampoline",
	};

	return k >= 0 && k < NBADKINDS ? names[k] : "?";
}

/* Grow the heap so that it ends exactly on a page boundary; return the end. */
TL uint64
heap_end_aligned(void)
{
	uint64 brk = (uint64)sbrk(0);

	sbrk(PGROUNDUP(brk) - brk + PGSIZE);
	return (uint64)sbrk(0);
}

/* Heap pages that were mapped, written, and then given back. */
TL uint64
freed_heap_address(void)
{
	char *p;
	int i;

	heap_end_aligned();
	p = sbrk(4 * PGSIZE);
	if (p == (char *)-1)
		return MAXVA;
	for (i = 0; i < 4; i++)
		p[i * PGSIZE] = 1;
	sbrk(-4 * PGSIZE);
	return (uint64)p + PGSIZE;
}

TL uint64
bad_address(int k)
{
	switch (k) {
	case BAD_UNMAPPED:
		return PGROUNDUP((uint64)sbrk(0)) + PGSIZE;
	case BAD_KERNEL:
		return KERNBASE;
	case BAD_GUARD:
		/* The stack is one page, so every frame shares r_sp()'s page. */
		return PGROUNDDOWN(r_sp()) - PGSIZE;
	case BAD_MAXVA:
		return MAXVA;
	case BAD_ALLONES:
		return 0xffffffffffffffffUL;
	case BAD_FREED:
		return freed_heap_address();
	case BAD_TRAPFRAME:
		return TRAPFRAME;
	case BAD_TRAMPOLINE:
		return TRAMPOLINE;
	default:
		return 0;
	}
}

#endif
