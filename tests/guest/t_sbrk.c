/*
 * t_sbrk: growing and shrinking the heap.
 *
 * Checks:
 *  - sbrk(0) returns the break and changes nothing;
 *  - sbrk(n) returns the old break and moves it by n, for 1 byte, one page,
 *    and several megabytes; new memory reads as zero and keeps what is
 *    written;
 *  - a system call (read) can fill newly grown heap memory;
 *  - sbrk(-n) returns the old break and lowers it; touching the freed
 *    pages kills the process (status -1, checked in a child);
 *  - heap shrunk and grown again reads as zero, not the old contents;
 *  - growth that cannot be satisfied (1 GiB, 2 GiB - 1, more than physical
 *    memory in small steps) returns -1 and leaves sbrk(0) unchanged;
 *  - shrinking below address 0, or below the heap's start (into the stack
 *    and text), is refused and the caller survives;
 *  - all memory can be taken in 1 MiB steps until sbrk fails, is usable,
 *    and is all given back: a second child gets as much again;
 *  - a request for more memory than is free fails without taking any:
 *    while one process asks for 2 GiB over and over, another keeps
 *    forking children that write to copy-on-write pages, and none of them
 *    is killed for want of memory, and the free frame count never drops
 *    by more than those writes take;
 *  - with every page taken (sbrk one page at a time until it fails),
 *    pipe() and fork() fail with -1 or work, without hurting the caller,
 *    and fork works again once the memory is given back (and the second
 *    child above still gets as much memory: nothing leaked);
 *  - the heap is filled on demand: sbrk(+64 MiB) takes no frame; reading
 *    untouched pages takes none either (they all map the one zero page)
 *    and reads zeros; the first write to a page takes one frame; write()
 *    from untouched heap sends zeros and read() into it stores, exactly
 *    as loads and stores would; a fork of a partly touched heap leaves
 *    the untouched pages untouched in both processes; the refcount audit
 *    stays exact throughout (it counts the zero page's references too).
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define MB (1024 * 1024)

/* Index of the first nonzero byte in [p, p+n), or -1. */
static long
first_nonzero(const char *p, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return i;
	return -1;
}

static void
test_sbrk0(void)
{
	char *a = sbrk(0), *b = sbrk(0);

	check(a == b && a != (char *)-1 && (uint64)a > 0, "sbrk0",
	    "sbrk(0) returned %p then %p", (uint64)a, (uint64)b);
}

static void
test_grow(void)
{
	char *start = sbrk(0), *old, *p, *now;
	long bad;
	int sizes[] = { 1, PGSIZE, 3 * PGSIZE + 17, 8 * MB };
	uint i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int n = sizes[i];
		char name[32];

		snprintf(name, sizeof(name), "grow_%d", n);
		old = sbrk(0);
		p = sbrk(n);
		now = sbrk(0);
		if (p != old || now != old + n) {
			fail(name,
			    "sbrk(%d) returned %p (break was %p), break "
			    "now %p",
			    n, (uint64)p, (uint64)old, (uint64)now);
			continue;
		}
		bad = first_nonzero(p, n);
		if (bad >= 0) {
			fail(name, "new heap byte %d is %d, not zero", (int)bad,
			    p[bad]);
			continue;
		}
		fill_pattern(p, n, 0, i);
		bad = find_mismatch(p, n, 0, i);
		check(bad < 0, name, "byte %d did not keep what was written",
		    (int)bad);
	}
	sbrk(start - sbrk(0));
	check(sbrk(0) == start, "shrink_back",
	    "break %p after giving back "
	    "everything, want %p",
	    (uint64)sbrk(0), (uint64)start);
}

static void
test_read_into_heap(void)
{
	char *p = sbrk(3 * PGSIZE);
	char first[64];
	int fd, r;

	fd = open("README", O_RDONLY);
	if (fd < 0 || p == (char *)-1) {
		fail("read_into_heap", "setup: open %d sbrk %p", fd, (uint64)p);
		return;
	}
	read(fd, first, sizeof(first));
	close(fd);
	fd = open("README", O_RDONLY);
	/* Straddle a page boundary of the new memory. */
	r = read(fd, p + PGSIZE - 20, sizeof(first));
	close(fd);
	check(r == sizeof(first) &&
		memcmp(p + PGSIZE - 20, first, sizeof(first)) == 0,
	    "read_into_heap", "read into fresh heap returned %d", r);
	sbrk(-3 * PGSIZE);
}

