/*
 * t_pcache: the page cache (kernel/fs/pcache.c, docs/vm.md "Page cache").
 *  - read() sees a store through a MAP_SHARED mapping at once, before
 *    munmap; a write() is seen through a mapping made before it;
 *  - two processes that map one file on their own (not by fork) share its
 *    page: each sees the other's stores;
 *  - a MAP_PRIVATE store is seen neither by read() nor by a shared mapping;
 *  - a mapped file that is unlinked keeps its bytes for the mapping; its
 *    pages go when the mapping does;
 *  - memory: cached pages count as free memory, sbrk of nearly all of it
 *    succeeds with a full cache (which shrinks as the pages are touched),
 *    then a larger sbrk fails cleanly, and no frame is lost;
 *  - the refcount audit counts the cache's references exactly, also while
 *    processes on every hart map, fault and unmap the same file pages.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define FILE1  "/pc.f1"
#define NFILL  8             /* files that fill the cache */
#define FILLSZ (12 * PGSIZE) /* bytes each */

static char buf[4 * PGSIZE];

static struct vmstat
stats(void)
{
	struct vmstat st;

	vmstat(VMSTAT_GET, &st);
	return st;
}

/* n bytes of the file at off (a multiple of n), read with read(). */
static int
read_at(const char *path, int off, char *dst, int n)
{
	int fd = open(path, O_RDONLY), got;

	if (fd < 0)
		return -1;
	for (; off > 0; off -= n)
		if (read(fd, dst, n) != n)
			break;
	got = read(fd, dst, n);
	close(fd);
	return got;
}

static void
coherence(void)
{
	int fd, i;
	char *p;

	p = map_new_shared(FILE1, 2 * PGSIZE, 1, 2 * PGSIZE, &fd, "coherence");
	if (p == FAILED)
		return;
	/* A store, then read(): no munmap in between. */
	p[PGSIZE + 5] = 'S';
	check(read_at(FILE1, PGSIZE, buf, PGSIZE) == PGSIZE && buf[5] == 'S',
	    "read-sees-store", "read() returned %x", buf[5]);
	/* A write() through the descriptor, then a load through the mapping. */
	i = read(fd, buf, 3); /* to offset 3 */
	check(i == 3 && write(fd, "WXY", 3) == 3 && p[3] == 'W' && p[5] == 'Y',
	    "mapping-sees-write", "the mapping shows %x %x", p[3], p[5]);
	check(audit_clean() && stats().pcache_pages >= 2, "audit-with-cache",
	    "the audit failed, or no page is cached");
	munmap(p, 2 * PGSIZE);
	close(fd);
	check(read_at(FILE1, 0, buf, PGSIZE) == PGSIZE && buf[3] == 'W' &&
		read_at(FILE1, PGSIZE, buf, PGSIZE) == PGSIZE && buf[5] == 'S',
	    "stores-kept", "the file lost a store");
}

/* Map FILE1 shared on its own, store at byte 100, wait for the parent's store. */
static void
own_mapper(uint64 pfd)
{
	int *fds = (int *)pfd, i;
	char *p =
	    map_file(FILE1, O_RDWR, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED);

	if (p == FAILED)
		exit(ST_BAD);
	p[100] = 'C';
	write(fds[1], "x", 1);
	for (i = 0; i < 2000 && p[200] != 'P'; i++)
		sleep(1);
	exit(p[200] == 'P' ? ST_GOOD : ST_BAD);
}

static void
two_mappers(void)
{
	int fds[2], pid, st, fd;
	char *p, *q, c;

	make_pattern_file(FILE1, PGSIZE, 2);
	pipe(fds);
	/* The child maps after fork: nothing is inherited. */
	pid = fork();
	if (pid == 0)
		own_mapper((uint64)fds);
	read(fds[0], &c, 1); /* the child has stored */
	fd = open(FILE1, O_RDWR);
	p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	q = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	check(p != FAILED && p[100] == 'C', "two-mappers-see-child",
	    "the parent's mapping shows %x", p == FAILED ? 0 : p[100]);
	p[200] = 'P';
	wait_pid(pid, &st);
	check(st == ST_GOOD, "two-mappers-see-parent", "child %s",
	    status_word(st));
	/* A private store stays private. */
	q[300] = 'Q';
	check(p[300] == (char)pattern_byte(300, 2) &&
		read_at(FILE1, 0, buf, PGSIZE) == PGSIZE &&
		buf[300] == (char)pattern_byte(300, 2) && q[200] == 'P',
	    "private-store-private", "shared %x, read %x", p[300], buf[300]);
	check(audit_clean(), "two-mappers-audit", "the audit failed");
	munmap(p, PGSIZE);
	munmap(q, PGSIZE);
	close(fds[0]);
	close(fds[1]);
}

static void
unlinked(void)
{
	struct vmstat before, after;
	int i;
	char *p;

	make_pattern_file(FILE1, 3 * PGSIZE, 3);
	before = stats();
	p = map_file(
	    FILE1, O_RDWR, 3 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == FAILED) {
		fail("unlink-mapped", "mmap failed");
		return;
	}
	p[0] = 'U';
	check(unlink(FILE1) == 0 && open(FILE1, O_RDONLY) < 0, "unlink-mapped",
	    "unlink failed");
	i = find_mismatch(p + 1, 3 * PGSIZE - 1, 1, 3);
	check(i < 0 && p[0] == 'U', "unlinked-still-mapped", "byte %d differs",
	    i);
	check(stats().pcache_pages == before.pcache_pages + 3,
	    "unlinked-pages-cached", "%d pages cached, want %d",
	    (int)stats().pcache_pages, (int)before.pcache_pages + 3);
	munmap(p, 3 * PGSIZE);
	after = stats();
	check(after.pcache_pages == before.pcache_pages &&
		after.frames_free == before.frames_free,
	    "unlinked-pages-freed",
	    "%d pages cached (was %d), %d frames free (was %d)",
	    (int)after.pcache_pages, (int)before.pcache_pages,
	    (int)after.frames_free, (int)before.frames_free);
}

