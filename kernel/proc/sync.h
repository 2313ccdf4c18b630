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
 * only them.  It is the kernel's one way to sleep: whatever can be waited
 * for (a pipe's data, a disk request, room in the UART's ring) keeps a
 * queue next to the condition.  Must live at least as long as anyone may
 * sleep on it (cowbird's are in static tables, struct proc, or the object
 * the condition belongs to, such as a pipe).
 *
 * A kill wakes its victim from any queue (proc_kill).  A wait that other
 * processes or devices end (a pipe, the console, sleep, wait, the console's
 * sleep lock) is killable and gives up; one the kernel itself ends soon (a
 * disk request, the log, a buffer) ignores kills.
 */
struct waitq {
	struct spinlock lock;
	struct proc *first; /* FIFO of sleepers, linked through p->wq_next */
	struct proc *last;
};

void waitq_init(struct waitq *wq, const char *name);
/* Atomically release lk and sleep on wq; hold lk again on return. */
void waitq_sleep(struct waitq *wq, struct spinlock *lk);
/* The same, but -1 (lk held, perhaps without sleeping) once killed. */
int waitq_sleep_killable(struct waitq *wq, struct spinlock *lk);
void waitq_wake_all(struct waitq *wq);
void waitq_wake_all_held(
    struct waitq *wq); /* the waker holds the condition's lock */

/*
 * Sleep locks: for long critical sections (disk I/O, inode updates).  A
 * waiter sleeps on the lock's own queue, so only a process may take one.
 * They record their holder (pid, and its process for the program's name);
 * unlocking a lock one does not hold panics with both names.
 */
struct proc;
struct sleeplock {
	struct spinlock guard; /* protects the fields below */
	struct waitq waiters;
	int locked;
	int pid;                   /* holder */
	const struct proc *holder; /* for its name in panics, read only then */
	const char *name;
};

void sleep_lock_init(struct sleeplock *lk, const char *name);
void sleep_lock(struct sleeplock *lk);
int sleep_lock_killable(struct sleeplock *lk); /* 0, or -1 if killed first */
void sleep_unlock(struct sleeplock *lk);
int sleep_holding(struct sleeplock *lk);

#endif
