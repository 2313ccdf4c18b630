/*
 * fsbench: what file-system operations cost, durability included.
 *
 * Prints "bench NAME VALUE UNIT" lines read by `make bench` (QEMU under
 * -icount shift=0, where rdtime advances one unit per 100 instructions).
 * Three kinds of number:
 *   NAME-writes, NAME-flushes, NAME-reads: disk requests per operation,
 *     counted by the kernel (the diskstat device).  Exact and the same on
 *     every host: this is what a transaction costs the disk.
 *   NAME in us: wall-clock microseconds per operation.  While the guest
 *     waits for the disk the virtual clock runs at host speed, so these
 *     include the host's time to write and flush the image file and vary
 *     from run to run and host to host.
 *   fs-read-cached-1k in instr: no disk involved, deterministic.
 *
 *   fs-append-1k      write() of 1 KiB at the end of a file: one transaction
 *                     (data block, bitmap block, inode block)
 *   fs-rewrite-1k     open, write() over the first 1 KiB, close: one
 *                     transaction (data block and inode block)
 *   fs-create-unlink  open(O_CREATE), close, unlink of a new name: two
 *                     transactions
 *   fs-parallel-1k    four processes each append 1 KiB writes to their own
 *                     file at once; per write, so group commit shows here
 *   fs-read-cached-1k read() of 1 KiB that is in the buffer cache
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/bench.h"

#define TICKS_PER_US 10 /* mtime runs at 10 MHz */
#define ROUNDS       40
#define NWORKERS     4
#define READ_BLOCKS  12 /* direct blocks only: a cached file */
#define READ_ROUNDS  20

static char block[1024];

static uint64
now(void)
{
	uint64 t;

	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

struct disk_count {
	uint64 reads;
	uint64 writes;
	uint64 flushes;
};

/* Parse one "name N" line of the diskstat text. */
static char *
parse_counter(char *p, uint64 *v)
{
	while (*p && *p != ' ')
		p++;
	*v = 0;
	if (*p == ' ')
		p++;
	while (*p >= '0' && *p <= '9')
		*v = *v * 10 + (*p++ - '0');
	if (*p == '\n')
		p++;
	return p;
}

static int have_diskstat;

/* Reads the counters; 0 if the kernel has no diskstat device. */
static int
disk_count(struct disk_count *c)
{
	char text[128];
	int fd, n;
	char *p;

	fd = open("diskstat", O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = 0;
	p = parse_counter(text, &c->reads);
	p = parse_counter(p, &c->writes);
	parse_counter(p, &c->flushes);
	return 1;
}

/* "bench NAME-WHAT X.YY WHAT": requests per operation, two decimals. */
static void
report_requests(const char *name, const char *what, uint64 n, uint64 count)
{
	uint64 hundredths = n * 100 / count;

	printf("bench %s-%s %lu.%lu%lu %s\n", name, what, hundredths / 100,
	    hundredths / 10 % 10, hundredths % 10, what);
}

static struct disk_count before;
static uint64 started;

static void
measure_start(void)
{
	have_diskstat = disk_count(&before);
	started = now();
}

/* Time and disk requests per operation since measure_start(). */
static void
measure_end(const char *name, uint64 count)
{
	uint64 ticks = now() - started;
	struct disk_count after;

	printf("bench %s %lu us\n", name, ticks / TICKS_PER_US / count);
	if (!have_diskstat || !disk_count(&after))
		return; /* an older kernel: times only */
	report_requests(name, "writes", after.writes - before.writes, count);
	report_requests(name, "flushes", after.flushes - before.flushes, count);
	report_requests(name, "reads", after.reads - before.reads, count);
}

static void
die(const char *what)
{
	printf("fsbench: %s failed\n", what);
	exit(1);
}

static int
must_open(const char *path, int mode)
{
	int fd = open(path, mode);

	if (fd < 0)
		die("open");
	return fd;
}

static void
must_write(int fd, int n)
{
	if (write(fd, block, n) != n)
		die("write");
}

static void
bench_append(void)
{
	int fd, i;

	fd = must_open("fsb.append", O_CREATE | O_RDWR);
	measure_start();
	for (i = 0; i < ROUNDS; i++)
		must_write(fd, sizeof(block));
	measure_end("fs-append-1k", ROUNDS);
	close(fd);
	unlink("fsb.append");
}

static void
bench_rewrite(void)
{
	int fd, i;

	fd = must_open("fsb.rewrite", O_CREATE | O_RDWR);
	must_write(fd, sizeof(block));
	close(fd);
	measure_start();
	for (i = 0; i < ROUNDS; i++) {
		fd = must_open("fsb.rewrite", O_RDWR);
		must_write(fd, sizeof(block));
		close(fd);
	}
	measure_end("fs-rewrite-1k", ROUNDS);
	unlink("fsb.rewrite");
}

static void
bench_create_unlink(void)
{
	int i;

	measure_start();
	for (i = 0; i < ROUNDS; i++) {
		close(must_open("fsb.new", O_CREATE | O_RDWR));
		if (unlink("fsb.new") < 0)
			die("unlink");
	}
	measure_end("fs-create-unlink", ROUNDS);
}

static void
bench_parallel(void)
{
	char name[] = "fsb.par0";
	int w, i, fd;

	measure_start();
	for (w = 0; w < NWORKERS; w++) {
		name[7] = '0' + w;
		if (fork() == 0) {
			fd = must_open(name, O_CREATE | O_RDWR);
			for (i = 0; i < ROUNDS; i++)
				must_write(fd, sizeof(block));
			close(fd);
			exit(0);
		}
	}
	for (w = 0; w < NWORKERS; w++)
		wait(0);
	measure_end("fs-parallel-1k", NWORKERS * ROUNDS);
	for (w = 0; w < NWORKERS; w++) {
		name[7] = '0' + w;
		unlink(name);
	}
}

static void
bench_read_cached(void)
{
	uint64 start;
	int fd, i, r;

	fd = must_open("fsb.read", O_CREATE | O_RDWR);
	for (i = 0; i < READ_BLOCKS; i++)
		must_write(fd, sizeof(block));
	close(fd);
	/* instret, not the 100-instruction ticks of now(): exact, repeatable. */
	start = instret();
	for (r = 0; r < READ_ROUNDS; r++) {
		fd = must_open("fsb.read", O_RDONLY);
		for (i = 0; i < READ_BLOCKS; i++)
			if (read(fd, block, sizeof(block)) != sizeof(block))
				die("read");
		close(fd);
	}
	printf("bench fs-read-cached-1k %lu instr\n",
	    (instret() - start) / (READ_ROUNDS * READ_BLOCKS));
	unlink("fsb.read");
}

int
main(void)
{
	int fd;

	/* The diskstat device (major 2): make it if the image lacks it. */
	if ((fd = open("diskstat", O_RDONLY)) >= 0)
		close(fd);
	else if (mknod("diskstat", 2, 0) < 0)
		die("mknod diskstat");
	bench_append();
	bench_rewrite();
	bench_create_unlink();
	bench_parallel();
	bench_read_cached();
	return 0;
}
