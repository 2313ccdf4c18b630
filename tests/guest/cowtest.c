/*
 * cowtest: copy-on-write fork, tested from user space.
 *
 * Subtests, in order (those marked "cow" print SKIP when the kernel was
 * built with FORK=copy, since they measure sharing that eager copying
 * does not do):
 *
 *   fork-copies-data (top level, first)
 *       A child's first store to a shared data page and to the stack
 *       keeps the rest of the page: if not, nothing else can work (not
 *       even this program's own bookkeeping), so the program stops there.
 *   big-fork-1, big-fork-2 (cow)
 *       A process holding ~60% of the free frames (every page written)
 *       forks; the child checks a sample of pages.  Twice, so the second
 *       round proves the first gave everything back.
 *   fork-shares (cow)
 *       While that first child lives, at least every heap frame is shared
 *       (FORK=page: each frame has a count above 1; FORK=cow: the level-0
 *       tables mapping them are shared, 512 pages each) and the kernel's
 *       refcount audit finds no mismatch.
 *   three-generations
 *       Parent writes P; two sibling children check P and write Q0/Q1;
 *       each forks a grandchild that checks Q and writes R.  Everyone
 *       rechecks its own pattern after its descendants (and sibling) wrote.
 *   isolation
 *       After fork, writes to .data, heap, stack and an atomic add on a
 *       heap word are invisible to the other process, both ways.
 *   copyout-read, copyout-pipe, copyout-fstat, copyout-wait
 *       The kernel writes into a page the caller shares with another
 *       process (read() from a pipe and a file, also across a page
 *       boundary; pipe()'s fds; fstat()'s struct; wait()'s status): the
 *       caller sees the data, the other process keeps the old bytes.
 *   text-readonly
 *       After fork, parent and child each have a grandchild store into
 *       the text (and one into rodata): killed (-1); text unchanged.
 *   reuse-without-copy (cow)
 *       A page whose only sharer has exited is made writable again on the
 *       next write without a copy: pages_reused +1, pages_copied +0.
 *   copy-when-shared (cow)
 *       The same write while the child still lives copies the page.
 *   oom-during-cow (cow)
 *       A child of a process holding 70% of the free frames writes every
 *       page: it is killed for lack of memory, its parent survives with
 *       its data intact.
 *   fork-near-oom
 *       A process that holds all but r frames forks, for r = 200 .. 0:
 *       fork either works or returns -1, and no frame is lost either way;
 *       with r = 200 a copy-on-write fork (page tables only) must work.
 *   concurrent-faults
 *       Six children on several harts rewrite 64 shared pages many times,
 *       each forking a grandchild per round that checks the pattern while
 *       its parent overwrites it.
 *   exec-and-sbrk-in-child
 *       A child shrinks and regrows its heap (the new pages are zero, not
 *       the parent's data) and execs echo; the parent's data is intact.
 *   kill-sharers
 *       Four children spinning on shared pages are killed: status -1 each.
 *   refcount-check, no-frame-leak
 *       After everything is reaped: the audit is clean and frames_free is
 *       exactly what it was when the program started.
 *
 * Every subtest other than the last two also requires that frames_free is
 * back to its value before the subtest, exactly, and that the refcount
 * audit is clean (conclude()).  The subtests run in a child ("runner")
 * whose page-table pages are grown once up front (prewarm()): a kernel
 * that keeps page-table pages after sbrk(-n) then reuses them, one that
 * frees the level-0 tables a shrink empties (cowbird does) gives them
 * back, and either way frame counts can be compared exactly.  The
 * top level only forks the runner, so its own frames never change.
 *
 * Children report failures as a line on a "report" pipe and exit 1; the
 * parent reads the pipe to EOF (all writers gone) before reaping them.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "kernel/syscall.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define WORDS_PER_PAGE (PGSIZE / 8)
#define REPORT_MAX     80 /* one child's message; six fit in a pipe */

static int cow_mode;  /* 0 when built with FORK=copy */
static char why[160]; /* first reason the current subtest failed */
static int report_fd[2] = { -1, -1 };
static char report_text[REPORT_MAX + 1];
static uchar text_saved[16]; /* text_probe's first bytes, before any fork */
static volatile uint64 iso_data = 0x1111; /* in .data, for isolation */

static const char *const COW_ONLY = "needs copy-on-write (built with FORK=copy)";

/* ---- small helpers ---- */

static uint64
free_frames(void)
{
	struct vmstat st;

	image_resident();
	if (vmstat(VMSTAT_GET, &st) < 0)
		return 0;
	return frames_available(&st);
}

/* Remember the first thing that went wrong in this subtest. */
static void
why_set(const char *fmt, ...)
{
	__builtin_va_list ap;

	if (why[0] != 0)
		return;
	__builtin_va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	__builtin_va_end(ap);
}

/* Start a subtest: no reason yet; returns frames_free now. */
static uint64
begin(void)
{
	why[0] = 0;
	return free_frames();
}

/*
 * End a subtest, after its children are reaped and its heap given back:
 * ok only if it found nothing wrong, every frame it took is free again,
 * and the kernel's refcount audit is clean.
 */
static void
conclude(const char *name, uint64 free_before)
{
	struct vmstat st;
	int bad;

	if (why[0] == 0) {
		bad = vmstat(VMSTAT_CHECK_VERBOSE, &st);
		if (bad != 0)
			why_set(
			    "refcount audit found %d mismatches (console has them)",
			    bad);
		else if (frames_available(&st) < free_before)
			why_set("%lu frames lost (free or cached %lu before, %lu "
				"after)",
			    free_before - frames_available(&st), free_before,
			    frames_available(&st));
		else if (frames_available(&st) > free_before)
			why_set("%lu frames too many are free or cached (%lu "
				"before, %lu after)",
			    frames_available(&st) - free_before, free_before,
			    frames_available(&st));
	}
	if (why[0] != 0)
		fail(name, "%s", why);
	else
		ok(name);
}

static int
report_open(void)
{
	report_text[0] = 0;
	return pipe(report_fd);
}

/* In a child: put the reason on the report pipe and exit 1. */
static void __attribute__((noreturn)) child_fail(const char *fmt, ...)
{
	char line[REPORT_MAX];
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	__builtin_va_end(ap);
	if (n > REPORT_MAX - 2)
		n = REPORT_MAX - 2;
	line[n++] = '\n';
	write(report_fd[1], line, n);
	exit(1);
}

/*
 * In the parent, once no child can be waiting for it: read the report
 * pipe until every writer is gone, keep the first line, and make it the
 * subtest's reason.
 */
