/*
 * Processes: slots, pids, the family tree; fork, exit, wait, kill, sbrk.
 *
 * Nothing here looks at every slot on the way of a system call:
 *   - unused slots wait on a free list, so allocating one is O(1);
 *   - live processes are in a hash table by pid, so kill finds one in O(1);
 *   - every process keeps two lists of its children, the live ones and
 *     the exited ones (zombies), so wait takes the first zombie in O(1),
 *     and exit hands only its own children to init.
 * The table (procs[]) exists only to give each slot a fixed kernel stack;
 * ^P is the only walk over it (ps lists processes through the pid hash).
 *
 * Locks, in the order they are taken:
 *   family_lock   every parent, children and zombies list, sibling link
 *                 and xstate; wait() sleeps on p->child_exit with it.
 *   slot_lock     the free list and the pid hash (and hash_next).
 *   p->lock       p's scheduling state (see proc.h), then wait-queue and
 *                 run-queue locks inside it.
 * (Only Ctrl-C's tree kill and setfg's family check hold family_lock and
 * slot_lock together, to look up the pid they start from.)  One family lock
 * for the whole tree keeps reparenting simple (exit moves children from
 * one list to init's); it is held only for O(family) list work and is
 * released while wait() sleeps, so it is not where harts queue up.
 *
 * Lifetime: a process's memory and files are released as soon as it
 * exits (its files by kernel/sys's exit_process, before proc_exit); the zombie keeps its slot, trap frame and status until its parent
 * (or init, which adopts orphans) waits for it.  A zombie stays locked
 * until it is off its hart, and wait() takes that lock before it frees
 * the slot, so no slot (and kernel stack) is reused while still in use.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/pmap.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"

#define NPIDHASH 64

static struct proc procs[NPROC];
static struct proc *initproc;

static struct spinlock slot_lock;
static struct proc *free_slots;
static struct proc *pid_hash[NPIDHASH];
static int last_pid;

static struct spinlock family_lock;

static void start_forked(void);

void
proc_init(void)
{
	int i;

	spin_init(&slot_lock, "slots");
	spin_init(&family_lock, "family");
	waitq_init_timed();
	sched_init();
	/* Push in reverse, so slots are handed out from the lowest. */
	for (i = NPROC - 1; i >= 0; i--) {
		struct proc *p = &procs[i];

		spin_init(&p->lock, "proc");
		waitq_init(&p->child_exit, "child exit");
		p->state = UNUSED;
		p->kstack = KSTACK(i);
		p->hash_next = free_slots;
		free_slots = p;
	}
}

static struct proc **
pid_bucket(int pid)
{
	return &pid_hash[(uint)pid % NPIDHASH];
}

/*
 * Take a free slot and give it a pid; it is USED (invisible to the
 * scheduler) until its creator makes it runnable.  0 if none is free.
 */
static struct proc *
slot_alloc(void)
{
	struct proc *p, **bucket;

	spin_lock(&slot_lock);
	p = free_slots;
	if (p == 0) {
		spin_unlock(&slot_lock);
		return 0;
	}
	free_slots = p->hash_next;
	DEBUG_ASSERT(p->state == UNUSED);
	p->pid = ++last_pid;
	bucket = pid_bucket(p->pid);
	p->hash_next = *bucket;
	*bucket = p;
	p->state = USED;
	spin_unlock(&slot_lock);

	p->killed = 0;
	p->xstate = 0;
	p->parent = 0;
	p->children = 0;
	p->zombies = 0;
	p->sz = 0;
	p->stack_base = 0;
	p->cwd = 0;
	memset(&p->cow, 0, sizeof(p->cow));
	fpu_reset(&p->fpu);
	memset(p->ofile, 0, sizeof(p->ofile));
	return p;
}

/*
 * Give back a slot nobody else can reach any more: one that never ran, or
 * a zombie its parent reaped.  A zombie holds its own lock until it is off
 * its hart, so taking the lock here waits for that.
 */
