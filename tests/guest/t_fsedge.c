/*
 * t_fsedge: file-system behaviour at the edges, each check a regression
 * test for a bug once found by a hostile program.
 *
 * Checks:
 *  - a removed directory that is still the cwd is dead: "..", "." and
 *    every other name in it fail to resolve (chdir, open, mkdir, create,
 *    link, unlink); chdir("/") leaves it, and it is freed then.  The same
 *    when another process removed it, and after its parent's inode was
 *    reused by a new file; processes racing into and out of a directory
 *    that others keep removing and remaking all finish;
 *  - a write whose buffer stops being mapped writes exactly the mapped
 *    bytes and returns their count: size and offset grow by that count,
 *    and a fresh read shows those bytes and nothing of the rest; a write
 *    from an unmapped buffer returns -1 and changes nothing, not even the
 *    cached block a later write puts on disk (write(fd, end - 5000,
 *    10000) on an empty file returns 5000), and one whose source ends at
 *    a block boundary leaves no block allocated past the size;
 *  - a read into a buffer that stops being mapped returns the bytes it
 *    stored and moves the offset by that much;
 *  - a pipe read into such a buffer returns what it took and loses no
 *    byte of the stream; a pipe write from one returns what it put in;
 *  - fstat and stat fill every byte of struct stat, padding included.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

static char buf[4096];
static char *mapped_end; /* the heap ends here, page aligned */

/* Give the heap three fresh pages ending on a page boundary. */
static void
setup_heap(void)
{
	heap_end_aligned();
	sbrk(3 * PGSIZE);
	mapped_end = sbrk(0);
}

static int
size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? -1 : (int)st.size;
}

static int
all_bytes(const char *b, int n, char c)
{
	int i;

	for (i = 0; i < n; i++)
		if (b[i] != c)
			return 0;
	return 1;
}

/* Write n copies of c to a new file path. */
static int
make_file(const char *path, char c, int n)
{
	int fd, r;

	unlink(path);
	if ((fd = open(path, O_CREATE | O_RDWR)) < 0)
		return -1;
	memset(buf, c, n);
	r = write(fd, buf, n);
	close(fd);
	return r == n ? 0 : -1;
}

/* In a removed cwd, every name fails; the caller is there now. */
static void
check_dead_cwd(const char *tag)
{
	char name[40];
	int fd;

	snprintf(name, sizeof(name), "%s_chdir_dotdot", tag);
	check(chdir("..") < 0, name, "chdir(\"..\") in a removed cwd succeeded");
	snprintf(name, sizeof(name), "%s_open_dotdot", tag);
	fd = open("..", O_RDONLY);
	check(fd < 0, name, "open(\"..\") in a removed cwd returned %d", fd);
	if (fd >= 0)
		close(fd);
	snprintf(name, sizeof(name), "%s_open_dot", tag);
	fd = open(".", O_RDONLY);
	check(fd < 0, name, "open(\".\") in a removed cwd returned %d", fd);
	if (fd >= 0)
		close(fd);
	snprintf(name, sizeof(name), "%s_no_create", tag);
	fd = open("newfile", O_CREATE | O_RDWR);
	check(fd < 0 && mkdir("newdir") < 0 && mknod("newdev", 1, 0) < 0 &&
		link("/README", "newlink") < 0,
	    name, "something was created in a removed directory (open %d)", fd);
	if (fd >= 0)
		close(fd);
	snprintf(name, sizeof(name), "%s_no_unlink", tag);
	check(unlink("..") < 0 && unlink(".") < 0 && unlink("newfile") < 0,
	    name, "unlink in a removed directory succeeded");
	snprintf(name, sizeof(name), "%s_deep_path", tag);
	fd = open("../../README", O_RDONLY);
	check(fd < 0, name, "a path through \"..\" of a removed cwd resolved");
	if (fd >= 0)
		close(fd);
	snprintf(name, sizeof(name), "%s_leave", tag);
	fd = chdir("/") == 0 ? open("README", O_RDONLY) : -1;
	check(fd >= 0, name, "cannot leave the removed cwd for /");
	if (fd >= 0)
		close(fd);
}

