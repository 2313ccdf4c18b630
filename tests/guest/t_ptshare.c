/*
 * t_ptshare: copy-on-write at both levels (shared page tables and shared
 * pages) under concurrency, memory exhaustion, and a busy audit.  Runs in
 * every FORK mode (a subtest that needs sharing says SKIP under
 * FORK=copy); each loop runs many rounds, so a race has many chances.
 * Every subtest ends with its frames all free again and a clean audit.
 *
 *   fault-race
 *       Parent and child write every page of the same tables at the same
 *       moment, on two harts: both copy one shared table at once (one of
 *       them must free it, once), then their pages.  Each sees only its
 *       own data.
 *   unmap-while-copy
 *       The child gives the heap back (sbrk(-n): whole tables dropped, a
 *       partly covered one copied) or exits, while the parent writes the
 *       same pages.  The parent's data stays right.
 *   fork-while-exit
 *       The parent forks again while the previous child exits, writing
 *       between forks (tables protected, copied, shared again).
 *   gib-share-exit
 *       Parent, child and grandchild share one level-1 table; the child
 *       writes every page and exits while the grandchild still shares the
 *       original, which then checks the parent's data and writes its own.
 *       Each sees only its own data.
 *   oom-unshare (cow)
 *       A child that shares the parent's tables takes every free frame,
 *       then asks the kernel to write into a shared table (fstat): the
 *       call returns -1 and no table was copied; then it writes there
 *       itself: it is killed (status -1), one line on the console.  The
 *       parent's pages are intact and every frame comes back.
 *   audit-under-churn
 *       Three processes fork, write, grow, shrink, exec and exit as fast
 *       as they can on all harts while this one runs the refcount audit
 *       1000 times: every audit must come back clean.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/vmstat.h"
#include "tests/guest/testlib.h"

#define HEAP_PAGES  1100 /* a bit over two level-0 tables */
#define RACE_ROUNDS 20
#define FORK_ROUNDS 40
#define AUDITS      1000
#define CHURNERS    3

static int fork_mode;
static char *heap; /* HEAP_PAGES pages, 2 MiB aligned */

static uint64
vm_free(void)
{
	struct vmstat st;

	image_resident();
	return vmstat(VMSTAT_GET, &st) < 0 ? 0 : frames_available(&st);
}

/* Word w of page pg in round r for writer who. */
static uint64
word(int pg, int w, int r, int who)
{
	return ((uint64)who << 56) ^ ((uint64)r << 40) ^ ((uint64)pg << 12) ^
	    (uint64)w;
}

/* Write (or check, returning the first bad page or -1) 4 words per page. */
static void
fill(int r, int who)
{
	int pg, w;

	for (pg = 0; pg < HEAP_PAGES; pg++)
		for (w = 0; w < 512; w += 171)
			((volatile uint64 *)(heap + (uint64)pg * PGSIZE))[w] =
			    word(pg, w, r, who);
}

static int
verify(int r, int who)
{
	int pg, w;

	for (pg = 0; pg < HEAP_PAGES; pg++)
		for (w = 0; w < 512; w += 171)
			if (((volatile uint64 *)(heap + (uint64)pg * PGSIZE))[w] !=
			    word(pg, w, r, who))
				return pg;
	return -1;
}

/*
 * Frames free again and the audit clean?  Orphans (grandchildren that
 * init reaps) may still be finishing: give them a few seconds.
 */
static void
conclude(const char *name, const char *why, uint64 before)
{
	struct vmstat st;
	int bad = 0, tries;

	if (why == 0) {
		for (tries = 0; tries < 50; tries++) {
			bad = vmstat(VMSTAT_CHECK_VERBOSE, &st);
			if (bad != 0 || frames_available(&st) == before)
				break;
			sleep(1);
		}
		if (bad != 0)
			why =
			    "the refcount audit found mismatches (console has them)";
		else if (frames_available(&st) != before)
			why = frames_available(&st) < before
			    ? "frames were lost"
			    : "too many frames free";
		if (why)
			note("%s: free or cached frames %lu before, %lu after",
			    name, before, frames_available(&st));
	}
	if (why)
		fail(name, "%s", why);
	else
		ok(name);
}

