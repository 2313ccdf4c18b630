/*
 * t_image: exec maps the program and fills its pages on first touch.
 *
 * This program carries BIG_WORDS words of read-only data (big[], 128 KiB,
 * in the text segment) that it reads only when asked to, and runs itself
 * in a mode to look at a fresh image:
 *  - untouched-not-mapped: a process that exec'd this program and waits
 *    has, by pmap, most of its text region not present;
 *  - touch-fills: every word of big[] is right when read (a checksum
 *    against the formula that made it);
 *  - data-and-bss: at the start of main, the data segment holds the file's
 *    bytes, and every byte past them (the rest of the page where the file
 *    bytes end, and the bss) is zero;
 *  - fork-untouched: after fork, child and parent both read big[] for the
 *    first time and get it right; the child's reads (of big[], and of a
 *    bss page in a page table fork shared) map nothing in the parent, and
 *    a write to data in one is not seen by the other;
 *  - text-store-killed: a store to an untouched page of the text segment
 *    kills the process (the console says "protection": suite.txt checks);
 *  - unlink-running: a copy of this program unlinks itself, fills the
 *    disk's freed space with another file, then reads big[] right;
 *  - text-busy: a running copy's file opens for reading only; once it
 *    has exited, its file opens for writing, and while open so is not
 *    exec'd (text-busy-ends);
 *  - exec-fail-no-leak: an ELF whose first segment is fine and whose second
 *    lies beyond the end of the file: exec fails, and frames_free is what
 *    it was;
 *  - audit: the refcount audit is clean at the end.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/elf.h"
#include "kernel/fcntl.h"
#include "kernel/pmap.h"
#include "kernel/stat.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define SELF      "/t_image"
#define COPY      "ti_copy"
#define BAD_ELF   "ti_bad"
#define FILLER    "ti_fill"
#define BIG_WORDS 32768

/* The words of big[]: word i is WORD(i) (the assembler computes them). */
#define WORD(i) ((uint32)((i)*40503U) ^ 0x5bd1e995U)
#define STR2(x) #x
#define STR(x)  STR2(x)
extern const uint32 big[BIG_WORDS];
/* clang-format off */
asm(".pushsection .rodata\n"
    ".balign 4096\n"
    ".globl big\n"
    "big:\n"
    ".set i, 0\n"
    ".rept " STR(BIG_WORDS) "\n"
    ".word ((i * 40503) & 0xffffffff) ^ 0x5bd1e995\n"
    ".set i, i + 1\n"
    ".endr\n"
    ".popsection\n");
/* clang-format on */

static uint64 data_word = 0x1234567890abcdefUL; /* in .data */
/*
 * 4 MiB of bss: the stack lands in a level-0 table of its own, past the
 * one that holds only bss pages ([2 MiB, 4 MiB)), which fork shares and
 * which no store of the child's to its stack or data makes private.
 */
#define BSS_BYTES (4 << 20)
char bss[BSS_BYTES]; /* not static: never written, it would go to .rodata */

/* Is big[] right, word by word?  Reads every page of it. */
static int
big_right(void)
{
	int i;

	for (i = 0; i < BIG_WORDS; i++)
		if (big[i] != WORD(i))
			return 0;
	return 1;
}

/* ---- modes, run by exec: their exit status says what they saw ---- */

/*
 * First thing in main: the writable segment's bytes against the file's,
 * then zeros to its end.  Only stack buffers and system calls before the
 * checks, so nothing has written the segment yet.
 */
static int
data_check(const char *path)
{
	struct elf_header eh;
	struct prog_header ph;
	char buf[512];
	uint64 at, end;
	int fd, i, n;

	if ((fd = open(path, O_RDONLY)) < 0 ||
	    read(fd, &eh, sizeof(eh)) != sizeof(eh))
		return 10;
	/* The program headers follow the ELF header in our programs. */
	for (i = 0; i < eh.phnum; i++) {
		if (read(fd, &ph, sizeof(ph)) != sizeof(ph))
			return 11;
		if (ph.type == PT_LOAD && (ph.flags & PF_W))
			break;
	}
	if (i == eh.phnum || eh.phoff != sizeof(eh))
		return 12;
	close(fd);
	if ((fd = open(path, O_RDONLY)) < 0)
		return 13;
	for (at = 0; at < ph.off; at += n) /* no lseek: read up to it */
		if ((n = read(fd, buf,
			 ph.off - at < sizeof(buf) ? ph.off - at : sizeof(buf))) <=
		    0)
			return 14;
	for (at = 0; at < ph.filesz; at += n) {
		n = ph.filesz - at < sizeof(buf) ? ph.filesz - at : sizeof(buf);
		if (read(fd, buf, n) != n)
			return 15;
		if (memcmp(buf, (char *)(ph.vaddr + at), n) != 0)
			return 16; /* data not initialised from the file */
	}
	close(fd);
	end = PGROUNDUP(ph.vaddr + ph.memsz);
	for (at = ph.vaddr + ph.filesz; at < end; at++)
		if (*(volatile char *)at != 0)
			return at < PGROUNDUP(ph.vaddr + ph.filesz) ? 17 : 18;
	return ph.filesz % PGSIZE != 0 ? ST_GOOD : 19; /* a straddling page */
}

