/*
 * fuzz SEED COUNT [WORKERS]: random system calls with hostile arguments.
 *
 * WORKERS processes (default 4, so every hart has one) each make their
 * share of COUNT calls, choosing among every system call of
 * kernel/syscall.h (and some numbers that are none) with arguments drawn
 * to hurt: null, unaligned, kernel, guard-page, text, MAXVA-1 and
 * just-past-the-heap pointers; strings that run off the end of the heap
 * unterminated; paths of MAXPATH-1, MAXPATH and MAXPATH+1 bytes; huge,
 * negative and borderline sizes; closed and out-of-range descriptors.
 * forks (children make a few calls of their own and may exit or be
 * killed), kills and waits are mixed in.
 *
 * Each worker's calls follow from its sub-seed, printed with the seed, so
 * a run can be replayed (the interleaving of the workers on the harts
 * cannot).  Rules that keep the fuzzer from hurting what is not its own:
 * it kills only its own descendants, itself in a child, or pids that do
 * not exist; it works in /fz/wN and never names a path outside /fz; its
 * descriptors 0-2 are a scratch file, never the console (a read there
 * would wait for a keyboard); it never holds both ends of a pipe (a read
 * or write could then wait forever); mknod never makes a console device;
 * exec only ever names things that are not programs; setfg only ever
 * names processes outside its own family, which the kernel must refuse
 * (one it accepted would take Ctrl-C's foreground from the shell).
 *
 * Every call must return; none may panic the kernel.  A worker that dies
 * other than by its own exit, a call that breaks a promise the ABI makes
 * (e.g. a failed sbrk that moved the break), or a refcount audit that
 * finds a mismatch while the others run, is a FAIL.  At the end
 * everything under /fz is removed and the result line is "ok fuzz".
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/syscall.h"
#include "kernel/vmstat.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"
#include "tests/guest/testlib.h"
#include "gen/syscall-list.h" /* made from kernel/syscall.h */

#define MAXWORKERS    8
#define MAXKIDS       6 /* live children per process */
#define KID_CALLS     8 /* calls a forked child makes before it exits */
#define MAXDEPTH      2
#define NPATHS        20
#define BUFSZ         8192
/* A worker's exit status when something is wrong (its stdout is a file). */
#define ST_SETFG      95 /* setfg accepted a process outside the family */
#define ST_AUDIT      96 /* the refcount audit found a mismatch */
#define ST_SETUP      97 /* could not set itself up */
#define ST_SBRK_MOVED 98 /* a failed sbrk moved the break */
#define ST_SBRK_BELOW 99 /* sbrk shrank the heap below its start */

static uint64 rng;
static int depth; /* 0 in a worker, 1.. in its descendants */
static int kids[MAXKIDS];
static int nkids;
static int worker_id;
/*
 * Memory the calls may write, all at the bottom of the heap: buf, a valid
 * buffer for calls that want one, then the pages sbrk grows and shrinks.
 * A call that writes far past a pointer (read with a huge size) runs up to
 * the break and stops there, and the lowest pointer any_ptr makes that is
 * not meant to fail is buf: so no call can reach the fuzzer's own
 * variables and stack, which lie below the heap.
 */
static char *buf;
static uint64 heap_floor; /* the kernel's start of the heap: buf is here */
static uint64 heap_base;  /* just above buf: sbrk here never shrinks below */
static char paths[NPATHS][MAXPATH + 8];
static uint64 calls_made;

static uint64
next(void)
{
	return xorshift(&rng);
}

static uint64
pick(uint64 n)
{
	return next() % n;
}

static long
raw_syscall(long num, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long x10 asm("a0") = a0;
	register long x11 asm("a1") = a1;
	register long x12 asm("a2") = a2;
	register long x13 asm("a3") = a3;
	register long x14 asm("a4") = a4;
	register long x15 asm("a5") = a5;
	register long x17 asm("a7") = num;

	asm volatile("ecall"
		     : "+r"(x10)
		     : "r"(x11), "r"(x12), "r"(x13), "r"(x14), "r"(x15), "r"(x17)
		     : "memory");
	return x10;
}

