/*
 * t_fs: names, directories, links and the largest file.
 *
 * Checks:
 *  - a file of exactly MAXFILE blocks (MAXFILE * BSIZE bytes) is written
 *    and read back; one more byte cannot be written (the write returns
 *    less than asked, or -1) and the size stays MAXFILE * BSIZE;
 *  - link: both names read the same data, share the inode number, fstat
 *    shows nlink 2 (then 1 after one name is removed); link onto an
 *    existing name fails;
 *  - a file unlinked while open stays readable and writable through its
 *    descriptors (nlink 0) until closed; the name is gone at once;
 *  - four processes each creating and unlinking 20 files in one directory,
 *    then all four racing on the same 10 names: the directory ends up with
 *    only "." and "..", and can be removed;
 *  - 10 nested directories: a file at the bottom reached by a long
 *    relative path, by chdir step by step, and through "..";
 *  - a name of exactly DIRSIZ characters works; longer names are cut to
 *    DIRSIZ (create "abcdefghijklmnopqr", open "abcdefghijklmn" finds it);
 *  - unlink of a non-empty directory, of ".", of "..", of "dir/." and of
 *    "dir/.." fails; link to a directory fails; open of a directory for
 *    writing fails (O_WRONLY, O_RDWR) but reading works; mkdir of an
 *    existing name fails; chdir to a file fails; a file used as a
 *    directory in a path fails.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

/* Four blocks per write: fewer log transactions than block-sized writes. */
#define CHUNK      (4 * BSIZE)
#define FILE_BYTES ((int)(MAXFILE * BSIZE))

static char chunk[CHUNK];

static void
test_maxfile(void)
{
	struct stat st;
	int fd, off, n, r = 0, mismatch = -1;

	unlink("tfs_big");
	fd = open("tfs_big", O_CREATE | O_RDWR);
	if (fd < 0) {
		fail("maxfile_write", "cannot create tfs_big");
		return;
	}
	for (off = 0; off < FILE_BYTES; off += n) {
		n = FILE_BYTES - off < CHUNK ? FILE_BYTES - off : CHUNK;
		fill_pattern(chunk, n, off, 21);
		r = write(fd, chunk, n);
		if (r != n)
			break;
	}
	check(off == FILE_BYTES, "maxfile_write",
	    "write at offset %d of %d "
	    "returned %d",
	    off, FILE_BYTES, r);
	r = write(fd, "x", 1);
	fstat(fd, &st);
	close(fd);
	check(r <= 0, "maxfile_write_beyond",
	    "a write past MAXFILE blocks returned %d", r);
	check(st.size == (uint64)FILE_BYTES, "maxfile_size", "size %d, want %d",
	    (int)st.size, FILE_BYTES);

	fd = open("tfs_big", O_RDONLY);
	for (off = 0; fd >= 0 && off < FILE_BYTES; off += n) {
		n = FILE_BYTES - off < CHUNK ? FILE_BYTES - off : CHUNK;
		r = read(fd, chunk, n);
		if (r != n || (mismatch = find_mismatch(chunk, n, off, 21)) >= 0)
			break;
	}
	r = fd >= 0 ? read(fd, chunk, CHUNK) : -2;
	check(fd >= 0 && off == FILE_BYTES && r == 0, "maxfile_read",
	    "read back stopped at offset %d (+%d wrong), then read %d", off,
	    mismatch, r);
	if (fd >= 0)
		close(fd);
	check(unlink("tfs_big") == 0, "maxfile_unlink", "unlink failed");
}

static void
test_links(void)
{
	struct stat s1, s2;
	char b[16];
	int fd1, fd2, r;

	unlink("tfs_a");
	unlink("tfs_b");
	fd1 = open("tfs_a", O_CREATE | O_RDWR);
	write(fd1, "linkdata", 8);
	close(fd1);
	r = link("tfs_a", "tfs_b");
	if (r != 0) {
		fail("link", "link returned %d", r);
		unlink("tfs_a");
		return;
	}
	fd1 = open("tfs_a", O_RDONLY);
	fd2 = open("tfs_b", O_RDONLY);
	fstat(fd1, &s1);
	fstat(fd2, &s2);
	memset(b, 0, sizeof(b));
	r = read(fd2, b, sizeof(b));
	check(fd1 >= 0 && fd2 >= 0 && s1.ino == s2.ino && s1.nlink == 2 &&
		s2.nlink == 2 && r == 8 && memcmp(b, "linkdata", 8) == 0,
	    "link",
	    "inodes %d/%d, nlink %d/%d, read %d bytes through the new name",
	    s1.ino, s2.ino, s1.nlink, s2.nlink, r);
	close(fd1);
	close(fd2);

	/* Data written through one name is seen through the other. */
	fd1 = open("tfs_a", O_WRONLY);
	write(fd1, "LINK", 4);
	close(fd1);
	fd2 = open("tfs_b", O_RDONLY);
	r = read(fd2, b, sizeof(b));
	close(fd2);
	check(r == 8 && memcmp(b, "LINKdata", 8) == 0, "link_shared_data",
	    "second name read %d bytes", r);

	r = link("tfs_a", "tfs_b");
	check(r == -1, "link_onto_existing",
	    "link onto an existing name "
	    "returned %d",
	    r);

	unlink("tfs_a");
	fd2 = open("tfs_b", O_RDONLY);
	fstat(fd2, &s2);
	r = read(fd2, b, sizeof(b));
	close(fd2);
	check(fd2 >= 0 && s2.nlink == 1 && r == 8, "link_survives_unlink",
	    "after removing the first name: fd %d, nlink %d, read %d", fd2,
	    s2.nlink, r);
	unlink("tfs_b");
}

