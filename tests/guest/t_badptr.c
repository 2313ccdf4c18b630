/*
 * t_badptr: bad pointers passed to system calls return -1, and the caller
 * survives.
 *
 * Every call that takes a pointer (read, write, pipe, fstat, exec's path,
 * argv and an argv element, open, mknod, unlink, link's two paths, mkdir,
 * chdir, wait's status) is made, each in its own child, with each bad
 * address kind of testlib.h's bad_address(): unmapped (a page
 * above the heap), kernel (0x80000000), guard (the page below the stack
 * page), maxva (MAXVA), allones (0xffffffffffffffff, so address + length
 * wraps), freed (heap given back with sbrk(-n)), trapframe and trampoline
 * (mapped, but not user-accessible).
 * The child exits with a code that says what the call returned; status -1
 * (killed) or any result other than -1 is a failure.
 *
 * Calls that store through the pointer (read, pipe, fstat, wait) are also
 * given the program's own text and read-only data: the kernel must not
 * write there (-1, and the bytes stay unchanged).
 *
 * Buffers that start in mapped memory and run into unmapped memory (read
 * and write at the end of the heap and just below the guard page, path
 * strings and an argv array without a terminator, a huge write count)
 * must fail or stop short, never kill the caller.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define SCRATCH "tb_scratch"

/* Child exit codes beyond testlib's. */
#define ST_LEAK      44   /* the call failed but leaked descriptors */
#define ST_SCRIBBLE  45   /* the call wrote into read-only memory */
#define ST_SETUP     46   /* the test could not set itself up */
#define RESULT_BASE  1000 /* exit(RESULT_BASE + r): the call returned r */
#define SETUP_FAILED (-12345)

/* Besides testlib's bad addresses: the program's own read-only memory. */
#define K_TEXT   NBADKINDS
#define K_RODATA (NBADKINDS + 1)
#define NKINDS   (NBADKINDS + 2)

static const char rodata_bytes[64] =
    "read-only data that no system call may overwrite";

static char *echo_argv[] = { "echo", "BADPTR-EXEC-SUCCEEDED", 0 };

static int main_marker(void);

static uint64
address_of_kind(int k)
{
	if (k == K_TEXT)
		return (uint64)main_marker;
	if (k == K_RODATA)
		return (uint64)rodata_bytes;
	return bad_address(k);
}

static const char *
kind_name(int k)
{
	if (k == K_TEXT)
		return "text";
	if (k == K_RODATA)
		return "rodata";
	return badkind_name(k);
}

static int
main_marker(void)
{
	return 0x1234;
}

/* ---- the calls; each returns the system call's result ---- */

static int
c_read_file(uint64 a)
{
	int fd = open("README", O_RDONLY);

	if (fd < 0)
		return SETUP_FAILED;
	return read(fd, (void *)a, 64);
}

static int
c_read_pipe(uint64 a)
{
	int p[2];

	if (pipe(p) < 0 || write(p[1], "abcdef", 6) != 6)
		return SETUP_FAILED;
	return read(p[0], (void *)a, 6);
}

static int
c_write_file(uint64 a)
{
	int fd = open(SCRATCH, O_CREATE | O_WRONLY);

	if (fd < 0)
		return SETUP_FAILED;
	return write(fd, (void *)a, 64);
}

static int
c_write_pipe(uint64 a)
{
	int p[2];

	if (pipe(p) < 0)
		return SETUP_FAILED;
	return write(p[1], (void *)a, 64);
}

static int
c_write_console(uint64 a)
{
	return write(1, (void *)a, 64);
}

static int
c_pipe(uint64 a)
{
	int before, after, r;

	before = dup(0);
	close(before);
	r = pipe((int *)a);
	after = dup(0);
	close(after);
	if (r == -1 && after != before)
		return -ST_LEAK;
	return r;
}

static int
c_fstat(uint64 a)
{
	int fd = open("README", O_RDONLY);

	if (fd < 0)
		return SETUP_FAILED;
	return fstat(fd, (struct stat *)a);
}

static int
c_exec_path(uint64 a)
{
	return exec((char *)a, echo_argv);
}

static int
c_exec_argv(uint64 a)
{
	return exec("echo", (char **)a);
}

static int
c_exec_arg(uint64 a)
{
	char *argv[] = { "echo", (char *)a, "BADPTR-EXEC-SUCCEEDED", 0 };

	return exec("echo", argv);
}

static int
c_exec_arg0(uint64 a)
{
	char *argv[] = { (char *)a, "BADPTR-EXEC-SUCCEEDED", 0 };

	return exec("echo", argv);
}

static int
c_open(uint64 a)
{
	return open((char *)a, O_RDONLY);
}

static int
c_open_create(uint64 a)
{
	return open((char *)a, O_CREATE | O_RDWR);
}