static void
report_collect(void)
{
	char buf[64];
	int n, i, len = 0, done = 0;

	close(report_fd[1]);
	while ((n = read(report_fd[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n && !done; i++) {
			if (buf[i] == '\n' || len == REPORT_MAX)
				done = 1;
			else
				report_text[len++] = buf[i];
		}
	}
	report_text[len] = 0;
	close(report_fd[0]);
	report_fd[0] = report_fd[1] = -1;
	if (len > 0)
		why_set("%s", report_text);
}

/*
 * Subtest name, begun at f0, run by one child, fn, that reports its first
 * problem on the report pipe; its exit status must be 0 too (who: what
 * the child is, for the reason).
 */
static void
run_reporting_child(const char *name, uint64 f0, void (*fn)(void), const char *who)
{
	int pid, st = ST_NOFORK;

	if (report_open() < 0) {
		fail(name, "pipe failed");
		return;
	}
	pid = fork();
	if (pid == 0)
		fn();
	report_collect();
	if (pid < 0)
		why_set("fork failed");
	else if (wait_pid(pid, &st) == pid && st != 0)
		why_set("%s exited with status %d%s", who, st,
		    st == -1 ? " (killed)" : "");
	conclude(name, f0);
}

/* Reap the n children in pids[] (skipping pids <= 0); sts[i] gets pids[i]'s status. */
static void
reap_all(const int *pids, int *sts, int n)
{
	int i, left = 0, w, st;

	for (i = 0; i < n; i++) {
		sts[i] = ST_NOFORK;
		if (pids[i] > 0)
			left++;
	}
	while (left > 0 && (w = wait(&st)) >= 0) {
		for (i = 0; i < n; i++) {
			if (pids[i] == w) {
				sts[i] = st;
				left--;
			}
		}
	}
}

/* n fresh pages at the break (which stays page-aligned), or 0. */
static char *
heap_grow(int npages)
{
	char *p = sbrk(npages * PGSIZE);
	int i;

	if (p == (char *)-1)
		return 0;
	/* The heap fills on first touch: take the frames now. */
	for (i = 0; i < npages; i++)
		p[i * PGSIZE] = 0;
	return p;
}

static void
heap_shrink(int npages)
{
	sbrk(-npages * PGSIZE);
}

/* A 64-bit value for each (page, word, seed); different seeds never agree. */
static uint64
pattern_word(uint64 page, uint64 slot, uint64 seed)
{
	return ((seed + 1) * 0x9E3779B97F4A7C15UL) ^ (page << 20) ^ slot;
}

/* Write words 0, stride, 2*stride, ... of every page. */
static void
fill_pages(char *base, int npages, int stride, uint64 seed)
{
	int pg, w;

	for (pg = 0; pg < npages; pg++) {
		volatile uint64 *p =
		    (volatile uint64 *)(base + (uint64)pg * PGSIZE);

		for (w = 0; w < WORDS_PER_PAGE; w += stride)
			p[w] = pattern_word(pg, w, seed);
	}
}

/* Check pages first, first+step, ... < end as fill_pages wrote them; the first bad page or -1. */
static int
check_pages(char *base, int first, int end, int step, int stride, uint64 seed)
{
	int pg, w;

	for (pg = first; pg < end; pg += step) {
		volatile uint64 *p =
		    (volatile uint64 *)(base + (uint64)pg * PGSIZE);

		for (w = 0; w < WORDS_PER_PAGE; w += stride)
			if (p[w] != pattern_word(pg, w, seed))
				return pg;
	}
	return -1;
}

/*
 * All children arrive (each writes a byte up, then waits for one down)
 * before any goes on.  Every child must arrive, even one that already
 * knows it failed, or the parent waits forever.
 */
struct barrier {
	int up[2];
	int down[2];
};

static int
barrier_open(struct barrier *b)
{
	if (pipe(b->up) < 0)
		return -1;
	if (pipe(b->down) < 0) {
		close(b->up[0]);
		close(b->up[1]);
		return -1;
	}
	return 0;
}

static void
barrier_arrive(struct barrier *b)
{
	char c = 'a';

	write(b->up[1], &c, 1);
	read(b->down[0], &c, 1);
}

/* In the parent: wait for n arrivals, let them go, and drop the pipes. */
static void
barrier_release(struct barrier *b, int n)
{
	char c = 'g';
	int i;

	close(b->up[1]);
	for (i = 0; i < n; i++)
		if (read(b->up[0], &c, 1) != 1)
			break;
	for (i = 0; i < n; i++)
		write(b->down[1], &c, 1);
	close(b->up[0]);
	close(b->down[0]);
	close(b->down[1]);
}

/*
 * Grow the runner's page tables once to cover the largest heap any
 * subtest of the runner uses; a kernel that keeps page-table pages after
 * sbrk(-n) lets later subtests find them there, so frames_free before and
 * after a subtest can be compared exactly.  (cowbird frees the level-0
 * tables a shrink empties, which makes the comparison exact as well.)
 */
static void
prewarm(void)
{
	int n = free_frames() * 65 / 100;

	if (heap_grow(n) == 0)
		note("prewarm: sbrk of %d pages failed; frame counts may be off",
		    n);
	else
		heap_shrink(n);
}

/* ---- big-fork, fork-shares ---- */

#define BIG_PERCENT 60
#define SEED_BIG    11

static void
test_big_fork(const char *name, int audit_while_shared)
{
	struct vmstat vs;
	uint64 f0;
	int n, pid, bad, st = ST_NOFORK, ready[2], go[2], audit = -1;
	char *base, c;

	if (!cow_mode) {
		skip(name, "%s", COW_ONLY);
		if (audit_while_shared)
			skip("fork-shares", "%s", COW_ONLY);
		return;
	}
	f0 = begin();
	n = f0 * BIG_PERCENT / 100;
	if (pipe(ready) < 0 || pipe(go) < 0) {
		fail(name, "pipe failed");
		return;
	}
	base = heap_grow(n);
	if (base == 0) {
		fail(name, "sbrk of %d pages failed with %lu frames free", n, f0);
		return;
	}
	fill_pages(base, n, WORDS_PER_PAGE - 1, SEED_BIG);
	vs.frames_shared = 0;

	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		bad = check_pages(base, 0, n, 7, WORDS_PER_PAGE - 1, SEED_BIG);
		if (bad < 0)
			bad = check_pages(
			    base, n - 1, n, 1, WORDS_PER_PAGE - 1, SEED_BIG);
		c = bad < 0 ? 'y' : 'n';
		write(ready[1], &c, 1);
		read(go[0], &c, 1);
		exit(bad < 0 ? 0 : 1);
	}
	close(ready[1]);
	close(go[0]);
	if (pid < 0) {
		why_set("fork of a %d-page process failed with %lu frames free "
			"(a copy-on-write fork needs only page tables)",
		    n, free_frames());
	} else {
		if (read(ready[0], &c, 1) != 1)
			why_set("child died before checking its pages");
		else if (c != 'y')
			why_set("child saw wrong data in a sampled page");
		if (audit_while_shared)
			audit = vmstat(VMSTAT_CHECK_VERBOSE, &vs);
		write(go[1], &c, 1);
		wait_pid(pid, &st);
		if (st != 0)
			why_set("child exited with status %d", st);
	}
	close(ready[0]);
	close(go[1]);
	bad = check_pages(base, 0, n, 1, WORDS_PER_PAGE - 1, SEED_BIG);
	if (bad >= 0)
		why_set("parent's page %d changed", bad);
	heap_shrink(n);
	conclude(name, f0);

	if (!audit_while_shared)
		return;
	if (pid < 0)
		fail("fork-shares", "the fork failed");
	else if (audit != 0)
		fail("fork-shares",
		    "refcount audit with a child sharing %d pages "
		    "found %d mismatches",
		    n, audit);
	else
		check(vs.frames_shared + 512 * vs.tables_shared >= (uint64)n,
		    "fork-shares",
		    "only %lu frames and %lu tables shared while a child shares the %d heap pages",
		    vs.frames_shared, vs.tables_shared, n);
}

/* ---- three-generations ---- */

#define GEN_PAGES 8
#define SEED_P    21
#define SEED_Q(i) (22 + 10 * (i))
#define SEED_R(i) (23 + 10 * (i))

static int
gen_check(char *base, uint64 seed)
{
	return check_pages(base, 0, GEN_PAGES, 1, 1, seed);
}

static void __attribute__((noreturn)) gen_grandchild(char *base, int i)
{
	int bad = gen_check(base, SEED_Q(i));

	if (bad >= 0)
		child_fail("grandchild %d: page %d is not its parent's pattern",
		    i, bad);
	fill_pages(base, GEN_PAGES, 1, SEED_R(i));
	if ((bad = gen_check(base, SEED_R(i))) >= 0)
		child_fail("grandchild %d: page %d lost its own write", i, bad);
	exit(0);
}

static void __attribute__((noreturn))
gen_child(char *base, int i, struct barrier *b)
{
	const char *err = 0;
	int bad, pid, st = 0;

	if ((bad = gen_check(base, SEED_P)) >= 0)
		err = "did not see the parent's pattern";
	fill_pages(base, GEN_PAGES, 1, SEED_Q(i));
	pid = fork();
	if (pid == 0)
		gen_grandchild(base, i);
	if (pid < 0 && err == 0)
		err = "could not fork a grandchild";
	if (pid > 0 && wait_pid(pid, &st) == pid && st != 0 && err == 0)
		err = "had a grandchild that failed";
	if (err == 0 && (bad = gen_check(base, SEED_Q(i))) >= 0)
		err = "saw its grandchild's write";
	/* Every child arrives, so that the sibling is known to have written. */
	barrier_arrive(b);
	if (err == 0 && (bad = gen_check(base, SEED_Q(i))) >= 0)
		err = "lost its pattern after its sibling wrote";
	if (err != 0)
		child_fail("child %d %s (page %d, grandchild status %d)", i,
		    err, bad, st);
	exit(0);
}

static void
test_generations(void)
{
	const char *name = "three-generations";
	struct barrier b;
	uint64 f0 = begin();
	int pids[2], sts[2], i, bad;
	char *base;

	if (report_open() < 0 || barrier_open(&b) < 0) {
		fail(name, "pipe failed");
		return;
	}
	if ((base = heap_grow(GEN_PAGES)) == 0) {
		fail(name, "sbrk failed");
		return;
	}
	fill_pages(base, GEN_PAGES, 1, SEED_P);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			gen_child(base, i, &b);
	}
	barrier_release(&b, (pids[0] > 0) + (pids[1] > 0));
	report_collect();
	reap_all(pids, sts, 2);
	for (i = 0; i < 2; i++) {
		if (pids[i] < 0)
			why_set("fork of child %d failed", i);
		else if (sts[i] != 0)
			why_set("child %d exited with status %d", i, sts[i]);
	}
	if ((bad = gen_check(base, SEED_P)) >= 0)
		why_set("parent's page %d changed", bad);
	heap_shrink(GEN_PAGES);
	conclude(name, f0);
}

