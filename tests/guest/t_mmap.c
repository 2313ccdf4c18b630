/*
 * t_mmap: mmap and munmap (docs/vm.md, kernel/sys/sysmmap.c).
 *  - anonymous private and shared mappings: zero-filled on first touch,
 *    private ones copy-on-write across fork, shared ones shared;
 *  - file mappings: MAP_PRIVATE stores never reach the file; MAP_SHARED
 *    stores are written back at munmap, exit and exec, and a read() sees
 *    them at once (the page cache: t_pcache has more);
 *    pages past the end of the file read as zeros and never grow it;
 *  - close(fd) after mmap; munmap of the middle of a region (it splits),
 *    of its halves; touching an unmapped page kills;
 *  - a store to a PROT_READ page kills; PROT_EXEC pages run code, others
 *    do not;
 *  - system calls reach mapped pages as loads and stores do (read() into
 *    and write() from untouched pages, also through a pipe);
 *  - every bad argument gets -1 and changes nothing;
 *  - a test in the manner of the xv6 mmap lab's (mmaptest), written here
 *    from its description;
 *  - pmap shows each kind of mapping as a region of its own, and every
 *    process's frames held still add up to the frames allocated;
 *  - after each part: the refcount audit finds nothing, with mappings
 *    present, and no frame is lost.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/vmstat.h"
#include "kernel/pmap.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define FILE1     "/mm.f1"
#define FILE2     "/mm.f2"
#define VMA_LIMIT 16 /* regions per process (docs/vm.md) */

static char buf[4 * PGSIZE];

static void
check_audit(const char *name)
{
	check(audit_clean(), name, "the refcount audit found mismatches");
}

/* All n bytes at p are zero? */
static int
all_zero(const char *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
anonymous(void)
{
	char *p = mmap(0, 3 * PGSIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int pid, st;

	if (p == FAILED) {
		fail("anon-map", "mmap returned -1");
		return;
	}
	check((uint64)p % PGSIZE == 0 && (uint64)p >= (uint64)sbrk(0),
	    "anon-map", "address %p", p);
	check(all_zero(p, 3 * PGSIZE), "anon-zero", "not zero-filled");
	memset(p, 0x5a, 3 * PGSIZE);
	check(p[0] == 0x5a && p[3 * PGSIZE - 1] == 0x5a, "anon-store",
	    "a store did not stick");
	/* Private across fork: neither sees the other's stores. */
	pid = fork();
	if (pid == 0) {
		if (p[PGSIZE] != 0x5a)
			exit(ST_BAD);
		p[PGSIZE] = 1;
		exit(audit_clean() && p[PGSIZE] == 1 ? ST_GOOD : ST_BAD);
	}
	wait_pid(pid, &st);
	check(st == ST_GOOD && p[PGSIZE] == 0x5a, "anon-private-fork",
	    "child %s, parent sees %d", status_word(st), p[PGSIZE]);
	check_audit("anon-private-audit");
	check(munmap(p, 3 * PGSIZE) == 0, "anon-munmap", "munmap failed");

	p = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == FAILED) {
		fail("anon-shared", "mmap returned -1");
		return;
	}
	p[0] = 7;
	pid = fork();
	if (pid == 0) {
		p[1] = p[0] + 1;
		p[PGSIZE] = 9; /* a page the parent never touched */
		exit(audit_clean() ? ST_GOOD : ST_BAD);
	}
	wait_pid(pid, &st);
	check(st == ST_GOOD && p[1] == 8 && p[PGSIZE] == 9, "anon-shared-fork",
	    "child %s; parent sees %d %d", status_word(st), p[1], p[PGSIZE]);
	munmap(p, 2 * PGSIZE);
}

static void
touch_byte(uint64 addr)
{
	(void)*(volatile char *)opaque(addr);
}

static void
store_byte(uint64 addr)
{
	*(volatile char *)opaque(addr) = 1;
}

static void
file_private(void)
{
	int i;
	char *p;

	make_pattern_file(FILE1, 2 * PGSIZE + 100, 1);
	/* A private mapping of a read-only file may still be written. */
	p = map_file(
	    FILE1, O_RDONLY, 3 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (p == FAILED) {
		fail("file-private", "mmap returned -1");
		return;
	}
	i = find_mismatch(p, 2 * PGSIZE + 100, 0, 1);
	check(i < 0, "file-private-read", "byte %d differs", i);
	check(all_zero(p + 2 * PGSIZE + 100, PGSIZE - 100), "file-past-end",
	    "bytes past the end of the file are not zero");
	memset(p, 'x', 3 * PGSIZE);
	check(munmap(p, 3 * PGSIZE) == 0, "file-private-munmap", "failed");
	i = slurp(FILE1, buf, sizeof(buf));
	check(i == 2 * PGSIZE + 100 && find_mismatch(buf, i, 0, 1) < 0,
	    "file-private-untouched", "the file changed (%d bytes)", i);
	expect_killed("munmapped-page-kills", touch_byte, (uint64)p);
}

static void
file_shared(void)
{
	int fd, i, pid, st;
	char *p;

	p = map_new_shared(
	    FILE1, 2 * PGSIZE + 100, 2, 3 * PGSIZE, &fd, "file-shared");
	if (p == FAILED)
		return;
	i = find_mismatch(p, 2 * PGSIZE + 100, 0, 2);
	check(i < 0, "file-shared-read", "byte %d differs", i);
	p[10] = 'A';
	/* fork: the child's stores reach the file too */
	pid = fork();
	if (pid == 0) {
		p[PGSIZE + 10] = 'B';
		p[2 * PGSIZE + 200] = 'C'; /* past the end: never written */
		exit(ST_GOOD);             /* exit writes back */
	}
	wait_pid(pid, &st);
	check(p[PGSIZE + 10] == 'B', "file-shared-fork",
	    "the parent does not see the child's store");
	check_audit("file-shared-audit");
	check(munmap(p, 3 * PGSIZE) == 0, "file-shared-munmap", "failed");
	close(fd);
	i = slurp(FILE1, buf, sizeof(buf));
	check(i == 2 * PGSIZE + 100 && buf[10] == 'A' && buf[PGSIZE + 10] == 'B',
	    "file-shared-written", "size %d, bytes %x %x", i, buf[10],
	    buf[PGSIZE + 10]);
	buf[10] = (char)pattern_byte(10, 2);
	buf[PGSIZE + 10] = (char)pattern_byte(PGSIZE + 10, 2);
	check(find_mismatch(buf, i, 0, 2) < 0, "file-shared-rest",
	    "other bytes changed");

	/* Written back at exec, too. */
	make_pattern_file(FILE1, PGSIZE, 3);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "true", 0 };

		fd = open(FILE1, O_RDWR);
		p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == FAILED)
			exit(ST_BAD);
		p[5] = 'E';
		exec("/true", argv);
		exit(ST_BAD);
	}
	wait_pid(pid, &st);
	i = slurp(FILE1, buf, sizeof(buf));
	check(st == 0 && i == PGSIZE && buf[5] == 'E', "file-shared-exec",
	    "child %s, byte %x", status_word(st), buf[5]);
}

