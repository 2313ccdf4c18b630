/*
 * t_exec: exec's successes and failures.
 *
 * Checks:
 *  - exec of a missing file, of a text file (README), of a directory, of an
 *    empty file and of truncated copies of a real program returns -1, and
 *    the caller's memory (globals, heap, stack) and descriptors are intact;
 *  - hand-made ELF files: a minimal valid one runs (exits 7); broken ones
 *    return -1 with the caller intact: bad magic, memsz < filesz, a segment
 *    whose address wraps around, one at MAXVA, one over the trap frame, a
 *    1 GiB segment, a segment or program headers beyond the end of the
 *    file; a valid file whose entry point is unmapped runs and is killed;
 *  - argv reaches the new program: echo's output through a pipe (which
 *    also shows descriptors survive exec);
 *  - an argv array with exactly MAXARG entries before the NULL works (this
 *    program re-executes itself in "argchk" mode and checks argc, every
 *    string, argv[argc] == 0 and that argv is on the stack page);
 *    MAXARG + 1 entries return -1;
 *  - arguments too large for the one-page stack return -1;
 *  - a path longer than MAXPATH ("./././.../echo") returns -1.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define SELF       "/t_exec"
#define ELF_FILE   "te_elf"
#define ST_DAMAGED 50 /* exec failed but the caller's image changed */

static volatile uint64 sentinel = 0x1122334455667788UL;

/* ---- argchk mode: run by exec with a known argv ---- */

/* argv = SELF "argchk" N x3 x4 ... : N is the argc to expect. */
static int
argchk(int argc, char **argv)
{
	char want[16];
	int i;

	if (argc != atoi(argv[2]))
		return 2;
	for (i = 3; i < argc; i++) {
		snprintf(want, sizeof(want), "x%d", i);
		if (strcmp(argv[i], want) != 0)
			return 100 + i;
	}
	if (argv[argc] != 0)
		return 4;
	if (PGROUNDDOWN((uint64)argv) != PGROUNDDOWN(r_sp()) ||
	    ((uint64)argv & 7) != 0)
		return 5;
	return 0;
}

/* ---- helpers ---- */

/*
 * In a child: prepare recognizable state, exec, and when exec returns
 * check that the state survived.  Exit ST_GOOD if exec returned -1 with
 * everything intact.
 */
static void
exec_expect_fail(const char *path, char **argv)
{
	char *heap = sbrk(2 * PGSIZE);
	volatile char stackbuf[64];
	char c;
	int fd, r, i;

	fill_pattern(heap, 2 * PGSIZE, 0, 9);
	for (i = 0; i < 64; i++)
		stackbuf[i] = i;
	fd = open("README", O_RDONLY);
	r = exec(path, argv);
	if (r != -1)
		exit(ST_BAD);
	if (sentinel != 0x1122334455667788UL ||
	    find_mismatch(heap, 2 * PGSIZE, 0, 9) >= 0)
		exit(ST_DAMAGED);
	for (i = 0; i < 64; i++)
		if (stackbuf[i] != i)
			exit(ST_DAMAGED);
	if (fd < 0 || read(fd, &c, 1) != 1)
		exit(ST_DAMAGED);
	exit(ST_GOOD);
}

struct failcase {
	const char *path;
	char **argv;
};

static void
run_failcase(uint64 arg)
{
	struct failcase *fc = (struct failcase *)arg;

	exec_expect_fail(fc->path, fc->argv);
}

static char *echo_args[] = { "echo", "T_EXEC-SHOULD-NOT-RUN", 0 };

static void
expect_exec_fails(const char *name, const char *path, char **argv)
{
	struct failcase fc = { path, argv };
	int st = child_status(run_failcase, (uint64)&fc);

	if (st == ST_GOOD)
		ok(name);
	else if (st == ST_DAMAGED)
		fail(name,
		    "exec returned -1 but the caller's memory or "
		    "descriptors changed");
	else if (st == ST_BAD)
		fail(name, "exec returned a value other than -1");
	else if (st == -1)
		fail(name,
		    "exec succeeded and the program was killed, or the "
		    "caller was killed");
	else
		fail(name, "exec succeeded; the program exited %d", st);
}