static void
test_unlink_open(void)
{
	struct stat st;
	char b[64];
	int fdw, fdr, fd, r1, r2;

	unlink("tfs_u");
	fdw = open("tfs_u", O_CREATE | O_RDWR);
	fdr = open("tfs_u", O_RDONLY);
	write(fdw, "still here", 10);
	if (unlink("tfs_u") != 0) {
		fail("unlink_open", "unlink failed");
		return;
	}
	fd = open("tfs_u", O_RDONLY);
	check(fd == -1, "unlink_open_name_gone",
	    "open after unlink returned %d", fd);
	if (fd >= 0)
		close(fd);
	r1 = read(fdr, b, 10);
	write(fdw, " and more", 9);
	r2 = read(fdr, b + 10, 9);
	fstat(fdr, &st);
	check(r1 == 10 && r2 == 9 && memcmp(b, "still here and more", 19) == 0 &&
		st.nlink == 0 && st.size == 19,
	    "unlink_open", "reads %d and %d, nlink %d, size %d", r1, r2,
	    st.nlink, (int)st.size);
	close(fdw);
	close(fdr);
}

/* Is the directory empty apart from "." and ".."? -1 if unreadable. */
static int
dir_extra_entries(const char *path)
{
	struct dirent de;
	int fd = open(path, O_RDONLY), n = 0;

	if (fd < 0)
		return -1;
	while (read(fd, &de, sizeof(de)) == sizeof(de)) {
		if (de.inum == 0)
			continue;
		if (strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0)
			continue;
		n++;
	}
	close(fd);
	return n;
}

static void
concurrent_worker(int id)
{
	char name[32];
	int i, fd, errors = 0, round;

	/* Own names: every step must succeed. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "tfs_conc/p%d_%d", id, i);
		fd = open(name, O_CREATE | O_RDWR);
		if (fd < 0 || write(fd, name, 8) != 8)
			errors++;
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "tfs_conc/p%d_%d", id, i);
		if (unlink(name) != 0)
			errors++;
	}
	/* Shared names: races are allowed to fail, never to corrupt. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 10; i++) {
			snprintf(name, sizeof(name), "tfs_conc/s%d", i);
			fd = open(name, O_CREATE | O_RDWR);
			if (fd >= 0) {
				write(fd, "s", 1);
				close(fd);
			}
			unlink(name);
		}
	}
	exit(errors);
}

static void
test_concurrent(void)
{
	char name[32];
	int i, pid, st, errors = 0, extra;

	mkdir("tfs_conc");
	for (i = 0; i < 4; i++) {
		pid = fork();
		if (pid == 0)
			concurrent_worker(i);
		if (pid < 0)
			errors += 100;
	}
	while (wait(&st) >= 0)
		errors += st;
	/* Losers of the last race may have left shared names behind. */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "tfs_conc/s%d", i);
		unlink(name);
	}
	extra = dir_extra_entries("tfs_conc");
	check(errors == 0, "concurrent_create_unlink",
	    "%d steps on private names failed (or a worker was killed)", errors);
	check(extra == 0 && unlink("tfs_conc") == 0, "concurrent_dir_consistent",
	    "directory has %d entries besides . and .. (or could not be "
	    "removed)",
	    extra);
}

#define DEPTH 10

static void
test_deep(void)
{
	char path[200], b[8];
	int i, len = 0, fd, r, ok_steps = 1;

	path[0] = 0;
	for (i = 0; i < DEPTH; i++) {
		snprintf(path + len, sizeof(path) - len, "%stfs_d%d",
		    i ? "/" : "", i);
		len = strlen(path);
		if (mkdir(path) != 0) {
			fail("deep_mkdir", "mkdir %s failed", path);
			return;
		}
	}
	ok("deep_mkdir");
	snprintf(path + len, sizeof(path) - len, "/leaf");
	fd = open(path, O_CREATE | O_RDWR);
	r = write(fd, "deep", 4);
	close(fd);
	check(fd >= 0 && r == 4, "deep_create", "create %s: fd %d", path, fd);

	for (i = 0; i < DEPTH; i++) {
		char d[16];

		snprintf(d, sizeof(d), "tfs_d%d", i);
		if (chdir(d) != 0)
			ok_steps = 0;
	}
	fd = open("leaf", O_RDONLY);
	r = read(fd, b, 4);
	close(fd);
	check(ok_steps && fd >= 0 && r == 4 && memcmp(b, "deep", 4) == 0,
	    "deep_chdir", "after chdir down %d levels: open leaf %d, read %d",
	    DEPTH, fd, r);

	/* From the bottom: two levels up with "..", then down again by name. */
	fd = open("../../tfs_d8/tfs_d9/leaf", O_RDONLY);
	check(fd >= 0, "deep_dotdot", "open through .. failed");
	if (fd >= 0)
		close(fd);
	if (chdir("/") != 0)
		fail("deep_chdir_root", "chdir / failed");

	/* Remove bottom-up. */
	path[len] = 0;
	snprintf(path + len, sizeof(path) - len, "/leaf");
	r = unlink(path);
	for (i = DEPTH - 1; i >= 0 && r == 0; i--) {
		path[len] = 0;
		r = unlink(path);
		while (len > 0 && path[len - 1] != '/')
			len--;
		if (len > 0)
			len--;
	}
	check(r == 0 && open("tfs_d0", O_RDONLY) == -1, "deep_cleanup",
	    "could not remove the nested directories");
}

