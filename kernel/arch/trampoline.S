# The trampoline page: mapped at TRAMPOLINE in the kernel's page table and
# in every user page table, so the code here keeps running while satp
# switches between them.
#
# uservec: entered from user mode on any trap (stvec points here).  While a
# process is in user mode, sscratch holds TRAPFRAME.  Save every user
# register and the user pc into the trap frame (layout: struct trapframe in
# kernel/proc/proc.h), then switch to the kernel page table and stack and
# jump to usertrap().
#
# userret(a0 = user satp): the way back.  Switch to the user page table,
# restore the registers from the trap frame, sret.

#include "kernel/memlayout.h"

#define TF_PC      0
#define TF_KSATP   256
#define TF_KSP     264
#define TF_KTRAP   272
#define TF_KHART   280

.section .trampoline
.globl trampoline
.globl uservec
.align 4
uservec:
	csrrw	a0, sscratch, a0	# a0 = TRAPFRAME, sscratch = user a0
	sd	x1, 8(a0)
	sd	x2, 16(a0)
	sd	x3, 24(a0)
	sd	x4, 32(a0)
	sd	x5, 40(a0)
	sd	x6, 48(a0)
	sd	x7, 56(a0)
	sd	x8, 64(a0)
	sd	x9, 72(a0)
	# x10 (a0) below, from sscratch
	sd	x11, 88(a0)
	sd	x12, 96(a0)
	sd	x13, 104(a0)
	sd	x14, 112(a0)
	sd	x15, 120(a0)
	sd	x16, 128(a0)
	sd	x17, 136(a0)
	sd	x18, 144(a0)
	sd	x19, 152(a0)
	sd	x20, 160(a0)
	sd	x21, 168(a0)
	sd	x22, 176(a0)
	sd	x23, 184(a0)
	sd	x24, 192(a0)
	sd	x25, 200(a0)
	sd	x26, 208(a0)
	sd	x27, 216(a0)
	sd	x28, 224(a0)
	sd	x29, 232(a0)
	sd	x30, 240(a0)
	sd	x31, 248(a0)
	csrr	t0, sscratch
	sd	t0, 80(a0)
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
	ld	x1, 8(a0)
	ld	x2, 16(a0)
	ld	x3, 24(a0)
	ld	x4, 32(a0)
	ld	x5, 40(a0)
	ld	x6, 48(a0)
	ld	x7, 56(a0)
	ld	x8, 64(a0)
	ld	x9, 72(a0)
	ld	x11, 88(a0)
	ld	x12, 96(a0)
	ld	x13, 104(a0)
	ld	x14, 112(a0)
	ld	x15, 120(a0)
	ld	x16, 128(a0)
	ld	x17, 136(a0)
	ld	x18, 144(a0)
	ld	x19, 152(a0)
	ld	x20, 160(a0)
	ld	x21, 168(a0)
	ld	x22, 176(a0)
	ld	x23, 184(a0)
	ld	x24, 192(a0)
	ld	x25, 200(a0)
	ld	x26, 208(a0)
	ld	x27, 216(a0)
	ld	x28, 224(a0)
	ld	x29, 232(a0)
	ld	x30, 240(a0)
	ld	x31, 248(a0)
	ld	a0, 80(a0)
	sret
