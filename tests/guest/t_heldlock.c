/*
 * t_heldlock: a read() or write() whose user buffer is an untouched file
 * page, when memory has run out (docs/vm.md, end of "Page cache").
 *
 * sys_read and sys_write bring such pages in before they take any lock;
 * when that fails for want of memory, the copy (made under the file's
 * inode and buffer locks) meets the missing page, and the kernel must not
 * read a file then (sysmmap.c's may_read_file_now): the same buffer or
 * inode lock would be taken twice (a panic), two files' locks in either
 * order.  The copy comes up short instead.  Here, with every free frame
 * and every page the cache could give back taken by a child (the hog),
 * a process running a fresh image of this program (the runner) makes,
 * for each case, one call whose buffer starts LEAD bytes before an
 * untouched page and one that starts on it:
 *  - image:   read() of this program's own file into an untouched page
 *             of its own data segment;
 *  - private: read() of a file into an untouched page of a MAP_PRIVATE
 *             mapping of that same file;
 *  - shared:  the same through a MAP_SHARED mapping;
 *  - write:   write() to a file from an untouched page of a MAP_SHARED
 *             mapping of that same file.
 * A user sees what read(2) and write(2) promise for a buffer that stops
 * being usable: the bytes before the page (LEAD, and those bytes right),
 * -1 when not even the first byte could move, and the file offset moved
 * by what was returned.  Then the hog exits and the same calls, at the
 * page, move all N bytes, the right ones, and the page holds the file's
 * bytes.  At the end no frame is lost and the refcount audit is clean.
 *
 * The runner brings in every page it will touch (its program, the lead-in
 * pages, its stack) before the hog starts, and again after fork for those
 * it stores to (fork makes them copy-on-write, and a copy needs a frame).
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define SELF   "/t_heldlock"
#define FILEB  "/hl.b"
#define BPAGES 8    /* pages of FILEB, all mapped */
#define SEED   0x4c /* FILEB's byte pattern */
#define N      256  /* bytes each call asks for */
#define LEAD   64   /* bytes of a buffer before its untouched page */
#define SLACK  1024 /* frames the hog's big steps leave (tables, ...) */
#define FAILED ((char *)-1)

/* The untouched pages of each case: page numbers of its mapping. */
#define PRIV_PAGE  2 /* page 1 comes in first */
#define SHARE_PAGE 4 /* page 3 comes in first */
#define WRITE_PAGE 7 /* page 6 comes in first (read only) */

/*
 * Three pages of .data, file bytes all: page 0 comes in first (the lead
 * into page 1), page 1 is the untouched page, page 2 keeps page 1 whole
 * (not the page where the segment's file bytes end).
 */
#define MARK_AT 1000 /* page 1's byte MARK_AT is MARK in the file */
#define MARK    0x5a
static char image_data[3 * PGSIZE] __attribute__((
    aligned(PGSIZE))) = { [0] = 1, [PGSIZE + MARK_AT] = MARK, [2 * PGSIZE] = 2 };

static char self_head[LEAD + N]; /* this program's first bytes */
static char check_buf[LEAD + N]; /* FILEB's first bytes, at the end */

enum { C_IMAGE, C_PRIVATE, C_SHARED, C_WRITE, NCASES };
static const char *case_name[NCASES] = { "image", "private", "shared", "write" };

/* What the runner saw, sent to the parent through a pipe. */
struct outcome {
	int prep;             /* 0, or the step of preparing that failed */
	int hog;              /* the hog's exit status */
	uint64 free_at;       /* frames free just before the calls */
	int lead[NCASES];     /* the call whose buffer starts LEAD before */
	int at[NCASES];       /* the call whose buffer starts on the page */
	int lead_ok[NCASES];  /* the LEAD bytes are the file's */
	int again[NCASES];    /* the call at the page, memory back */
	int again_ok[NCASES]; /* its bytes and the page's are the file's */
	int alive;            /* getpid() still answers after the calls */
};

/* ---- the hog: a child of the runner ---- */

/*
 * Take every free frame and every cached page only the cache holds.
 * sbrk refuses up front what free memory and the cache could not fill,
 * so a page sbrk granted can be touched without the process being
 * killed; when it refuses a single page, at most a frame or two are
 * left, and pipes (one frame each, -1 when none) take them.
 */
static void
hog(int ready, int release)
{
	struct vmstat st;
	uint64 n, i;
	int fds[2], pipes = 0, small = 0;
	char *p, c = 'h';

	for (;;) {
		vmstat(VMSTAT_GET, &st);
		n = !small && st.frames_free > 2 * SLACK ? st.frames_free - SLACK
							 : 1;
		if ((p = sbrk(n * PGSIZE)) == FAILED) {
			if (n == 1)
				break;
			small = 1;
			continue;
		}
		for (i = 0; i < n; i++)
			p[i * PGSIZE] = 1;
	}
	while (pipes < 5 && pipe(fds) == 0)
		pipes++;
	write(ready, &c, 1);
	while (read(release, &c, 1) > 0)
		;
	exit(pipes < 5 ? ST_GOOD : ST_BAD);
}

