/*
 * File-system system calls.  Each checks its arguments (descriptors,
 * user pointers, path lengths) and returns -1 on any bad one; the work is
 * done by file.c, dir.c (names: path_resolve and the calls built on it)
 * and inode.c.
 *
 * Every call that may change the disk, or drop the last reference to an
 * inode, runs inside one op_begin()/op_end() so that it is atomic.  The
 * order in which inode locks are taken is in dir.c.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"
#include "kernel/fs/fsys.h"
#include "kernel/sys/sys.h"

/* The open file for argument n as a descriptor, or 0 if it is not one. */
static struct file *
arg_file(int n, int *pfd)
{
	int fd = arg_int(n);
	struct file *f;

	if (fd < 0 || fd >= NOFILE)
		return 0;
	f = myproc()->ofile[fd];
	if (f != 0 && pfd != 0)
		*pfd = fd;
	return f;
}

/* Give f the lowest free descriptor; -1 if the table is full. */
static int
fd_alloc(struct file *f)
{
	struct proc *p = myproc();
	int fd;

	for (fd = 0; fd < NOFILE; fd++) {
		if (p->ofile[fd] == 0) {
			p->ofile[fd] = f;
			return fd;
		}
	}
	return -1;
}

/*
 * The mapped file pages of a user buffer [addr, addr + n), brought in
 * before a file's or a pipe's locks are taken (mm cannot read a file
 * under them).  Most buffers are nowhere near one: a test, no call.
 */
static void
prefault(uint64 addr, int n, int need)
{
	struct proc *p = myproc();

	if (addr < p->file_hi && addr + n > p->file_lo)
		vma_prefault(p->pagetable, addr, n, need);
}

uint64
sys_read(void)
{
	struct file *f = arg_file(0, 0);
	uint64 addr = arg_addr(1);
	int n = arg_int(2);

	if (f == 0 || n < 0)
		return -1;
	/* A mapped file page comes in now, not under the file's locks. */
	prefault(addr, n, PROT_WRITE);
	return file_read(f, addr, n);
}

uint64
sys_write(void)
{
	struct file *f = arg_file(0, 0);
	uint64 addr = arg_addr(1);
	int n = arg_int(2);

	if (f == 0 || n < 0)
		return -1;
	prefault(addr, n, PROT_READ);
	return file_write(f, addr, n);
}

uint64
sys_close(void)
{
	struct file *f;
	int fd;

	f = arg_file(0, &fd);
	if (f == 0)
		return -1;
	myproc()->ofile[fd] = 0;
	file_close(f);
	return 0;
}

uint64
sys_dup(void)
{
	struct file *f = arg_file(0, 0);
	int fd;

	if (f == 0)
		return -1;
	fd = fd_alloc(f);
	if (fd < 0)
		return -1;
	file_dup(f);
	return fd;
}

uint64
sys_fstat(void)
{
	struct file *f = arg_file(0, 0);
	uint64 addr = arg_addr(1);

	if (f == 0)
		return -1;
	return file_stat(f, addr);
}

uint64
sys_pipe(void)
{
	struct proc *p = myproc();
	uint64 fdarray = arg_addr(0);
	struct file *rf, *wf;
	int fds[2];

	if (pipe_alloc(&rf, &wf) < 0)
		return -1;
	fds[0] = fd_alloc(rf);
	fds[1] = fds[0] < 0 ? -1 : fd_alloc(wf);
	if (fds[1] < 0 || copyout(p->pagetable, fdarray, fds, sizeof(fds)) != 0) {
		if (fds[0] >= 0)
			p->ofile[fds[0]] = 0;
		if (fds[1] >= 0)
			p->ofile[fds[1]] = 0;
		file_close(rf);
		file_close(wf);
		return -1;
	}
	return 0;
}

/* The path in argument n, copied into buf (MAXPATH bytes); -1 if bad. */
static int
arg_path(int n, char *buf)
{
	return arg_str(n, buf, MAXPATH);
}

/*
 * May ip (locked) be opened with omode?  Not a directory for writing, nor
 * a file a running program maps for writing or truncating (text busy).
 */