/*
 * fork, and return in parent and child at about the same moment (the
 * child says it is ready, the parent says go), so that what follows runs
 * at once on two harts when there are two.  Returns fork's result.
 */
static int
fork_together(void)
{
	int up[2], down[2], pid;
	char c = 'r';

	if (pipe_pair(up, down) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		write(up[1], &c, 1);
		read(down[0], &c, 1);
	} else if (pid > 0 && read(up[0], &c, 1) == 1) {
		write(down[1], &c, 1);
	}
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	return pid;
}

/* ---- fault-race ---- */

static void
test_fault_race(void)
{
	const char *name = "fault-race", *why = 0;
	uint64 before = vm_free();
	int r, pid, st, bad;

	fill(0, 1);
	for (r = 1; r <= RACE_ROUNDS && why == 0; r++) {
		pid = fork_together();
		if (pid == 0) {
			fill(r, 2);
			exit(verify(r, 2) < 0 ? 0 : 1);
		}
		if (pid < 0) {
			why = "fork failed";
			break;
		}
		fill(r, 1);
		bad = verify(r, 1);
		wait_pid(pid, &st);
		if (bad >= 0)
			why = "the parent saw another writer's data";
		else if (st != 0)
			why = "the child saw another writer's data";
	}
	conclude(name, why, before);
}

/* ---- unmap-while-copy ---- */

static void
test_unmap_while_copy(void)
{
	const char *name = "unmap-while-copy", *why = 0;
	uint64 before = vm_free();
	int r, pid, st;

	fill(0, 1);
	for (r = 1; r <= RACE_ROUNDS && why == 0; r++) {
		pid = fork_together();
		if (pid == 0) {
			/* Odd rounds: give the heap back first; even: just exit. */
			if (r % 2 && sbrk(-(HEAP_PAGES * PGSIZE)) == (char *)-1)
				exit(1);
			exit(0);
		}
		if (pid < 0) {
			why = "fork failed";
			break;
		}
		fill(r, 1);
		wait_pid(pid, &st);
		if (verify(r, 1) >= 0)
			why =
			    "the parent's pages changed while the child unmapped them";
		else if (st != 0)
			why = "the child's sbrk(-n) failed";
	}
	conclude(name, why, before);
}

/* ---- fork-while-exit ---- */

static void
test_fork_while_exit(void)
{
	const char *name = "fork-while-exit", *why = 0;
	uint64 before = vm_free();
	int r, pid, st, outstanding = 0;

	fill(0, 1);
	for (r = 1; r <= FORK_ROUNDS && why == 0; r++) {
		pid = fork();
		if (pid == 0) {
			/* Check what the parent wrote, write a page, and go. */
			if (verify(r - 1, 1) >= 0)
				exit(1);
			heap[(r % HEAP_PAGES) * PGSIZE] = 1;
			exit(0);
		}
		if (pid < 0) {
			why = "fork failed";
			break;
		}
		outstanding++;
		/* The previous child exits (or has) while this one starts. */
		if (outstanding == 2) {
			if (wait(&st) < 0 || st != 0)
				why = "a child saw wrong data";
			outstanding--;
		}
		fill(r, 1);
	}
	while (outstanding-- > 0)
		if ((wait(&st) < 0 || st != 0) && why == 0)
			why = "a child saw wrong data";
	if (why == 0 && verify(r - 1, 1) >= 0)
		why = "the parent's pages changed";
	conclude(name, why, before);
}

/* ---- gib-share-exit ---- */

/*
 * Three sharers of one level-1 table (parent, child, grandchild).  The
 * child writes every page (it copies the level-1 table, then each level-0
 * table, then each page) and exits while the grandchild still holds the
 * original; the grandchild then checks the parent's data and writes its
 * own; the parent writes its own meanwhile and checks it last.  Says 0 on
 * `report` if the grandchild saw only what it should.
 */
