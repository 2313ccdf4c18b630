/*
 * Inodes: the superblock, the free-block bitmap, the in-memory inode
 * table, and reading and writing file contents through the block map.
 *
 * Design and invariants:
 * - itable.lock guards each entry's dev, inum and ref.  An entry with
 *   ref 0 is free and may be reused for another inode.  iget() only takes
 *   a reference; ilock() reads the on-disk inode the first time (valid).
 * - An entry's sleep lock guards valid and the copy of the dinode (type,
 *   nlink, size, addrs ...).  Only a holder of a reference takes it, so a
 *   free entry's sleep lock is never held and can be re-initialised when
 *   the entry is claimed.
 * - An inode and its blocks are freed by the iput() that drops the last
 *   reference to an inode no directory names (nlink == 0).  That frees
 *   disk state, so iput() runs inside op_begin()/op_end().
 * - Block map: addrs[0..NDIRECT-1] name data blocks directly;
 *   addrs[NDIRECT] names a block of NINDIRECT further block numbers.  0
 *   means "not allocated" (block 0 is the boot block, never data).
 * - Running out of disk blocks or inodes is an ordinary failure that the
 *   caller sees as a short write or a 0 return, never a panic.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"

static struct superblock sb;

static void reclaim_orphans(uint dev);

/*
 * Statically initialised so that iget() works even before fs_init(): the
 * first process's cwd may be looked up before the disk is read.
 */
static struct {
	struct spinlock lock;
	struct inode inodes[NINODE];
} itable = { .lock = SPINLOCK_INIT("itable") };

static void
read_superblock(int dev)
{
	struct buf *b;

	b = bread(dev, 1);
	memmove(&sb, b->data, sizeof(sb));
	brelse(b);
}

void
fs_init(int dev)
{
	read_superblock(dev);
	if (sb.magic != FSMAGIC)
		panic("fs_init: bad superblock magic %x on device %d", sb.magic,
		    dev);
	if (sb.ninodes == 0 || sb.size == 0 || sb.bmapstart >= sb.size)
		panic("fs_init: inconsistent superblock");
	log_init(dev, &sb);
	reclaim_orphans(dev);
}

/* ---- free-block bitmap ---- */

static void
zero_block(uint dev, uint bno)
{
	struct buf *b;

	b = bread(dev, bno);
	memset(b->data, 0, BSIZE);
	log_write(b);
	brelse(b);
}

/* Allocate a zeroed disk block; 0 when the disk is full. */
static uint
balloc(uint dev)
{
	struct buf *b;
	uint base, bit, bno;
	uchar mask;

	for (base = 0; base < sb.size; base += BPB) {
		b = bread(dev, BBLOCK(base, sb));
		for (bit = 0; bit < BPB && base + bit < sb.size; bit++) {
			mask = 1 << (bit % 8);
			if (b->data[bit / 8] & mask)
				continue;
			b->data[bit / 8] |= mask;
			log_write(b);
			brelse(b);
			bno = base + bit;
			zero_block(dev, bno);
			return bno;
		}
		brelse(b);
	}
	return 0;
}

static void
bfree(uint dev, uint bno)
{
	struct buf *b;
	uint bit;
	uchar mask;

	if (bno == 0 || bno >= sb.size)
		panic("bfree: block %u out of range", bno);
	b = bread(dev, BBLOCK(bno, sb));
	bit = bno % BPB;
	mask = 1 << (bit % 8);
	if ((b->data[bit / 8] & mask) == 0)
		panic("bfree: block %u already free", bno);
	b->data[bit / 8] &= ~mask;
	log_write(b);
	brelse(b);
}

/* ---- the inode table ---- */

/*
 * Take a reference to inode inum on dev, without reading it.
 * Returns 0 when every table entry is in use.
 */
struct inode *
iget(uint dev, uint inum)
{
	struct inode *ip, *free_entry = 0;

	spin_lock(&itable.lock);
	for (ip = itable.inodes; ip < itable.inodes + NINODE; ip++) {
		if (ip->ref > 0 && ip->dev == dev && ip->inum == inum) {
			ip->ref++;
			spin_unlock(&itable.lock);
			return ip;
		}
		if (free_entry == 0 && ip->ref == 0)
			free_entry = ip;
	}
	ip = free_entry;
	if (ip != 0) {
		ip->dev = dev;
		ip->inum = inum;
		ip->ref = 1;
		ip->valid = 0;
		sleep_lock_init(&ip->lock, "inode");
	}
	spin_unlock(&itable.lock);
	return ip;
}

struct inode *
idup(struct inode *ip)
{
	spin_lock(&itable.lock);
	ip->ref++;
	spin_unlock(&itable.lock);
	return ip;
}

