/*
 * t_mmrace: mappings of one file used by several processes at once, on
 * every hart (docs/vm.md).  What a user sees, whether file pages are read
 * into each mapping's own frames or shared from a page cache:
 *  - fault-together: three processes fault the same file pages through
 *    MAP_SHARED and MAP_PRIVATE mappings, unmapping and mapping again in
 *    a loop: every load sees the file's bytes, private stores stay in the
 *    process that made them and never reach the file or the others;
 *  - truncate-while-mapped: one process truncates the file and writes it
 *    again (old bytes, then new, over and over) while others fault and
 *    read its pages through both kinds of mapping: no byte is ever other
 *    than the old pattern's, the new pattern's (at its position) or zero;
 *    when the writer is done the file holds exactly its last contents;
 *  - fork-while-writing: a child keeps storing a counter into shared
 *    pages (anonymous and file) while the parent forks again and again;
 *    every new child, and a grandchild, sees the counter move (the same
 *    frame) and its own stores reach the parent; private pages are
 *    copy-on-write: nobody sees another's private stores;
 *  - after each part: every process is gone, the file is removed, the
 *    refcount audit finds nothing and every frame is back.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define FILE1  "/mr.f1"
#define NPAGES 4
#define FSIZE  (NPAGES * PGSIZE)
#define OLD    21 /* pattern seeds: the file's first and second contents */
#define NEW    22
#define PROCS  3
#define ROUNDS 30

static char buf[FSIZE];

/* Write n bytes of pattern seed to path, from the start (truncating). */
static int
write_file(const char *path, int n, uint seed)
{
	int fd = open(path, O_CREATE | O_TRUNC | O_WRONLY), ok;

	fill_pattern(buf, n, 0, seed);
	ok = fd >= 0 && write(fd, buf, n) == n;
	close(fd);
	return ok;
}

/* Wait for every child; return how many exited ST_GOOD. */
static int
wait_all_good(int n)
{
	int good = 0, st;

	while (n-- > 0)
		if (wait(&st) > 0 && st == ST_GOOD)
			good++;
	return good;
}

/*
 * Run the audit while the children run (it must hold with other harts
 * faulting); return how many audits failed.
 */
static int
audit_meanwhile(int times)
{
	int bad = 0;

	while (times-- > 0) {
		bad += !audit_clean();
		sleep(1);
	}
	return bad;
}

/* The end of a part: no frame lost, the audit clean. */
static void
check_clean(const char *name, uint64 before)
{
	uint64 now;

	unlink(FILE1);
	now = frames_free();
	check(now == before && audit_clean(), name, "%d frames lost, audit %s",
	    (int)(before - now), audit_clean() ? "clean" : "finds mismatches");
}

