/*
 * t_hog TICKS: hold every process slot and all free memory for TICKS
 * clock ticks, then give everything back and exit.
 *
 * The regression test of init's retry (tests/run.py, phase "init") runs
 * it in the background and ends the shell meanwhile: init must then fail
 * to start a new shell, say so once, and retry until the hog is gone.
 * While holding, the hog keeps retrying sbrk, so the pages the dying shell
 * frees are taken again before init can fork (fork needs a few frames even
 * when it finds the free process slot the shell leaves).
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

#define MAXKIDS 64

/*
 * Fill the heap page at p as a store would, but through a system call
 * (fstat writes into it), so that running out of frames is an error
 * return rather than a kill: another process (init, a dying shell's
 * successor) may take the last frames between sbrk and the touch.
 */
static int
fill_page(char *p)
{
	return fstat(1, (struct stat *)p);
}

/* Takes n bytes of heap and fills them; on a shortage keeps what it filled. */
static int
grab_pages(int n)
{
	char *p = sbrk(n);
	int i;

	if (p == (char *)-1)
		return 0;
	for (i = 0; i < n; i += PGSIZE) {
		if (fill_page(p + i) < 0) {
			sbrk(-(n - i));
			break;
		}
	}
	return i / PGSIZE;
}

/* Whether sbrk would grant n bytes now (it refuses what memory cannot hold). */
static int
room_for(int n)
{
	if (sbrk(n) == (char *)-1)
		return 0;
	sbrk(-n);
	return 1;
}

static int
grab_memory(void)
{
	int pages = 0, got;

	/*
	 * A megabyte at a time first (page by page, 1 GiB takes minutes),
	 * then page by page.  A megabyte is taken only while a few pages more
	 * are free, for the page tables its pages need (sbrk counts the
	 * pages alone).
	 */
	while (room_for(1024 * 1024 + 16 * PGSIZE)) {
		got = grab_pages(1024 * 1024);
		pages += got;
		if (got < 1024 * 1024 / PGSIZE)
			break;
	}
	while ((got = grab_pages(PGSIZE)) > 0)
		pages += got;
	return pages;
}

/*
 * A child that holds its slot until about the deadline.  It runs t_sleep
 * rather than sleeping here: after exec it shares no page with the hog,
 * whose own writes would otherwise need copy-on-write frames that the hog
 * itself has taken.
 */
static int
grab_slot(int ticks)
{
	static char arg[16];
	char *argv[] = { "t_sleep", arg, 0 };
	int pid, i = sizeof(arg) - 1;

	arg[i] = 0;
	do {
		arg[--i] = '0' + ticks % 10;
		ticks /= 10;
	} while (ticks > 0 && i > 0);
	argv[1] = arg + i;
	pid = fork();
	if (pid == 0) {
		exec("t_sleep", argv);
		exit(1);
	}
	return pid;
}

int
main(int argc, char *argv[])
{
	int ticks, deadline, kids = 0, pages, pid;

	if (argc != 2 || (ticks = atoi(argv[1])) <= 0) {
		fprintf(2, "usage: t_hog TICKS\n");
		exit(1);
	}
	deadline = uptime() + ticks;
	while (kids < MAXKIDS && grab_slot(ticks) > 0)
		kids++;
	sleep(10); /* the children's exec must find memory */
	/* Its own pages come in on first touch: now, while there are frames. */
	image_resident();
	pages = grab_memory();
	printf("t_hog: holding %d processes and %d pages\n", kids, pages);
	while (uptime() < deadline)
		pages += grab_memory();
	while ((pid = wait(0)) > 0)
		;
	printf("t_hog: released %d processes and %d pages\n", kids, pages);
	exit(0);
}
