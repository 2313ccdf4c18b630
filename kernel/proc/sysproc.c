/* System calls about processes, time and memory. */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/vmstat.h"
#include "kernel/arch/arch.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"

uint64
sys_fork(void)
{
	return proc_fork();
}

uint64
sys_exit(void)
{
	proc_exit(arg_int(0));
}

uint64
sys_wait(void)
{
	return proc_wait(arg_addr(0));
}

uint64
sys_kill(void)
{
	return proc_kill(arg_int(0));
}

uint64
sys_getpid(void)
{
	return myproc()->pid;
}

uint64
sys_sbrk(void)
{
	uint64 old = myproc()->sz;

	if (proc_grow(arg_int(0)) < 0)
		return -1;
	return old;
}

uint64
sys_sleep(void)
{
	int n = arg_int(0);
	uint start;

	spin_lock(&tick_lock);
	start = ticks;
	while (n > 0 && ticks - start < (uint)n) {
		if (proc_is_killed(myproc())) {
			spin_unlock(&tick_lock);
			return -1;
		}
		waitq_sleep_until(&tick_lock, start + n);
	}
	spin_unlock(&tick_lock);
	return 0;
}

uint64
sys_uptime(void)
{
	uint t;

	spin_lock(&tick_lock);
	t = ticks;
	spin_unlock(&tick_lock);
	return t;
}

/*
 * exec(path, argv): the argument strings are copied into kernel frames
 * (one per argument) before exec() builds the new image.
 */
uint64
sys_exec(void)
{
	char path[MAXPATH];
	char *argv[MAXARG + 1];
	uint64 uargv = arg_addr(1);
	int i, ret = -1;

	memset(argv, 0, sizeof(argv));
	if (arg_str(0, path, MAXPATH) < 0)
		return -1;
	for (i = 0;; i++) {
		uint64 uarg;

		if (fetch_addr(uargv + i * sizeof(uint64), &uarg) < 0)
			goto out;
		if (uarg == 0)
			break;
		if (i >= MAXARG || (argv[i] = frame_alloc()) == 0)
			goto out;
		if (fetch_str(uarg, argv[i], PGSIZE) < 0)
			goto out;
	}
	ret = exec(path, argv);
out:
	for (i = 0; i < MAXARG && argv[i]; i++)
		frame_free(argv[i]);
	return ret;
}

/* vmstat(mode, struct vmstat *): counters, and in check modes the refcount audit. */
uint64
sys_vmstat(void)
{
	int mode = arg_int(0);
	struct vmstat st;
	int bad = 0;

	if (mode != VMSTAT_GET && mode != VMSTAT_CHECK &&
	    mode != VMSTAT_CHECK_VERBOSE)
		return -1;
	if (mode != VMSTAT_GET)
		bad = vm_check_refcounts(mode == VMSTAT_CHECK_VERBOSE);
	vm_stats(&st);
	if (copyout(myproc()->pagetable, arg_addr(1), &st, sizeof(st)) != 0)
		return -1;
	return bad;
}
