/*
 * Directories and path names.
 *
 * A directory is a file of struct dirent; inum 0 marks a free slot.  Names
 * are compared over at most DIRSIZ bytes and are NUL-padded, not
 * NUL-terminated, when they fill the field.
 *
 * Path walking locks one inode at a time: it unlocks a directory before
 * locking the entry found in it, so looking up "." or ".." cannot deadlock
 * against itself or against a walk going the other way.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"

static int
name_equal(const char *a, const char *b)
{
	return strncmp(a, b, DIRSIZ) == 0;
}

/*
 * Scan directory dp (locked) for name.  On a match, store the entry's
 * offset and inode number and return 1; else return 0.
 */
static int
dir_find(struct inode *dp, char *name, uint *poff, uint *pinum)
{
	struct dirent de;
	uint off;

	if (dp->type != T_DIR)
		panic("dir_find: inode %u is not a directory", dp->inum);
	for (off = 0; off + sizeof(de) <= dp->size; off += sizeof(de)) {
		if (readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
			return 0;	/* damaged directory */
		if (de.inum == 0 || !name_equal(name, de.name))
			continue;
		if (poff)
			*poff = off;
		*pinum = de.inum;
		return 1;
	}
	return 0;
}

/*
 * Look name up in directory dp (locked).  Returns an unlocked reference,
 * or 0 if there is no such entry (or no free inode-table entry).  If poff
 * is not 0, stores the entry's byte offset there.
 */
struct inode *
dirlookup(struct inode *dp, char *name, uint *poff)
{
	uint inum;

	if (!dir_find(dp, name, poff, &inum))
		return 0;
	return iget(dp->dev, inum);
}

/*
 * Add the entry (name, inum) to directory dp (locked), reusing a free
 * slot if there is one.  Returns 0, or -1 if name is already present or
 * the directory cannot grow (disk full, MAXFILE).  Inside an operation.
 */
int
dirlink(struct inode *dp, char *name, uint inum)
{
	struct dirent de;
	uint off, found;

	if (dir_find(dp, name, 0, &found))
		return -1;

	for (off = 0; off + sizeof(de) <= dp->size; off += sizeof(de)) {
		if (readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
			return -1;
		if (de.inum == 0)
			break;
	}
	/* off is a free slot, or the end of the directory. */
	memset(&de, 0, sizeof(de));
	strncpy(de.name, name, DIRSIZ);
	de.inum = inum;
	if (writei(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
		return -1;
	return 0;
}

/*
 * Copy the first component of path into name (cut to DIRSIZ bytes) and
 * return the rest of path, without leading slashes.  Returns 0 if path
 * has no component left.
 *   "a/bb/c" -> name "a", returns "bb/c"
 *   "///a//" -> name "a", returns ""
 *   "" or "//" -> 0
 */
static char *
next_component(char *path, char *name)
{
	char *start;
	int len;

	while (*path == '/')
		path++;
	if (*path == '\0')
		return 0;
	start = path;
	while (*path != '/' && *path != '\0')
		path++;
	len = path - start;
	if (len > DIRSIZ)
		len = DIRSIZ;
	memmove(name, start, len);
	if (len < DIRSIZ)
		name[len] = '\0';
	while (*path == '/')
		path++;
	return path;
}

static struct inode *
walk_start(char *path)
{
	struct proc *p = myproc();

	if (*path != '/' && p != 0 && p->cwd != 0)
		return idup(p->cwd);
	return iget(ROOTDEV, ROOTINO);
}

/*
 * Walk path.  With want_parent, stop one level early: return the
 * directory that would hold the last component and copy that component
 * into name (DIRSIZ bytes).  Returns an unlocked reference, or 0.
 * May call iput(), so it runs inside an operation.
 */
static struct inode *
walk(char *path, int want_parent, char *name)
{
	struct inode *ip, *next;

	ip = walk_start(path);
	if (ip == 0)
		return 0;
	while ((path = next_component(path, name)) != 0) {
		ilock(ip);
		if (ip->type != T_DIR) {
			iunlockput(ip);
			return 0;
		}
		if (want_parent && *path == '\0') {
			iunlock(ip);
			return ip;
		}
		next = dirlookup(ip, name, 0);
		iunlockput(ip);
		if (next == 0)
			return 0;
		ip = next;
	}
	if (want_parent) {
		/* The path named the root (or nothing): it has no parent. */
		iput(ip);
		return 0;
	}
	return ip;
}

struct inode *
namei(char *path)
{
	char name[DIRSIZ];

	return walk(path, 0, name);
}

struct inode *
nameiparent(char *path, char *name)
{
	return walk(path, 1, name);
}