/* The shell line from the bug report, as one process. */
static void
test_removed_cwd(void)
{
	unlink("/tfe_a/b");
	unlink("/tfe_a");
	if (mkdir("/tfe_a") < 0 || mkdir("/tfe_a/b") < 0 ||
	    chdir("/tfe_a/b") < 0) {
		fail("rmcwd_setup", "cannot make and enter /tfe_a/b");
		chdir("/");
		return;
	}
	check(unlink("/tfe_a/b") == 0 && unlink("/tfe_a") == 0, "rmcwd_remove",
	    "cannot remove the cwd and its parent");
	check_dead_cwd("rmcwd");
}

/*
 * A child sits in /tfe_c/d while the parent removes both and reuses the
 * parent's inode for a file: the child's ".." must not reach it.
 */
static void
test_removed_by_other(void)
{
	int ready[2], go[2], result[2], pid, fd, i;
	char c = 0, name[16];

	unlink("/tfe_c/d");
	unlink("/tfe_c");
	if (mkdir("/tfe_c") < 0 || mkdir("/tfe_c/d") < 0 || pipe(ready) < 0 ||
	    pipe(go) < 0 || pipe(result) < 0) {
		fail("rmother_setup", "cannot make /tfe_c/d or pipes");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		close(result[0]);
		c = chdir("/tfe_c/d") == 0 ? 'y' : 'n';
		write(ready[1], &c, 1);
		read(go[0], &c, 1);
		/* The parent has removed both and made files since. */
		c = chdir("..") < 0 && open("..", O_RDONLY) < 0 &&
			open("../x", O_CREATE | O_RDWR) < 0
		    ? 'y'
		    : 'n';
		write(result[1], &c, 1);
		exit(0);
	}
	close(ready[1]);
	close(go[0]);
	close(result[1]);
	read(ready[0], &c, 1);
	check(c == 'y' && unlink("/tfe_c/d") == 0 && unlink("/tfe_c") == 0,
	    "rmother_remove", "cannot remove another process's cwd");
	/* Reuse the freed inodes: the lowest free one is /tfe_c's. */
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "/tfe_r%d", i);
		fd = open(name, O_CREATE | O_RDWR);
		if (fd >= 0)
			close(fd);
	}
	write(go[1], "g", 1);
	c = 0;
	read(result[0], &c, 1);
	check(c == 'y', "rmother_dotdot",
	    "a process in a removed directory reached its freed parent");
	wait_pid(pid, 0);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "/tfe_r%d", i);
		unlink(name);
	}
	close(ready[0]);
	close(go[1]);
	close(result[0]);
	check(chdir("/") == 0 && mkdir("/tfe_c") == 0 && unlink("/tfe_c") == 0,
	    "rmother_after", "the name space is not usable afterwards");
}

/*
 * Racing: two processes keep entering /tfe_q/s and climbing out through
 * ".." while two others keep removing and remaking it and its parent.  Nothing may
 * panic; afterwards the tree is removable and every process got out.
 */