static uint64
brk_now(void)
{
	return (uint64)sbrk(0);
}

/* A pointer for a call to read from or write to: often a bad one. */
static uint64
any_ptr(void)
{
	uint64 brk = brk_now();

	switch (pick(16)) {
	case 0:
		return 0;
	case 1:
		return (uint64)buf + 1; /* unaligned */
	case 2:
		return brk - 1 - pick(16); /* the heap's last bytes */
	case 3:
		return brk; /* just past the heap */
	case 4:
		return brk - PGSIZE / 2; /* straddles the end */
	case 5:
		return brk + PGSIZE * (1 + pick(4));
	case 6:
		return KERNBASE + pick(PHYSTOP - KERNBASE);
	case 7:
		return MAXVA - 1 - pick(8);
	case 8:
		return MAXVA + pick(PGSIZE);
	case 9:
		return pick(2) ? TRAPFRAME : TRAMPOLINE;
	case 10:
		return (uint64)-1 - pick(8);
	case 11:
		return (uint64)&next; /* program text: read-only */
	case 12:
		return PGROUNDDOWN(r_sp()) - 1 - pick(64); /* the guard page */
	default:
		return (uint64)buf + pick(64);
	}
}

/* A size: borderline, huge or negative as often as ordinary. */
static long
any_size(void)
{
	switch (pick(10)) {
	case 0:
		return 0;
	case 1:
		return -1;
	case 2:
		return 0x7fffffff;
	case 3:
		return -0x7fffffffL - 1;
	case 4:
		return PGSIZE + pick(3) - 1;
	case 5:
		return (long)(MAXFILE * BSIZE) + pick(3) - 1;
	case 6:
		return (long)pick(1L << 40);
	default:
		return pick(BUFSZ / 2);
	}
}

static long
any_fd(void)
{
	switch (pick(8)) {
	case 0:
		return -1;
	case 1:
		return NOFILE + pick(3);
	case 2:
		return 0x7fffffff;
	case 3:
		return pick(2) ? -0x7fffffffL - 1 : 1000;
	default:
		return pick(NOFILE);
	}
}

/* A path argument: one of ours, or a string that is not one. */
static uint64
any_path(void)
{
	uint64 brk = brk_now();

	switch (pick(10)) {
	case 0:
		/* Unterminated: runs off the end of the heap. */
		if (brk >= heap_base + 64) {
			memset((char *)(brk - 64), 'q', 64);
			return brk - 1 - pick(64);
		}
		return brk;
	case 1:
		return any_ptr();
	default:
		return (uint64)paths[pick(NPATHS)];
	}
}

/* An argv for exec: good strings, bad pointers, too many, unterminated. */
static uint64
any_argv(void)
{
	uint64 *v = (uint64 *)buf;
	int i, n;

	switch (pick(4)) {
	case 0:
		return any_ptr();
	case 1:
		n = MAXARG + pick(3);
		break;
	default:
		n = pick(4);
		break;
	}
	for (i = 0; i < n && i < BUFSZ / 8 - 1; i++)
		v[i] = pick(4) ? (uint64)paths[pick(NPATHS)] : any_ptr();
	v[i] = pick(8) ? 0 : any_ptr(); /* sometimes no terminator */
	return (uint64)v;
}

