# The first instructions every hart runs, at 0x80000000 in machine mode,
# with a0 = hart id and a1 = the device tree from QEMU's boot ROM.
# Give each hart its own boot stack and call mstart().

#include "kernel/param.h"

.section .text.entry
.globl _entry
_entry:
	li	t0, NCPU
	bgeu	a0, t0, park		# more harts than we support: leave them idle
	# boot_stacks[hart] is [guard page | stack page]; sp = top of the slot.
	la	sp, boot_stacks
	addi	t0, a0, 1
	slli	t0, t0, 13
	add	sp, sp, t0
	call	mstart
park:
	wfi
	j	park
