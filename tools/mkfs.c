/*
 * mkfs: build a file system image for the kernel.
 *
 *   mkfs IMAGE FILE...
 *
 * The image has FSSIZE blocks laid out as xv6 lays them out, so images
 * interchange:
 *   [ boot | super | log (LOGBLOCKS) | inodes | free bitmap | data ... ]
 * The root directory (inode ROOTINO) holds "." and "..", then one entry
 * per FILE, named by its basename, in argument order.
 *
 * The whole image is built in memory and written only when every input
 * was accepted, so a refused run leaves no half-made image behind.  Every
 * multi-byte field is stored little-endian whatever the host's order.
 * Blocks are handed out in increasing order, so the used blocks are
 * exactly 0 .. next_block-1, which is what the bitmap records.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * kernel/types.h typedefs uint and ushort, as glibc's <sys/types.h> also
 * may; the definitions are identical, which C11 allows.  The kernel
 * headers are included after the host's so nothing of theirs is hidden.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"

_Static_assert(sizeof(struct dinode) == 64, "on-disk inode is 64 bytes");
_Static_assert(sizeof(struct dirent) == 16, "directory entry is 16 bytes");
_Static_assert(BSIZE % sizeof(struct dinode) == 0, "inodes tile a block");

#define NINODE_BLOCKS ((int)(NINODES_DISK / IPB) + 1)
#define NBITMAP       (FSSIZE / BPB + 1)
#define LOGSTART      2
#define INODESTART    (LOGSTART + LOGBLOCKS)
#define BMAPSTART     (INODESTART + NINODE_BLOCKS)
#define NMETA         (BMAPSTART + NBITMAP)
#define NDATA         (FSSIZE - NMETA)
#define MAXFILE_BYTES (MAXFILE * BSIZE)

/* Byte offsets of the fields of struct dinode and struct dirent on disk. */
#define DI_TYPE  0
#define DI_MAJOR 2
#define DI_MINOR 4
#define DI_NLINK 6
#define DI_SIZE  8
#define DI_ADDRS 12
#define DE_INUM  0
#define DE_NAME  2

static unsigned char image[FSSIZE][BSIZE];
static unsigned next_block = NMETA;  /* first unallocated data block */
static unsigned next_inum = ROOTINO; /* first unallocated inode */
static const char *image_path;

/* Per-inode state while building; serialised at the end. */
static struct {
	short type;
	short nlink;
	unsigned size;
	unsigned addrs[NDIRECT + 1];
} inodes[NINODES_DISK];

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkfs: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void
put32(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static unsigned
get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24;
}

static unsigned
alloc_block(const char *why)
{
	if (next_block >= FSSIZE)
		die("image too small: out of data blocks (%d) while adding %s",
		    NDATA, why);
	return next_block++;
}

static unsigned
alloc_inode(short type, const char *why)
{
	unsigned inum = next_inum;

	if (inum >= NINODES_DISK)
		die("too many files: the image has %d inodes, no room for %s",
		    NINODES_DISK, why);
	next_inum++;
	inodes[inum].type = type;
	inodes[inum].nlink = 1;
	return inum;
}

/* The disk block holding block bn of inode inum, allocated on demand. */
static unsigned
block_of(unsigned inum, unsigned bn, const char *why)
{
	unsigned *slot;
	unsigned char *entry;

	if (bn < NDIRECT) {
		slot = &inodes[inum].addrs[bn];
		if (*slot == 0)
			*slot = alloc_block(why);
		return *slot;
	}
	bn -= NDIRECT;
	if (bn >= NINDIRECT)
		die("%s is larger than the maximum file size (%lu bytes)", why,
		    (unsigned long)MAXFILE_BYTES);
	slot = &inodes[inum].addrs[NDIRECT];
	if (*slot == 0)
		*slot = alloc_block(why);
	entry = image[*slot] + 4 * bn;
	if (get32(entry) == 0)
		put32(entry, alloc_block(why));
	return get32(entry);
}

/* Append n bytes to the end of inode inum. */
static void
append(unsigned inum, const void *data, size_t n, const char *why)
{
	const unsigned char *src = data;
	unsigned off, chunk, bno;

	while (n > 0) {
		off = inodes[inum].size;
		bno = block_of(inum, off / BSIZE, why);
		chunk = BSIZE - off % BSIZE;
		if (chunk > n)
			chunk = n;
		memcpy(image[bno] + off % BSIZE, src, chunk);
		inodes[inum].size += chunk;
		src += chunk;
		n -= chunk;
	}
}

