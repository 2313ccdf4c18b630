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

/*
 * push_off and pop_off, inline for the lock paths, which already know
 * (or, once interrupts are off, need) this hart's struct cpu: every
 * spin_lock and spin_unlock runs them.
 */
static inline struct cpu *
push_off_here(void)
{
	int were_on = intr_off_was_on();
	struct cpu *c = mycpu();

	if (c->off_depth++ == 0)
		c->on_before = were_on;
	return c;
}

static inline void
pop_off_here(struct cpu *c)
{
	if (intr_get())
		panic("pop_off: interrupts are on inside push_off on hart %d",
		    c->hartid);
	if (c->off_depth <= 0)
		panic("pop_off without push_off on hart %d", c->hartid);
	if (--c->off_depth == 0 && c->on_before)
		intr_on();
}

void
push_off(void)
{
	push_off_here();
}

void
pop_off(void)
{
	pop_off_here(mycpu());
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
 * "Does this hart hold lk?" is holder == this hart's cpu: only this hart
 * sets holder to it, and clears it before releasing (the ticket test of
 * spin_holding adds nothing when the hart asking runs with interrupts off).
 */
void
spin_lock(struct spinlock *lk)
{
	struct cpu *c = push_off_here();
	uint ticket, now;
	int contended;

	if (lk->holder == c)
		panic("spin_lock: '%s' already held by this hart (%d), taken at %p",
		    lk->name, c->hartid, lk->locked_at);
	/* Relaxed: a ticket orders nothing; seeing it served (acquire) does. */
	ticket = __atomic_fetch_add(&lk->next, 1, __ATOMIC_RELAXED);
	now = __atomic_load_n(&lk->serving, __ATOMIC_ACQUIRE);
	contended = now != ticket;
	while (now != ticket)
		now = __atomic_load_n(&lk->serving, __ATOMIC_ACQUIRE);
	lk->holder = c;
	lk->locked_at = __builtin_return_address(0);
	/* Only the holder writes kind: a SPINLOCK_INIT lock finds it here once. */
	if (lk->kind == 0)
		lk->kind = lock_kind_of(lk->name);
	lock_kind_count(lk->kind, contended);
}

void
spin_unlock(struct spinlock *lk)
{
	struct cpu *c = mycpu(); /* interrupts are off if we hold lk */

	if (lk->holder != c)
		panic("spin_unlock: '%s' not held by hart %d (holder: hart %d)",
		    lk->name, c->hartid, lk->holder ? lk->holder->hartid : -1);
	lk->holder = 0;
	lk->locked_at = 0;
	/* Release: our critical section before the next holder's. */
	__atomic_store_n(&lk->serving, lk->serving + 1, __ATOMIC_RELEASE);
	pop_off_here(c);
}

/* Call with interrupts off, or the answer may be stale by the time it is used. */
int
spin_holding(struct spinlock *lk)
{
	return lk->next != lk->serving && lk->holder == mycpu();
}
