/*
 * cowdemo [MB]: a process of MB megabytes (default 16) forks and its child
 * writes half of the pages when told to, for watching copy-on-write with
 * pmap, ps and vmstat (docs/tour.md).
 *
 * The parent fills an MB-megabyte heap, forks, prints both pids and then
 * sleeps until killed.  The child waits until a file named `go` exists in
 * the current directory, writes to every other page of the heap (so half
 * of them are copied), removes `go`, says so, and sleeps until killed.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define PAGE 4096

static void
sleep_forever(void)
{
	for (;;)
		sleep(1000);
}

/*
 * Bring in every page of this program now: exec maps none, each comes in
 * when first touched.  So what the tour counts after the fork is the
 * heap's pages and the tables, not the program's pages arriving one by
 * one.  Page 0 (the start of the code) is running already.
 */
static void
touch_program(void)
{
	extern char __data_start[], __image_end[]; /* user/user.ld */
	volatile char *p;

	for (p = (volatile char *)PAGE; p < (volatile char *)__data_start;
	     p += PAGE)
		(void)*p;
	for (p = __data_start; p < (volatile char *)__image_end; p += PAGE)
		*p = *p; /* a store: the data's own copy, not the file's */
}

static void
child(char *heap, int pages)
{
	int fd, i;

	while ((fd = open("go", O_RDONLY)) < 0)
		sleep(2);
	close(fd);
	for (i = 0; i < pages; i += 2)
		heap[i * PAGE] = 'c';
	unlink("go");
	printf("cowdemo: child %d wrote %d of its %d heap pages\n", getpid(),
	    (pages + 1) / 2, pages);
	sleep_forever();
}

int
main(int argc, char *argv[])
{
	int mb = argc > 1 ? atoi(argv[1]) : 16;
	int pages, i, pid;
	char *heap;

	if (argc > 2 || mb <= 0 || mb > 64) {
		fprintf(2, "usage: cowdemo [MB]   (1 to 64, default 16)\n");
		exit(1);
	}
	pages = mb * 256;
	heap = sbrk(pages * PAGE);
	if (heap == (char *)-1) {
		fprintf(2, "cowdemo: no memory for %d MB\n", mb);
		exit(1);
	}
	for (i = 0; i < pages; i++)
		heap[i * PAGE] = 'p';
	touch_program();
	pid = fork();
	if (pid < 0) {
		fprintf(2, "cowdemo: fork failed\n");
		exit(1);
	}
	if (pid == 0)
		child(heap, pages);
	printf("cowdemo: parent %d has %d MB (%d heap pages); child %d writes half "
	       "of them when the file go exists\n",
	    getpid(), mb, pages, pid);
	sleep_forever();
	return 0;
}
