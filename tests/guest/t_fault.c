/*
 * t_fault: bad memory accesses kill only the process that makes them.
 *
 * Each access runs in a child; the parent checks that wait() reports the
 * child with status -1 (killed), then goes on.
 *  - load and store at every bad address kind of testlib.h (unmapped,
 *    kernel, guard page, MAXVA, 0xffff..ff, freed heap, trapframe,
 *    trampoline);
 *  - store to the program's own text (the address of main) and to its
 *    read-only data; an atomic add (AMO) to text;
 *  - jump to an unmapped address, a kernel address, MAXVA, the trampoline,
 *    and into a data page (data is not executable);
 *  - running off the one-page stack into the guard page by recursion;
 *  - an illegal instruction and a supervisor CSR access (also killed);
 *  - afterwards the parent still forks, and its own text is intact.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

/* A `ret` instruction in a writable, non-executable data page. */
static uint32 code_in_data[4] = { 0x00008067, 0x00008067, 0, 0 };

static const char rodata_string[] = "constant";

int main(void);

static void
load_kind(uint64 k)
{
	volatile uint8 *p = (volatile uint8 *)opaque(bad_address(k));

	(void)*p;
}

static void
store_kind(uint64 k)
{
	volatile uint8 *p = (volatile uint8 *)opaque(bad_address(k));

	*p = 0x5a;
}

static void
jump_to(uint64 addr)
{
	void (*f)(void) = (void (*)(void))opaque(addr);

	f();
}

static void
store_text(uint64 unused)
{
	volatile uint32 *p = (volatile uint32 *)opaque((uint64)main);

	(void)unused;
	*p = 0;
}

static void
store_rodata(uint64 unused)
{
	volatile char *p = (volatile char *)opaque((uint64)rodata_string);

	(void)unused;
	*p = 'X';
}

static void
amo_text(uint64 unused)
{
	uint64 addr = opaque((uint64)main & ~3UL);
	uint32 old;

	(void)unused;
	asm volatile("amoadd.w %0, %1, (%2)"
		     : "=r"(old)
		     : "r"(1), "r"(addr)
		     : "memory");
	(void)old;
}

static void
jump_data(uint64 unused)
{
	(void)unused;
	jump_to((uint64)code_in_data);
}

static int
recurse(int depth)
{
	volatile char frame[512];

	frame[0] = depth;
	frame[511] = depth;
	if (depth > 100000)
		return 0;
	return recurse(depth + 1) + frame[depth & 511];
}

static void
stack_overflow(uint64 unused)
{
	(void)unused;
	recurse(0);
}

static void
illegal_insn(uint64 unused)
{
	(void)unused;
	asm volatile(".word 0x00000000"); /* all zeros: defined illegal */
}

static void
priv_csr(uint64 unused)
{
	uint64 x;

	(void)unused;
	asm volatile("csrr %0, sstatus" : "=r"(x));
	(void)x;
}

static void
test_loads_stores(void)
{
	char name[40];
	int k;

	for (k = 0; k < NBADKINDS; k++) {
		snprintf(name, sizeof(name), "load_%s", badkind_name(k));
		expect_killed(name, load_kind, k);
		snprintf(name, sizeof(name), "store_%s", badkind_name(k));
		expect_killed(name, store_kind, k);
	}
}

static void
test_jumps(void)
{
	expect_killed("jump_unmapped", jump_to, bad_address(BAD_UNMAPPED));
	expect_killed("jump_kernel", jump_to, KERNBASE);
	expect_killed("jump_maxva", jump_to, MAXVA);
	expect_killed("jump_trampoline", jump_to, TRAMPOLINE);
	expect_killed("jump_data", jump_data, 0);
}

static void
test_parent_after(uint32 text_word)
{
	int pid, st = 99;

	pid = fork();
	if (pid == 0)
		exit(7);
	check(pid > 0 && wait(&st) == pid && st == 7, "parent_alive",
	    "after the faults: fork %d, status %d", pid, st);
	check(*(volatile uint32 *)opaque((uint64)main) == text_word,
	    "parent_text_intact", "the first word of main changed");
}

int
main(void)
{
	uint32 text_word = *(volatile uint32 *)opaque((uint64)main);

	test_loads_stores();
	expect_killed("store_text", store_text, 0);
	expect_killed("store_rodata", store_rodata, 0);
	expect_killed("amo_text", amo_text, 0);
	test_jumps();
	expect_killed("stack_overflow", stack_overflow, 0);
	expect_killed("illegal_insn", illegal_insn, 0);
	expect_killed("priv_csr", priv_csr, 0);
	test_parent_after(text_word);
	finish();
	return 0;
}
