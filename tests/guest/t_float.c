/*
 * t_float: user programs may compute with floating point, and each
 * process keeps its own FP registers.
 *
 * Checks:
 *  - arithmetic with doubles gives exact IEEE results (20! as a double
 *    equals the integer, 1/3*3 rounds to 1, Newton's square root of 2
 *    squares back to 2 within one ulp);
 *  - several processes at once (more than there are harts) each load all
 *    32 f registers and a rounding mode of their own, then keep adding to
 *    one register while making system calls, for several timer ticks, so
 *    they are preempted and moved between harts: every register and fcsr
 *    comes back as that process left it, and the running sum is exact;
 *  - fork: the child sees the parent's f registers and rounding mode as
 *    they were at the fork; the child's own FP work while the parent
 *    sleeps in wait() does not reach the parent's registers;
 *  - exec: a new program starts with all f registers and fcsr zero, not
 *    with what the old program (or another process) left;
 *  - an illegal instruction still kills the process (exit status -1).
 * Registers are read and written with inline assembly, so the compiler's
 * own register use cannot hide a lost or leaked value.
 */
#include "kernel/types.h"
#include "kernel/syscall.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define NWORKERS 6
#define TICKS 3

#define FOR32(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) \
	M(12) M(13) M(14) M(15) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) \
	M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)
#define LOAD(n)  "fld f" #n ", " #n "*8(%[in])\n\t"
#define STORE(n) "fsd f" #n ", " #n "*8(%[out])\n\t"
#define FREGS "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", \
	"f11", "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", \
	"f22", "f23", "f24", "f25", "f26", "f27", "f28", "f29", "f30", "f31"

/* Distinct, exactly representable values; f30 = 1.0 is the increment. */
static void
make_values(double *v, int seed)
{
	int i;

	for (i = 0; i < 32; i++)
		v[i] = seed * 1000.0 + i + 0.5;
	v[30] = 1.0;
}

/*
 * Load in[] and fcsr = rounding mode frm with no flags, then until `ticks` clock ticks have
 * passed add f30 to f31 over and over, with an uptime system call every
 * 1024 additions; store the registers to out[] and fcsr to *fcsr.
 * Returns the number of additions.
 */
static long
hold_registers(double *in, double *out, uint64 *fcsr, long frm, long ticks)
{
	long n;

	asm volatile(
	    FOR32(LOAD)
	    "slli	t0, %[frm], 5\n\t"
	    "fscsr	t0\n\t"
	    "li	a7, %[up]\n\t"
	    "ecall\n\t"
	    "add	t1, a0, %[ticks]\n\t"
	    "li	%[n], 0\n"
	    "1:\n\t"
	    "fadd.d	f31, f31, f30\n\t"
	    "addi	%[n], %[n], 1\n\t"
	    "andi	t2, %[n], 1023\n\t"
	    "bnez	t2, 1b\n\t"
	    "li	a7, %[up]\n\t"
	    "ecall\n\t"
	    "blt	a0, t1, 1b\n\t"
	    FOR32(STORE)
	    "frcsr	t0\n\t"
	    "sd	t0, 0(%[fc])\n\t"
	    : [n] "=&r"(n)
	    : [in] "r"(in), [out] "r"(out), [fc] "r"(fcsr), [frm] "r"(frm),
	      [up] "i"(SYS_uptime), [ticks] "r"(ticks)
	    : "a0", "a7", "t0", "t1", "t2", "memory", FREGS);
	return n;
}

/* 0 if out[] is in[] after n additions to f31 and fcsr holds just frm. */
static int
registers_wrong(double *in, double *out, uint64 fcsr, long frm, long n)
{
	int i;

	for (i = 0; i < 31; i++)
		if (out[i] != in[i])
			return i + 1;
	if (out[31] != in[31] + (double)n)
		return 32;
	if (fcsr != (uint64)frm << 5)
		return 33;
	return 0;
}

static double
newton_sqrt(double x)
{
	double r = x;
	int i;

	for (i = 0; i < 60; i++)
		r = (r + x / r) / 2;
	return r;
}

static void
test_arithmetic(void)
{
	double f = 1, third = 1.0 / 3.0, r2 = newton_sqrt(2.0), err;
	uint64 fact = 1;
	int i;

	for (i = 2; i <= 20; i++) {
		f *= i;
		fact *= i;
	}
	check(f == (double)fact && (uint64)f == fact, "double_factorial",
	    "20! as a double is %d * 10^6, as an integer %d * 10^6",
	    (int)(f / 1e6), (int)(fact / 1000000));
	check(third * 3.0 == 1.0, "double_rounding", "1/3*3 is not 1");
	err = r2 * r2 - 2.0;
	check(err <= 4.5e-16 && err >= -4.5e-16 && r2 > 1.41421356 && r2 < 1.41421357,
	    "double_sqrt", "sqrt(2)^2 - 2 = %d e-18", (int)(err * 1e18));
}

/* A worker's exit status: ST_GOOD, or 100 + the first wrong register. */
static void
worker(int seed)
{
	double in[32], out[32];
	uint64 fcsr;
	long frm = seed % 5, n;
	int bad;

	make_values(in, seed);
	n = hold_registers(in, out, &fcsr, frm, TICKS);
	bad = registers_wrong(in, out, fcsr, frm, n);
	exit(bad ? 100 + bad : ST_GOOD);
}

