/*
 * kernel/fs: buffer cache, write-ahead log, inodes, directories and path
 * names, open files, pipes, and the file system calls.
 */
#ifndef COWBIRD_FSYS_H
#define COWBIRD_FSYS_H

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/fs.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/sync.h" /* struct sleeplock */

struct stat;

/* ---- buffer cache (bio.c) ---- */
struct buf {
	uint dev; /* identity, refs and links: guarded by the cache lock */
	uint blockno;
	uint refs;         /* bread() holders and log pins */
	struct buf *hnext; /* hash chain */
	struct buf **hprevp;
	struct buf *prev; /* idle list, while refs == 0 */
	struct buf *next;
	struct sleeplock lock;
	int valid; /* data holds the block's contents; guarded by lock */
	uchar data[BSIZE];
};

void bio_init(void);
/* Disk errors: bread() returns 0, the others -1. */
struct buf *bread(uint dev, uint blockno);  /* returns it locked */
struct buf *bclaim(uint dev, uint blockno); /* zeroed, locked, not read */
int bwrite(struct buf *b);
int bwrite_to(struct buf *b, uint blockno);
int bwrite_many(struct buf **bs, const uint *dst, int n);
int bflush(void);
void brelse(struct buf *b);
void bforget(struct buf *b);
void bpin(struct buf *b);
void bunpin(struct buf *b);

/* ---- write-ahead log (log.c) ----
 * Every file-system update runs between op_begin() and op_end(), and
 * writes blocks with log_write() instead of bwrite().
 */
void log_init(int dev, struct superblock *sb);
void op_begin(void);
int op_end(void); /* -1: its changes failed to commit (disk error) */
void log_write(struct buf *b);
int log_readonly(void);     /* a disk error stopped all changes */
void log_poison(void);      /* a change was left half done: don't commit */
void log_read_failed(void); /* bread() could not read a block */

/* ---- inodes (inode.c) ---- */
/* Pages of the largest file: the page cache's slots per inode. */
#define PCACHE_PAGES ((MAXFILE * BSIZE + PGSIZE - 1) / PGSIZE)
struct inode {
	/* Identity and cache links: guarded by the inode cache's spinlock. */
	uint dev;
	uint inum;
	int ref;                 /* references held in memory; 0: reusable */
	struct inode *hash_next; /* chain of the cache bucket for (dev, inum) */
	struct inode *lru_prev;  /* unused list (ref 0), oldest first */
	struct inode *lru_next;
	char hashed; /* on a bucket chain: (dev, inum) are meaningful */

	/* The copy of the on-disk inode: guarded by lock. */
	struct sleeplock lock;
	char valid; /* the fields below were read from disk */
	short type;
	short major;
	short minor;
	short nlink;
	uint size;
	uint addrs[NDIRECT + 1];

	/* The file's cached pages (pcache.c): guarded by its pcache_lock. */
	void *pages[PCACHE_PAGES]; /* frame of page i, or 0 */
	ushort npages;             /* non-zero entries of pages */
	ushort pins;               /* readers copying from a page now */

	/*
	 * Text busy (inode.c): open files that may write it, programs that
	 * map it.  Raised under lock, lowered without it.
	 */
	int writers;
	int runners;
};

void fs_init(int dev); /* reads the superblock, recovers the log; needs a process */
struct inode *ialloc(uint dev, short type);
struct inode *iget(uint dev, uint inum);
struct inode *idup(struct inode *ip);
int ilock(struct inode *ip); /* -1: unreadable, not locked */
void iunlock(struct inode *ip);
void iput(struct inode *ip);
int iput_if_not_last(
    struct inode *ip); /* 1: dropped a shared reference; 0: use iput in an op */
