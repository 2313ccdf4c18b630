/* System calls about processes, time and memory. */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/vmstat.h"
#include "kernel/lockstat.h"
#include "kernel/arch/arch.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"
#include "kernel/fs/fsys.h"
#include "kernel/sys/sys.h"

/* The child shares the parent's open files and working directory. */
uint64
sys_fork(void)
{
	struct proc *p = myproc(), *c = proc_fork();
	int fd, pid;

	if (c == 0)
		return -1;
	for (fd = 0; fd < NOFILE; fd++)
		if (p->ofile[fd])
			c->ofile[fd] = file_dup(p->ofile[fd]);
	c->cwd = idup(p->cwd);
	pid = c->pid;
	proc_start(c);
	return pid;
}

/*
 * Drop the reference to the working directory.  Only the last reference
 * to an unlinked directory can free blocks, so only then is a log
 * transaction needed; normally it is just a count going down.
 */
static void
drop_cwd(struct proc *p)
{
	if (!iput_if_not_last(p->cwd)) {
		op_begin();
		iput(p->cwd);
		op_end();
	}
	p->cwd = 0;
}

/* Close the files (only this layer can reach fs), then proc_exit. */
void
exit_process(int status)
{
	struct proc *p = myproc();
	int fd;

	/* Shared mappings are written back; only a file's can need it. */
	if (p->file_hi > MMAP_BASE)
		vma_unmap_all(p->pagetable);
	for (fd = 0; fd < NOFILE; fd++) {
		if (p->ofile[fd]) {
			file_close(p->ofile[fd]);
			p->ofile[fd] = 0;
		}
	}
	drop_cwd(p);
	proc_exit(status);
}

uint64
sys_pmap(void)
{
	return proc_pmap(arg_int(0), arg_int(1), arg_addr(2));
}

uint64
sys_exit(void)
{
	exit_process(arg_int(0));
}

/*
 * The first process's first code (user_init's start), holding p->lock
 * from the scheduler.  Mounting reads the disk, which sleeps: it needs a
 * process.
 */
void
start_init(void)
{
	struct proc *p = myproc();
	char *argv[] = { "init", 0 };
	int argc;

	spin_unlock(&p->lock);
	fs_init(ROOTDEV);
	p->cwd = namei("/");
	if (p->cwd == 0 || (argc = exec("/init", argv)) < 0)
		panic("cannot run /init: is the disk image built?");
	p->trapframe->x[REG_A0] = argc;
	usertrap_return();
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
		if (waitq_sleep_until(&tick_lock, start + n) < 0) {
			spin_unlock(&tick_lock);
			return -1;
		}
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
/*
 * setfg(pid): make pid's job the console's foreground, the one Ctrl-C
 * kills; 0: nothing in front.  pid must be the caller or one of its
 * descendants (never init), so no process can expose its shell or
 * anyone else to Ctrl-C.  Returns the previous foreground pid (0 if
 * none), or -1.  A shell calls it around each command line it runs.
 */
uint64
sys_setfg(void)
{
	int pid = arg_int(0);

	if (pid != 0 && !proc_is_in_family(pid, myproc()))
		return -1;
	return console_set_front(pid);
}

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

/*
 * lockstat(op, struct lockstat *out, int max): each kind of lock's counts,
 * copied out one record at a time (no big buffer on the kernel stack).
 */
uint64
sys_lockstat(void)
{
	int op = arg_int(0), max = arg_int(2), i, n;
	uint64 out = arg_addr(1);
	struct lockstat rec;
	const char *name;

	if (op == LOCKSTAT_RESET) {
		lock_kinds_reset();
		return 0;
	}
	if (op == LOCKSTAT_HARTS) {
		for (i = 0, n = 0; i < NCPU; i++)
			n += cpus[i].started != 0;
		return n;
	}
	if (op != LOCKSTAT_READ || max < 0)
		return -1;
	for (n = 0; n < max; n++) {
		if (lock_kind_get(n, &name, &rec.acquired, &rec.contended) < 0)
			break;
		memset(rec.name, 0, sizeof(rec.name));
		strlcpy_k(rec.name, name, sizeof(rec.name));
		if (copyout(myproc()->pagetable, out + n * sizeof(rec), &rec,
			sizeof(rec)) != 0)
			return -1;
	}
	return n;
}
