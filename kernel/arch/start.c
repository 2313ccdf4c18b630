/*
 * Machine-mode start-up, run by every hart before anything else.
 *
 * There is no firmware (-bios none, the default build; make SBI=1 starts
 * in sbi.c instead): each hart arrives here in machine mode.  We say
 * hello on the UART at once (so a user sees the kernel is alive even if
 * something later hangs), delegate all traps to supervisor mode, open
 * physical memory to supervisor mode, enable the Sstc timer (stimecmp) so
 * supervisor mode programs its own timer, and drop into kmain() in
 * supervisor mode.  Machine mode keeps one job: forwarding kicks between
 * harts (kickvec.S).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/fdt.h"
#include "kernel/arch/cpu.h"

void kickvec(void);

/* kickvec.S's save area, two registers per hart. */
static uint64 kick_save[NCPU][2];

#define CSR_MENVCFG  0x30a
#define MENVCFG_STCE (1UL << 63)

void
mstart(uint64 hartid, uint64 dtb)
{
	if (hartid == 0) {
		early_puts("cowbird: hart 0 is up, starting the kernel\n");
		fdt_scan(dtb);
	}

	/* mret goes to kmain in supervisor mode, paging off. */
	CSR_WRITE(
	    mstatus, (CSR_READ(mstatus) & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S);
	CSR_WRITE(mepc, (uint64)kmain);
	CSR_WRITE(satp, 0);

	/* Every exception and interrupt is handled in supervisor mode. */
	CSR_WRITE(medeleg, 0xffff);
	CSR_WRITE(mideleg, 0xffff);
	CSR_WRITE(sie, CSR_READ(sie) | SIE_SEIE | SIE_STIE | SIE_SSIE);

	/* Kicks from other harts come to machine mode first (kickvec.S). */
	CSR_WRITE(mtvec, (uint64)kickvec);
	CSR_WRITE(mscratch, (uint64)kick_save[hartid]);
	CSR_WRITE(mie, CSR_READ(mie) | MIE_MSIE);

	/* One PMP region covering all of physical memory, fully open. */
	CSR_WRITE(pmpaddr0, 0x3fffffffffffffUL);
	CSR_WRITE(pmpcfg0, 0xf);

	/* Sstc: supervisor mode may read time and write stimecmp itself. */
	asm volatile("csrs %0, %1" : : "i"(CSR_MENVCFG), "r"(MENVCFG_STCE));
	/*
	 * Supervisor and user mode may read the clock (rdtime) and the count
	 * of retired instructions (rdinstret): the benchmarks use them, and
	 * under qemu -icount both count instructions.
	 */
	CSR_WRITE(mcounteren, CSR_READ(mcounteren) | COUNTEREN_TM | COUNTEREN_IR);
	CSR_WRITE(scounteren, CSR_READ(scounteren) | COUNTEREN_TM | COUNTEREN_IR);
	timer_set(r_time() + TICK_INTERVAL);

	cpu_set_tp(hartid);
	asm volatile("mret");
}
