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
	p->chan = 0;
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

static void
sleep_on(struct waitq *wq, struct spinlock *lk, void *chan, uint tick,
    void (*link)(struct waitq *, struct proc *))
{
	struct proc *p = myproc();

	if (lk == &wq->lock)
		panic("waitq_sleep: condition lock '%s' is the queue's own",
		    lk->name);
	spin_lock(&wq->lock);
	spin_lock(&p->lock);
	p->chan = chan;
	p->wake_tick = tick;
	link(wq, p);
	p->state = SLEEPING;
	spin_unlock(&wq->lock);
	spin_unlock(lk);

	sched(); /* back here once a waker unlinked us and we were picked */

	spin_unlock(&p->lock);
	spin_lock(lk);
}

void
waitq_sleep(struct waitq *wq, struct spinlock *lk)
{
	sleep_on(wq, lk, 0, 0, link_sleeper);
}

/* Wake p, which is on wq.  wq->lock and p->lock are held. */
static void
wake_one(struct waitq *wq, struct proc *p)
{
	DEBUG_ASSERT(p->waitq == wq && p->state == SLEEPING);
	unlink_sleeper(wq, p);
	make_runnable(p);
}

/* Wake the sleepers on wq waiting for chan (any of them if chan is 0). */
static void
wake(struct waitq *wq, void *chan)
{
	struct proc *p, *next;

	spin_lock(&wq->lock);
	for (p = wq->first; p != 0; p = next) {
		next = p->wq_next;
		if (chan != 0 && p->chan != chan)
			continue;
		spin_lock(&p->lock);
		wake_one(wq, p);
		spin_unlock(&p->lock);
	}
	spin_unlock(&wq->lock);
}

void
waitq_wake_all(struct waitq *wq)
{
	wake(wq, 0);
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

void
waitq_sleep_until(struct spinlock *lk, uint tick)
{
	sleep_on(&timed, lk, 0, tick, link_sleeper_by_tick);
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

/*
 * Channels.  64 queues for everything that sleeps on an address: with a
 * few dozen processes, a queue rarely holds sleepers for two channels.
 */
#define NCHANQ 64
static struct waitq chan_queues[NCHANQ];

static struct waitq *
chan_queue(void *chan)
{
	uint64 h = (uint64)chan * 0x9e3779b97f4a7c15UL; /* Fibonacci hashing */

	return &chan_queues[h >> 58];
}

void
waitq_init_channels(void)
{
	int i;

	for (i = 0; i < NCHANQ; i++)
		waitq_init(&chan_queues[i], "channel");
	waitq_init(&timed, "timed sleep");
}

void
proc_sleep(void *chan, struct spinlock *lk)
{
	sleep_on(chan_queue(chan), lk, chan, 0, link_sleeper);
}

void
proc_wakeup(void *chan)
{
	wake(chan_queue(chan), chan);
}
