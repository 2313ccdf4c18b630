/*
 * Write-ahead redo log: every file-system operation is atomic across a
 * crash, and durable when it returns.
 *
 * On disk (xv6's format, so images interchange): the log area is sb.nlog
 * blocks from sb.logstart.  The first is the header, a count n and the
 * home block numbers of n blocks; slot i, the block after the header plus
 * i, holds the logged copy of the i-th.
 *
 * A transaction is the set of blocks changed by a group of operations
 * (group commit).  Operations join the open transaction with op_begin(),
 * record each block they change with log_write() (the block is pinned in
 * the buffer cache and changed only there), and leave with op_end().  The
 * operation that leaves last commits for all of them:
 *
 *   1. write each recorded block's cached contents to its log slot
 *   2. flush           the copies are durable
 *   3. write the header with n > 0: THE COMMIT POINT
 *   4. flush           the commit is durable; the operations may return
 *   5. write each recorded block to its home location
 *   6. flush           the homes are durable
 *   7. write the header with n = 0: the log is free
 *   8. flush           (done lazily, just before the next step 1)
 *
 * Invariants, and the flush that keeps each:
 * - No home block is written before its transaction's commit is durable
 *   (homes are written only in 5, after 4), so a crash before the commit
 *   point leaves every home block as it was before the transaction.
 * - A durable header with n > 0 names slots that hold exactly the
 *   committed copies: 2 makes the slots durable before 3 writes the header,
 *   and 8 makes the zero header durable before the next 1 overwrites them.
 * - A durable zero header means every committed transaction is installed:
 *   6 makes the homes durable before 7 clears the header.
 * - Recovery (at boot) copies slots 1..n home when the header says n > 0,
 *   then clears it.  Doing that twice is harmless, so a crash during 5-7 or
 *   during recovery is recovered by the next boot.
 * - A transaction never holds more than nslots blocks: op_begin() admits an
 *   operation only if every running one could still write MAXOPBLOCKS.
 * - While a commit runs no operation is active and none may start, so the
 *   committer alone reads wal.home[] and wal.n, and the pinned buffers
 *   keep the contents that were logged.
 *
 * op_end() of an operation that wrote returns only once its transaction's
 * commit is durable (after 4); while such an operation waits, the
 * transaction admits no newcomers, so the wait is bounded by the operations
 * already inside.  So a caller must hold no lock another
 * operation might need when it calls op_end(); the commit itself takes
 * none but buffer locks.  Flushes are virtio_disk_flush(), through bflush().
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
	uint home[LOGBLOCKS];
};

_Static_assert(sizeof(struct log_header) <= BSIZE, "log header must fit a block");

static struct {
	struct spinlock lock;
	uint dev;
	uint header; /* block number of the header; slot i is header + 1 + i */
	uint nslots; /* blocks one transaction may hold */
	int active;  /* operations in the open transaction */
	int committing; /* the last operation is committing: nobody may join */
	int closing; /* an operation waits for this commit: nobody may join */
	uint64 open_seq;     /* number of the open transaction */
	uint64 durable_seq;  /* highest transaction whose commit is durable */
	int clear_unflushed; /* step 8 is owed */
	uint n;              /* blocks the open transaction changed */
	uint home[LOGBLOCKS];
	struct waitq admit;   /* op_begin: waiting to join a transaction */
	struct waitq durable; /* op_end: waiting for durable_seq to advance */
} wal;

/* Write the header: home[0..n-1] (step 3), or empty (n == 0, step 7). */
static void
header_write(uint n, uint *home)
{
	struct log_header *h;
	struct buf *b;
	uint i;

	b = bread(wal.dev, wal.header);
	h = (struct log_header *)b->data;
	memset(b->data, 0, BSIZE);
	h->n = n;
	for (i = 0; i < n; i++)
		h->home[i] = home[i];
	bwrite(b);
	brelse(b);
}

/*
 * Write every recorded block, each block's cached copy (pinned, so the
 * lookups are cache hits) to its log slot (to_home == 0) or its home.
 * The writes go out together; their order on disk is undefined until the
 * flush that follows.
 */
static void
write_recorded(int to_home)
{
	struct buf *bs[LOGBLOCKS];
	uint dst[LOGBLOCKS];
	uint i;

	for (i = 0; i < wal.n; i++) {
		bs[i] = bread(wal.dev, wal.home[i]);
		dst[i] = to_home ? wal.home[i] : wal.header + 1 + i;
	}
	bwrite_many(bs, dst, wal.n);
	for (i = 0; i < wal.n; i++) {
		if (to_home)
			bunpin(bs[i]);
		brelse(bs[i]);
	}
}

/* Steps 1-4: afterwards the transaction survives any crash. */
static void
commit_to_log(void)
{
	if (wal.clear_unflushed) {
		bflush(); /* step 8 of the previous transaction */
		wal.clear_unflushed = 0;
	}
	write_recorded(0);
	bflush();
	header_write(wal.n, wal.home);
	bflush();
}