static void
split(void)
{
	int i;
	char *p;

	make_pattern_file(FILE2, 4 * PGSIZE, 4);
	p = map_file(
	    FILE2, O_RDWR, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == FAILED) {
		fail("split", "mmap returned -1");
		return;
	}
	check(munmap(p + PGSIZE, 2 * PGSIZE) == 0, "split-munmap-middle",
	    "failed");
	expect_killed("split-hole-kills", touch_byte, (uint64)p + PGSIZE);
	expect_killed("split-hole-kills-2", store_byte, (uint64)p + 2 * PGSIZE);
	p[3 * PGSIZE] = 'Z'; /* the right half still maps file page 3 */
	check(p[0] == (char)pattern_byte(0, 4) &&
		p[3 * PGSIZE + 1] == (char)pattern_byte(3 * PGSIZE + 1, 4),
	    "split-halves", "the halves do not map their pages");
	check(munmap(p + PGSIZE, PGSIZE) == -1, "munmap-nothing",
	    "munmap of an unmapped range succeeded");
	check(munmap(p, PGSIZE) == 0 && munmap(p + 3 * PGSIZE, PGSIZE) == 0,
	    "split-munmap-rest", "failed");
	i = slurp(FILE2, buf, sizeof(buf));
	check(i == 4 * PGSIZE && buf[3 * PGSIZE] == 'Z', "split-written",
	    "the right half's store is not in the file");
}

static void
store_to(uint64 p)
{
	*(volatile char *)p = 1;
}

static void
run_code(uint64 p)
{
	((void (*)(void))p)();
}

