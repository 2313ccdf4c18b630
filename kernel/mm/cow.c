/*
 * Copy-on-write policy, all of it: what fork does with each page
 * (fork_share_page), and what happens when a process (or the kernel on its
 * behalf, in copyout) writes to a page it shares (cow_resolve).
 *
 * PTE states of a user data page:
 *
 *   private      V R W U        -- fork -->          shared COW  V R U COW
 *   shared COW   refcount 1     -- write -->  reuse: V R W U (same frame)
 *   shared COW   refcount > 1   -- write -->  copy:  V R W U (new frame),
 *                                                    old frame loses a ref
 *   text         V R X U        never changes; a write kills the process
 *
 * Why reuse is safe without a lock around the decision: a frame's count
 * rises only in fork, and fork runs in the context of the process that
 * owns the mapping.  If this process sees count 1, no other address space
 * maps the frame and none can start to while we decide.  If it sees a
 * larger count that drops concurrently (another sharer exits or copies),
 * copying anyway is merely one copy too many; the drop of our reference
 * then frees the old frame exactly once (frame_free is atomic).
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

static uint64 cow_faults, pages_copied, pages_reused;

int
pte_is_cow(pte_t pte)
{
	return (pte & (PTE_V | PTE_U | PTE_COW)) == (PTE_V | PTE_U | PTE_COW);
}

enum cow_result
cow_resolve(pagetable_t pt, uint64 va)
{
	pte_t *pte = pt_walk(pt, PGROUNDDOWN(va), 0);
	void *old, *copy;

	if (pte == 0 || !pte_is_cow(*pte))
		return COW_NOT_COW;
	__sync_fetch_and_add(&cow_faults, 1);
	old = (void *)PTE2PA(*pte);

	if (frame_refcount(old) == 1) {
		*pte = (*pte | PTE_W) & ~PTE_COW;
		__sync_fetch_and_add(&pages_reused, 1);
		return COW_OK;
	}

	copy = frame_alloc();
	if (copy == 0)
		return COW_NO_MEMORY;
	page_copy(copy, old);
	*pte = PA2PTE(copy) | ((PTE_FLAGS(*pte) | PTE_W) & ~PTE_COW);
	frame_free(old);
	__sync_fetch_and_add(&pages_copied, 1);
	return COW_OK;
}

void
cow_counters(uint64 *faults, uint64 *copied, uint64 *reused)
{
	*faults = cow_faults;
	*copied = pages_copied;
	*reused = pages_reused;
}

#ifndef FORK_COPY
/*
 * fork: give the child the parent's page at va.  Only a writable page
 * becomes COW (in both page tables); text is shared as it is and stays
 * read-only.  The frame gains one reference, for the child's PTE.
 */
int
fork_share_page(pte_t *parent_pte, pagetable_t child, uint64 va)
{
	uint64 pa = PTE2PA(*parent_pte);

	if (*parent_pte & PTE_W)
		*parent_pte = (*parent_pte & ~PTE_W) | PTE_COW;
	if (pt_map(child, va, PGSIZE, pa, PTE_FLAGS(*parent_pte) & ~PTE_V) < 0)
		return -1;
	frame_ref_inc((void *)pa);
	return 0;
}
#else
/* FORK=copy: the child gets its own copy of every page, at once. */
int
fork_share_page(pte_t *parent_pte, pagetable_t child, uint64 va)
{
	void *copy = frame_alloc();

	if (copy == 0)
		return -1;
	page_copy(copy, (void *)PTE2PA(*parent_pte));
	if (pt_map(child, va, PGSIZE, (uint64)copy, PTE_FLAGS(*parent_pte) & ~PTE_V) < 0) {
		frame_free(copy);
		return -1;
	}
	return 0;
}
#endif
