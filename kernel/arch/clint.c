/*
 * The timer and kicks between harts when the kernel runs without firmware
 * (the default build; start.c set machine mode up for both).  Kept apart
 * from start.c, which enters kmain, so that the rest of the kernel
 * reaches these without an arrow up to the boot code.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"

/*
 * Supervisor mode cannot interrupt another hart itself: it raises that
 * hart's machine software interrupt, and kickvec.S passes it down.
 */
void
hart_kick(int hartid)
{
	*(volatile uint32 *)CLINT_MSIP(hartid) = 1;
}

/* Sstc, enabled above: supervisor mode sets its own deadline. */
void
timer_set(uint64 when)
{
	asm volatile("csrw %0, %1" : : "i"(CSR_STIMECMP), "r"(when));
}
