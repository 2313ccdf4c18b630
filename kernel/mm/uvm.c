/*
 * User address spaces.
 *
 * Layout from 0: program segments, an unmapped guard page, one stack page,
 * then the heap up to p->sz; TRAPFRAME and TRAMPOLINE at the top, without
 * PTE_U.  Every page in [0, sz) is mapped except the guard page (and
 * whatever a program left between its segments), so the walkers below
 * skip holes.
 *
 * Under FORK=cow a level-0 table may be shared with other address spaces
 * (cow.c): nothing here writes into one.  Growing maps through
 * cow_private_table, shrinking drops whole tables or first makes a partly
 * unmapped one private, and destroying drops one reference per table.
 *
 * Every live address space (from uvm_create to uvm_destroy) is in a
 * registry that the refcount audit walks (uvm_for_each_space): the audit
 * then counts exactly the spaces whose references are counted, including
 * one exec is building and one exit is tearing down.  Changes to a space
 * happen under the VM lock held shared, in steps that keep the invariants,
 * with one exception: exec maps fresh frames into its new space with
 * pt_map, unlocked.  That space shares nothing yet, and each of its stores
 * (one PTE, a new zeroed table published after a fence) leaves it
 * consistent, so the audit may read it at any moment.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

extern char trampoline[];

/* A process has at most two spaces: its own and the one exec builds. */
#define MAX_SPACES (2 * NPROC)

/*
 * spaces[0..nspaces) is the registry, in no order; position[] says where
 * each root is in it (indexed by the root's frame), so unregistering costs
 * the same however many processes are alive: the last entry fills the gap.
 */
static struct spinlock space_lock = { .name = "spaces" };
static pagetable_t spaces[MAX_SPACES];
static ushort position[NFRAMES];
static int nspaces;

static ushort *
position_of(pagetable_t pt)
{
	return &position[frame_index((uint64)pt)];
}

/* Both take the VM lock shared, so the audit never sees the list half-changed. */
static int
space_register(pagetable_t pt)
{
	int ok;

	vm_lock_shared();
	spin_lock(&space_lock);
	ok = nspaces < MAX_SPACES;
	if (ok) {
		*position_of(pt) = nspaces;
		spaces[nspaces++] = pt;
	}
	spin_unlock(&space_lock);
	vm_unlock_shared();
	return ok ? 0 : -1;
}

static void
space_unregister(pagetable_t pt)
{
	int i;

	vm_lock_shared();
	spin_lock(&space_lock);
	i = *position_of(pt);
	/* A table built by hand (the self-tests) was never registered. */
	if (i < nspaces && spaces[i] == pt) {
		spaces[i] = spaces[--nspaces];
		*position_of(spaces[i]) = i;
	}
	spin_unlock(&space_lock);
	vm_unlock_shared();
}

/* For the audit, which holds the VM lock exclusive: nothing changes meanwhile. */
void
uvm_for_each_space(void (*visit)(pagetable_t pt, void *arg), void *arg)
{
	int i;

	for (i = 0; i < nspaces; i++)
		visit(spaces[i], arg);
}

pagetable_t
uvm_create(uint64 trapframe_pa)
{
	pagetable_t pt = pt_create();

	if (pt == 0)
		return 0;
	if (pt_map(pt, TRAMPOLINE, PGSIZE, (uint64)trampoline, PTE_R | PTE_X) < 0 ||
	    pt_map(pt, TRAPFRAME, PGSIZE, trapframe_pa, PTE_R | PTE_W) < 0 ||
	    space_register(pt) < 0) {
		pt_unmap(pt, TRAPFRAME, 2, 0);
		pt_free_tables(pt);
		return 0;
	}
	return pt;
}

/*
 * Drop every user page and the page table; the trap frame is the
 * caller's.  One reference per level-0 table: a forked child that never
 * wrote goes away in time proportional to its tables, not its pages.
 * Each table is dropped in its own step under the VM lock.
 */
void
uvm_destroy(pagetable_t pt)
{
	int i, j;

	vm_lock_shared();
	pt_unmap(pt, TRAPFRAME, 2, 0); /* the trap frame and the trampoline */
	vm_unlock_shared();
	pt_for_each_valid (pt, i) {
		pagetable_t l1 = (pagetable_t)PTE2PA(pt[i]);

		pt_for_each_valid (l1, j) {
			vm_lock_shared();
			cow_put_table(&l1[j]);
			vm_unlock_shared();
		}
		vm_lock_shared();
		pt[i] = 0;
		frame_free(l1);
		vm_unlock_shared();
	}
	space_unregister(pt);
	frame_free(pt);
}

/*
 * The level-0 PTE for va in a private table, creating tables as needed;
 * 0 if no memory.  The VM lock is held shared.
 */
static pte_t *
private_pte(pagetable_t pt, uint64 va)
{
	pte_t *l1pte = pt_walk_l1(pt, va, 1);

	if (l1pte == 0)
		return 0;
	if ((*l1pte & PTE_V) && cow_private_table(l1pte) == 0)
		return 0;
	return pt_walk(pt, va, 1);
}