/* The first region of this kind of pid: its size in pages and how many are present. */
static int
region_pages(int pid, uint32 kind, uint64 *pages, uint64 *present)
{
	static struct pmap m;
	uint32 i;

	if (pmap(pid, 0, &m) != pid)
		return -1;
	for (i = 0; i < m.nregions; i++) {
		if (m.region[i].kind == kind) {
			*pages = (m.region[i].end - m.region[i].start) / PGSIZE;
			*present = m.region[i].present;
			return 0;
		}
	}
	return -1;
}

static int
fork_sum(void)
{
	uint64 pages, before, after, data_before, data_after;
	volatile char *b = bss;
	int pid, st;

	/* One bss page of the table past 2 MiB: the table exists, fork shares it. */
	if (b[(2 << 20) + PGSIZE] != 0)
		return 26;
	/* Once for nothing: the code this path runs is all mapped after it. */
	if ((pid = fork()) == 0)
		exit(ST_GOOD);
	if (pid < 0 || wait_pid(pid, &st) != pid ||
	    region_pages(getpid(), PMAP_TEXT, &pages, &before) < 0 ||
	    region_pages(getpid(), PMAP_DATA, &pages, &data_before) < 0)
		return 20;
	if ((pid = fork()) < 0)
		return 21;
	if (pid == 0) {
		data_word = 1;
		/* Another page of that table, then all of big[]. */
		exit(b[(3 << 20)] == 0 && big_right() ? ST_GOOD : ST_BAD);
	}
	if (wait_pid(pid, &st) != pid || st != ST_GOOD)
		return 22;
	if (region_pages(getpid(), PMAP_TEXT, &pages, &after) < 0 ||
	    region_pages(getpid(), PMAP_DATA, &pages, &data_after) < 0 ||
	    after != before || data_after != data_before)
		return 23; /* the child's fills reached the parent */
	if (data_word != 0x1234567890abcdefUL)
		return 24;
	return big_right() ? ST_GOOD : 25;
}

