/*
 * Inodes: the superblock, the free-block bitmap, the inode cache, and
 * file contents through the block map.
 *
 * Inode lifetime
 *   ref    counts the pointers to a cached inode held in memory: open
 *          files, each process's cwd, a system call at work.
 *   nlink  counts the directory entries naming the inode on disk (for a
 *          directory: its entry in the parent plus its subdirectories'
 *          "..", see dir.c).
 *   - An inode is freed on disk (blocks back to the bitmap, type 0) when
 *     both have reached 0: by the iput() that drops the last reference to
 *     an inode with nlink 0.  So a file unlinked while open stays readable
 *     until its last close, and a removed directory that is still some
 *     process's cwd stays allocated (dir.c says what may be done in it).
 *     Any iput() may write the disk, so each runs inside an operation
 *     (op_begin()/op_end()).
 *   - A crash between the unlink and the last close leaves an allocated
 *     inode with nlink 0; fs_init() frees those orphans at boot.
 *   - A reference keeps the inode allocated on disk and its cache entry
 *     bound to (dev, inum).  It gives no right to the contents: those
 *     need the inode's sleep lock.
 *
 * The cache
 *   NINODE entries, found through a hash table on (dev, inum).  Entries
 *   with ref 0 wait on the unused list, least recently released first,
 *   keeping their identity and their valid copy of the dinode: a program
 *   run again or a directory that every path crosses costs no disk read.
 *   iget() recycles the oldest unused entry only for an inode not cached.
 *   An inode freed on disk leaves the hash before its blocks are freed,
 *   and its entry goes to the front of the unused list; so the hash never
 *   holds a free dinode, and holds at most one entry per inode, whose
 *   copy is the only one ever written back.
 *
 * Locks
 *   icache.lock (spinlock): the hash chains, the unused list, and every
 *     entry's dev, inum, ref and hashed.  Never held while sleeping.
 *   ip->lock (sleep lock): valid, the dinode copy, and the file's blocks.
 *     Only a holder of a reference takes it, so an unused entry's sleep
 *     lock is free.  The order between inode locks is in dir.c.
 *
 * Text busy
 *   A running program's text is the page cache's frames of its file
 *   (exec maps them), so a write to that file would change the program
 *   under its feet.  As in Unix, that write is refused, both ways round:
 *   a file some program maps (runners: exec'd images, sysmmap.c) cannot
 *   be opened for writing or truncated, and a file open for writing
 *   (writers: struct files, sysfile.c) cannot be exec'd.  Each side
 *   checks the other's count and raises its own under ip->lock, so the
 *   two never both succeed; a count is lowered without the lock (a last
 *   close, a last exit), before the reference it came with is dropped, so
 *   an unused entry's counts are 0.  Relaxed atomics suffice: ip->lock
 *   orders every check against the other side's raise, and a lowering
 *   seen late only makes a check refuse a moment longer.  Unlinking a running program is
 *   allowed: the way to replace one is rm, then create the file anew.
 *
 * Block map: addrs[0..NDIRECT-1] name data blocks; addrs[NDIRECT] names a
 * block of NINDIRECT more.  0 means "no block" (block 0 is the boot block).
 * Running out of blocks or inodes is an ordinary failure (a short write,
 * a 0 return), never a panic.
 *
 * Disk errors: a block that cannot be read fails the call that needed it
 * (bread() returns 0; readi() -1, ilock() -1, bmap() 0).  Where a change
 * is already half made, log_poison() keeps the transaction from
 * committing (fs/log.c).  When the log has gone read-only, iput() leaves
 * an unlinked inode allocated: the next boot frees it as an orphan.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"

#define ICACHE_BUCKETS 61 /* prime, a little above NINODE */

static struct superblock sb;

static struct {
	struct spinlock lock;
	struct inode entry[NINODE];
	struct inode *bucket[ICACHE_BUCKETS];
	struct inode unused; /* list head: next is the oldest */
} icache;

static void icache_init(void);
static void reclaim_orphans(uint dev);