/* fd's file mapped whole twice: shared read-only, private writable. */
static void
map_both(int fd, char **s, char **p)
{
	*s = mmap(0, FSIZE, PROT_READ, MAP_SHARED, fd, 0);
	*p = mmap(0, FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (*s == FAILED || *p == FAILED)
		exit(ST_BAD);
}

/*
 * One of the processes of fault-together: each round maps the file
 * shared (read-only) and private (writable), reads every page through
 * both, stores its own mark into every private page, and unmaps again
 * (in halves, in the order of the round, so the others fault pages
 * while these go).
 */
static void
fault_together_child(uint64 id)
{
	int fd = open(FILE1, O_RDONLY), round, pg;
	char *s, *p;

	for (round = 0; round < ROUNDS; round++) {
		map_both(fd, &s, &p);
		for (pg = 0; pg < NPAGES; pg++) {
			int at = ((pg + round + (int)id) % NPAGES) * PGSIZE;

			if (find_mismatch(s + at, PGSIZE, at, OLD) >= 0 ||
			    find_mismatch(p + at, PGSIZE, at, OLD) >= 0)
				exit(ST_BAD);
			memset(p + at, 'a' + (int)id, PGSIZE);
		}
		for (pg = 0; pg < NPAGES; pg++)
			if (p[pg * PGSIZE + 5] != 'a' + (int)id ||
			    find_mismatch(
				s + pg * PGSIZE, PGSIZE, pg * PGSIZE, OLD) >= 0)
				exit(ST_BAD);
		if (munmap(s + (round % 2) * 2 * PGSIZE, 2 * PGSIZE) < 0 ||
		    munmap(s + (1 - round % 2) * 2 * PGSIZE, 2 * PGSIZE) < 0 ||
		    munmap(p, FSIZE) < 0)
			exit(ST_BAD);
	}
	close(fd);
	exit(audit_clean() ? ST_GOOD : ST_BAD);
}

static void
fault_together(void)
{
	uint64 before = frames_free();
	int i, good, bad_audits;

	if (!write_file(FILE1, FSIZE, OLD)) {
		fail("fault-together", "cannot write %s", FILE1);
		return;
	}
	for (i = 0; i < PROCS; i++)
		if (fork() == 0)
			fault_together_child(i);
	bad_audits = audit_meanwhile(5);
	good = wait_all_good(PROCS);
	check(good == PROCS && bad_audits == 0, "fault-together",
	    "%d of %d processes saw the right bytes, %d audits failed", good,
	    PROCS, bad_audits);
	i = slurp(FILE1, buf, sizeof(buf));
	check(i == FSIZE && find_mismatch(buf, FSIZE, 0, OLD) < 0,
	    "fault-together-private-stays", "the file changed (%d bytes)", i);
	check_clean("fault-together-no-leak", before);
}

/* Is every byte of the page at p (file offset at) old, new or zero? */
static int
old_new_or_zero(const char *p, int at)
{
	int i;

	for (i = 0; i < PGSIZE; i++)
		if (p[i] != 0 && (uchar)p[i] != pattern_byte(at + i, OLD) &&
		    (uchar)p[i] != pattern_byte(at + i, NEW))
			return 0;
	return 1;
}

/*
 * A reader of truncate-while-mapped: maps the file shared and private
 * and reads every page until the writer is done (the file /mr.done
 * appears), mapping again each round; a store to the private mapping
 * must stick (and, checked at the end, never reach the file).
 */
static void
truncate_reader(uint64 id)
{
	int fd = open(FILE1, O_RDONLY), pg, round, done = 0;
	char *s, *p;

	for (round = 0; !done && round < 100000; round++) {
		int d = open("/mr.done", O_RDONLY);

		done = d >= 0; /* then one more round */
		close(d);
		map_both(fd, &s, &p);
		for (pg = 0; pg < NPAGES; pg++) {
			int at = ((pg + round + (int)id) % NPAGES) * PGSIZE;

			if (!old_new_or_zero(s + at, at) ||
			    !old_new_or_zero(p + at, at))
				exit(ST_BAD);
		}
		p[FSIZE - 1] = 'm';
		if (p[FSIZE - 1] != 'm' || munmap(s, FSIZE) < 0 ||
		    munmap(p, FSIZE) < 0)
			exit(ST_BAD);
	}
	close(fd);
	exit(done ? ST_GOOD : ST_BAD);
}

static void
truncate_while_mapped(void)
{
	uint64 before = frames_free();
	int i, good, writes = 1, bad_audits = 0;

	unlink("/mr.done");
	if (!write_file(FILE1, FSIZE, OLD)) {
		fail("truncate-while-mapped", "cannot write %s", FILE1);
		return;
	}
	for (i = 0; i < PROCS - 1; i++)
		if (fork() == 0)
			truncate_reader(i);
	/* The writer: truncate and write again, old and new in turn. */
	for (i = 0; i < 2 * ROUNDS; i++) {
		writes += write_file(FILE1, FSIZE, i % 2 ? OLD : NEW);
		if (i % 10 == 0)
			bad_audits += !audit_clean();
	}
	close(open("/mr.done", O_CREATE | O_RDWR));
	good = wait_all_good(PROCS - 1);
	check(good == PROCS - 1 && writes == 2 * ROUNDS + 1 && bad_audits == 0,
	    "truncate-while-mapped",
	    "%d of %d readers saw only old, new or zero bytes; %d writes; "
	    "%d audits failed",
	    good, PROCS - 1, writes, bad_audits);
	i = slurp(FILE1, buf, sizeof(buf));
	check(i == FSIZE && find_mismatch(buf, FSIZE, 0, OLD) < 0,
	    "truncate-last-write-holds", "the file is not the last write (%d)",
	    i);
	unlink("/mr.done");
	check_clean("truncate-no-leak", before);
}

/* The shared pages of fork-while-writing: who writes what where. */
struct board {
	volatile uint64 counter;   /* the writer's, always going up */
	volatile uint64 stop;      /* the parent's: writer, stop */
	volatile uint64 seen[64];  /* each forked child's: I saw it move */
	volatile uint64 grand[64]; /* each grandchild's */
};

#define FORKS 12

/* The writer: store an ever-higher count into both boards. */
static void
writer(struct board *a, struct board *f)
{
	uint64 n = 0;

	while (!a->stop) {
		a->counter = ++n;
		f->counter = n;
	}
	exit(n > 0 ? ST_GOOD : ST_BAD);
}

/* Does b's counter move within a few ticks? */
static int
moves(struct board *b)
{
	uint64 c = b->counter;
	int t;

	for (t = 0; t < 200; t++) {
		if (b->counter != c)
			return 1;
		sleep(1);
	}
	return 0;
}

/*
 * A child forked while the writer writes: the counter moves in both
 * shared boards, its marks reach the parent, its private stores stay
 * its own, and the same holds for a child of its own.
 */
static void
forked_child(struct board *a, struct board *f, char *priv, int i)
{
	int pid, st;

	if (!moves(a) || !moves(f) || priv[0] != 'P')
		exit(ST_BAD);
	priv[0] = 'c';
	a->seen[i] = f->seen[i] = 1;
	pid = fork();
	if (pid == 0) {
		if (!moves(a) || !moves(f) || priv[0] != 'c')
			exit(ST_BAD);
		priv[0] = 'g';
		a->grand[i] = f->grand[i] = 1;
		exit(ST_GOOD);
	}
	if (pid < 0 || wait(&st) != pid || st != ST_GOOD || priv[0] != 'c')
		exit(ST_BAD);
	exit(ST_GOOD);
}

static void
fork_while_writing(void)
{
	int rw = PROT_READ | PROT_WRITE, fd, i, pid, wpid, st, good = 0;
	int marks = 0;
	uint64 before = frames_free();
	struct board *a, *f;
	char *priv;

	if (!write_file(FILE1, PGSIZE, OLD) || (fd = open(FILE1, O_RDWR)) < 0) {
		fail("fork-while-writing", "cannot write %s", FILE1);
		return;
	}
	a = (struct board *)mmap(
	    0, PGSIZE, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	f = (struct board *)mmap(0, PGSIZE, rw, MAP_SHARED, fd, 0);
	priv = mmap(0, PGSIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	close(fd);
	if ((char *)a == FAILED || (char *)f == FAILED || priv == FAILED) {
		fail("fork-while-writing", "mmap failed");
		return;
	}
	memset((void *)a, 0, PGSIZE);
	memset((void *)f, 0, PGSIZE);
	priv[0] = 'P';
	wpid = fork();
	if (wpid == 0)
		writer(a, f);
	for (i = 0; i < FORKS; i++) {
		pid = fork();
		if (pid == 0)
			forked_child(a, f, priv, i);
		if (pid > 0 && wait_pid(pid, &st) == pid && st == ST_GOOD)
			good++;
		marks += a->seen[i] && f->seen[i] && a->grand[i] && f->grand[i];
	}
	a->stop = 1; /* the writer sees it if the page is really shared */
	if (wait_timeout(wpid, 500, &st) < 0)
		st = ST_BAD;
	check(good == FORKS && marks == FORKS && st == ST_GOOD && priv[0] == 'P',
	    "fork-while-writing",
	    "%d of %d children good, %d marks seen, writer %s, private page "
	    "'%c'",
	    good, FORKS, marks, status_word(st), priv[0]);
	check(audit_clean(), "fork-while-writing-audit", "mismatches");
	munmap((char *)a, PGSIZE);
	munmap((char *)f, PGSIZE);
	munmap(priv, PGSIZE);
	/* The file mapping's stores were written back at munmap. */
	i = slurp(FILE1, buf, PGSIZE);
	check(i == PGSIZE && ((struct board *)buf)->counter > 0 &&
		((struct board *)buf)->seen[FORKS - 1] == 1 &&
		((struct board *)buf)->grand[FORKS - 1] == 1,
	    "fork-while-writing-file", "the file lacks the stores (%d bytes)", i);
	check_clean("fork-while-writing-no-leak", before);
}

int
main(void)
{
	char *warm;

	/* The first mapping's page tables stay after munmap: make them now. */
	warm = mmap(0, PGSIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	warm[0] = 1;
	munmap(warm, PGSIZE);
	fault_together();
	truncate_while_mapped();
	fork_while_writing();
	finish();
}
