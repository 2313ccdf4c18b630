/*
 * RISC-V paging facts shared by the kernel and user programs.
 * Kernel-only CSR accessors live in kernel/arch/arch.h.
 */
#ifndef COWBIRD_RISCV_H
#define COWBIRD_RISCV_H

#define PGSIZE  4096
#define PGSHIFT 12

#define PGROUNDUP(sz)  (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))

#define PTE_V   (1L << 0) /* valid */
#define PTE_R   (1L << 1)
#define PTE_W   (1L << 2)
#define PTE_X   (1L << 3)
#define PTE_U   (1L << 4) /* user-accessible */
#define PTE_A   (1L << 6)
#define PTE_D   (1L << 7)
#define PTE_COW (1L << 8) /* software bit (RSW): shared copy-on-write page */

/* Sv39: three 9-bit indexes above the 12-bit offset. */
#define PXMASK         0x1FF
#define PXSHIFT(level) (PGSHIFT + 9 * (level))
#define PX(level, va)  ((((uint64)(va)) >> PXSHIFT(level)) & PXMASK)

#define PA2PTE(pa)     ((((uint64)(pa)) >> 12) << 10)
#define PTE2PA(pte)    (((pte) >> 10) << 12)
#define PTE_FLAGS(pte) ((pte)&0x3FF)

/*
 * One past the highest virtual address: one bit less than Sv39 allows, so
 * that no address needs sign extension.
 */
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

#ifndef __ASSEMBLER__
#include "kernel/types.h"

typedef uint64 pte_t;
typedef uint64 *pagetable_t; /* 512 PTEs */

static inline uint64
r_sp(void)
{
	uint64 x;
	asm volatile("mv %0, sp" : "=r"(x));
	return x;
}
#endif

#endif