static void
make_paths(void)
{
	static const char *tails[] = {
		"a",
		"b",
		"d",
		"d/c",
		"d/e/f",
		"a/x",
		"dd",
		"x234567890123456789",
		".",
		"",
		"d/..",
		"nod",
	};
	char dir[16] = "/fz/w0";
	int i, j, n;

	dir[5] = '0' + worker_id;
	for (i = 0; i < 12; i++) {
		strcpy(paths[i], dir);
		n = strlen(paths[i]);
		paths[i][n] = '/';
		strcpy(paths[i] + n + 1, tails[i]);
	}
	strcpy(paths[12], "a"); /* relative to the cwd */
	strcpy(paths[13], "d/c");
	strcpy(paths[14], dir);
	strcpy(paths[15], "//fz//w0//a");
	paths[15][8] = '0' + worker_id;
	/* MAXPATH-1, MAXPATH and MAXPATH+1 characters, inside our directory. */
	for (i = 16; i < 19; i++) {
		strcpy(paths[i], dir);
		n = strlen(paths[i]);
		for (j = n; j < MAXPATH - 1 + (i - 16); j++)
			paths[i][j] = j % 3 == 0 ? '/' : 'p';
		paths[i][j] = 0;
	}
	strcpy(paths[19], "d");
}

static void
forget_kid(int pid)
{
	int i;

	for (i = 0; i < nkids; i++) {
		if (kids[i] == pid) {
			kids[i] = kids[--nkids];
			return;
		}
	}
}

static void fuzz_calls(uint64 n);

static void
do_fork(void)
{
	int pid;

	if (depth >= MAXDEPTH || nkids >= MAXKIDS) {
		/* Reap instead, so the table does not fill with our zombies. */
		if (nkids > 0) {
			pid = wait(0);
			if (pid > 0)
				forget_kid(pid);
		}
		return;
	}
	pid = fork();
	if (pid == 0) {
		depth++;
		nkids = 0;
		rng ^= 0x9e3779b97f4a7c15ULL * (uint64)getpid();
		fuzz_calls(KID_CALLS);
		while (wait(0) > 0)
			;
		exit(0);
	}
	if (pid > 0)
		kids[nkids++] = pid;
}

static long
kill_target(void)
{
	switch (pick(6)) {
	case 0:
		return -1;
	case 1:
		return 0x7fffffff;
	case 2:
		return -0x7fffffffL - 1;
	case 3:
		return 100000 + pick(1000);
	default:
		if (nkids > 0)
			return kids[pick(nkids)];
		return depth > 0 ? getpid() : 100000;
	}
}

static void
do_pipe(void)
{
	int fds[2];
	uint64 p = pick(4) ? (uint64)buf : any_ptr();

	if (raw_syscall(SYS_pipe, p, 0, 0, 0, 0, 0) != 0)
		return;
	/* It worked, so p was writable: wherever it is, the fds are there. */
	memmove(fds, (void *)p, sizeof(fds));
	write(fds[1], "fuzz", 4);
	close(fds[pick(2)]); /* never keep both ends */
}

static void
do_sbrk(void)
{
	uint64 before = brk_now();
	long n, r;

	switch (pick(6)) {
	case 0:
		n = pick(16 * PGSIZE) + 1; /* grow */
		break;
	case 1:
		n = (long)heap_base - (long)before; /* back to the start */
		break;
	case 2:
		n = (long)heap_floor - (long)before - 1 -
		    pick(3 * PGSIZE); /* below the heap: must fail */
		break;
	case 3:
		n = pick(2) ? 0x7fffffff : -0x7fffffffL - 1;
		break;
	case 4:
		n = pick(2) ? (1L << 31) : (long)MAXVA;
		break;
	default:
		n = -(long)pick(before - heap_base + 1);
		break;
	}
	r = raw_syscall(SYS_sbrk, n, 0, 0, 0, 0, 0);
	if (r == -1 && brk_now() != before)
		exit(ST_SBRK_MOVED);
	if (brk_now() < heap_base)
		exit(ST_SBRK_BELOW);
}

/*
 * The refcount audit, while the other workers fork, fault and exit: it
 * must find nothing (mode 2 prints each mismatch).  It walks every page
 * table, so not too often.  A worker's descendants make the call but
 * cannot report (their exit statuses are random).
 */
