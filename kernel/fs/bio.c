/*
 * Buffer cache: NBUF in-memory copies of disk blocks, found by hashing
 * (dev, blockno), and recycled least recently used first.
 *
 * Each buffer is in one of two states:
 *   held  refs > 0: someone has it from bread() (and holds or waits for its
 *         sleep lock), or the log has pinned it until the commit installs
 *         it.  A held buffer keeps its identity.
 *   idle  refs == 0: on the idle list, in the order it became idle, the
 *         oldest at the front.  Its data stays valid, so a later bread() of
 *         the same block finds it without disk I/O; or it may be recycled
 *         for another block.
 * A buffer that names a block is on that block's hash chain, idle or held.
 *
 * Locking rule:
 * - cache.lock (a spinlock) guards every buffer's identity (dev, blockno),
 *   refs, hash-chain links and idle-list links.  It is held only for O(1)
 *   work: a hash chain is NBUF / NBUCKET long on average and list updates
 *   are constant time.  It is never held across disk I/O or a sleep lock.
 * - A buffer's sleep lock guards data and valid.  Whoever bread() returned
 *   the buffer to holds it until brelse().
 * So many harts look up and release buffers in parallel, serializing only
 * for a few instructions, and wait on each other only when they want the
 * same block.
 *
 * Invariants (checked in debug builds by bio_check, buffer by buffer):
 * - At most one buffer names a given block, so every user of a block shares
 *   one copy and its sleep lock serializes them.
 * - A buffer is on the idle list if and only if refs == 0.
 *
 * Disk errors: a read that fails leaves the buffer invalid and bread()
 * returns 0 (the caller's system call fails); the write calls return -1
 * and leave the buffer as it was, so the log decides (fs/log.c).
 *
 * When every buffer is held, bread() sleeps until one goes idle.  That
 * cannot deadlock: a commit needs no buffers beyond those it pinned, and
 * no process holds one buffer while waiting for a free one except inside a
 * file-system operation, where the log admits at most
 * LOGBLOCKS / MAXOPBLOCKS operations at a time, each holding two or three
 * buffers; NBUF leaves room for those and the log's pins.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"
#include "kernel/fs/fsys.h"

_Static_assert(BSIZE == DISK_BLOCK, "a file-system block is one disk block");

#define NBUCKET 31 /* prime: block numbers in strides spread evenly */
#define NODEV   ((uint)-1)

static struct {
	struct spinlock lock;
	struct waitq idle_wait; /* bget waits here for an idle buffer */
	struct buf bufs[NBUF];
	struct buf *bucket[NBUCKET]; /* hash chains, linked through hnext */
	struct buf idle;             /* sentinel: idle.next is the oldest */
	int nidle;
	int nwaiting; /* sleeping in bget for an idle buffer */
} cache;

static struct buf **
chain_of(uint dev, uint blockno)
{
	return &cache.bucket[(dev * 7919u + blockno) % NBUCKET];
}

static void
chain_insert(struct buf *b)
{
	struct buf **head = chain_of(b->dev, b->blockno);

	b->hnext = *head;
	b->hprevp = head;
	if (*head != 0)
		(*head)->hprevp = &b->hnext;
	*head = b;
}

static void
chain_remove(struct buf *b)
{
	*b->hprevp = b->hnext;
	if (b->hnext != 0)
		b->hnext->hprevp = b->hprevp;
	b->hnext = 0;
	b->hprevp = 0;
}

/* Make b the newest idle buffer (at_front == 0) or the next to recycle. */
static void
idle_add(struct buf *b, int at_front)
{
	struct buf *after = at_front ? &cache.idle : cache.idle.prev;

	b->next = after->next;
	b->prev = after;
	after->next->prev = b;
	after->next = b;
	cache.nidle++;
	if (cache.nwaiting > 0)
		waitq_wake_all(&cache.idle_wait);
}

static void
idle_remove(struct buf *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
	b->next = b->prev = 0;
	cache.nidle--;
}

#ifdef DEBUG_CHECKS
/*
 * The invariants at the top of the file, for the one buffer an operation
 * just changed (a whole-cache check on every lookup would cost more than
 * the lookup).  Caller holds cache.lock.
 */
static void
bio_check(struct buf *b)
{
	struct buf *o;
	int same = 0;

	if ((b->refs == 0) != (b->next != 0))
		panic("bio: block %u has %u refs and is%s on the idle list",
		    b->blockno, b->refs, b->next != 0 ? "" : " not");
	if (b->dev == NODEV)
		return;
	for (o = *chain_of(b->dev, b->blockno); o != 0; o = o->hnext)
		if (o->dev == b->dev && o->blockno == b->blockno)
			same++;
	if (same != 1)
		panic("bio: block %u cached %d times", b->blockno, same);
}
#else
static void
bio_check(struct buf *b)
{
	(void)b;
}
#endif

void
bio_init(void)
{
	struct buf *b;

	spin_init(&cache.lock, "bcache");
	waitq_init(&cache.idle_wait, "idle buffer");
	cache.idle.next = cache.idle.prev = &cache.idle;
	for (b = cache.bufs; b < cache.bufs + NBUF; b++) {
		sleep_lock_init(&b->lock, "buffer");
		b->dev = NODEV; /* names no block, on no chain */
		idle_add(b, 0);
	}
}

static struct buf *
chain_find(uint dev, uint blockno)
{
	struct buf *b;

	for (b = *chain_of(dev, blockno); b != 0; b = b->hnext)
		if (b->dev == dev && b->blockno == blockno)
			return b;
	return 0;
}

