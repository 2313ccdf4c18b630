/*
 * ls: list each named path (default "."), one line per file: its name
 * padded to DIRSIZ, its type (1 directory, 2 file, 3 device), its inode
 * number and its size in bytes.  A directory is listed entry by entry,
 * including "." and ".."; anything else is listed as itself.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "user/user.h"

/* The last component of path, padded with spaces to DIRSIZ. */
static const char *
fmtname(const char *path)
{
	static char name[DIRSIZ + 1];
	const char *base = path + strlen(path);
	int n;

	while (base > path && base[-1] != '/')
		base--;
	n = strlen(base);
	if (n >= DIRSIZ)
		return base;
	memmove(name, base, n);
	memset(name + n, ' ', DIRSIZ - n);
	name[DIRSIZ] = '\0';
	return name;
}

static void
show(const char *path, const struct stat *st)
{
	printf("%s %d %u %lu\n", fmtname(path), st->type, st->ino, st->size);
}

static void
list_dir(int fd, const char *path)
{
	char buf[512];
	struct dirent de;
	struct stat st;
	int n;

	n = strlen(path);
	if (n + 1 + DIRSIZ + 1 > (int)sizeof(buf)) {
		fprintf(2, "ls: path too long: %s\n", path);
		return;
	}
	strcpy(buf, path);
	buf[n++] = '/';
	while (read(fd, &de, sizeof(de)) == sizeof(de)) {
		if (de.inum == 0)
			continue;
		/* A DIRSIZ-long name has no NUL of its own. */
		memmove(buf + n, de.name, DIRSIZ);
		buf[n + DIRSIZ] = '\0';
		if (stat(buf, &st) < 0) {
			fprintf(2, "ls: cannot stat %s\n", buf);
			continue;
		}
		show(buf, &st);
	}
}

static void
ls(const char *path)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(2, "ls: cannot open %s\n", path);
		return;
	}
	if (fstat(fd, &st) < 0)
		fprintf(2, "ls: cannot stat %s\n", path);
	else if (st.type == T_DIR)
		list_dir(fd, path);
	else
		show(path, &st);
	close(fd);
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2)
		ls(".");
	for (i = 1; i < argc; i++)
		ls(argv[i]);
	return 0;
}