/* Map and touch every page of file i, then unmap: its pages stay cached. */
static void
cache_file(int i)
{
	char path[] = "/pc.fillX";
	int k, sum = 0;
	char *p;

	path[8] = 'a' + i;
	p = map_file(path, O_RDONLY, FILLSZ, PROT_READ, MAP_PRIVATE);
	if (p == FAILED)
		return;
	for (k = 0; k < FILLSZ; k += PGSIZE)
		sum += p[k];
	munmap(p, FILLSZ);
	(void)opaque(sum);
}

static void
fill_files(int make)
{
	char path[] = "/pc.fillX";
	int i;

	for (i = 0; i < NFILL; i++) {
		path[8] = 'a' + i;
		if (make > 0)
			make_pattern_file(path, FILLSZ, 10 + i);
		else if (make < 0)
			unlink(path);
		else
			cache_file(i);
	}
}

/*
 * A full cache, then sbrk of nearly all memory (free and cached): the
 * cache gives its pages up; then more than there is fails, and nothing
 * is lost.
 */
static void
exhaustion(void)
{
	uint64 before, cached, want, slack, i;
	struct vmstat st;
	char *p;

	fill_files(1);
	/* A store, unmapped: the oldest unused page, the first reclaimed. */
	make_pattern_file(FILE1, PGSIZE, 4);
	p = map_file(FILE1, O_RDWR, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p != FAILED) {
		p[7] = 'R';
		munmap(p, PGSIZE);
	}
	fill_files(0);
	before = frames_free();
	st = stats();
	cached = st.pcache_pages;
	check(cached >= NFILL * FILLSZ / PGSIZE, "cache-filled",
	    "%d pages cached", (int)cached);
	/*
	 * All free and cached frames but those the page tables take and a
	 * few more: more than the free frames alone, if the cache is bigger
	 * than those few.
	 */
	slack = (st.frames_free + cached) / 512 + 2 + 32;
	want = (st.frames_free + cached - slack) * PGSIZE;
	p = sbrk(want);
	check(p != FAILED, "sbrk-takes-cache", "sbrk(%d pages) failed",
	    (int)(want / PGSIZE));
	if (p != FAILED) {
		for (i = 0; i < want; i += PGSIZE)
			p[i] = 1;
		st = stats();
		check(st.pcache_pages < cached, "cache-shrank",
		    "%d pages cached", (int)st.pcache_pages);
		check(sbrk(128 * PGSIZE) == FAILED, "sbrk-then-fails",
		    "sbrk past all memory succeeded");
		sbrk(-want);
	}
	check(frames_free() == before && audit_clean(), "exhaust-no-leak",
	    "%d frames lost", (int)(before - frames_free()));
	/* The reclaimed page was clean: its store is in the file. */
	check(read_at(FILE1, 0, buf, PGSIZE) == PGSIZE && buf[7] == 'R',
	    "reclaimed-page-written", "the store is lost (%x)", buf[7]);
	fill_files(-1);
}

#define FAULTERS 3
#define ROUNDS   20

/* Map the fill files, check every page, unmap: ROUNDS times. */
static void
faulter(uint64 seed)
{
	char path[] = "/pc.fillX";
	int r, i, bad = 0;
	char *p;

	for (r = 0; r < ROUNDS; r++) {
		i = (r + seed) % NFILL;
		path[8] = 'a' + i;
		p = map_file(path, O_RDWR, FILLSZ, PROT_READ | PROT_WRITE,
		    (r & 1) ? MAP_SHARED : MAP_PRIVATE);
		if (p == FAILED)
			exit(ST_BAD);
		bad += find_mismatch(p, FILLSZ, 0, 10 + i) >= 0;
		munmap(p, FILLSZ);
	}
	exit(bad ? ST_BAD : ST_GOOD);
}

static void
races(void)
{
	int pid[FAULTERS], i, st, good = 0, bad_audits = 0;

	fill_files(1);
	for (i = 0; i < FAULTERS; i++)
		if ((pid[i] = fork()) == 0)
			faulter(i);
	for (i = 0; i < 30; i++)
		bad_audits += !audit_clean();
	for (i = 0; i < FAULTERS; i++)
		if (wait(&st) > 0 && st == ST_GOOD)
			good++;
	check(good == FAULTERS && bad_audits == 0, "race-faults-audit",
	    "%d good faulters, %d bad audits", good, bad_audits);
	fill_files(-1);
}

int
main(void)
{
	uint64 before;

	coherence(); /* the mmap area's page tables stay: count after */
	before = frames_free();
	two_mappers();
	unlinked();
	exhaustion();
	races();
	check(audit_clean(), "audit-at-end", "the audit failed");
	check(frames_free() == before, "no-leak", "%d frames lost",
	    (int)(before - frames_free()));
	unlink(FILE1);
	finish();
}