/*
 * The buffer for (dev, blockno), held and locked: the cached one if there
 * is one, else the oldest idle buffer renamed, with valid == 0.
 */
static struct buf *
bget(uint dev, uint blockno)
{
	struct buf *b;

	spin_lock(&cache.lock);
	for (;;) {
		if ((b = chain_find(dev, blockno)) != 0) {
			if (b->refs++ == 0)
				idle_remove(b);
			break;
		}
		if (cache.nidle > 0) {
			b = cache.idle.next;
			idle_remove(b);
			if (b->dev != NODEV)
				chain_remove(b);
			b->dev = dev;
			b->blockno = blockno;
			b->valid = 0;
			b->refs = 1;
			chain_insert(b);
			break;
		}
		/* Every buffer is held: wait for a brelse (see the top). */
		cache.nwaiting++;
		waitq_sleep(&cache.idle_wait, &cache.lock);
		cache.nwaiting--;
	}
	bio_check(b);
	spin_unlock(&cache.lock);
	sleep_lock(&b->lock);
	return b;
}

static void unhold(struct buf *b, int forget);

/* Move b's data to or from block blockno: 0, or -1 if the disk failed. */
static int
disk_io(struct buf *b, uint blockno, enum disk_op op)
{
	struct disk_req rq = { .blockno = blockno, .data = b->data, .op = op };

	return virtio_disk_rw(&rq, 1);
}

/*
 * The buffer for (dev, blockno) with the block's contents, locked; 0 if
 * the disk could not read it (the buffer goes back, invalid, to be
 * recycled first).
 */
struct buf *
bread(uint dev, uint blockno)
{
	struct buf *b;

	b = bget(dev, blockno);
	if (!b->valid) {
		if (disk_io(b, b->blockno, DISK_READ) < 0) {
			sleep_unlock(&b->lock);
			unhold(b, 1);
			log_read_failed();
			return 0;
		}
		b->valid = 1;
	}
	return b;
}

/*
 * The buffer for a block whose old contents do not matter (a block just
 * allocated): locked, zero-filled and valid, without reading the disk.
 */
struct buf *
bclaim(uint dev, uint blockno)
{
	struct buf *b = bget(dev, blockno);

	memset(b->data, 0, BSIZE);
	b->valid = 1;
	return b;
}

static void
require_locked(struct buf *b, const char *who)
{
	if (!sleep_holding(&b->lock))
		panic("%s: buffer for block %u not locked", who, b->blockno);
}

/* Write b's data to its block now: 0, or -1.  The caller holds b's lock. */
int
bwrite(struct buf *b)
{
	require_locked(b, "bwrite");
	return disk_io(b, b->blockno, DISK_WRITE);
}

/*
 * Write b's data to another block, blockno, leaving b as it is.  The log
 * uses this to put a copy of a cached block into its log slot; any cached
 * copy of blockno itself is not updated, so the caller must know that
 * nobody reads blockno through the cache.
 */
int
bwrite_to(struct buf *b, uint blockno)
{
	require_locked(b, "bwrite_to");
	return disk_io(b, blockno, DISK_WRITE);
}

/*
 * Write bs[i]'s data to block dst[i], for i < n, all at once: the disk
 * gets them in no particular order.  The caller holds every bs[i]'s lock;
 * as for bwrite_to, a cached copy of a dst[i] other than bs[i] itself is
 * not updated.  Returns 0, or -1 if any write failed.
 */
int
bwrite_many(struct buf **bs, const uint *dst, int n)
{
	struct disk_req rq[LOGBLOCKS];
	int i;

	if (n > LOGBLOCKS)
		panic("bwrite_many: %d blocks", n);
	for (i = 0; i < n; i++) {
		require_locked(bs[i], "bwrite_many");
		rq[i] = (struct disk_req){
			.blockno = dst[i], .data = bs[i]->data, .op = DISK_WRITE
		};
	}
	return virtio_disk_rw(rq, n);
}

/* Make every block written so far durable on the disk: 0, or -1. */
int
bflush(void)
{
	return virtio_disk_flush();
}

/* Drop one reference; the last one makes b idle, the newest or the oldest. */
static void
unhold(struct buf *b, int forget)
{
	spin_lock(&cache.lock);
	if (b->refs == 0)
		panic("brelse: buffer for block %u is not held", b->blockno);
	if (--b->refs == 0)
		idle_add(b, forget);
	bio_check(b);
	spin_unlock(&cache.lock);
}

/* Give back a buffer bread() returned. */
void
brelse(struct buf *b)
{
	require_locked(b, "brelse");
	sleep_unlock(&b->lock);
	unhold(b, 0);
}

/*
 * Give back a buffer whose contents nobody will want again (a log slot
 * read during recovery): it is recycled first, and never found by a
 * later bread().
 */
void
bforget(struct buf *b)
{
	require_locked(b, "bforget");
	b->valid = 0;
	spin_lock(&cache.lock);
	if (b->refs != 1)
		panic("bforget: block %u has other users", b->blockno);
	chain_remove(b);
	b->dev = NODEV;
	spin_unlock(&cache.lock);
	sleep_unlock(&b->lock);
	unhold(b, 1);
}

/* Keep b cached (and its identity fixed) until bunpin, without its lock. */
void
bpin(struct buf *b)
{
	spin_lock(&cache.lock);
	if (b->refs++ == 0)
		panic("bpin: buffer for block %u is not held", b->blockno);
	spin_unlock(&cache.lock);
}

void
bunpin(struct buf *b)
{
	unhold(b, 0);
}