/* Steps 5-7: the homes get the new contents; the pins go. */
static void
install(void)
{
	write_recorded(1);
	bflush();
	header_write(0, 0);
	wal.clear_unflushed = 1;
}

static void
commit(void)
{
	commit_to_log();

	spin_lock(&wal.lock);
	wal.durable_seq = wal.open_seq;
	waitq_wake_all(&wal.durable);
	spin_unlock(&wal.lock);

	install();
	wal.n = 0;
}

/*
 * At boot, before anything but the superblock is cached: finish the
 * transaction the header names, if any.
 */
static void
recover(struct superblock *sb)
{
	struct log_header *h;
	struct buf *hb, *slot;
	uint home[LOGBLOCKS];
	uint i, n;

	hb = bread(wal.dev, wal.header);
	h = (struct log_header *)hb->data;
	n = h->n;
	if (n > wal.nslots)
		panic("log: header claims %u blocks, the log holds %u", n,
		    wal.nslots);
	for (i = 0; i < n; i++) {
		home[i] = h->home[i];
		if (home[i] < sb->inodestart || home[i] >= sb->size)
			panic("log: header names block %u, outside the file system",
			    home[i]);
	}
	brelse(hb);
	if (n == 0)
		return;

	kprintf("log: replaying %u blocks\n", n);
	for (i = 0; i < n; i++) {
		/* Nothing caches home[i] yet, so writing it directly is safe. */
		slot = bread(wal.dev, wal.header + 1 + i);
		bwrite_to(slot, home[i]);
		bforget(slot);
	}
	bflush();
	header_write(0, 0);
	bflush();
}

void
log_init(int dev, struct superblock *sb)
{
	struct buf *b;

	if (sb->nlog < MAXOPBLOCKS + 1)
		panic("log_init: log of %u blocks is too small", sb->nlog);
	spin_init(&wal.lock, "log");
	waitq_init(&wal.admit, "log admission");
	waitq_init(&wal.durable, "log commit");
	wal.dev = dev;
	wal.header = sb->logstart;
	wal.nslots = sb->nlog - 1;
	if (wal.nslots > LOGBLOCKS)
		wal.nslots = LOGBLOCKS;
	wal.open_seq = 1;
	wal.durable_seq = 0;
	recover(sb);

	/* Every commit rewrites the header: keep it cached for good. */
	b = bread(wal.dev, wal.header);
	bpin(b);
	brelse(b);
}

/* Could one more operation join, if every one wrote its whole share? */
static int
room_for_one_more(void)
{
	return wal.n + (uint)(wal.active + 1) * MAXOPBLOCKS <= wal.nslots;
}

void
op_begin(void)
{
	spin_lock(&wal.lock);
	while (wal.committing || wal.closing || !room_for_one_more())
		waitq_sleep(&wal.admit, &wal.lock);
	wal.active++;
	spin_unlock(&wal.lock);
}

void
op_end(void)
{
	uint64 seq;

	spin_lock(&wal.lock);
	if (wal.active < 1 || wal.committing)
		panic("op_end: no operation in progress");
	wal.active--;
	seq = wal.open_seq;
	if (wal.active > 0) {
		/* Our share of the log is free again: a waiter may fit. */
		waitq_wake_all(&wal.admit);
		/*
		 * If the transaction holds anything, we may have written it:
		 * return when the last operation's commit made it durable.
		 * Close the transaction to newcomers meanwhile, or a stream of
		 * overlapping operations could keep it from ever committing.
		 */
		if (wal.n > 0) {
			wal.closing = 1;
			while (wal.durable_seq < seq)
				waitq_sleep(&wal.durable, &wal.lock);
		}
		spin_unlock(&wal.lock);
		return;
	}
	if (wal.n == 0) {
		/* Nobody wrote: nothing to commit, the transaction stays open. */
		waitq_wake_all(&wal.admit);
		spin_unlock(&wal.lock);
		return;
	}
	wal.committing = 1;
	spin_unlock(&wal.lock);

	commit(); /* sleeps on the disk: no spinlock held */

	spin_lock(&wal.lock);
	wal.committing = 0;
	wal.closing = 0;
	wal.open_seq++;
	waitq_wake_all(&wal.admit);
	spin_unlock(&wal.lock);
}

/*
 * Record that b was changed by the current operation.  The commit writes
 * it; until then the pin keeps it cached.  The caller holds b's lock and
 * releases it with brelse() as usual.
 */
void
log_write(struct buf *b)
{
	uint i;

	spin_lock(&wal.lock);
	if (wal.active < 1)
		panic("log_write: block %u outside an operation", b->blockno);
	for (i = 0; i < wal.n; i++)
		if (wal.home[i] == b->blockno)
			break;
	if (i == wal.n) {
		if (wal.n >= wal.nslots)
			panic("log_write: transaction too big");
		wal.home[wal.n++] = b->blockno;
		bpin(b);
	}
	spin_unlock(&wal.lock);
}
