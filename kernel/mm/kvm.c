/*
 * The kernel's page table, shared by every hart.
 *
 * RAM and devices are mapped at their physical addresses (so the kernel
 * reaches any frame through its physical address), kernel text read+execute,
 * everything else read+write, nothing both writable and executable.
 * The trampoline sits at the top; below it, one kernel stack per process
 * slot, each with an unmapped guard page beneath it.  The boot stacks in
 * the kernel image get guard pages too, by unmapping the page under each.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

pagetable_t kernel_pagetable;

extern char kernel_start[], etext[]; /* kernel.ld */
extern char trampoline[];
extern char boot_stacks[NCPU][2][PGSIZE];

void
kvm_map(uint64 va, uint64 pa, uint64 size, int perm)
{
	if (pt_map(kernel_pagetable, va, size, pa, perm) != 0)
		panic("kvm_map: out of memory mapping 0x%lx", va);
}

void
kvm_init(void)
{
	int i;

	kernel_pagetable = pt_create();
	if (kernel_pagetable == 0)
		panic("kvm_init: no memory");

	kvm_map(UART0, UART0, PGSIZE, PTE_R | PTE_W);
	kvm_map(VIRT_TEST, VIRT_TEST, PGSIZE, PTE_R | PTE_W); /* power off */
	kvm_map(VIRTIO0, VIRTIO0, PGSIZE, PTE_R | PTE_W);
	kvm_map(PLIC, PLIC, 0x400000, PTE_R | PTE_W);
#ifndef SBI_BOOT
	kvm_map(CLINT, CLINT, PGSIZE, PTE_R | PTE_W); /* CLINT_MSIP: hart_kick */
#endif
	/* Under SBI firmware, RAM below the kernel is the firmware's: unmapped. */
	kvm_map((uint64)kernel_start, (uint64)kernel_start,
	    (uint64)etext - (uint64)kernel_start, PTE_R | PTE_X);
	kvm_map((uint64)etext, (uint64)etext, frame_ram_end() - (uint64)etext,
	    PTE_R | PTE_W);
	kvm_map(TRAMPOLINE, (uint64)trampoline, PGSIZE, PTE_R | PTE_X);

	for (i = 0; i < NPROC; i++) {
		int j;

		for (j = 0; j < KSTACK_PAGES; j++) {
			void *pa = frame_alloc_zeroed();

			if (pa == 0)
				panic("kvm_init: no memory for kernel stacks");
			kvm_map(KSTACK(i) + j * PGSIZE, (uint64)pa, PGSIZE,
			    PTE_R | PTE_W);
		}
	}
	for (i = 0; i < NCPU; i++)
		pt_unmap(kernel_pagetable, (uint64)boot_stacks[i][0], 1, 0);
}

/* Turn on paging for this hart with the kernel's page table. */
void
kvm_init_hart(void)
{
	sfence_vma();
	CSR_WRITE(satp, MAKE_SATP(kernel_pagetable));
	sfence_vma();
}
