/*
 * pmap: a process's memory, region by region.
 *
 *   pmap PID...   one table per process: each region's addresses and
 *                 permissions, its pages (present, private, shared, marked
 *                 copy-on-write), the most processes sharing one page, and
 *                 the frames the process holds there (a frame shared by k
 *                 processes counts 1/k to each); page-table pages last.
 *                 PID 0 is the kernel (its page tables, kernel stacks, its
 *                 share of the zero page and of the page cache's pages).
 *   pmap -a       one summary line per process and the kernel, then the
 *                 audit: the frames they hold must add up to the frames
 *                 allocated (vmstat's frames_total - frames_free).  Pipe
 *                 buffers are the kernel's too but not counted: run it
 *                 with no pipe open.
 *
 * The numbers come from the pmap system call (kernel/pmap.h).
 */
#include "kernel/types.h"
#include "kernel/pmap.h"
#include "kernel/vmstat.h"
#include "user/user.h"

static struct pmap m;

static const char *kind_names[] = {
	[PMAP_TEXT] = "text",
	[PMAP_DATA] = "data",
	[PMAP_GUARD] = "guard",
	[PMAP_STACK] = "stack",
	[PMAP_HEAP] = "heap",
	[PMAP_TRAPFRAME] = "trapframe",
	[PMAP_TRAMPOLINE] = "trampoline",
	[PMAP_PAGETABLES] = "pagetables",
	[PMAP_KSTACKS] = "kstacks",
	[PMAP_ZEROPAGE] = "zeropage",
	[PMAP_ANON_PRIVATE] = "anon-priv",
	[PMAP_ANON_SHARED] = "anon-share",
	[PMAP_FILE_PRIVATE] = "file-priv",
	[PMAP_FILE_SHARED] = "file-share",
	[PMAP_PAGECACHE] = "pagecache",
};

/* s in a column of width, right-aligned if right. */
static void
pad(const char *s, int width, int right)
{
	int n = strlen(s);

	if (right)
		for (; n < width; n++)
			printf(" ");
	printf("%s", s);
	if (!right)
		for (; n < width; n++)
			printf(" ");
}

static char *
utoa(char *buf, uint64 v, int base)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	int n = 0, i = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (base == 16) {
		buf[i++] = '0';
		buf[i++] = 'x';
	}
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = 0;
	return buf;
}

static void
num(uint64 v, int width)
{
	char buf[24];

	pad(utoa(buf, v, 10), width, 1);
}

/* A share of frames, in 1/PMAP_SCALE units, with two decimals (cut, not rounded). */
static char *
frames(char *buf, uint64 held)
{
	uint64 cents = held * 100 / PMAP_SCALE;
	int n;

	utoa(buf, cents / 100, 10);
	n = strlen(buf);
	buf[n++] = '.';
	buf[n++] = '0' + cents / 10 % 10;
	buf[n++] = '0' + cents % 10;
	buf[n] = 0;
	return buf;
}

static char *
perms(char *buf, uint32 perm)
{
	buf[0] = perm & PMAP_R ? 'r' : '-';
	buf[1] = perm & PMAP_W ? 'w' : '-';
	buf[2] = perm & PMAP_X ? 'x' : '-';
	buf[3] = perm & PMAP_U ? 'u' : '-';
	buf[4] = 0;
	return buf;
}

static void
print_region(const struct pmap_region *r)
{
	char buf[24];

	pad(kind_names[r->kind], 11, 0);
	if (r->kind == PMAP_PAGETABLES) {
		pad("", 26, 0);
	} else {
		pad(utoa(buf, r->start, 16), 13, 0);
		pad(utoa(buf, r->end, 16), 13, 0);
	}
	pad(r->kind == PMAP_PAGETABLES ? "" : perms(buf, r->perm), 4, 0);
	num(r->present, 7);
	num(r->priv, 8);
	num(r->shared, 7);
	num(r->cow, 6);
	num(r->sharers, 8);
	num(r->tables_shared, 7);
	pad(frames(buf, r->held), 10, 1);
	printf("\n");
}