static int
write_file(const char *path, const void *data, int n)
{
	int fd, r;

	unlink(path);
	fd = open(path, O_CREATE | O_WRONLY);
	if (fd < 0)
		return -1;
	r = write(fd, data, n);
	close(fd);
	return r == n ? 0 : -1;
}

/* ---- simple failures ---- */

static void
test_simple_failures(void)
{
	char head[1024];
	int fd, n, r;

	/* Missing file, in this very process: it must come back. */
	r = exec("t_exec_no_such_program", echo_args);
	check(r == -1 && sentinel == 0x1122334455667788UL, "missing_inproc",
	    "exec of a missing file returned %d", r);

	expect_exec_fails("missing", "t_exec_no_such_program", echo_args);
	expect_exec_fails("not_elf", "README", echo_args);
	expect_exec_fails("directory", "/", echo_args);
	mkdir("te_dir");
	expect_exec_fails("directory2", "te_dir", echo_args);
	unlink("te_dir");

	if (write_file("te_empty", "", 0) < 0) {
		fail("empty_file", "cannot create te_empty");
	} else {
		expect_exec_fails("empty_file", "te_empty", echo_args);
	}
	unlink("te_empty");

	/* Truncated copies of a real program. */
	fd = open("echo", O_RDONLY);
	n = fd >= 0 ? read(fd, head, sizeof(head)) : -1;
	if (fd >= 0)
		close(fd);
	if (n != sizeof(head)) {
		fail("truncated_header", "cannot read 1 KiB of echo (%d)", n);
		return;
	}
	if (write_file("te_trunc", head, 40) == 0)
		expect_exec_fails("truncated_header", "te_trunc", echo_args);
	else
		fail("truncated_header", "cannot write te_trunc");
	if (write_file("te_trunc", head, sizeof(head)) == 0)
		expect_exec_fails("truncated_segments", "te_trunc", echo_args);
	else
		fail("truncated_segments", "cannot write te_trunc");
	unlink("te_trunc");
}

/* ---- hand-made ELF files ---- */

struct elfhdr {
	uchar ident[16];
	ushort type;
	ushort machine;
	uint version;
	uint64 entry;
	uint64 phoff;
	uint64 shoff;
	uint flags;
	ushort ehsize;
	ushort phentsize;
	ushort phnum;
	ushort shentsize;
	ushort shnum;
	ushort shstrndx;
};

struct proghdr {
	uint type;
	uint flags;
	uint64 off;
	uint64 vaddr;
	uint64 paddr;
	uint64 filesz;
	uint64 memsz;
	uint64 align;
};

#define CODE_OFF 128

enum variant {
	V_GOOD,
	V_BADMAGIC,
	V_MEMSZ_SMALL,
	V_VADDR_WRAP,
	V_VADDR_MAXVA,
	V_VADDR_TRAPFRAME,
	V_HUGE,
	V_OFF_BEYOND,
	V_FILESZ_BEYOND,
	V_PHOFF_BEYOND,
	V_PHNUM_MANY,
	V_ENTRY_UNMAPPED
};

/*
 * A one-segment program: li a0,7; li a7,SYS_exit; ecall; j .
 * The segment holds the whole file (headers included) at address 0.
 */
