/*
 * System-call dispatch and argument fetching.
 *
 * The number arrives in a7 and the arguments in a0..a5 of the trap frame;
 * the result goes back in a0.  Arguments are raw register values: every
 * pointer among them is checked when it is used (copyin, copyout,
 * copyinstr), never trusted here.
 */
#include "kernel/types.h"
#include "kernel/syscall.h"
#include "kernel/arch/arch.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"
#include "kernel/sys/sys.h"

uint64 sys_fork(void);
uint64 sys_exit(void);
uint64 sys_wait(void);
uint64 sys_kill(void);
uint64 sys_exec(void);
uint64 sys_getpid(void);
uint64 sys_sbrk(void);
uint64 sys_sleep(void);
uint64 sys_uptime(void);
uint64 sys_vmstat(void);
uint64 sys_pmap(void);
uint64 sys_setfg(void);
uint64 sys_lockstat(void);
uint64 sys_mmap(void);
uint64 sys_munmap(void);

static uint64 (*const syscalls[])(void) = {
	[SYS_fork] = sys_fork,
	[SYS_exit] = sys_exit,
	[SYS_wait] = sys_wait,
	[SYS_pipe] = sys_pipe,
	[SYS_read] = sys_read,
	[SYS_kill] = sys_kill,
	[SYS_exec] = sys_exec,
	[SYS_fstat] = sys_fstat,
	[SYS_chdir] = sys_chdir,
	[SYS_dup] = sys_dup,
	[SYS_getpid] = sys_getpid,
	[SYS_sbrk] = sys_sbrk,
	[SYS_sleep] = sys_sleep,
	[SYS_uptime] = sys_uptime,
	[SYS_open] = sys_open,
	[SYS_write] = sys_write,
	[SYS_mknod] = sys_mknod,
	[SYS_unlink] = sys_unlink,
	[SYS_link] = sys_link,
	[SYS_mkdir] = sys_mkdir,
	[SYS_close] = sys_close,
	[SYS_vmstat] = sys_vmstat,
	[SYS_pmap] = sys_pmap,
	[SYS_setfg] = sys_setfg,
	[SYS_lockstat] = sys_lockstat,
	[SYS_mmap] = sys_mmap,
	[SYS_munmap] = sys_munmap,
};

/* An ecall from user mode (usertrap sends it here, interrupts off). */
void
syscall_dispatch(void)
{
	struct proc *p = myproc();
	uint64 num = p->trapframe->x[REG_A7];

	if (proc_is_killed(p))
		exit_process(-1);
	p->trapframe->x[REG_PC] += 4; /* return past the ecall */
	intr_on();

	if (num < NELEM(syscalls) && syscalls[num]) {
		p->trapframe->x[REG_A0] = syscalls[num]();
	} else {
		kprintf("pid %d (%s): unknown system call %lu\n", p->pid,
		    p->name, num);
		p->trapframe->x[REG_A0] = -1;
	}
}

int
arg_int(int n)
{
	return (int)myproc()->trapframe->x[REG_A0 + n];
}

uint64
arg_addr(int n)
{
	return myproc()->trapframe->x[REG_A0 + n];
}

int
fetch_addr(uint64 addr, uint64 *out)
{
	return copyin(myproc()->pagetable, out, addr, sizeof(*out)) == 0 ? 0 : -1;
}

/* Length of the string copied to buf, or -1 (bad address, or too long). */
int
fetch_str(uint64 addr, char *buf, int max)
{
	if (copyinstr(myproc()->pagetable, buf, addr, max) < 0)
		return -1;
	return strlen(buf);
}

int
arg_str(int n, char *buf, int max)
{
	return fetch_str(arg_addr(n), buf, max);
}