static void
gib_grandchild(int report, int child_gone)
{
	char c = 1, gone;

	read(child_gone, &gone, 1); /* 0 bytes: the child has exited */
	if (verify(0, 1) < 0) {
		fill(3, 3);
		c = verify(3, 3) < 0 ? 0 : 2;
	}
	write(report, &c, 1);
	exit(0);
}

static void
test_gib_share_exit(void)
{
	const char *name = "gib-share-exit", *why = 0;
	uint64 before = vm_free();
	int rep[2], gone[2], pid, st;
	char c = 9;

	if (fork_mode == FORK_MODE_COPY) {
		skip(name, "needs copy-on-write (built with FORK=copy)");
		return;
	}
	fill(0, 1);
	if (pipe(rep) < 0 || pipe(gone) < 0) {
		fail(name, "pipe failed");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(rep[0]);
		close(gone[0]);
		if (fork() == 0) {
			close(gone[1]);
			gib_grandchild(rep[1], gone[0]);
		}
		fill(1, 2);
		exit(verify(1, 2) < 0 ? 0 : 1);
	}
	close(rep[1]);
	close(gone[0]);
	close(gone[1]);
	if (pid < 0) {
		why = "fork failed";
	} else {
		fill(2, 1);
		wait_pid(pid, &st);
		if (read(rep[0], &c, 1) != 1)
			why = "the grandchild did not report";
		else if (st != 0)
			why = "the child saw another writer's data";
		else if (c == 1)
			why = "the grandchild did not see the parent's data";
		else if (c != 0)
			why = "the grandchild saw another writer's data";
		else if (verify(2, 1) >= 0)
			why = "the parent's pages changed";
	}
	close(rep[0]);
	conclude(name, why, before);
}

/* ---- oom-unshare ---- */

#define ST_FSTAT_WROTE \
	50 /* fstat into a shared table succeeded with no memory */
#define ST_TABLE_COPIED  51 /* ... or copied a table it had no frame for */
#define ST_SURVIVED      52 /* the store into a shared table was not killed */
#define ST_NOT_EXHAUSTED 53

/* Take every free frame: heap pages, then pipe buffers for the last few. */
static void
exhaust(void)
{
	int fds[2], n = 0, i;
	char *p;

	/* The heap fills on first touch: take each page as it comes. */
	while ((p = sbrk(64 * PGSIZE)) != (char *)-1)
		for (i = 0; i < 64; i++)
			p[i * PGSIZE] = 1;
	while ((p = sbrk(PGSIZE)) != (char *)-1)
		*p = 1;
	while (n++ < 6 && pipe(fds) == 0)
		;
}

static void
oom_child(char *target)
{
	struct vmstat v0, v1;
	struct stat *st = (struct stat *)target;
	int r;

	exhaust();
	vmstat(VMSTAT_GET, &v0);
	if (v0.frames_free != 0)
		exit(ST_NOT_EXHAUSTED);
	r = fstat(0, st);
	vmstat(VMSTAT_GET, &v1);
	if (r != -1)
		exit(ST_FSTAT_WROTE);
	if (v1.tables_copied != v0.tables_copied)
		exit(ST_TABLE_COPIED);
	*(volatile char *)target = 'x'; /* the kernel kills us here */
	exit(ST_SURVIVED);
}

