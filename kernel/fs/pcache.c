/*
 * The page cache: each page of a file in at most one frame, shared by
 * every mapping of it (vma.c maps the frame itself for MAP_SHARED, copy-on-
 * write for MAP_PRIVATE) and kept coherent with read() and write().
 *
 * A file's pages hang off its in-memory inode: ip->pages[i] is the frame
 * holding bytes [i * PGSIZE, (i + 1) * PGSIZE) of the file, or 0.  The
 * largest file has PCACHE_PAGES pages, so a small array is enough.
 *
 * Invariants
 *   - the cache holds exactly one reference to each frame in a pages[]
 *     slot (a kernel holder in frame.c's sense); the audit (vmcheck.c)
 *     counts it through pcache_for_each;
 *   - a cached page holds the file's bytes as read() must see them: the
 *     bytes below the size are the file's newest (stores through a shared
 *     mapping land in the frame itself; writei copies what it writes into
 *     the frame, pcache_write); bytes past the size were zero when the
 *     page came in;
 *   - a page nobody else holds (count 1) is clean: its bytes below the
 *     size are on disk or in the log.  A shared mapping's dirty pages are
 *     written back before they are unmapped (vma.c: munmap, exit and exec
 *     write back, then unmap), and writei wrote the rest already.  So
 *     reclaim may drop such a page at any time without writing it;
 *   - an inode's pages go when its file is truncated (itrunc: to size 0,
 *     the only truncation there is) or freed, and when its cache entry
 *     is recycled for another (dev, inum).  Pages still mapped stay with
 *     their mappings, as private frames no longer in the cache.  Unused
 *     inodes (ref 0) keep their pages: a program run again finds them.
 *
 * Locks: pcache_lock (a spinlock) guards every inode's pages[], npages and
 * pins, and the total.  Lookup, insert and evict all happen under it; it
 * is held for short steps and nothing sleeps or allocates under it.
 *   - A page comes in (pcache_fill_locked) under the inode's sleep lock:
 *     the frame is read with no spinlock held, then inserted under
 *     pcache_lock.  writei also runs under the sleep lock, so no write
 *     falls between reading a page and inserting it.
 *   - A hit (pcache_page) needs only pcache_lock: a new reference to a
 *     cached frame is only ever taken under it, so reclaim, which checks
 *     count 1 and empties the slot under it, never frees a frame someone
 *     is taking.
 *   - readi copies out of a cached page without the lock (the copy may
 *     fault and sleep); pins keeps reclaim away from the inode meanwhile.
 *     Truncation and recycling cannot happen then: readi holds the
 *     inode's sleep lock and a reference.
 *   - Order: the VM lock, then the icache lock, then pcache_lock, then
 *     the frame locks.  Reclaim runs inside frame_alloc, whose callers
 *     may hold the VM lock (so the cache may never be locked while taking
 *     the VM lock) but never icache.lock or pcache_lock (nothing
 *     allocates under them).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/fs/fsys.h"

static struct spinlock pcache_lock = SPINLOCK_INIT("pcache");
static uint64 cached; /* pages in the cache now */

/*
 * Pages cached now, read without pcache_lock: a hint (vmstat's figure,
 * reclaim's early way out), as looks_cached's; written under the lock.
 */
uint64
pcache_count(void)
{
	return __atomic_load_n(&cached, __ATOMIC_RELAXED);
}

/* Empty slot i of ip, dropping the cache's reference.  pcache_lock is held. */
static void
evict(struct inode *ip, uint i)
{
	void *frame = ip->pages[i];

	DEBUG_ASSERT(frame_refcount(frame) >= 1);
	ip->pages[i] = 0;
	ip->npages--;
	cached--;
	frame_free(frame);
}

/*
 * Is the page cached?  A plain look, no lock: for a caller that holds
 * ip's lock only 0 -> frame changes are excluded (pages come in under
 * it), so a 0 seen stays 0 while it holds the lock; a frame seen may go
 * at once, and only pcache_page's answer counts.
 */
static int
looks_cached(struct inode *ip, uint pgno)
{
	return __atomic_load_n(&ip->pages[pgno], __ATOMIC_RELAXED) != 0;
}

int
pcache_page_cached(struct inode *ip, uint pgno)
{
	return pgno < PCACHE_PAGES && looks_cached(ip, pgno);
}

/* Bytes of ip's page pgno that lie within the file.  ip is locked. */
static uint
file_bytes_in_page(struct inode *ip, uint pgno)
{
	uint64 start = (uint64)pgno * PGSIZE;

	if (start >= ip->size)
		return 0;
	return ip->size - start < PGSIZE ? ip->size - start : PGSIZE;
}

int
pcache_fill_locked(struct inode *ip, uint pgno)
{
	void *frame;

	ASSERT(sleep_holding(&ip->lock));
	if (pgno >= PCACHE_PAGES)
		return PCACHE_IO_ERROR;
	if (looks_cached(ip, pgno))
		return PCACHE_OK;
	/* Zeroed: the bytes past the end of the file read as zeros. */
	if ((frame = frame_alloc_zeroed()) == 0)
		return PCACHE_NO_MEMORY;
	/* Short (a disk error mid-page): an error, never a page of zeros. */
	if (readi(ip, 0, (uint64)frame, pgno * PGSIZE, PGSIZE) !=
	    (int)file_bytes_in_page(ip, pgno)) {
		frame_free(frame);
		return PCACHE_IO_ERROR;
	}
	/* The allocation's reference becomes the cache's. */
	spin_lock(&pcache_lock);
	ASSERT(ip->pages[pgno] == 0); /* pages come in under ip's lock only */
	ip->pages[pgno] = frame;
	ip->npages++;
	cached++;
	spin_unlock(&pcache_lock);
	return PCACHE_OK;
}