static void
touch_address(uint64 a)
{
	*(volatile char *)opaque(a) = 1;
}

static void
read_address(uint64 a)
{
	(void)*(volatile char *)opaque(a);
}

static void
test_shrink(void)
{
	char *base, *p, *r, *now;
	uint64 gone;

	/* Start on a page boundary so whole pages are given back. */
	base = (char *)heap_end_aligned();
	p = sbrk(4 * PGSIZE);
	if (p != base) {
		fail("shrink", "sbrk(4 pages) returned %p, want %p", (uint64)p,
		    (uint64)base);
		return;
	}
	memset(p, 0x77, 4 * PGSIZE);
	r = sbrk(-2 * PGSIZE);
	now = sbrk(0);
	check(r == p + 4 * PGSIZE && now == p + 2 * PGSIZE, "shrink",
	    "sbrk(-2 pages) returned %p, break %p; want %p, %p", (uint64)r,
	    (uint64)now, (uint64)(p + 4 * PGSIZE), (uint64)(p + 2 * PGSIZE));
	check(p[2 * PGSIZE - 1] == 0x77, "shrink_keeps_rest",
	    "memory below the new break changed");

	gone = (uint64)p + 2 * PGSIZE;
	expect_killed("shrink_touch_first", touch_address, gone);
	expect_killed("shrink_touch_last", touch_address, gone + 2 * PGSIZE - 1);
	expect_killed("shrink_read", read_address, gone + PGSIZE);

	/* Grown again, the same addresses must read zero. */
	r = sbrk(2 * PGSIZE);
	check(r == (char *)gone && first_nonzero((char *)gone, 2 * PGSIZE) < 0,
	    "regrow_zero", "regrown heap at %p is not zero (sbrk gave %p)",
	    gone, (uint64)r);
	sbrk(-4 * PGSIZE);
}

/* The machine's RAM (make MEM=...), from vmstat. */
static uint64
ram_bytes(void)
{
	struct vmstat vs;

	if (vmstat(VMSTAT_GET, &vs) < 0)
		return 0;
	return vs.ram_bytes;
}

static void
test_grow_fail(void)
{
	/* The last: 200 MB more than all the RAM (MEM=128M: about 330 MB). */
	uint64 above = ram_bytes() + 200 * MB;
	int huge[] = { 1 << 30, 0x7fffffff, above > 0x7fffffff ? 0 : above };
	static const char *names[] = { "grow_fail_1g", "grow_fail_2g",
		"grow_fail_above_ram" };
	char *before, *r, *after;
	uint i;

	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		const char *name = names[i];

		if (huge[i] == 0 || (uint64)huge[i] < ram_bytes()) {
			skip(name, "%lu MiB of RAM: sbrk(%d) may work",
			    ram_bytes() >> 20, huge[i]);
			continue;
		}
		before = sbrk(0);
		r = sbrk(huge[i]);
		after = sbrk(0);
		check(r == (char *)-1 && after == before, name,
		    "sbrk(%d) returned %p; break %p -> %p", huge[i], (uint64)r,
		    (uint64)before, (uint64)after);
		if (r != (char *)-1 && after != before)
			sbrk(before - after);
	}
}

/*
 * Child: ask sbrk to lower the break to target, which is below the heap's
 * start; the call must fail, and the child must still be running with
 * nothing below the break taken away.
 */
static void
shrink_to(uint64 target)
{
	char *before = sbrk(0), *r;

	r = sbrk(-(int)((uint64)before - target));
	if (sbrk(0) != before)
		exit(ST_BAD);
	exit(r == (char *)-1 ? ST_GOOD : ST_BAD + 1);
}

