/*
 * What a process looks like from outside: the pmap system call (for pmap
 * and ps; kernel/pmap.h has the interface).
 *
 * The page table is walked under p->lock, which exit and exec hold when
 * they take a page table away, so it cannot be freed under the walk.  The
 * result goes to a kernel frame first, then out to the caller once the
 * lock is dropped (copyout may have to resolve a COW fault).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/pmap.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"

_Static_assert(
    sizeof(struct pmap) <= PGSIZE, "struct pmap must fit in one frame");

static void
describe(struct proc *p, int flags, struct pmap *m)
{
	m->pid = p->pid;
	/*
	 * The parent's pid, read without family_lock: slots are static, so
	 * the pointer stays valid, and a stale answer is harmless in a listing.
	 */
	m->ppid = p->parent ? p->parent->pid : 0;
	strlcpy_k(m->state, proc_state_name(p), sizeof(m->state));
	strlcpy_k(m->name, p->name, sizeof(m->name));
	m->size = p->sz;
	m->cow_faults = p->cow.faults;
	m->pages_copied = p->cow.copied;
	m->pages_reused = p->cow.reused;
	if (flags & PMAP_INFO_ONLY)
		return;
	if (p->pagetable)
		pmap_space(p->pagetable, p->sz, p->stack_base, m);
	else if (p->trapframe)
		pmap_trapframe((uint64)p->trapframe, m);
}

/*
 * pmap(pid, flags, struct pmap *dst) for sys_pmap: pid (0 for the kernel
 * or no next), or -1.
 */
int
proc_pmap(int pid, int flags, uint64 dst)
{
	struct pmap *m;
	struct proc *p;
	int ret = -1;

	if (pid < 0 || (flags & ~(PMAP_NEXT | PMAP_INFO_ONLY)) != 0)
		return -1;
	if ((m = frame_alloc_zeroed()) == 0)
		return -1;
	if (flags & PMAP_NEXT) {
		pid = proc_next_pid(pid);
		if (pid == 0) {
			ret = 0; /* no more processes */
			goto out;
		}
	}
	if (pid == 0) {
		strlcpy_k(m->state, "run", sizeof(m->state));
		strlcpy_k(m->name, "kernel", sizeof(m->name));
		if ((flags & PMAP_INFO_ONLY) == 0)
			pmap_kernel(m);
		ret = 0;
	} else if ((p = proc_lookup_locked(pid)) != 0) {
		describe(p, flags, m);
		spin_unlock(&p->lock);
		ret = pid;
	} else {
		goto out; /* no such process (or it exited meanwhile) */
	}
	if (copyout(myproc()->pagetable, dst, m, sizeof(*m)) != 0)
		ret = -1;
out:
	frame_free(m);
	return ret;
}
