/*
 * System-call stubs.  Each loads its number (kernel/syscall.h) into a7 and
 * traps; the arguments are already in a0..a5 and the kernel leaves the
 * result in a0, so the stub is three instructions.
 */
#include "kernel/syscall.h"

.macro sysent name, number
	.text
	.globl \name
	.type \name, @function
\name:
	li a7, \number
	ecall
	ret
	.size \name, . - \name
.endm

sysent fork, SYS_fork
sysent exit, SYS_exit
sysent wait, SYS_wait
sysent pipe, SYS_pipe
sysent read, SYS_read
sysent kill, SYS_kill
sysent exec, SYS_exec
sysent fstat, SYS_fstat
sysent chdir, SYS_chdir
sysent dup, SYS_dup
sysent getpid, SYS_getpid
sysent sbrk, SYS_sbrk
sysent sleep, SYS_sleep
sysent uptime, SYS_uptime
sysent open, SYS_open
sysent write, SYS_write
sysent mknod, SYS_mknod
sysent unlink, SYS_unlink
sysent link, SYS_link
sysent mkdir, SYS_mkdir
sysent close, SYS_close
sysent vmstat, SYS_vmstat
sysent pmap, SYS_pmap
sysent setfg, SYS_setfg
sysent lockstat, SYS_lockstat
sysent mmap, SYS_mmap
sysent munmap, SYS_munmap