static void
slot_free(struct proc *p)
{
	struct proc **link;

	spin_lock(&p->lock);
	p->state = UNUSED;
	spin_unlock(&p->lock);

	if (p->pagetable)
		uvm_destroy(p->pagetable);
	p->pagetable = 0;
	if (p->trapframe)
		frame_free(p->trapframe);
	p->trapframe = 0;

	spin_lock(&slot_lock);
	for (link = pid_bucket(p->pid); *link != p; link = &(*link)->hash_next)
		;
	*link = p->hash_next;
	p->pid = 0;
	p->hash_next = free_slots;
	free_slots = p;
	spin_unlock(&slot_lock);
}

/* Trap frame, address space and first kernel context for a new slot. */
static int
setup_slot(struct proc *p, void (*start)(void), int zero_trapframe)
{
	p->trapframe = zero_trapframe ? frame_alloc_zeroed() : frame_alloc();
	if (p->trapframe == 0)
		return -1;
	p->pagetable = uvm_create((uint64)p->trapframe);
	if (p->pagetable == 0)
		return -1;
	memset(&p->context, 0, sizeof(p->context));
	p->context.ra = (uint64)start;
	p->context.sp = p->kstack + KSTACK_PAGES * PGSIZE;
	return 0;
}

/*
 * The first process: start (kernel/sys's start_init) mounts the file
 * system and execs /init.
 */
void
user_init(void (*start)(void))
{
	struct proc *p = slot_alloc();

	if (p == 0 || setup_slot(p, start, 1) < 0)
		panic("user_init: no memory for the first process");
	initproc = p;
	strlcpy_k(p->name, "init", sizeof(p->name));
	spin_lock(&p->lock);
	make_runnable(p);
	spin_unlock(&p->lock);
}

/*
 * A new process's first instructions run here, holding p->lock from
 * the scheduler.
 */
static void
start_forked(void)
{
	spin_unlock(&myproc()->lock);
	usertrap_return();
}

/* Back to user mode; arch/trapentry.c builds the way through the trampoline. */
void
usertrap_return(void)
{
	struct proc *p = myproc();

	/* Until sret, a trap would go to uservec with kernel state: keep them off. */
	intr_off();
	fpu_enter_user(&p->fpu);
	trap_return_user(p->trapframe, p->kstack + KSTACK_PAGES * PGSIZE,
	    MAKE_SATP(p->pagetable));
}

/* Push c on a sibling list (children or zombies). */
static void
sibling_push(struct proc **list, struct proc *c)
{
	c->sibling_prev = 0;
	c->sibling_next = *list;
	if (*list)
		(*list)->sibling_prev = c;
	*list = c;
}

static void
sibling_remove(struct proc **list, struct proc *c)
{
	if (c->sibling_prev)
		c->sibling_prev->sibling_next = c->sibling_next;
	else
		*list = c->sibling_next;
	if (c->sibling_next)
		c->sibling_next->sibling_prev = c->sibling_prev;
	c->sibling_next = c->sibling_prev = 0;
}

/*
 * fork's process half: the child gets a copy of the caller's memory,
 * registers and name, and joins its family, but does not run until
 * proc_start: the system-call layer adds the open files first.
 */
struct proc *
proc_fork(void)
{
	struct proc *p = myproc(), *c;

	c = slot_alloc();
	if (c == 0)
		return 0;
	/* The trap frame is copied whole just below: no need to zero it. */
	if (setup_slot(c, start_forked, 0) < 0 ||
	    uvm_fork(p->pagetable, c->pagetable, p->sz) < 0 ||
	    vma_fork(p->pagetable, c->pagetable) < 0) {
		slot_free(c);
		return 0;
	}
	c->sz = p->sz;
	c->stack_base = p->stack_base;
	c->file_lo = p->file_lo;
	c->file_hi = p->file_hi;
	*c->trapframe = *p->trapframe;
	c->trapframe->x[REG_A0] = 0; /* fork returns 0 in the child */
	fpu_copy(&c->fpu, &p->fpu);
	memmove(c->name, p->name, sizeof(p->name));

	spin_lock(&family_lock);
	c->parent = p;
	sibling_push(&p->children, c);
	/* A tree kill that got p before c joined it must get c too. */
	if (proc_is_killed(p))
		proc_set_killed(c);
	spin_unlock(&family_lock);
	return c;
}

