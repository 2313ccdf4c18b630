/*
 * Page faults taken in user mode: the one place that decides what a fault
 * means.  A store (or AMO) to a copy-on-write page is resolved by
 * cow_resolve(); every other fault kills only the faulting process, and
 * vm_user_fault says why, for the one-line diagnostic trap.c prints.
 * Nothing here trusts the address: it is checked before any walk, so no
 * user address reaches a panic.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fcntl.h"
#include "kernel/arch/arch.h"
#include "kernel/mm/mm.h"

/* Why could the process not touch va? */
static const char *
fault_reason(pagetable_t pt, uint64 va, uint64 stack_base)
{
	pte_t *pte;

	if (va >= MAXVA)
		return "beyond MAXVA";
	if (va < stack_base && va >= stack_base - PGSIZE)
		return "guard page";
	pte = pt_walk(pt, va, 0);
	if (pte == 0 || (*pte & PTE_V) == 0)
		return va >= KERNBASE && va < MMAP_BASE
		    ? "kernel address, unmapped"
		    : "unmapped";
	return "protection";
}

enum vm_fill
vm_fill(pagetable_t pt, uint64 va, int need)
{
	enum vm_fill r = FILL_NONE;

	/* The heap is not executable: a fetch there never fills a page. */
	if (need != PROT_EXEC)
		r = uvm_fill(pt, va, need == PROT_WRITE);
	return r == FILL_NONE ? vma_fill(pt, va, need) : r;
}

/* What a page fault of this cause was trying to do. */
static int
fault_needs(uint64 scause)
{
	if (scause == SCAUSE_SPAGEFAULT)
		return PROT_WRITE;
	return scause == SCAUSE_IPAGEFAULT ? PROT_EXEC : PROT_READ;
}

const char *
vm_user_fault(pagetable_t pt, uint64 scause, uint64 va, uint64 stack_base)
{
	if (scause == SCAUSE_SPAGEFAULT && va < MAXVA) {
		switch (cow_resolve(pt, va)) {
		case COW_REUSED:
		case COW_COPIED:
			return 0;
		case COW_NO_MEMORY:
			return "out of memory for copy-on-write";
		case COW_NOT_COW:
			break;
		}
	}
	switch (vm_fill(pt, va, fault_needs(scause))) {
	case FILL_MAPPED:
		return 0;
	case FILL_NO_MEMORY:
		return "out of memory for a heap or mapped page";
	case FILL_DENIED:
		return "protection";
	case FILL_IO_ERROR:
		return "mapped file unreadable";
	case FILL_NONE:
		break;
	}
	return fault_reason(pt, va, stack_base);
}
