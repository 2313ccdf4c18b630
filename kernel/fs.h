/*
 * On-disk file system format, shared by the kernel, mkfs and user programs.
 * The layout is xv6's, so images interchange:
 *   [ boot | super | log ... | inodes ... | free bitmap ... | data ... ]
 */
#ifndef COWBIRD_FS_H
#define COWBIRD_FS_H

#include "kernel/types.h"

#define ROOTINO 1    /* inode number of "/" */
#define BSIZE   1024 /* block size in bytes */
#define FSMAGIC 0x10203040

struct superblock {
	uint magic;      /* FSMAGIC */
	uint size;       /* blocks in the image */
	uint nblocks;    /* data blocks */
	uint ninodes;    /* inodes */
	uint nlog;       /* log blocks */
	uint logstart;   /* first log block */
	uint inodestart; /* first inode block */
	uint bmapstart;  /* first free-bitmap block */
};

#define NDIRECT   12
#define NINDIRECT (BSIZE / sizeof(uint))
#define MAXFILE   (NDIRECT + NINDIRECT)

/* An inode as stored on disk. */
struct dinode {
	short type;  /* 0 when free */
	short major; /* device files only */
	short minor;
	short nlink;             /* directory entries naming it */
	uint size;               /* bytes */
	uint addrs[NDIRECT + 1]; /* direct blocks, then the indirect block */
};

#define IPB           (BSIZE / sizeof(struct dinode)) /* inodes per block */
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart) /* block holding inode i */
#define BPB           (BSIZE * 8)                   /* bitmap bits per block */
#define BBLOCK(b, sb) \
	((b) / BPB + (sb).bmapstart) /* bitmap block for block b */

#define DIRSIZ 14

struct dirent {
	ushort inum;       /* 0 marks a free entry */
	char name[DIRSIZ]; /* not NUL-terminated when DIRSIZ long */
};

#endif
