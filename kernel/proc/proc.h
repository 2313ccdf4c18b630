/*
 * kernel/proc: processes, the scheduler, sleep/wakeup, system-call
 * dispatch and argument fetching, exec.
 */
#ifndef COWBIRD_PROC_H
#define COWBIRD_PROC_H

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/lib/lib.h"

/* Callee-saved registers kept across a kernel context switch (swtch.S). */
struct context {
	uint64 ra;
	uint64 sp;
	uint64 s[12];    /* s0 .. s11 */
};

/* Per-hart state. */
struct cpu {
	struct proc *proc;         /* running here, or 0 */
	struct context scheduler;  /* swtch() here to enter the scheduler */
	int noff;                  /* depth of push_off nesting */
	int intena;                /* were interrupts on before the first push_off? */
	int started;
};

extern struct cpu cpus[NCPU];
struct cpu *mycpu(void);

/*
 * The page at TRAPFRAME in every user address space.  x[i] holds user
 * register xi; x0 is hard-wired zero, so its slot holds the user pc.
 * trampoline.S knows these offsets.
 */
enum { REG_PC = 0, REG_RA = 1, REG_SP = 2, REG_A0 = 10, REG_A1 = 11, REG_A7 = 17 };
struct trapframe {
	uint64 x[32];            /*   0: user registers, x[0] = user pc */
	uint64 kernel_satp;      /* 256 */
	uint64 kernel_sp;        /* 264: top of this process's kernel stack */
	uint64 kernel_trap;      /* 272: usertrap() */
	uint64 kernel_hartid;    /* 280 */
};

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
	struct spinlock lock;

	/* Guarded by lock. */
	enum procstate state;
	void *chan;                /* sleeping on this */
	int killed;
	int xstate;                /* exit status for the parent */
	int pid;

	/* Guarded by wait_lock. */
	struct proc *parent;

	/* Private to the process: no lock needed by itself. */
	uint64 kstack;
	uint64 sz;                 /* bytes of user memory from 0 */
	uint64 stack_base;         /* lowest address of the user stack page */
	pagetable_t pagetable;
	struct trapframe *trapframe;
	struct context context;
	struct file *ofile[NOFILE];
	struct inode *cwd;
	char name[16];
};

extern struct proc procs[NPROC];

/* proc.c */
void proc_init(void);
struct proc *myproc(void);
void user_init(void);
int  proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
int  proc_wait(uint64 status_addr);
int  proc_kill(int pid);
void proc_set_killed(struct proc *p);
int  proc_is_killed(struct proc *p);
int  proc_grow(int n);
void proc_dump(void);        /* ^P */
pagetable_t proc_pagetable(struct proc *p);
void proc_free_pagetable(pagetable_t pt, uint64 sz);
int  either_copyout(int user_dst, uint64 dst, const void *src, uint64 len);
int  either_copyin(void *dst, int user_src, uint64 src, uint64 len);

/* sched.c */
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void proc_sleep(void *chan, struct spinlock *lk);
void proc_wakeup(void *chan);

/* swtch.S */
void swtch(struct context *old, struct context *new);

/* exec.c */
int exec(char *path, char **argv);

/* syscall.c: fetch system-call arguments from the trap frame. */
void   syscall_dispatch(void);
int    arg_int(int n);
uint64 arg_addr(int n);
int    arg_str(int n, char *buf, int max);    /* length, or -1 */
int    fetch_addr(uint64 addr, uint64 *out);  /* a uint64 at a user address */
int    fetch_str(uint64 addr, char *buf, int max);

#endif
