/*
 * The guest test programs' library (declarations and the result protocol
 * in testlib.h), linked into every program of tests/guest/.
 */
#include <stdarg.h>

#include "kernel/vmstat.h"
#include "tests/guest/testlib.h"

static int failures;

/*
 * One result line, "TAG NAME" or "TAG NAME: REASON", formatted by the user
 * library's vsnprintf and written with one write(), so that a kernel
 * message printed at the same moment cannot split it.  A too-long reason
 * is cut, never overflowed.
 */
static void
emit(const char *tag, const char *name, const char *fmt, va_list *app)
{
	char line[240];
	int n;

	n = snprintf(
	    line, sizeof(line) - 1, "%s %s%s", tag, name, fmt ? ": " : "");
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (fmt != 0) {
		n += vsnprintf(line + n, sizeof(line) - 1 - n, fmt, *app);
		if (n > (int)sizeof(line) - 2)
			n = sizeof(line) - 2;
	}
	line[n++] = '\n';
	write(1, line, n);
}

void
ok(const char *name)
{
	emit("ok", name, 0, 0);
}

void
count_failure(void)
{
	failures++;
}

void
fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	failures++;
	va_start(ap, fmt);
	emit("FAIL", name, fmt, &ap);
	va_end(ap);
}

void
skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("SKIP", name, fmt, &ap);
	va_end(ap);
}

void
check(int cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		ok(name);
		return;
	}
	failures++;
	va_start(ap, fmt);
	emit("FAIL", name, fmt, &ap);
	va_end(ap);
}

void
note(const char *fmt, ...)
{
	char line[240];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line + 2, sizeof(line) - 3, fmt, ap) + 2;
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[0] = '#';
	line[1] = ' ';
	line[n++] = '\n';
	write(1, line, n);
}

void
finish(void)
{
	note("finished, %d failed", failures); /* tests/run.py waits for it */
	exit(failures == 0 ? 0 : 1);
}

/* Wait until child a or child b exits, dropping other children's exits. */
static int
wait_either(int a, int b, int *status)
{
	int st, w;

	for (;;) {
		w = wait(&st);
		if (w < 0)
			return -1;
		if (w == a || w == b) {
			if (status)
				*status = st;
			return w;
		}
	}
}

int
pipe_pair(int a[2], int b[2])
{
	if (pipe(a) < 0)
		return -1;
	if (pipe(b) < 0) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	return 0;
}

int
wait_pid(int pid, int *status)
{
	return wait_either(pid, pid, status);
}

int
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

const char *
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

void
expect_killed(const char *name, void (*fn)(uint64), uint64 arg)
{
	int st = child_status(fn, arg);

	if (st == -1)
		ok(name);
	else
		fail(name, "child %s, status %d; expected killed (-1)",
		    status_word(st), st);
}

int
wait_timeout(int pid, int ticks, int *status)
{
	int dog, w;

	dog = fork();
	if (dog < 0)
		return wait_pid(pid, status) == pid ? 0 : -1;
	if (dog == 0) {
		sleep(ticks);
		exit(0);
	}
	w = wait_either(pid, dog, status);
	if (w < 0)
		return -1;
	if (w == pid) {
		kill(dog);
		wait_pid(dog, 0);
		return 0;
	}
	kill(pid);
	wait_pid(pid, status);
	return -1;
}

uint64
xorshift(uint64 *state)
{
	uint64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

int
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
uchar
pattern_byte(uint64 pos, uint seed)
{
	return (uchar)((pos * 7 + (pos >> 8) * 13 + seed) & 0xff);
}

void
fill_pattern(char *buf, int n, uint64 start, uint seed)
{
	int i;

	for (i = 0; i < n; i++)
		buf[i] = pattern_byte(start + i, seed);
}

int
find_mismatch(const char *buf, int n, uint64 start, uint seed)
{
	int i;

	for (i = 0; i < n; i++)
		if ((uchar)buf[i] != pattern_byte(start + i, seed))
			return i;
	return -1;
}

int
make_pattern_file(const char *path, int n, uint seed)
{
	char chunk[512];
	int fd, w, done;

	unlink(path);
	fd = open(path, O_CREATE | O_RDWR);
	for (done = 0; fd >= 0 && done < n; done += w) {
		w = n - done < (int)sizeof(chunk) ? n - done : (int)sizeof(chunk);
		fill_pattern(chunk, w, done, seed);
		if (write(fd, chunk, w) != w)
			break;
	}
	close(fd);
	if (fd >= 0 && done >= n)
		return 0;
	note("cannot write %s", path);
	return -1;
}

char *
map_file(const char *path, int omode, int len, int prot, int flags)
{
	int fd = open(path, omode);
	char *p;

	if (fd < 0)
		return FAILED;
	p = mmap(0, len, prot, flags, fd, 0);
	close(fd);
	return p;
}

char *
map_new_shared(
    const char *path, int n, uint seed, int len, int *fdp, const char *name)
{
	char *p = FAILED;

	make_pattern_file(path, n, seed);
	*fdp = open(path, O_RDWR);
	if (*fdp >= 0)
		p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fdp, 0);
	if (p == FAILED) {
		fail(name, "mmap failed");
		close(*fdp);
	}
	return p;
}

int
audit_clean(void)
{
	struct vmstat st;

	return vmstat(VMSTAT_CHECK_VERBOSE, &st) == 0;
}

const char *
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

uint64
heap_end_aligned(void)
{
	uint64 brk = (uint64)sbrk(0);

	sbrk(PGROUNDUP(brk) - brk + PGSIZE);
	return (uint64)sbrk(0);
}

/* Heap pages that were mapped, written, and then given back. */
static uint64
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

uint64
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

void
image_resident_except(uint64 lo, uint64 hi)
{
	extern char __data_start[], __image_end[];
	uint64 va, end = PGROUNDDOWN(r_sp()) - PGSIZE; /* the guard page */
	char c;

	/*
	 * A load maps a text page; a data page it would map copy-on-write
	 * from the page cache, so a later store would take a frame: store
	 * back what is there.
	 */
	for (va = 0; va < end; va += PGSIZE) {
		if (va >= lo && va < hi)
			continue;
		/* asm: the compiler may not load from address 0 itself */
		asm volatile("lb %0, 0(%1)" : "=r"(c) : "r"(va) : "memory");
		if (va >= (uint64)__data_start && va < (uint64)__image_end)
			asm volatile("sb %0, 0(%1)"
				     :
				     : "r"(c), "r"(va)
				     : "memory");
	}
}

void
image_resident(void)
{
	static int done;

	if (!done)
		image_resident_except(0, 0);
	done = 1;
}

uint64
frames_free(void)
{
	struct vmstat st;

	image_resident();

	vmstat(VMSTAT_GET, &st);
	return frames_available(&st);
}

uint64
frames_available(const struct vmstat *st)
{
	/* The page cache's frames come back when memory runs short. */
	return st->frames_free + st->pcache_pages;
}
