/*
 * Physical and virtual memory layout.
 *
 * Physical (QEMU virt):
 *   0x00100000 test finisher (power off), 0x02000000 CLINT, 0x0c000000 PLIC,
 *   0x10000000 UART0, 0x10001000 virtio disk,
 *   0x80000000 RAM (kernel loaded here), as much as the device tree says
 *   (QEMU's -m).  PHYSTOP, the end of the default 128 MiB, is kept for
 *   programs that include it; the kernel does not use it.
 *
 * Kernel virtual: RAM and devices mapped at their physical addresses; at the
 * top, the trampoline and then kernel stacks separated by unmapped guard pages.
 *
 * User virtual, from 0: text, data+bss, guard page, stack page, heap ...
 * and at the top TRAPFRAME and TRAMPOLINE, neither user-accessible.
 */
#ifndef COWBIRD_MEMLAYOUT_H
#define COWBIRD_MEMLAYOUT_H

#include "kernel/riscv.h"

#define VIRT_TEST        0x00100000L /* test finisher: a store powers off */
#define CLINT            0x02000000L
#define CLINT_MTIME      (CLINT + 0xBFF8)
/* A 32-bit store of 1 at CLINT_MSIP(h) raises a machine software interrupt on hart h. */
#define CLINT_MSIP(hart) (CLINT + 4 * (hart))
#define PLIC             0x0c000000L
#define UART0            0x10000000L
#define UART0_IRQ        10
#define VIRTIO0          0x10001000L
#define VIRTIO0_IRQ      1

#define KERNBASE 0x80000000L
#define PHYSTOP  (KERNBASE + 128 * 1024 * 1024) /* ABI only: see above */

#define TRAMPOLINE (MAXVA - PGSIZE)
#define TRAPFRAME  (TRAMPOLINE - PGSIZE)

/* Kernel stack of process slot p: KSTACK_PAGES pages, a guard page below. */
#define KSTACK_PAGES 1
#define KSTACK(p)    (TRAMPOLINE - ((p) + 1) * (KSTACK_PAGES + 1) * PGSIZE)

#endif