static void
protection(void)
{
	char *p = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q;

	check(p != FAILED && p[0] == 0, "prot-read", "mmap or load failed");
	expect_killed("prot-read-store-kills", store_to, (uint64)p);
	munmap(p, PGSIZE);
	p = mmap(0, PGSIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect_killed("prot-none-load-kills", touch_byte, (uint64)p);
	munmap(p, PGSIZE);

	make_pattern_file(FILE1, PGSIZE, 5);
	q = map_file(FILE1, O_RDONLY, PGSIZE, PROT_READ, MAP_SHARED);
	check(q != FAILED && q[1] == (char)pattern_byte(1, 5),
	    "prot-read-shared", "mapping a read-only file for reading failed");
	expect_killed("prot-read-shared-store-kills", store_to, (uint64)q);
	munmap(q, PGSIZE);

	/* A `ret` instruction runs from a PROT_EXEC page only. */
	p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	*(uint32 *)p = 0x00008067;
	*(uint32 *)q = 0x00008067;
	asm volatile("fence.i");
	check(child_status(run_code, (uint64)p) == ST_RETURNED, "prot-exec",
	    "code in a PROT_EXEC page did not run");
	expect_killed("prot-noexec-kills", run_code, (uint64)q);
	munmap(p, PGSIZE);
	munmap(q, PGSIZE);
}

/*
 * read() into a MAP_SHARED page that a load has mapped clean: the kernel's
 * store must mark it dirty as a user store would, or munmap drops it.
 */
static void
read_reaches_file(void)
{
	int i;
	char *p;

	make_pattern_file(FILE1, PGSIZE, 6);
	make_pattern_file(FILE2, PGSIZE, 9);
	p = map_file(FILE1, O_RDWR, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == FAILED) {
		fail("read-reaches-file", "mmap failed");
		return;
	}
	check(p[0] == (char)pattern_byte(0, 6), "read-reaches-file",
	    "the mapping shows the wrong file");
	i = open(FILE2, O_RDONLY);
	check(read(i, p, PGSIZE) == PGSIZE, "read-reaches-file", "read failed");
	close(i);
	munmap(p, PGSIZE);
	i = open(FILE1, O_RDONLY);
	check(read(i, buf, PGSIZE) == PGSIZE &&
		find_mismatch(buf, PGSIZE, 0, 9) < 0,
	    "read-reaches-file",
	    "the file lost what read() stored in its mapping");
	close(i);
}

static void
syscalls(void)
{
	int fd, pfd[2], i;
	char *p, *a;

	make_pattern_file(FILE1, 2 * PGSIZE, 6);
	fd = open(FILE1, O_RDWR);
	p = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	a = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == FAILED || a == FAILED) {
		fail("syscalls", "mmap failed");
		return;
	}
	/* write() from untouched file pages, read() into untouched anonymous ones */
	make_pattern_file(FILE2, 0, 0);
	i = open(FILE2, O_RDWR);
	check(write(i, p, 2 * PGSIZE) == 2 * PGSIZE, "write-from-mapping",
	    "write failed");
	close(i);
	i = open(FILE2, O_RDONLY);
	check(read(i, a, 2 * PGSIZE) == 2 * PGSIZE &&
		find_mismatch(a, 2 * PGSIZE, 0, 6) < 0,
	    "read-into-mapping", "wrong bytes");
	close(i);
	/* read() of a file into its own shared mapping */
	i = open(FILE1, O_RDONLY);
	check(read(i, p + 1, 100) == 100 && p[1] == (char)pattern_byte(0, 6),
	    "read-into-own-mapping", "failed");
	close(i);
	/* through a pipe */
	munmap(a, 2 * PGSIZE);
	a = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	pipe(pfd);
	check(write(pfd[1], p + PGSIZE, 64) == 64 &&
		read(pfd[0], a, 64) == 64 && find_mismatch(a, 64, PGSIZE, 6) < 0,
	    "pipe-through-mappings", "wrong bytes");
	close(pfd[0]);
	close(pfd[1]);
	/* a read-only mapping is no place for read() to store */
	munmap(a, PGSIZE);
	a = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	i = open(FILE1, O_RDONLY);
	check(read(i, a, 10) == -1, "read-into-readonly-mapping",
	    "read() stored into a PROT_READ page");
	close(i);
	munmap(a, PGSIZE);
	munmap(p, 2 * PGSIZE);
	close(fd);
}

/* Load every byte of the 3 pages at addr (a child: a missing page kills). */
static void
read_pages(uint64 addr)
{
	volatile char *p = (volatile char *)addr;
	int i;

	for (i = 0; i < 3 * PGSIZE; i++)
		(void)p[i];
	exit(ST_GOOD);
}

