/*
 * Copy-on-write policy, all of it: what fork does with each level-0 page
 * table and each page (fork_share_table, fork_share_page), and what
 * happens when a process (or the kernel on its behalf, in copyout) writes
 * to memory it shares (cow_resolve, cow_write_target).
 *
 * Two levels of tables and the page level (FORK=cow; FORK=page uses only
 * the page level, FORK=copy none).  Sv39 has three levels: root ->
 * level-1 tables (1 GiB each) -> level-0 tables (2 MiB each) -> pages.
 * fork gives the child its own root and points it at the parent's
 * level-1 tables; in the gibibyte that holds the trap frame, whose
 * level-1 table is per process, it gives the child its own level-1 table
 * pointing at the parent's level-0 tables (all but the trap frame's).
 *
 * A table (level 1 or level 0; "upper PTE" is the root PTE or the level-1
 * PTE pointing to it):
 *
 *   private    count 1, may lead to writable leaves
 *   shared     count n > 1 (n upper PTEs point to it), read-only: no
 *              writable leaf below it (each level-0 table below was
 *              protected before it was first shared), and no one changes
 *              it; every upper PTE to it has PTE_TABLE_RO
 *
 *   private --fork-->  shared          (+1 per fork; one protect pass over
 *                                       the level-0 tables below unless
 *                                       PTE_TABLE_RO says it was done and
 *                                       nothing changed)
 *   shared  --write, sbrk, partial unmap-->  this process gets a private
 *              copy (every PTE copied, +1 on every frame or table they
 *              point to), the shared one loses a reference; top down:
 *              a level-0 table below a shared level-1 table is reached
 *              by several spaces even at count 1, so the level-1 table
 *              is made private first
 *   shared  --exit, exec, whole-table unmap-->  -1, nothing else
 *   count 1 --exit, exec, unmap-->  what it points to -1, table freed
 *
 * A page (leaf PTE) in a private table:
 *
 *   private      V R W U        -- fork -->          shared COW  V R U COW
 *   shared COW   refcount 1     -- write -->  reuse: V R W U (same frame)
 *   shared COW   refcount > 1   -- write -->  copy:  V R W U (new frame),
 *                                                    old frame loses a ref
 *   text         V R X U        never changes; a write kills the process
 *
 * Invariants (vm_check_refcounts checks every one, exactly):
 *   - a frame mapped by user leaves has count = number of distinct level-0
 *     tables mapping it (a shared table holds one reference for all its
 *     sharers); a level-0 table's count = number of level-1 PTEs, in
 *     distinct level-1 tables, pointing to it; a level-1 table's count =
 *     number of root PTEs pointing to it; roots count 1;
 *   - no writable leaf in a shared table, nor below a shared level-1
 *     table; no leaf both COW and writable;
 *   - a level-1 PTE marked PTE_TABLE_RO points to a table without
 *     writable leaves; a root PTE marked PTE_TABLE_RO points to a level-1
 *     table whose every valid PTE is so marked;
 *   - the level-1 table covering TRAPFRAME and TRAMPOLINE, and the
 *     level-0 table below it that holds them, hold per-process mappings
 *     and are never shared (user pages in that level-0 table get
 *     page-level COW).
 *
 * Why deciding "count 1: use it in place" needs no lock around the
 * decision: a table's count rises only when one of its holders forks or
 * copies the level-1 table above it, and a page's count only when a table
 * mapping it is copied, by a holder of that table.  All run in the context of the process that owns the
 * mapping (no threads, no shared memory).  So when a process sees count 1
 * (on a level-0 table: below a level-1 table it made private first),
 * nobody else can start to share while it decides.  If it sees a count
 * above 1 that drops at the same moment (the other sharer exits or copies
 * too), it copies anyway: one copy too many, never a wrong result; its
 * drop of the old reference is atomic (frame_put_unless_last, frame_free)
 * and releases the old table or frame exactly once.
 *
 * Every function here that changes a table runs under the VM lock held
 * shared (vmlock.c), so the audit never sees a half-done step.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/arch/cpu.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

/* Machine-wide totals for vmstat; each process has its own tally too. */
static struct cow_tally cow_totals;
static uint64 tables_copied;

