/*
 * Program entry.  exec starts us here with a0 = argc and a1 = argv, which
 * is exactly how main wants them; main's return value, left in a0, becomes
 * the exit status.  Placed first in the text segment by user/user.ld.
 */
	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	li ra, 0		/* debuggers: no caller above this frame */
	li fp, 0
	call main
	call exit		/* does not return */
1:	j 1b
	.size _start, . - _start