static void
set_dinode_type(uint dev, uint inum, short type)
{
	struct buf *b;
	struct dinode *dip;

	b = bread(dev, IBLOCK(inum, sb));
	dip = (struct dinode *)b->data + inum % IPB;
	memset(dip, 0, sizeof(*dip));
	dip->type = type;
	log_write(b);
	brelse(b);
}

/*
 * Allocate an on-disk inode of the given type and return a reference to
 * it, unlocked.  Returns 0 when no inode is free.  Inside an operation.
 */
struct inode *
ialloc(uint dev, short type)
{
	struct buf *b;
	struct dinode *dip;
	struct inode *ip;
	uint inum;

	for (inum = 1; inum < sb.ninodes; inum++) {
		b = bread(dev, IBLOCK(inum, sb));
		dip = (struct dinode *)b->data + inum % IPB;
		if (dip->type != 0) {
			brelse(b);
			continue;
		}
		/* Claim it while holding the block, so no one else can. */
		memset(dip, 0, sizeof(*dip));
		dip->type = type;
		log_write(b);
		brelse(b);
		ip = iget(dev, inum);
		if (ip == 0)
			set_dinode_type(dev, inum, 0);	/* table full: undo */
		return ip;
	}
	return 0;
}

/* Copy the in-memory inode to disk.  Caller holds ip's lock, in an op. */
void
iupdate(struct inode *ip)
{
	struct buf *b;
	struct dinode *dip;

	b = bread(ip->dev, IBLOCK(ip->inum, sb));
	dip = (struct dinode *)b->data + ip->inum % IPB;
	dip->type = ip->type;
	dip->major = ip->major;
	dip->minor = ip->minor;
	dip->nlink = ip->nlink;
	dip->size = ip->size;
	memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
	log_write(b);
	brelse(b);
}

void
ilock(struct inode *ip)
{
	struct buf *b;
	struct dinode *dip;

	if (ip == 0 || ip->ref < 1)
		panic("ilock: inode without a reference");
	sleep_lock(&ip->lock);
	if (ip->valid)
		return;
	b = bread(ip->dev, IBLOCK(ip->inum, sb));
	dip = (struct dinode *)b->data + ip->inum % IPB;
	ip->type = dip->type;
	ip->major = dip->major;
	ip->minor = dip->minor;
	ip->nlink = dip->nlink;
	ip->size = dip->size;
	memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
	brelse(b);
	ip->valid = 1;
	if (ip->type == 0)
		panic("ilock: inode %u is free on disk", ip->inum);
}

void
iunlock(struct inode *ip)
{
	if (ip == 0 || !sleep_holding(&ip->lock) || ip->ref < 1)
		panic("iunlock: inode not locked");
	sleep_unlock(&ip->lock);
}

/*
 * Drop a reference.  The last reference to an inode that no directory
 * names frees it and its blocks.  Must be called inside an operation.
 */
void
iput(struct inode *ip)
{
	spin_lock(&itable.lock);
	if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
		/*
		 * Nobody else has a reference, so nobody holds or can wait
		 * for the sleep lock: taking it cannot block.
		 */
		sleep_lock(&ip->lock);
		spin_unlock(&itable.lock);

		itrunc(ip);
		ip->type = 0;
		iupdate(ip);
		ip->valid = 0;

		sleep_unlock(&ip->lock);
		spin_lock(&itable.lock);
	}
	if (ip->ref < 1)
		panic("iput: inode %u has no reference", ip->inum);
	ip->ref--;
	spin_unlock(&itable.lock);
}

void
iunlockput(struct inode *ip)
{
	iunlock(ip);
	iput(ip);
}

/*
 * Free inodes that are allocated but named by no directory.  A file
 * unlinked while open is freed by its last close; if the system stopped
 * before that, the inode and its blocks would be lost for good.  At boot
 * nothing is open, so every such inode is an orphan.
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
		b = bread(dev, IBLOCK(inum, sb));
		dip = (struct dinode *)b->data + inum % IPB;
		orphan = dip->type != 0 && dip->nlink == 0;
		brelse(b);
		if (!orphan)
			continue;
		ip = iget(dev, inum);
		if (ip == 0)
			panic("reclaim_orphans: inode table full at boot");
		kprintf("fs: freeing orphaned inode %u\n", inum);
		op_begin();
		ilock(ip);	/* reads nlink == 0: the iput frees it */
		iunlock(ip);
		iput(ip);
		op_end();
	}
}

/* ---- block map ---- */

/*
 * Disk block holding block bn of ip's data.  With alloc, missing blocks
 * (and the indirect block) are allocated; returns 0 if bn is beyond
 * MAXFILE, the block is absent and !alloc, or the disk is full.
 */
