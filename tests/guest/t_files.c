/*
 * t_files: open files, descriptors and file contents.
 *
 * Checks:
 *  - O_CREATE on an existing file keeps its contents; O_TRUNC empties it;
 *    O_RDWR reads and writes; fstat's size follows the writes;
 *  - a write in the middle of a file overwrites in place;
 *  - 10 KiB written at once (crossing blocks) read back in odd pieces;
 *  - two opens of one file have separate offsets; a descriptor inherited
 *    by fork shares its offset with the parent;
 *  - a process can hold NOFILE descriptors and no more (-1 after); open
 *    returns the lowest free number;
 *  - the system-wide file table (NFILE): ten processes filling their
 *    descriptor tables (110 opens); every failing open returns exactly -1,
 *    nothing breaks, and all of it is usable again after they exit;
 *  - the in-memory inode table (NINODE): six processes opening 11
 *    different files each (66 inodes); opens succeed or return -1, and
 *    afterwards every file can be opened and removed;
 *  - reading a new directory gives its "." and ".." entries.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define F1             "tf_one"
/* A holder has the console (0-2) and two pipe ends open: 5 slots used. */
#define PER_HOLDER     (NOFILE - 5)
#define NFILE_HOLDERS  10 /* 10 * 11 opens > NFILE */
#define NINODE_HOLDERS 6  /* 6 * 11 inodes > NINODE */
#define NINODE_FILES   (NINODE_HOLDERS * PER_HOLDER)

static char buf[10240];

static int
file_size(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY), r;

	if (fd < 0)
		return -1;
	r = fstat(fd, &st);
	close(fd);
	return r < 0 ? -1 : (int)st.size;
}

static void
test_open_flags(void)
{
	char b[32];
	int fd, n;

	unlink(F1);
	fd = open(F1, O_CREATE | O_RDWR);
	if (fd < 0) {
		fail("create", "cannot create %s", F1);
		return;
	}
	write(fd, "abcdef", 6);
	close(fd);
	check(file_size(F1) == 6, "create", "size %d after writing 6 bytes",
	    file_size(F1));

	fd = open(F1, O_CREATE | O_RDWR); /* exists: no truncation */
	close(fd);
	n = slurp(F1, b, sizeof(b));
	check(n == 6 && memcmp(b, "abcdef", 6) == 0, "create_keeps",
	    "O_CREATE of an existing file left %d bytes", n);

	/* Overwrite in the middle: read 2, write 2. */
	fd = open(F1, O_RDWR);
	read(fd, b, 2);
	write(fd, "XY", 2);
	close(fd);
	n = slurp(F1, b, sizeof(b));
	check(n == 6 && memcmp(b, "abXYef", 6) == 0, "overwrite_middle",
	    "file is %d bytes '%c%c%c%c%c%c', want 'abXYef'", n, b[0], b[1],
	    b[2], b[3], b[4], b[5]);

	fd = open(F1, O_TRUNC | O_RDWR);
	n = file_size(F1);
	check(fd >= 0 && n == 0, "trunc", "O_TRUNC: fd %d, size %d", fd, n);
	write(fd, "q", 1);
	close(fd);
	check(file_size(F1) == 1, "write_after_trunc", "size %d, want 1",
	    file_size(F1));
	unlink(F1);
}

static void
test_big_rw(void)
{
	int fd, r, got = 0, piece = 1;

	unlink(F1);
	fd = open(F1, O_CREATE | O_RDWR);
	fill_pattern(buf, sizeof(buf), 0, 11);
	r = write(fd, buf, sizeof(buf));
	close(fd);
	if (r != (int)sizeof(buf)) {
		fail("big_rw", "write of %d bytes returned %d",
		    (int)sizeof(buf), r);
		unlink(F1);
		return;
	}
	memset(buf, 0, sizeof(buf));
	fd = open(F1, O_RDONLY);
	while (got < (int)sizeof(buf)) {
		int want = piece < (int)sizeof(buf) - got
		    ? piece
		    : (int)sizeof(buf) - got;

		r = read(fd, buf + got, want);
		if (r <= 0)
			break;
		got += r;
		piece = piece * 3 % 1500 + 1;
	}
	r = read(fd, buf, 1);
	close(fd);
	check(got == (int)sizeof(buf) && r == 0 &&
		find_mismatch(buf, sizeof(buf), 0, 11) < 0,
	    "big_rw", "read back %d bytes (then %d), first bad byte %d", got, r,
	    find_mismatch(buf, got, 0, 11));
	unlink(F1);
}