const char *const fork_mode_names[] = {
	[FORK_MODE_COW] = "copy-on-write, shared page tables (FORK=cow)",
	[FORK_MODE_PAGE] = "copy-on-write, page level (FORK=page)",
	[FORK_MODE_COPY] = "eager copy (FORK=copy)",
};

int
pte_is_cow(pte_t pte)
{
	return (pte & (PTE_V | PTE_U | PTE_COW)) == (PTE_V | PTE_U | PTE_COW);
}

void
cow_counters(uint64 *faults, uint64 *copied, uint64 *reused, uint64 *tcopied)
{
	*faults = __atomic_load_n(&cow_totals.faults, __ATOMIC_RELAXED);
	*copied = __atomic_load_n(&cow_totals.copied, __ATOMIC_RELAXED);
	*reused = __atomic_load_n(&cow_totals.reused, __ATOMIC_RELAXED);
	*tcopied = __atomic_load_n(&tables_copied, __ATOMIC_RELAXED);
}

/* ---- the table levels ---- */

/*
 * Drop this address space's reference to the table upper points to (a
 * level-0 table from a level-1 PTE, level 0; a level-1 table from a root
 * PTE, level 1), and clear upper.  The last holder releases what the
 * table points to (every frame a level-0 table maps; every level-0 table
 * of a level-1 table) and the table itself.
 */
static void
put_table(pte_t *upper, int level)
{
	pagetable_t table = (pagetable_t)PTE2PA(*upper);
	int j;

	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
	*upper = 0;
	if (frame_put_unless_last(table))
		return;
	if (level == 0)
		frame_free_leaves(table);
	else
		pt_for_each_valid (table, j)
			put_table(&table[j], 0);
	frame_free_zeroed(table); /* every entry was cleared above */
}

void
cow_put_table(pte_t *l1pte)
{
	put_table(l1pte, 0);
}

/*
 * The table upper points to (level as in put_table), made private to
 * this address space: a shared one is copied (what each of its valid
 * PTEs points to gains a reference, for the copy) and loses this space's
 * reference.  Returns 0 if no frame was free for the copy; the shared
 * table then stays as it was.
 */
static pagetable_t
private_table(pte_t *upper, int level)
{
	pagetable_t table = (pagetable_t)PTE2PA(*upper), copy;
	pte_t old = *upper;

	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
	/*
	 * No mark: private, and known to be (a shared table's upper PTEs all
	 * carry it).  The mark goes only when this space made the table
	 * private, after the acquire below (or it was new), and only this
	 * space's fork raises the count again, setting the mark.  This keeps
	 * the second and later writes into a table from loading counts.
	 */
	if ((old & PTE_TABLE_RO) == 0)
		return table;
	/* Acquire (frame_refcount): 1 means the other sharers' drops are done. */
	if (frame_refcount(table) == 1)
		return table;
	copy = frame_alloc();
	if (copy == 0)
		return 0;
	page_copy(copy, table);
	frame_ref_inc_leaves(copy);
	*upper = PA2PTE(copy) | PTE_FLAGS(old);
	put_table(&old, level);
	__atomic_add_fetch(&tables_copied, 1, __ATOMIC_RELAXED); /* a statistic */
	return copy;
}

pagetable_t
cow_private_table(pte_t *l1pte)
{
	return private_table(l1pte, 0);
}

/*
 * The level-1 PTE above va's level-0 table, in a level-1 table private to
 * pt (copied if shared), whose root PTE has lost PTE_TABLE_RO (the caller
 * is about to change what lies below it): the one place a write into a
 * level-1 table starts.  0 if va has no level-1 table (or is beyond
 * MAXVA), or no frame was free for the copy (*no_memory set).
 */
