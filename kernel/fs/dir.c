/*
 * Directories and path names: the name space.
 *
 * Directory entries
 *   - A directory is a file of struct dirent; inum 0 marks a free slot,
 *     which a new entry reuses before the directory grows.
 *   - A name is at most DIRSIZ bytes, NUL-padded when shorter; names are
 *     compared over DIRSIZ bytes.  A path component longer than DIRSIZ
 *     is cut to DIRSIZ.  A name appears at most once in a directory.
 *   - Every directory holds "." (itself) and ".." (its parent; the
 *     root's is itself), written when it is made.
 *   - nlink of a file counts the entries naming it.  nlink of a directory
 *     is 1 for its entry in the parent plus 1 per subdirectory (whose ".."
 *     names it); its own "." is not counted, so no directory counts
 *     itself.  Directories get no other links.
 *   - Only an empty directory (nothing but "." and "..") is removed; that
 *     drops its nlink to 0 and its parent's by 1.  "." and ".." are never
 *     removed or made by name.
 *   - A removed directory that is still referenced (some process's cwd,
 *     an open descriptor) is dead: a lookup of any name in it fails, "."
 *     and ".." included, and nothing can be created or linked in it.  Its
 *     ".." would name a parent that may since be freed (or reused), so it
 *     must never be followed: every path operation goes through
 *     path_resolve(), which refuses a dead directory.
 *   Every change here runs inside one operation, so a crash leaves all of
 *   a change on disk or none of it.
 *
 * Lock order
 *   A thread holds at most two inode locks: a directory first, then an
 *   inode that one of its entries other than "." and ".." names, or a
 *   file known not to be a directory (link).  No one holding a
 *   non-directory waits for a directory.  The path walk
 *   holds one at a time: it takes a reference to the next inode while
 *   holding the directory, so the inode cannot be freed, then unlocks the
 *   directory before locking the next.  Going through ".." thus never
 *   waits for a lock while holding a child's.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"

#define SCAN_BATCH 16 /* entries read per readi(): 256 bytes of stack */

static int
name_equal(const char *a, const char *b)
{
	return strncmp(a, b, DIRSIZ) == 0;
}

static int
is_dot_or_dotdot(const char *name)
{
	return name_equal(name, ".") || name_equal(name, "..");
}

/* What one pass over a directory found. */
struct dirscan {
	int found;     /* name is present ... */
	uint off;      /* ... at this offset ... */
	uint inum;     /* ... naming this inode */
	uint free_off; /* the first free slot, or the end of the directory */
	int others;    /* entries seen other than "." and ".." */
	int failed;    /* a block could not be read: nothing above holds */
};

/*
 * Read directory dp (locked) in batches, until name is found (if name is
 * not 0) or the end.  A damaged tail (a short read) ends the directory.
 */
static void
dir_scan(struct inode *dp, const char *name, struct dirscan *ds)
{
	struct dirent batch[SCAN_BATCH];
	uint off, i, got;
	int n;

	memset(ds, 0, sizeof(*ds));
	ds->free_off = dp->size - dp->size % sizeof(struct dirent);
	if (dp->type != T_DIR)
		panic("dir_scan: inode %u is not a directory", dp->inum);
	for (off = 0; off < dp->size; off += got * sizeof(struct dirent)) {
		n = readi(dp, 0, (uint64)batch, off, sizeof(batch));
		if (n < 0) {
			/* Never take an unreadable block for the end. */
			ds->failed = 1;
			return;
		}
		got = n / sizeof(struct dirent);
		if (got == 0) {
			ds->free_off = off;
			return;
		}
		for (i = 0; i < got; i++) {
			if (batch[i].inum == 0) {
				if (ds->free_off > off + i * sizeof(batch[i]))
					ds->free_off = off + i * sizeof(batch[i]);
				continue;
			}
			if (!is_dot_or_dotdot(batch[i].name))
				ds->others++;
			if (name != 0 && name_equal(name, batch[i].name)) {
				ds->found = 1;
				ds->off = off + i * sizeof(batch[i]);
				ds->inum = batch[i].inum;
				return;
			}
		}
	}
}