void
fs_init(int dev)
{
	struct buf *b;

	icache_init();
	if ((b = bread(dev, 1)) == 0)
		panic("fs_init: cannot read the superblock of device %d", dev);
	memmove(&sb, b->data, sizeof(sb));
	brelse(b);
	if (sb.magic != FSMAGIC)
		panic("fs_init: bad superblock magic %x on device %d", sb.magic,
		    dev);
	if (sb.ninodes == 0 || sb.size == 0 || sb.bmapstart >= sb.size)
		panic("fs_init: inconsistent superblock");
	log_init(dev, &sb);
	reclaim_orphans(dev);
}

/* ---- free-block bitmap ---- */

/* Allocate a zeroed disk block; 0 when the disk is full.  In an op. */
static uint
balloc(uint dev)
{
	struct buf *map, *b;
	uint bno, last;
	int i;

	for (bno = 0; bno < sb.size; bno = last) {
		last = bno + BPB < sb.size ? bno + BPB : sb.size;
		if ((map = bread(dev, BBLOCK(bno, sb))) == 0)
			return 0;
		for (; bno < last; bno++) {
			i = bno % BPB;
			if (map->data[i / 8] == 0xff) {
				bno |= 7; /* the whole byte is taken */
				continue;
			}
			if ((map->data[i / 8] & (1 << (i % 8))) == 0)
				break;
		}
		if (bno < last) {
			i = bno % BPB;
			map->data[i / 8] |= 1 << (i % 8);
			log_write(map);
			brelse(map);
			b = bclaim(dev, bno);
			log_write(b);
			brelse(b);
			return bno;
		}
		brelse(map);
	}
	return 0;
}

/* Return block bno to the bitmap.  In an op. */
static void
bfree(uint dev, uint bno)
{
	struct buf *map;
	uint i = bno % BPB;
	uchar bit = 1 << (i % 8);

	if (bno == 0 || bno >= sb.size)
		panic("bfree: block %u out of range", bno);
	if ((map = bread(dev, BBLOCK(bno, sb))) == 0) {
		log_poison(); /* the block would stay allocated, unused */
		return;
	}
	if ((map->data[i / 8] & bit) == 0)
		panic("bfree: block %u already free", bno);
	map->data[i / 8] &= ~bit;
	log_write(map);
	brelse(map);
}

/* ---- the inode cache ---- */

/*
 * Debug builds check, at each move, that an entry is on the unused list
 * exactly when its ref is 0.
 */
#ifdef DEBUG_CHECKS
#define ICACHE_ASSERT(cond, what, ip)                                \
	do {                                                         \
		if (!(cond))                                         \
			panic("icache: %s (inode %u, ref %d)", what, \
			    (ip)->inum, (ip)->ref);                  \
	} while (0)
#else
#define ICACHE_ASSERT(cond, what, ip) \
	do {                          \
	} while (0)
#endif

static void
unused_remove(struct inode *ip)
{
	ICACHE_ASSERT(ip->lru_prev != 0 && ip->ref <= 1,
	    "taking an entry that is not unused", ip);
	ip->lru_prev->lru_next = ip->lru_next;
	ip->lru_next->lru_prev = ip->lru_prev;
	ip->lru_prev = ip->lru_next = 0;
}

/* Put ip on the unused list: at the back (oldest = front) or the front. */
static void
unused_insert(struct inode *ip, int at_front)
{
	struct inode *after = at_front ? &icache.unused : icache.unused.lru_prev;

	ICACHE_ASSERT(ip->lru_prev == 0 && ip->ref == 0,
	    "an entry in use put on the unused list", ip);
	ip->lru_prev = after;
	ip->lru_next = after->lru_next;
	after->lru_next->lru_prev = ip;
	after->lru_next = ip;
}

static struct inode **
bucket_of(uint dev, uint inum)
{
	return &icache.bucket[(dev * 31 + inum) % ICACHE_BUCKETS];
}

static void
unhash(struct inode *ip)
{
	struct inode **pp = bucket_of(ip->dev, ip->inum);

	ICACHE_ASSERT(ip->hashed, "unhashing an entry not hashed", ip);
	while (*pp != ip)
		pp = &(*pp)->hash_next;
	*pp = ip->hash_next;
	ip->hash_next = 0;
	ip->hashed = 0;
}

static void
icache_init(void)
{
	struct inode *ip;

	spin_init(&icache.lock, "icache");
	icache.unused.lru_next = icache.unused.lru_prev = &icache.unused;
	for (ip = icache.entry; ip < icache.entry + NINODE; ip++) {
		sleep_lock_init(&ip->lock, "inode");
		unused_insert(ip, 0);
	}
}