static void
test_oom_unshare(void)
{
	const char *name = "oom-unshare", *why = 0;
	uint64 before = vm_free();
	char *target = heap + 700 * PGSIZE; /* in the heap's second table */
	int pid, st, tries;

	if (fork_mode == FORK_MODE_COPY) {
		skip(name, "needs copy-on-write (built with FORK=copy)");
		return;
	}
	fill(0, 1);
	for (tries = 0; tries < 3; tries++) {
		pid = fork();
		if (pid == 0)
			oom_child(target);
		if (pid < 0) {
			why = "fork failed";
			break;
		}
		wait_pid(pid, &st);
		if (st != ST_NOT_EXHAUSTED)
			break; /* the kernel freed a frame meanwhile: try again */
	}
	if (why == 0) {
		if (st == ST_FSTAT_WROTE)
			why = "fstat wrote into a shared page with no frame free";
		else if (st == ST_TABLE_COPIED)
			why = "a table was copied with no frame free";
		else if (st == ST_SURVIVED)
			why = "the store with no frame for a copy was not killed";
		else if (st == ST_NOT_EXHAUSTED)
			why = "could not take every free frame";
		else if (st != -1)
			why = "the child did not end killed (status -1)";
		else if (verify(0, 1) >= 0)
			why = "the parent's pages changed";
	}
	if (why)
		note("%s: child status %d", name, st);
	conclude(name, why, before);
}

/* ---- audit-under-churn ---- */

static void
churn(int k)
{
	int i, pid, pages;
	char *p;

	for (i = 0;; i++) {
		pages = 16 + (i * 37 + k * 101) % 600;
		p = sbrk(pages * PGSIZE);
		if (p != (char *)-1)
			p[(pages - 1) * PGSIZE] = (char)i;
		pid = fork();
		if (pid == 0 && i % 4 == 0) {
			/* exec builds a new space while the audit may read it */
			char *argv[] = { "t_sleep", "0", 0 };

			exec("t_sleep", argv);
			exit(1);
		}
		if (pid == 0) {
			heap[((i + k) % HEAP_PAGES) * PGSIZE] = 1;
			if (p != (char *)-1) {
				p[0] = 2;
				sbrk(-(pages / 2) * PGSIZE);
			}
			exit(0);
		}
		heap[((i * 7 + k) % HEAP_PAGES) * PGSIZE] = 3;
		if (p != (char *)-1)
			sbrk(-pages * PGSIZE);
		if (pid > 0)
			wait(0);
	}
}

static void
test_audit_under_churn(void)
{
	const char *name = "audit-under-churn", *why = 0;
	uint64 before = vm_free();
	struct vmstat st;
	int pids[CHURNERS], i, bad = 0, audits;

	for (i = 0; i < CHURNERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			churn(i);
	}
	sleep(1); /* let the churn start */
	for (audits = 0; audits < AUDITS; audits++)
		if (vmstat(VMSTAT_CHECK_VERBOSE, &st) != 0)
			bad++;
	for (i = 0; i < CHURNERS; i++) {
		if (pids[i] > 0) {
			kill(pids[i]);
			wait_pid(pids[i], 0);
		} else {
			why = "fork failed";
		}
	}
	if (bad)
		note("%s: %d of %d audits reported mismatches", name, bad,
		    AUDITS);
	if (bad && why == 0)
		why = "audits under load reported mismatches";
	conclude(name, why, before);
}

int
main(void)
{
	struct vmstat st;
	uint64 brk;

	if (vmstat(VMSTAT_GET, &st) < 0) {
		fail("vmstat", "system call failed");
		finish();
	}
	fork_mode = st.fork_mode;
	/* Start the heap on a 2 MiB boundary, so it covers whole tables. */
	brk = (uint64)sbrk(0);
	if (brk % (2 << 20) != 0)
		sbrk((2 << 20) - brk % (2 << 20));
	heap = sbrk(HEAP_PAGES * PGSIZE);
	if (heap == (char *)-1) {
		fail("heap", "sbrk of %d pages failed", HEAP_PAGES);
		finish();
	}
	/* The heap fills on first touch: take it all now, padding too. */
	memset((char *)brk, 0, heap + HEAP_PAGES * PGSIZE - (char *)brk);
	test_fault_race();
	test_unmap_while_copy();
	test_fork_while_exit();
	test_gib_share_exit();
	test_oom_unshare();
	test_audit_under_churn();
	finish();
	return 0;
}
