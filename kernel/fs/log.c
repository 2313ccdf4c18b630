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
 * Disk errors: the file system turns read-only, for good until the next
 * boot, when the disk fails a write or a flush of the log (any step
 * above), or when a read fails in the middle of a change (log_poison():
 * the change cannot be finished, and half of it must not commit).  The
 * console says so in one line.  Then:
 * - The failed transaction never commits, or if its commit point was
 *   durable already (a failure in 5-8), the header keeps naming it and
 *   the next boot installs it.  Either way the disk holds every
 *   transaction committed before, whole.
 * - Its blocks stay pinned in the buffer cache: the disk may hold older
 *   contents for them, which a reader must not see.  (Until the reboot,
 *   readers see the changes of the failed transaction too.)
 * - op_end() returns -1 to every operation of the failed transaction
 *   whose commit was not durable; changes are refused up front
 *   (log_readonly()).  Reads go on.
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
	int poisoned; /* a change in the open transaction is half done */
	int readonly; /* a disk error stopped all commits until reboot */
} wal;

/* Stop committing, for good; say why, once. */
static void
go_readonly(const char *why)
{
	int first;

	spin_lock(&wal.lock);
	first = !wal.readonly;
	wal.readonly = 1;
	spin_unlock(&wal.lock);
	if (first)
		kprintf(
		    "fs: %s: the file system is read-only until reboot\n", why);
}

/* Has a disk error made the file system read-only? */
int
log_readonly(void)
{
	int r;

	spin_lock(&wal.lock);
	r = wal.readonly;
	spin_unlock(&wal.lock);
	return r;
}

/*
 * A read failed in the middle of a change the caller could not finish:
 * the open transaction must not commit.
 */
void
log_poison(void)
{
	spin_lock(&wal.lock);
	wal.poisoned = 1;
	spin_unlock(&wal.lock);
}

/*
 * bread() could not read a block.  If the open transaction has changed
 * anything, an operation may be half way through a change that needed
 * the block: the transaction must not commit.  (Outside of changes a
 * failed read only fails its system call.)
 */
void
log_read_failed(void)
{
	spin_lock(&wal.lock);
	if (wal.active > 0 && wal.n > 0)
		wal.poisoned = 1;
	spin_unlock(&wal.lock);
}

/* The pinned buffer of a block the log holds; never needs the disk. */
static struct buf *
pinned(uint blockno)
{
	struct buf *b = bread(wal.dev, blockno);

	if (b == 0)
		panic("log: block %u should be pinned in the cache", blockno);
	return b;
}

/*
 * Write the header: home[0..n-1] (step 3), or empty (n == 0, step 7).
 * 0, or -1 if the disk failed.
 */
static int
header_write(uint n, uint *home)
{
	struct log_header *h;
	struct buf *b;
	uint i;
	int r;

	b = pinned(wal.header);
	h = (struct log_header *)b->data;
	memset(b->data, 0, BSIZE);
	h->n = n;
	for (i = 0; i < n; i++)
		h->home[i] = home[i];
	r = bwrite(b);
	brelse(b);
	return r;
}

/*
 * Write every recorded block, each block's cached copy (pinned, so the
 * lookups are cache hits) to its log slot (to_home == 0) or its home.
 * The writes go out together; their order on disk is undefined until the
 * flush that follows.  Once the homes are written the pins go, unless a
 * write failed (see the top).  0, or -1 if the disk failed.
 */
static int
write_recorded(int to_home)
{
	struct buf *bs[LOGBLOCKS];
	uint dst[LOGBLOCKS];
	uint i;
	int r;

	for (i = 0; i < wal.n; i++) {
		bs[i] = pinned(wal.home[i]);
		dst[i] = to_home ? wal.home[i] : wal.header + 1 + i;
	}
	r = bwrite_many(bs, dst, wal.n);
	for (i = 0; i < wal.n; i++) {
		if (to_home && r == 0)
			bunpin(bs[i]);
		brelse(bs[i]);
	}
	return r;
}

/* Steps 1-4: afterwards the transaction survives any crash.  0 or -1. */
static int
commit_to_log(void)
{
	if (wal.clear_unflushed) {
		if (bflush() < 0) /* step 8 of the previous transaction */
			return -1;
		wal.clear_unflushed = 0;
	}
	if (write_recorded(0) < 0 || bflush() < 0)
		return -1;
	if (header_write(wal.n, wal.home) < 0 || bflush() < 0)
		return -1;
	return 0;
}

/* Steps 5-7: the homes get the new contents; the pins go.  0 or -1. */
static int
install(void)
{
	if (write_recorded(1) < 0 || bflush() < 0)
		return -1;
	if (header_write(0, 0) < 0)
		return -1;
	wal.clear_unflushed = 1;
	return 0;
}

/* Make the open transaction durable and install it: 0, or -1 if it failed. */
static int
commit(void)
{
	const char *why = 0;
	int durable;

	spin_lock(&wal.lock);
	if (wal.readonly)
		why = "an earlier disk error";
	else if (wal.poisoned)
		why = "a disk read failed in the middle of a change";
	spin_unlock(&wal.lock);
	if (why == 0 && commit_to_log() < 0)
		why = "a disk write failed before the commit point";
	durable = why == 0;
	if (!durable)
		go_readonly(why); /* before the wakeup: waiters look */

	spin_lock(&wal.lock);
	if (durable)
		wal.durable_seq = wal.open_seq;
	waitq_wake_all(&wal.durable);
	spin_unlock(&wal.lock);

	if (durable && install() < 0)
		go_readonly("a disk write failed after the commit point (the "
			    "next boot installs it)");
	wal.n = 0;
	return durable ? 0 : -1;
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
	int r;

	if ((hb = bread(wal.dev, wal.header)) == 0) {
		go_readonly("cannot read the log header");
		return;
	}
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
		if ((slot = bread(wal.dev, wal.header + 1 + i)) == 0) {
			go_readonly("cannot read the log to recover it");
			return;
		}
		r = bwrite_to(slot, home[i]);
		bforget(slot);
		if (r < 0) {
			go_readonly("cannot install the log's blocks");
			return;
		}
	}
	if (bflush() < 0 || header_write(0, 0) < 0 || bflush() < 0)
		go_readonly("cannot clear the log after recovery");
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
	if (log_readonly())
		return; /* nothing will be committed */

	/* Every commit rewrites the header: keep it cached for good. */
	if ((b = bread(wal.dev, wal.header)) == 0) {
		go_readonly("cannot read the log header");
		return;
	}
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

/*
 * Leave the operation.  Returns 0 if what it changed is durable (or it
 * changed nothing), -1 if its transaction failed (see the top).
 */
int
op_end(void)
{
	uint64 seq;
	int r = 0;

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
			while (wal.durable_seq < seq && !wal.readonly)
				waitq_sleep(&wal.durable, &wal.lock);
			r = wal.durable_seq < seq ? -1 : 0;
		}
		spin_unlock(&wal.lock);
		return r;
	}
	if (wal.n == 0) {
		/* Nobody wrote: nothing to commit, the transaction stays open. */
		waitq_wake_all(&wal.admit);
		spin_unlock(&wal.lock);
		return 0;
	}
	wal.committing = 1;
	spin_unlock(&wal.lock);

	r = commit(); /* sleeps on the disk: no spinlock held */

	spin_lock(&wal.lock);
	wal.committing = 0;
	wal.closing = 0;
	wal.poisoned = 0;
	wal.open_seq++;
	waitq_wake_all(&wal.admit);
	spin_unlock(&wal.lock);
	return r;
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