/*
 * A reference to inode inum on dev, not locked, perhaps not yet read
 * (ilock() reads it).  0 when every cache entry is referenced.
 */
struct inode *
iget(uint dev, uint inum)
{
	struct inode **head = bucket_of(dev, inum);
	struct inode *ip;

	spin_lock(&icache.lock);
	for (ip = *head; ip != 0; ip = ip->hash_next) {
		if (ip->dev == dev && ip->inum == inum)
			break;
	}
	if (ip != 0) {
		if (ip->ref++ == 0)
			unused_remove(ip);
	} else if ((ip = icache.unused.lru_next) != &icache.unused) {
		unused_remove(ip);
		if (ip->hashed)
			unhash(ip);
		pcache_forget(ip); /* the pages of the inode it held before */
		/* Text busy's counts went with the last reference (a leak would
		 * leave the next file here unwritable or never run). */
		DEBUG_ASSERT(ip->writers == 0 && ip->runners == 0);
		ip->dev = dev;
		ip->inum = inum;
		ip->ref = 1;
		ip->valid = 0;
		ip->hash_next = *head;
		*head = ip;
		ip->hashed = 1;
	} else {
		ip = 0;
	}
	spin_unlock(&icache.lock);
	return ip;
}

void
icache_for_each(void (*visit)(struct inode *ip, void *arg), void *arg)
{
	struct inode *ip;

	spin_lock(&icache.lock);
	for (ip = icache.unused.lru_next; ip != &icache.unused; ip = ip->lru_next)
		visit(ip, arg);
	for (ip = icache.entry; ip < icache.entry + NINODE; ip++)
		if (ip->ref > 0)
			visit(ip, arg);
	spin_unlock(&icache.lock);
}

/* Every entry, for a walk that needs none of the icache lock's fields. */
struct inode *
icache_first(void)
{
	return icache.entry;
}

struct inode *
icache_next(struct inode *ip)
{
	return ip + 1 < icache.entry + NINODE ? ip + 1 : 0;
}

struct inode *
idup(struct inode *ip)
{
	spin_lock(&icache.lock);
	if (ip->ref < 1)
		panic("idup: inode %u has no reference", ip->inum);
	ip->ref++;
	spin_unlock(&icache.lock);
	return ip;
}

int
inode_runs(struct inode *ip)
{
	DEBUG_ASSERT(sleep_holding(&ip->lock));
	return __atomic_load_n(&ip->runners, __ATOMIC_RELAXED) > 0;
}

int
inode_written(struct inode *ip)
{
	DEBUG_ASSERT(sleep_holding(&ip->lock));
	return __atomic_load_n(&ip->writers, __ATOMIC_RELAXED) > 0;
}

void
inode_writer_add(struct inode *ip)
{
	DEBUG_ASSERT(!inode_runs(ip));
	__atomic_add_fetch(&ip->writers, 1, __ATOMIC_RELAXED);
}

/* Below 0, a drop came without its add: a kernel bug. */
static void
count_drop(struct inode *ip, int *count, const char *what)
{
	if (__atomic_sub_fetch(count, 1, __ATOMIC_RELAXED) < 0)
		panic("inode %u: a %s dropped that was never added", ip->inum,
		    what);
}

void
inode_writer_drop(struct inode *ip)
{
	count_drop(ip, &ip->writers, "writer");
}

void
inode_runner_add(struct inode *ip)
{
	DEBUG_ASSERT(!inode_written(ip));
	__atomic_add_fetch(&ip->runners, 1, __ATOMIC_RELAXED);
}

void
inode_runner_drop(struct inode *ip)
{
	count_drop(ip, &ip->runners, "runner");
}

static struct dinode *
dinode_in(struct buf *b, uint inum)
{
	return (struct dinode *)b->data + inum % IPB;
}

/*
 * Allocate an on-disk inode of the given type and return a reference to
 * it, unlocked, with nlink 0: the caller names it or drops it, and the
 * last iput() frees it if unnamed.  0 when no inode (or no cache entry)
 * is free.  In an op.
 */
