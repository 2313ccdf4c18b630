/*
 * kmain: where every hart arrives in supervisor mode (from mstart).
 *
 * Hart 0 brings the system up subsystem by subsystem, in dependency
 * order; the others wait for it, then turn on paging and interrupts for
 * themselves.  Hart 0 prints the banner once every hart has checked in.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/fdt.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"
#include "kernel/dev/dev.h"
#include "kernel/selftest.h"

static volatile int system_ready;
static volatile int harts_online;

static void
wait_for_harts(void)
{
	int want = boot_info.ncpu > 0 ? boot_info.ncpu : 1;
	uint64 deadline = r_time() + 10 * TICK_INTERVAL;   /* one second */

	if (want > NCPU)
		want = NCPU;
	while (harts_online < want && r_time() < deadline)
		;
}

static void
banner(void)
{
	int i;

	kprintf("cowbird: %d hart%s up (", harts_online, harts_online == 1 ? "" : "s");
	for (i = 0; i < NCPU; i++)
		if (cpus[i].started)
			kprintf(i == 0 ? "%d" : " %d", i);
	kprintf("), fork is %s\n",
#ifdef FORK_COPY
	    "eager copy (FORK=copy)"
#else
	    "copy-on-write"
#endif
	);
	kprintf("cowbird: RAM %lu MiB at 0x%lx, managing %lu MiB: %lu frames free\n",
	    boot_info.mem_size ? boot_info.mem_size >> 20 : (uint64)(PHYSTOP - KERNBASE) >> 20,
	    boot_info.mem_base ? boot_info.mem_base : (uint64)KERNBASE,
	    (uint64)(PHYSTOP - KERNBASE) >> 20, frame_free_count());
}

static void
hart_online(void)
{
	mycpu()->started = 1;
	__sync_fetch_and_add(&harts_online, 1);
}

void
kmain(void)
{
	if (cpuid() == 0) {
		console_init();
		printf_init();
		frame_init();
		kvm_init();
		kvm_init_hart();
		proc_init();
		trap_init_hart();
		plic_init();
		plic_init_hart();
		bio_init();
		file_init();
		virtio_disk_init();
		hart_online();
		__sync_synchronize();
		system_ready = 1;
		wait_for_harts();
		banner();
		if (boot_arg("selftest"))
			selftest_run();     /* does not return */
		user_init();
	} else {
		while (system_ready == 0)
			;
		__sync_synchronize();
		kvm_init_hart();
		trap_init_hart();
		plic_init_hart();
		hart_online();
	}
	scheduler();
}
