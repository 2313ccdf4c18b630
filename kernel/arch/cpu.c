/*
 * Per-hart state, and kicks between harts.  Interrupt nesting
 * (push_off/pop_off), which needs panic, is lib's (spinlock.c): arch, the
 * lowest layer, calls nothing above it.
 */
#include "kernel/arch/cpu.h"
#include "kernel/arch/arch.h"
#include "kernel/memlayout.h"

struct cpu cpus[NCPU];

void
hart_kick(int hartid)
{
	*(volatile uint32 *)CLINT_MSIP(hartid) = 1;
}