static int
c_mknod(uint64 a)
{
	return mknod((char *)a, 1, 0);
}

static int
c_unlink(uint64 a)
{
	return unlink((char *)a);
}

static int
c_link_old(uint64 a)
{
	return link((char *)a, "tb_newname");
}

static int
c_link_new(uint64 a)
{
	return link("README", (char *)a);
}

static int
c_mkdir(uint64 a)
{
	return mkdir((char *)a);
}

static int
c_chdir(uint64 a)
{
	return chdir((char *)a);
}

static int
c_wait(uint64 a)
{
	int pid, r;

	pid = fork();
	if (pid < 0)
		return SETUP_FAILED;
	if (pid == 0)
		exit(0);
	sleep(1); /* let the child become a zombie first */
	r = wait((int *)a);
	while (wait(0) >= 0)
		;
	return r;
}

struct call {
	const char *name;
	int (*fn)(uint64);
	int stores; /* writes through the pointer: also try text/rodata */
};

static const struct call calls[] = {
	{ "read_file", c_read_file, 1 },
	{ "read_pipe", c_read_pipe, 1 },
	{ "write_file", c_write_file, 0 },
	{ "write_pipe", c_write_pipe, 0 },
	{ "write_console", c_write_console, 0 },
	{ "pipe", c_pipe, 1 },
	{ "fstat", c_fstat, 1 },
	{ "exec_path", c_exec_path, 0 },
	{ "exec_argv", c_exec_argv, 0 },
	{ "exec_arg", c_exec_arg, 0 },
	{ "exec_arg0", c_exec_arg0, 0 },
	{ "open", c_open, 0 },
	{ "open_create", c_open_create, 0 },
	{ "mknod", c_mknod, 0 },
	{ "unlink", c_unlink, 0 },
	{ "link_old", c_link_old, 0 },
	{ "link_new", c_link_new, 0 },
	{ "mkdir", c_mkdir, 0 },
	{ "chdir", c_chdir, 0 },
	{ "wait", c_wait, 1 },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/*
 * End a test child: ST_GOOD when the call returned -1 or a value in
 * 0..max_ok, otherwise a code from which the parent can print the result.
 */
static void
exit_with_result(int r, int max_ok)
{
	if (r == SETUP_FAILED)
		exit(ST_SETUP);
	if (r == -1 || (r >= 0 && r <= max_ok))
		exit(ST_GOOD);
	if (r < -900)
		r = -900;
	if (r > 1000000)
		r = 1000000;
	exit(RESULT_BASE + r);
}

/* Child body: arg = call index << 8 | kind. */
static void
run_call(uint64 arg)
{
	const struct call *c = &calls[arg >> 8];
	int k = arg & 0xff;
	char before[64];
	uint64 a;
	int r;

	a = address_of_kind(k);
	if (k == K_TEXT || k == K_RODATA)
		memmove(before, (void *)a, sizeof(before));
	r = c->fn(a);
	if ((k == K_TEXT || k == K_RODATA) &&
	    memcmp(before, (void *)a, sizeof(before)) != 0)
		exit(ST_SCRIBBLE);
	if (r == -ST_LEAK)
		exit(ST_LEAK);
	exit_with_result(r, -1);
}

static void
report(const char *name, int st)
{
	if (st == ST_GOOD)
		ok(name);
	else if (st == -1)
		fail(name, "the caller was killed (status -1)");
	else if (st == ST_LEAK)
		fail(name, "returned -1 but left descriptors allocated");
	else if (st == ST_SCRIBBLE)
		fail(name, "the kernel wrote into read-only memory");
	else if (st == ST_NOFORK)
		fail(name, "fork failed");
	else if (st == ST_SETUP)
		fail(name, "could not set up (open/pipe/fork failed)");
	else if (st == 0 || st == ST_RETURNED)
		fail(name, "exec succeeded (echo ran, status %d)", st);
	else if (st >= RESULT_BASE - 900)
		fail(name, "returned %d, want -1", st - RESULT_BASE);
	else
		fail(name, "child exited with unexpected status %d", st);
}

static void
test_all_calls(void)
{
	char name[64];
	uint i;
	int k, st;

	for (i = 0; i < NCALLS; i++) {
		for (k = 0; k < NKINDS; k++) {
			if (k >= NBADKINDS && !calls[i].stores)
				continue;
			snprintf(name, sizeof(name), "%s_%s", calls[i].name,
			    kind_name(k));
			st = child_status(run_call, (uint64)i << 8 | k);
			report(name, st);
		}
	}
}

/* ---- buffers that run off the end of mapped memory ---- */

/* A fresh, empty scratch file open for reading and writing. */
static int
open_scratch(void)
{
	unlink(SCRATCH);
	return open(SCRATCH, O_CREATE | O_RDWR);
}

/* read() of 100 bytes into a buffer whose last 90 lie above top. */
static int
read_straddling(uint64 top)
{
	int fd = open("README", O_RDONLY);

	if (fd < 0)
		return SETUP_FAILED;
	return read(fd, (void *)(top - 10), 100);
}

/* write() of 100 bytes from there: it cannot store more than the 10. */
static int
write_straddling(uint64 top)
{
	struct stat st;
	int fd, r;

	fd = open_scratch();
	if (fd < 0)
		return SETUP_FAILED;
	r = write(fd, (void *)(top - 10), 100);
	if (fstat(fd, &st) < 0 || st.size > 10)
		return -300;
	return r;
}

/* The last 10 bytes of the heap, with the page above it unmapped. */
static uint64
heap_top_filled(void)
{
	uint64 end = heap_end_aligned();

	memset((void *)(end - 10), 'z', 10);
	return end;
}

static int
s_read_straddle(void)
{
	return read_straddling(heap_end_aligned());
}

static int
s_write_straddle(void)
{
	return write_straddling(heap_top_filled());
}

/*
 * The same at the top of the program image: the last 10 bytes below the
 * guard page.  (A check against the process size alone would miss this:
 * the guard page lies below the break.)
 */
static int
s_read_straddle_guard(void)
{
	return read_straddling(bad_address(BAD_GUARD));
}

static int
s_write_straddle_guard(void)
{
	return write_straddling(bad_address(BAD_GUARD));
}

static int
s_write_hugelen(void)
{
	char buf[64];
	int fd;

	fd = open_scratch();
	if (fd < 0)
		return SETUP_FAILED;
	memset(buf, 'h', sizeof(buf));
	return write(fd, buf, 0x7fffffff);
}

/* A path whose bytes run into an unmapped page without a NUL. */
static char *
unterminated(void)
{
	uint64 end = heap_end_aligned();

	memmove((void *)(end - 3), "abc", 3);
	return (char *)(end - 3);
}

static int
s_open_unterminated(void)
{
	return open(unterminated(), O_CREATE | O_RDWR);
}

static int
s_mkdir_unterminated(void)
{
	return mkdir(unterminated());
}

static int
s_exec_unterminated(void)
{
	return exec(unterminated(), echo_argv);
}

static int
s_exec_arg_unterminated(void)
{
	char *argv[] = { "echo", unterminated(), 0 };

	return exec("echo", argv);
}

/* An argv array whose last entry sits at the end of the heap, no NULL. */
static int
s_exec_argv_unterminated(void)
{
	uint64 end = heap_end_aligned();
	char **argv = (char **)(end - 2 * sizeof(char *));

	argv[0] = "echo";
	argv[1] = "BADPTR-EXEC-SUCCEEDED";
	return exec("echo", argv);
}

struct straddle {
	const char *name;
	int (*fn)(void);
	int max_ok; /* besides -1, results 0..max_ok are acceptable */
};

static const struct straddle straddles[] = {
	{ "read_straddle", s_read_straddle, 10 },
	{ "write_straddle", s_write_straddle, 10 },
	{ "read_straddle_guard", s_read_straddle_guard, 10 },
	{ "write_straddle_guard", s_write_straddle_guard, 10 },
	{ "write_hugelen", s_write_hugelen, 0x7ffffffe },
	{ "open_unterminated", s_open_unterminated, -1 },
	{ "mkdir_unterminated", s_mkdir_unterminated, -1 },
	{ "exec_unterminated", s_exec_unterminated, -1 },
	{ "exec_arg_unterminated", s_exec_arg_unterminated, -1 },
	{ "exec_argv_unterminated", s_exec_argv_unterminated, -1 },
};
#define NSTRADDLES (sizeof(straddles) / sizeof(straddles[0]))

static void
run_straddle(uint64 i)
{
	int r = straddles[i].fn();

	if (r == -300)
		exit(ST_SCRIBBLE);
	exit_with_result(r, straddles[i].max_ok);
}

static void
test_straddles(void)
{
	uint i;
	int st;

	for (i = 0; i < NSTRADDLES; i++) {
		st = child_status(run_straddle, i);
		if (st == ST_SCRIBBLE)
			fail(straddles[i].name,
			    "more bytes reached the file than were mapped");
		else
			report(straddles[i].name, st);
	}
}

int
main(void)
{
	int fd;

	test_all_calls();
	test_straddles();

	/* The parent made all the calls' children; it must still be fine. */
	fd = open("README", O_RDONLY);
	check(fd >= 0 && main_marker() == 0x1234, "parent_alive",
	    "parent cannot open README afterwards");
	if (fd >= 0)
		close(fd);
	unlink(SCRATCH);
	unlink("tb_newname");
	finish();
	return 0;
}
