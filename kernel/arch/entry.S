# The first instructions every hart runs, with a0 = hart id and a1 = the
# device tree.  Without firmware (the default build) QEMU starts every hart
# here, at 0x80000000, in machine mode, and we call mstart() (start.c).
# Under SBI firmware (make SBI=1) the firmware enters one hart here, at
# 0x80200000, in supervisor mode; the kernel starts the others here too
# (with a1 = 0), and we call sstart() (sbi.c).
# Give each hart its own boot stack first.

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
#ifdef SBI_BOOT
	call	sstart
#else
	call	mstart
#endif
park:
	wfi
	j	park

# Per-hart boot stacks, each with a guard page below it (see kvm.c).
.section .bss
.balign 4096
.globl boot_stacks
boot_stacks:
	.zero	NCPU * 2 * 4096
