/*
 * crashwl: the file-system workload of the crash tests (tools/crashtest.py).
 *
 *   crashwl run [short] [step]
 *                         do the workload in /cw; after each operation
 *                         print "cw done J HASH": J operations are complete
 *                         and HASH is the state of /cw after them; with
 *                         step, wait for a line on standard input after
 *                         each, so the crash test can see which disk writes
 *                         each operation made
 *   crashwl sum           print "cw state HASH" for /cw as it is now
 *
 * The workload is fixed, so the state after J operations is the same in
 * every run: the crash test takes the hashes from a run that does not
 * crash, crashes others at chosen moments, reboots (the log replays) and
 * asks `crashwl sum`.  The state found must be the state after some J at
 * least as large as the last "done" line printed before the crash.
 *
 * When is an operation committed?  When its system call returns, because
 * this is the only process doing file-system operations (the shell and
 * init are idle in read and wait): in kernel/fs/log.c, op_end() commits
 * when the last active operation ends, in the caller, before it returns,
 * and commit() returns only after header_write() has written the header
 * naming the logged blocks (bwrite waits for the disk to finish).  With a
 * second process inside an operation at the same time, op_end() would
 * return before the commit and a return would promise nothing.
 *
 * Each operation is one transaction: a write() moves at most 3 KiB (the
 * kernel splits bigger ones into several transactions, and a crash between
 * them would leave a state that is no J's).  The operations cover creates,
 * appends, a rename by link and unlink, the unlink of an open file (its
 * inode and blocks must come back after a crash, when boot reclaims it),
 * directory trees made and removed, a file that grows past the direct
 * blocks into the indirect block and is then deleted, and stores through
 * MAP_SHARED mappings written back at munmap and at exit (without munmap).
 * Each of those rewrites one page of its file, and the kernel writes a
 * page back in one transaction (kernel/sys/sysmmap.c, mapped_write), so a
 * crash leaves the page, all of its blocks, wholly old or wholly new.
 *
 * HASH is FNV-1a over every entry below /cw, depth first in directory
 * order: name, type, link count, size and the bytes of files.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "user/user.h"

#define CHUNK 3072 /* bytes per write(): one transaction */

static uint64 hash;

static void
mix(const void *p, int n)
{
	const uchar *b = p;

	while (n-- > 0) {
		hash ^= *b++;
		hash *= 0x100000001b3ULL;
	}
}

static void mix_tree(const char *path);

static void
mix_entry(const char *path)
{
	struct stat st;
	char buf[512];
	int fd, n;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		mix("?", 1);
		if (fd >= 0)
			close(fd);
		return;
	}
	mix(&st.type, sizeof(st.type));
	mix(&st.nlink, sizeof(st.nlink));
	mix(&st.size, sizeof(st.size));
	if (st.type == T_FILE) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			mix(buf, n);
	}
	close(fd);
	if (st.type == T_DIR)
		mix_tree(path);
}

static void
mix_tree(const char *path)
{
	struct dirent de;
	char sub[MAXPATH];
	int fd, len;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	while (read(fd, &de, sizeof(de)) == sizeof(de)) {
		if (de.inum == 0 || strcmp(de.name, ".") == 0 ||
		    strcmp(de.name, "..") == 0)
			continue;
		len = strlen(path);
		if (len + 1 + DIRSIZ + 1 > (int)sizeof(sub))
			continue;
		strcpy(sub, path);
		sub[len] = '/';
		memmove(sub + len + 1, de.name, DIRSIZ);
		sub[len + 1 + DIRSIZ] = 0;
		mix(sub + len + 1, strlen(sub + len + 1) + 1);
		mix_entry(sub);
	}
	close(fd);
}

static uint64
state(void)
{
	struct stat st;

	hash = 0xcbf29ce484222325ULL;
	if (stat("/cw", &st) < 0)
		mix("absent", 6);
	else
		mix_entry("/cw");
	return hash;
}

/* ---- the workload ---- */

static int step;
static int failures;
static int stepping;

/* Print the state after step operations; in step mode, wait for a line. */
static void
report(void)
{
	char c;

	printf("cw done %d %lx\n", step, state());
	while (stepping && read(0, &c, 1) == 1 && c != '\n')
		;
}

static void
done(const char *what, int ok)
{
	step++;
	if (!ok) {
		printf("cw FAIL %d %s\n", step, what);
		failures++;
	}
	report();
}

/* Deterministic bytes: file tag, offset. */
static void
fill(char *buf, int n, int tag, int off)
{
	int i;

	for (i = 0; i < n; i++)
		buf[i] = 'a' + (tag * 7 + (off + i) * 13 + (off + i) / 251) % 26;
}

static int
create(const char *path)
{
	int fd = open(path, O_CREATE | O_RDWR);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* Append n bytes (n <= CHUNK) of tag's pattern at offset off of an open file. */
static int
append_fd(int fd, int n, int tag, int off)
{
	static char buf[CHUNK];

	fill(buf, n, tag, off);
	return write(fd, buf, n) == n;
}

static int
append(const char *path, int n, int tag, int off)
{
	int fd = open(path, O_RDWR), ok;
	struct stat st;

	if (fd < 0)
		return 0;
	/* No seek in this ABI: read to the end first. */
	if (fstat(fd, &st) < 0 || (int)st.size != off) {
		close(fd);
		return 0;
	}
	while (off > 0) {
		static char skip[CHUNK];
		int k = off > CHUNK ? CHUNK : off;

		if (read(fd, skip, k) != k)
			break;
		off -= k;
	}
	ok = append_fd(fd, n, tag, (int)st.size);
	close(fd);
	return ok;
}

/*
 * Store tag's pattern over the first page of path (a file shorter than a
 * page, so only its size) through a MAP_SHARED mapping; munmap it, or,
 * with no_unmap, leave it for exit to write back.  1 if all went well.
 */
static int
mapped_store(const char *path, int tag, int no_unmap)
{
	int fd = open(path, O_RDWR), ok;
	struct stat st;
	char *p;

	if (fd < 0 || fstat(fd, &st) < 0 || st.size > 4096) {
		close(fd);
		return 0;
	}
	p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == (char *)-1)
		return 0;
	fill(p, (int)st.size, tag, 0);
	if (no_unmap)
		exit(0);
	ok = munmap(p, 4096) == 0;
	return ok;
}