static void
do_vmstat(void)
{
	static const long modes[] = { -1, 0, 1, 3, 1000, 2 };
	long mode, r;
	int good_buf;

	if (pick(4) != 0)
		return;
	good_buf = pick(2);
	mode = good_buf && pick(2) ? VMSTAT_CHECK : modes[pick(pick(50) ? 5 : 6)];
	r = raw_syscall(SYS_vmstat, mode,
	    good_buf ? (long)buf : (long)any_ptr(), 0, 0, 0, 0);
	if (depth == 0 && good_buf &&
	    (mode == VMSTAT_CHECK || mode == VMSTAT_CHECK_VERBOSE) && r != 0)
		exit(ST_AUDIT);
}

/*
 * mmap with arguments mostly wrong and sometimes right (anonymous memory,
 * the scratch files on descriptors 0-2), and munmap of some of what it
 * made.  A mapping made is touched where its protection allows, so forks
 * share it, other calls' pointers may land in it, and exit writes back
 * and unmaps what is left, all while the other workers run the audit.
 */
static void
do_mmap(void)
{
	long len = pick(2) ? (long)(PGSIZE * (1 + pick(4))) : any_size();
	long prot =
	    pick(8) ? PROT_READ | (pick(2) ? PROT_WRITE : 0) : (long)next();
	long flags = pick(8) ? (pick(2) ? MAP_SHARED : MAP_PRIVATE) |
		(pick(2) ? MAP_ANONYMOUS : 0)
			     : (long)next();
	long fd = (flags & MAP_ANONYMOUS) && pick(4) ? -1 : any_fd();
	long off = pick(4) ? 0 : (long)pick(3) * PGSIZE + (pick(2) ? 0 : 1);
	long addr = pick(4) ? 0 : (long)any_ptr();
	volatile char *p = (volatile char *)raw_syscall(
	    SYS_mmap, addr, len, prot, flags, fd, off);

	if (p == (volatile char *)-1)
		return;
	if (prot & PROT_WRITE)
		p[pick(PGSIZE)] = (char)next();
	else if (prot & PROT_READ)
		(void)p[pick(PGSIZE)];
	if (pick(2))
		raw_syscall(SYS_munmap, (long)p + PGSIZE * pick(2),
		    pick(2) ? len : PGSIZE, 0, 0, 0, 0);
}

/*
 * setfg of init, of no process, or of a negative pid: all outside the
 * caller's family, so each must fail and leave the foreground alone.
 */
static void
do_setfg(void)
{
	long pid = 1;

	switch (pick(3)) {
	case 0:
		pid = 100000 + pick(1000);
		break;
	case 1:
		pid = -1 - (long)pick(1L << 31);
		break;
	}
	if (raw_syscall(SYS_setfg, pid, 0, 0, 0, 0, 0) != -1)
		exit(ST_SETFG);
}

