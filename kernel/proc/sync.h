/*
 * Blocking synchronisation, offered by the scheduler to every layer above
 * it: wait queues and sleep locks.  (Spinlocks are in kernel/lib/lib.h.)
 */
#ifndef COWBIRD_SYNC_H
#define COWBIRD_SYNC_H

#include "kernel/types.h"
#include "kernel/lib/lib.h"

struct proc;

/*
 * A wait queue: the processes sleeping until one event.  A wakeup touches
 * only them.  Must live at least as long as anyone may sleep on it (all
 * of cowbird's are in static tables or in struct proc).
 */
struct waitq {
	struct spinlock lock;
	struct proc *first; /* FIFO of sleepers, linked through p->wq_next */
	struct proc *last;
};

void waitq_init(struct waitq *wq, const char *name);
/* Atomically release lk and sleep on wq; hold lk again on return. */
void waitq_sleep(struct waitq *wq, struct spinlock *lk);
void waitq_wake_all(struct waitq *wq);

/*
 * Sleeping on an address ("channel"), for code that has no queue of its
 * own: the channel is hashed to one of a fixed set of wait queues, and a
 * wakeup wakes the sleepers on that queue whose channel matches.  As with
 * any sleep, the caller re-checks its condition in a loop.
 */
void proc_sleep(void *chan, struct spinlock *lk);
void proc_wakeup(void *chan);

/*
 * Sleep locks: for long critical sections (disk I/O, inode updates).  A
 * waiter sleeps on the lock's own queue, so only a process may take one.
 * They name their holder (pid and program); unlocking a lock one does not
 * hold panics with both names.
 */
struct sleeplock {
	struct spinlock guard; /* protects the fields below */
	struct waitq waiters;
	int locked;
	int pid;         /* holder */
	char holder[16]; /* holder's program name, for panics */
	const char *name;
};

void sleep_lock_init(struct sleeplock *lk, const char *name);
void sleep_lock(struct sleeplock *lk);
void sleep_unlock(struct sleeplock *lk);
int sleep_holding(struct sleeplock *lk);

#endif