struct inode *
ialloc(uint dev, short type)
{
	struct buf *b;
	struct dinode *dip;
	struct inode *ip;
	uint inum;

	for (inum = 1; inum < sb.ninodes; inum++) {
		if ((b = bread(dev, IBLOCK(inum, sb))) == 0)
			return 0;
		dip = dinode_in(b, inum);
		if (dip->type != 0) {
			brelse(b);
			continue;
		}
		/* Holding b claims the slot until the cache entry exists. */
		ip = iget(dev, inum);
		if (ip != 0) {
			memset(dip, 0, sizeof(*dip));
			dip->type = type;
			log_write(b);
		}
		brelse(b);
		return ip;
	}
	return 0;
}

/* Write the cached copy of ip back to its disk block.  Locked, in an op. */
void
iupdate(struct inode *ip)
{
	struct buf *b;
	struct dinode *dip;

	if ((b = bread(ip->dev, IBLOCK(ip->inum, sb))) == 0) {
		log_poison(); /* the change to ip cannot reach the disk */
		return;
	}
	dip = dinode_in(b, ip->inum);
	dip->type = ip->type;
	dip->major = ip->major;
	dip->minor = ip->minor;
	dip->nlink = ip->nlink;
	dip->size = ip->size;
	memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
	log_write(b);
	brelse(b);
}

/*
 * Lock ip, reading it from disk if this cache entry has not yet.  0, or
 * -1 (and not locked) if the disk could not read it.
 */
int
ilock(struct inode *ip)
{
	struct buf *b;
	struct dinode *dip;

	if (ip == 0 || ip->ref < 1)
		panic("ilock: inode without a reference");
	sleep_lock(&ip->lock);
	if (ip->valid)
		return 0;
	if ((b = bread(ip->dev, IBLOCK(ip->inum, sb))) == 0) {
		sleep_unlock(&ip->lock);
		return -1;
	}
	dip = dinode_in(b, ip->inum);
	ip->type = dip->type;
	ip->major = dip->major;
	ip->minor = dip->minor;
	ip->nlink = dip->nlink;
	ip->size = dip->size;
	memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
	brelse(b);
	/* Only a damaged disk names a free inode (see dir.c): */
	if (ip->type == 0)
		panic("ilock: inode %u is free on disk", ip->inum);
	ip->valid = 1;
	return 0;
}

void
iunlock(struct inode *ip)
{
	if (ip == 0 || !sleep_holding(&ip->lock) || ip->ref < 1)
		panic("iunlock: inode not locked");
	sleep_unlock(&ip->lock);
}

/*
 * Drop a reference.  The last one to an inode no directory names frees
 * it on disk.  Caller does not hold ip's lock; in an op.
 */
void
iput(struct inode *ip)
{
	spin_lock(&icache.lock);
	if (ip->ref < 1)
		panic("iput: inode %u has no reference", ip->inum);
	if (ip->ref == 1 && ip->valid && ip->nlink == 0 && !log_readonly()) {
		/*
		 * Unnamed and unreferenced but for us: nobody can find it
		 * once it leaves the hash, and nobody else can hold or wait
		 * for its lock, so taking the lock below cannot block.
		 */
		unhash(ip);
		spin_unlock(&icache.lock);
		sleep_lock(&ip->lock);
		itrunc(ip);
		ip->type = 0;
		iupdate(ip);
		ip->valid = 0;
		sleep_unlock(&ip->lock);
		spin_lock(&icache.lock);
		ip->ref = 0;
		unused_insert(ip, 1); /* nothing worth keeping: reuse first */
	} else if (--ip->ref == 0) {
		unused_insert(ip, 0);
	}
	spin_unlock(&icache.lock);
}

void
iunlockput(struct inode *ip)
{
	iunlock(ip);
	iput(ip);
}

/*
 * Free the inodes that are allocated but named by no directory: files
 * unlinked while open when the system stopped.  At boot nothing holds a
 * reference, so each is an orphan.
 */
static void
reclaim_orphans(uint dev)
{
	struct buf *b;
	struct dinode *dip;
	struct inode *ip;
	uint inum;
	int orphan;

	for (inum = 1; inum < sb.ninodes; inum++) {
		if ((b = bread(dev, IBLOCK(inum, sb))) == 0)
			continue;
		dip = dinode_in(b, inum);
		orphan = dip->type != 0 && dip->nlink == 0;
		brelse(b);
		if (!orphan)
			continue;
		ip = iget(dev, inum);
		if (ip == 0)
			panic("reclaim_orphans: inode cache full at boot");
		kprintf("fs: freeing orphaned inode %u\n", inum);
		op_begin();
		if (ilock(ip) == 0) /* reads nlink 0: the iput() frees it */
			iunlock(ip);
		iput(ip);
		op_end();
	}
}

