/*
 * The scheduler: one run queue shared by all harts, holding exactly the
 * RUNNABLE processes, first in first out.
 *
 * Fairness: a process that becomes runnable runs after at most the
 * processes queued before it, each for at most one time slice (a timer
 * tick), because every hart takes from the head and a preempted process
 * goes to the tail.
 *
 * Why one shared queue: cowbird runs on at most NCPU = 8 harts, and the
 * queue lock is held for a handful of instructions (link or unlink one
 * process), so it is not where harts wait; in exchange, any idle hart
 * picks up any work and the fairness statement above is exact.
 *
 * An idle hart waits in `wfi` and says so in idle_harts.  A process made
 * runnable by another (fork, wakeup) kicks one idle hart (hart_kick: a
 * supervisor software interrupt), so new work starts at once on an idle
 * hart instead of at its next timer tick, a tenth of a second later.  No
 * kick is lost: the idle hart announces itself, then looks at the queue,
 * then waits with interrupts off (wfi still wakes for a pending one); the
 * waker queues, then looks at idle_harts.  With a full fence between each
 * side's write and its read, at least one sees the other: either the idle
 * hart finds the process, or the waker finds the hart and its kick stays
 * pending until the hart takes it.
 *
 * Switching: a process leaves the hart by calling sched() holding its
 * own p->lock and nothing else; it switches to the hart's scheduler loop,
 * which drops p->lock once p's registers are saved.  A hart resuming p
 * takes p->lock first, so it waits until p has fully left its old hart
 * (see wait.c for why sleep relies on this).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"

static struct {
	struct spinlock lock;
	struct proc *head; /* linked through p->rq_next */
	struct proc *tail;
	int length;
} runq;

static uint32 idle_harts; /* bit h: hart h waits in wfi for work */

/* Wake one idle hart, if there is one, for a process just queued. */
static void
kick_idle_hart(void)
{
	uint32 idle;
	int h;

	/*
	 * SEQ_CST fence: our store to the queue (runq.length, made under the
	 * queue lock, whose release alone would not order it before a later
	 * load) must come before our read of idle_harts: the waker's half of
	 * the pattern at the top of the file.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while ((idle = __atomic_load_n(&idle_harts, __ATOMIC_SEQ_CST)) != 0) {
		for (h = 0; (idle & (1U << h)) == 0; h++)
			;
		/* Claim it, so two wakers kick two harts (atomic: both may try). */
		if (__atomic_fetch_and(&idle_harts, ~(1U << h), __ATOMIC_SEQ_CST) &
		    (1U << h)) {
			hart_kick(h);
			return;
		}
	}
}

void
sched_init(void)
{
	spin_init(&runq.lock, "run queue");
}

/* p->lock is held. */
void
make_runnable(struct proc *p)
{
	if (!spin_holding(&p->lock))
		panic("make_runnable: pid %d (%s) not locked", p->pid, p->name);
	DEBUG_ASSERT(
	    p->state == USED || p->state == RUNNING || p->state == SLEEPING);
	DEBUG_ASSERT(p->waitq == 0);
	p->state = RUNNABLE;
	p->rq_next = 0;
	spin_lock(&runq.lock);
	if (runq.tail)
		runq.tail->rq_next = p;
	else
		runq.head = p;
	runq.tail = p;
	runq.length++; /* under the lock; runq_busy reads it without */
	spin_unlock(&runq.lock);
	/* A process that yields is picked up by its own hart. */
	if (p != mycpu()->proc)
		kick_idle_hart();
}

static struct proc *
runq_take(void)
{
	struct proc *p;

	spin_lock(&runq.lock);
	p = runq.head;
	if (p) {
		runq.head = p->rq_next;
		if (runq.head == 0)
			runq.tail = 0;
		runq.length--;
	}
	DEBUG_ASSERT((runq.head == 0) == (runq.length == 0));
	spin_unlock(&runq.lock);
	return p;
}

/*
 * Is anyone waiting for a hart?  A hint: it may change at once.  Read
 * unlocked, SEQ_CST: in idle_wait it must come after the announcement in
 * idle_harts (the idle half of the pattern at the top of the file).
 */
static int
runq_busy(void)
{
	return __atomic_load_n(&runq.length, __ATOMIC_SEQ_CST) > 0;
}

/*
 * Nothing to run: wait for an interrupt (a kick, the timer, a device).
 * Interrupts stay off from the look at the queue to the wfi, so a kick
 * that arrives in between stays pending and ends the wfi at once.
 */
static void
idle_wait(struct cpu *c)
{
	uint32 bit = 1U << c->hartid;

	intr_off();
	/* SEQ_CST: announce before runq_busy reads the queue (see the top). */
	__atomic_fetch_or(&idle_harts, bit, __ATOMIC_SEQ_CST);
	if (!runq_busy())
		asm volatile("wfi");
	/* No order needed: at worst a waker claims us in vain; a kick is harmless. */
	__atomic_fetch_and(&idle_harts, ~bit, __ATOMIC_SEQ_CST);
	intr_on(); /* the interrupt that woke us is taken here */
}

void
scheduler(void)
{
	struct cpu *c = mycpu();
	struct proc *p;

	c->proc = 0;
	for (;;) {
		/* Device interrupts get in between two processes. */
		intr_on();
		p = runq_take();
		if (p == 0) {
			idle_wait(c);
			continue;
		}
		spin_lock(&p->lock);
		if (p->state != RUNNABLE)
			panic("scheduler: pid %d (%s) on the run queue in state %d",
			    p->pid, p->name, p->state);
		p->state = RUNNING;
		c->proc = p;
		c->user_pt = p->pagetable;
		c->user_tally = &p->cow;
		switch_context(&c->idle, &p->context);
		/* p is off the hart: it holds p->lock, which we drop for it. */
		c->proc = 0;
		c->user_pt = 0;
		c->user_tally = 0;
		spin_unlock(&p->lock);
	}
}

/*
 * Leave the hart for the scheduler loop.  The interrupt flag saved by the
 * outermost push_off belongs to this kernel thread, so it travels with it.
 */
void
sched(void)
{
	struct proc *p = myproc();
	struct cpu *c = mycpu();
	int on_before;

	if (!spin_holding(&p->lock))
		panic("sched: pid %d (%s) without its lock", p->pid, p->name);
	if (c->off_depth != 1)
		panic("sched: pid %d (%s) holds %d spinlocks besides its own",
		    p->pid, p->name, c->off_depth - 1);
	if (p->state == RUNNING)
		panic("sched: pid %d (%s) still RUNNING", p->pid, p->name);
	if (intr_get())
		panic("sched: interrupts on");

	fpu_save_if_dirty(&p->fpu);
	on_before = c->on_before;
	switch_context(&p->context, &c->idle);
	mycpu()->on_before = on_before;
}

/* Give the hart to the next runnable process, if there is one. */
void
yield(void)
{
	struct proc *p = myproc();

	if (!runq_busy())
		return;
	spin_lock(&p->lock);
	make_runnable(p);
	sched();
	spin_unlock(&p->lock);
}
