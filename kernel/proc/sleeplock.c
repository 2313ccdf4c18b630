/*
 * Sleep locks.  The lock is a flag guarded by a spinlock; contenders
 * sleep on the lock's own wait queue, and an unlock wakes them all to
 * compete again (a sleep lock is rarely contended by more than two).
 */
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"

/*
 * The holder's name, from its process slot: a pointer, not a copy made at
 * every acquire (a copy cost each read() of a file tens of instructions
 * for a name only a panic prints).  A holder that exited with the lock
 * held may have left its slot to another process: then no name.
 */
static const char *
holder_name(const struct sleeplock *lk)
{
	if (lk->holder == 0 || lk->holder->pid != lk->pid)
		return "exited";
	return lk->holder->name;
}

void
sleep_lock_init(struct sleeplock *lk, const char *name)
{
	spin_init(&lk->guard, name);
	waitq_init(&lk->waiters, name);
	lk->locked = 0;
	lk->pid = 0;
	lk->holder = 0;
	lk->name = name;
}

/*
 * Take lk; if killable, give up with -1 once the caller is killed (a kill
 * wakes it from lk's queue), so a lock held across a long wait for a
 * device, like the console's, never keeps a killed process.
 */
static int
acquire(struct sleeplock *lk, int killable)
{
	struct proc *p = myproc();

	if (p == 0)
		panic("sleep_lock: '%s' taken outside a process", lk->name);
	spin_lock(&lk->guard);
	if (lk->locked && lk->pid == p->pid)
		panic("sleep_lock: '%s' already held by pid %d (%s)", lk->name,
		    p->pid, p->name);
	while (lk->locked) {
		if (!killable) {
			waitq_sleep(&lk->waiters, &lk->guard);
		} else if (waitq_sleep_killable(&lk->waiters, &lk->guard) < 0) {
			spin_unlock(&lk->guard);
			return -1;
		}
	}
	lk->locked = 1;
	lk->pid = p->pid;
	p->sleeplocks_held++;
	lk->holder = p;
	spin_unlock(&lk->guard);
	return 0;
}

void
sleep_lock(struct sleeplock *lk)
{
	acquire(lk, 0);
}

int
sleep_lock_killable(struct sleeplock *lk)
{
	return acquire(lk, 1);
}

void
sleep_unlock(struct sleeplock *lk)
{
	struct proc *p = myproc();

	spin_lock(&lk->guard);
	if (!lk->locked)
		panic("sleep_unlock: '%s' is not locked (pid %d, %s)", lk->name,
		    p ? p->pid : 0, p ? p->name : "no process");
	if (p == 0 || lk->pid != p->pid)
		panic("sleep_unlock: '%s' held by pid %d (%s), unlocked by pid %d (%s)",
		    lk->name, lk->pid, holder_name(lk), p ? p->pid : 0,
		    p ? p->name : "no process");
	lk->locked = 0;
	lk->pid = 0;
	p->sleeplocks_held--;
	waitq_wake_all(&lk->waiters);
	spin_unlock(&lk->guard);
}

int
sleep_holding(struct sleeplock *lk)
{
	struct proc *p = myproc();
	int mine;

	spin_lock(&lk->guard);
	mine = lk->locked && p != 0 && lk->pid == p->pid;
	spin_unlock(&lk->guard);
	return mine;
}