static void
one_call(void)
{
	static const int calls[] = { SYSCALL_LIST };
	long num = calls[pick(SYSCALL_COUNT)];
	int pid;

	if (pick(2000) == 0) /* no such call */
		num = pick(2) ? 0 : SYSCALL_MAX + 1 + pick(1000);
	/*
	 * A call that changes the file system commits a transaction of some
	 * ten disk writes: most of the time, make a cheap call instead, or
	 * the disk sets the pace of the whole run.
	 */
	if ((num == SYS_mkdir || num == SYS_mknod || num == SYS_link ||
		num == SYS_unlink || num == SYS_open) &&
	    pick(4) != 0)
		num = pick(2) ? SYS_fstat : SYS_dup;
	calls_made++;
	switch (num) {
	case SYS_fork:
		do_fork();
		return;
	case SYS_exit:
		if (depth > 0)
			exit((int)pick(256) - 128);
		return;
	case SYS_wait:
		if (nkids == 0 && pick(2))
			return;
		pid = raw_syscall(SYS_wait,
		    pick(3) ? (long)buf : (long)any_ptr(), 0, 0, 0, 0, 0);
		if (pid > 0)
			forget_kid(pid);
		return;
	case SYS_pipe:
		do_pipe();
		return;
	case SYS_kill:
		raw_syscall(SYS_kill, kill_target(), 0, 0, 0, 0, 0);
		return;
	case SYS_exec:
		/* Never a real program: only our paths and garbage. */
		raw_syscall(SYS_exec, any_path(), any_argv(), 0, 0, 0, 0);
		return;
	case SYS_sbrk:
		do_sbrk();
		return;
	case SYS_sleep:
		/* Short or negative: a long sleep would stall the run. */
		raw_syscall(SYS_sleep,
		    pick(2) ? (long)(pick(64) == 0) : -(long)pick(1L << 31), 0,
		    0, 0, 0, 0);
		return;
	case SYS_mknod:
		raw_syscall(SYS_mknod, any_path(),
		    pick(2) ? (long)(2 + pick(NDEV))
			    : (long)pick(1L << 17) - 65536,
		    any_size(), 0, 0, 0);
		return;
	case SYS_open:
		raw_syscall(SYS_open, any_path(),
		    pick(2) ? (long)(pick(3) | (pick(2) ? O_CREATE : 0) |
				  (pick(4) ? 0 : O_TRUNC))
			    : (long)next(),
		    0, 0, 0, 0);
		return;
	case SYS_vmstat:
		do_vmstat();
		return;
	case SYS_pmap:
		/* Anyone's pid may be asked about: pmap only reads. */
		raw_syscall(SYS_pmap,
		    pick(3) ? kill_target() : (long)pick(2 * NPROC),
		    pick(2) ? (long)pick(4) : (long)next(),
		    pick(2) ? (long)buf : (long)any_ptr(), 0, 0, 0);
		return;
	case SYS_setfg:
		do_setfg();
		return;
	case SYS_mmap:
		do_mmap();
		return;
	case SYS_munmap:
		raw_syscall(num, pick(2) ? (long)any_ptr() : (long)next(),
		    any_size(), 0, 0, 0, 0);
		return;
	case SYS_read:
	case SYS_write:
		raw_syscall(num, any_fd(), any_ptr(), any_size(), 0, 0, 0);
		return;
	case SYS_fstat:
		raw_syscall(num, any_fd(), any_ptr(), 0, 0, 0, 0);
		return;
	case SYS_dup:
	case SYS_close:
		raw_syscall(num, any_fd(), 0, 0, 0, 0, 0);
		return;
	case SYS_chdir:
	case SYS_unlink:
	case SYS_mkdir:
		raw_syscall(num, any_path(), 0, 0, 0, 0, 0);
		return;
	case SYS_link:
		raw_syscall(num, any_path(), any_path(), 0, 0, 0, 0);
		return;
	default: /* getpid, uptime and the numbers that are no call */
		raw_syscall(num, next(), next(), next(), 0, 0, 0);
		return;
	}
}

static void
fuzz_calls(uint64 n)
{
	uint64 i;

	for (i = 0; i < n; i++)
		one_call();
}

/* Descriptors 0-2 become a scratch file: reading them must not wait. */
static void
scratch_stdio(void)
{
	char name[16] = "/fz/w0.io";
	int fd;

	name[5] = '0' + worker_id;
	close(0);
	close(1);
	close(2);
	fd = open(name, O_CREATE | O_RDWR);
	if (fd != 0)
		exit(ST_SETUP);
	dup(0);
	dup(0);
}