pte_t *
cow_private_l1pte(pagetable_t pt, uint64 va, int *no_memory)
{
	pte_t *root_pte = va < MAXVA ? &pt[PX(2, va)] : 0;
	pagetable_t l1;

	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
	*no_memory = 0;
	if (root_pte == 0 || (*root_pte & PTE_V) == 0)
		return 0;
	if ((l1 = private_table(root_pte, 1)) == 0) {
		*no_memory = 1;
		return 0;
	}
	*root_pte &= ~PTE_TABLE_RO;
	return &l1[PX(1, va)];
}

/*
 * The protect pass, once per level-0 table: its writable leaves become
 * COW, and PTE_TABLE_RO in the level-1 PTE records that no pass is needed
 * next time.  The table is private (no shared table lacks the mark).
 */
void
cow_protect_table(pte_t *l1pte)
{
	pagetable_t table = (pagetable_t)PTE2PA(*l1pte);
	int i;

	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
	if (*l1pte & PTE_TABLE_RO)
		return;
	pt_for_each_valid (table, i)
		if (table[i] & PTE_W)
			table[i] = (table[i] & ~PTE_W) | PTE_COW;
	*l1pte |= PTE_TABLE_RO;
}

/*
 * fork (FORK=cow), in the gibibyte of the trap frame: the child's level-1
 * PTE points to the parent's level-0 table, which gains a reference.
 */
void
fork_share_table(pte_t *parent_l1, pte_t *child_l1)
{
	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
	cow_protect_table(parent_l1);
	frame_ref_inc((void *)PTE2PA(*parent_l1));
	*child_l1 = *parent_l1;
}

/*
 * fork (FORK=cow), below the trap frame's gibibyte: the child's root PTE
 * points to the parent's level-1 table (one covers 1 GiB), which gains a
 * reference.  Every level-0 table under it must be protected already
 * (cow_protect_table, which uvm_fork runs one VM-lock step per table
 * unless the root PTE's PTE_TABLE_RO says all of them are); the mark then
 * goes on the root PTE, so the next fork is O(1) per gibibyte.
 */
void
fork_share_l1(pte_t *parent_root, pte_t *child_root)
{
	pagetable_t l1 = (pagetable_t)PTE2PA(*parent_root);

	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
#ifdef DEBUG_CHECKS
	{
		int j;

		pt_for_each_valid (l1, j)
			ASSERT(l1[j] & PTE_TABLE_RO);
	}
#endif
	*parent_root |= PTE_TABLE_RO;
	frame_ref_inc(l1);
	*child_root = *parent_root;
}

/* ---- the page level: one write to a COW page, in small steps ---- */

/*
 * One write to a copy-on-write page, being resolved (after Linux's struct
 * vm_fault): where it is, and what each step found or made.  Its PTEs are
 * read and written plainly under the VM lock held shared: nobody writes a
 * shared table, and only the owning process writes a private one.
 */
struct cow_fault {
	pagetable_t pt;
	uint64 va;    /* page-aligned */
	pte_t *l1pte; /* the level-1 PTE above va's level-0 table */
	pte_t *pte;   /* va's leaf PTE (in a private table once unshared) */
	void *frame;  /* the frame it maps */
};

/*
 * The counters a write into pt counts in besides the totals: those of the
 * process running on this hart, if pt is its address space.  proc records
 * both per hart when it runs a process (kernel/arch/cpu.h), so mm counts
 * for the owner without knowing what a process is.
 */
static struct cow_tally *
tally_for(pagetable_t pt)
{
	/* The VM lock keeps interrupts off: we stay on this hart meanwhile. */
	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
	return mycpu()->user_pt == pt ? mycpu()->user_tally : 0;
}

