/*
 * File-system system calls.  Each checks its arguments (descriptors,
 * user pointers, path lengths) and returns -1 on any bad one; the work is
 * done by file.c, dir.c and inode.c.
 *
 * Every call that may change the disk, or drop the last reference to an
 * inode, runs inside one op_begin()/op_end() so that it is atomic.  When
 * two inodes are locked at once, the parent directory is locked first.
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

uint64
sys_read(void)
{
	struct file *f = arg_file(0, 0);
	uint64 addr = arg_addr(1);
	int n = arg_int(2);

	if (f == 0 || n < 0)
		return -1;
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
	if (fds[1] < 0 ||
	    copyout(p->pagetable, fdarray, fds, sizeof(fds)) < 0) {
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

/*
 * Make a new inode of the given type named by path, and return it locked.
 * If path already names a file and a regular file is wanted, return the
 * existing T_FILE or T_DEVICE inode instead.  Returns 0 on failure.
 * Inside an operation.
 */
static struct inode *
create(char *path, short type, short major, short minor)
{
	struct inode *dp, *ip;
	char name[DIRSIZ];

	dp = nameiparent(path, name);
	if (dp == 0)
		return 0;
	ilock(dp);

	ip = dirlookup(dp, name, 0);
	if (ip == 0 && dp->nlink == 0) {
		/*
		 * dp was removed while some process still had it as its
		 * cwd.  An entry made in it would be lost with it, and the
		 * new inode would leak.
		 */
		iunlockput(dp);
		return 0;
	}
	if (ip != 0) {
		iunlockput(dp);
		ilock(ip);
		if (type == T_FILE && (ip->type == T_FILE ||
		    ip->type == T_DEVICE))
			return ip;
		iunlockput(ip);
		return 0;
	}

	ip = ialloc(dp->dev, type);
	if (ip == 0) {
		iunlockput(dp);
		return 0;
	}
	ilock(ip);
	ip->major = major;
	ip->minor = minor;
	ip->nlink = 1;
	iupdate(ip);

	if (type == T_DIR) {
		/* "." is not counted in nlink, to avoid a cycle of counts. */
		if (dirlink(ip, ".", ip->inum) < 0 ||
		    dirlink(ip, "..", dp->inum) < 0)
			goto undo;
	}
	if (dirlink(dp, name, ip->inum) < 0)
		goto undo;
	if (type == T_DIR) {
		dp->nlink++;		/* the new directory's ".." */
		iupdate(dp);
	}
	iunlockput(dp);
	return ip;

undo:
	/* No directory names ip: the last iput frees it and its blocks. */
	ip->nlink = 0;
	iupdate(ip);
	iunlockput(ip);
	iunlockput(dp);
	return 0;
}

uint64
sys_open(void)
{
	char path[MAXPATH];
	int omode = arg_int(1);
	struct inode *ip;
	struct file *f;
	int fd, wants_write;

	if (arg_str(0, path, MAXPATH) < 0)
		return -1;
	wants_write = (omode & (O_WRONLY | O_RDWR)) != 0;

	op_begin();
	if (omode & O_CREATE) {
		ip = create(path, T_FILE, 0, 0);
		if (ip == 0)
			goto fail;
	} else {
		ip = namei(path);
		if (ip == 0)
			goto fail;
		ilock(ip);
	}
	if ((ip->type == T_DIR && wants_write) ||
	    (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV)))
		goto fail_locked;

	f = file_alloc();
	if (f == 0)
		goto fail_locked;
	fd = fd_alloc(f);
	if (fd < 0) {
		file_close(f);		/* still FD_NONE: only frees the entry */
		goto fail_locked;
	}

	if (ip->type == T_DEVICE) {
		f->type = FD_DEVICE;
		f->major = ip->major;
	} else {
		f->type = FD_INODE;
		f->off = 0;
	}
	f->ip = ip;
	f->readable = !(omode & O_WRONLY);
	f->writable = wants_write;
	if ((omode & O_TRUNC) && ip->type == T_FILE)
		itrunc(ip);

	iunlock(ip);
	op_end();
	return fd;

fail_locked:
	iunlockput(ip);
fail:
	op_end();
	return -1;
}

uint64
sys_mkdir(void)
{
	char path[MAXPATH];
	struct inode *ip;

	if (arg_str(0, path, MAXPATH) < 0)
		return -1;
	op_begin();
	ip = create(path, T_DIR, 0, 0);
	if (ip == 0) {
		op_end();
		return -1;
	}
	iunlockput(ip);
	op_end();
	return 0;
}