int
pcache_fill(struct inode *ip, uint pgno)
{
	int r;

	if (pgno < PCACHE_PAGES && looks_cached(ip, pgno))
		return PCACHE_OK;
	if (ilock(ip) < 0)
		return PCACHE_IO_ERROR;
	r = pcache_fill_locked(ip, pgno);
	iunlock(ip);
	return r;
}

void *
pcache_page(struct inode *ip, uint pgno)
{
	void *frame = 0;

	if (pgno >= PCACHE_PAGES)
		return 0;
	spin_lock(&pcache_lock);
	if ((frame = ip->pages[pgno]) != 0)
		frame_ref_inc(frame);
	spin_unlock(&pcache_lock);
	return frame;
}

int
pcache_read(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
	uint pgno = off / PGSIZE, in = off % PGSIZE;
	void *frame;
	uint got;

	if (pgno >= PCACHE_PAGES || ip->npages == 0 || !looks_cached(ip, pgno))
		return -1;
	spin_lock(&pcache_lock);
	if ((frame = ip->pages[pgno]) != 0)
		ip->pins++;
	spin_unlock(&pcache_lock);
	if (frame == 0)
		return -1;
	if (n > PGSIZE - in)
		n = PGSIZE - in;
	got = n - either_copyout(user_dst, dst, (char *)frame + in, n);
	spin_lock(&pcache_lock);
	ip->pins--;
	spin_unlock(&pcache_lock);
	return got;
}

/*
 * writei wrote n bytes at off (within one block) from src, a kernel
 * buffer: the cached page gets them too.  origin is the kernel address
 * the bytes came from (0: a user buffer); a write-back of the cached
 * page itself leaves the page alone, since a store through another
 * mapping may have landed there since the bytes were read.
 */
void
pcache_write(struct inode *ip, uint off, const void *src, uint n, uint64 origin)
{
	uint pgno = off / PGSIZE;
	char *frame;

	if (pgno >= PCACHE_PAGES || !looks_cached(ip, pgno))
		return;
	spin_lock(&pcache_lock);
	frame = ip->pages[pgno];
	if (frame && PGROUNDDOWN(origin) != (uint64)frame)
		memmove(frame + off % PGSIZE, src, n);
	spin_unlock(&pcache_lock);
}

void
pcache_forget(struct inode *ip)
{
	uint i;

	if (__atomic_load_n(&ip->npages, __ATOMIC_RELAXED) == 0)
		return;
	spin_lock(&pcache_lock);
	for (i = 0; i < PCACHE_PAGES && ip->npages > 0; i++)
		if (ip->pages[i])
			evict(ip, i);
	spin_unlock(&pcache_lock);
}

/* ---- what mm calls: reclaim and the audit's walk ---- */

struct reclaim {
	uint64 want, freed;
	int in_use; /* the second pass: inodes in use too */
};

/* Free ip's pages that only the cache holds.  icache.lock is held. */
static void
reclaim_inode(struct inode *ip, void *arg)
{
	struct reclaim *rc = arg;
	uint i;

	if (rc->freed >= rc->want || (ip->ref > 0 && !rc->in_use))
		return;
	spin_lock(&pcache_lock);
	for (i = 0; ip->pins == 0 && i < PCACHE_PAGES && ip->npages > 0 &&
	     rc->freed < rc->want;
	     i++) {
		/* Acquire (frame_refcount): the last mapper's stores came first. */
		if (ip->pages[i] && frame_refcount(ip->pages[i]) == 1) {
			evict(ip, i);
			rc->freed++;
		}
	}
	spin_unlock(&pcache_lock);
}

/* Pages of unused files first, the least recently used first; then any. */
static uint64
pcache_reclaim(uint64 want)
{
	struct reclaim rc = { want, 0, 0 };

	if (pcache_count() == 0)
		return 0;
	icache_for_each(reclaim_inode, &rc);
	if (rc.freed < want) {
		rc.in_use = 1;
		icache_for_each(reclaim_inode, &rc);
	}
	return rc.freed;
}

/*
 * For the audit: visit every cached frame with pcache_lock held, which
 * the audit keeps (pcache_lock_all) until it has read every frame's
 * count, so no page comes or goes between the two.  The entries are
 * walked without the icache lock: pages[] is pcache_lock's.
 */
static void
pcache_for_each(void (*visit)(uint64 pa, void *arg), void *arg)
{
	struct inode *ip;
	uint i;

	ASSERT(spin_holding(&pcache_lock));
	for (ip = icache_first(); ip != 0; ip = icache_next(ip))
		for (i = 0; ip->npages > 0 && i < PCACHE_PAGES; i++)
			if (ip->pages[i])
				visit((uint64)ip->pages[i], arg);
}

static void
pcache_lock_all(void)
{
	spin_lock(&pcache_lock);
}

static void
pcache_unlock_all(void)
{
	spin_unlock(&pcache_lock);
}

static const struct page_cache_ops ops = {
	.count = pcache_count,
	.reclaim = pcache_reclaim,
	.lock = pcache_lock_all,
	.for_each = pcache_for_each,
	.unlock = pcache_unlock_all,
};

void
pcache_init(void)
{
	frame_set_page_cache(&ops);
}
