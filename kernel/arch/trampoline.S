# The trampoline page: mapped at TRAMPOLINE in the kernel's page table and
# in every user page table, so the code here keeps running while satp
# switches between them.
#
# uservec: entered from user mode on any trap (stvec points here).  While a
# process is in user mode, sscratch holds TRAPFRAME.  Save every user
# register and the user pc into the trap frame, then switch to the kernel
# page table and stack and jump to usertrap().  Floating-point registers
# are left alone: the kernel never uses them (see fpregs.S).
#
# userret(a0 = user satp): the way back.  Switch to the user page table,
# restore the registers from the trap frame, sret.
#
# Every offset comes from kernel/arch/regs.h, which checks them against
# struct trapframe.

#include "kernel/memlayout.h"
#include "kernel/arch/regs.h"

.section .trampoline
.globl trampoline
.globl uservec
.align 4
uservec:
	csrrw	a0, sscratch, a0	# a0 = TRAPFRAME, sscratch = user a0
	.irp	n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, TF_X(\n)(a0)
	.endr
	csrr	t0, sscratch
	sd	t0, TF_X(10)(a0)
	csrr	t0, sepc
	sd	t0, TF_PC(a0)

	ld	sp, TF_KSP(a0)
	ld	tp, TF_KHART(a0)
	ld	t0, TF_KTRAP(a0)
	ld	t1, TF_KSATP(a0)
	li	s0, 0			# the kernel stack's frame chain starts here
	sfence.vma zero, zero		# finish user memory accesses first
	csrw	satp, t1
	sfence.vma zero, zero
	jr	t0

.globl userret
userret:
	sfence.vma zero, zero
	csrw	satp, a0
	sfence.vma zero, zero		# no stale translation survives the switch

	li	a0, TRAPFRAME
	csrw	sscratch, a0
	ld	t0, TF_PC(a0)
	csrw	sepc, t0
	.irp	n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, TF_X(\n)(a0)
	.endr
	ld	a0, TF_X(10)(a0)
	sret