/*
 * Map zeroed pages for [oldsz, newsz) with perm (plus user access).
 * Returns the size now: newsz, or oldsz with nothing changed when memory
 * runs out or newsz would reach the trap frame.  A request for more pages than are free
 * fails before it takes any: taking them all only to give them back would
 * leave every other process without memory meanwhile (a copy-on-write
 * fault there would kill it).
 */
uint64
uvm_grow(pagetable_t pt, uint64 oldsz, uint64 newsz, int perm)
{
	uint64 a;

	if (newsz <= oldsz)
		return oldsz;
	if (newsz > TRAPFRAME ||
	    (PGROUNDUP(newsz) - PGROUNDUP(oldsz)) / PGSIZE > frame_free_count())
		return oldsz;
	for (a = PGROUNDUP(oldsz); a < newsz; a += PGSIZE) {
		void *pa = frame_alloc_zeroed();
		pte_t *pte;

		if (pa == 0)
			goto fail;
		vm_lock_shared();
		pte = private_pte(pt, a);
		if (pte)
			*pte = PA2PTE(pa) | perm | PTE_U | PTE_V;
		vm_unlock_shared();
		if (pte == 0) {
			frame_free(pa);
			goto fail;
		}
	}
	return newsz;
fail:
	uvm_shrink(pt, a, PGROUNDUP(oldsz));
	return oldsz;
}

/*
 * Unmap [PGROUNDUP(newsz), PGROUNDUP(oldsz)) one level-0 table at a
 * time, from the top.  Nothing is mapped above oldsz (but the trap frame),
 * so a table whose first page is in the range has no page left after: it
 * is dropped (one reference).  A table that keeps pages below the range is
 * made private first, then the pages are unmapped.  Returns the new
 * size: newsz, or more if no memory was left to copy a shared table (the
 * pages above it are gone; the ones below stay).
 */
uint64
uvm_shrink(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
	uint64 start = PGROUNDUP(newsz), end = PGROUNDUP(oldsz);

	if (newsz >= oldsz)
		return oldsz;
	while (end > start) {
		uint64 from =
		    L0_START(end - 1) > start ? L0_START(end - 1) : start;
		pte_t *l1pte;
		pagetable_t table;
		uint64 a;

		vm_lock_shared();
		l1pte = pt_walk_l1(pt, from, 0);
		if (l1pte && (*l1pte & PTE_V)) {
			if (from == L0_START(from) &&
			    from != L0_START(TRAPFRAME)) {
				cow_put_table(l1pte);
			} else if ((table = cow_private_table(l1pte)) != 0) {
				for (a = from; a < end; a += PGSIZE) {
					pte_t *pte = &table[PX(0, a)];

					if (*pte & PTE_V)
						frame_free((void *)PTE2PA(*pte));
					*pte = 0;
				}
			} else {
				vm_unlock_shared();
				return end;
			}
		}
		vm_unlock_shared();
		end = from;
	}
	return newsz;
}

/*
 * Give child a view of the parent's [0, size).  On failure -1 is returned
 * and the child holds a reference for each mapping it got so far; the
 * caller destroys it.  Parent pages already turned COW stay COW, which is
 * harmless: the parent's next write finds the frame unshared and reuses
 * it.  The parent's changed PTEs are flushed from the TLB on its way back
 * to user mode (userret).
 */
static int
fork_pages(pagetable_t parent, pagetable_t child, uint64 va, uint64 end)
{
	for (; va < end; va += PGSIZE) {
		pte_t *pte = pt_walk(parent, va, 0);
		int r;

		if (pte == 0) {
			va = pt_last_page_of_table(va);
			continue;
		}
		if ((*pte & PTE_V) == 0)
			continue; /* a hole: the guard page */
		vm_lock_shared();
		r = fork_share_page(pte, child, va);
		vm_unlock_shared();
		if (r < 0)
			return -1;
	}
	return 0;
}

/*
 * FORK=cow: one step per level-0 table, shared with the child, except the
 * one that holds the trap frame, whose user pages (if any) are shared page
 * by page.  FORK=page and FORK=copy go page by page everywhere.
 */
int
uvm_fork(pagetable_t parent, pagetable_t child, uint64 size)
{
	uint64 va;

	if (KERNEL_FORK_MODE != FORK_MODE_COW)
		return fork_pages(parent, child, 0, size);
	for (va = 0; va < size; va = L0_NEXT(va)) {
		pte_t *parent_l1 = pt_walk_l1(parent, va, 0), *child_l1;

		if (parent_l1 == 0 || (*parent_l1 & PTE_V) == 0)
			continue;
		if (L0_START(va) == L0_START(TRAPFRAME))
			return fork_pages(parent, child, va, size);
		vm_lock_shared();
		child_l1 = pt_walk_l1(child, va, 1);
		if (child_l1)
			fork_share_table(parent_l1, child_l1);
		vm_unlock_shared();
		if (child_l1 == 0)
			return -1;
	}
	return 0;
}
