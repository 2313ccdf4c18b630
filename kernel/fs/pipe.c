/*
 * Pipes: a PIPESIZE-byte ring buffer in one page from frame_alloc(),
 * with one file for the read end and one for the write end.
 *
 * Invariants (all guarded by pi->lock):
 * - nread and nwrite count every byte ever read and written; they only
 *   grow and wrap together modulo 2^32, which PIPESIZE divides, so
 *   nwrite - nread is the number of bytes buffered (0 .. PIPESIZE) and
 *   byte k lives at data[k % PIPESIZE].
 * - Readers sleep on the readers queue waiting for data, writers on the
 *   writers queue waiting for room; each side wakes the other after
 *   making progress.  Both sleeps end with -1 or a short count on a kill.
 * - The page is freed when both ends are closed.
 * Data moves between the ring and user memory under the spinlock:
 * copyin/copyout do not sleep.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"
#include "kernel/fs/fsys.h"

#define PIPESIZE 512

struct pipe {
	struct spinlock lock;
	uint nread;
	uint nwrite;
	int readopen;
	int writeopen;
	struct waitq readers; /* waiting for data or the end of file */
	struct waitq writers; /* waiting for room or the read end's close */
	char data[PIPESIZE];
};

_Static_assert(sizeof(struct pipe) <= PGSIZE, "struct pipe must fit a page");

static uint
min3(uint a, uint b, uint c)
{
	uint m = a < b ? a : b;

	return m < c ? m : c;
}

int
pipe_alloc(struct file **rf, struct file **wf)
{
	struct pipe *pi = 0;

	*rf = file_alloc();
	*wf = file_alloc();
	if (*rf != 0 && *wf != 0)
		pi = frame_alloc();
	if (pi == 0) {
		/* The entries are still FD_NONE: closing just frees them. */
		if (*rf != 0)
			file_close(*rf);
		if (*wf != 0)
			file_close(*wf);
		*rf = *wf = 0;
		return -1;
	}
	spin_init(&pi->lock, "pipe");
	waitq_init(&pi->readers, "pipe readers");
	waitq_init(&pi->writers, "pipe writers");
	pi->nread = 0;
	pi->nwrite = 0;
	pi->readopen = 1;
	pi->writeopen = 1;

	(*rf)->type = FD_PIPE;
	(*rf)->readable = 1;
	(*rf)->writable = 0;
	(*rf)->pipe = pi;
	(*wf)->type = FD_PIPE;
	(*wf)->readable = 0;
	(*wf)->writable = 1;
	(*wf)->pipe = pi;
	return 0;
}

void
pipe_close(struct pipe *pi, int writable)
{
	int unused;

	spin_lock(&pi->lock);
	if (writable) {
		pi->writeopen = 0;
		waitq_wake_all(&pi->readers); /* they see end of file */
	} else {
		pi->readopen = 0;
		waitq_wake_all(&pi->writers); /* they see the error */
	}
	unused = !pi->readopen && !pi->writeopen;
	spin_unlock(&pi->lock);
	if (unused)
		frame_free(pi);
}

/*
 * Write all n bytes, waiting for room as needed.  Returns n; or, if the
 * read end closes, the caller is killed or addr stops being readable,
 * the bytes already in the pipe (-1 if none).  Like read, a write never
 * reports fewer bytes than the stream took.
 */
int
pipe_write(struct pipe *pi, uint64 addr, int n)
{
	struct proc *p = myproc();
	uint done = 0, room, chunk, got;

	if (n < 0)
		return -1;
	spin_lock(&pi->lock);
	while (done < (uint)n) {
		if (!pi->readopen || proc_is_killed(p))
			break;
		room = PIPESIZE - (pi->nwrite - pi->nread);
		if (room == 0) {
			waitq_wake_all_held(&pi->readers);
			if (waitq_sleep_killable(&pi->writers, &pi->lock) < 0)
				break;
			continue;
		}
		chunk = min3(n - done, room, PIPESIZE - pi->nwrite % PIPESIZE);
		got = chunk -
		    either_copyin(&pi->data[pi->nwrite % PIPESIZE], 1,
			addr + done, chunk);
		pi->nwrite += got;
		done += got;
		if (got < chunk)
			break;
	}
	waitq_wake_all_held(&pi->readers);
	spin_unlock(&pi->lock);
	return done > 0 || n == 0 ? (int)done : -1;
}

/*
 * Read up to n bytes, waiting until there is at least one or the write
 * end is closed (then 0).  Returns the bytes read: every byte taken from
 * the pipe reached addr, and a byte that could not be copied stays in the
 * pipe.  -1 if the caller is killed while waiting or addr is bad from
 * its first byte.
 */
int
pipe_read(struct pipe *pi, uint64 addr, int n)
{
	uint done = 0, chunk, got;
	int fault = 0;

	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	spin_lock(&pi->lock);
	while (pi->nread == pi->nwrite && pi->writeopen) {
		if (waitq_sleep_killable(&pi->readers, &pi->lock) < 0) {
			spin_unlock(&pi->lock);
			return -1;
		}
	}
	while (done < (uint)n && pi->nread != pi->nwrite) {
		chunk = min3(n - done, pi->nwrite - pi->nread,
		    PIPESIZE - pi->nread % PIPESIZE);
		got = chunk -
		    either_copyout(
			1, addr + done, &pi->data[pi->nread % PIPESIZE], chunk);
		pi->nread += got;
		done += got;
		if (got < chunk) {
			fault = 1;
			break;
		}
	}
	if (done > 0)
		waitq_wake_all_held(&pi->writers);
	spin_unlock(&pi->lock);
	return done == 0 && fault ? -1 : (int)done;
}
