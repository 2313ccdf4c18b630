/*
 * Per-hart state.  Interrupt nesting (push_off/pop_off), which needs
 * panic, is lib's (spinlock.c): arch, the lowest layer, calls nothing
 * above it.  Kicks between harts belong to the start-up that set up the
 * machine: start.c without firmware, sbi.c under SBI firmware.
 */
#include "kernel/arch/cpu.h"
#include "kernel/arch/arch.h"

struct cpu cpus[NCPU];
