/*
 * The scheduler, context switches, and sleep/wakeup.
 *
 * Each hart runs scheduler() on its boot stack and picks RUNNABLE
 * processes round-robin.  A process gives up the hart by calling sched()
 * holding its own p->lock (and no other lock); the scheduler releases it
 * after the switch.  Holding p->lock across the switch is what makes
 * sleep/wakeup race-free: proc_wakeup must take p->lock to see a sleeper,
 * and the sleeper holds it from before it releases the condition lock
 * until it is off the CPU.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/arch/arch.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"

void
scheduler(void)
{
	struct cpu *c = mycpu();
	struct proc *p;

	c->proc = 0;
	for (;;) {
		int ran = 0;

		/* Let devices interrupt between rounds; avoid deadlock if all sleep. */
		intr_on();
		for (p = procs; p < &procs[NPROC]; p++) {
			spin_lock(&p->lock);
			if (p->state == RUNNABLE) {
				p->state = RUNNING;
				c->proc = p;
				swtch(&c->scheduler, &p->context);
				c->proc = 0;
				ran = 1;
			}
			spin_unlock(&p->lock);
		}
		if (!ran) {
			/* Nothing to run: sleep until an interrupt. */
			intr_on();
			asm volatile("wfi");
		}
	}
}

/*
 * Switch to the scheduler.  intena belongs to this kernel thread, not to
 * the hart, so it is saved and restored around the switch.
 */
void
sched(void)
{
	struct proc *p = myproc();
	struct cpu *c = mycpu();
	int intena;

	if (!spin_holding(&p->lock))
		panic("sched: p->lock not held");
	if (c->noff != 1)
		panic("sched: holding %d locks", c->noff);
	if (p->state == RUNNING)
		panic("sched: process still RUNNING");
	if (intr_get())
		panic("sched: interrupts on");

	intena = c->intena;
	swtch(&p->context, &c->scheduler);
	mycpu()->intena = intena;
}

void
yield(void)
{
	struct proc *p = myproc();

	spin_lock(&p->lock);
	p->state = RUNNABLE;
	sched();
	spin_unlock(&p->lock);
}

/* Atomically release lk and sleep on chan; hold lk again on return. */
void
proc_sleep(void *chan, struct spinlock *lk)
{
	struct proc *p = myproc();

	spin_lock(&p->lock);
	spin_unlock(lk);

	p->chan = chan;
	p->state = SLEEPING;
	sched();
	p->chan = 0;

	spin_unlock(&p->lock);
	spin_lock(lk);
}

/* Wake every process sleeping on chan.  Call without holding any p->lock. */
void
proc_wakeup(void *chan)
{
	struct proc *p;

	for (p = procs; p < &procs[NPROC]; p++) {
		if (p == myproc())
			continue;
		spin_lock(&p->lock);
		if (p->state == SLEEPING && p->chan == chan)
			p->state = RUNNABLE;
		spin_unlock(&p->lock);
	}
}
