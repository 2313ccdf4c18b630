/*
 * Processes: the table, creation (the first process and fork), exit, wait,
 * kill, and growing memory.
 *
 * Locking:
 *   p->lock     guards p->state, chan, killed, xstate, pid, and the
 *               replacement of p->pagetable (vmcheck walks page tables
 *               under it);
 *   wait_lock   guards every p->parent, and is taken before any p->lock.
 * A process's memory is freed as soon as it exits (a zombie holds only its
 * slot, trap frame and exit status); the parent's wait() frees the rest.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"

struct cpu cpus[NCPU];
struct proc procs[NPROC];

static struct proc *initproc;
static struct spinlock pid_lock;
static int next_pid = 1;
static struct spinlock wait_lock;

static void forkret(void);

void
proc_init(void)
{
	struct proc *p;

	spin_init(&pid_lock, "next_pid");
	spin_init(&wait_lock, "wait");
	for (p = procs; p < &procs[NPROC]; p++) {
		spin_init(&p->lock, "proc");
		p->state = UNUSED;
		p->kstack = KSTACK((int)(p - procs));
	}
}

struct cpu *
mycpu(void)
{
	return &cpus[cpuid()];
}

struct proc *
myproc(void)
{
	struct proc *p;

	push_off();
	p = mycpu()->proc;
	pop_off();
	return p;
}

static int
alloc_pid(void)
{
	int pid;

	spin_lock(&pid_lock);
	pid = next_pid++;
	spin_unlock(&pid_lock);
	return pid;
}

/* Return a slot to UNUSED, freeing what it holds.  p->lock is held. */
static void
proc_free(struct proc *p)
{
	if (p->pagetable)
		uvm_destroy(p->pagetable, p->sz);
	p->pagetable = 0;
	if (p->trapframe)
		frame_free(p->trapframe);
	p->trapframe = 0;
	p->sz = 0;
	p->stack_base = 0;
	p->pid = 0;
	p->parent = 0;
	p->name[0] = 0;
	p->chan = 0;
	p->killed = 0;
	p->xstate = 0;
	p->state = UNUSED;
}

/*
 * Claim an UNUSED slot with a trap frame and an empty address space, set
 * to start in forkret.  Returns with p->lock held, or 0.
 */
static struct proc *
proc_alloc(void)
{
	struct proc *p;

	for (p = procs; p < &procs[NPROC]; p++) {
		spin_lock(&p->lock);
		if (p->state == UNUSED)
			goto found;
		spin_unlock(&p->lock);
	}
	return 0;

found:
	p->pid = alloc_pid();
	p->state = USED;
	p->trapframe = frame_alloc_zeroed();
	if (p->trapframe)
		p->pagetable = uvm_create((uint64)p->trapframe);
	if (p->trapframe == 0 || p->pagetable == 0) {
		proc_free(p);
		spin_unlock(&p->lock);
		return 0;
	}
	memset(&p->context, 0, sizeof(p->context));
	p->context.ra = (uint64)forkret;
	p->context.sp = p->kstack + KSTACK_PAGES * PGSIZE;
	return p;
}

/* The first process: it execs /init from the kernel, in forkret. */
void
user_init(void)
{
	struct proc *p = proc_alloc();

	if (p == 0)
		panic("user_init: no process slot");
	initproc = p;
	strlcpy_k(p->name, "init", sizeof(p->name));
	p->state = RUNNABLE;
	spin_unlock(&p->lock);
}

/*
 * Every new process starts here, still holding p->lock from the
 * scheduler.  The first one also mounts the file system (which sleeps, so
 * it needs a process) and loads /init.
 */
static void
forkret(void)
{
	static int first = 1;
	struct proc *p = myproc();

	spin_unlock(&p->lock);
	if (first) {
		char *argv[] = { "init", 0 };
		int argc;

		first = 0;
		fs_init(ROOTDEV);
		p->cwd = namei("/");
		if (p->cwd == 0 || (argc = exec("/init", argv)) < 0)
			panic("cannot run /init: is the disk image built?");
		p->trapframe->x[REG_A0] = argc;
	}
	usertrap_return();
}

int
proc_fork(void)
{
	struct proc *p = myproc(), *np;
	int i, pid;

	np = proc_alloc();
	if (np == 0)
		return -1;
	/*
	 * Copying the address space can take a while: do it without np->lock
	 * (a USED slot is ignored by the scheduler), so other harts scanning
	 * the process table never spin on this slot meanwhile.
	 */
	spin_unlock(&np->lock);
	if (uvm_fork(p->pagetable, np->pagetable, p->sz) < 0) {
		spin_lock(&np->lock);
		proc_free(np);
		spin_unlock(&np->lock);
		return -1;
	}
	spin_lock(&np->lock);
	np->sz = p->sz;
	np->stack_base = p->stack_base;
	*np->trapframe = *p->trapframe;
	np->trapframe->x[REG_A0] = 0;   /* fork returns 0 in the child */

	for (i = 0; i < NOFILE; i++)
		if (p->ofile[i])
			np->ofile[i] = file_dup(p->ofile[i]);
	np->cwd = idup(p->cwd);
	memmove(np->name, p->name, sizeof(p->name));
	pid = np->pid;
	spin_unlock(&np->lock);

	spin_lock(&wait_lock);
	np->parent = p;
	spin_unlock(&wait_lock);

	spin_lock(&np->lock);
	np->state = RUNNABLE;
	spin_unlock(&np->lock);
	return pid;
}

