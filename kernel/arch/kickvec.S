# Machine mode's only trap: a kick from another hart (hart_kick in cpu.c).
#
# Supervisor mode cannot interrupt another hart by itself; it can raise
# that hart's machine software interrupt through the CLINT.  Every other
# trap and interrupt is delegated to supervisor mode (start.c), so this
# handler runs only for that one: it takes the kick back (MSIP off) and
# raises a supervisor software interrupt in its place (mip.SSIP), which the
# kernel sees as soon as mret returns to supervisor or user mode.
#
# mscratch holds this hart's two-word save area (start.c); paging is off
# in machine mode, so everything here is a physical address.

#include "kernel/memlayout.h"

.section .text
.globl kickvec
.align 4
kickvec:
	csrrw	a0, mscratch, a0	# a0 = save area, mscratch = the old a0
	sd	a1, 0(a0)
	sd	a2, 8(a0)
	csrr	a1, mcause
	li	a2, 0x8000000000000003	# interrupt 3: machine software
	bne	a1, a2, unexpected
	csrr	a1, mhartid
	slli	a1, a1, 2
	li	a2, CLINT
	add	a1, a1, a2
	sw	zero, 0(a1)		# CLINT_MSIP(hart) = 0: kick taken
	li	a1, 2			# mip.SSIP
	csrs	mip, a1
	ld	a1, 0(a0)
	ld	a2, 8(a0)
	csrrw	a0, mscratch, a0
	mret
unexpected:
	# Nothing else is left to machine mode: a trap here is a bug we cannot
	# report from this mode.  Stop this hart; the others go on.
	wfi
	j	unexpected
