/*
 * fsck: check a file system image and name every problem in it.
 *
 *   fsck [-q] IMAGE
 *
 * Reads the whole image (the format is kernel/fs.h, laid out as mkfs lays
 * it out) and checks, printing one line per problem:
 * - the superblock: magic, and regions (log, inodes, bitmap, data) that
 *   follow each other inside the image;
 * - the log header: at most nlog-1 blocks, each a block that may be logged
 *   (inode, bitmap or data), none twice.  A header that still lists blocks
 *   means a committed transaction was never installed: the kernel replays
 *   it at boot, so a nonzero header is a problem only for an image that
 *   claims to have been shut down, which is every image we check;
 * - every inode: a known type; size at most MAXFILE blocks; a block for
 *   every byte below the size and none above it; every block number inside
 *   the data area; a device's major number below NDEV;
 * - every block: used at most once (by the metadata or one file), marked
 *   in the bitmap exactly when used;
 * - every directory reachable from the root: a whole number of entries,
 *   "." naming itself first and ".." naming its parent second (the root's
 *   parent is the root), no other "." or "..", no empty or duplicate name,
 *   every entry naming an allocated inode in range, no directory named by
 *   two entries;
 * - every allocated inode: reachable from the root (else it is an orphan),
 *   and its link count equal to the entries naming it, not counting a
 *   directory's own "." (the kernel's convention: see sys_mkdir);
 * Exit status 0 only when there is nothing to report.  -q prints only the
 * problems, not the summary line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"

#define MAXREPORT   200 /* problems printed before we only count */
#define DIRENT_SIZE 16
#define DINODE_SIZE 64

_Static_assert(sizeof(struct dinode) == DINODE_SIZE, "on-disk inode is 64 bytes");
_Static_assert(
    sizeof(struct dirent) == DIRENT_SIZE, "directory entry is 16 bytes");

/* Who uses a block. */
enum { FREE = 0, META = -1 };

static unsigned char *image;
static unsigned nimage; /* blocks in the image file */
static const char *path;
static int problems;

static struct {
	unsigned size, nblocks, ninodes, nlog, logstart, inodestart, bmapstart;
	unsigned nbitmap, datastart;
} sb;

static struct inode {
	int type, major, minor, nlink;
	unsigned size;
	unsigned addrs[NDIRECT + 1];
	int entries;     /* directory entries naming it (without its own ".") */
	int reached;     /* found by the walk from the root */
	unsigned parent; /* a directory's parent, as the walk found it */
} * inodes;

static int *owner; /* per block: FREE, META or an inode number */

static void __attribute__((format(printf, 1, 2))) problem(const char *fmt, ...)
{
	va_list ap;

	if (++problems > MAXREPORT)
		return;
	printf("fsck: %s: ", path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static unsigned
get16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static unsigned
get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24;
}

static unsigned char *
block(unsigned b)
{
	return image + (size_t)b * BSIZE;
}

static const char *
type_name(int type)
{
	switch (type) {
	case T_DIR:
		return "directory";
	case T_FILE:
		return "file";
	case T_DEVICE:
		return "device";
	}
	return "inode";
}

static void
load(void)
{
	FILE *f;
	long len;

	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
		fprintf(stderr, "fsck: %s: cannot read\n", path);
		exit(2);
	}
	rewind(f);
	nimage = len / BSIZE;
	image = calloc(nimage + 1, BSIZE);
	if (image == NULL || fread(image, 1, len, f) != (size_t)len) {
		fprintf(stderr, "fsck: %s: cannot read\n", path);
		exit(2);
	}
	fclose(f);
}