/* Totals over the regions, page tables apart. */
static void
print_summary(const struct pmap *m)
{
	uint32 i, present = 0, priv = 0, shared = 0, cow = 0;
	const struct pmap_region *pt = 0;
	char buf[24];

	for (i = 0; i < m->nregions; i++) {
		const struct pmap_region *r = &m->region[i];

		if (r->kind == PMAP_PAGETABLES) {
			pt = r;
			continue;
		}
		present += r->present;
		priv += r->priv;
		shared += r->shared;
		cow += r->cow;
	}
	printf("pid %d %s: %d pages present, %d private, %d shared (%d copy-on-write); "
	       "frames held %s",
	    m->pid, m->name, present, priv, shared, cow, frames(buf, m->held));
	if (pt)
		printf("; page tables %d (%d own, %d shared)", pt->present,
		    pt->priv, pt->shared);
	if (m->inexact)
		printf(" (inexact: %d pages with more than 16 sharers)",
		    m->inexact);
	printf("\n");
}

static int
show(int pid)
{
	uint32 i;
	int got = pmap(pid, 0, &m);

	if (got < 0 || got != pid) {
		fprintf(2, "pmap: no process %d\n", pid);
		return -1;
	}
	printf("pid %d (%s), parent %d, %s, size %lu\n", m.pid, m.name, m.ppid,
	    m.state, m.size);
	printf("region     start        end          perm present private shared"
	       "   cow sharers shrdpt    frames\n");
	for (i = 0; i < m.nregions; i++)
		print_region(&m.region[i]);
	print_summary(&m);
	return 0;
}

/* Frames allocated now: what the processes and the kernel must add up to. */
static uint64
allocated(void)
{
	struct vmstat st;

	if (vmstat(VMSTAT_GET, &st) < 0) {
		fprintf(2, "pmap: vmstat failed\n");
		exit(1);
	}
	return st.frames_total - st.frames_free;
}

/*
 * Every process's summary and the kernel's, and whether the frames held
 * add up to the frames allocated.  Another process allocating meanwhile
 * changes the count: then try again.
 */
static int
audit(void)
{
	uint64 before, after, held;
	char buf[24];
	int pid, tries, inexact;

	for (tries = 0; tries < 5; tries++) {
		before = allocated();
		held = 0;
		inexact = 0;
		for (pid = 0; (pid = pmap(pid, PMAP_NEXT, &m)) > 0;) {
			print_summary(&m);
			held += m.held;
			inexact += m.inexact;
		}
		if (pmap(0, 0, &m) != 0) {
			fprintf(2, "pmap: pmap of the kernel failed\n");
			return -1;
		}
		print_summary(&m);
		held += m.held;
		inexact += m.inexact;
		after = allocated();
		if (before == after)
			break;
		printf("(frames allocated changed from %lu to %lu: again)\n",
		    before, after);
	}
	if (before != after || inexact || held % PMAP_SCALE != 0 ||
	    held / PMAP_SCALE != after) {
		printf("frames held %s, allocated %lu: DISAGREE%s\n",
		    frames(buf, held), after, inexact ? " (inexact shares)" : "");
		return -1;
	}
	printf("frames held %lu = allocated %lu: agree\n", held / PMAP_SCALE,
	    after);
	return 0;
}

int
main(int argc, char *argv[])
{
	int i, status = 0;

	if (argc == 2 && strcmp(argv[1], "-a") == 0)
		exit(audit() < 0);
	if (argc < 2) {
		fprintf(2, "usage: pmap pid... | pmap -a\n");
		exit(1);
	}
	for (i = 1; i < argc; i++) {
		if (argv[i][0] < '0' || argv[i][0] > '9') {
			fprintf(2, "pmap: not a pid: %s\n", argv[i]);
			status = 1;
			continue;
		}
		if (i > 1)
			printf("\n");
		if (show(atoi(argv[i])) < 0)
			status = 1;
	}
	exit(status);
}