void
proc_start(struct proc *p)
{
	spin_lock(&p->lock);
	make_runnable(p);
	spin_unlock(&p->lock);
}

/*
 * init adopts p's children, live and exited: O(number of children), to
 * point each at its new parent.  family_lock is held.
 */
static void
give_children_to_init(struct proc *p)
{
	struct proc **list[2] = { &p->children, &p->zombies };
	struct proc **adopted[2] = { &initproc->children, &initproc->zombies };
	struct proc *c;
	int i;

	for (i = 0; i < 2; i++) {
		while ((c = *list[i]) != 0) {
			sibling_remove(list[i], c);
			c->parent = initproc;
			sibling_push(adopted[i], c);
		}
	}
	if (initproc->zombies)
		waitq_wake_all(&initproc->child_exit);
}

void
proc_exit(int status)
{
	struct proc *p = myproc();
	pagetable_t pt;

	if (p == initproc)
		panic("init exited with status %d", status);

	/* Give the memory back now; the parent may not wait for a while. */
	spin_lock(&p->lock);
	pt = p->pagetable;
	p->pagetable = 0;
	mycpu()->user_pt = 0;
	spin_unlock(&p->lock);
	uvm_destroy(pt);
	/* A sleep lock a zombie held would never be given back. */
	DEBUG_ASSERT(p->sleeplocks_held == 0);

	spin_lock(&family_lock);
	give_children_to_init(p);
	p->xstate = status;
	sibling_remove(&p->parent->children, p);
	sibling_push(&p->parent->zombies, p);
	waitq_wake_all(&p->parent->child_exit);
	spin_lock(&p->lock);
	p->state = ZOMBIE;
	spin_unlock(&family_lock);

	sched();
	panic("zombie pid %d ran again", p->pid);
}

int
proc_wait(uint64 status_addr)
{
	struct proc *p = myproc(), *c;
	int pid, status;

	spin_lock(&family_lock);
	while ((c = p->zombies) == 0) {
		if (p->children == 0 ||
		    waitq_sleep_killable(&p->child_exit, &family_lock) < 0) {
			spin_unlock(&family_lock);
			return -1;
		}
	}
	pid = c->pid;
	status = c->xstate;
	spin_unlock(&family_lock);

	/*
	 * Only this process reaps its children, so c stays put meanwhile.
	 * A bad status pointer leaves the child for a later wait.
	 */
	if (status_addr != 0 &&
	    copyout(p->pagetable, status_addr, &status, sizeof(status)) != 0)
		return -1;
	spin_lock(&family_lock);
	sibling_remove(&p->zombies, c);
	c->parent = 0;
	spin_unlock(&family_lock);
	slot_free(c);
	return pid;
}

/*
 * Mark p killed: it exits the next time it would return to user mode, and
 * a sleep is interrupted so it notices (see sleep_on in wait.c for why no
 * kill is lost).  p->lock is held on entry and released.
 */
static void
kill_locked(struct proc *p)
{
	struct waitq *wq = 0;

	__atomic_store_n(&p->killed, 1, __ATOMIC_RELAXED); /* proc_is_killed */
	if (p->state == SLEEPING)
		wq = p->waitq;
	spin_unlock(&p->lock);
	/* p may have woken meanwhile; waitq_wake_proc checks. */
	if (wq)
		waitq_wake_proc(wq, p);
}

/*
 * kill(pid).  init cannot be killed: its exit would take the system down,
 * and nothing a user program does may.
 */
int
proc_kill(int pid)
{
	struct proc *p;

	if ((p = proc_lookup_locked(pid)) == 0)
		return -1;
	if (p == initproc) {
		spin_unlock(&p->lock);
		return -1;
	}
	kill_locked(p);
	return 0;
}

/*
 * Ctrl-C: kill pid and every live process descended from it, walking the
 * children lists depth first without a stack (down to the first child,
 * on to the next sibling, back up through parent).  family_lock is held
 * throughout, so the tree cannot change under the walk; a process that
 * forks after the walk passed it has killed set, and fork passes that on.
 * A process that was handed to init (a background job whose parent
 * exited) is no longer in the tree.  -1 if pid is not alive, or is init.
 */
