/*
 * Write-ahead redo log: makes each file-system operation atomic across a
 * crash.
 *
 * On disk the log area is sb.nlog blocks from sb.logstart: a header block
 * (a count n and the home block numbers of n blocks) followed by slots for
 * the logged copies.  The header on disk is nonzero only between the
 * commit point and the end of installation, so at boot a nonzero header
 * means "these copies are complete: copy them home"; a zero one means
 * nothing committed is pending, and whatever was half-written is ignored.
 *
 * In memory:
 * - An operation brackets its updates with op_begin()/op_end() and writes
 *   modified buffers with log_write(), which records the block number (a
 *   block written twice is recorded once) and pins the buffer in the cache.
 *   Nothing reaches its home location before the commit.
 * - Group commit: operations run concurrently; the last op_end() of a group
 *   commits for all of them.  op_begin() waits while a commit runs, and
 *   while admitting one more operation could, if every running operation
 *   wrote its full MAXOPBLOCKS, overflow the log slots.
 * - Only the committer touches wal.n and wal.blockno while committing is
 *   set: no operation is active then, and none can start.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"

/* The header block's layout on disk. */
struct log_header {
	uint n;
	uint blockno[LOGBLOCKS];
};

static struct {
	struct spinlock lock;
	int dev;
	uint start;          /* the header block; slot i is at start + 1 + i */
	uint nslots;         /* blocks the log can hold in one commit */
	int active;          /* operations between op_begin and op_end */
	int committing;
	uint n;              /* blocks recorded so far */
	uint blockno[LOGBLOCKS];
} wal;

static void
header_read(void)
{
	struct buf *b;
	struct log_header *h;
	uint i;

	b = bread(wal.dev, wal.start);
	h = (struct log_header *)b->data;
	if (h->n > wal.nslots)
		panic("log: header claims %u blocks, log holds %u", h->n,
		    wal.nslots);
	wal.n = h->n;
	for (i = 0; i < wal.n; i++)
		wal.blockno[i] = h->blockno[i];
	brelse(b);
}

/*
 * Write the in-memory header to disk.  With n > 0 this is the commit
 * point; with n == 0 it retires a transaction that is fully installed.
 */
static void
header_write(void)
{
	struct buf *b;
	struct log_header *h;
	uint i;

	b = bread(wal.dev, wal.start);
	h = (struct log_header *)b->data;
	memset(h, 0, sizeof(*h));
	h->n = wal.n;
	for (i = 0; i < wal.n; i++)
		h->blockno[i] = wal.blockno[i];
	bwrite(b);
	brelse(b);
}

/* Copy each recorded block from the cache into its log slot. */
static void
copy_to_log(void)
{
	struct buf *from, *to;
	uint i;

	for (i = 0; i < wal.n; i++) {
		from = bread(wal.dev, wal.blockno[i]);
		to = bread(wal.dev, wal.start + 1 + i);
		memmove(to->data, from->data, BSIZE);
		bwrite(to);
		brelse(from);
		brelse(to);
	}
}

/*
 * Copy each logged block to its home location.  After a normal commit the
 * cached copies are the logged ones and stay pinned until here; during
 * recovery nothing is pinned.
 */
static void
install(int recovering)
{
	struct buf *slot, *home;
	uint i;

	for (i = 0; i < wal.n; i++) {
		slot = bread(wal.dev, wal.start + 1 + i);
		home = bread(wal.dev, wal.blockno[i]);
		memmove(home->data, slot->data, BSIZE);
		bwrite(home);
		if (!recovering)
			bunpin(home);
		brelse(slot);
		brelse(home);
	}
}

static void
commit(void)
{
	if (wal.n == 0)
		return;
	copy_to_log();
	header_write();		/* committed */
	install(0);
	wal.n = 0;
	header_write();		/* log is empty again */
}

static void
recover(void)
{
	header_read();
	if (wal.n > 0)
		kprintf("log: replaying %u blocks\n", wal.n);
	install(1);
	wal.n = 0;
	header_write();
}

void
log_init(int dev, struct superblock *sb)
{
	if (sizeof(struct log_header) > BSIZE)
		panic("log_init: header does not fit in a block");
	if (sb->nlog < MAXOPBLOCKS + 1)
		panic("log_init: log of %u blocks is too small", sb->nlog);
	spin_init(&wal.lock, "log");
	wal.dev = dev;
	wal.start = sb->logstart;
	wal.nslots = sb->nlog - 1;
	if (wal.nslots > LOGBLOCKS)
		wal.nslots = LOGBLOCKS;
	wal.active = 0;
	wal.committing = 0;
	recover();
}

/* Would one more operation fit if every active one used its whole share? */
static int
room_for_one_more(void)
{
	return wal.n + (uint)(wal.active + 1) * MAXOPBLOCKS <= wal.nslots;
}

void
op_begin(void)
{
	spin_lock(&wal.lock);
	while (wal.committing || !room_for_one_more())
		proc_sleep(&wal, &wal.lock);
	wal.active++;
	spin_unlock(&wal.lock);
}

void
op_end(void)
{
	int do_commit = 0;

	spin_lock(&wal.lock);
	if (wal.active < 1)
		panic("op_end: no operation in progress");
	if (wal.committing)
		panic("op_end: commit in progress");
	wal.active--;
	if (wal.active == 0) {
		do_commit = 1;
		wal.committing = 1;
	} else {
		/* Our reserved share is free again: a waiter may now fit. */
		proc_wakeup(&wal);
	}
	spin_unlock(&wal.lock);

	if (!do_commit)
		return;
	/* Disk I/O sleeps, so the spinlock must not be held here. */
	commit();
	spin_lock(&wal.lock);
	wal.committing = 0;
	proc_wakeup(&wal);
	spin_unlock(&wal.lock);
}

/*
 * Record that b has been modified inside the current operation.  It is
 * written to disk by the commit; until then the pin keeps it cached.
 * The caller holds b's lock and releases it with brelse() as usual.
 */
void
log_write(struct buf *b)
{
	uint i;

	spin_lock(&wal.lock);
	if (wal.active < 1)
		panic("log_write: outside an operation");
	for (i = 0; i < wal.n; i++) {
		if (wal.blockno[i] == b->blockno)
			break;
	}
	if (i == wal.n) {
		if (wal.n >= wal.nslots)
			panic("log_write: transaction too big");
		wal.blockno[wal.n++] = b->blockno;
		bpin(b);
	}
	spin_unlock(&wal.lock);
}
