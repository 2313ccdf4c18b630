/*
 * kernel/proc: processes, the scheduler, wait queues and sleep locks.
 * A process's open files and working directory are kept here but handled
 * by the system-call layer (kernel/sys), which can reach the file system.
 */
#ifndef COWBIRD_PROC_H
#define COWBIRD_PROC_H

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/regs.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h" /* either_copyin/out, for code that got them here */
#include "kernel/proc/sync.h"

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

/*
 * A process.  Which lock guards what:
 *   p->lock        state, killed, xstate, waitq and the wait-queue
 *                  links (with the queue's lock), and replacing pagetable;
 *                  held across a context switch (sched.c).
 *   run queue lock rq_next.
 *   family_lock    parent, children, zombies, sibling links, xstate (proc.c).
 *   slot_lock      the free list and pid hash links: hash_next (proc.c).
 *   none           the rest belongs to the process itself.
 */
struct proc {
	struct spinlock lock;
	enum procstate state;
	int killed;
	int xstate;          /* exit status for the parent */
	int pid;             /* fixed from allocation to free */
	struct waitq *waitq; /* the queue it sleeps on, or 0 */
	uint wake_tick;      /* when a timed sleep ends (waitq_sleep_until) */
	struct proc *wq_next;
	struct proc *wq_prev;
	struct proc *rq_next;

	struct proc *parent;
	struct proc *children; /* live children, linked through sibling links */
	struct proc *zombies; /* exited children not yet waited for, likewise */
	struct proc *sibling_next;
	struct proc *sibling_prev;
	struct waitq child_exit; /* wait() sleeps here */

	struct proc *hash_next; /* pid hash chain, or the free list when UNUSED */

	uint64 kstack;
	uint64 sz;         /* bytes of user memory from 0 */
	uint64 stack_base; /* lowest address of the user stack page */
	/*
	 * [file_lo, file_hi): where a read() or write() buffer may reach a
	 * file page not yet mapped (vma_file_span): only such a call asks mm
	 * to bring the pages in first (vma_prefault).
	 */
	uint64 file_lo, file_hi;
	pagetable_t pagetable;
	struct trapframe *trapframe;
	struct context context;
	struct fpstate fpu;
	struct file *ofile[NOFILE];
	struct inode *cwd;
	char name[16];
	struct cow_tally cow; /* only this process's own faults change it */
	int sleeplocks_held;  /* sleeplock.c; only this process changes it */
};

/* proc.c */
void proc_init(void);

/*
 * The process running on this hart (0 in the scheduler loop): one load
 * through tp (THIS_CPU_PTR in cpu.h), safe with interrupts on.
 */
static inline struct proc *
myproc(void)
{
	return THIS_CPU_PTR(proc);
}
void user_init(void (*start)(void)); /* the first process runs start */
struct proc *proc_fork(void);    /* a copy of the caller, not yet runnable */
void proc_start(struct proc *p); /* make a new process runnable */
/* The files are closed first, by kernel/sys's exit_process. */
void proc_exit(int status) __attribute__((noreturn));
void usertrap_return(void) __attribute__((noreturn)); /* back to user mode */
int proc_wait(uint64 status_addr);
int proc_kill(int pid);
int proc_kill_tree(int pid); /* pid and its descendants (Ctrl-C) */
int proc_is_in_family(int pid, struct proc *ancestor);
void proc_set_killed(struct proc *p);

/*
 * A look at the flag, without p->lock: it only ever goes from 0 to 1 in
 * a process's life, and a caller that polls it (each system call, each
 * return to user mode, a pipe writer's loop) acts the same on a kill seen
 * a moment late.  Relaxed: the flag publishes no other data.  Sleeping is
 * where a kill must not be missed, and sleep_on reads it under p->lock.
 * Inline: every system call asks twice.
 */
static inline int
proc_is_killed(struct proc *p)
{
	return __atomic_load_n(&p->killed, __ATOMIC_RELAXED);
}

int proc_grow(int n);
void proc_dump(void);                     /* ^P */
struct proc *proc_lookup_locked(int pid); /* live process pid, p->lock held; or 0 */
int proc_next_pid(int after); /* smallest live pid above after, or 0 */
const char *proc_state_name(struct proc *p);

/* procinfo.c */
int proc_pmap(int pid, int flags, uint64 dst); /* the pmap system call */

/* sched.c */
void sched_init(void);
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void make_runnable(struct proc *p); /* p->lock held */

/* wait.c (the rest is in sync.h) */
void waitq_init_timed(void);
int waitq_sleep_until(
    struct spinlock *lk, uint tick); /* lk: tick_lock; -1 if killed */
void waitq_wake_due(uint now);       /* tick_lock held */
void waitq_wake_proc(struct waitq *wq, struct proc *p);

#endif
