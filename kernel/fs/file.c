/*
 * Open files: the system-wide table of NFILE struct file, shared between
 * descriptors by dup() and fork().
 *
 * Invariants:
 * - ftable.lock guards every entry's ref and the free list.  An entry is
 *   on the free list exactly when its ref is 0 and nothing it held is
 *   still being released.
 * - The other fields are set by whoever allocated the entry before it is
 *   published in a descriptor table, and are read-only afterwards except
 *   off.  The close that drops ref to 0 owns the entry again: it
 *   releases the pipe or inode without the lock, then frees the entry.
 * - off of an inode file is guarded by the inode's sleep lock, so
 *   processes sharing the file see one offset and their reads and writes
 *   do not interleave within a call.
 * - A write to an inode file is split into operations small enough for
 *   the log: each chunk may dirty its data blocks, an indirect block, the
 *   inode block and bitmap blocks, and all must fit in MAXOPBLOCKS.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"
#include "kernel/dev/dev.h"
#include "kernel/fs/fsys.h"

/* Bytes one operation may write: leaves room for inode, indirect, bitmap. */
#define WRITE_CHUNK (((MAXOPBLOCKS - 1 - 1 - 2) / 2) * BSIZE)

static struct {
	struct spinlock lock;
	struct file *free; /* entries with ref 0, linked by next_free */
	struct file files[NFILE];
} ftable;

void
file_init(void)
{
	struct file *f;

	spin_init(&ftable.lock, "ftable");
	for (f = ftable.files + NFILE - 1; f >= ftable.files; f--) {
		f->next_free = ftable.free;
		ftable.free = f;
	}
}

/* A cleared entry with ref 1 and type FD_NONE, or 0 if none is free. */
struct file *
file_alloc(void)
{
	struct file *f;

	spin_lock(&ftable.lock);
	if ((f = ftable.free) != 0) {
		if (f->ref != 0 || f->type != FD_NONE)
			panic("file_alloc: free list holds an open file");
		ftable.free = f->next_free;
		f->ref = 1;
	}
	spin_unlock(&ftable.lock);
	if (f != 0) {
		f->next_free = 0;
		f->type = FD_NONE;
		f->readable = f->writable = 0;
		f->pipe = 0;
		f->ip = 0;
		f->off = 0;
		f->major = 0;
	}
	return f;
}

/* Add delta to an open file's reference count; returns the new count. */
static int
file_ref_add(struct file *f, int delta, const char *who)
{
	int ref;

	spin_lock(&ftable.lock);
	if (f->ref < 1)
		panic("%s: file not open", who);
	ref = f->ref += delta;
	spin_unlock(&ftable.lock);
	return ref;
}

struct file *
file_dup(struct file *f)
{
	file_ref_add(f, 1, "file_dup");
	return f;
}

/* Drop a reference; the last one releases what f holds and frees f. */
void
file_close(struct file *f)
{
	if (file_ref_add(f, -1, "file_close") != 0)
		return;

	if (f->type == FD_PIPE) {
		pipe_close(f->pipe, f->writable);
	} else if (f->type == FD_INODE || f->type == FD_DEVICE) {
		if (f->type == FD_INODE && f->writable)
			inode_writer_drop(f->ip);
		op_begin();
		iput(f->ip);
		op_end();
	}
	f->type = FD_NONE;
	spin_lock(&ftable.lock);
	f->next_free = ftable.free;
	ftable.free = f;
	spin_unlock(&ftable.lock);
}

/* Copy the file's metadata to the struct stat at user address addr. */
int
file_stat(struct file *f, uint64 addr)
{
	struct stat st;

	if (f->type != FD_INODE && f->type != FD_DEVICE)
		return -1;
	if (ilock(f->ip) < 0)
		return -1;
	stati(f->ip, &st);
	iunlock(f->ip);
	if (copyout(myproc()->pagetable, addr, &st, sizeof(st)) != 0)
		return -1;
	return 0;
}

static struct devsw *
device_of(struct file *f)
{
	if (f->major < 0 || f->major >= NDEV)
		return 0;
	return &devsw[f->major];
}

int
file_read(struct file *f, uint64 addr, int n)
{
	struct devsw *dev;
	int r;

	if (!f->readable || n < 0)
		return -1;
	switch (f->type) {
	case FD_PIPE:
		return pipe_read(f->pipe, addr, n);
	case FD_DEVICE:
		dev = device_of(f);
		if (dev == 0 || dev->read == 0)
			return -1;
		return dev->read(1, addr, n);
	case FD_INODE:
		if (ilock(f->ip) < 0)
			return -1;
		r = readi(f->ip, 1, addr, f->off, n);
		if (r > 0)
			f->off += r;
		iunlock(f->ip);
		return r;
	default:
		panic("file_read: file of type %d", f->type);
	}
}

/*
 * Write to an inode file in log-sized chunks.  Returns the bytes written,
 * which is fewer than n if the file reached MAXFILE, the disk filled or
 * failed (or the file system is read-only) or the user buffer stopped
 * being readable; -1 if none were.  The size and
 * the offset grow by exactly what is returned.
 */
static int
inode_write(struct file *f, uint64 addr, int n)
{
	int done = 0, chunk, r;

	while (done < n) {
		chunk = n - done;
		if (chunk > WRITE_CHUNK)
			chunk = WRITE_CHUNK;
		if (log_readonly())
			break;
		op_begin();
		r = -1;
		if (ilock(f->ip) == 0) {
			r = writei(f->ip, 1, addr + done, f->off, chunk);
			if (r > 0)
				f->off += r;
			iunlock(f->ip);
		}
		if (op_end() < 0)
			break; /* not durable: these bytes are not counted */
		if (r > 0)
			done += r;
		if (r != chunk)
			break;
	}
	return done > 0 || n == 0 ? done : -1;
}

int
file_write(struct file *f, uint64 addr, int n)
{
	struct devsw *dev;

	if (!f->writable || n < 0)
		return -1;
	switch (f->type) {
	case FD_PIPE:
		return pipe_write(f->pipe, addr, n);
	case FD_DEVICE:
		dev = device_of(f);
		if (dev == 0 || dev->write == 0)
			return -1;
		return dev->write(1, addr, n);
	case FD_INODE:
		return inode_write(f, addr, n);
	default:
		panic("file_write: file of type %d", f->type);
	}
}