static void
race_walker(void)
{
	int i, fd;

	for (i = 0; i < 300; i++) {
		if (chdir("/tfe_q/s") == 0) {
			chdir(".."); /* may fail: s may be dead */
			fd = open("../README", O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		if (chdir("/") < 0)
			exit(ST_BAD);
	}
	exit(ST_GOOD);
}

static void
race_remover(void)
{
	int i;

	for (i = 0; i < 300; i++) {
		unlink("/tfe_q/s");
		unlink("/tfe_q");
		mkdir("/tfe_q");
		mkdir("/tfe_q/s");
	}
	exit(ST_GOOD);
}

static void
test_removed_race(void)
{
	int i, st, good = 0;

	unlink("/tfe_q/s");
	unlink("/tfe_q");
	if (mkdir("/tfe_q") < 0 || mkdir("/tfe_q/s") < 0) {
		fail("rmrace", "cannot make /tfe_q");
		return;
	}
	for (i = 0; i < 4; i++) {
		if (fork() == 0) {
			if (i < 2)
				race_walker();
			race_remover();
		}
	}
	for (i = 0; i < 4; i++) {
		if (wait(&st) < 0)
			break;
		if (st == ST_GOOD)
			good++;
	}
	unlink("/tfe_q/s");
	unlink("/tfe_q");
	check(good == 4 && mkdir("/tfe_q") == 0 && unlink("/tfe_q") == 0,
	    "rmrace",
	    "%d of 4 racers finished well, or /tfe_q cannot be removed", good);
}

/* write(fd, end - 512, 1024): only the mapped half is written. */
static void
test_write_half_mapped(void)
{
	char *p = mapped_end - 512;
	int fd, r, n;

	if (make_file("tfe_w", 'A', 1024) < 0) {
		fail("halfwrite_setup", "cannot make tfe_w");
		return;
	}
	memset(p, 'B', 512);
	fd = open("tfe_w", O_RDWR);
	r = write(fd, mapped_end, 1024);
	n = slurp("tfe_w", buf, sizeof(buf));
	check(r == -1 && n == 1024 && all_bytes(buf, 1024, 'A'),
	    "unmapped_write_changes_nothing",
	    "write returned %d; then the file has %d bytes, first %c", r, n,
	    buf[0]);
	/* A logged write of the same block must not carry stale bytes. */
	r = write(fd, "A", 1);
	n = slurp("tfe_w", buf, sizeof(buf));
	check(r == 1 && n == 1024 && all_bytes(buf, 1024, 'A'),
	    "unmapped_write_nothing_later",
	    "after a good write: %d bytes, "
	    "byte 1 is %c",
	    n, buf[1]);

	r = write(fd, p, 1024); /* at offset 1 */
	n = slurp("tfe_w", buf, sizeof(buf));
	check(r == 512 && n == 1024 && buf[0] == 'A' &&
		all_bytes(buf + 1, 512, 'B') && all_bytes(buf + 513, 511, 'A'),
	    "halfwrite_count",
	    "write returned %d (want 512); file has %d "
	    "bytes: %c %c %c",
	    r, n, buf[0], buf[512], buf[513]);
	r = write(fd, "Z", 1);
	n = slurp("tfe_w", buf, sizeof(buf));
	check(r == 1 && n == 1024 && buf[513] == 'Z', "halfwrite_offset",
	    "the next write did not land at offset 513");
	close(fd);

	/* On an empty file the size grows by the count. */
	unlink("tfe_w");
	fd = open("tfe_w", O_CREATE | O_RDWR);
	r = write(fd, p, 1024);
	check(r == 512 && size_of(fd) == 512, "halfwrite_size",
	    "write returned %d, size %d; want 512 and 512", r, size_of(fd));
	close(fd);
	unlink("tfe_w");
}

/* The report: write(fd, end - 5000, 10000) on an empty file. */
static void
test_write_crossing_end(void)
{
	char *p = mapped_end - 5000;
	int fd, r, n, size;

	fill_pattern(p, 5000, 0, 3);
	unlink("tfe_x");
	fd = open("tfe_x", O_CREATE | O_RDWR);
	r = write(fd, p, 10000);
	size = size_of(fd);
	check(r == 5000 && size == 5000, "partial_write_count",
	    "write returned %d with size %d; want 5000 and 5000", r, size);
	r = write(fd, "!", 1);
	size = size_of(fd);
	close(fd);
	n = slurp("tfe_x", buf, sizeof(buf));
	check(r == 1 && size == 5001 && n == 4096 &&
		find_mismatch(buf, 4096, 0, 3) < 0,
	    "partial_write_offset", "after the next write: size %d, want 5001",
	    size);
	unlink("tfe_x");
}

/*
 * write(fd, end - 1024, 2048) on an empty file: block 0 takes 1024 bytes,
 * block 1 none, so block 1 must not stay allocated.  The file is kept:
 * fsck on the disk after the suite finds a block beyond a file's size.
 */
static void
test_write_block_boundary(void)
{
	int fd, r;

	unlink("tfe_keep");
	fd = open("tfe_keep", O_CREATE | O_RDWR);
	r = write(fd, mapped_end - BSIZE, 2 * BSIZE);
	check(r == BSIZE && size_of(fd) == BSIZE, "boundary_write_count",
	    "write returned %d with size %d; want %d and %d", r, size_of(fd),
	    BSIZE, BSIZE);
	close(fd);
}

/* read(fd, end - 100, 1000): 100 bytes stored, offset 100. */
static void
test_read_half_mapped(void)
{
	char *p = mapped_end - 100;
	int fd, r, r2;

	fill_pattern(buf, 1024, 0, 9);
	unlink("tfe_r");
	fd = open("tfe_r", O_CREATE | O_RDWR);
	write(fd, buf, 1024);
	close(fd);
	fd = open("tfe_r", O_RDONLY);
	r = read(fd, mapped_end, 10);
	r2 = read(fd, p, 1000);
	check(r == -1 && r2 == 100 && find_mismatch(p, 100, 0, 9) < 0,
	    "partial_read_count", "reads returned %d and %d; want -1 and 100",
	    r, r2);
	r = read(fd, buf, 10);
	check(r == 10 && find_mismatch(buf, 10, 100, 9) < 0,
	    "partial_read_offset", "the next read did not start at 100");
	close(fd);
	unlink("tfe_r");
}

static void
test_pipe_partial(void)
{
	char *p = mapped_end - 100;
	int fds[2], r, r2;

	if (pipe(fds) < 0) {
		fail("pipe_partial_read", "pipe failed");
		return;
	}
	fill_pattern(buf, 300, 0, 5);
	write(fds[1], buf, 300);
	r = read(fds[0], mapped_end, 300);
	r2 = read(fds[0], p, 300);
	check(r == -1 && r2 == 100 && find_mismatch(p, 100, 0, 5) < 0,
	    "pipe_partial_read", "reads returned %d and %d; want -1 and 100", r,
	    r2);
	r = read(fds[0], buf + 1000, 300);
	check(r == 200 && find_mismatch(buf + 1000, 200, 100, 5) < 0,
	    "pipe_no_byte_lost",
	    "the next read got %d bytes, want 200 from "
	    "offset 100",
	    r);

	fill_pattern(p, 100, 0, 6);
	r = write(fds[1], p, 300);
	close(fds[1]); /* the read below sees end of file, not a hang */
	r2 = read(fds[0], buf, 300);
	check(r == 100 && r2 == 100 && find_mismatch(buf, 100, 0, 6) < 0,
	    "pipe_partial_write", "write returned %d, read %d; want 100, 100",
	    r, r2);
	close(fds[0]);
}

/* Dirty the kernel stack with non-zero bytes (a long path argument). */
static void
dirty_kernel_stack(void)
{
	char path[MAXPATH];

	memset(path, 0x5a, sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	open(path, O_RDONLY);
	unlink(path);
}

/* OR of the padding bytes between nlink and size. */
static int
padding_bits(struct stat *st)
{
	uchar *b = (uchar *)&st->nlink + sizeof(st->nlink);
	int bits = 0;

	while (b < (uchar *)&st->size)
		bits |= *b++;
	return bits;
}

static void
test_stat_padding(void)
{
	struct stat st;
	int fd, r, bits;

	fd = open("README", O_RDONLY);
	dirty_kernel_stack();
	memset(&st, 0xee, sizeof(st));
	r = fstat(fd, &st);
	close(fd);
	bits = padding_bits(&st);
	check(r == 0 && bits == 0 && st.type == T_FILE, "fstat_padding_zero",
	    "fstat returned %d, padding bytes hold %x", r, bits);

	dirty_kernel_stack();
	memset(&st, 0xee, sizeof(st));
	r = stat("/", &st);
	bits = padding_bits(&st);
	check(r == 0 && bits == 0 && st.type == T_DIR, "stat_padding_zero",
	    "stat returned %d, padding bytes hold %x", r, bits);
}

int
main(void)
{
	setup_heap();
	test_removed_cwd();
	test_removed_by_other();
	test_removed_race();
	test_write_half_mapped();
	test_write_crossing_end();
	test_write_block_boundary();
	test_read_half_mapped();
	test_pipe_partial();
	test_stat_padding();
	finish();
	return 0;
}
