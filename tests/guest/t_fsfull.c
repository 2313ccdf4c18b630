/*
 * t_fsfull: running out of inodes and out of disk blocks (slow).
 *
 * Checks:
 *  - creating empty files until open(O_CREATE) fails: it fails with -1
 *    before 200 (the disk's inode count) files exist, leaves no entry for
 *    the failed name, and mkdir fails too; after removing them all a create
 *    works again and exactly as many files fit a second time;
 *  - writing files (each up to MAXFILE blocks) until a write fails: the
 *    failing write returns -1 or a short count, a further write fails as
 *    well, the file's size matches what was written, and everything written
 *    before reads back intact; other files can still be read while the
 *    disk is full;
 *  - a file unlinked while still open keeps its blocks until it is closed:
 *    with it held open (and the other files unlinked), MAXFILE fewer
 *    blocks fit; it still reads back;
 *  - after unlinking everything and closing it, as many blocks as the
 *    first time can be written again (no block leaked).
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define IDIR "tff_i"
#define DDIR "tff_d"
#define DISK_INODES 200
#define MAXFILES 64

/* ---- inodes ---- */

static int
create_until_full(int *err)
{
	char name[32];
	int n, fd;

	for (n = 0; n < DISK_INODES + 10; n++) {
		snfmt(name, sizeof(name), IDIR "/i%d", n);
		fd = open(name, O_CREATE | O_RDWR);
		if (fd < 0) {
			*err = fd;
			return n;
		}
		close(fd);
	}
	*err = 0;
	return n;
}

static int
remove_files(int n)
{
	char name[32];
	int i, removed = 0;

	for (i = 0; i < n; i++) {
		snfmt(name, sizeof(name), IDIR "/i%d", i);
		if (unlink(name) == 0)
			removed++;
	}
	return removed;
}

static void
test_inodes(void)
{
	char name[32];
	int n1, n2, err, fd, r, removed;

	if (mkdir(IDIR) != 0) {
		fail("inodes_full", "mkdir " IDIR " failed");
		return;
	}
	n1 = create_until_full(&err);
	note("%d empty files created before the inodes ran out", n1);
	check(err == -1 && n1 > 0 && n1 < DISK_INODES, "inodes_full",
	    "%d files created, then open returned %d", n1, err);

	snfmt(name, sizeof(name), IDIR "/i%d", n1);
	fd = open(name, O_RDONLY);
	check(fd == -1, "inodes_full_no_entry",
	    "the name whose create failed can be opened (fd %d)", fd);
	if (fd >= 0)
		close(fd);
	r = mkdir("tff_nodir");
	check(r == -1, "inodes_full_mkdir", "mkdir with no free inode "
	    "returned %d", r);
	if (r == 0)
		unlink("tff_nodir");

	removed = remove_files(n1);
	check(removed == n1, "inodes_removed", "removed %d of %d", removed, n1);
	fd = open(IDIR "/again", O_CREATE | O_RDWR);
	check(fd >= 0, "inodes_create_again", "create after removal returned "
	    "%d", fd);
	if (fd >= 0)
		close(fd);
	unlink(IDIR "/again");

	n2 = create_until_full(&err);
	check(n2 == n1 && err == -1, "inodes_no_leak",
	    "first %d files fit, the second time %d", n1, n2);
	remove_files(n2);
	check(unlink(IDIR) == 0, "inodes_cleanup", "cannot remove " IDIR);
}

/* ---- blocks ---- */

/* Writes of several blocks: fewer transactions, so a fill goes faster. */
#define CHUNK (4 * BSIZE)
#define FILE_BYTES (MAXFILE * BSIZE)

static char chunk[CHUNK];

struct fillresult {
	int blocks;             /* whole blocks written, all files */
	int files;              /* files created */
	int lastbytes;          /* bytes in the last file */
	int bad;                /* what went wrong, 0 if nothing */
	char why[80];
};

/*
 * Write files DDIR/f0, f1, ... (up to MAXFILE blocks each) until the disk
 * is full.  Checks that the failure is clean.
 */
static void
fill_disk(struct fillresult *res)
{
	char name[32];
	struct stat st;
	int f, off, fd, r, r2, n, full = 0;
	long bytes = 0;

	res->blocks = res->files = res->bad = res->lastbytes = 0;
	res->why[0] = 0;
	for (f = 0; f < MAXFILES && !full; f++) {
		snfmt(name, sizeof(name), DDIR "/f%d", f);
		fd = open(name, O_CREATE | O_RDWR);
		if (fd < 0)
			break;          /* no room for even the entry */
		res->files++;
		for (off = 0; off < (int)FILE_BYTES; off += r) {
			n = FILE_BYTES - off < CHUNK ? FILE_BYTES - off : CHUNK;
			fill_pattern(chunk, n, off, f);
			r = write(fd, chunk, n);
			if (r == n)
				continue;
			/* The disk is full: the failure must be clean. */
			full = 1;
			if (r > 0)
				off += r;
			r2 = write(fd, chunk, BSIZE);
			fstat(fd, &st);
			if (r > n || r < -1) {
				res->bad = 1;
				snfmt(res->why, sizeof(res->why),
				    "failing write returned %d", r);
			} else if (r2 > 0) {
				res->bad = 1;
				snfmt(res->why, sizeof(res->why),
				    "write after the failure returned %d", r2);
			} else if (st.size != (uint64)off) {
				res->bad = 1;
				snfmt(res->why, sizeof(res->why),
				    "size %d after writing %d bytes",
				    (int)st.size, off);
			}
			break;
		}
		bytes += off;
		res->lastbytes = off;
		close(fd);
	}
	res->blocks = bytes / BSIZE;
	if (!full && !res->bad && f == MAXFILES) {
		res->bad = 1;
		snfmt(res->why, sizeof(res->why), "the disk never filled up");
	}
}