/* ---- isolation ---- */

/* One side's values in each kind of memory. */
struct iso_values {
	uint64 data, heap, stack, atomic;
};

static const char *
iso_differs(volatile uint64 *heap, volatile uint64 *stack,
    volatile uint64 *atomic, const struct iso_values *v)
{
	if (iso_data != v->data)
		return "data";
	if (*heap != v->heap)
		return "heap";
	if (*stack != v->stack)
		return "stack";
	if (*atomic != v->atomic)
		return "atomic";
	return 0;
}

static void
test_isolation(void)
{
	const char *name = "isolation";
	static const struct iso_values start = { 0xA1, 0xA2, 0xA3, 0xA4 };
	static const struct iso_values parent = { 0xB1, 0xB2, 0xB3, 0xA4 + 2 };
	static const struct iso_values child = { 0xC1, 0xC2, 0xC3, 0xA4 + 1 };
	volatile uint64 stackword = start.stack;
	volatile uint64 *heap, *atomic;
	int p2c[2], c2p[2], pid, st = ST_NOFORK;
	uint64 f0 = begin(), old;
	const char *bad;
	char *base, c = 'x';

	if (report_open() < 0 || pipe(p2c) < 0 || pipe(c2p) < 0) {
		fail(name, "pipe failed");
		return;
	}
	if ((base = heap_grow(2)) == 0) {
		fail(name, "sbrk failed");
		return;
	}
	heap = (volatile uint64 *)base;
	atomic = (volatile uint64 *)(base + PGSIZE);
	iso_data = start.data;
	*heap = start.heap;
	*atomic = start.atomic;

	pid = fork();
	if (pid == 0) {
		close(p2c[1]);
		close(c2p[0]);
		/* The parent has written its values: none may show here. */
		read(p2c[0], &c, 1);
		if ((bad = iso_differs(heap, &stackword, atomic, &start)) != 0)
			child_fail(
			    "child saw the parent's write to %s memory", bad);
		iso_data = child.data;
		*heap = child.heap;
		stackword = child.stack;
		old = __atomic_fetch_add(atomic, 1, __ATOMIC_SEQ_CST);
		if (old != start.atomic)
			child_fail("child's atomic add read %lu", old);
		write(c2p[1], &c, 1);
		read(p2c[0], &c, 1);
		if ((bad = iso_differs(heap, &stackword, atomic, &child)) != 0)
			child_fail("child lost its own write to %s memory", bad);
		exit(0);
	}
	/* Only the child holds c2p's write end: its death ends our read. */
	close(p2c[0]);
	close(c2p[1]);
	if (pid < 0) {
		fail(name, "fork failed");
		return;
	}
	iso_data = parent.data;
	*heap = parent.heap;
	stackword = parent.stack;
	old = __atomic_fetch_add(atomic, 2, __ATOMIC_SEQ_CST);
	if (old != start.atomic)
		why_set("parent's atomic add read %lu", old);
	write(p2c[1], &c, 1);
	if (read(c2p[0], &c, 1) == 1 &&
	    (bad = iso_differs(heap, &stackword, atomic, &parent)) != 0)
		why_set("parent saw the child's write to %s memory", bad);
	write(p2c[1], &c, 1);
	close(p2c[1]);
	close(c2p[0]);
	report_collect();
	wait_pid(pid, &st);
	if (st != 0)
		why_set("child exited with status %d", st);
	heap_shrink(2);
	conclude(name, f0);
}