static int
build_elf(uchar *buf, int size, enum variant v)
{
	struct elfhdr *eh = (struct elfhdr *)buf;
	struct proghdr *ph = (struct proghdr *)(buf + sizeof(*eh));
	uint code[4] = { 0x00700513, 0x00200893, 0x00000073, 0x0000006f };
	int len = CODE_OFF + sizeof(code);

	memset(buf, 0, size);
	eh->ident[0] = 0x7f;
	eh->ident[1] = 'E';
	eh->ident[2] = 'L';
	eh->ident[3] = 'F';
	eh->ident[4] = 2;  /* 64-bit */
	eh->ident[5] = 1;  /* little-endian */
	eh->ident[6] = 1;  /* version */
	eh->type = 2;      /* executable */
	eh->machine = 243; /* RISC-V */
	eh->version = 1;
	eh->entry = CODE_OFF;
	eh->phoff = sizeof(*eh);
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(*ph);
	eh->phnum = 1;
	ph->type = 1;  /* PT_LOAD */
	ph->flags = 5; /* R + X */
	ph->off = 0;
	ph->vaddr = 0;
	ph->filesz = len;
	ph->memsz = PGSIZE;
	ph->align = PGSIZE;
	memmove(buf + CODE_OFF, code, sizeof(code));

	switch (v) {
	case V_GOOD:
		break;
	case V_BADMAGIC:
		eh->ident[1] = 'X';
		break;
	case V_MEMSZ_SMALL:
		ph->memsz = ph->filesz - 16;
		break;
	case V_VADDR_WRAP:
		ph->vaddr = 0xfffffffffffff000UL;
		ph->memsz = 2 * PGSIZE;
		break;
	case V_VADDR_MAXVA:
		ph->vaddr = MAXVA;
		eh->entry = MAXVA + CODE_OFF;
		break;
	case V_VADDR_TRAPFRAME:
		ph->vaddr = TRAPFRAME;
		eh->entry = TRAPFRAME + CODE_OFF;
		break;
	case V_HUGE:
		ph->memsz = 1UL << 30;
		break;
	case V_OFF_BEYOND:
		ph->off = 100000;
		ph->filesz = 16;
		break;
	case V_FILESZ_BEYOND:
		ph->filesz = 5000;
		ph->memsz = 2 * PGSIZE;
		break;
	case V_PHOFF_BEYOND:
		eh->phoff = 100000;
		break;
	case V_PHNUM_MANY:
		eh->phnum = 200;
		break;
	case V_ENTRY_UNMAPPED:
		eh->entry = 0x100000;
		break;
	}
	return len;
}

static void
run_elf(uint64 unused)
{
	char *argv[] = { ELF_FILE, 0 };

	(void)unused;
	exec(ELF_FILE, argv);
	exit(ST_BAD);
}

static void
test_crafted_elf(void)
{
	static const struct {
		const char *name;
		enum variant v;
	} bad[] = {
		{ "elf_bad_magic", V_BADMAGIC },
		{ "elf_memsz_lt_filesz", V_MEMSZ_SMALL },
		{ "elf_vaddr_wraps", V_VADDR_WRAP },
		{ "elf_vaddr_maxva", V_VADDR_MAXVA },
		{ "elf_vaddr_trapframe", V_VADDR_TRAPFRAME },
		{ "elf_1gib_segment", V_HUGE },
		{ "elf_offset_beyond_file", V_OFF_BEYOND },
		{ "elf_filesz_beyond_file", V_FILESZ_BEYOND },
		{ "elf_phoff_beyond_file", V_PHOFF_BEYOND },
		{ "elf_phnum_beyond_file", V_PHNUM_MANY },
	};
	char *argv[] = { ELF_FILE, 0 };
	uchar buf[256];
	uint i;
	int len, st;

	len = build_elf(buf, sizeof(buf), V_GOOD);
	if (write_file(ELF_FILE, buf, len) < 0) {
		fail("elf_minimal", "cannot write %s", ELF_FILE);
		return;
	}
	st = child_status(run_elf, 0);
	check(st == 7, "elf_minimal", "the minimal ELF: %s (status %d, want 7)",
	    st == ST_BAD ? "exec returned" : status_word(st), st);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = build_elf(buf, sizeof(buf), bad[i].v);
		if (write_file(ELF_FILE, buf, len) < 0) {
			fail(bad[i].name, "cannot write %s", ELF_FILE);
			continue;
		}
		expect_exec_fails(bad[i].name, ELF_FILE, argv);
	}

	/* Loads fine; the first instruction fetch faults. */
	len = build_elf(buf, sizeof(buf), V_ENTRY_UNMAPPED);
	if (write_file(ELF_FILE, buf, len) == 0) {
		st = child_status(run_elf, 0);
		check(st == -1, "elf_entry_unmapped",
		    "%s (status %d, want killed -1)",
		    st == ST_BAD ? "exec returned" : status_word(st), st);
	}
	unlink(ELF_FILE);
}

