/*
 * Sleep locks: held for long operations (disk I/O, inode updates); a
 * waiter sleeps instead of spinning, so they may only be taken by a process.
 */
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"

void
sleep_lock_init(struct sleeplock *lk, const char *name)
{
	spin_init(&lk->lk, "sleeplock");
	lk->name = name;
	lk->locked = 0;
	lk->pid = 0;
}

void
sleep_lock(struct sleeplock *lk)
{
	spin_lock(&lk->lk);
	while (lk->locked)
		proc_sleep(lk, &lk->lk);
	lk->locked = 1;
	lk->pid = myproc()->pid;
	spin_unlock(&lk->lk);
}

void
sleep_unlock(struct sleeplock *lk)
{
	spin_lock(&lk->lk);
	if (!lk->locked)
		panic("sleep_unlock: %s not held", lk->name);
	lk->locked = 0;
	lk->pid = 0;
	proc_wakeup(lk);
	spin_unlock(&lk->lk);
}

int
sleep_holding(struct sleeplock *lk)
{
	int held;

	spin_lock(&lk->lk);
	held = lk->locked && lk->pid == myproc()->pid;
	spin_unlock(&lk->lk);
	return held;
}