static void
add_dirent(unsigned dir, unsigned inum, const char *name)
{
	unsigned char de[sizeof(struct dirent)];
	size_t len = strlen(name);

	if (len > DIRSIZ)
		die("internal error: name '%s' too long", name);
	memset(de, 0, sizeof(de));
	put16(de + DE_INUM, inum);
	memcpy(de + DE_NAME, name, len);
	append(dir, de, sizeof(de), "the root directory");
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void
check_name(
    const char *path, const char *name, char names[][DIRSIZ + 1], int nnames)
{
	int i;

	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		die("%s: not a usable file name", path);
	if (strlen(name) > DIRSIZ)
		die("%s: name '%s' is longer than %d characters", path, name,
		    DIRSIZ);
	for (i = 0; i < nnames; i++) {
		if (strcmp(names[i], name) == 0)
			die("%s: duplicate name '%s'", path, name);
	}
}

/* Read all of path; refuse anything that will not fit in one file. */
static size_t
read_input(const char *path, unsigned char *buf)
{
	FILE *f;
	size_t n;

	f = fopen(path, "rb");
	if (f == NULL)
		die("%s: cannot open: %s", path, strerror(errno));
	n = fread(buf, 1, MAXFILE_BYTES + 1, f);
	if (ferror(f))
		die("%s: cannot read: %s", path, strerror(errno));
	fclose(f);
	if (n > MAXFILE_BYTES)
		die("%s: larger than the maximum file size (%d blocks, %lu "
		    "bytes)",
		    path, (int)MAXFILE, (unsigned long)MAXFILE_BYTES);
	return n;
}

static void
write_superblock(void)
{
	unsigned char *p = image[1];

	put32(p + 0, FSMAGIC);
	put32(p + 4, FSSIZE);
	put32(p + 8, FSSIZE - NMETA);
	put32(p + 12, NINODES_DISK);
	put32(p + 16, LOGBLOCKS);
	put32(p + 20, LOGSTART);
	put32(p + 24, INODESTART);
	put32(p + 28, BMAPSTART);
}

static void
write_inodes(void)
{
	unsigned inum, i;
	unsigned char *p;

	for (inum = 1; inum < next_inum; inum++) {
		p = image[INODESTART + inum / IPB] +
		    (inum % IPB) * sizeof(struct dinode);
		put16(p + DI_TYPE, inodes[inum].type);
		put16(p + DI_MAJOR, 0);
		put16(p + DI_MINOR, 0);
		put16(p + DI_NLINK, inodes[inum].nlink);
		put32(p + DI_SIZE, inodes[inum].size);
		for (i = 0; i < NDIRECT + 1; i++)
			put32(p + DI_ADDRS + 4 * i, inodes[inum].addrs[i]);
	}
}

/* Mark blocks 0 .. next_block-1 in use: metadata and all data so far. */
static void
write_bitmap(void)
{
	unsigned b;

	for (b = 0; b < next_block; b++)
		image[BMAPSTART + b / BPB][(b % BPB) / 8] |= 1 << (b % 8);
}

static void
write_image(void)
{
	FILE *f;

	f = fopen(image_path, "wb");
	if (f == NULL)
		die("%s: cannot create: %s", image_path, strerror(errno));
	if (fwrite(image, BSIZE, FSSIZE, f) != FSSIZE || fclose(f) != 0) {
		remove(image_path);
		die("%s: cannot write: %s", image_path, strerror(errno));
	}
}

int
main(int argc, char *argv[])
{
	static unsigned char content[MAXFILE_BYTES + 1];
	static char names[NINODES_DISK][DIRSIZ + 1];
	unsigned root, inum;
	size_t n;
	int i, nnames = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: mkfs IMAGE [FILE...]\n");
		return 1;
	}
	image_path = argv[1];

	write_superblock();

	root = alloc_inode(T_DIR, "the root directory");
	if (root != ROOTINO)
		die("internal error: root is inode %u", root);
	add_dirent(root, root, ".");
	add_dirent(root, root, "..");

	for (i = 2; i < argc; i++) {
		const char *name = base_name(argv[i]);

		check_name(argv[i], name, names, nnames);
		if (nnames >= NINODES_DISK)
			die("%s: too many files", argv[i]);
		strcpy(names[nnames++], name);

		n = read_input(argv[i], content);
		inum = alloc_inode(T_FILE, argv[i]);
		append(inum, content, n, argv[i]);
		add_dirent(root, inum, name);
	}

	write_inodes();
	write_bitmap();
	write_image();
	printf("mkfs: %s: %d files, %u of %d data blocks used, %u of %d "
	       "inodes\n",
	    image_path, nnames, next_block - NMETA, NDATA, next_inum - 1,
	    NINODES_DISK - 1);
	return 0;
}