/* ---- block map ---- */

/* Entry bn of block table (NINDIRECT block numbers); alloc fills a 0. */
static uint
table_get(uint dev, uint table, uint bn, int alloc)
{
	struct buf *b;
	uint *slot;
	uint addr;

	if ((b = bread(dev, table)) == 0)
		return 0;
	slot = (uint *)b->data + bn;
	addr = *slot;
	if (addr == 0 && alloc && (addr = balloc(dev)) != 0) {
		*slot = addr;
		log_write(b);
	}
	brelse(b);
	return addr;
}

/*
 * Disk block holding block bn of ip's data.  With alloc, missing blocks
 * (and the indirect table) are allocated.  0 when bn is beyond MAXFILE,
 * the block is absent and !alloc, or the disk is full.  Locked.
 */
static uint
bmap(struct inode *ip, uint bn, int alloc)
{
	uint *slot;

	if (bn >= MAXFILE)
		return 0;
	slot = bn < NDIRECT ? &ip->addrs[bn] : &ip->addrs[NDIRECT];
	if (*slot == 0 && alloc)
		*slot = balloc(ip->dev);
	if (bn < NDIRECT || *slot == 0)
		return *slot;
	return table_get(ip->dev, *slot, bn - NDIRECT, alloc);
}

/* Free block table and every block it lists.  In an op. */
static void
free_table(uint dev, uint table)
{
	struct buf *b;
	uint *slot;

	if ((b = bread(dev, table)) == 0) {
		log_poison(); /* its blocks would stay allocated, unused */
		return;
	}
	for (slot = (uint *)b->data; slot < (uint *)(b->data + BSIZE); slot++) {
		if (*slot != 0)
			bfree(dev, *slot);
	}
	brelse(b);
	bfree(dev, table);
}

/* Empty the file: free all its blocks.  Locked, in an op. */
void
itrunc(struct inode *ip)
{
	uint i;

	for (i = 0; i <= NDIRECT; i++) {
		if (ip->addrs[i] == 0)
			continue;
		if (i == NDIRECT)
			free_table(ip->dev, ip->addrs[i]);
		else
			bfree(ip->dev, ip->addrs[i]);
		ip->addrs[i] = 0;
	}
	ip->size = 0;
	pcache_forget(ip);
	iupdate(ip);
}

/* Fill *st for ip (locked); every byte, padding included, is set. */
void
stati(struct inode *ip, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = ip->dev;
	st->ino = ip->inum;
	st->type = ip->type;
	st->nlink = ip->nlink;
	st->size = ip->size;
}

/* ---- moving file bytes ---- */

static uint
min_uint(uint a, uint b)
{
	return a < b ? a : b;
}

/*
 * Give back block bn, the file's last, which bmap allocated for a write
 * that then could not copy a byte into it; the indirect table goes too
 * if bn was its first entry.  So no block lies beyond the size.  Locked,
 * in an op.
 */
static void
drop_last_block(struct inode *ip, uint bn)
{
	struct buf *b;
	uint *slot;

	if (bn < NDIRECT) {
		bfree(ip->dev, ip->addrs[bn]);
		ip->addrs[bn] = 0;
		return;
	}
	b = bread(ip->dev, ip->addrs[NDIRECT]);
	slot = (uint *)b->data + (bn - NDIRECT);
	bfree(ip->dev, *slot);
	*slot = 0;
	log_write(b);
	brelse(b);
	if (bn == NDIRECT) {
		bfree(ip->dev, ip->addrs[NDIRECT]);
		ip->addrs[NDIRECT] = 0;
	}
}

/*
 * Read n bytes (within the size) at off into dst from the buffer
 * cache: the bytes read, fewer if dst stops being writable or a block
 * cannot be read, -1 if none could.  Locked.  Inlined in readi, whose
 * every call (a directory's too) pays no more than before the cache.
 */
