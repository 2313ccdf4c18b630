/*
 * Wait queues: sleeping until an event, and waking exactly the processes
 * that wait for it.
 *
 * Why no wakeup is lost.  A sleeper tests its condition holding the
 * condition's lock lk, and the waker changes the condition holding lk
 * too before it calls the wakeup.  waitq_sleep links the sleeper into the
 * queue and marks it SLEEPING *before* it lets go of lk; so a waker that
 * gets lk after the test finds the sleeper on the queue.  The sleeper
 * then leaves the hart still holding its own p->lock, which the scheduler
 * drops only once the sleeper's registers are saved; the waker takes
 * p->lock before it makes the sleeper RUNNABLE, so no hart can resume a
 * sleeper that has not finished going to sleep.
 *
 * Lock order: lk -> wq->lock -> p->lock -> the run queue's lock.
 * Only code holding both wq->lock and p->lock links or unlinks p, and
 * p->waitq names the queue p is on (0 when none).  A kill (proc.c) takes
 * wq->lock after reading p->waitq, so a process can get one spurious
 * wakeup; every sleeper re-checks its condition in a loop anyway.
 *
 * There are no anonymous "channels": every queue belongs to the thing
 * waited for, so a wakeup never looks at a sleeper waiting for something
 * else.
 */
#include "kernel/types.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"

void
waitq_init(struct waitq *wq, const char *name)
{
	spin_init(&wq->lock, name);
	wq->first = 0;
	wq->last = 0;
}

static void
link_sleeper(struct waitq *wq, struct proc *p)
{
	DEBUG_ASSERT(p->waitq == 0 && p->state == RUNNING);
	p->wq_next = 0;
	p->wq_prev = wq->last;
	if (wq->last)
		wq->last->wq_next = p;
	else
		wq->first = p;
	wq->last = p;
	p->waitq = wq;
}

static void
unlink_sleeper(struct waitq *wq, struct proc *p)
{
	if (p->wq_prev)
		p->wq_prev->wq_next = p->wq_next;
	else
		wq->first = p->wq_next;
	if (p->wq_next)
		p->wq_next->wq_prev = p->wq_prev;
	else
		wq->last = p->wq_prev;
	p->wq_next = p->wq_prev = 0;
	p->waitq = 0;
}

/* Link p in order of wake_tick, after everyone due no later. */
static void
link_sleeper_by_tick(struct waitq *wq, struct proc *p)
{
	struct proc *after = wq->last;

	DEBUG_ASSERT(p->waitq == 0 && p->state == RUNNING);

	while (after != 0 && (int)(after->wake_tick - p->wake_tick) > 0)
		after = after->wq_prev;
	p->wq_prev = after;
	p->wq_next = after ? after->wq_next : wq->first;
	if (p->wq_next)
		p->wq_next->wq_prev = p;
	else
		wq->last = p;
	if (after)
		after->wq_next = p;
	else
		wq->first = p;
	p->waitq = wq;
}

/*
 * The one way to sleep.  A killable sleep checks p->killed under p->lock
 * once p is on the queue: proc_kill sets killed under that lock and then
 * wakes p if it finds it SLEEPING, so either the sleeper sees the kill
 * here or the killer sees the sleeper; no kill is lost in between.
 */
static int
sleep_on(struct waitq *wq, struct spinlock *lk, uint tick,
    void (*link)(struct waitq *, struct proc *), int killable)
{
	struct proc *p = myproc();
	int killed;

	if (lk == &wq->lock)
		panic("waitq_sleep: condition lock '%s' is the queue's own",
		    lk->name);
	spin_lock(&wq->lock);
	spin_lock(&p->lock);
	if (killable && p->killed) {
		spin_unlock(&p->lock);
		spin_unlock(&wq->lock);
		return -1;
	}
	p->wake_tick = tick;
	link(wq, p);
	p->state = SLEEPING;
	spin_unlock(&wq->lock);
	spin_unlock(lk);

	sched(); /* back here once a waker unlinked us and we were picked */

	killed = p->killed;
	spin_unlock(&p->lock);
	spin_lock(lk);
	return killable && killed ? -1 : 0;
}

void
waitq_sleep(struct waitq *wq, struct spinlock *lk)
{
	sleep_on(wq, lk, 0, link_sleeper, 0);
}

int
waitq_sleep_killable(struct waitq *wq, struct spinlock *lk)
{
	return sleep_on(wq, lk, 0, link_sleeper, 1);
}

/* Wake p, which is on wq.  wq->lock and p->lock are held. */
static void
wake_one(struct waitq *wq, struct proc *p)
{
	DEBUG_ASSERT(p->waitq == wq && p->state == SLEEPING);
	unlink_sleeper(wq, p);
	make_runnable(p);
}

void
waitq_wake_all(struct waitq *wq)
{
	struct proc *p;

	spin_lock(&wq->lock);
	while ((p = wq->first) != 0) {
		spin_lock(&p->lock);
		wake_one(wq, p);
		spin_unlock(&p->lock);
	}
	spin_unlock(&wq->lock);
}

/*
 * waitq_wake_all for a waker that holds the condition's lock lk: a
 * sleeper links itself before it lets go of lk (see the top), so with lk
 * held an empty queue means nobody to wake, and the queue's lock is not
 * taken.  A kill may unlink a sleeper meanwhile without lk; we then take
 * the lock for nothing, never miss a sleeper.  Relaxed: lk orders it (a
 * sleeper's link happens before its release of lk and our acquire).
 * link/unlink store wq->first plainly, under wq->lock only: an aligned
 * pointer store is single-copy atomic on RISC-V, so this load sees the
 * old or the new pointer, either of which is safe here; atomic stores
 * there cost a pipe round trip 8 instructions for nothing.
 */
void
waitq_wake_all_held(struct waitq *wq)
{
	if (__atomic_load_n(&wq->first, __ATOMIC_RELAXED) != 0)
		waitq_wake_all(wq);
}

/* For kill: wake p if it is still asleep on wq. */
void
waitq_wake_proc(struct waitq *wq, struct proc *p)
{
	spin_lock(&wq->lock);
	spin_lock(&p->lock);
	if (p->waitq == wq && p->state == SLEEPING)
		wake_one(wq, p);
	spin_unlock(&p->lock);
	spin_unlock(&wq->lock);
}

/*
 * Timed sleeps (the sleep system call).  One queue, kept in order of
 * wake-up tick, so a timer tick wakes exactly the sleepers whose time has
 * come and looks at no one else.  The caller's lk is the tick lock, which
 * the timer holds while it calls waitq_wake_due.
 */
static struct waitq timed;

int
waitq_sleep_until(struct spinlock *lk, uint tick)
{
	return sleep_on(&timed, lk, tick, link_sleeper_by_tick, 1);
}

void
waitq_wake_due(uint now)
{
	struct proc *p;

	spin_lock(&timed.lock);
	while ((p = timed.first) != 0 && (int)(p->wake_tick - now) <= 0) {
		spin_lock(&p->lock);
		wake_one(&timed, p);
		spin_unlock(&p->lock);
	}
	spin_unlock(&timed.lock);
}

void
waitq_init_timed(void)
{
	waitq_init(&timed, "timed sleep");
}