/* Unlinked, and its freed space (if it were freed) taken by another file. */
static int
unlinked(const char *path)
{
	char buf[512];
	int fd, i;

	if (unlink(path) < 0 || open(path, O_RDONLY) >= 0)
		return 30;
	memset(buf, 0xa5, sizeof(buf));
	if ((fd = open(FILLER, O_CREATE | O_WRONLY | O_TRUNC)) < 0)
		return 31;
	for (i = 0; i < BIG_WORDS * 4 / (int)sizeof(buf) + 16; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			break;
	close(fd);
	i = big_right();
	unlink(FILLER);
	return i ? ST_GOOD : 32;
}

static int
run_mode(int argc, char **argv)
{
	char c;

	if (strcmp(argv[1], "data") == 0)
		return data_check(argv[0]);
	if (strcmp(argv[1], "sum") == 0)
		return big_right() ? ST_GOOD : ST_BAD;
	if (strcmp(argv[1], "forksum") == 0)
		return fork_sum();
	if (strcmp(argv[1], "unlinked") == 0)
		return unlinked(argv[0]);
	if (strcmp(argv[1], "storetext") == 0) {
		*(volatile uint32 *)opaque((uint64)&big[BIG_WORDS / 2]) = 1;
		return ST_BAD;
	}
	if (strcmp(argv[1], "idle") == 0 && argc == 4) {
		/* Say "running" on fd argv[3], then wait for EOF on argv[2]. */
		write(atoi(argv[3]), "r", 1);
		while (read(atoi(argv[2]), &c, 1) > 0)
			;
		return ST_GOOD;
	}
	return 2;
}

/* ---- the driver ---- */

/* Exec path with mode (and two more arguments, or 0) in a child: its status. */
static int
run(const char *path, const char *mode, const char *a2, const char *a3)
{
	char *argv[] = { (char *)path, (char *)mode, (char *)a2, (char *)a3, 0 };
	int pid, st;

	if ((pid = fork()) < 0)
		return ST_NOFORK;
	if (pid == 0) {
		exec(path, argv);
		exit(ST_RETURNED);
	}
	return wait_pid(pid, &st) == pid ? st : ST_NOFORK;
}

static void
expect_good(const char *name, const char *path, const char *mode)
{
	int st = run(path, mode, 0, 0);

	check(st == ST_GOOD, name, "%s %s: status %d (%s)", path, mode, st,
	    status_word(st));
}

/*
 * A child running path in mode idle, which has said it runs: its pid, and
 * in *stop the pipe end whose closing makes it exit.  -1 if it did not
 * start (then nothing is left to stop).
 */
static int
start_idle(const char *path, int *stop)
{
	char fdr[8], fdw[8], c;
	int up[2], down[2], pid;

	if (pipe_pair(up, down) < 0)
		return -1;
	snprintf(fdr, sizeof(fdr), "%d", down[0]);
	snprintf(fdw, sizeof(fdw), "%d", up[1]);
	if ((pid = fork()) == 0) {
		char *argv[] = { (char *)path, "idle", fdr, fdw, 0 };

		close(down[1]);
		close(up[0]);
		exec(path, argv);
		exit(ST_RETURNED);
	}
	close(down[0]);
	close(up[1]);
	if (pid > 0 && read(up[0], &c, 1) != 1) {
		close(down[1]); /* it exits, if it had not */
		wait_pid(pid, 0);
		pid = -1;
	} else if (pid < 0) {
		close(down[1]);
	}
	close(up[0]);
	*stop = down[1];
	return pid;
}

/* Stop a child start_idle made; its status. */
static int
stop_idle(int pid, int stop)
{
	int st = ST_NOFORK;

	close(stop);
	wait_pid(pid, &st);
	return st;
}

static void
test_untouched(void)
{
	uint64 pages = 0, present = 0;
	int pid, stop, got = -1;

	if ((pid = start_idle(SELF, &stop)) > 0) {
		got = region_pages(pid, PMAP_TEXT, &pages, &present);
		stop_idle(pid, stop);
	}
	check(got == 0 && pages >= BIG_WORDS * 4 / PGSIZE && present < pages / 4,
	    "untouched-not-mapped",
	    "text region of %lu pages, %lu present after exec (pmap %d)", pages,
	    present, got);
}

static int
copy_file(const char *from, const char *to, char *buf, int max, int *len)
{
	int fd, n = slurp(from, buf, max);

	if (n <= 0 || n == max ||
	    (fd = open(to, O_CREATE | O_WRONLY | O_TRUNC)) < 0)
		return -1;
	*len = n;
	n = write(fd, buf, n) == n ? 0 : -1;
	close(fd);
	return n;
}

static void
test_unlink_running(void)
{
	int max = 2 * BIG_WORDS * 4, len, st;
	char *buf = sbrk(max);

	if (buf == (char *)-1 || copy_file(SELF, COPY, buf, max, &len) < 0) {
		fail("unlink-running", "cannot copy %s", SELF);
		return;
	}
	st = run(COPY, "unlinked", 0, 0);
	check(st == ST_GOOD && open(COPY, O_RDONLY) < 0, "unlink-running",
	    "status %d (%s)", st, status_word(st));
	unlink(COPY);
	sbrk(-max);
}

/* The size of path, or -1. */
static int
size_of(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY), r = -1;

	if (fd >= 0 && fstat(fd, &st) == 0)
		r = (int)st.size;
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * Text busy: while a copy of this program runs, no open may write or
 * truncate its file (which keeps its size), this program's own file
 * neither; reading it and unlinking stay allowed (not tried here:
 * unlink-running).  Once the copy has exited, its file opens for writing;
 * and while it is open so, exec of it fails, then works after the close.
 */
static void
test_text_busy(void)
{
	static const int modes[] = { O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC,
		O_CREATE | O_WRONLY | O_TRUNC };
	int max = 2 * BIG_WORDS * 4, len, pid, stop, i, fd, refused = 0;
	char *buf = sbrk(max);
	int readable, st, while_open, after;

	if (buf == (char *)-1 || copy_file(SELF, COPY, buf, max, &len) < 0 ||
	    (pid = start_idle(COPY, &stop)) < 0) {
		fail("text-busy", "cannot copy and run %s", SELF);
		return;
	}
	for (i = 0; i < (int)(sizeof(modes) / sizeof(modes[0])); i++) {
		if ((fd = open(COPY, modes[i])) >= 0)
			close(fd);
		refused += fd < 0;
	}
	if ((fd = open(SELF, O_WRONLY)) >= 0)
		close(fd);
	refused += fd < 0;
	readable = (fd = open(COPY, O_RDONLY)) >= 0;
	if (readable)
		close(fd);
	check(refused == 5 && readable && size_of(COPY) == len, "text-busy",
	    "%d of 5 opens refused, readable %d, size %d of %d", refused,
	    readable, size_of(COPY), len);
	st = stop_idle(pid, stop);
	fd = open(COPY, O_WRONLY);
	while_open = run(COPY, "sum", 0, 0);
	if (fd >= 0)
		close(fd);
	after = run(COPY, "sum", 0, 0);
	check(st == ST_GOOD && fd >= 0 && while_open == ST_RETURNED &&
		after == ST_GOOD,
	    "text-busy-ends",
	    "idle %d, open for writing %d, exec while open %d "
	    "(%s), after close %d (%s)",
	    st, fd, while_open, status_word(while_open), after,
	    status_word(after));
	unlink(COPY);
	sbrk(-max);
}

/*
 * More failed execs than there are in-memory inodes, each of its own
 * (unlinked) file: had a failed exec kept its reference to the program
 * (the first segment's region takes one), the inode table would be full
 * and the last create would fail.  hdr: the bad headers, n bytes.
 */
static void
test_exec_fail_inodes(const char *hdr, int n)
{
	char name[16], *argv[] = { name, 0 }, h[256];
	struct prog_header *ph =
	    (struct prog_header *)(h + sizeof(struct elf_header));
	int k, fd, r = -1, rest = 2 * PGSIZE - n;

	/* The first segment: one page, the file's second; the second as it was. */
	memmove(h, hdr, n);
	ph[0].off = PGSIZE;
	ph[0].filesz = PGSIZE;
	for (k = 0; k < NINODE + 10; k++) {
		snprintf(name, sizeof(name), "ti_b%d", k);
		if ((fd = open(name, O_CREATE | O_WRONLY | O_TRUNC)) < 0)
			break;
		/* Closed first: a file open for writing is never exec'd. */
		r = write(fd, h, n) == n && write(fd, big, rest) == rest ? -1
									 : -2;
		close(fd);
		if (r == -1)
			r = exec(name, argv);
		unlink(name);
		if (r != -1)
			break;
	}
	check(k == NINODE + 10, "exec-fail-no-inode-leak",
	    "file %d: create, write or exec gave %d (a reference kept?)", k, r);
}

/* The second loadable segment pushed past the end of the file. */
static void
test_exec_fail(void)
{
	int max = 2 * BIG_WORDS * 4, len, fd, r;
	char *buf = sbrk(max), *argv[] = { BAD_ELF, 0 };
	struct elf_header *eh = (struct elf_header *)buf;
	struct prog_header *ph;
	uint64 before;

	if (buf == (char *)-1 || copy_file(SELF, BAD_ELF, buf, max, &len) < 0) {
		fail("exec-fail-no-leak", "cannot copy %s", SELF);
		return;
	}
	ph = (struct prog_header *)(buf + eh->phoff);
	if (eh->phnum < 2 || ph[0].type != PT_LOAD || ph[1].type != PT_LOAD) {
		fail("exec-fail-no-leak", "unexpected program headers");
		return;
	}
	ph[1].filesz = len; /* off + filesz is beyond the end */
	if ((fd = open(BAD_ELF, O_WRONLY)) < 0 ||
	    write(fd, buf, sizeof(*eh) + 2 * sizeof(*ph)) < 0) {
		fail("exec-fail-no-leak", "cannot write %s", BAD_ELF);
		return;
	}
	close(fd);
	before = frames_free();
	r = exec(BAD_ELF, argv);
	check(r == -1 && frames_free() == before, "exec-fail-no-leak",
	    "exec returned %d, frames free %lu before, %lu after", r, before,
	    frames_free());
	/* The failed exec mapped the first segment: its runner went too. */
	fd = open(BAD_ELF, O_WRONLY);
	check(fd >= 0, "exec-fail-not-busy",
	    "a file whose exec failed stays unwritable (text busy)");
	if (fd >= 0)
		close(fd);
	unlink(BAD_ELF);
	test_exec_fail_inodes(buf, sizeof(*eh) + 2 * sizeof(*ph));
	sbrk(-max);
}

int
main(int argc, char **argv)
{
	struct vmstat st;
	int bad;

	if (argc > 1)
		exit(run_mode(argc, argv));
	test_untouched();
	expect_good("touch-fills", SELF, "sum");
	expect_good("data-and-bss", SELF, "data");
	expect_good("fork-untouched", SELF, "forksum");
	bad = run(SELF, "storetext", 0, 0);
	check(bad == -1, "text-store-killed", "status %d (%s)", bad,
	    status_word(bad));
	test_unlink_running();
	test_text_busy();
	test_exec_fail();
	bad = vmstat(VMSTAT_CHECK_VERBOSE, &st);
	check(bad == 0, "audit", "%d frames' refcounts disagree", bad);
	finish();
}