static int
open_allowed(struct inode *ip, int omode)
{
	if (ip->type == T_DIR)
		return (omode & (O_WRONLY | O_RDWR)) == 0;
	if (ip->type == T_DEVICE)
		return ip->major >= 0 && ip->major < NDEV;
	if (omode & (O_WRONLY | O_RDWR | O_TRUNC))
		return !inode_runs(ip);
	return 1;
}

uint64
sys_open(void)
{
	char path[MAXPATH];
	int omode = arg_int(1);
	struct inode *ip;
	struct file *f;
	int fd;

	if (arg_path(0, path) < 0)
		return -1;
	if ((omode & (O_CREATE | O_TRUNC)) && log_readonly())
		return -1;
	op_begin();
	if (omode & O_CREATE)
		ip = path_create(path, T_FILE, 0, 0);
	else if ((ip = namei(path)) != 0 && ilock(ip) < 0) {
		iput(ip);
		ip = 0;
	}
	if (ip == 0)
		goto fail;
	if (!open_allowed(ip, omode) || (f = file_alloc()) == 0)
		goto fail_put;
	if ((fd = fd_alloc(f)) < 0) {
		file_close(f); /* still FD_NONE: only frees the entry */
		goto fail_put;
	}
	f->ip = ip; /* the reference passes to f */
	f->readable = !(omode & O_WRONLY);
	f->writable = (omode & (O_WRONLY | O_RDWR)) != 0;
	if (ip->type == T_DEVICE) {
		f->major = ip->major;
		f->type = FD_DEVICE;
	} else {
		f->type = FD_INODE;
		if (f->writable) /* until its last close (file_close) */
			inode_writer_add(ip);
	}
	if ((omode & O_TRUNC) && ip->type == T_FILE)
		itrunc(ip);
	iunlock(ip);
	if (op_end() < 0 && (omode & (O_CREATE | O_TRUNC))) {
		/* What it made or emptied may not survive a reboot. */
		myproc()->ofile[fd] = 0;
		file_close(f);
		return -1;
	}
	return fd;

fail_put:
	iunlockput(ip);
fail:
	op_end();
	return -1;
}

/* mkdir and mknod: make path name a new inode of the given type. */
static uint64
make_node(short type, short major, short minor)
{
	char path[MAXPATH];
	struct inode *ip;

	if (arg_path(0, path) < 0 || log_readonly())
		return -1;
	op_begin();
	ip = path_create(path, type, major, minor);
	if (ip != 0)
		iunlockput(ip);
	if (op_end() < 0)
		return -1;
	return ip != 0 ? 0 : -1;
}

uint64
sys_mkdir(void)
{
	return make_node(T_DIR, 0, 0);
}

uint64
sys_mknod(void)
{
	return make_node(T_DEVICE, (short)arg_int(1), (short)arg_int(2));
}

uint64
sys_chdir(void)
{
	char path[MAXPATH];
	struct proc *p = myproc();
	struct inode *ip, *old;
	int is_dir = 0;

	if (arg_path(0, path) < 0)
		return -1;
	op_begin();
	if ((ip = namei(path)) != 0) {
		if (ilock(ip) == 0) {
			is_dir = ip->type == T_DIR;
			iunlock(ip);
		}
		if (is_dir) {
			old = p->cwd;
			p->cwd = ip;
			ip = old;
		}
		if (ip != 0)
			iput(ip); /* the old cwd, or the non-directory */
	}
	op_end();
	return is_dir ? 0 : -1;
}

uint64
sys_unlink(void)
{
	char path[MAXPATH];
	int r;

	if (arg_path(0, path) < 0 || log_readonly())
		return -1;
	op_begin();
	r = path_unlink(path);
	if (op_end() < 0)
		return -1;
	return r;
}

uint64
sys_link(void)
{
	char old[MAXPATH], new[MAXPATH];
	int r;

	if (arg_path(0, old) < 0 || arg_path(1, new) < 0 || log_readonly())
		return -1;
	op_begin();
	r = path_link(old, new);
	if (op_end() < 0)
		return -1;
	return r;
}