/* ---- the runner: exec'd, so its image is fresh ---- */

static int
open_all(int fd[NCASES], char **priv, char **shared)
{
	if ((fd[C_IMAGE] = open(SELF, O_RDONLY)) < 0 ||
	    (fd[C_PRIVATE] = open(FILEB, O_RDONLY)) < 0 ||
	    (fd[C_SHARED] = open(FILEB, O_RDONLY)) < 0 ||
	    (fd[C_WRITE] = open(FILEB, O_RDWR)) < 0)
		return 1;
	*priv = mmap(0, BPAGES * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
	    fd[C_PRIVATE], 0);
	*shared = mmap(0, BPAGES * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd[C_WRITE], 0);
	if (*priv == FAILED || *shared == FAILED)
		return 2;
	if (read(fd[C_IMAGE], self_head, sizeof(self_head)) != sizeof(self_head) ||
	    close(fd[C_IMAGE]) < 0 || (fd[C_IMAGE] = open(SELF, O_RDONLY)) < 0)
		return 3;
	return 0;
}

/*
 * Store to every page a call will store into (fork made them copy-on-
 * write), read every page a write() will read; never the untouched ones.
 */
static void
lead_in(char *priv, char *shared)
{
	volatile char *v;

	v = image_data;
	*v = *v;
	v = priv + (PRIV_PAGE - 1) * PGSIZE;
	*v = *v;
	v = shared + (SHARE_PAGE - 1) * PGSIZE;
	*v = *v;
	v = shared + (WRITE_PAGE - 1) * PGSIZE;
	(void)*v;
}

/* The untouched page of case c. */
static char *
target(int c, char *priv, char *shared)
{
	switch (c) {
	case C_IMAGE:
		return image_data + PGSIZE;
	case C_PRIVATE:
		return priv + PRIV_PAGE * PGSIZE;
	case C_SHARED:
		return shared + SHARE_PAGE * PGSIZE;
	default:
		return shared + WRITE_PAGE * PGSIZE;
	}
}

static int
call(int c, int fd, char *buf, int n)
{
	return c == C_WRITE ? write(fd, buf, n) : read(fd, buf, n);
}

/* The LEAD bytes a short call moved are the file's (a write's: later). */
static int
lead_right(int c, const char *at)
{
	if (c == C_IMAGE)
		return memcmp(at - LEAD, self_head, LEAD) == 0;
	return c == C_WRITE || find_mismatch(at - LEAD, LEAD, 0, SEED) < 0;
}

/*
 * After the call at the page with memory back: the N bytes moved, and
 * the page holds the file's page.  Reads went on from offset LEAD.
 */
static int
again_right(int c, const char *at, uint64 page)
{
	int fd, n;

	switch (c) {
	case C_IMAGE:
		return memcmp(at, self_head + LEAD, N) == 0 &&
		    at[MARK_AT] == MARK;
	case C_PRIVATE:
	case C_SHARED:
		return find_mismatch(at, N, LEAD, SEED) < 0 &&
		    find_mismatch(at + N, PGSIZE - N, page * PGSIZE + N, SEED) <
		    0;
	default:
		/* The file starts with the lead-in's LEAD bytes, then the page's. */
		if ((fd = open(FILEB, O_RDONLY)) < 0)
			return 0;
		n = read(fd, check_buf, LEAD + N);
		close(fd);
		return n == LEAD + N &&
		    find_mismatch(check_buf, LEAD, page * PGSIZE - LEAD, SEED) <
		    0 &&
		    find_mismatch(check_buf + LEAD, N, page * PGSIZE, SEED) < 0;
	}
}

static const uint64 case_page[NCASES] = { 1, PRIV_PAGE, SHARE_PAGE, WRITE_PAGE };