static uint
bmap(struct inode *ip, uint bn, int alloc)
{
	struct buf *b;
	uint *table;
	uint addr;

	if (bn < NDIRECT) {
		addr = ip->addrs[bn];
		if (addr == 0 && alloc) {
			addr = balloc(ip->dev);
			ip->addrs[bn] = addr;
		}
		return addr;
	}
	bn -= NDIRECT;
	if (bn >= NINDIRECT)
		return 0;

	if (ip->addrs[NDIRECT] == 0) {
		if (!alloc)
			return 0;
		ip->addrs[NDIRECT] = balloc(ip->dev);
		if (ip->addrs[NDIRECT] == 0)
			return 0;
	}
	b = bread(ip->dev, ip->addrs[NDIRECT]);
	table = (uint *)b->data;
	addr = table[bn];
	if (addr == 0 && alloc) {
		addr = balloc(ip->dev);
		if (addr != 0) {
			table[bn] = addr;
			log_write(b);
		}
	}
	brelse(b);
	return addr;
}

/* Free all of ip's data blocks.  Caller holds ip's lock, in an op. */
void
itrunc(struct inode *ip)
{
	struct buf *b;
	uint *table;
	uint i;

	for (i = 0; i < NDIRECT; i++) {
		if (ip->addrs[i] != 0) {
			bfree(ip->dev, ip->addrs[i]);
			ip->addrs[i] = 0;
		}
	}
	if (ip->addrs[NDIRECT] != 0) {
		b = bread(ip->dev, ip->addrs[NDIRECT]);
		table = (uint *)b->data;
		for (i = 0; i < NINDIRECT; i++) {
			if (table[i] != 0)
				bfree(ip->dev, table[i]);
		}
		brelse(b);
		bfree(ip->dev, ip->addrs[NDIRECT]);
		ip->addrs[NDIRECT] = 0;
	}
	ip->size = 0;
	iupdate(ip);
}

void
stati(struct inode *ip, struct stat *st)
{
	st->dev = ip->dev;
	st->ino = ip->inum;
	st->type = ip->type;
	st->nlink = ip->nlink;
	st->size = ip->size;
}

static uint
min_uint(uint a, uint b)
{
	return a < b ? a : b;
}

/*
 * Read up to n bytes at off into dst (a user address if user_dst).
 * Returns the bytes read (0 at or past the end), or -1 if the copy to dst
 * failed.  Caller holds ip's lock.
 */
int
readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
	struct buf *b;
	uint done, chunk, bno;

	if (off >= ip->size)
		return 0;
	n = min_uint(n, ip->size - off);

	for (done = 0; done < n; done += chunk, off += chunk, dst += chunk) {
		bno = bmap(ip, off / BSIZE, 0);
		if (bno == 0)
			break;		/* damaged inode: stop at the hole */
		b = bread(ip->dev, bno);
		chunk = min_uint(n - done, BSIZE - off % BSIZE);
		if (either_copyout(user_dst, dst, b->data + off % BSIZE,
		    chunk) < 0) {
			brelse(b);
			return -1;
		}
		brelse(b);
	}
	return done;
}

/*
 * Write n bytes from src (a user address if user_src) at off, growing the
 * file as needed.  off may be at most the current size.  Returns the bytes
 * written, which is short if the file reaches MAXFILE blocks or the disk
 * fills up; -1 if nothing can be written at off or the copy from src
 * failed.  Caller holds ip's lock, in an op.
 */
int
writei(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
	struct buf *b;
	uint done, chunk, bno;
	uint limit = MAXFILE * BSIZE;
	int failed = 0;

	if (off > ip->size || off + n < off)
		return -1;
	if (n == 0)
		return 0;
	if (off >= limit)
		return -1;
	n = min_uint(n, limit - off);

	for (done = 0; done < n; done += chunk, off += chunk, src += chunk) {
		bno = bmap(ip, off / BSIZE, 1);
		if (bno == 0)
			break;		/* disk full */
		b = bread(ip->dev, bno);
		chunk = min_uint(n - done, BSIZE - off % BSIZE);
		if (either_copyin(b->data + off % BSIZE, user_src, src,
		    chunk) < 0) {
			brelse(b);
			failed = 1;
			break;
		}
		log_write(b);
		brelse(b);
	}
	if (off > ip->size)
		ip->size = off;
	/* Even without growth, bmap may have added blocks to addrs. */
	iupdate(ip);
	return failed ? -1 : (int)done;
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

	spin_lock(&itable.lock);
	if (ip->ref > 1) {
		ip->ref--;
		dropped = 1;
	}
	spin_unlock(&itable.lock);
	return dropped;
}