static void
test_dirsiz(void)
{
	struct stat s1, s2;
	int fd, fd2, r;

	unlink("abcdefghijklmn");
	fd = open("abcdefghijklmn", O_CREATE | O_RDWR); /* exactly DIRSIZ */
	fd2 = open("abcdefghijklmn", O_RDONLY);
	check(fd >= 0 && fd2 >= 0, "name_dirsiz",
	    "14-character name: create %d, "
	    "open %d",
	    fd, fd2);
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	unlink("abcdefghijklmn");

	fd = open("abcdefghijklmnopqr", O_CREATE | O_RDWR);
	fd2 = open("abcdefghijklmn", O_RDONLY);
	r = (fd >= 0 && fd2 >= 0) ? fstat(fd, &s1) | fstat(fd2, &s2) : -1;
	check(r == 0 && s1.ino == s2.ino, "name_longer_cut",
	    "create of an 18-character name %d, open of its first 14 %d", fd,
	    fd2);
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	fd = open("abcdefghijklmnXYZ", O_RDONLY);
	check(fd >= 0, "name_longer_same",
	    "another name with the same first "
	    "14 characters did not find the file");
	if (fd >= 0)
		close(fd);
	r = unlink("abcdefghijklmnopqrstuvwxyz");
	check(r == 0 && open("abcdefghijklmn", O_RDONLY) == -1,
	    "name_longer_unlink", "unlink through a long name returned %d", r);
}

static void
test_dir_errors(void)
{
	int fd, r;

	unlink("tfs_dir/f");
	unlink("tfs_dir");
	unlink("tfs_file");
	if (mkdir("tfs_dir") != 0) {
		fail("dir_errors", "mkdir failed");
		return;
	}
	fd = open("tfs_dir/f", O_CREATE | O_RDWR);
	close(fd);
	fd = open("tfs_file", O_CREATE | O_RDWR);
	close(fd);

	r = unlink("tfs_dir");
	check(r == -1, "unlink_nonempty_dir", "returned %d", r);
	r = unlink(".");
	check(r == -1, "unlink_dot", "returned %d", r);
	r = unlink("..");
	check(r == -1, "unlink_dotdot", "returned %d", r);
	r = unlink("tfs_dir/.");
	check(r == -1, "unlink_dir_dot", "returned %d", r);
	r = unlink("tfs_dir/..");
	check(r == -1, "unlink_dir_dotdot", "returned %d", r);
	r = link("tfs_dir", "tfs_dirlink");
	check(r == -1, "link_to_dir", "returned %d", r);
	unlink("tfs_dirlink");

	fd = open("tfs_dir", O_WRONLY);
	check(fd == -1, "open_dir_wronly", "returned %d", fd);
	if (fd >= 0)
		close(fd);
	fd = open("tfs_dir", O_RDWR);
	check(fd == -1, "open_dir_rdwr", "returned %d", fd);
	if (fd >= 0)
		close(fd);
	fd = open("tfs_dir", O_RDONLY);
	check(fd >= 0, "open_dir_rdonly", "returned %d", fd);
	if (fd >= 0)
		close(fd);

	r = mkdir("tfs_dir");
	check(r == -1, "mkdir_existing", "returned %d", r);
	r = chdir("tfs_file");
	check(r == -1, "chdir_file", "returned %d", r);
	if (r == 0)
		chdir("/");
	fd = open("tfs_file/x", O_CREATE | O_RDWR);
	check(fd == -1, "file_as_dir",
	    "open(\"tfs_file/x\", O_CREATE) "
	    "returned %d",
	    fd);

	/* Now empty, the directory can go. */
	unlink("tfs_dir/f");
	r = unlink("tfs_dir");
	check(r == 0, "unlink_emptied_dir", "returned %d", r);
	unlink("tfs_file");
}

int
main(void)
{
	test_maxfile();
	test_links();
	test_unlink_open();
	test_concurrent();
	test_deep();
	test_dirsiz();
	test_dir_errors();
	finish();
	return 0;
}