/* Returns 0 if the superblock is too broken to go on. */
static int
check_superblock(void)
{
	const unsigned char *p = block(1);
	unsigned ninodeblocks;

	if (nimage < 2) {
		problem("image of %u blocks has no superblock", nimage);
		return 0;
	}
	if (get32(p) != FSMAGIC) {
		problem("superblock magic 0x%x, want 0x%x", get32(p), FSMAGIC);
		return 0;
	}
	sb.size = get32(p + 4);
	sb.nblocks = get32(p + 8);
	sb.ninodes = get32(p + 12);
	sb.nlog = get32(p + 16);
	sb.logstart = get32(p + 20);
	sb.inodestart = get32(p + 24);
	sb.bmapstart = get32(p + 28);
	if (sb.size > nimage) {
		problem("superblock says %u blocks, the image has %u", sb.size,
		    nimage);
		return 0;
	}
	if (sb.ninodes < 2 || sb.ninodes > 65536) {
		problem("superblock says %u inodes", sb.ninodes);
		return 0;
	}
	ninodeblocks = (sb.ninodes + IPB - 1) / IPB;
	sb.nbitmap = (sb.size + BPB - 1) / BPB;
	if (sb.logstart != 2 || sb.nlog < 2 ||
	    sb.inodestart < sb.logstart + sb.nlog ||
	    sb.bmapstart < sb.inodestart + ninodeblocks ||
	    sb.bmapstart + sb.nbitmap > sb.size) {
		problem("superblock regions overlap or leave the image: log %u+%u, "
			"inodes at %u (%u blocks), bitmap at %u, size %u",
		    sb.logstart, sb.nlog, sb.inodestart, ninodeblocks,
		    sb.bmapstart, sb.size);
		return 0;
	}
	/* mkfs reserves whole bitmap blocks: FSSIZE / BPB + 1 of them. */
	sb.datastart = sb.bmapstart + sb.size / BPB + 1;
	if (sb.datastart > sb.size)
		sb.datastart = sb.bmapstart + sb.nbitmap;
	if (sb.nblocks != sb.size - sb.datastart)
		problem("superblock says %u data blocks, the layout gives %u",
		    sb.nblocks, sb.size - sb.datastart);
	return 1;
}

static void
check_log(void)
{
	const unsigned char *h = block(sb.logstart);
	unsigned n = get32(h), i, j, b;

	if (n > sb.nlog - 1 || n > LOGBLOCKS) {
		problem("log header claims %u blocks, the log holds %u", n,
		    sb.nlog - 1);
		return;
	}
	if (n > 0)
		problem(
		    "log header lists %u committed blocks not yet installed", n);
	for (i = 0; i < n; i++) {
		b = get32(h + 4 + 4 * i);
		if (b < sb.inodestart || b >= sb.size)
			problem(
			    "log header entry %u is block %u, which is never logged",
			    i, b);
		for (j = 0; j < i; j++) {
			if (get32(h + 4 + 4 * j) == b)
				problem("log header lists block %u twice", b);
		}
	}
}

static void
read_inodes(void)
{
	unsigned inum, i;
	const unsigned char *p;

	inodes = calloc(sb.ninodes, sizeof(*inodes));
	for (inum = 0; inum < sb.ninodes; inum++) {
		struct inode *ip = &inodes[inum];

		p = block(sb.inodestart + inum / IPB) +
		    (inum % IPB) * DINODE_SIZE;
		ip->type = (short)get16(p);
		ip->major = (short)get16(p + 2);
		ip->minor = (short)get16(p + 4);
		ip->nlink = (short)get16(p + 6);
		ip->size = get32(p + 8);
		for (i = 0; i < NDIRECT + 1; i++)
			ip->addrs[i] = get32(p + 12 + 4 * i);
	}
}

/* Record that inode inum (or META) uses block b; say so if it is taken. */
static int
claim(unsigned b, int who, const char *what)
{
	if (b >= sb.size || (who != META && b < sb.datastart)) {
		problem("inode %d: %s is block %u, outside the data area %u..%u",
		    who, what, b, sb.datastart, sb.size - 1);
		return 0;
	}
	if (owner[b] != FREE) {
		problem("block %u used twice: by inode %d and by inode %d (%s)",
		    b, owner[b], who, what);
		return 0;
	}
	owner[b] = who;
	return 1;
}

/* Block bn of inode inum, or 0 (no checks: check_blocks did them). */
static unsigned
block_of(const struct inode *ip, unsigned bn)
{
	if (bn < NDIRECT)
		return ip->addrs[bn];
	if (ip->addrs[NDIRECT] == 0 || ip->addrs[NDIRECT] >= sb.size)
		return 0;
	return get32(block(ip->addrs[NDIRECT]) + 4 * (bn - NDIRECT));
}

