/*
 * mmap and munmap (the xv6 mmap lab's interface; docs/vm.md).
 *
 *   void *mmap(void *addr, int length, int prot, int flags, int fd, int offset);
 *   int munmap(void *addr, int length);
 *
 * The regions and their pages are mm's (kernel/mm/vma.c); this layer
 * checks the arguments, picks the file, and gives mm the file operations
 * it cannot reach itself (mm is below fs): bring a page into the page
 * cache (kernel/fs/pcache.c) and hand out its frame on first touch, write
 * one back, take and drop a reference.
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
 * Bringing a page into the page cache reads the file, which sleeps and
 * takes its inode's and buffers' locks: not while this hart holds a
 * spinlock (a pipe or the console copying into an untouched page), nor
 * while this process holds any sleep lock (a read() or write() copying
 * under a file's inode and buffer locks: reading that same file would
 * take a buffer it holds, another file's lock could be taken in the
 * opposite order by a process doing the reverse copy).  sys_read and
 * sys_write bring the pages a copy will touch in before they take any
 * lock (vma_prefault); only when that failed for want of memory does a
 * fill here find the page missing: it fails, and the copy comes up short.
 */
static int
may_read_file_now(void)
{
	int depth;

	push_off(); /* this hart's count, one of them ours */
	depth = mycpu()->off_depth;
	pop_off();
	return depth == 1 && myproc()->sleeplocks_held == 0;
}

static enum vm_fill
fill_result(int r)
{
	return r == PCACHE_OK       ? FILL_MAPPED
	    : r == PCACHE_NO_MEMORY ? FILL_NO_MEMORY
				    : FILL_IO_ERROR;
}

/* Bring page off of ip into the cache (vma_file_ops.fill). */
static enum vm_fill
inode_fill(struct inode *ip, uint64 off)
{
	uint pgno = off / PGSIZE;

	if (off / PGSIZE >= PCACHE_PAGES)
		return FILL_IO_ERROR; /* beyond the largest file */
	if (!may_read_file_now())     /* only a page cached already will do */
		return pcache_page_cached(ip, pgno) ? FILL_MAPPED : FILL_IO_ERROR;
	return fill_result(pcache_fill(ip, pgno));
}

static enum vm_fill
mapped_fill(void *file, uint64 off)
{
	return inode_fill(((struct file *)file)->ip, off);
}

static void *
mapped_page(void *file, uint64 off)
{
	return pcache_page(((struct file *)file)->ip, off / PGSIZE);
}

/*
 * One page back to the file, within its size, in one log transaction:
 * 0, or -1 if it could not be stored (read-only log, disk error).
 */
static int
mapped_write(void *file, uint64 off, const void *src, uint64 n)
{
	struct file *f = file;
	int r = -1;

	if (log_readonly())
		return -1;
	op_begin();
	if (ilock(f->ip) == 0) {
		r = 0;
		if (off < f->ip->size) {
			if (n > f->ip->size - off)
				n = f->ip->size - off;
			if (writei(f->ip, 0, (uint64)src, off, n) != (int)n)
				r = -1;
		}
		iunlock(f->ip);
	}
	if (op_end() < 0)
		r = -1;
	return r;
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
	.fill = mapped_fill,
	.page = mapped_page,
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
static enum vm_fill
image_fill(void *ip, uint64 off)
{
	return inode_fill(ip, off);
}

static void *
image_page(void *ip, uint64 off)
{
	return pcache_page(ip, off / PGSIZE);
}

/*
 * The image takes its file (exec, the inode locked and not open for
 * writing): from now on it may not be written (text busy, inode.c).
 */
static void
image_dup(void *ip)
{
	inode_runner_add(idup(ip));
}

static void
image_close(void *ip)
{
	inode_runner_drop(ip);
	if (!iput_if_not_last(ip)) {
		op_begin();
		iput(ip);
		op_end();
	}
}

static const struct vma_file_ops image_file_ops = {
	.fill = image_fill, /* no write: the image's regions are private */
	.page = image_page,
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