static void
bad_args(void)
{
	int rd = open(FILE1, O_RDONLY), rw = open(FILE1, O_RDWR);
	int dir = open("/", O_RDONLY), wr = open(FILE1, O_WRONLY);
	uint64 before = frames_free(), heap = heap_end_aligned();
	char *p, *maps[VMA_LIMIT + 1];
	int i, n, rwp = PROT_READ | PROT_WRITE;

	check(mmap(0, 0, rwp, MAP_SHARED, rw, 0) == FAILED, "bad-len-0", "ok");
	check(mmap(0, -PGSIZE, rwp, MAP_SHARED, rw, 0) == FAILED, "bad-len-neg",
	    "ok");
	check(mmap(0, PGSIZE, rwp, MAP_SHARED, -1, 0) == FAILED &&
		mmap(0, PGSIZE, rwp, MAP_SHARED, 15, 0) == FAILED &&
		mmap(0, PGSIZE, rwp, MAP_SHARED, 1000, 0) == FAILED,
	    "bad-fd", "ok");
	check(mmap(0, PGSIZE, rwp, MAP_SHARED, rw, 100) == FAILED &&
		mmap(0, PGSIZE, rwp, MAP_SHARED, rw, -PGSIZE) == FAILED,
	    "bad-offset", "ok");
	check(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, dir, 0) == FAILED,
	    "bad-directory", "ok");
	check(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, 1, 0) == FAILED,
	    "bad-device", "console mapped");
	check(mmap(0, PGSIZE, rwp, MAP_SHARED, rd, 0) == FAILED,
	    "bad-shared-write-readonly-fd", "ok");
	check(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, wr, 0) == FAILED,
	    "bad-writeonly-fd", "ok");
	check(mmap(0, PGSIZE, rwp, 0, rw, 0) == FAILED &&
		mmap(0, PGSIZE, rwp, MAP_SHARED | MAP_PRIVATE, rw, 0) == FAILED &&
		mmap(0, PGSIZE, rwp, MAP_SHARED | 0x100, rw, 0) == FAILED &&
		mmap(0, PGSIZE, 0x10, MAP_SHARED, rw, 0) == FAILED,
	    "bad-flags", "ok");
	check(mmap(0, PGSIZE, rwp, MAP_PRIVATE | MAP_ANONYMOUS, rw, 0) == FAILED,
	    "bad-anon-fd", "ok");
	check(mmap((void *)heap, PGSIZE, rwp, MAP_PRIVATE, rw, 0) == FAILED &&
		mmap((void *)(heap - PGSIZE), PGSIZE, rwp, MAP_PRIVATE, rw, 0) ==
		    FAILED &&
		mmap((void *)PGSIZE, PGSIZE, rwp, MAP_PRIVATE, rw, 0) == FAILED,
	    "bad-addr-heap-program", "ok");
	check(mmap((void *)(TRAPFRAME - PGSIZE), PGSIZE, rwp, MAP_PRIVATE, rw,
		  0) == FAILED &&
		mmap((void *)MAXVA, PGSIZE, rwp, MAP_PRIVATE, rw, 0) == FAILED &&
		mmap((void *)(1L << 50), PGSIZE, rwp, MAP_PRIVATE, rw, 0) ==
		    FAILED,
	    "bad-addr-beyond", "ok");
	p = mmap(0, 2 * PGSIZE, rwp, MAP_PRIVATE, rw, 0);
	check(p != FAILED &&
		mmap(p + 1, PGSIZE, rwp, MAP_PRIVATE, rw, 0) == FAILED,
	    "bad-addr-unaligned", "ok");
	check(mmap(p + PGSIZE, PGSIZE, rwp, MAP_PRIVATE, rw, 0) == FAILED &&
		mmap(p - PGSIZE, 2 * PGSIZE, rwp, MAP_PRIVATE, rw, 0) == FAILED,
	    "bad-overlap", "ok");
	check(munmap(p + 1, PGSIZE) == -1 && munmap(p, 0) == -1 &&
		munmap(p, -1) == -1 && munmap((void *)MAXVA, PGSIZE) == -1 &&
		munmap((void *)heap, PGSIZE) == -1,
	    "bad-munmap", "ok");
	munmap(p, 2 * PGSIZE);
	/* The limit: VMA_LIMIT regions, then no more, and no split. */
	for (n = 0; n <= VMA_LIMIT; n++) {
		maps[n] = mmap(0, 3 * PGSIZE, rwp, MAP_PRIVATE, rw, 0);
		if (maps[n] == FAILED)
			break;
	}
	check(n == VMA_LIMIT, "limit", "%d regions mapped", n);
	if (n > 0) {
		/* A refused split leaves the region whole: its pages, stores too. */
		fill_pattern(maps[0], 3 * PGSIZE, 0, 12);
		check(munmap(maps[0] + PGSIZE, PGSIZE) == -1, "limit-split",
		    "a split past the limit succeeded");
		check(child_status(read_pages, (uint64)maps[0]) == ST_GOOD &&
			find_mismatch(maps[0], 3 * PGSIZE, 0, 12) < 0,
		    "limit-split-intact",
		    "the region lost pages or stores after a refused split");
	}
	for (i = 0; i < n; i++)
		check(munmap(maps[i], 3 * PGSIZE) == 0, "limit-munmap",
		    "region %d could not be unmapped whole", i);
	close(rd);
	close(rw);
	close(dir);
	close(wr);
	check(frames_free() == before, "bad-no-leak", "%d frames lost",
	    (int)(before - frames_free()));
}