/* Find va's leaf PTE; 0 if va has no level-0 table (or is beyond MAXVA). */
static int
fault_find(struct cow_fault *f, pagetable_t pt, uint64 va)
{
	f->pt = pt;
	f->va = PGROUNDDOWN(va);
	f->l1pte = pt_walk_l1(pt, f->va, 0);
	if (f->l1pte == 0 || (*f->l1pte & PTE_V) == 0)
		return 0;
	f->pte = &((pagetable_t)PTE2PA(*f->l1pte))[PX(0, f->va)];
	f->frame = (void *)PTE2PA(*f->pte);
	return 1;
}

/*
 * The table levels: the write will make a leaf writable, so va's level-1
 * and level-0 tables must be this space's alone (copied if shared, in
 * that order) and lose their PTE_TABLE_RO marks.  -1 if no frame was free
 * for a copy.
 */
static int
fault_unshare_table(struct cow_fault *f)
{
	pagetable_t table;
	int no_memory;

	/* Neither marked: both private already (see private_table). */
	if (((f->pt[PX(2, f->va)] | *f->l1pte) & PTE_TABLE_RO) == 0)
		return 0;
	/* Top down: a level-0 table's count is 1 per level-1 table holding it. */
	f->l1pte = cow_private_l1pte(f->pt, f->va, &no_memory);
	if (f->l1pte == 0 || (table = cow_private_table(f->l1pte)) == 0)
		return -1;
	*f->l1pte &= ~PTE_TABLE_RO; /* it gains a writable leaf */
	f->pte = &table[PX(0, f->va)];
	return 0;
}

/* No other table maps the frame: make it writable where it is. */
static void
wp_page_reuse(struct cow_fault *f)
{
	*f->pte = (*f->pte | PTE_W) & ~PTE_COW;
}

/*
 * Others map the frame too: give this table a writable copy and drop its
 * reference to the old frame.  -1 if no frame was free (nothing changed).
 */
static int
wp_page_copy(struct cow_fault *f)
{
	void *copy = frame_alloc();

	if (copy == 0)
		return -1;
	page_copy(copy, f->frame);
	*f->pte = PA2PTE(copy) | ((PTE_FLAGS(*f->pte) | PTE_W) & ~PTE_COW);
	frame_free(f->frame);
	f->frame = copy;
	return 0;
}

/*
 * The bookkeeping, once: what a COW write came to, in one set of counters.
 * Relaxed atomic adds: the totals are shared by every hart, and the
 * counters are statistics that order no other access (readers, vmstat
 * and ps, may see them a moment late, never torn).
 */
static void
count_outcome(struct cow_tally *t, enum cow_result r)
{
	__atomic_add_fetch(&t->faults, 1, __ATOMIC_RELAXED);
	if (r == COW_REUSED)
		__atomic_add_fetch(&t->reused, 1, __ATOMIC_RELAXED);
	if (r == COW_COPIED)
		__atomic_add_fetch(&t->copied, 1, __ATOMIC_RELAXED);
}

/*
 * The one decision for a write to a COW page (Linux's do_wp_page): first
 * its table, then the page, reused if no other table maps the frame, else
 * copied.  The VM lock is held shared.
 */
static enum cow_result
wp_page(struct cow_fault *f)
{
	struct cow_tally *tally;
	enum cow_result r;

	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
	if (!pte_is_cow(*f->pte))
		return COW_NOT_COW;
	/*
	 * frame_refcount is an acquire load, paired with the release of every
	 * drop (frame.c): seeing 1, we see all the raises a table copy made
	 * before it dropped the shared table we now hold alone.
	 */
	if (fault_unshare_table(f) < 0) {
		r = COW_NO_MEMORY;
	} else if (frame_refcount(f->frame) == 1) {
		wp_page_reuse(f);
		r = COW_REUSED;
	} else {
		r = wp_page_copy(f) < 0 ? COW_NO_MEMORY : COW_COPIED;
	}
	count_outcome(&cow_totals, r);
	if ((tally = tally_for(f->pt)) != 0)
		count_outcome(tally, r);
	return r;
}

