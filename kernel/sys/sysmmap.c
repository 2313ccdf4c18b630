/*
 * mmap and munmap (the xv6 mmap lab's interface; docs/vm.md).
 *
 *   void *mmap(void *addr, int length, int prot, int flags, int fd, int offset);
 *   int munmap(void *addr, int length);
 *
 * The regions and their pages are mm's (kernel/mm/vma.c); this layer
 * checks the arguments, picks the file, and gives mm the file operations
 * it cannot reach itself (mm is below fs): read a page on first touch,
 * write one back, take and drop a reference.
 *
 * What is decided here, where the lab and POSIX leave it open:
 *   - addr 0: the kernel picks the lowest free range of the mmap area;
 *     any other addr is taken as it is (it must be page-aligned, in the
 *     mmap area and free), never as a mere hint;
 *   - exactly one of MAP_SHARED and MAP_PRIVATE; MAP_ANONYMOUS needs fd -1
 *     and offset 0; a file must be an ordinary file open for reading, and
 *     open for writing too for a writable MAP_SHARED mapping;
 *   - offset: page-aligned, not negative; pages past the end of the file
 *     read as zeros, and stores there never reach the file (write-back
 *     does not grow it);
 *   - munmap: addr page-aligned, length > 0 (rounded up to pages); a range
 *     that holds no mapped page at all fails (-1), unlike POSIX, since in
 *     a teaching kernel such a call is almost always a bug; so does a cut
 *     in the middle of a region when the process has VMA_MAX regions.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"
#include "kernel/sys/sys.h"

/*
 * Reading the disk sleeps: not while this hart holds a spinlock (a pipe
 * or the console copying into an untouched page; sys_read and sys_write
 * fill those pages first), and not with the file's inode locked by this
 * process (a read() of a file into its own mapping), which would never
 * wake.  Such a fill fails; the copy that needed it comes up short.
 */
static int
may_read_now(struct inode *ip)
{
	int depth;

	push_off(); /* this hart's count, one of them ours */
	depth = mycpu()->off_depth;
	pop_off();
	return depth == 1 && !sleep_holding(&ip->lock);
}

static int
inode_read(struct inode *ip, uint64 off, void *dst, uint64 n)
{
	int r;

	if (!may_read_now(ip) || ilock(ip) < 0)
		return -1;
	r = readi(ip, 0, (uint64)dst, off, n);
	iunlock(ip);
	return r;
}

static int
mapped_read(void *file, uint64 off, void *dst, uint64 n)
{
	return inode_read(((struct file *)file)->ip, off, dst, n);
}

/* One page back to the file, within its size, in one log transaction. */
static void
mapped_write(void *file, uint64 off, const void *src, uint64 n)
{
	struct file *f = file;

	if (log_readonly())
		return;
	op_begin();
	if (ilock(f->ip) == 0) {
		if (off < f->ip->size) {
			if (n > f->ip->size - off)
				n = f->ip->size - off;
			writei(f->ip, 0, (uint64)src, off, n);
		}
		iunlock(f->ip);
	}
	op_end();
}

static void
mapped_dup(void *file)
{
	file_dup(file);
}

static void
mapped_close(void *file)
{
	file_close(file);
}

static const struct vma_file_ops mapped_file_ops = {
	.read = mapped_read,
	.write = mapped_write,
	.dup = mapped_dup,
	.close = mapped_close,
};

/*
 * The program image's regions (exec) hold an inode reference, not a
 * struct file: every process holds one, and NFILE is far smaller than
 * what a full process table would need.  An unlinked program keeps its
 * inode, so its pages still read, until the last process running it
 * exits; that last iput frees the file, in a transaction.
 */
static int
image_read(void *ip, uint64 off, void *dst, uint64 n)
{
	return inode_read(ip, off, dst, n);
}

static void
image_dup(void *ip)
{
	idup(ip);
}

static void
image_close(void *ip)
{
	if (!iput_if_not_last(ip)) {
		op_begin();
		iput(ip);
		op_end();
	}
}

static const struct vma_file_ops image_file_ops = {
	.read = image_read, /* no write: the image's regions are private */
	.dup = image_dup,
	.close = image_close,
};

void
mmap_init(void)
{
	vma_set_file_ops(&mapped_file_ops, &image_file_ops);
}

/* A new reference to the file fd names if it may be mapped so; else 0. */
static struct file *
mappable_file(int fd, int prot, int flags)
{
	struct file *f;
	int ok;

	if (fd < 0 || fd >= NOFILE || (f = myproc()->ofile[fd]) == 0)
		return 0;
	if (f->type != FD_INODE || !f->readable ||
	    ((flags & MAP_SHARED) && (prot & PROT_WRITE) && !f->writable))
		return 0;
	if (ilock(f->ip) < 0)
		return 0;
	ok = f->ip->type == T_FILE;
	iunlock(f->ip);
	return ok ? file_dup(f) : 0;
}

uint64
sys_mmap(void)
{
	uint64 addr = arg_addr(0);
	int len = arg_int(1), prot = arg_int(2), flags = arg_int(3);
	int fd = arg_int(4), off = arg_int(5);
	int sharing = flags & (MAP_SHARED | MAP_PRIVATE);
	struct proc *p = myproc();
	struct file *f = 0;
	uint64 va;

	if (len <= 0 || off < 0 || off % PGSIZE != 0 ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0 ||
	    (flags & ~(MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS)) != 0 ||
	    (sharing != MAP_SHARED && sharing != MAP_PRIVATE))
		return -1;
	if (flags & MAP_ANONYMOUS) {
		if (fd != -1 || off != 0)
			return -1;
	} else if ((f = mappable_file(fd, prot, flags)) == 0) {
		return -1;
	}
	va = vma_map(p->pagetable, addr, len, prot, flags, f, off, p->sz);
	if (va == (uint64)-1 && f)
		file_close(f);
	vma_file_span(p->pagetable, &p->file_lo, &p->file_hi);
	return va;
}

uint64
sys_munmap(void)
{
	int len = arg_int(1);

	if (len <= 0)
		return -1;
	return vma_unmap(myproc()->pagetable, arg_addr(0), len);
}