/* ---- copyout-read, copyout-pipe, copyout-fstat, copyout-wait ---- */

#define KW_FILL  'P'
#define KW_PAGES 3

/* Did the parent's shared pages keep their fill?  The first changed offset or -1. */
static int
kw_changed(char *base, uchar fill)
{
	int i;

	for (i = 0; i < KW_PAGES * PGSIZE; i++)
		if ((uchar)base[i] != fill)
			return i;
	return -1;
}

/* Start a copyout subtest: shared pages filled with fill; 0 if that failed. */
static char *
kw_begin(const char *name, uchar fill)
{
	char *base;

	if (report_open() < 0) {
		fail(name, "pipe failed");
		return 0;
	}
	if ((base = heap_grow(KW_PAGES)) == 0) {
		fail(name, "sbrk failed");
		return 0;
	}
	memset(base, fill, KW_PAGES * PGSIZE);
	return base;
}

/* Collect the child's report and reap it. */
static void
kw_reap(int pid)
{
	int st = ST_NOFORK;

	report_collect();
	if (pid < 0)
		why_set("fork failed");
	else if (wait_pid(pid, &st) != pid || st != 0)
		why_set("child exited with status %d", st);
}

/* Check the parent's shared pages, give them back, check the frames. */
static void
kw_end(const char *name, uint64 f0, char *base, uchar fill)
{
	int off;

	if ((off = kw_changed(base, fill)) >= 0)
		why_set("the kernel's write in the child changed the parent's "
			"byte at offset %d to 0x%x",
		    off, (uchar)base[off]);
	heap_shrink(KW_PAGES);
	conclude(name, f0);
}

static void
test_copyout_read(void)
{
	const char *name = "copyout-read";
	char msg[64], expect[32], *base;
	uint64 f0 = begin();
	int p[2], fd, pid, i;

	if ((base = kw_begin(name, KW_FILL)) == 0)
		return;
	fd = open("/README", O_RDONLY);
	if (fd < 0 || read(fd, expect, sizeof(expect)) != sizeof(expect) ||
	    pipe(p) < 0) {
		fail(name, "cannot read /README or make a pipe");
		heap_shrink(KW_PAGES);
		return;
	}
	close(fd);
	for (i = 0; i < (int)sizeof(msg); i++)
		msg[i] = 'a' + i % 26;
	write(p[1], msg, sizeof(msg));
	write(p[1], msg, sizeof(msg));

	pid = fork();
	if (pid == 0) {
		char *in_page = base + 100;
		char *across = base + 2 * PGSIZE - 10; /* spans pages 1 and 2 */

		if (read(p[0], in_page, sizeof(msg)) != sizeof(msg) ||
		    memcmp(in_page, msg, sizeof(msg)) != 0)
			child_fail(
			    "read() from a pipe into a shared page: wrong data");
		if (read(p[0], across, sizeof(msg)) != sizeof(msg) ||
		    memcmp(across, msg, sizeof(msg)) != 0)
			child_fail("read() across two shared pages: wrong data");
		char *from_file = base + 2 * PGSIZE + 500;

		fd = open("/README", O_RDONLY);
		if (fd < 0 ||
		    read(fd, from_file, sizeof(expect)) != sizeof(expect) ||
		    memcmp(from_file, expect, sizeof(expect)) != 0)
			child_fail(
			    "read() from a file into a shared page: wrong data");
		exit(0);
	}
	close(p[0]);
	close(p[1]);
	kw_reap(pid);
	kw_end(name, f0, base, KW_FILL);
}

static void
test_copyout_pipe(void)
{
	const char *name = "copyout-pipe";
	uint64 f0 = begin();
	char *base, c = 'z';
	int *fds, pid;

	if ((base = kw_begin(name, 0xff)) == 0)
		return;
	fds = (int *)(base + PGSIZE); /* -1, -1: all bytes 0xff */
	pid = fork();
	if (pid == 0) {
		if (pipe(fds) < 0)
			child_fail("pipe() into a shared page returned -1");
		if (fds[0] < 0 || fds[1] < 0 || fds[0] == fds[1])
			child_fail("pipe() gave fds %d and %d", fds[0], fds[1]);
		if (write(fds[1], &c, 1) != 1 || read(fds[0], &c, 1) != 1 ||
		    c != 'z')
			child_fail("the pipe's fds do not work");
		exit(0);
	}
	kw_reap(pid);
	kw_end(name, f0, base, 0xff);
}

static void
test_copyout_fstat(void)
{
	const char *name = "copyout-fstat";
	uint64 f0 = begin();
	struct stat *st;
	char *base;
	int pid, fd;

	if ((base = kw_begin(name, 0xA5)) == 0)
		return;
	st = (struct stat *)(base + PGSIZE + 200);
	pid = fork();
	if (pid == 0) {
		fd = open("/README", O_RDONLY);
		if (fd < 0 || fstat(fd, st) < 0)
			child_fail("fstat() into a shared page failed");
		if (st->type != T_FILE || st->size == 0 || st->nlink < 1)
			child_fail("fstat() wrote type %d size %lu", st->type,
			    st->size);
		exit(0);
	}
	kw_reap(pid);
	kw_end(name, f0, base, 0xA5);
}