/* Write the entry (name, inum) at off in dp.  0, or -1 if dp cannot grow. */
static int
dir_put(struct inode *dp, uint off, const char *name, uint inum)
{
	struct dirent de;

	memset(&de, 0, sizeof(de));
	if (name != 0)
		strncpy(de.name, name, DIRSIZ);
	de.inum = inum;
	if (writei(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
		return -1;
	return 0;
}

/* Add (name, inum) to dp (locked).  -1 if name exists or dp cannot grow. */
static int
dir_add(struct inode *dp, const char *name, uint inum)
{
	struct dirscan ds;

	dir_scan(dp, name, &ds);
	if (ds.found || ds.failed)
		return -1;
	return dir_put(dp, ds.free_off, name, inum);
}

/*
 * Copy the first component of path into name (cut to DIRSIZ bytes,
 * NUL-terminated) and return the rest of path without leading slashes;
 * 0 if path has no component.
 *   "a/bb/c" -> "a", "bb/c";   "///a//" -> "a", "";   "" or "/" -> 0
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
	name[len] = '\0';
	while (*path == '/')
		path++;
	return path;
}

/* Where a walk starts: "/" for an absolute path, else the cwd. */
static struct inode *
walk_start(char *path)
{
	struct proc *p = myproc();

	if (*path != '/' && p != 0 && p->cwd != 0)
		return idup(p->cwd);
	return iget(ROOTDEV, ROOTINO);
}

/* May names be looked up in dp (locked)?  A live directory only. */
static int
searchable(struct inode *dp)
{
	return dp->type == T_DIR && dp->nlink > 0;
}

/*
 * Resolve path to the directory that holds its last component, locked,
 * and that component's name, inode (a reference) and entry offset.  0 on
 * success; -1 if a directory on the way (the holder included) is missing,
 * not a directory or dead, if path has no component ("/", ""), or the
 * inode cache is full.  Release with path_release().  In an op.
 */
int
path_resolve(char *path, struct pathres *pr)
{
	struct inode *dp, *next;
	struct dirscan ds;

	memset(pr, 0, sizeof(*pr));
	if ((dp = walk_start(path)) == 0)
		return -1;
	if ((path = next_component(path, pr->name)) == 0) {
		iput(dp);
		return -1;
	}
	for (;;) {
		if (ilock(dp) < 0) {
			iput(dp);
			return -1;
		}
		if (!searchable(dp)) {
			iunlockput(dp);
			return -1;
		}
		dir_scan(dp, pr->name, &ds);
		if (ds.failed) {
			iunlockput(dp);
			return -1;
		}
		next = ds.found ? iget(dp->dev, ds.inum) : 0;
		if (*path == '\0')
			break;
		iunlockput(dp);
		if (next == 0)
			return -1;
		dp = next;
		path = next_component(path, pr->name);
	}
	if (ds.found && next == 0) {
		iunlockput(dp); /* inode cache full */
		return -1;
	}
	pr->dir = dp;
	pr->ip = next;
	pr->off = ds.off;
	return 0;
}

/* Unlock and drop what path_resolve() left in pr (the entry if not taken). */
void
path_release(struct pathres *pr)
{
	iunlockput(pr->dir);
	if (pr->ip != 0)
		iput(pr->ip);
	pr->dir = pr->ip = 0;
}

/* The inode path names, unlocked; 0 if none.  "" names the cwd.  In an op. */
struct inode *
namei(char *path)
{
	struct pathres pr;
	struct inode *ip;
	char *rest = path;

	while (*rest == '/')
		rest++;
	if (*rest == '\0')
		return walk_start(path); /* "/" or "" */
	if (path_resolve(path, &pr) < 0)
		return 0;
	ip = pr.ip;
	pr.ip = 0;
	path_release(&pr);
	return ip;
}

/*
 * A new inode of the given type, named by nothing yet, locked; a new
 * directory already holds "." and ".." (naming parent).  0 if the disk
 * or the cache is full.  In an op.
 */
static struct inode *
inode_new(struct inode *parent, short type, short major, short minor)
{
	struct inode *ip;

	if ((ip = ialloc(parent->dev, type)) == 0)
		return 0;
	if (ilock(ip) < 0) {
		log_poison(); /* allocated and unnamed: only iput frees it */
		iput(ip);
		return 0;
	}
	ip->major = major;
	ip->minor = minor;
	if (type == T_DIR &&
	    (dir_put(ip, 0, ".", ip->inum) < 0 ||
		dir_put(ip, sizeof(struct dirent), "..", parent->inum) < 0)) {
		iunlockput(ip); /* nlink 0: this frees it */
		return 0;
	}
	return ip;
}

/*
 * Make path name a new inode of the given type and return it locked.
 * For a regular file, an existing file or device of that name is
 * returned instead (open's O_CREATE).  0 on failure.  In an op.
 */
struct inode *
path_create(char *path, short type, short major, short minor)
{
	struct pathres pr;
	struct inode *ip;

	if (path_resolve(path, &pr) < 0)
		return 0;
	if ((ip = pr.ip) != 0) {
		pr.ip = 0;
		path_release(&pr); /* before locking ip: it may be ".." */
		if (ilock(ip) < 0) {
			iput(ip);
			return 0;
		}
		if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
			return ip;
		iunlockput(ip);
		return 0;
	}
	ip = inode_new(pr.dir, type, major, minor);
	if (ip == 0)
		goto fail;
	if (dir_add(pr.dir, pr.name, ip->inum) < 0) {
		iunlockput(ip); /* unnamed: freed */
		goto fail;
	}
	ip->nlink = 1;
	iupdate(ip);
	if (type == T_DIR) {
		pr.dir->nlink++; /* the new directory's ".." */
		iupdate(pr.dir);
	}
	path_release(&pr);
	return ip;
fail:
	path_release(&pr);
	return 0;
}

/*
 * Remove the entry path names: a file, or an empty directory.  0, or -1
 * if there is none, it is "." or "..", or a directory not empty.  In an op.
 */
int
path_unlink(char *path)
{
	struct pathres pr;
	struct inode *ip;
	struct dirscan ds;
	int r = -1;

	if (path_resolve(path, &pr) < 0)
		return -1;
	if ((ip = pr.ip) == 0 || is_dot_or_dotdot(pr.name) || ilock(ip) < 0)
		goto out;
	if (ip->type == T_DIR) {
		dir_scan(ip, 0, &ds);
		if (ds.others > 0 || ds.failed)
			goto out_unlock;
	}
	/* Only the disk can fail this (the block was just read). */
	if (dir_put(pr.dir, pr.off, 0, 0) < 0)
		goto out_unlock;
	if (ip->type == T_DIR && pr.dir->nlink > 0) {
		pr.dir->nlink--; /* ip's ".." no longer counts */
		iupdate(pr.dir);
	}
	if (ip->nlink > 0)
		ip->nlink--;
	iupdate(ip);
	r = 0;
out_unlock:
	iunlock(ip);
out:
	path_release(&pr); /* drops ip: frees it if it was the last */
	return r;
}

/*
 * Give the file old the second name new.  -1 if old is missing, a
 * directory or at the link limit, or new exists or cannot be made.  In
 * an op.
 */
int
path_link(char *old, char *new)
{
	struct pathres pr;
	struct inode *ip;
	short type;
	int r = -1;

	if ((ip = namei(old)) == 0)
		return -1;
	if (ilock(ip) < 0) {
		iput(ip);
		return -1;
	}
	type = ip->type;
	iunlock(ip);
	/*
	 * A directory is never locked after another directory's child, so
	 * check before locking new's directory that ip is not one.  Its
	 * type cannot change while we hold the reference.
	 */
	if (type == T_DIR || path_resolve(new, &pr) < 0) {
		iput(ip);
		return -1;
	}
	if (ilock(ip) < 0) {
		path_release(&pr);
		iput(ip);
		return -1;
	}
	/* nlink 0: old was unlinked meanwhile; 32767: nlink is a short. */
	if (pr.ip == 0 && pr.dir->dev == ip->dev && ip->nlink > 0 &&
	    ip->nlink < 32767 && dir_add(pr.dir, pr.name, ip->inum) == 0) {
		ip->nlink++;
		iupdate(ip);
		r = 0;
	}
	iunlock(ip);
	path_release(&pr);
	iput(ip);
	return r;
}