/* A store fault at va: what the write came to (COW_REUSED, COW_COPIED, ...). */
enum cow_result
cow_resolve(pagetable_t pt, uint64 va)
{
	struct cow_fault f;
	enum cow_result r = COW_NOT_COW;

	DEBUG_ASSERT(vm_lock_held() == 0);
	vm_lock_shared();
	/* A store to a page not yet there (a lazy one) is vm_fill's, not ours. */
	if (fault_find(&f, pt, va) && pte_is_cow(*f.pte))
		r = wp_page(&f);
	vm_unlock_shared();
	return r;
}

/*
 * The kernel's store reaches the frame through the direct map, so the
 * MMU never sets the user PTE's dirty bit: set it here, as a user store
 * would, or a MAP_SHARED page written by read() is never written back
 * (vma.c writes back dirty pages only).  The PTE is in a table private to
 * this process (it is writable), which only this process changes.
 */
static uint64
mark_dirty(struct cow_fault *f)
{
	if ((*f->pte & (PTE_A | PTE_D)) != (PTE_A | PTE_D))
		*f->pte |= PTE_A | PTE_D;
	return (uint64)f->frame;
}

/*
 * copyout: the frame behind the user page at va if the kernel may write
 * there as a user store would: a writable page as it is, a COW page once
 * resolved by the same decision as a store fault.  0 if it may not.  One
 * walk for both the check and the resolution.
 *
 * A page writable already is found without the VM lock, as copyin finds
 * its pages: a writable leaf lies in level-1 and level-0 tables private
 * to pt (a shared table holds none, see PTE_TABLE_RO), which only pt's
 * own process changes, and copyout runs for that process (or for exec's
 * space, which no one else sees yet).  Every pipe or file read lands
 * here; only a page still to be resolved needs the lock.
 */
uint64
cow_write_target(pagetable_t pt, uint64 va)
{
	struct cow_fault f;
	pte_t user_rw = PTE_V | PTE_U | PTE_W;
	uint64 pa = 0;

	DEBUG_ASSERT(vm_lock_held() == 0);
	if (fault_find(&f, pt, va) && (*f.pte & user_rw) == user_rw)
		return mark_dirty(&f);
	vm_lock_shared();
	if (fault_find(&f, pt, va)) {
		enum cow_result r = (*f.pte & user_rw) == user_rw
		    ? COW_REUSED /* writable already: nothing to resolve */
		    : wp_page(&f);

		if (r == COW_REUSED || r == COW_COPIED)
			pa = mark_dirty(&f);
	}
	vm_unlock_shared();
	return pa;
}

/* FORK=copy: the child gets its own copy of the page, at once. */
static int
fork_copy_page(pte_t *parent_pte, pagetable_t child, uint64 va)
{
	void *copy = frame_alloc();

	if (copy == 0)
		return -1;
	page_copy(copy, (void *)PTE2PA(*parent_pte));
	if (pt_map(child, va, PGSIZE, (uint64)copy,
		PTE_FLAGS(*parent_pte) & ~PTE_V) < 0) {
		frame_free(copy);
		return -1;
	}
	return 0;
}

/*
 * fork, page by page (FORK=page, and the table that holds the trap frame
 * under FORK=cow): give the child the parent's page at va.  Only a
 * writable page becomes COW (in both page tables); text is shared as it
 * is and stays read-only.  The frame gains one reference, for the child's
 * PTE.  FORK=copy copies the page instead.
 */
int
fork_share_page(pte_t *parent_pte, pagetable_t child, uint64 va)
{
	uint64 pa = PTE2PA(*parent_pte);

	DEBUG_ASSERT(vm_lock_held() == VM_LOCK_SHARED);
	if (KERNEL_FORK_MODE == FORK_MODE_COPY)
		return fork_copy_page(parent_pte, child, va);
	if (*parent_pte & PTE_W)
		*parent_pte = (*parent_pte & ~PTE_W) | PTE_COW;
	if (pt_map(child, va, PGSIZE, pa, PTE_FLAGS(*parent_pte) & ~PTE_V) < 0)
		return -1;
	frame_ref_inc((void *)pa);
	return 0;
}