/*
 * In the manner of the xv6 mmap lab's test: a file of two and a half
 * pages, mapped read-only private, read-write private and read-write
 * shared; the shared one unmapped in two halves; two files at once; a
 * child reading its parent's mappings.
 */
static void
lab_like(void)
{
	int fd, fd2, i, pid, st;
	char *p, *q;
	int len = 2 * PGSIZE + PGSIZE / 2;

	make_pattern_file(FILE1, len, 7);
	fd = open(FILE1, O_RDWR);
	p = mmap(0, PGSIZE * 3, PROT_READ, MAP_PRIVATE, fd, 0);
	check(p != FAILED && find_mismatch(p, len, 0, 7) < 0 &&
		all_zero(p + len, 3 * PGSIZE - len),
	    "lab-readonly-private", "wrong contents");
	check(munmap(p, PGSIZE * 3) == 0, "lab-munmap", "failed");

	p = mmap(0, PGSIZE * 3, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	for (i = 0; i < len; i++)
		p[i] = 'Z';
	munmap(p, PGSIZE * 3);
	i = slurp(FILE1, buf, sizeof(buf));
	check(i == len && find_mismatch(buf, len, 0, 7) < 0,
	    "lab-private-not-written", "the file changed");

	p = mmap(0, PGSIZE * 3, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (i = 0; i < len; i++)
		p[i] = 'Z';
	check(munmap(p, PGSIZE) == 0, "lab-munmap-first-half", "failed");
	/* read() sees the stores at once, unmapped or not (the page cache). */
	i = slurp(FILE1, buf, sizeof(buf));
	check(i == len && buf[0] == 'Z' && buf[PGSIZE - 1] == 'Z' &&
		buf[PGSIZE] == 'Z',
	    "lab-first-half-written", "read() does not see the stores");
	check(munmap(p + PGSIZE, 2 * PGSIZE) == 0, "lab-munmap-second-half",
	    "failed");
	i = slurp(FILE1, buf, sizeof(buf));
	for (st = 0; st < len && buf[st] == 'Z'; st++)
		;
	check(i == len && st == len, "lab-shared-written",
	    "size %d, %d bytes Z", i, st);
	close(fd);

	/* Two files at once, the descriptors closed at once. */
	make_pattern_file(FILE1, PGSIZE, 8);
	make_pattern_file(FILE2, PGSIZE, 9);
	fd = open(FILE1, O_RDWR);
	fd2 = open(FILE2, O_RDWR);
	p = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	q = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd2, 0);
	close(fd);
	close(fd2);
	check(p != FAILED && q != FAILED && p != q &&
		find_mismatch(p, PGSIZE, 0, 8) < 0 &&
		find_mismatch(q, PGSIZE, 0, 9) < 0,
	    "lab-two-files", "wrong contents");

	/* The child sees the mappings; its munmap leaves the parent's. */
	pid = fork();
	if (pid == 0) {
		if (find_mismatch(p, PGSIZE, 0, 8) >= 0 || munmap(p, PGSIZE) < 0)
			exit(ST_BAD);
		exit(ST_GOOD);
	}
	wait_pid(pid, &st);
	check(st == ST_GOOD && find_mismatch(p, PGSIZE, 0, 8) < 0, "lab-fork",
	    "child %s", status_word(st));
	munmap(p, PGSIZE);
	munmap(q, PGSIZE);
}

/*
 * Fork; the child stores 2 into p[1] (a shared page) and exits.  The
 * child's status, or -1 if fork failed.
 */
static int
fork_shares(char *p)
{
	int pid = fork(), st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		p[1] = 2;
		exit(ST_GOOD);
	}
	wait_pid(pid, &st);
	return st;
}