/* Read back the first nbytes of file f; return the first bad offset or -1. */
static int
verify_file(int f, int nbytes)
{
	char name[32];
	int fd, off, n;

	snfmt(name, sizeof(name), DDIR "/f%d", f);
	fd = open(name, O_RDONLY);
	if (fd < 0)
		return 0;
	for (off = 0; off < nbytes; off += n) {
		n = nbytes - off < CHUNK ? nbytes - off : CHUNK;
		if (read(fd, chunk, n) != n ||
		    find_mismatch(chunk, n, off, f) >= 0)
			break;
	}
	close(fd);
	return off >= nbytes ? -1 : off;
}

static int
unlink_fill(int files)
{
	char name[32];
	int f, removed = 0;

	for (f = 0; f < files; f++) {
		snfmt(name, sizeof(name), DDIR "/f%d", f);
		if (unlink(name) == 0)
			removed++;
	}
	return removed;
}

static void
test_blocks(void)
{
	struct fillresult r1, r2, r3;
	int last, bad, fd, n, held;
	char c[16];

	if (mkdir(DDIR) != 0) {
		fail("disk_full", "mkdir " DDIR " failed");
		return;
	}
	fill_disk(&r1);
	note("disk full after %d blocks in %d files", r1.blocks, r1.files);
	if (r1.bad)
		fail("disk_full", "%s", r1.why);
	else
		check(r1.blocks > 0, "disk_full", "no block could be written");

	/* Everything written before the failure is intact. */
	last = r1.files - 1;
	bad = verify_file(0, r1.files > 1 ? (int)FILE_BYTES : r1.lastbytes);
	if (bad < 0 && last > 0)
		bad = verify_file(last, r1.lastbytes);
	check(bad < 0, "disk_full_readback", "byte %d of a filled file reads "
	    "back wrong", bad);

	fd = open("README", O_RDONLY);
	n = fd >= 0 ? read(fd, c, sizeof(c)) : -1;
	if (fd >= 0)
		close(fd);
	check(n == sizeof(c), "disk_full_read_other",
	    "reading README with the disk full returned %d", n);

	/* Keep file 0 open while its name goes: its blocks stay in use. */
	held = open(DDIR "/f0", O_RDONLY);
	n = unlink_fill(r1.files);
	check(held >= 0 && n == r1.files, "disk_unlink",
	    "removed %d of %d files; holding f0 open: fd %d", n, r1.files,
	    held);

	fd = open(DDIR "/after", O_CREATE | O_RDWR);
	n = fd >= 0 ? write(fd, chunk, BSIZE) : -1;
	if (fd >= 0)
		close(fd);
	unlink(DDIR "/after");
	check(n == BSIZE, "disk_space_back", "after unlinking, a 1-block "
	    "write returned %d", n);

	fill_disk(&r2);
	if (r2.bad)
		fail("unlinked_open_keeps_blocks", "%s", r2.why);
	else if (r1.files > 1)
		check(r2.blocks <= r1.blocks - (int)MAXFILE + 2 &&
		    r2.blocks >= r1.blocks - (int)MAXFILE - 4,
		    "unlinked_open_keeps_blocks", "with an unlinked %d-block "
		    "file open, %d blocks fit (%d before)", (int)MAXFILE,
		    r2.blocks, r1.blocks);
	else
		skip("unlinked_open_keeps_blocks", "the disk had room for "
		    "less than one full file");

	/* The held file still reads back; closing it frees its blocks. */
	n = held >= 0 ? read(held, chunk, BSIZE) : -1;
	check(n == BSIZE && find_mismatch(chunk, BSIZE, 0, 0) < 0,
	    "unlinked_open_readable", "read of the held file returned %d", n);
	if (held >= 0)
		close(held);
	unlink_fill(r2.files);

	fill_disk(&r3);
	check(!r3.bad && r3.blocks >= r1.blocks - 2, "disk_no_leak",
	    "first fill %d blocks, after unlinking everything and closing "
	    "the held file %d blocks%s%s", r1.blocks, r3.blocks,
	    r3.bad ? ": " : "", r3.why);
	unlink_fill(r3.files);
	check(unlink(DDIR) == 0, "disk_cleanup", "cannot remove " DDIR);
}

int
main(void)
{
	test_inodes();
	test_blocks();
	finish();
	return 0;
}
