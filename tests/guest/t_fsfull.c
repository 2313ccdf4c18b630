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
 *    with the disk full and a full-size file unlinked but held open, no
 *    block can be written; it still reads back; after the close, its
 *    MAXFILE blocks can be written again (and no more);
 *  - after unlinking the files, writes work again.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define IDIR        "tff_i"
#define DDIR        "tff_d"
#define DISK_INODES 200
#define MAXFILES    64

/* ---- inodes ---- */

static int
create_until_full(int *err)
{
	char name[32];
	int n, fd;

	for (n = 0; n < DISK_INODES + 10; n++) {
		snprintf(name, sizeof(name), IDIR "/i%d", n);
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
		snprintf(name, sizeof(name), IDIR "/i%d", i);
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

	snprintf(name, sizeof(name), IDIR "/i%d", n1);
	fd = open(name, O_RDONLY);
	check(fd == -1, "inodes_full_no_entry",
	    "the name whose create failed can be opened (fd %d)", fd);
	if (fd >= 0)
		close(fd);
	r = mkdir("tff_nodir");
	check(r == -1, "inodes_full_mkdir",
	    "mkdir with no free inode "
	    "returned %d",
	    r);
	if (r == 0)
		unlink("tff_nodir");

	removed = remove_files(n1);
	check(removed == n1, "inodes_removed", "removed %d of %d", removed, n1);
	fd = open(IDIR "/again", O_CREATE | O_RDWR);
	check(fd >= 0, "inodes_create_again",
	    "create after removal returned "
	    "%d",
	    fd);
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
#define CHUNK      (4 * BSIZE)
#define FILE_BYTES ((int)(MAXFILE * BSIZE))

static char chunk[CHUNK];

struct fillresult {
	int blocks;    /* whole blocks written, all files */
	int files;     /* files created */
	int lastbytes; /* bytes in the last file */
	int bad;       /* what went wrong, 0 if nothing */
	char why[80];
};

/*
 * Write files DDIR/<prefix>0, <prefix>1, ... (up to MAXFILE blocks each),
 * `step` bytes per write, until the disk is full.  Checks that the
 * failure is clean: the failing write returns -1 or a short count, the
 * next write fails too, and the size is what was written.
 */
static void
fill_disk(const char *prefix, int step, struct fillresult *res)
{
	char name[32];
	struct stat st;
	int f, off, fd, r, r2, n, full = 0;
	long bytes = 0;

	res->blocks = res->files = res->bad = res->lastbytes = 0;
	res->why[0] = 0;
	for (f = 0; f < MAXFILES && !full; f++) {
		snprintf(name, sizeof(name), DDIR "/%s%d", prefix, f);
		fd = open(name, O_CREATE | O_RDWR);
		if (fd < 0)
			break; /* no room for even the entry */
		res->files++;
		for (off = 0; off < FILE_BYTES; off += r) {
			n = FILE_BYTES - off < step ? FILE_BYTES - off : step;
			fill_pattern(chunk, n, off, f);
			r = write(fd, chunk, n);
			if (r == n)
				continue;
			full = 1;
			if (r > 0)
				off += r;
			r2 = write(fd, chunk, BSIZE);
			fstat(fd, &st);
			if (r > n || r < -1) {
				res->bad = 1;
				snprintf(res->why, sizeof(res->why),
				    "failing write returned %d", r);
			} else if (r2 > 0) {
				res->bad = 1;
				snprintf(res->why, sizeof(res->why),
				    "write after the failure returned %d", r2);
			} else if (st.size != (uint64)off) {
				res->bad = 1;
				snprintf(res->why, sizeof(res->why),
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
		snprintf(res->why, sizeof(res->why), "the disk never filled up");
	}
}

/* Read back the first nbytes of DDIR/f<f>; return the first bad offset or -1. */
static int
verify_file(int f, int nbytes)
{
	char name[32];
	int fd, off, n;

	snprintf(name, sizeof(name), DDIR "/f%d", f);
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
unlink_fill(const char *prefix, int files)
{
	char name[32];
	int f, removed = 0;

	for (f = 0; f < files; f++) {
		snprintf(name, sizeof(name), DDIR "/%s%d", prefix, f);
		if (unlink(name) == 0)
			removed++;
	}
	return removed;
}

static void
test_blocks(void)
{
	struct fillresult full, top, held_fill, freed_fill;
	int bad, fd, n, held, gone = 0;
	char c[16];

	if (mkdir(DDIR) != 0) {
		fail("disk_full", "mkdir " DDIR " failed");
		return;
	}
	fill_disk("f", CHUNK, &full);
	note("disk full after %d blocks in %d files", full.blocks, full.files);
	if (full.bad)
		fail("disk_full", "%s", full.why);
	else
		check(full.blocks > 0, "disk_full", "no block could be written");

	/* Everything written before the failure is intact. */
	bad = verify_file(0, full.files > 1 ? FILE_BYTES : full.lastbytes);
	if (bad < 0 && full.files > 1)
		bad = verify_file(full.files - 1, full.lastbytes);
	check(bad < 0, "disk_full_readback",
	    "byte %d of a filled file reads "
	    "back wrong",
	    bad);

	fd = open("README", O_RDONLY);
	n = fd >= 0 ? read(fd, c, sizeof(c)) : -1;
	if (fd >= 0)
		close(fd);
	check(n == sizeof(c), "disk_full_read_other",
	    "reading README with the disk full returned %d", n);

	/* Take the last few blocks a multi-block write may have left. */
	fill_disk("t", BSIZE, &top);
	check(!top.bad && top.blocks <= 8, "disk_full_topup",
	    "after the disk was full, %d more blocks could be written%s%s",
	    top.blocks, top.bad ? ": " : "", top.why);

	/*
	 * Unlink f0 while holding it open: its blocks stay in use, so
	 * there is still no room; closing it frees them all.
	 */
	if (full.files < 2) {
		skip("unlinked_open_keeps_blocks",
		    "the disk had room for "
		    "less than one full file");
	} else {
		held = open(DDIR "/f0", O_RDONLY);
		n = unlink(DDIR "/f0");
		fill_disk("x", BSIZE, &held_fill);
		check(held >= 0 && n == 0 && !held_fill.bad &&
			held_fill.blocks <= 2,
		    "unlinked_open_keeps_blocks",
		    "open %d, unlink %d; then %d blocks could be written%s%s",
		    held, n, held_fill.blocks, held_fill.bad ? ": " : "",
		    held_fill.why);

		n = held >= 0 ? read(held, chunk, BSIZE) : -1;
		check(n == BSIZE && find_mismatch(chunk, BSIZE, 0, 0) < 0,
		    "unlinked_open_readable",
		    "read of the held file "
		    "returned %d",
		    n);
		if (held >= 0)
			close(held);

		fill_disk("y", BSIZE, &freed_fill);
		check(!freed_fill.bad && freed_fill.blocks >= (int)MAXFILE - 2 &&
			freed_fill.blocks <= (int)MAXFILE + 3,
		    "unlinked_closed_frees",
		    "after closing the %d-block "
		    "file, %d blocks could be written%s%s",
		    (int)MAXFILE, freed_fill.blocks, freed_fill.bad ? ": " : "",
		    freed_fill.why);
		unlink_fill("x", held_fill.files);
		unlink_fill("y", freed_fill.files);
		gone = 1; /* f0 */
	}

	n = unlink_fill("f", full.files) + unlink_fill("t", top.files);
	check(n == full.files + top.files - gone, "disk_unlink",
	    "removed %d files of %d", n, full.files + top.files - gone);

	fd = open(DDIR "/after", O_CREATE | O_RDWR);
	n = fd >= 0 ? write(fd, chunk, CHUNK) : -1;
	if (fd >= 0)
		close(fd);
	unlink(DDIR "/after");
	check(n == CHUNK, "disk_space_back",
	    "after unlinking, a 4-block "
	    "write returned %d",
	    n);
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