/*
 * The parent waits with &status in a page it shares with a second child,
 * which must still see the old value afterwards.
 */
static void
test_copyout_wait(void)
{
	const char *name = "copyout-wait";
	uint64 f0 = begin();
	int *status, go[2], keeper, quitter, w;
	char *base, c = 'g';

	if ((base = kw_begin(name, 0x33)) == 0)
		return;
	if (pipe(go) < 0) {
		fail(name, "pipe failed");
		heap_shrink(KW_PAGES);
		return;
	}
	status = (int *)(base + PGSIZE); /* 0x33333333 */
	keeper = fork();
	if (keeper == 0) {
		read(go[0], &c, 1);
		if (*status != 0x33333333)
			child_fail("the parent's wait() status (%d) appeared in its "
				   "child's page",
			    *status);
		exit(0);
	}
	quitter = fork();
	if (quitter == 0)
		exit(7);
	/* keeper blocks on the pipe, so the quitter is reaped first. */
	w = wait(status);
	if (keeper < 0 || quitter < 0)
		why_set("fork failed");
	else if (w != quitter)
		why_set("wait returned %d, expected the quitter %d", w, quitter);
	else if (*status != 7)
		why_set("wait stored %d into a shared page, expected 7", *status);
	*status = 0x33333333; /* so kw_end's check covers the other bytes */
	write(go[1], &c, 1);
	close(go[0]);
	close(go[1]);
	kw_reap(keeper);
	kw_end(name, f0, base, 0x33);
}

/* ---- text-readonly ---- */

static int __attribute__((noinline)) text_probe(int x)
{
	return x * 3 + 1;
}

static const char rodata_probe[] = "read-only data";

static void __attribute__((noreturn)) store_to_text(void)
{
	volatile uint *p = (volatile uint *)opaque((uint64)text_probe);

	*p = ~*p;
	exit(0);
}

static void __attribute__((noreturn)) store_to_rodata(void)
{
	volatile char *p = (volatile char *)opaque((uint64)rodata_probe);

	*p = 'X';
	exit(0);
}

/* Fork a grandchild running fn, which must be killed; the status it got. */
static int
killed_status(void (*fn)(void))
{
	int pid = fork(), st = ST_NOFORK;

	if (pid == 0)
		fn();
	if (pid > 0)
		wait_pid(pid, &st);
	return st;
}

static const char *
text_damage(void)
{
	if (memcmp((void *)opaque((uint64)text_probe), text_saved,
		sizeof(text_saved)) != 0)
		return "text bytes changed";
	if (text_probe(opaque(5)) != 16)
		return "text_probe(5) no longer returns 16";
	if (strcmp(rodata_probe, "read-only data") != 0)
		return "rodata changed";
	return 0;
}

static void
test_text_readonly(void)
{
	const char *name = "text-readonly";
	uint64 f0 = begin();
	const char *damage;
	int pid, st = ST_NOFORK;

	if (report_open() < 0) {
		fail(name, "pipe failed");
		return;
	}
	pid = fork();
	if (pid == 0) {
		if ((st = killed_status(store_to_text)) != -1)
			child_fail("child's grandchild stored to text and got "
				   "status %d, not -1",
			    st);
		if ((damage = text_damage()) != 0)
			child_fail("in the child: %s", damage);
		exit(0);
	}
	if ((st = killed_status(store_to_text)) != -1)
		why_set(
		    "parent's grandchild stored to text and got status %d, not -1",
		    st);
	if ((st = killed_status(store_to_rodata)) != -1)
		why_set("a grandchild stored to rodata and got status %d, not -1",
		    st);
	report_collect();
	if (pid < 0)
		why_set("fork failed");
	else if (wait_pid(pid, &st) == pid && st != 0)
		why_set("child exited with status %d", st);
	if ((damage = text_damage()) != 0)
		why_set("in the parent: %s", damage);
	conclude(name, f0);
}

/* ---- reuse-without-copy, copy-when-shared ---- */

/*
 * A page written after fork, measured by two vmstat calls around one
 * store.  The struct vmstat lives in a second heap page and the stack is
 * written just before, so that those pages are private already and
 * neither the calls nor the code between them can fault on anything but
 * the one store.  (vmstat snapshots the counters before it copies the
 * struct out, so a fault on the struct's own page would land between
 * the two snapshots.)
 */
struct cow_probe {
	char *page;
	struct vmstat *before, *after;
};

static int
probe_open(struct cow_probe *pr)
{
	char *base = heap_grow(2);

	if (base == 0)
		return -1;
	pr->page = base;
	pr->before = (struct vmstat *)(base + PGSIZE);
	pr->after = pr->before + 1;
	fill_pages(pr->page, 1, 1, 31);
	pr->before->frames_free = 0;
	return 0;
}

/* Make the struct's page and the stack private, then measure one store. */
static void
probe_store(struct cow_probe *pr)
{
	volatile uint64 touch_stack = 1;

	pr->before->frames_free = touch_stack;
	vmstat(VMSTAT_GET, pr->before);
	*(volatile uint64 *)(pr->page + 8) = 0x5eed;
	vmstat(VMSTAT_GET, pr->after);
}

/* The store landed and the rest of the page is intact? */
static int
probe_page_ok(struct cow_probe *pr)
{
	volatile uint64 *p = (volatile uint64 *)pr->page;
	int w;

	for (w = 0; w < WORDS_PER_PAGE; w++)
		if (p[w] != (w == 1 ? 0x5eed : pattern_word(0, w, 31)))
			return 0;
	return 1;
}

static void
test_reuse(void)
{
	const char *name = "reuse-without-copy";
	struct cow_probe pr;
	uint64 f0, reused, copied;
	int pid, st = ST_NOFORK;

	if (!cow_mode) {
		skip(name, "%s", COW_ONLY);
		return;
	}
	f0 = begin();
	if (probe_open(&pr) < 0) {
		fail(name, "sbrk failed");
		return;
	}
	pid = fork();
	if (pid == 0)
		exit(0); /* touches nothing */
	if (pid < 0 || wait_pid(pid, &st) != pid) {
		fail(name, "fork failed");
		heap_shrink(2);
		return;
	}
	probe_store(&pr);
	reused = pr.after->pages_reused - pr.before->pages_reused;
	copied = pr.after->pages_copied - pr.before->pages_copied;
	if (copied != 0)
		why_set("a write to a page its only sharer had left copied %lu "
			"pages (reused %lu)",
		    copied, reused);
	else if (reused < 1)
		why_set("pages_reused did not rise (faults +%lu): the page was "
			"not copy-on-write after fork?",
		    pr.after->cow_faults - pr.before->cow_faults);
	else if (pr.after->frames_free != pr.before->frames_free)
		why_set("frames_free changed by the reusing write (%lu -> %lu)",
		    pr.before->frames_free, pr.after->frames_free);
	if (!probe_page_ok(&pr))
		why_set("the page's contents are wrong after the write");
	heap_shrink(2);
	conclude(name, f0);
}

