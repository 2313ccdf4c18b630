# Traps taken while in supervisor mode (interrupts, or a kernel bug) come
# here: save the registers a C call may clobber on the current kernel
# stack, call kerneltrap(), restore, sret.  sepc and sstatus are saved by
# kerneltrap() itself because it may yield to another process.
#
# The top two slots make this look like an ordinary call frame whose
# return address is the interrupted pc, so a panic's backtrace walks
# straight through the trap into the code that was interrupted.

.globl kernelvec
.align 4
kernelvec:
	addi	sp, sp, -160
	sd	ra, 0(sp)
	sd	gp, 8(sp)
	sd	t0, 16(sp)
	sd	t1, 24(sp)
	sd	t2, 32(sp)
	sd	a0, 40(sp)
	sd	a1, 48(sp)
	sd	a2, 56(sp)
	sd	a3, 64(sp)
	sd	a4, 72(sp)
	sd	a5, 80(sp)
	sd	a6, 88(sp)
	sd	a7, 96(sp)
	sd	t3, 104(sp)
	sd	t4, 112(sp)
	sd	t5, 120(sp)
	sd	t6, 128(sp)
	sd	s0, 144(sp)		# caller's frame pointer
	csrr	t0, sepc
	sd	t0, 152(sp)		# "return address": the interrupted pc
	addi	s0, sp, 160

	call	kerneltrap

	ld	ra, 0(sp)
	ld	gp, 8(sp)
	ld	t0, 16(sp)
	ld	t1, 24(sp)
	ld	t2, 32(sp)
	ld	a0, 40(sp)
	ld	a1, 48(sp)
	ld	a2, 56(sp)
	ld	a3, 64(sp)
	ld	a4, 72(sp)
	ld	a5, 80(sp)
	ld	a6, 88(sp)
	ld	a7, 96(sp)
	ld	t3, 104(sp)
	ld	t4, 112(sp)
	ld	t5, 120(sp)
	ld	t6, 128(sp)
	ld	s0, 144(sp)
	addi	sp, sp, 160
	sret