static void
test_offsets(void)
{
	char a[4], b[4];
	int fd1, fd2, pid, st = 99, n;

	unlink(F1);
	fd1 = open(F1, O_CREATE | O_RDWR);
	write(fd1, "0123456789", 10);
	close(fd1);

	fd1 = open(F1, O_RDONLY);
	fd2 = open(F1, O_RDONLY);
	read(fd1, a, 3);
	read(fd2, b, 3);
	check(memcmp(a, "012", 3) == 0 && memcmp(b, "012", 3) == 0,
	    "separate_offsets", "second open did not start at 0");
	close(fd1);
	close(fd2);

	/* Parent and child share the offset of an inherited descriptor. */
	fd1 = open(F1, O_TRUNC | O_RDWR);
	pid = fork();
	if (pid == 0) {
		write(fd1, "aaa", 3);
		exit(0);
	}
	wait_pid(pid, &st);
	write(fd1, "bbb", 3);
	close(fd1);
	n = slurp(F1, buf, sizeof(buf));
	check(n == 6 && memcmp(buf, "aaabbb", 6) == 0, "fork_shares_offset",
	    "file has %d bytes, want 'aaabbb'", n);
	unlink(F1);
}

static void
test_nofile(void)
{
	int fds[NOFILE + 4], n = 0, i, fd, lowest_ok = 1;

	for (i = 0; i < NOFILE + 4; i++) {
		fd = open("README", O_RDONLY);
		if (fd < 0)
			break;
		if (n > 0 && fd != fds[n - 1] + 1)
			lowest_ok = 0;
		fds[n++] = fd;
	}
	/* fds 0, 1 and 2 are the console. */
	check(n == NOFILE - 3 && fd == -1, "nofile_limit",
	    "%d opens succeeded (want NOFILE-3 = %d), then open returned %d", n,
	    NOFILE - 3, fd);
	check(lowest_ok, "open_lowest",
	    "open did not hand out increasing "
	    "lowest-free numbers");
	if (n > 4) {
		int want = fds[2];

		close(want);
		fd = open("README", O_RDONLY);
		check(fd == want, "open_reuses_lowest",
		    "after closing %d, open "
		    "returned %d",
		    want, fd);
		if (fd >= 0)
			fds[2] = fd;
		else
			fds[2] = -1;
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * Child i of run_holders: tries PER_HOLDER opens (README, or its own
 * distinct files in NINODE mode), reports (opened, returned -1, returned
 * anything else) on `rep`, and keeps everything open until `hold` closes.
 */
static int rep[2], hold[2];

static void
holder(int i, int ninode_mode)
{
	char name[32], c;
	int k, fd, opened = 0, bad = 0, failed = 0;

	close(rep[0]);
	close(hold[1]);
	for (k = 0; k < PER_HOLDER; k++) {
		if (ninode_mode)
			snprintf(name, sizeof(name), "tf_ninode/f%d",
			    i * PER_HOLDER + k);
		else
			snprintf(name, sizeof(name), "README");
		fd = open(name, O_RDONLY);
		if (fd >= 0) {
			opened++;
		} else if (fd == -1) {
			failed++;
		} else {
			bad++;
		}
	}
	{
		int msg[3] = { opened, failed, bad };

		write(rep[1], msg, sizeof(msg));
	}
	read(hold[0], &c, 1);
	exit(0);
}

/* Returns total opened; *failed and *bad summed over the children. */
static int
run_holders(int n, int ninode_mode, int *failed, int *bad)
{
	int i, total = 0, msg[3];

	*failed = *bad = 0;
	if (pipe(rep) < 0 || pipe(hold) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (fork() == 0)
			holder(i, ninode_mode);
	close(rep[1]);
	close(hold[0]);
	for (i = 0; i < n; i++) {
		if (read(rep[0], msg, sizeof(msg)) != sizeof(msg))
			break;
		total += msg[0];
		*failed += msg[1];
		*bad += msg[2];
	}
	close(hold[1]); /* all holders exit now */
	close(rep[0]);
	while (wait(0) >= 0)
		;
	return total;
}

static void
test_nfile(void)
{
	int total, failed, bad, fds[10], i, n = 0;

	total = run_holders(NFILE_HOLDERS, 0, &failed, &bad);
	note("NFILE test: %d opens succeeded, %d returned -1", total, failed);
	check(total > 0 && bad == 0 &&
		total + failed == NFILE_HOLDERS * PER_HOLDER,
	    "nfile_exhaust",
	    "%d opens succeeded, %d returned -1, %d returned "
	    "something else",
	    total, failed, bad);
	for (i = 0; i < 10; i++) {
		fds[i] = open("README", O_RDONLY);
		if (fds[i] >= 0)
			n++;
	}
	for (i = 0; i < 10; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	check(n == 10, "nfile_recovers",
	    "only %d of 10 opens worked after "
	    "the holders exited",
	    n);
}

static void
test_ninode(void)
{
	char name[32];
	int i, fd, total, failed, bad, reopened = 0, removed = 0;

	mkdir("tf_ninode");
	for (i = 0; i < NINODE_FILES; i++) {
		snprintf(name, sizeof(name), "tf_ninode/f%d", i);
		fd = open(name, O_CREATE | O_RDWR);
		if (fd < 0)
			break;
		close(fd);
	}
	if (i < NINODE_FILES) {
		fail("ninode_exhaust", "could create only %d files", i);
	} else {
		total = run_holders(NINODE_HOLDERS, 1, &failed, &bad);
		note("NINODE test: %d opens succeeded, %d returned -1", total,
		    failed);
		check(total > 0 && bad == 0, "ninode_exhaust",
		    "%d opens succeeded, %d returned -1, %d something else",
		    total, failed, bad);
	}
	for (i = 0; i < NINODE_FILES; i++) {
		snprintf(name, sizeof(name), "tf_ninode/f%d", i);
		fd = open(name, O_RDONLY);
		if (fd >= 0) {
			reopened++;
			close(fd);
		}
		if (unlink(name) == 0)
			removed++;
	}
	check(reopened == NINODE_FILES && removed == NINODE_FILES &&
		unlink("tf_ninode") == 0,
	    "ninode_recovers",
	    "afterwards %d files could be opened and %d removed, of %d",
	    reopened, removed, NINODE_FILES);
}

static void
test_read_dir(void)
{
	struct dirent de[8];
	int fd, n, dot = 0, dotdot = 0, used = 0, i;

	unlink("tf_dir");
	if (mkdir("tf_dir") < 0) {
		fail("read_dir", "mkdir failed");
		return;
	}
	fd = open("tf_dir", O_RDONLY);
	n = read(fd, de, sizeof(de));
	close(fd);
	for (i = 0; i < n / (int)sizeof(de[0]); i++) {
		if (de[i].inum == 0)
			continue;
		used++;
		if (strcmp(de[i].name, ".") == 0)
			dot++;
		else if (strcmp(de[i].name, "..") == 0)
			dotdot++;
	}
	check(n > 0 && n % sizeof(de[0]) == 0 && dot == 1 && dotdot == 1 &&
		used == 2,
	    "read_dir",
	    "read %d bytes: %d entries, '.' %d times, "
	    "'..' %d times",
	    n, used, dot, dotdot);
	unlink("tf_dir");
}

int
main(void)
{
	test_open_flags();
	test_big_rw();
	test_offsets();
	test_nofile();
	test_nfile();
	test_ninode();
	test_read_dir();
	finish();
	return 0;
}