static inline __attribute__((always_inline)) int
read_blocks(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
	struct buf *b;
	uint done, want, got, bno, bn;

	for (done = 0; done < n; done += got) {
		bn = (off + done) / BSIZE;
		/* A direct block without the call: small files, every read. */
		bno = bn < NDIRECT ? ip->addrs[bn] : bmap(ip, bn, 0);
		want = min_uint(n - done, BSIZE - (off + done) % BSIZE);
		/* A hole (a damaged inode) or a disk error: stop there. */
		if (bno == 0 || (b = bread(ip->dev, bno)) == 0)
			return done > 0 ? (int)done : -1;
		got = want -
		    either_copyout(user_dst, dst + done,
			b->data + (off + done) % BSIZE, want);
		brelse(b);
		if (got < want)
			return done + got > 0 ? (int)(done + got) : -1;
	}
	return done;
}

/*
 * read_blocks for a file with cached pages: a cached page holds the
 * newest bytes (a mapping's stores land there), so each page comes from
 * the page cache if it is there, else from the buffer cache.  Not
 * inlined: readi stays a plain jump to read_blocks for every other file.
 */
static __attribute__((noinline)) int
read_pages(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
	uint done, want;
	int got;

	for (done = 0; done < n; done += got) {
		want = min_uint(n - done, PGSIZE - (off + done) % PGSIZE);
		got = pcache_read(ip, user_dst, dst + done, off + done, want);
		if (got < 0)
			got = read_blocks(
			    ip, user_dst, dst + done, off + done, want);
		if (got < (int)want) {
			got = got > 0 ? got : 0;
			return done + got > 0 ? (int)(done + got) : -1;
		}
	}
	return done;
}

/*
 * Read up to n bytes at off into dst (a user address if user_dst).
 * Returns the bytes read: 0 at or past the end, fewer than asked if dst
 * stops being writable or a block cannot be read (-1 if not even the
 * first byte could be read).  Locked.
 */
int
readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
	if (off >= ip->size)
		return 0;
	n = min_uint(n, ip->size - off);
	if (__atomic_load_n(&ip->npages, __ATOMIC_RELAXED) > 0)
		return read_pages(ip, user_dst, dst, off, n);
	return read_blocks(ip, user_dst, dst, off, n);
}

/*
 * Write n bytes from src (a user address if user_src) at off (at most the
 * size), growing the file.  Returns the bytes written, which are exactly
 * the bytes that changed: fewer than n if the file reaches MAXFILE
 * blocks, the disk fills up or fails, or src stops being readable.  -1 when none
 * could be written.  Locked, in an op.
 */
int
writei(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
	struct buf *b;
	uint done, want, got, bno;

	if (off > ip->size || off + n < off)
		return -1;
	if (off >= MAXFILE * BSIZE)
		return n == 0 ? 0 : -1;
	n = min_uint(n, MAXFILE * BSIZE - off);
	for (done = 0; done < n; done += got) {
		bno = bmap(ip, (off + done) / BSIZE, 1);
		if (bno == 0)
			break; /* disk full */
		want = min_uint(n - done, BSIZE - (off + done) % BSIZE);
		if ((b = bread(ip->dev, bno)) == 0)
			break; /* disk error */
		got = want -
		    either_copyin(b->data + (off + done) % BSIZE, user_src,
			src + done, want);
		if (got > 0) {
			log_write(b);
			pcache_write(ip, off + done,
			    b->data + (off + done) % BSIZE, got,
			    user_src ? 0 : src + done);
		}
		brelse(b);
		if (got < want) {
			/* Nothing read: a block from the end on is unused. */
			if (got == 0 && (off + done) % BSIZE == 0 &&
			    off + done >= ip->size)
				drop_last_block(ip, (off + done) / BSIZE);
			done += got;
			break;
		}
	}
	if (off + done > ip->size)
		ip->size = off + done;
	/* Even without growth, bmap may have added blocks to addrs. */
	iupdate(ip);
	return done > 0 || n == 0 ? (int)done : -1;
}

/*
 * Drop a reference if it is not the last one (which may free the inode
 * and so needs a log transaction).  Lets exit skip the transaction for
 * its working directory in the usual case.  Returns whether it dropped.
 */
int
iput_if_not_last(struct inode *ip)
{
	int dropped = 0;

	spin_lock(&icache.lock);
	if (ip->ref > 1) {
		ip->ref--;
		dropped = 1;
	}
	spin_unlock(&icache.lock);
	return dropped;
}