int
proc_kill_tree(int pid)
{
	struct proc *root, *q;

	spin_lock(&family_lock);
	root = proc_lookup_locked(pid);
	/* A zombie being reaped has no parent: it is as good as gone. */
	if (root == 0 || root == initproc || root->parent == 0) {
		if (root)
			spin_unlock(&root->lock);
		spin_unlock(&family_lock);
		return -1;
	}
	kill_locked(root);
	for (q = root;;) {
		if (q->children != 0) {
			q = q->children;
		} else {
			while (q != root && q->sibling_next == 0)
				q = q->parent;
			if (q == root)
				break;
			q = q->sibling_next;
		}
		spin_lock(&q->lock);
		kill_locked(q);
	}
	spin_unlock(&family_lock);
	return 0;
}

/*
 * Is pid ancestor itself or one of its descendants (and not init)?  Only
 * such a process may be put in front of Ctrl-C (setfg).
 */
int
proc_is_in_family(int pid, struct proc *ancestor)
{
	struct proc *p;
	int found = 0;

	spin_lock(&family_lock);
	/* Under family_lock, the parent links stay as they are. */
	if ((p = proc_lookup_locked(pid)) != 0)
		spin_unlock(&p->lock);
	for (; p != 0 && p != initproc; p = p->parent) {
		if (p == ancestor) {
			found = 1;
			break;
		}
	}
	spin_unlock(&family_lock);
	return found;
}

void
proc_set_killed(struct proc *p)
{
	spin_lock(&p->lock);
	__atomic_store_n(&p->killed, 1, __ATOMIC_RELAXED);
	spin_unlock(&p->lock);
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
		if (sz + n > MMAP_BASE ||
		    uvm_grow(p->pagetable, sz, sz + n) != sz + n)
			return -1;
		p->sz = sz + n;
	} else if (n < 0) {
		if ((uint64)(-(long)n) > sz - heap_start)
			return -1;
		/* Short of memory to unshare a page table, it may stop above. */
		p->sz = uvm_shrink(p->pagetable, sz, sz + n);
		if (p->sz != sz + n)
			return -1;
	}
	return 0;
}

/*
 * The live process pid, returned with p->lock held (so its page table
 * stays: exec and exit take the lock to swap it out); 0 if there is none.
 */
struct proc *
proc_lookup_locked(int pid)
{
	struct proc *p;

	spin_lock(&slot_lock);
	for (p = *pid_bucket(pid); p != 0 && p->pid != pid; p = p->hash_next)
		;
	if (p != 0) {
		spin_lock(&p->lock);
		if (p->state == UNUSED) { /* being freed */
			spin_unlock(&p->lock);
			p = 0;
		}
	}
	spin_unlock(&slot_lock);
	return p;
}

/* The smallest pid above after of a live process, or 0: for listing them. */
int
proc_next_pid(int after)
{
	struct proc *p;
	int i, next = 0;

	spin_lock(&slot_lock);
	for (i = 0; i < NPIDHASH; i++)
		for (p = pid_hash[i]; p != 0; p = p->hash_next)
			if (p->pid > after && (next == 0 || p->pid < next))
				next = p->pid;
	spin_unlock(&slot_lock);
	return next;
}

const char *
proc_state_name(struct proc *p)
{
	static const char *names[] = {
		[UNUSED] = "unused",
		[USED] = "used",
		[SLEEPING] = "sleep",
		[RUNNABLE] = "runble",
		[RUNNING] = "run",
		[ZOMBIE] = "zombie",
	};

	return names[p->state];
}

/*
 * ^P on the console: the processes, in the columns of ps (PS_FORMAT in
 * kernel/pmap.h).  No locks: it must work when stuck.
 */
void
proc_dump(void)
{
	struct proc *p;

	kprintf("\n" PS_HEADER_FORMAT, PS_HEADER_NAMES);
	for (p = procs; p < &procs[NPROC]; p++) {
		if (p->state == UNUSED)
			continue;
		kprintf(PS_FORMAT, p->pid, p->parent ? p->parent->pid : 0,
		    proc_state_name(p), p->name, p->sz, p->cow.faults,
		    p->cow.copied, p->cow.reused);
	}
}
