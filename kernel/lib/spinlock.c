/*
 * Spinlocks.
 *
 * A hart holding a spinlock runs with interrupts off, so an interrupt
 * handler on the same hart can never spin on a lock its own hart holds.
 * push_off/pop_off count the nesting per hart; interrupts return only when
 * the outermost push_off is undone and they were on before it.
 *
 * Checked misuse (each a kernel bug, so a panic): acquiring a lock this hart
 * already holds, releasing one it does not hold, pop_off without push_off.
 */
#include "kernel/lib/lib.h"
#include "kernel/arch/arch.h"
#include "kernel/proc/proc.h"

void
spin_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->owner = 0;
}

void
spin_lock(struct spinlock *lk)
{
	push_off();
	if (spin_holding(lk))
		panic("spin_lock: %s already held by this hart", lk->name);
	while (__sync_lock_test_and_set(&lk->locked, 1) != 0)
		;
	/* Critical-section loads and stores stay after the acquire. */
	__sync_synchronize();
	lk->owner = mycpu();
}

void
spin_unlock(struct spinlock *lk)
{
	if (!spin_holding(lk))
		panic("spin_unlock: %s not held by this hart", lk->name);
	lk->owner = 0;
	__sync_synchronize();
	__sync_lock_release(&lk->locked);
	pop_off();
}

/* Must be called with interrupts off, so the answer cannot go stale. */
int
spin_holding(struct spinlock *lk)
{
	return lk->locked && lk->owner == mycpu();
}

void
push_off(void)
{
	int was_on = intr_get();
	struct cpu *c;

	intr_off();
	c = mycpu();
	if (c->noff == 0)
		c->intena = was_on;
	c->noff++;
}

void
pop_off(void)
{
	struct cpu *c = mycpu();

	if (intr_get())
		panic("pop_off: interrupts on");
	if (c->noff < 1)
		panic("pop_off: not pushed");
	c->noff--;
	if (c->noff == 0 && c->intena)
		intr_on();
}