static void
expect_shrink_refused(const char *name, uint64 target, const char *call)
{
	int st = child_status(shrink_to, target);

	check(st == ST_GOOD, name, "%s: %s (status %d)", call,
	    st == ST_BAD           ? "the break moved"
		: st == ST_BAD + 1 ? "did not return -1"
				   : status_word(st),
	    st);
}

static void
test_shrink_below_zero(void)
{
	/* Down to one page: below the heap's start, into the stack and text. */
	expect_shrink_refused(
	    "shrink_into_text", PGSIZE, "sbrk(-(break - 1 page))");
	expect_shrink_refused(
	    "shrink_below_zero", -(uint64)PGSIZE, "sbrk(-(break + 1 page))");
}

/*
 * Child: take 1 MiB at a time until sbrk fails; check that the failed
 * call left the break alone and that every page is usable; report how
 * many MiB it got through the exit status.
 */
static void
take_everything(uint64 unused)
{
	char *start = sbrk(0), *p, *brk;
	int n = 0, ram_mib = ram_bytes() >> 20;
	long off;

	(void)unused;
	for (;;) {
		brk = sbrk(0);
		p = sbrk(MB);
		if (p == (char *)-1) {
			if (sbrk(0) != brk)
				exit(-2);
			break;
		}
		if (p != brk)
			exit(-3);
		n++;
		if (n > ram_mib)
			exit(-4);
	}
	for (off = 0; off < (long)n * MB; off += PGSIZE) {
		if (start[off] != 0)
			exit(-5);
		start[off] = 1;
	}
	exit(n);
}

/*
 * Child: take every page, one sbrk(PGSIZE) at a time, until sbrk fails.
 * With no memory left, pipe() and fork() must fail with -1 (or work, if
 * the kernel kept some in reserve) and not hurt the caller.  Then give it
 * all back: fork must work again.  Exit status 100 + 1 (pipe failed) +
 * 2 (fork failed), or negative for what went wrong.
 */
static void
oom_child(uint64 unused)
{
	char *start = sbrk(0), *page;
	int pages = 0, p[2], r, pid, st, code = 100, i;
	int ram_pages = ram_bytes() / PGSIZE;

	(void)unused;
	/*
	 * A megabyte at a time first (page by page, 1 GiB takes minutes),
	 * then page by page.  The heap fills on first touch: touch each page.
	 * A megabyte is taken only while a few pages more are free, for the
	 * page tables its pages need (sbrk counts the pages alone).
	 */
	while (pages <= ram_pages &&
	    (page = sbrk(MB + 16 * PGSIZE)) != (char *)-1) {
		sbrk(-16 * PGSIZE);
		for (i = 0; i < MB; i += PGSIZE)
			page[i] = 1;
		pages += MB / PGSIZE;
	}
	while ((page = sbrk(PGSIZE)) != (char *)-1) {
		*page = 1;
		if (++pages > ram_pages)
			exit(-2);
	}
	r = pipe(p);
	if (r == 0) {
		close(p[0]);
		close(p[1]);
	} else if (r == -1) {
		code += 1;
	} else {
		exit(-3);
	}
	pid = fork();
	if (pid == 0)
		exit(0);
	if (pid > 0 && wait(&st) != pid)
		exit(-4);
	if (pid == -1)
		code += 2;
	else if (pid < 0)
		exit(-5);
	sbrk(start - sbrk(0));
	if (sbrk(0) != start)
		exit(-6);
	pid = fork();
	if (pid == 0)
		exit(0);
	if (pid < 0 || wait(0) != pid)
		exit(-7);
	exit(code);
}

static void
test_oom(void)
{
	int st = child_status(oom_child, 0);

	if (st >= 100 && st <= 103) {
		note("with no memory left: pipe %s, fork %s",
		    st & 1 ? "failed" : "worked", st & 2 ? "failed" : "worked");
		ok("oom_pipe_fork");
	} else {
		fail("oom_pipe_fork",
		    "status %d (-1 killed, -2 sbrk never "
		    "failed, -3 pipe returned neither 0 nor -1, -4 wait lost "
		    "the child, -5 fork returned < -1, -6 could not give memory "
		    "back, -7 fork failed after memory came back)",
		    st);
	}
}

