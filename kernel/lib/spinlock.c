/*
 * Spinlocks: ticket locks, so harts get a contended lock in the order
 * they asked for it (no hart can be starved by faster ones).
 *
 * A hart takes a ticket (an atomic fetch-and-add on `next`) and waits
 * until `serving` reaches it; unlocking moves `serving` on by one.  The
 * lock is free when next == serving, so a zeroed lock is free.
 *
 * A hart holding a spinlock runs with interrupts off (push_off), so an
 * interrupt handler on the same hart never spins on a lock its own hart
 * holds.  The holder's struct cpu and the place it locked from are
 * recorded for the checks and for the panic messages: locking a lock this
 * hart already holds, or unlocking one it does not hold, is a kernel bug
 * and panics naming the lock, the holder's hart and where it was taken.
 *
 * Every acquisition is counted for lockstat (lockstat.c), and so is
 * every one whose first look found another ticket being served.
 *
 * Interrupt nesting lives here too, since spinlocks are its main user.
 * Invariant: while off_depth > 0 this hart runs with interrupts off, and
 * on_before remembers whether they were on when the count left 0.  A
 * kernel thread that switches away carries its own on_before with it
 * (sched.c saves and restores it), because the flag belongs to the thread
 * that disabled interrupts, not to the hart.
 */
#include "kernel/lib/lib.h"
#include "kernel/arch/cpu.h"

void
push_off(void)
{
	spin_push_off();
}

void
pop_off(void)
{
	spin_pop_off(mycpu());
}

void
spin_init(struct spinlock *lk, const char *name)
{
	lk->next = 0;
	lk->serving = 0;
	lk->holder = 0;
	lk->locked_at = 0;
	lk->name = name;
	lk->kind = lock_kind_of(name);
}

/*
 * spin_lock and spin_unlock are inline in lib.h.  "Does this hart hold
 * lk?" is holder == this hart's cpu: only this hart sets holder to it, and
 * clears it before releasing (the ticket test of spin_holding adds nothing
 * when the hart asking runs with interrupts off).  Their rare paths follow.
 */

/* Another ticket is being served: wait for ours. */
void
spin_wait_turn(struct spinlock *lk, uint ticket)
{
	while (__atomic_load_n(&lk->serving, __ATOMIC_ACQUIRE) != ticket)
		;
}

/* Only the holder writes kind: a SPINLOCK_INIT lock finds it here once. */
void
spin_first_use(struct spinlock *lk)
{
	lk->kind = lock_kind_of(lk->name);
}

void
spin_panic_relock(struct spinlock *lk)
{
	panic("spin_lock: '%s' already held by this hart (%d), taken at %p",
	    lk->name, mycpu()->hartid, lk->locked_at);
}

void
spin_panic_unlock(struct spinlock *lk)
{
	panic("spin_unlock: '%s' not held by hart %d (holder: hart %d)",
	    lk->name, mycpu()->hartid, lk->holder ? lk->holder->hartid : -1);
}

void
spin_panic_pop_off(struct cpu *c)
{
	if (intr_get())
		panic("pop_off: interrupts are on inside push_off on hart %d",
		    c->hartid);
	panic("pop_off without push_off on hart %d", c->hartid);
}

/* Call with interrupts off, or the answer may be stale by the time it is used. */
int
spin_holding(struct spinlock *lk)
{
	/* Relaxed loads: other harts change all three (see spin_lock). */
	return __atomic_load_n(&lk->next, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&lk->serving, __ATOMIC_RELAXED) &&
	    __atomic_load_n(&lk->holder, __ATOMIC_RELAXED) == mycpu();
}