static void
test_copy_when_shared(void)
{
	const char *name = "copy-when-shared";
	struct cow_probe pr;
	uint64 f0;
	int pid, st = ST_NOFORK, go[2];
	char c = 'g';

	if (!cow_mode) {
		skip(name, "%s", COW_ONLY);
		return;
	}
	f0 = begin();
	if (report_open() < 0 || pipe(go) < 0) {
		fail(name, "pipe failed");
		return;
	}
	if (probe_open(&pr) < 0) {
		fail(name, "sbrk failed");
		return;
	}
	pid = fork();
	if (pid == 0) {
		read(go[0], &c, 1);
		if (check_pages(pr.page, 0, 1, 1, 1, 31) >= 0)
			child_fail("child saw the parent's write");
		exit(0);
	}
	if (pid > 0) {
		probe_store(&pr);
		if (pr.after->pages_copied - pr.before->pages_copied < 1)
			why_set("a write to a page shared with a live child did not "
				"copy (copied +%lu, reused +%lu)",
			    pr.after->pages_copied - pr.before->pages_copied,
			    pr.after->pages_reused - pr.before->pages_reused);
		if (!probe_page_ok(&pr))
			why_set("the page's contents are wrong after the write");
	}
	write(go[1], &c, 1);
	close(go[0]);
	close(go[1]);
	report_collect();
	if (pid < 0)
		why_set("fork failed");
	else if (wait_pid(pid, &st) == pid && st != 0)
		why_set("child exited with status %d", st);
	heap_shrink(2);
	conclude(name, f0);
}

/* ---- oom-during-cow ---- */

#define OOM_PERCENT 70
#define SEED_OOM    41

/*
 * The owner holds 70% of the free frames and forks an eater that writes
 * every page, which needs more frames than exist.  The eater sleeps
 * first, so that the owner is blocked in wait() (needing no memory)
 * before memory runs out; the owner's stores after fork happen while
 * frames are still plentiful.
 */
static void __attribute__((noreturn)) oom_owner(void)
{
	int n = free_frames() * OOM_PERCENT / 100, pid, st, pg, bad;
	char *base = heap_grow(n);

	if (base == 0)
		child_fail("sbrk of %d pages failed", n);
	fill_pages(base, n, WORDS_PER_PAGE - 1, SEED_OOM);
	pid = fork();
	if (pid < 0)
		child_fail("fork of a %d-page process failed", n);
	if (pid == 0) {
		sleep(3);
		for (pg = 0; pg < n; pg++)
			*(volatile uint64 *)(base + (uint64)pg * PGSIZE) = pg;
		exit(0);
	}
	if (wait(&st) != pid)
		child_fail("wait for the eater failed");
	if (st != -1)
		child_fail("eater wrote %d pages with %d frames needed and exited "
			   "with status %d, not -1",
		    n, n, st);
	if ((bad = check_pages(base, 0, n, 1, WORDS_PER_PAGE - 1, SEED_OOM)) >= 0)
		child_fail("owner's page %d changed after the eater died", bad);
	heap_shrink(n);
	exit(0);
}

static void
test_oom_during_cow(void)
{
	const char *name = "oom-during-cow";

	if (!cow_mode) {
		skip(name, "%s", COW_ONLY);
		return;
	}
	run_reporting_child(name, begin(), oom_owner,
	    "the owner (the parent of the eater, which alone may be killed)");
}

/* ---- fork-near-oom ---- */

/*
 * fork; the child exits at once; the parent reaps it.  Written in
 * assembly so that no store to memory happens between fork and reaping:
 * right after fork every writable page is shared, and with no frame free
 * a store would need one for its copy and get the process killed.
 * Returns fork's result; *reaped gets wait's (or -1 if fork failed).
 */
static int
fork_exit_reap(int *reaped)
{
	register long a0 asm("a0");
	register long a1 asm("a1");

	asm volatile(
	    "li a7, %[nfork]\n\t"
	    "ecall\n\t"
	    "bnez a0, 1f\n\t"
	    "li a7, %[nexit]\n\t" /* child: exit(0), a0 is 0 */
	    "ecall\n"
	    "1:\n\t"
	    "li a1, -1\n\t"
	    "bltz a0, 2f\n\t"
	    "mv t0, a0\n\t"
	    "li a0, 0\n\t"
	    "li a7, %[nwait]\n\t" /* parent: wait(0) */
	    "ecall\n\t"
	    "mv a1, a0\n\t"
	    "mv a0, t0\n"
	    "2:"
	    : "=r"(a0), "=r"(a1)
	    : [nfork] "i"(SYS_fork), [nexit] "i"(SYS_exit), [nwait] "i"(SYS_wait)
	    : "a7", "t0", "memory");
	*reaped = a1;
	return a0;
}

/*
 * Grow or shrink the heap until `target` frames are free (as near as
 * sbrk allows); grown is how many pages the heap has grown so far, and
 * the new count is returned.  Growing also takes page-table pages, which
 * sbrk(-n) keeps, so an overshoot is corrected by giving pages back.
 */
static int
squeeze_to(long target, int grown)
{
	int d, tries;
	uint64 free;

	for (tries = 0; tries < 16; tries++) {
		free = free_frames();
		d = (long)free - target;
		if (d == 0)
			break;
		if (d < 0) {
			if (-d > grown)
				break;
			heap_shrink(-d);
			grown += d;
			continue;
		}
		if (heap_grow(d) != 0) {
			grown += d;
			continue;
		}
		/* A failed sbrk may keep the page-table pages it made. */
		if (free_frames() != free)
			continue;
		/* Or d pages need table pages too: one per 512, plus one. */
		if (d > 1 && heap_grow(d - 1 - d / 512) != 0)
			grown += d - 1 - d / 512;
		else
			break;
	}
	return grown;
}

/*
 * Where the hog starts: enough frames for a copy-on-write fork's page
 * tables (about one per 512 pages: ~64 for all of RAM, plus a few).
 */
