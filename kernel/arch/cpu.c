/*
 * Per-hart state.  Interrupt nesting (push_off/pop_off), which needs
 * panic, is lib's (spinlock.c): arch, the lowest layer, calls nothing
 * above it.  Kicks between harts belong to the start-up that set up the
 * machine: start.c without firmware, sbi.c under SBI firmware.
 */
#include "kernel/arch/cpu.h"
#include "kernel/arch/arch.h"
#include "kernel/memlayout.h"

struct cpu cpus[NCPU];

void
cpu_set_tp(uint64 hartid)
{
	cpus[hartid].hartid = (int)hartid;
	w_tp((uint64)&cpus[hartid]);
}

/*
 * Write to the UART by polling, before the console driver exists (the
 * first line of the boot, and firmware errors under SBI).  QEMU's 16550
 * needs no set-up for this.
 */
void
early_puts(const char *s)
{
	volatile uchar *thr = (uchar *)UART0;
	volatile uchar *lsr = (uchar *)(UART0 + 5); /* line status */

	for (; *s; s++) {
		while ((*lsr & 0x20) == 0) /* transmitter holding register empty */
			;
		*thr = *s;
	}
}
