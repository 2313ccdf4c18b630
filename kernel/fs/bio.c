/*
 * Buffer cache: NBUF in-memory copies of disk blocks.
 *
 * Design and invariants:
 * - cache.lock guards every buffer's identity (dev, blockno), refcnt and
 *   place in the LRU list.  A buffer's data and valid flag are guarded by
 *   its own sleep lock, which whoever bread() returned it to holds.
 * - At most one buffer names a given block, so two processes using the
 *   same block always share one copy and serialize on its sleep lock.
 * - The list is circular around the sentinel cache.head: head.next is the
 *   most recently released buffer, head.prev the least recently released.
 *   A buffer with refcnt 0 may be taken over for another block; the search
 *   for one starts from the least recently released end.
 * - The log pins buffers it still has to install (bpin) by holding an
 *   extra reference, so they stay cached until the commit writes them home.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/lib/lib.h"
#include "kernel/dev/dev.h"
#include "kernel/fs/fsys.h"

#define NODEV ((uint)-1)

static struct {
	struct spinlock lock;
	struct buf bufs[NBUF];
	struct buf head;
} cache;

static void
lru_unlink(struct buf *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
}

static void
lru_push_front(struct buf *b)
{
	b->next = cache.head.next;
	b->prev = &cache.head;
	cache.head.next->prev = b;
	cache.head.next = b;
}

void
bio_init(void)
{
	struct buf *b;

	spin_init(&cache.lock, "bcache");
	cache.head.next = &cache.head;
	cache.head.prev = &cache.head;
	for (b = cache.bufs; b < cache.bufs + NBUF; b++) {
		sleep_lock_init(&b->lock, "buffer");
		b->dev = NODEV;		/* names no block yet */
		b->valid = 0;
		b->refcnt = 0;
		lru_push_front(b);
	}
}

/*
 * Find the buffer caching (dev, blockno), or recycle an unused one for it.
 * Returns it locked, with a reference taken.
 */
static struct buf *
bget(uint dev, uint blockno)
{
	struct buf *b;

	spin_lock(&cache.lock);
	for (b = cache.head.next; b != &cache.head; b = b->next) {
		if (b->dev == dev && b->blockno == blockno) {
			b->refcnt++;
			spin_unlock(&cache.lock);
			sleep_lock(&b->lock);
			return b;
		}
	}
	for (b = cache.head.prev; b != &cache.head; b = b->prev) {
		if (b->refcnt == 0) {
			b->dev = dev;
			b->blockno = blockno;
			b->valid = 0;
			b->refcnt = 1;
			spin_unlock(&cache.lock);
			sleep_lock(&b->lock);
			return b;
		}
	}
	/* Every buffer is held: more than NBUF in use means a kernel bug. */
	panic("bget: no free buffer");
}

struct buf *
bread(uint dev, uint blockno)
{
	struct buf *b;

	b = bget(dev, blockno);
	if (!b->valid) {
		virtio_disk_rw(b, 0);
		b->valid = 1;
	}
	return b;
}

/* Write b's data to disk now.  The caller holds b's lock. */
void
bwrite(struct buf *b)
{
	if (!sleep_holding(&b->lock))
		panic("bwrite: buffer %u not locked", b->blockno);
	virtio_disk_rw(b, 1);
}

/* Give up a buffer bread() returned; it becomes the most recently used. */
void
brelse(struct buf *b)
{
	if (!sleep_holding(&b->lock))
		panic("brelse: buffer %u not locked", b->blockno);
	sleep_unlock(&b->lock);

	spin_lock(&cache.lock);
	if (b->refcnt == 0)
		panic("brelse: buffer %u has no reference", b->blockno);
	b->refcnt--;
	if (b->refcnt == 0) {
		lru_unlink(b);
		lru_push_front(b);
	}
	spin_unlock(&cache.lock);
}

void
bpin(struct buf *b)
{
	spin_lock(&cache.lock);
	b->refcnt++;
	spin_unlock(&cache.lock);
}

void
bunpin(struct buf *b)
{
	spin_lock(&cache.lock);
	if (b->refcnt == 0)
		panic("bunpin: buffer %u not pinned", b->blockno);
	b->refcnt--;
	spin_unlock(&cache.lock);
}