/* Touch every page of a 1 GiB mapping: memory runs out first. */
static void
touch_a_gigabyte(uint64 shared)
{
	char *p = mmap(0, 1 << 30, PROT_READ | PROT_WRITE,
	    (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
	uint64 i;

	if (p == FAILED)
		exit(ST_BAD);
	for (i = 0; i < (1 << 30); i += PGSIZE)
		p[i] = 1;
	exit(ST_BAD);
}

/*
 * mmap reserves no memory: touching more than there is kills the process
 * that touches (cleanly: every frame comes back).  fork of a shared region
 * too large to fill fails up front and changes nothing.
 */
static void
exhaustion(void)
{
	uint64 before = frames_free(), used;
	char *p;

	expect_killed("exhaust-private", touch_a_gigabyte, 0);
	expect_killed("exhaust-shared", touch_a_gigabyte, 1);
	check(frames_free() == before && audit_clean(), "exhaust-no-leak",
	    "%d frames lost", (int)(before - frames_free()));
	p = mmap(0, 1 << 30, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == FAILED) {
		fail("fork-shared-too-big", "mmap of 1 GiB failed");
		return;
	}
	p[0] = 1;
	used = before - frames_free();
	check(fork_shares(p) == -1, "fork-shared-too-big",
	    "fork filled a 1 GiB shared mapping");
	check(before - frames_free() == used, "fork-shared-too-big-no-leak",
	    "the refused fork kept %d frames",
	    (int)(before - frames_free() - used));
	/* The reason was memory: with the region cut to 2 MiB, fork works. */
	check(munmap(p + (2 << 20), (1 << 30) - (2 << 20)) == 0 &&
		fork_shares(p) == ST_GOOD && p[1] == 2,
	    "fork-shared-after-freeing",
	    "fork of the 2 MiB left failed, or the child's store is not seen");
	check(munmap(p, 2 << 20) == 0 && frames_free() == before,
	    "fork-shared-no-leak", "%d frames lost",
	    (int)(before - frames_free()));
}

/*
 * One munmap across two regions (the end of one, the start of the
 * next): both keep the rest, stores and all; the cut pages are gone.
 */
static void
munmap_two(void)
{
	int rw = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p = mmap(0, 2 * PGSIZE, rw, flags, -1, 0), *q;

	q = p == FAILED ? FAILED
			: mmap(p + 2 * PGSIZE, 2 * PGSIZE, rw, flags, -1, 0);
	if (q == FAILED) {
		fail("munmap-two-regions", "mmap failed");
		return;
	}
	fill_pattern(p, 4 * PGSIZE, 0, 13);
	check(munmap(p + PGSIZE, 2 * PGSIZE) == 0, "munmap-two-regions",
	    "munmap across two regions failed");
	check(find_mismatch(p, PGSIZE, 0, 13) < 0 &&
		find_mismatch(q + PGSIZE, PGSIZE, 3 * PGSIZE, 13) < 0,
	    "munmap-two-keeps-rest", "the pages left lost their stores");
	expect_killed("munmap-two-end-gone", touch_byte, (uint64)(p + PGSIZE));
	expect_killed("munmap-two-start-gone", touch_byte, (uint64)q);
	check(munmap(p, PGSIZE) == 0 && munmap(q + PGSIZE, PGSIZE) == 0 &&
		munmap(p, 4 * PGSIZE) == -1,
	    "munmap-two-rest", "the pages left are not two regions' ends");
}

/*
 * Map the largest regions there are until mmap refuses: VMA_LIMIT of them,
 * all inside the mmap area (128 GiB: 16 regions of the largest length an
 * int holds cannot fill it, so the region limit is what refuses); then
 * every mmap is refused, changing nothing; a region may end at the area's
 * end but not cross it.  In a child, which exits with the number of the
 * first step that failed, or ST_GOOD: munmap keeps the page tables of the
 * area until exit, so frames are counted after the child is gone.
 */
static void
area_full_child(uint64 unused)
{
	int rw = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS;
	int len = 0x7ffff000, n, i;
	uint64 top = MAXVA - (2 << 20) - PGSIZE;
	char *maps[VMA_LIMIT + 1], *t;

	(void)unused;
	t = mmap((void *)top, PGSIZE, rw, flags, -1, 0);
	if (t != (char *)top ||
	    mmap((void *)(top - PGSIZE), 3 * PGSIZE, rw, flags, -1, 0) != FAILED)
		exit(1);
	t[0] = 1;
	munmap(t, PGSIZE);
	for (n = 0; n <= VMA_LIMIT; n++) {
		maps[n] = mmap(0, len, rw, flags, -1, 0);
		if (maps[n] == FAILED)
			break;
		if ((uint64)maps[n] < MAXVA / 2 ||
		    (uint64)maps[n] + len > top + PGSIZE)
			exit(2);
		maps[n][0] = maps[n][len - 1] = (char)n;
	}
	if (n != VMA_LIMIT)
		exit(3);
	if (mmap(0, PGSIZE, rw, flags, -1, 0) != FAILED ||
	    mmap(0, len, rw, flags, -1, 0) != FAILED)
		exit(4);
	for (i = 0; i < n; i++)
		if (maps[i][0] != (char)i || maps[i][len - 1] != (char)i ||
		    munmap(maps[i], len) != 0)
			exit(5);
	exit(audit_clean() ? ST_GOOD : 6);
}

static void
area_full(void)
{
	uint64 before = frames_free();
	int st = child_status(area_full_child, 0);

	check(st == ST_GOOD, "area-full",
	    "step %d failed (1 end of the area, 2 outside it, 3 not %d regions, "
	    "4 one more mapped, 5 contents or munmap, 6 audit)",
	    st, VMA_LIMIT);
	check(frames_free() == before, "area-full-no-leak", "%d frames lost",
	    (int)(before - frames_free()));
}

/*
 * exec that fails (no such file; arguments too big for the new stack,
 * found only after the program is loaded) leaves the caller's regions as
 * they were: mapped, with their contents, and a shared store still
 * reaches the file at munmap.
 */
static void
exec_fails(void)
{
	static char big[3][2000];
	char *argv[] = { "true", 0 }, *bigv[] = { big[0], big[1], big[2], 0 };
	char *a, *f;
	int rw = PROT_READ | PROT_WRITE;

	memset(big, 'x', sizeof(big));
	big[0][1999] = big[1][1999] = big[2][1999] = 0;
	make_pattern_file(FILE1, 2 * PGSIZE, 14);
	a = mmap(0, 2 * PGSIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f = map_file(FILE1, O_RDWR, 2 * PGSIZE, rw, MAP_SHARED);
	if (a == FAILED || f == FAILED) {
		fail("exec-fails-keeps-regions", "setup failed");
		return;
	}
	memset(a, 'A', PGSIZE);
	f[0] = 'F';
	check(exec("/no-such-program", argv) == -1 && exec("/true", bigv) == -1,
	    "exec-fails",
	    "exec of a missing program or too many bytes did not fail");
	check(a[0] == 'A' && a[PGSIZE - 1] == 'A' &&
		all_zero(a + PGSIZE, PGSIZE) && f[0] == 'F' &&
		find_mismatch(f + 1, 2 * PGSIZE - 1, 1, 14) < 0,
	    "exec-fails-keeps-regions", "the regions changed");
	check(munmap(a, 2 * PGSIZE) == 0 && munmap(f, 2 * PGSIZE) == 0 &&
		slurp(FILE1, buf, sizeof(buf)) == 2 * PGSIZE && buf[0] == 'F',
	    "exec-fails-write-back", "the shared store did not reach the file");
}

#define RACERS 3
#define ADDS   2000

/* Fork (while the siblings add), then ADDS atomic adds here and in the child. */
static void
race_adds(uint64 counter)
{
	volatile uint64 *c = (volatile uint64 *)counter;
	int i, pid = fork(), st = ST_GOOD;

	for (i = 0; i < ADDS; i++)
		__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
	if (pid == 0)
		exit(ST_GOOD);
	if (pid > 0)
		wait_pid(pid, &st);
	exit(pid > 0 && st == ST_GOOD ? ST_GOOD : ST_BAD);
}

/*
 * Processes on every hart add to one counter in a shared mapping (file
 * and anonymous) while forking, and the parent runs the audit meanwhile:
 * every add reaches the one frame, and the counts stay exact.
 */
static void
races(void)
{
	int fd, pid[RACERS], i, k, st, good, audits_bad;
	volatile uint64 *c;
	char *maps[2];

	make_pattern_file(FILE1, PGSIZE, 11);
	fd = open(FILE1, O_RDWR);
	maps[0] = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	maps[1] = mmap(0, PGSIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	close(fd);
	for (k = 0; k < 2; k++) {
		c = (volatile uint64 *)maps[k];
		*c = 0;
		for (i = 0; i < RACERS; i++)
			if ((pid[i] = fork()) == 0)
				race_adds((uint64)c);
		audits_bad = 0;
		for (i = 0; i < 20; i++)
			audits_bad += !audit_clean();
		good = 0;
		for (i = 0; i < RACERS; i++)
			if (wait(&st) > 0 && st == ST_GOOD)
				good++;
		check(good == RACERS && *c == 2 * RACERS * ADDS && audits_bad == 0,
		    k == 0 ? "race-file-shared" : "race-anon-shared",
		    "%d good racers, counter %d of %d, %d bad audits", good,
		    (int)*c, 2 * RACERS * ADDS, audits_bad);
	}
	munmap(maps[0], PGSIZE);
	munmap(maps[1], PGSIZE);
}

static struct pmap m;

/* The region of m of this kind, or 0. */
static struct pmap_region *
region_of(uint32 kind)
{
	uint32 i;

	for (i = 0; i < m.nregions; i++)
		if (m.region[i].kind == kind)
			return &m.region[i];
	return 0;
}

/* Do every process's frames held, and the kernel's, add up to those allocated? */
static int
frames_add_up(void)
{
	uint64 held, allocated;
	int pid, tries;

	for (tries = 0; tries < 5; tries++) {
		allocated = frames_free();
		held = 0;
		for (pid = 0; (pid = pmap(pid, PMAP_NEXT, &m)) > 0;)
			held += m.held;
		if (pmap(0, 0, &m) != 0)
			return 0;
		held += m.held;
		if (allocated == frames_free()) {
			struct vmstat st;

			vmstat(VMSTAT_GET, &st);
			return held ==
			    (st.frames_total - st.frames_free) * PMAP_SCALE;
		}
	}
	return 0;
}

static void
pmap_kinds(void)
{
	int rw = PROT_READ | PROT_WRITE, fd, pid, i;
	char *ap, *as, *fp, *fs;
	struct vmstat st;
	uint32 cow;
	struct pmap_region *r;

	make_pattern_file(FILE1, 2 * PGSIZE, 10);
	fd = open(FILE1, O_RDWR);
	ap = mmap(0, 2 * PGSIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	as = mmap(0, 2 * PGSIZE, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fp = mmap(0, 2 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	fs = mmap(0, 2 * PGSIZE, rw, MAP_SHARED, fd, 0);
	close(fd);
	ap[0] = ap[PGSIZE] = as[0] = fs[0] = fs[PGSIZE] = fp[0];
	/* No pipes (their frames belong to no process): the shared page signals. */
	pid = fork();
	if (pid == 0) {
		fs[1] = 1;
		as[1] = 1; /* ready */
		for (i = 0; i < 1000 && as[2] == 0; i++)
			sleep(1);
		exit(0);
	}
	for (i = 0; i < 1000 && as[1] == 0; i++)
		sleep(1);
	pmap(getpid(), 0, &m);
	vmstat(VMSTAT_GET, &st); /* FORK=copy copies private pages at fork */
	cow = st.fork_mode == FORK_MODE_COPY ? 0 : 2;
	r = region_of(PMAP_ANON_PRIVATE);
	check(r && r->start == (uint64)ap && r->present == 2 && r->cow == cow,
	    "pmap-anon-private", "no such region, or not 2 pages, %d COW", cow);
	r = region_of(PMAP_ANON_SHARED);
	check(r && r->present == 2 && r->shared == 2 && r->cow == 0 &&
		(r->perm & PMAP_W),
	    "pmap-anon-shared", "no such region, or not 2 shared writable pages");
	r = region_of(PMAP_FILE_PRIVATE);
	check(r && r->present == 1 && (r->perm & PMAP_W) == 0,
	    "pmap-file-private", "no such region, or not 1 read-only page");
	r = region_of(PMAP_FILE_SHARED);
	check(r && r->present == 2 && r->shared == 2, "pmap-file-shared",
	    "no such region, or not 2 shared pages");
	check(frames_add_up(), "pmap-adds-up",
	    "frames held do not add up to frames allocated");
	check_audit("pmap-audit");
	as[2] = 1; /* done */
	wait_pid(pid, 0);
	munmap(ap, 2 * PGSIZE);
	munmap(as, 2 * PGSIZE);
	munmap(fp, 2 * PGSIZE);
	munmap(fs, 2 * PGSIZE);
}

int
main(void)
{
	uint64 before;

	anonymous(); /* the first mappings' page tables stay: count after */
	before = frames_free();
	file_private();
	file_shared();
	split();
	protection();
	syscalls();
	read_reaches_file();
	bad_args();
	lab_like();
	pmap_kinds();
	exhaustion();
	munmap_two();
	area_full();
	exec_fails();
	races();
	check_audit("audit-at-end");
	check(frames_free() == before, "no-leak", "%d frames lost",
	    (int)(before - frames_free()));
	unlink(FILE1);
	unlink(FILE2);
	finish();
}