static void
test_many_processes(void)
{
	int i, pid, status, good = 0, first_bad = 0;

	for (i = 0; i < NWORKERS; i++) {
		pid = fork();
		if (pid == 0)
			worker(i + 1);
		if (pid < 0)
			break;
	}
	while (wait(&status) > 0) {
		if (status == ST_GOOD)
			good++;
		else if (first_bad == 0)
			first_bad = status;
	}
	check(good == NWORKERS, "fp_registers_survive_switches",
	    "%d of %d processes kept their FP registers (a bad one exited %d: "
	    "100 + register, 132 = sum, 133 = fcsr)", good, NWORKERS, first_bad);
}

static void
test_fork(void)
{
	double in[32], out[32], mine[32], after[32], childs[32];
	uint64 fcsr, fcsr_after, dummy;
	long frm = 3, pid;
	int bad, status = -1;

	make_values(in, 77);
	asm volatile(
	    FOR32(LOAD)
	    "slli	t0, %[frm], 5\n\t"
	    "fscsr	t0\n\t"
	    "li	a7, %[nr]\n\t"
	    "ecall\n\t"
	    "mv	%[pid], a0\n\t"
	    FOR32(STORE)
	    "frcsr	t0\n\t"
	    "sd	t0, 0(%[fc])\n\t"
	    : [pid] "=&r"(pid)
	    : [in] "r"(in), [out] "r"(out), [fc] "r"(&fcsr), [frm] "r"(frm),
	      [nr] "i"(SYS_fork)
	    : "a0", "a7", "t0", "memory", FREGS);
	if (pid == 0) {
		bad = registers_wrong(in, out, fcsr, frm, 0);
		if (bad)
			exit(100 + bad);
		/* Now use FP for a while with other values: the parent must not see them. */
		make_values(childs, 5);
		hold_registers(childs, out, &dummy, 1, 2);
		exit(ST_GOOD);
	}
	if (pid < 0) {
		fail("fork_copies_fp", "fork failed");
		return;
	}
	bad = registers_wrong(in, out, fcsr, frm, 0);
	check(bad == 0, "fork_parent_keeps_fp", "register %d changed across fork (fcsr 0x%x)", bad - 1, (int)fcsr);

	/* Hold our own values while waiting; the child runs meanwhile. */
	make_values(mine, 88);
	asm volatile(
	    FOR32(LOAD)
	    "slli	t0, %[frm], 5\n\t"
	    "fscsr	t0\n\t"
	    "mv	a0, %[st]\n\t"
	    "li	a7, %[nr]\n\t"
	    "ecall\n\t"
	    FOR32(STORE)
	    "frcsr	t0\n\t"
	    "sd	t0, 0(%[fc])\n\t"
	    :
	    : [in] "r"(mine), [out] "r"(after), [fc] "r"(&fcsr_after), [frm] "r"(4L),
	      [st] "r"(&status), [nr] "i"(SYS_wait)
	    : "a0", "a7", "t0", "memory", FREGS);
	check(status == ST_GOOD, "fork_child_sees_parent_fp",
	    "child exited %d (100 + first wrong register; 133 = fcsr)", status);
	bad = registers_wrong(mine, after, fcsr_after, 4, 0);
	check(bad == 0, "fp_private_while_child_runs",
	    "register %d (33 = fcsr) changed while the child used FP", bad - 1);
}

/* "t_float zero": report whether a fresh program's FP state is all zero. */
static void
zero_check(void)
{
	double out[32];
	uint64 fcsr;
	int i;

	asm volatile(
	    FOR32(STORE)
	    "frcsr	t0\n\t"
	    "sd	t0, 0(%[fc])\n\t"
	    :
	    : [out] "r"(out), [fc] "r"(&fcsr)
	    : "t0", "memory");
	for (i = 0; i < 32; i++)
		if (out[i] != 0.0)
			exit(100 + i);
	exit(fcsr == 0 ? ST_GOOD : 132);
}

static void
test_exec_starts_clean(void)
{
	double junk[32], out[32];
	uint64 fcsr;
	char *argv[] = { "t_float", "zero", 0 };
	int pid, status = -1;

	pid = fork();
	if (pid == 0) {
		make_values(junk, 9);
		/* Leave junk in the registers, then exec. */
		hold_registers(junk, out, &fcsr, 2, 0);
		exec("t_float", argv);
		exit(99);
	}
	wait(&status);
	check(status == ST_GOOD, "exec_starts_with_zero_fp",
	    "new program saw exit code %d (100 + nonzero register, 132 = fcsr, 99 = exec failed)",
	    status);
}

static void
test_illegal_instruction(void)
{
	int pid, status = 0;

	pid = fork();
	if (pid == 0) {
		asm volatile(".word 0");   /* all-zero: illegal in every extension */
		exit(ST_RETURNED);
	}
	wait(&status);
	check(status == -1, "illegal_instruction_kills", "child exited %d, not killed", status);
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "zero") == 0)
		zero_check();
	test_arithmetic();
	test_many_processes();
	test_fork();
	test_exec_starts_clean();
	test_illegal_instruction();
	finish();
}