uint64
sys_mknod(void)
{
	char path[MAXPATH];
	int major = arg_int(1);
	int minor = arg_int(2);
	struct inode *ip;

	if (arg_str(0, path, MAXPATH) < 0)
		return -1;
	op_begin();
	ip = create(path, T_DEVICE, (short)major, (short)minor);
	if (ip == 0) {
		op_end();
		return -1;
	}
	iunlockput(ip);
	op_end();
	return 0;
}

uint64
sys_chdir(void)
{
	char path[MAXPATH];
	struct proc *p = myproc();
	struct inode *ip;

	if (arg_str(0, path, MAXPATH) < 0)
		return -1;
	op_begin();
	ip = namei(path);
	if (ip == 0) {
		op_end();
		return -1;
	}
	ilock(ip);
	if (ip->type != T_DIR) {
		iunlockput(ip);
		op_end();
		return -1;
	}
	iunlock(ip);
	if (p->cwd != 0)
		iput(p->cwd);
	op_end();
	p->cwd = ip;
	return 0;
}

/* Does directory dp (locked) hold entries other than "." and ".."? */
static int
dir_is_empty(struct inode *dp)
{
	struct dirent de;
	uint off;

	for (off = 0; off + sizeof(de) <= dp->size; off += sizeof(de)) {
		if (readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
			return 0;
		if (de.inum == 0)
			continue;
		if (strncmp(de.name, ".", DIRSIZ) != 0 &&
		    strncmp(de.name, "..", DIRSIZ) != 0)
			return 0;
	}
	return 1;
}

uint64
sys_unlink(void)
{
	char path[MAXPATH], name[DIRSIZ];
	struct inode *dp, *ip;
	struct dirent empty;
	uint off;

	if (arg_str(0, path, MAXPATH) < 0)
		return -1;
	op_begin();
	dp = nameiparent(path, name);
	if (dp == 0) {
		op_end();
		return -1;
	}
	ilock(dp);
	if (strncmp(name, ".", DIRSIZ) == 0 || strncmp(name, "..", DIRSIZ) == 0)
		goto fail;
	ip = dirlookup(dp, name, &off);
	if (ip == 0)
		goto fail;
	ilock(ip);
	if (ip->nlink < 1)
		panic("unlink: inode %u has no links", ip->inum);
	if (ip->type == T_DIR && !dir_is_empty(ip)) {
		iunlockput(ip);
		goto fail;
	}

	memset(&empty, 0, sizeof(empty));
	if (writei(dp, 0, (uint64)&empty, off, sizeof(empty)) !=
	    sizeof(empty))
		panic("unlink: rewriting an existing entry failed");
	if (ip->type == T_DIR) {
		dp->nlink--;		/* ip's ".." no longer names dp */
		iupdate(dp);
	}
	iunlockput(dp);

	ip->nlink--;
	iupdate(ip);
	iunlockput(ip);
	op_end();
	return 0;

fail:
	iunlockput(dp);
	op_end();
	return -1;
}

uint64
sys_link(void)
{
	char old[MAXPATH], new[MAXPATH], name[DIRSIZ];
	struct inode *dp, *ip;

	if (arg_str(0, old, MAXPATH) < 0 || arg_str(1, new, MAXPATH) < 0)
		return -1;
	op_begin();
	ip = namei(old);
	if (ip == 0) {
		op_end();
		return -1;
	}
	ilock(ip);
	/* nlink is a short on disk: refuse the link that would overflow it. */
	if (ip->type == T_DIR || ip->nlink >= 32767) {
		iunlockput(ip);
		op_end();
		return -1;
	}
	/* Count the link first, so ip cannot be freed meanwhile. */
	ip->nlink++;
	iupdate(ip);
	iunlock(ip);

	dp = nameiparent(new, name);
	if (dp == 0)
		goto undo;
	ilock(dp);
	if (dp->dev != ip->dev || dp->nlink == 0 ||
	    dirlink(dp, name, ip->inum) < 0) {
		iunlockput(dp);
		goto undo;
	}
	iunlockput(dp);
	iput(ip);
	op_end();
	return 0;

undo:
	ilock(ip);
	ip->nlink--;
	iupdate(ip);
	iunlockput(ip);
	op_end();
	return -1;
}