/* mapped_store in a child that exits without munmap. */
static int
mapped_store_exit(const char *path, int tag)
{
	int pid = fork(), st;

	if (pid == 0)
		exit(mapped_store(path, tag, 1) ? 0 : 1);
	return pid > 0 && wait(&st) == pid && st == 0;
}

static void
run(int full)
{
	int fd, off, i;
	char name[16];

	done("mkdir /cw", mkdir("/cw") == 0);
	done("mkdir /cw/d1", mkdir("/cw/d1") == 0);
	done("mkdir /cw/d1/d2", mkdir("/cw/d1/d2") == 0);
	done("create /cw/a", create("/cw/a"));
	done("append /cw/a", append("/cw/a", 100, 1, 0));
	done("append /cw/a across a block", append("/cw/a", 2000, 1, 100));
	/* One page of three blocks, written back at munmap. */
	done("store through a mapping of /cw/a", mapped_store("/cw/a", 8, 0));
	done("create /cw/d1/b", create("/cw/d1/b"));
	done("append /cw/d1/b", append("/cw/d1/b", 3000, 2, 0));
	/* Rename /cw/a to /cw/d1/d2/a2: link, then unlink. */
	done("link /cw/a /cw/d1/d2/a2", link("/cw/a", "/cw/d1/d2/a2") == 0);
	done("unlink /cw/a", unlink("/cw/a") == 0);
	/* A large file: past the 12 direct blocks into the indirect one. */
	fd = open("/cw/big", O_CREATE | O_RDWR);
	done("create /cw/big", fd >= 0);
	for (i = 0, off = 0; i < 5; i++, off += CHUNK)
		done("append /cw/big", append_fd(fd, CHUNK, 3, off));
	close(fd);
	/* Unlink of an open file: still written to, then closed. */
	fd = open("/cw/d1/b", O_RDWR);
	done("open /cw/d1/b", fd >= 0);
	done("unlink open /cw/d1/b", unlink("/cw/d1/b") == 0);
	done("write unlinked /cw/d1/b", append_fd(fd, 500, 4, 0));
	close(fd);
	done("close unlinked /cw/d1/b", 1);
	done("unlink /cw/big", unlink("/cw/big") == 0);
	/* Rewrite a file from the start. */
	fd = open("/cw/d1/d2/a2", O_RDWR | O_TRUNC);
	done("truncate /cw/d1/d2/a2", fd >= 0);
	done("write /cw/d1/d2/a2", append_fd(fd, 700, 5, 0));
	close(fd);
	done("store through a mapping of /cw/d1/d2/a2, exit",
	    mapped_store_exit("/cw/d1/d2/a2", 9));
	/* A tree made and removed again. */
	done("mkdir /cw/t", mkdir("/cw/t") == 0);
	done("create /cw/t/x", create("/cw/t/x"));
	done("append /cw/t/x", append("/cw/t/x", 1500, 6, 0));
	done("unlink /cw/t/x", unlink("/cw/t/x") == 0);
	done("rmdir /cw/t", unlink("/cw/t") == 0);
	if (full) {
		/* More of everything, for the random crashes. */
		for (i = 0; i < 8; i++) {
			strcpy(name, "/cw/f0");
			name[5] = '0' + i;
			done("create /cw/fN", create(name));
			done("append /cw/fN",
			    append(name, 200 + 300 * i, 7 + i, 0));
		}
		fd = open("/cw/big2", O_CREATE | O_RDWR);
		done("create /cw/big2", fd >= 0);
		for (i = 0, off = 0; i < 8; i++, off += CHUNK)
			done("append /cw/big2", append_fd(fd, CHUNK, 20, off));
		done("unlink open /cw/big2", unlink("/cw/big2") == 0);
		close(fd);
		done("close unlinked /cw/big2", 1);
		for (i = 0; i < 8; i += 2) {
			strcpy(name, "/cw/f0");
			name[5] = '0' + i;
			done("unlink /cw/fN", unlink(name) == 0);
		}
		done("link /cw/f1 /cw/d1/f1", link("/cw/f1", "/cw/d1/f1") == 0);
		done("unlink /cw/f1", unlink("/cw/f1") == 0);
	}
	printf("cw finished %d operations, %d failed\n", step, failures);
}

int
main(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "sum") == 0) {
		printf("cw state %lx\n", state());
		exit(0);
	}
	if (argc >= 2 && strcmp(argv[1], "run") == 0) {
		int i, full = 1;

		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "short") == 0)
				full = 0;
			else if (strcmp(argv[i], "step") == 0)
				stepping = 1;
		}
		report();
		run(full);
		exit(failures != 0);
	}
	fprintf(2, "usage: crashwl run [short] [step] | crashwl sum\n");
	exit(1);
}