/* Child: ask for 2 GiB, then 1 GiB, until killed; every call must fail. */
static void
ask_too_much(uint64 unused)
{
	char *brk = sbrk(0);

	(void)unused;
	for (;;) {
		if (sbrk(0x7fffffff) != (char *)-1 ||
		    sbrk(1 << 30) != (char *)-1 || sbrk(0) != brk)
			exit(ST_BAD);
	}
}

#define WRITER_PAGES  32
#define WRITER_ROUNDS 60

/* Lower *least to the frames free now. */
static void
note_free_frames(uint64 *least)
{
	struct vmstat vs;

	if (vmstat(VMSTAT_GET, &vs) == 0 && vs.frames_free < *least)
		*least = vs.frames_free;
}

/*
 * WRITER_ROUNDS children in turn each write to every page of a heap they
 * share copy-on-write with the caller, which notes the free frames before
 * and after each round in *least.  Returns the rounds whose child exited
 * 0 (all of them, or the first that went wrong), or -1 without a heap.
 */
static int
cow_write_rounds(uint64 *least)
{
	char *heap = sbrk(WRITER_PAGES * PGSIZE);
	int round, pid, st = -1, i;

	if (heap == (char *)-1)
		return -1;
	memset(heap, 1, WRITER_PAGES * PGSIZE);
	for (round = 0; round < WRITER_ROUNDS; round++) {
		note_free_frames(least);
		pid = fork();
		if (pid == 0) {
			for (i = 0; i < WRITER_PAGES; i++)
				heap[i * PGSIZE] = 2;
			exit(0);
		}
		if (pid < 0 || wait_pid(pid, &st) != pid || st != 0)
			break;
		note_free_frames(least);
	}
	sbrk(-WRITER_PAGES * PGSIZE);
	return round;
}

/*
 * The samples are taken between the rounds, not in a loop of their own:
 * each vmstat() walks every page table (vm_stats' audit), and a fixed
 * number of them took most of a minute on a busy host.
 */
static void
test_greedy_starves_nobody(void)
{
	int greedy, rounds, gst = 0;
	uint64 before = ~0UL, least = ~0UL;

	note_free_frames(&before);
	greedy = fork();
	if (greedy == 0)
		ask_too_much(0);
	if (greedy < 0) {
		fail("greedy_starves_nobody", "fork failed");
		return;
	}
	rounds = cow_write_rounds(&least);
	kill(greedy);
	wait_pid(greedy, &gst);
	if (gst == ST_BAD)
		fail("greedy_starves_nobody",
		    "sbrk of 1 or 2 GiB succeeded or moved the break");
	else if (rounds != WRITER_ROUNDS)
		fail("greedy_starves_nobody",
		    "while another process asked for 2 GiB again and again, "
		    "%s (round %d of %d)",
		    rounds < 0
			? "sbrk of the writer's heap failed"
			: "fork failed or a copy-on-write writer was killed",
		    rounds, WRITER_ROUNDS);
	else
		/* The writer and its child hold a few hundred frames at most. */
		check(least + 1000 > before, "greedy_starves_nobody",
		    "free frames fell from %d to %d while sbrk(2 GiB) was "
		    "failing",
		    (int)before, (int)least);
}

static void
test_exhaust(void)
{
	int first, second;

	first = child_status(take_everything, 0);
	test_oom();
	second = child_status(take_everything, 0);
	if (first <= 0 || first > (int)(ram_bytes() >> 20) || second <= 0) {
		fail("exhaust",
		    "child results %d and %d (-1 killed, -2 failed "
		    "sbrk moved the break, -3 wrong return, -4 no limit, "
		    "-5 nonzero memory)",
		    first, second);
		return;
	}
	note("sbrk took %d MiB, then %d MiB", first, second);
	ok("exhaust");
	check(second >= first - 1, "exhaust_no_leak",
	    "first child got %d MiB, second only %d MiB", first, second);
}

static uint64
free_frames(void)
{
	struct vmstat vs;

	return vmstat(VMSTAT_GET, &vs) == 0 ? vs.frames_free : 0;
}