#define NEAR_OOM_START 200

static void __attribute__((noreturn)) hog(void)
{
	int grown = 0, pid, reaped, failed = 0;
	uint64 before = 0, after, least_worked = 0, most_failed = 0;
	long r;

	for (r = NEAR_OOM_START; r >= 0; r -= r > 80 ? 16 : r > 16 ? 8 : 1) {
		grown = squeeze_to(r, grown);
		before = free_frames();
		pid = fork_exit_reap(&reaped);
		after = free_frames();
		if (pid > 0 && reaped != pid)
			child_fail("fork with %lu frames free: wait returned %d, "
				   "not %d",
			    before, reaped, pid);
		if (pid == 0 || pid < -1)
			child_fail("fork returned %d", pid);
		if (after != before)
			child_fail("fork with %lu frames free %s, and %ld frames "
				   "are gone after",
			    before, pid > 0 ? "worked" : "failed",
			    (long)(before - after));
		if (pid > 0) {
			least_worked = before;
		} else {
			failed++;
			if (before > most_failed)
				most_failed = before;
		}
	}
	heap_shrink(grown);
	if (failed == 0)
		child_fail(
		    "fork never failed, even with %lu frames free", before);
	if (cow_mode && least_worked == 0)
		child_fail("fork of a %d-page process failed even with %d frames "
			   "free (its page tables need about %d)",
		    grown, NEAR_OOM_START, grown / 512 + 8);
	note("fork-near-oom: fork failed with up to %lu frames free, worked "
	     "with as few as %lu (0: never)",
	    most_failed, least_worked);
	exit(0);
}

static void
test_fork_near_oom(void)
{
	run_reporting_child(
	    "fork-near-oom", begin(), hog, "the process holding all memory");
}

/* ---- concurrent-faults ---- */

#define CF_PAGES  64
#define CF_KIDS   6
#define CF_ROUNDS 16
#define CF_STRIDE 32
#define SEED_CF   51

static void __attribute__((noreturn)) cf_child(char *base, int k, int go)
{
	uint64 seed, seed2;
	int round, pid, st, bad;
	char c;

	read(go, &c, 1);
	for (round = 0; round < CF_ROUNDS; round++) {
		seed = 1000 + 100 * k + 2 * round;
		seed2 = seed + 1;
		fill_pages(base, CF_PAGES, CF_STRIDE, seed);
		pid = fork();
		if (pid == 0) {
			/* Checks while its parent overwrites the same pages. */
			if ((bad = check_pages(
				 base, 0, CF_PAGES, 1, CF_STRIDE, seed)) >= 0)
				child_fail("grandchild of %d, round %d: page %d "
					   "changed under it",
				    k, round, bad);
			fill_pages(base, CF_PAGES, CF_STRIDE, seed + 50);
			if ((bad = check_pages(base, 0, CF_PAGES, 1, CF_STRIDE,
				 seed + 50)) >= 0)
				child_fail("grandchild of %d: lost its write", k);
			exit(0);
		}
		fill_pages(base, CF_PAGES, CF_STRIDE, seed2);
		if (pid < 0)
			child_fail("child %d: fork failed in round %d", k, round);
		if (wait_pid(pid, &st) != pid || st != 0)
			child_fail("child %d: grandchild status %d", k, st);
		if ((bad = check_pages(base, 0, CF_PAGES, 1, CF_STRIDE, seed2)) >=
		    0)
			child_fail("child %d, round %d: page %d not its own", k,
			    round, bad);
	}
	exit(0);
}

static void
test_concurrent(void)
{
	const char *name = "concurrent-faults";
	uint64 f0 = begin();
	int pids[CF_KIDS], sts[CF_KIDS], go[2], k, bad;
	char *base, c = 'g';

	if (report_open() < 0 || pipe(go) < 0) {
		fail(name, "pipe failed");
		return;
	}
	if ((base = heap_grow(CF_PAGES)) == 0) {
		fail(name, "sbrk failed");
		return;
	}
	fill_pages(base, CF_PAGES, CF_STRIDE, SEED_CF);
	for (k = 0; k < CF_KIDS; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			cf_child(base, k, go[0]);
	}
	/* Let them all go at once. */
	for (k = 0; k < CF_KIDS; k++)
		write(go[1], &c, 1);
	close(go[0]);
	close(go[1]);
	report_collect();
	reap_all(pids, sts, CF_KIDS);
	for (k = 0; k < CF_KIDS; k++) {
		if (pids[k] < 0)
			why_set("fork of child %d failed", k);
		else if (sts[k] != 0)
			why_set("child %d exited with status %d", k, sts[k]);
	}
	if ((bad = check_pages(base, 0, CF_PAGES, 1, CF_STRIDE, SEED_CF)) >= 0)
		why_set("parent's page %d changed", bad);
	heap_shrink(CF_PAGES);
	conclude(name, f0);
}

/* ---- exec-and-sbrk-in-child, kill-sharers ---- */

#define EX_PAGES 32
#define SEED_EX  61

static void __attribute__((noreturn)) exec_child(char *base, int out)
{
	char *argv[] = { "echo", "cow", "exec", 0 };
	int pg;

	if (sbrk(-EX_PAGES * PGSIZE) == (char *)-1)
		child_fail("sbrk(-n) of shared pages failed");
	if (heap_grow(EX_PAGES) != base)
		child_fail("sbrk(n) after sbrk(-n) failed or moved");
	for (pg = 0; pg < EX_PAGES; pg++)
		if (*(volatile uint64 *)(base + (uint64)pg * PGSIZE) != 0)
			child_fail(
			    "regrown page %d is not zero (old shared data?)", pg);
	heap_shrink(EX_PAGES);
	close(1);
	if (dup(out) != 1)
		child_fail("dup failed");
	close(out);
	exec("/echo", argv);
	child_fail("exec of /echo failed");
}

