# switch(from, to): suspend the running kernel thread, saving what the C
# calling convention says survives a call (ra, sp, s0..s11) in *from, and
# resume the thread whose registers are in *to.  Everything else is
# caller-saved, so the C caller has already put it aside.  The offsets
# come from kernel/arch/regs.h, which checks them against struct context.

#include "kernel/arch/regs.h"

.globl switch_context
switch_context:
	sd	ra, CTX_RA(a0)
	sd	sp, CTX_SP(a0)
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\n, CTX_S(\n)(a0)
	.endr

	ld	ra, CTX_RA(a1)
	ld	sp, CTX_SP(a1)
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\n, CTX_S(\n)(a1)
	.endr
	ret
