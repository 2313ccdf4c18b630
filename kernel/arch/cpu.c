/*
 * Per-hart state and interrupt nesting.
 *
 * Invariant: while off_depth > 0 this hart runs with interrupts off, and
 * on_before remembers whether they were on when the count left 0.  A
 * kernel thread that switches away carries its own on_before with it
 * (sched.c saves and restores it), because the flag belongs to the thread
 * that disabled interrupts, not to the hart.
 */
#include "kernel/arch/cpu.h"
#include "kernel/arch/arch.h"
#include "kernel/lib/lib.h"

struct cpu cpus[NCPU];

void
push_off(void)
{
	int were_on = intr_off_was_on();
	struct cpu *c = mycpu();

	if (c->off_depth++ == 0)
		c->on_before = were_on;
}

void
pop_off(void)
{
	struct cpu *c = mycpu();

	if (intr_get())
		panic("pop_off: interrupts are on inside push_off on hart %d",
		    c->hartid);
	if (c->off_depth <= 0)
		panic("pop_off without push_off on hart %d", c->hartid);
	if (--c->off_depth == 0 && c->on_before)
		intr_on();
}