static void
check_blocks(unsigned inum)
{
	struct inode *ip = &inodes[inum];
	unsigned need, bn, b;
	char what[40];
	int ind_ok;

	need = (ip->size + BSIZE - 1) / BSIZE;
	if (ip->size > MAXFILE * BSIZE) {
		problem("inode %u: size %u is over the maximum %u", inum,
		    ip->size, (unsigned)(MAXFILE * BSIZE));
		need = MAXFILE;
	}
	if (ip->type == T_DEVICE && ip->size != 0)
		problem("inode %u: device with size %u", inum, ip->size);
	if (ip->type == T_DIR && ip->size % DIRENT_SIZE != 0)
		problem("inode %u: directory size %u is not a whole number of "
			"entries",
		    inum, ip->size);
	ind_ok = ip->addrs[NDIRECT] != 0 &&
	    claim(ip->addrs[NDIRECT], inum, "the indirect block");
	if (ip->addrs[NDIRECT] != 0 && need <= NDIRECT)
		problem("inode %u: indirect block %u but size %u needs none",
		    inum, ip->addrs[NDIRECT], ip->size);
	for (bn = 0; bn < MAXFILE; bn++) {
		if (bn >= NDIRECT && !ind_ok)
			break;
		b = block_of(ip, bn);
		if (b == 0) {
			if (bn < need)
				problem("inode %u: size %u but no block %u",
				    inum, ip->size, bn);
			continue;
		}
		snprintf(what, sizeof(what), "block %u", bn);
		if (claim(b, inum, what) && bn >= need)
			problem("inode %u: block %u (disk block %u) lies beyond its "
				"size %u",
			    inum, bn, b, ip->size);
	}
	if (need > NDIRECT && ip->addrs[NDIRECT] == 0)
		problem(
		    "inode %u: size %u but no indirect block", inum, ip->size);
}

static void
check_inodes(void)
{
	unsigned inum, b;

	for (b = 0; b < sb.datastart; b++)
		owner[b] = META;
	if (inodes[0].type != 0)
		problem("inode 0 is allocated (type %d); it must never be",
		    inodes[0].type);
	for (inum = 1; inum < sb.ninodes; inum++) {
		struct inode *ip = &inodes[inum];

		if (ip->type == 0)
			continue;
		if (ip->type != T_DIR && ip->type != T_FILE &&
		    ip->type != T_DEVICE) {
			problem("inode %u: unknown type %d", inum, ip->type);
			continue;
		}
		if (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV))
			problem("inode %u: device major %d out of range", inum,
			    ip->major);
		check_blocks(inum);
	}
	if (inodes[ROOTINO].type != T_DIR)
		problem("root inode %d is not a directory (type %d)", ROOTINO,
		    inodes[ROOTINO].type);
}

/* The walk from the root: a queue of directories still to read. */
static unsigned *queue;
static unsigned qhead, qtail;

static void
check_entry(unsigned dir, unsigned slot, unsigned inum, const char *name)
{
	struct inode *ip;

	if (slot == 0 || slot == 1) {
		const char *want = slot == 0 ? "." : "..";
		unsigned target = slot == 0 ? dir : inodes[dir].parent;

		if (strcmp(name, want) != 0)
			problem("directory %u: entry %u is '%s', want '%s'",
			    dir, slot, name, want);
		else if (inum != target)
			problem("directory %u: '%s' names inode %u, want %u",
			    dir, want, inum, target);
		if (slot == 0)
			return; /* "." does not count in nlink */
		if (inum < sb.ninodes && inum != 0)
			inodes[inum].entries++;
		return;
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		problem(
		    "directory %u: a second '%s' at entry %u", dir, name, slot);
		return;
	}
	if (name[0] == '\0') {
		problem("directory %u: entry %u has an empty name", dir, slot);
		return;
	}
	if (inum >= sb.ninodes) {
		problem("directory %u: '%s' names inode %u, out of range", dir,
		    name, inum);
		return;
	}
	ip = &inodes[inum];
	if (ip->type == 0) {
		problem(
		    "directory %u: '%s' names free inode %u", dir, name, inum);
		return;
	}
	ip->entries++;
	if (ip->type != T_DIR)
		return;
	if (ip->reached) {
		problem("directory %u: '%s' names directory %u, which already has "
			"a parent (%u)",
		    dir, name, inum, ip->parent);
		return;
	}
	ip->reached = 1;
	ip->parent = dir;
	queue[qtail++] = inum;
}

