/* The few device-tree facts the kernel reads at boot (fdt.c). */
#ifndef COWBIRD_FDT_H
#define COWBIRD_FDT_H

#include "kernel/types.h"

struct boot_info {
	char cmdline[128]; /* /chosen bootargs: QEMU's -append */
	int ncpu;          /* cpu@N nodes */
	uint64 mem_base;   /* first /memory reg */
	uint64 mem_size;
	int boot_hart; /* not from the tree: see sbi.c and main.c */
};

extern struct boot_info boot_info;
void fdt_scan(uint64 dtb);
int boot_arg(const char *word); /* is word one of the bootargs? */

#endif