/* Hand p's children to init.  wait_lock is held. */
static void
reparent(struct proc *p)
{
	struct proc *c;

	for (c = procs; c < &procs[NPROC]; c++) {
		if (c->parent == p) {
			c->parent = initproc;
			proc_wakeup(initproc);
		}
	}
}

void
proc_exit(int status)
{
	struct proc *p = myproc();
	pagetable_t pt;
	int fd;

	if (p == initproc)
		panic("init exited with status %d", status);

	for (fd = 0; fd < NOFILE; fd++) {
		if (p->ofile[fd]) {
			file_close(p->ofile[fd]);
			p->ofile[fd] = 0;
		}
	}
	op_begin();
	iput(p->cwd);
	op_end();
	p->cwd = 0;

	/* Give the memory back now; the parent may not wait for a while. */
	spin_lock(&p->lock);
	pt = p->pagetable;
	p->pagetable = 0;
	spin_unlock(&p->lock);
	uvm_destroy(pt, p->sz);

	spin_lock(&wait_lock);
	reparent(p);
	proc_wakeup(p->parent);
	spin_lock(&p->lock);
	p->xstate = status;
	p->state = ZOMBIE;
	spin_unlock(&wait_lock);

	sched();
	panic("zombie ran again");
}

int
proc_wait(uint64 status_addr)
{
	struct proc *p = myproc(), *c;

	spin_lock(&wait_lock);
	for (;;) {
		int have_children = 0;

		for (c = procs; c < &procs[NPROC]; c++) {
			if (c->parent != p)
				continue;
			have_children = 1;
			spin_lock(&c->lock);
			if (c->state == ZOMBIE) {
				int pid = c->pid;

				/* A bad status pointer leaves the child for a later wait. */
				if (status_addr != 0 &&
				    copyout(p->pagetable, status_addr, &c->xstate, sizeof(c->xstate)) < 0) {
					spin_unlock(&c->lock);
					spin_unlock(&wait_lock);
					return -1;
				}
				proc_free(c);
				spin_unlock(&c->lock);
				spin_unlock(&wait_lock);
				return pid;
			}
			spin_unlock(&c->lock);
		}
		if (!have_children || proc_is_killed(p)) {
			spin_unlock(&wait_lock);
			return -1;
		}
		proc_sleep(p, &wait_lock);
	}
}

/*
 * Mark pid killed; it exits the next time it would return to user mode.
 * init cannot be killed: its exit would take the system down, and nothing
 * a user program does may do that.
 */
int
proc_kill(int pid)
{
	struct proc *p;

	if (initproc && pid == initproc->pid)
		return -1;
	for (p = procs; p < &procs[NPROC]; p++) {
		spin_lock(&p->lock);
		if (p->pid == pid && p->state != UNUSED) {
			p->killed = 1;
			if (p->state == SLEEPING)
				p->state = RUNNABLE;   /* let it notice */
			spin_unlock(&p->lock);
			return 0;
		}
		spin_unlock(&p->lock);
	}
	return -1;
}

void
proc_set_killed(struct proc *p)
{
	spin_lock(&p->lock);
	p->killed = 1;
	spin_unlock(&p->lock);
}

int
proc_is_killed(struct proc *p)
{
	int k;

	spin_lock(&p->lock);
	k = p->killed;
	spin_unlock(&p->lock);
	return k;
}

/*
 * sbrk: grow or shrink the heap by n bytes.  The heap starts above the
 * stack page; it cannot shrink below that, nor grow into the trap frame.
 */
int
proc_grow(int n)
{
	struct proc *p = myproc();
	uint64 heap_start = p->stack_base + PGSIZE;
	uint64 sz = p->sz;

	if (n > 0) {
		if (sz + n > TRAPFRAME ||
		    uvm_grow(p->pagetable, sz, sz + n, PTE_R | PTE_W) == 0)
			return -1;
		p->sz = sz + n;
	} else if (n < 0) {
		if ((uint64)-(long)n > sz - heap_start)
			return -1;
		/* Short of memory to unshare a page table, it may stop above. */
		p->sz = uvm_shrink(p->pagetable, sz, sz + n);
		if (p->sz != sz + n)
			return -1;
	}
	return 0;
}

int
either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
	if (user_dst)
		return copyout(myproc()->pagetable, dst, src, len);
	memmove((void *)dst, src, len);
	return 0;
}

int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
	if (user_src)
		return copyin(myproc()->pagetable, dst, src, len);
	memmove(dst, (const void *)src, len);
	return 0;
}

/* ^P on the console: a list of processes.  No locks: it must work when stuck. */
void
proc_dump(void)
{
	static const char *names[] = {
		[UNUSED] = "unused", [USED] = "used", [SLEEPING] = "sleep",
		[RUNNABLE] = "runble", [RUNNING] = "run", [ZOMBIE] = "zombie",
	};
	struct proc *p;

	kprintf("\n");
	for (p = procs; p < &procs[NPROC]; p++) {
		if (p->state == UNUSED)
			continue;
		kprintf("%d %s %s %lu bytes\n", p->pid, names[p->state], p->name, p->sz);
	}
}