/* Mismatches the refcount audit reports now (0: every count exact). */
static int
audit_problems(void)
{
	struct vmstat vs;

	return vmstat(VMSTAT_CHECK, &vs);
}

#define LAZY_PAGES 64

/* Child: fork with half the heap touched; both must leave the rest alone. */
static void
fork_half_touched(uint64 unused)
{
	char *heap = sbrk(LAZY_PAGES * PGSIZE);
	uint64 before, after;
	int i, pid, st;

	(void)unused;
	if (heap == (char *)-1)
		exit(-2);
	for (i = 0; i < LAZY_PAGES / 2; i++)
		heap[i * PGSIZE] = 1;
	before = free_frames();
	pid = fork();
	if (pid == 0) {
		for (i = LAZY_PAGES / 2; i < LAZY_PAGES; i++)
			if (heap[i * PGSIZE] != 0)
				exit(-3);
		exit(heap[0] == 1 ? 0 : -4);
	}
	if (pid < 0 || wait_pid(pid, &st) != pid || st != 0)
		exit(st < 0 ? st : -5);
	after = free_frames();
	/* The child's reads mapped the zero page: no heap frame each. */
	exit(before - after < LAZY_PAGES / 4 ? 0 : -6);
}

static void
test_lazy(void)
{
	uint64 before = free_frames(), after;
	char *heap = sbrk(64 * MB), *p;
	int fds[2], i, n, st, bad;
	long nz;

	if (heap == (char *)-1) {
		fail("lazy_reserve", "sbrk(64 MiB) failed");
		return;
	}
	after = free_frames();
	check(before - after < 4, "lazy_reserve",
	    "sbrk(+64 MiB) took %lu frames", before - after);

	before = after;
	for (i = 0, nz = 0; i < LAZY_PAGES; i++)
		nz |= heap[i * PGSIZE + 100];
	after = free_frames();
	check(nz == 0 && before - after < 4, "lazy_read_zero_page",
	    "reading %d untouched pages: nonzero %ld, took %lu frames",
	    LAZY_PAGES, nz, before - after);

	before = after;
	heap[5 * PGSIZE] = 7;
	after = free_frames();
	check(heap[5 * PGSIZE] == 7 && heap[6 * PGSIZE] == 0 &&
		before - after == 1,
	    "lazy_first_write", "a first write took %lu frames, read back %d",
	    before - after, heap[5 * PGSIZE]);

	/* write() from untouched pages sends zeros, as loads would read. */
	p = heap + 32 * MB;
	bad = pipe(fds) < 0;
	n = bad ? -1 : write(fds[1], p + 10, 300);
	if (!bad)
		close(fds[1]);
	check(n == 300, "lazy_copyin", "write from untouched heap returned %d",
	    n);
	/* read() into untouched pages stores, as stores would. */
	memset(heap + 40 * MB, 1, 8);
	n = bad ? -1 : read(fds[0], p + PGSIZE - 100, 300);
	if (!bad)
		close(fds[0]);
	check(n == 300 && first_nonzero(p + PGSIZE - 100, 300) < 0,
	    "lazy_copyout", "read into untouched heap returned %d", n);

	check(audit_problems() == 0, "lazy_audit",
	    "the refcount audit found %d problems with a lazy heap",
	    audit_problems());
	before = free_frames();
	sbrk(-64 * MB);
	after = free_frames();
	check(after - before >= 3 && audit_problems() == 0, "lazy_release",
	    "sbrk(-64 MiB) gave back %lu frames (3 pages were touched)",
	    after - before);

	st = child_status(fork_half_touched, 0);
	check(st == 0, "lazy_fork",
	    "status %d (-2 sbrk failed, -3 untouched page not zero, -4 "
	    "touched page lost, -5 child failed, -6 fork filled the heap)",
	    st);
}

int
main(void)
{
	test_sbrk0();
	test_grow();
	test_read_into_heap();
	test_shrink();
	test_grow_fail();
	test_shrink_below_zero();
	test_lazy();
	test_greedy_starves_nobody();
	test_exhaust();
	finish();
	return 0;
}
