/*
 * Sv39 page tables: walk, map, unmap.  Used for the kernel's page table
 * and for every user address space.
 *
 * A page-table page is one frame holding PT_ENTRIES (512) PTEs.  Leaves live at level 0
 * only (no megapages), which keeps every mapping the same shape.  These
 * functions never trust a virtual address: pt_walk refuses va >= MAXVA, so
 * a bad user address can be looked up without reaching a panic.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

pagetable_t
pt_create(void)
{
	return frame_alloc_zeroed();
}

/*
 * A table is shared by several address spaces (FORK=cow) if its frame's
 * count is above 1 (a level-0 table is also when its level-1 table is).
 */
static inline int
table_is_shared(pte_t upper_pte)
{
	return (upper_pte & PTE_V) &&
	    frame_refcount((void *)PTE2PA(upper_pte)) > 1;
}

/*
 * Point pte at a new, zeroed table.  The fence makes the zeros visible
 * before the pointer: the audit may read an address space on another hart
 * while exec builds it (outside the VM lock; every single store leaves
 * such a private, new space consistent).
 */
static void
publish(pte_t *pte, pagetable_t table)
{
	__sync_synchronize();
	*pte = PA2PTE(table) | PTE_V;
}

/*
 * The address of the level-1 PTE that points to (or would point to) the
 * level-0 table covering va, creating a missing level-1 table when alloc
 * is set.  Returns 0 if va >= MAXVA or the level-1 table is missing (or
 * could not be allocated).
 */
pte_t *
pt_walk_l1(pagetable_t pt, uint64 va, int alloc)
{
	pte_t *pte;
	pagetable_t l1;

	if (va >= MAXVA)
		return 0;
	pte = &pt[PX(2, va)];
	if ((*pte & PTE_V) == 0) {
		if (!alloc || (l1 = pt_create()) == 0)
			return 0;
		publish(pte, l1);
	}
	return &((pagetable_t)PTE2PA(*pte))[PX(1, va)];
}

/*
 * The address of the level-0 PTE for va, creating missing page-table pages
 * when alloc is set.  Returns 0 if va >= MAXVA or a needed page-table page
 * is missing (or could not be allocated).
 *
 * Walking with alloc is for mapping, so the level-0 table met on the way
 * loses its PTE_TABLE_RO mark (it may gain a writable leaf).  It must not
 * be shared, nor its level-1 table, whose root PTE must have no mark: a
 * user address space makes them private and unmarks the root PTE first
 * (cow_private_l1pte, cow_private_table).
 */
pte_t *
pt_walk(pagetable_t pt, uint64 va, int alloc)
{
	pte_t *l1pte = pt_walk_l1(pt, va, alloc);
	pagetable_t l0;

	if (l1pte == 0)
		return 0;
	if ((*l1pte & PTE_V) == 0) {
		if (!alloc || (l0 = pt_create()) == 0)
			return 0;
		DEBUG_ASSERT((pt[PX(2, va)] & PTE_TABLE_RO) == 0);
		publish(l1pte, l0);
	} else if (alloc && (*l1pte & PTE_TABLE_RO)) {
		/*
		 * Mapping into a shared table: cow_private_table was skipped
		 * (a shared table always has the mark; without it, neither it
		 * nor the root PTE has one to clear).
		 */
		DEBUG_ASSERT(!table_is_shared(*l1pte));
		DEBUG_ASSERT((pt[PX(2, va)] & PTE_TABLE_RO) == 0);
		*l1pte &= ~PTE_TABLE_RO;
	}
	return &((pagetable_t)PTE2PA(*l1pte))[PX(0, va)];
}

/*
 * Map [va, va+size) to [pa, pa+size) with perm.  All-or-nothing: if a
 * page-table page cannot be allocated, the pages this call mapped are
 * unmapped again and -1 is returned.
 */
int
pt_map(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
	uint64 off;

	if (va % PGSIZE || size % PGSIZE || size == 0)
		panic("pt_map: unaligned va 0x%lx size 0x%lx", va, size);
	for (off = 0; off < size; off += PGSIZE) {
		pte_t *pte = pt_walk(pt, va + off, 1);

		if (pte == 0) {
			pt_unmap(pt, va, off / PGSIZE, 0);
			return -1;
		}
		if (*pte & PTE_V)
			panic("pt_map: va 0x%lx already mapped", va + off);
		*pte = PA2PTE(pa + off) | perm | PTE_V;
	}
	return 0;
}

/*
 * Remove npages mappings from va, dropping a frame reference for each when
 * free_frames is set.  Pages that are not mapped are skipped: a user
 * address space has holes (the stack guard page), and the unwinding of a
 * half-built one meets pages it never mapped.
 */
void
pt_unmap(pagetable_t pt, uint64 va, uint64 npages, int free_frames)
{
	uint64 a;

	if (va % PGSIZE)
		panic("pt_unmap: unaligned va 0x%lx", va);
	for (a = va; a < va + npages * PGSIZE; a += PGSIZE) {
		pte_t *pte = pt_walk(pt, a, 0);

		if (pte == 0) {
			a = pt_last_page_of_table(a);
			continue;
		}
		if ((*pte & PTE_V) == 0)
			continue;
		if (free_frames)
			frame_free((void *)PTE2PA(*pte));
		*pte = 0;
	}
}

/* Free the page-table pages themselves; every leaf must be unmapped. */
void
pt_free_tables(pagetable_t pt)
{
	int i;

	pt_for_each_valid (pt, i) {
		pte_t pte = pt[i];

		if (pte_is_leaf(pte))
			panic("pt_free_tables: leaf 0x%lx still mapped at index %d",
			    pte, i);
		pt_free_tables((pagetable_t)PTE2PA(pte));
		pt[i] = 0;
	}
	frame_free(pt);
}

/* Physical address of the user page holding va, or 0. */
uint64
pt_lookup_user(pagetable_t pt, uint64 va)
{
	pte_t *pte = pt_walk(pt, va, 0);

	if (pte == 0 || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U))
		return 0;
	return PTE2PA(*pte);
}