static void
runner(int out)
{
	struct outcome o; /* on the stack: fork made the data copy-on-write */
	struct vmstat st;
	int fd[NCASES], go[2], ready[2], release[2], hogpid, me = getpid(), c;
	char *priv = FAILED, *shared = FAILED, *at;
	char ch = 0;

	memset(&o, 0, sizeof(o));
	o.prep = open_all(fd, &priv, &shared);
	if (o.prep == 0 && (pipe(go) < 0 || pipe(ready) < 0 || pipe(release) < 0))
		o.prep = 4;
	if (o.prep != 0)
		goto report;
	image_resident_except(
	    (uint64)image_data + PGSIZE, (uint64)image_data + 2 * PGSIZE);
	lead_in(priv, shared);
	if ((hogpid = fork()) < 0) {
		o.prep = 5;
		goto report;
	}
	if (hogpid == 0) {
		close(go[1]);
		close(ready[0]);
		close(release[1]);
		close(out);
		for (c = 0; c < NCASES; c++)
			close(fd[c]);
		read(go[0], &ch, 1);
		close(go[0]);
		hog(ready[1], release[0]);
	}
	close(go[0]);
	close(ready[1]);
	close(release[0]);
	/* Before the hog starts: what fork made copy-on-write is ours again. */
	lead_in(priv, shared);
	ch = 'g';
	write(go[1], &ch, 1);
	if (read(ready[0], &ch, 1) != 1)
		o.prep = 6;
	vmstat(VMSTAT_GET, &st);
	o.free_at = st.frames_free;
	for (c = 0; c < NCASES; c++) {
		at = target(c, priv, shared);
		o.lead[c] = call(c, fd[c], at - LEAD, N);
		o.at[c] = call(c, fd[c], at, N);
		o.lead_ok[c] = lead_right(c, at);
	}
	o.alive = getpid() == me;
	close(release[1]);
	if (wait_pid(hogpid, &o.hog) != hogpid)
		o.hog = ST_NOFORK;
	for (c = 0; c < NCASES; c++) {
		at = target(c, priv, shared);
		o.again[c] = call(c, fd[c], at, N);
		o.again_ok[c] =
		    o.again[c] == N && again_right(c, at, case_page[c]);
	}
report:
	write(out, &o, sizeof(o));
	exit(0);
}

/* ---- the driver ---- */

static int
make_file(const char *path)
{
	static char page[PGSIZE];
	int fd, i, bad = 0;

	if ((fd = open(path, O_CREATE | O_WRONLY | O_TRUNC)) < 0)
		return -1;
	for (i = 0; i < BPAGES; i++) {
		fill_pattern(page, PGSIZE, (uint64)i * PGSIZE, SEED);
		bad |= write(fd, page, PGSIZE) != PGSIZE;
	}
	close(fd);
	return bad ? -1 : 0;
}

/* Run the runner; its outcome in *o.  0, or -1 if it reported nothing. */
static int
run_runner(struct outcome *o, int *status)
{
	char fdstr[8], *argv[] = { SELF, "run", fdstr, 0 };
	int p[2], pid, got = 0, n;

	if (pipe(p) < 0)
		return -1;
	snprintf(fdstr, sizeof(fdstr), "%d", p[1]);
	if ((pid = fork()) == 0) {
		close(p[0]);
		exec(SELF, argv);
		exit(ST_RETURNED);
	}
	close(p[1]);
	while (pid > 0 && got < (int)sizeof(*o) &&
	    (n = read(p[0], (char *)o + got, sizeof(*o) - got)) > 0)
		got += n;
	close(p[0]);
	if (pid < 0 || wait_pid(pid, status) != pid)
		*status = ST_NOFORK;
	return got == (int)sizeof(*o) ? 0 : -1;
}

static void
report(const struct outcome *o)
{
	char name[32];
	int c;

	check(o->hog == ST_GOOD && o->free_at == 0, "memory-exhausted",
	    "hog %s, %lu frames free at the calls", status_word(o->hog),
	    o->free_at);
	check(o->alive, "alive", "getpid() wrong after the calls");
	for (c = 0; c < NCASES; c++) {
		snprintf(name, sizeof(name), "%s-short", case_name[c]);
		check(o->lead[c] == LEAD && o->lead_ok[c] && o->at[c] == -1, name,
		    "buffer %d bytes before the page: %d (want %d, bytes %s); "
		    "on it: %d (want -1)",
		    LEAD, o->lead[c], LEAD, o->lead_ok[c] ? "right" : "wrong",
		    o->at[c]);
		snprintf(name, sizeof(name), "%s-after", case_name[c]);
		check(o->again[c] == N && o->again_ok[c], name,
		    "with memory back: %d (want %d), bytes %s", o->again[c], N,
		    o->again_ok[c] ? "right" : "wrong");
	}
}

int
main(int argc, char **argv)
{
	struct outcome o;
	struct vmstat st;
	uint64 before, after;
	int status, bad;

	if (argc == 3 && strcmp(argv[1], "run") == 0)
		runner(atoi(argv[2]));
	if (make_file(FILEB) < 0) {
		fail("setup", "cannot write %s", FILEB);
		finish();
	}
	before = frames_free();
	memset(&o, 0, sizeof(o));
	if (run_runner(&o, &status) < 0)
		fail("runner", "reported nothing: %s", status_word(status));
	else if (o.prep != 0)
		fail("runner", "preparing failed at step %d", o.prep);
	else
		report(&o);
	after = frames_free();
	unlink(FILEB);
	check(after == before, "no-frame-leak",
	    "frames free %lu before, %lu after", before, after);
	bad = vmstat(VMSTAT_CHECK_VERBOSE, &st);
	check(bad == 0, "audit", "%d frames' refcounts disagree", bad);
	finish();
}