static void
worker(uint64 seed, uint64 count)
{
	char dir[8] = "/fz/w0";

	rng = seed ? seed : 1;
	dir[5] = '0' + worker_id;
	mkdir(dir);
	make_paths();
	if (chdir(dir) < 0)
		exit(ST_SETUP);
	heap_floor = brk_now();
	buf = sbrk(BUFSZ);
	heap_base = brk_now();
	sbrk(PGSIZE); /* a heap page to run strings off */
	scratch_stdio();
	fuzz_calls(count);
	while (wait(0) > 0)
		;
	exit(0);
}

/* ---- cleanup: remove /fz and everything in it ---- */

static void
remove_tree(char *path)
{
	struct dirent de;
	struct stat st;
	int fd, len = strlen(path);

	if (stat(path, &st) == 0 && st.type == T_DIR &&
	    (fd = open(path, O_RDONLY)) >= 0) {
		while (read(fd, &de, sizeof(de)) == sizeof(de)) {
			if (de.inum == 0 || strcmp(de.name, ".") == 0 ||
			    strcmp(de.name, "..") == 0 ||
			    len + 2 + DIRSIZ >= MAXPATH + 8)
				continue;
			path[len] = '/';
			memmove(path + len + 1, de.name, DIRSIZ);
			path[len + 1 + DIRSIZ] = 0;
			remove_tree(path);
			path[len] = 0;
		}
		close(fd);
	}
	unlink(path);
}

static const char *
why(int status)
{
	switch (status) {
	case -1:
		return "killed (by the kernel: a fault, or a kill it did not send)";
	case ST_AUDIT:
		return "the refcount audit (vmstat -c) found a mismatch";
	case ST_SETFG:
		return "setfg accepted a process outside the caller's family";
	case ST_SETUP:
		return "could not set up its directory and descriptors";
	case ST_SBRK_MOVED:
		return "a failed sbrk moved the break";
	case ST_SBRK_BELOW:
		return "sbrk shrank the heap below where it started";
	}
	return "unexpected status";
}

static uint64
parse_u64(const char *s)
{
	uint64 v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

int
main(int argc, char *argv[])
{
	static char path[MAXPATH + 8];
	uint64 seed, count, sub;
	int nworkers = 4, i, pid, status, bad = 0;
	int pids[MAXWORKERS];

	if (argc < 3 || argc > 4) {
		fprintf(2, "usage: fuzz SEED COUNT [WORKERS]\n");
		exit(1);
	}
	seed = parse_u64(argv[1]);
	count = parse_u64(argv[2]);
	if (argc == 4)
		nworkers = atoi(argv[3]);
	if (nworkers < 1 || nworkers > MAXWORKERS) {
		fprintf(2, "fuzz: 1 to %d workers\n", MAXWORKERS);
		exit(1);
	}
	printf(
	    "# fuzz: seed %lu, %lu calls, %d workers\n", seed, count, nworkers);
	strcpy(path, "/fz");
	remove_tree(path);
	if (mkdir("/fz") < 0) {
		printf("FAIL fuzz: cannot make /fz\n");
		exit(1);
	}
	for (i = 0; i < nworkers; i++) {
		sub = (seed + 1) * 0x9e3779b97f4a7c15ULL +
		    (uint64)i * 0xbf58476d1ce4e5b9ULL;
		printf("# fuzz: worker %d sub-seed %lu\n", i, sub);
		worker_id = i;
		pid = fork();
		if (pid == 0)
			worker(sub, count / nworkers);
		pids[i] = pid;
		if (pid < 0) {
			printf("FAIL fuzz: fork of worker %d failed\n", i);
			bad++;
		}
	}
	while ((pid = wait(&status)) > 0) {
		for (i = 0; i < nworkers && pids[i] != pid; i++)
			;
		if (status != 0) {
			printf(
			    "FAIL fuzz: worker %d (pid %d) ended with status %d: %s\n",
			    i, pid, status, why(status));
			bad++;
		}
	}
	strcpy(path, "/fz");
	remove_tree(path);
	if (bad == 0)
		printf("ok fuzz\n");
	exit(bad != 0);
}
