/*
 * User address spaces.
 *
 * Layout from 0: program segments, an unmapped guard page, one stack page,
 * then the heap up to p->sz; TRAPFRAME and TRAMPOLINE at the top, without
 * PTE_U.  Every page in [0, sz) is mapped except the guard page (and
 * whatever a program left between its segments), so the walkers below
 * skip holes.
 *
 * fork walks the parent's pages here (uvm_fork); what happens to each page
 * (shared copy-on-write, or copied with FORK=copy) is decided in cow.c.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

extern char trampoline[];

pagetable_t
uvm_create(uint64 trapframe_pa)
{
	pagetable_t pt = pt_create();

	if (pt == 0)
		return 0;
	if (pt_map(pt, TRAMPOLINE, PGSIZE, (uint64)trampoline, PTE_R | PTE_X) < 0)
		goto fail;
	if (pt_map(pt, TRAPFRAME, PGSIZE, trapframe_pa, PTE_R | PTE_W) < 0)
		goto fail;
	return pt;
fail:
	pt_unmap(pt, TRAMPOLINE, 1, 0);
	pt_free_tables(pt);
	return 0;
}

/* Drop every user page and the page table; the trap frame is the caller's. */
void
uvm_destroy(pagetable_t pt, uint64 size)
{
	pt_unmap(pt, TRAMPOLINE, 1, 0);
	pt_unmap(pt, TRAPFRAME, 1, 0);
	pt_unmap(pt, 0, PGROUNDUP(size) / PGSIZE, 1);
	pt_free_tables(pt);
}

/*
 * Map zeroed pages for [oldsz, newsz) with perm (plus user access).
 * Returns newsz, or 0 with nothing changed when memory runs out or newsz
 * would reach the trap frame.
 */
uint64
uvm_grow(pagetable_t pt, uint64 oldsz, uint64 newsz, int perm)
{
	uint64 a;

	if (newsz <= oldsz)
		return oldsz;
	if (newsz > TRAPFRAME)
		return 0;
	for (a = PGROUNDUP(oldsz); a < newsz; a += PGSIZE) {
		void *pa = frame_alloc_zeroed();

		if (pa == 0)
			goto fail;
		if (pt_map(pt, a, PGSIZE, (uint64)pa, perm | PTE_U) < 0) {
			frame_free(pa);
			goto fail;
		}
	}
	return newsz;
fail:
	pt_unmap(pt, PGROUNDUP(oldsz), (a - PGROUNDUP(oldsz)) / PGSIZE, 1);
	return 0;
}

uint64
uvm_shrink(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
	if (newsz >= oldsz)
		return oldsz;
	pt_unmap(pt, PGROUNDUP(newsz), (PGROUNDUP(oldsz) - PGROUNDUP(newsz)) / PGSIZE, 1);
	return newsz;
}

/*
 * Give child a view of the parent's [0, size).  On failure the child's
 * mappings made so far are dropped (their references with them) and -1
 * returned; pages already turned COW in the parent stay COW, which is
 * harmless: the parent's next write finds the frame unshared and reuses it.
 * The parent's changed PTEs are flushed from the TLB on its way back to
 * user mode (userret).
 */
int
uvm_fork(pagetable_t parent, pagetable_t child, uint64 size)
{
	uint64 va;

	for (va = 0; va < size; va += PGSIZE) {
		pte_t *pte = pt_walk(parent, va, 0);

		if (pte == 0) {
			va = pt_last_page_of_table(va);
			continue;
		}
		if ((*pte & PTE_V) == 0)
			continue;   /* a hole: the guard page */
		if (fork_share_page(pte, child, va) < 0) {
			pt_unmap(child, 0, va / PGSIZE, 1);
			return -1;
		}
	}
	return 0;
}