void iunlockput(struct inode *ip);
int inode_runs(struct inode *ip);        /* locked: a program maps it */
int inode_written(struct inode *ip);     /* locked: open for writing */
void inode_writer_add(struct inode *ip); /* locked, and !inode_runs */
void inode_writer_drop(struct inode *ip);
void inode_runner_add(struct inode *ip); /* locked, and !inode_written */
void inode_runner_drop(struct inode *ip);
void iupdate(struct inode *ip);
void itrunc(struct inode *ip);
void stati(struct inode *ip, struct stat *st);
int readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);
int writei(struct inode *ip, int user_src, uint64 src, uint off, uint n);
/* visit(ip) for each cache entry, unused ones oldest first, under the icache lock. */
void icache_for_each(void (*visit)(struct inode *ip, void *arg), void *arg);
struct inode *icache_first(void);            /* every entry, in no order, */
struct inode *icache_next(struct inode *ip); /* ... then 0 */

/* ---- the page cache (pcache.c) ----
 * Each file page in at most one frame, which mappings, exec and
 * read()/write() share.  pcache_fill brings a page in (may sleep; the
 * caller holds no spinlock; _locked: the caller holds ip's lock);
 * pcache_page hands out the cached frame with one more reference (never
 * sleeps; a caller that maps it does so in the same VM-lock step, so the
 * audit sees the reference).  Results of the fills: PCACHE_*.
 */
#define PCACHE_OK        0
#define PCACHE_NO_MEMORY 1
#define PCACHE_IO_ERROR  2 /* unreadable, or beyond the largest file */
void pcache_init(void);
int pcache_fill(struct inode *ip, uint pgno);
int pcache_fill_locked(struct inode *ip, uint pgno);
void *pcache_page(struct inode *ip, uint pgno);      /* or 0: not cached */
int pcache_page_cached(struct inode *ip, uint pgno); /* a hint: 1 or 0 */
int pcache_read(struct inode *ip, int user_dst, uint64 dst, uint off,
    uint n); /* bytes copied from a cached page, or -1: not cached */
void pcache_write(struct inode *ip, uint off, const void *src, uint n,
    uint64 origin);                   /* a write() reaches the cached page */
void pcache_forget(struct inode *ip); /* truncated, freed or recycled */
uint64 pcache_count(void);            /* pages cached now */

/* ---- directories and path names (dir.c) ---- */

/*
 * A resolved path: the directory that holds (or would hold) its last
 * component, locked, and what that component names there.
 */
struct pathres {
	struct inode *dir;     /* locked; a live directory */
	char name[DIRSIZ + 1]; /* the last component, NUL-terminated */
	struct inode *ip; /* the entry's inode (unlocked reference), or 0 */
	uint off;         /* byte offset of the entry in dir, if ip */
};

int path_resolve(char *path, struct pathres *pr);
void path_release(struct pathres *pr);
struct inode *namei(char *path);
struct inode *path_create(char *path, short type, short major, short minor);
int path_unlink(char *path);
int path_link(char *old, char *new);

/* ---- open files (file.c) ---- */
struct pipe;
struct file {
	enum { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE } type;
	int ref; /* descriptors naming it; guarded by the file table lock */
	struct file *next_free; /* free list link, while ref is 0 */
	char readable;
	char writable;
	struct pipe *pipe; /* FD_PIPE */
	struct inode *ip;  /* FD_INODE and FD_DEVICE */
	uint off;          /* FD_INODE */
	short major;       /* FD_DEVICE */
};

void file_init(void);
struct file *file_alloc(void);
struct file *file_dup(struct file *f);
void file_close(struct file *f);
int file_stat(struct file *f, uint64 addr);
int file_read(struct file *f, uint64 addr, int n);
int file_write(struct file *f, uint64 addr, int n);

/* ---- pipes (pipe.c) ---- */
int pipe_alloc(struct file **rf, struct file **wf);
void pipe_close(struct pipe *pi, int writable);
int pipe_read(struct pipe *pi, uint64 addr, int n);
int pipe_write(struct pipe *pi, uint64 addr, int n);

/* ---- system calls (sysfile.c) ---- */
uint64 sys_read(void);
uint64 sys_write(void);
uint64 sys_close(void);
uint64 sys_dup(void);
uint64 sys_fstat(void);
uint64 sys_pipe(void);
uint64 sys_open(void);
uint64 sys_mknod(void);
uint64 sys_mkdir(void);
uint64 sys_chdir(void);
uint64 sys_unlink(void);
uint64 sys_link(void);

#endif
