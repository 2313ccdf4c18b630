/*
 * ps: every process: pid, parent, state, name, size in bytes, and what its
 * writes to copy-on-write pages did (faults taken, pages copied, pages
 * reused).  ^P on the console prints the same columns from the kernel.
 */
#include "kernel/types.h"
#include "kernel/pmap.h"
#include "user/user.h"

int
main(void)
{
	static struct pmap m;
	int pid;

	printf(PS_HEADER_FORMAT, PS_HEADER_NAMES);
	for (pid = 0; (pid = pmap(pid, PMAP_NEXT | PMAP_INFO_ONLY, &m)) > 0;)
		printf(PS_FORMAT, m.pid, m.ppid, m.state, m.name, m.size,
		    m.cow_faults, m.pages_copied, m.pages_reused);
	if (pid < 0) {
		fprintf(2, "ps: pmap system call failed\n");
		exit(1);
	}
	exit(0);
}
