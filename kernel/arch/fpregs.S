# Saving and loading a user process's floating-point registers.
#
# The kernel itself is compiled for the integer-only ABI (-mabi=lp64,
# no F/D extension), so C code never touches these registers; only these
# two routines do, with the D extension switched on for them alone.  The
# caller makes sure sstatus.FS is not Off (an FP instruction would trap).

#include "kernel/arch/regs.h"

.option push
.option arch, +d

# fpu_save(struct fpstate *a0)
.globl fpu_save
fpu_save:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\n, FP_F(\n)(a0)
	.endr
	frcsr	t0
	sd	t0, FP_FCSR(a0)
	ret

# fpu_load(const struct fpstate *a0)
.globl fpu_load
fpu_load:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld	f\n, FP_F(\n)(a0)
	.endr
	ld	t0, FP_FCSR(a0)
	fscsr	t0
	ret

.option pop