static void
test_exec_sbrk(void)
{
	const char *name = "exec-and-sbrk-in-child";
	uint64 f0 = begin();
	char *base, buf[32];
	int out[2], pid, st = ST_NOFORK, n, len = 0, bad;

	if (report_open() < 0 || pipe(out) < 0) {
		fail(name, "pipe failed");
		return;
	}
	if ((base = heap_grow(EX_PAGES)) == 0) {
		fail(name, "sbrk failed");
		return;
	}
	fill_pages(base, EX_PAGES, 64, SEED_EX);
	pid = fork();
	if (pid == 0) {
		close(out[0]);
		exec_child(base, out[1]);
	}
	close(out[1]);
	while (len < (int)sizeof(buf) - 1 &&
	    (n = read(out[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = 0;
	close(out[0]);
	report_collect();
	if (pid < 0)
		why_set("fork failed");
	else if (wait_pid(pid, &st) == pid && st != 0)
		why_set("child exited with status %d", st);
	if (pid > 0 && strcmp(buf, "cow exec\n") != 0)
		why_set("echo printed \"%s\", expected \"cow exec\"", buf);
	if ((bad = check_pages(base, 0, EX_PAGES, 1, 64, SEED_EX)) >= 0)
		why_set("parent's page %d changed", bad);
	heap_shrink(EX_PAGES);
	conclude(name, f0);
}

#define KS_PAGES 16
#define KS_KIDS  4
#define SEED_KS  71

/* Even children write (and so copy) every page, odd ones only read. */
static void __attribute__((noreturn)) spinner(char *base, int k, int ready)
{
	volatile uint64 sum = 0;
	int pg;
	char c = 'r';

	for (pg = 0; pg < KS_PAGES && k % 2 == 0; pg++)
		*(volatile uint64 *)(base + (uint64)pg * PGSIZE) = k;
	/* Closing it lets the parent see EOF if a sibling dies unready. */
	write(ready, &c, 1);
	close(ready);
	for (;;)
		for (pg = 0; pg < KS_PAGES; pg++)
			sum +=
			    *(volatile uint64 *)(base + (uint64)pg * PGSIZE + 8);
}

static void
test_kill_sharers(void)
{
	const char *name = "kill-sharers";
	uint64 f0 = begin();
	int pids[KS_KIDS], sts[KS_KIDS], ready[2], k, n = 0, bad;
	char *base, c;

	if (pipe(ready) < 0) {
		fail(name, "pipe failed");
		return;
	}
	if ((base = heap_grow(KS_PAGES)) == 0) {
		fail(name, "sbrk failed");
		return;
	}
	fill_pages(base, KS_PAGES, 1, SEED_KS);
	for (k = 0; k < KS_KIDS; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			spinner(base, k, ready[1]);
		if (pids[k] > 0)
			n++;
	}
	close(ready[1]);
	for (k = 0; k < n; k++)
		if (read(ready[0], &c, 1) != 1)
			break;
	close(ready[0]);
	for (k = 0; k < KS_KIDS; k++)
		if (pids[k] > 0 && kill(pids[k]) < 0)
			why_set("kill(%d) failed", pids[k]);
	reap_all(pids, sts, KS_KIDS);
	for (k = 0; k < KS_KIDS; k++) {
		if (pids[k] < 0)
			why_set("fork of child %d failed", k);
		else if (sts[k] != -1)
			why_set("killed child %d exited with status %d, not -1",
			    k, sts[k]);
	}
	if ((bad = check_pages(base, 0, KS_PAGES, 1, 1, SEED_KS)) >= 0)
		why_set("parent's page %d changed", bad);
	heap_shrink(KS_PAGES);
	conclude(name, f0);
}

/* ---- the runner and the top level ---- */

static volatile uint64 sanity_data[2] = { 0x5a5a, 0xa5a5 };

/*
 * The child stores into one word of a data page and of the stack (both
 * shared right after fork) and reads the word next to it, which must
 * still hold what the parent wrote.
 */
static int
fork_copies_data(void)
{
	volatile uint64 on_stack[2] = { 0x1234, 0x4321 };
	int pid, st = ST_NOFORK;

	pid = fork();
	if (pid == 0) {
		sanity_data[0] = 1;
		on_stack[0] = 1;
		if (sanity_data[1] != 0xa5a5)
			exit(2);
		exit(on_stack[1] == 0x4321 ? 0 : 3);
	}
	if (pid < 0 || wait_pid(pid, &st) != pid)
		fail("fork-copies-data", "fork or wait failed");
	else if (st == 2 || st == 3)
		fail("fork-copies-data",
		    "after its first store to a shared %s "
		    "page, the child lost the rest of the page",
		    st == 2 ? "data" : "stack");
	else if (st != 0)
		fail("fork-copies-data", "child exited with status %d", st);
	else if (sanity_data[0] != 0x5a5a || on_stack[0] != 0x1234)
		fail("fork-copies-data", "the child's store reached the parent");
	else
		ok("fork-copies-data");
	return st == 0 ? 0 : -1;
}

static void
run_all(void)
{
	uint64 brk = (uint64)sbrk(0);

	if (brk % PGSIZE != 0)
		sbrk(PGSIZE - brk % PGSIZE);
	memmove(
	    text_saved, (void *)opaque((uint64)text_probe), sizeof(text_saved));
	prewarm();
	note("cowtest: %lu frames free, fork mode %s", free_frames(),
	    cow_mode ? "cow" : "copy");

	test_big_fork("big-fork-1", 1);
	test_big_fork("big-fork-2", 0);
	test_generations();
	test_isolation();
	test_copyout_read();
	test_copyout_pipe();
	test_copyout_fstat();
	test_copyout_wait();
	test_text_readonly();
	test_reuse();
	test_copy_when_shared();
	test_oom_during_cow();
	test_fork_near_oom();
	test_concurrent();
	test_exec_sbrk();
	test_kill_sharers();
}

int
main(void)
{
	struct vmstat st;
	uint64 start;
	int pid, status = 0, bad;

	image_resident(); /* its pages come in on first touch: all now */
	if (vmstat(VMSTAT_GET, &st) < 0) {
		fail("vmstat", "the vmstat system call failed");
		finish();
	}
	start = frames_available(&st);
	cow_mode = st.fork_mode != FORK_MODE_COPY;
	if (fork_copies_data() < 0)
		finish();

	pid = fork();
	if (pid < 0) {
		fail("runner", "fork failed");
		finish();
	}
	if (pid == 0) {
		run_all();
		finish();
	}
	if (wait_pid(pid, &status) != pid)
		fail("runner", "wait failed");
	else if (status == 1)
		count_failure(); /* the runner printed its FAIL lines */
	else if (status != 0)
		fail("runner", "the process running the subtests %s (status %d)",
		    status == -1 ? "was killed" : "exited oddly", status);

	bad = vmstat(VMSTAT_CHECK_VERBOSE, &st);
	check(bad == 0, "refcount-check",
	    "%d frames' refcounts disagree with the page tables (console has them)",
	    bad);
	check(frames_available(&st) == start, "no-frame-leak",
	    "free or cached frames were %lu at start, %lu at the end", start,
	    frames_available(&st));
	finish();
}
