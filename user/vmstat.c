/*
 * vmstat: print the kernel's virtual-memory counters, one "name value"
 * per line, and whether fork copies eagerly or shares pages copy-on-write.
 * With -c, instead ask the kernel to check every frame's reference count
 * against the page tables that map it (mismatches are printed on the
 * console) and report "refcheck ok" (status 0) or "refcheck FAILED n".
 */
#include "kernel/types.h"
#include "kernel/vmstat.h"
#include "user/user.h"

static void
print_counters(const struct vmstat *st)
{
	printf("ram_mib %lu\n", st->ram_bytes >> 20);
	printf("frames_total %lu\n", st->frames_total);
	printf("frames_free %lu\n", st->frames_free);
	printf("cow_faults %lu\n", st->cow_faults);
	printf("pages_copied %lu\n", st->pages_copied);
	printf("pages_reused %lu\n", st->pages_reused);
	printf("frames_shared %lu\n", st->frames_shared);
	printf("tables_shared %lu\n", st->tables_shared);
	printf("tables_copied %lu\n", st->tables_copied);
	printf("pcache_pages %lu\n", st->pcache_pages);
	printf("zero_refs %lu\n", st->zero_refs);
	printf("writeback_lost %lu\n", st->writeback_lost);
	printf("fork_mode %s\n",
	    st->fork_mode == FORK_MODE_COPY       ? "copy"
		: st->fork_mode == FORK_MODE_PAGE ? "page"
						  : "cow");
}

int
main(int argc, char *argv[])
{
	struct vmstat st;
	int bad;

	if (argc == 1) {
		if (vmstat(VMSTAT_GET, &st) < 0) {
			fprintf(2, "vmstat: system call failed\n");
			exit(1);
		}
		print_counters(&st);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "-c") == 0) {
		bad = vmstat(VMSTAT_CHECK_VERBOSE, &st);
		if (bad == 0) {
			printf("refcheck ok\n");
			return 0;
		}
		printf("refcheck FAILED %d\n", bad);
		exit(1);
	}
	fprintf(2, "usage: vmstat [-c]\n");
	exit(1);
}