static void
check_directory(unsigned dir)
{
	const struct inode *dp = &inodes[dir];
	unsigned nent = dp->size / DIRENT_SIZE, i, j, b;
	const unsigned char *de, *other;
	char name[DIRSIZ + 1];

	if (nent < 2)
		problem("directory %u: %u entries, it needs '.' and '..'", dir,
		    nent);
	for (i = 0; i < nent; i++) {
		b = block_of(dp, i * DIRENT_SIZE / BSIZE);
		if (b == 0 || b >= sb.size || owner[b] != (int)dir)
			continue; /* already reported by check_blocks */
		de = block(b) + i * DIRENT_SIZE % BSIZE;
		if (get16(de) == 0) {
			if (i < 2)
				problem("directory %u: entry %u ('%s') is empty",
				    dir, i, i == 0 ? "." : "..");
			continue;
		}
		memcpy(name, de + 2, DIRSIZ);
		name[DIRSIZ] = '\0';
		check_entry(dir, i, get16(de), name);
		for (j = 2; j < i; j++) {
			unsigned ob = block_of(dp, j * DIRENT_SIZE / BSIZE);

			if (ob == 0 || ob >= sb.size || owner[ob] != (int)dir)
				continue;
			other = block(ob) + j * DIRENT_SIZE % BSIZE;
			if (get16(other) != 0 &&
			    strncmp((const char *)other + 2, name, DIRSIZ) == 0)
				problem("directory %u: name '%s' appears twice",
				    dir, name);
		}
	}
}

static void
walk_tree(void)
{
	queue = calloc(sb.ninodes, sizeof(*queue));
	if (inodes[ROOTINO].type != T_DIR)
		return;
	inodes[ROOTINO].reached = 1;
	inodes[ROOTINO].parent = ROOTINO;
	queue[qtail++] = ROOTINO;
	while (qhead < qtail)
		check_directory(queue[qhead++]);
}

static void
check_links(void)
{
	unsigned inum;

	for (inum = 1; inum < sb.ninodes; inum++) {
		struct inode *ip = &inodes[inum];

		if (ip->type == 0)
			continue;
		if (ip->type == T_DIR ? !ip->reached : ip->entries == 0) {
			problem("inode %u: orphaned %s (nlink %d, size %u): no directory "
				"reachable from / names it",
			    inum, type_name(ip->type), ip->nlink, ip->size);
			continue;
		}
		if (ip->nlink != ip->entries)
			problem("inode %u: %s with nlink %d, but %d directory entries "
				"name it",
			    inum, type_name(ip->type), ip->nlink, ip->entries);
	}
}

static int
bitmap_bit(unsigned b)
{
	return block(sb.bmapstart + b / BPB)[(b % BPB) / 8] >> (b % 8) & 1;
}

static unsigned
check_bitmap(void)
{
	unsigned b, used = 0;

	for (b = 0; b < sb.size; b++) {
		int marked = bitmap_bit(b);

		if (owner[b] != FREE)
			used++;
		if (owner[b] != FREE && !marked)
			problem(
			    "block %u is used (by %s %d) but free in the bitmap",
			    b, owner[b] == META ? "metadata" : "inode",
			    owner[b] == META ? (int)b : owner[b]);
		else if (owner[b] == FREE && marked)
			problem(
			    "block %u is marked in the bitmap but nothing uses it",
			    b);
	}
	return used;
}

int
main(int argc, char *argv[])
{
	unsigned used, inum, ninodes = 0;
	int quiet = 0;

	if (argc == 3 && strcmp(argv[1], "-q") == 0) {
		quiet = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: fsck [-q] IMAGE\n");
		return 2;
	}
	path = argv[1];
	load();
	if (!check_superblock()) {
		printf("fsck: %s: not a usable file system\n", path);
		return 1;
	}
	owner = calloc(sb.size, sizeof(*owner));
	check_log();
	read_inodes();
	check_inodes();
	walk_tree();
	check_links();
	used = check_bitmap();
	for (inum = 1; inum < sb.ninodes; inum++)
		ninodes += inodes[inum].type != 0;
	if (problems > MAXREPORT)
		printf("fsck: %s: ... and %d more problems\n", path,
		    problems - MAXREPORT);
	if (problems) {
		printf("fsck: %s: %d problem%s\n", path, problems,
		    problems == 1 ? "" : "s");
		return 1;
	}
	if (!quiet)
		printf("fsck: %s: clean: %u of %u blocks, %u of %u inodes used\n",
		    path, used, sb.size, ninodes, sb.ninodes - 1);
	return 0;
}