/* ---- argument passing ---- */

static void
echo_into_pipe(uint64 wfd)
{
	char *argv[] = { "echo", "hello", "exec", "world", 0 };

	close(1);
	dup(wfd);
	exec("echo", argv);
	exit(ST_BAD);
}

static void
test_echo_args(void)
{
	char buf[64];
	int p[2], pid, n = 0, r, st = 99;

	if (pipe(p) < 0) {
		fail("echo_args", "pipe failed");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		echo_into_pipe(p[1]);
	}
	close(p[1]);
	while (n < (int)sizeof(buf) - 1 &&
	    (r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	close(p[0]);
	wait_pid(pid, &st);
	check(pid > 0 && st == 0 && strcmp(buf, "hello exec world\n") == 0,
	    "echo_args", "echo printed '%s' (%d bytes), status %d", buf, n, st);
}

/* argv with `count` entries before the NULL, for SELF in argchk mode. */
static char **
make_argv(int count)
{
	static char strs[MAXARG + 8][12];
	static char *argv[MAXARG + 8];
	int i;

	argv[0] = SELF;
	argv[1] = "argchk";
	snprintf(strs[2], sizeof(strs[2]), "%d", count);
	argv[2] = strs[2];
	for (i = 3; i < count; i++) {
		snprintf(strs[i], sizeof(strs[i]), "x%d", i);
		argv[i] = strs[i];
	}
	argv[count] = 0;
	return argv;
}

static void
run_self(uint64 count)
{
	exec(SELF, make_argv(count));
	exit(ST_BAD);
}

static void
test_maxarg(void)
{
	int st;

	st = child_status(run_self, 5);
	check(st == 0, "argv_small", "%s (status %d)",
	    st == ST_BAD ? "exec failed" : "argument check failed", st);

	st = child_status(run_self, MAXARG);
	check(st == 0, "argv_maxarg", "%d entries: %s (status %d)", MAXARG,
	    st == ST_BAD ? "exec failed" : "argument check failed", st);

	expect_exec_fails("argv_maxarg_plus1", SELF, make_argv(MAXARG + 1));
}

static void
test_big_args(void)
{
	char *argv[MAXARG];
	char *big;
	int i;

	/* 31 arguments of 1000 bytes cannot fit in one stack page. */
	big = sbrk(1001);
	memset(big, 'y', 1000);
	big[1000] = 0;
	argv[0] = "echo";
	for (i = 1; i < MAXARG - 1; i++)
		argv[i] = big;
	argv[MAXARG - 1] = 0;
	expect_exec_fails("args_exceed_stack", "echo", argv);
	sbrk(-1001);
}

static void
test_long_path(void)
{
	char path[MAXPATH + 40];
	int i;

	/* "././././.../echo": a real program, but the name is too long. */
	for (i = 0; i < MAXPATH + 20; i += 2) {
		path[i] = '.';
		path[i + 1] = '/';
	}
	strcpy(path + i, "echo");
	expect_exec_fails("path_too_long", path, echo_args);
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "argchk") == 0)
		exit(argchk(argc, argv));

	test_simple_failures();
	test_crafted_elf();
	test_echo_args();
	test_maxarg();
	test_big_args();
	test_long_path();
	finish();
	return 0;
}
