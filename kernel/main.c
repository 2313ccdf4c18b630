/*
 * kmain: every hart arrives here in supervisor mode (from mstart, or from
 * sstart under SBI firmware).
 *
 * The boot hart (hart 0 without firmware: QEMU starts them all, and the
 * others wait for its go-ahead; under SBI firmware, the hart the firmware
 * entered, which starts the others) builds the shared state, layer by layer
 * from the bottom (see docs/overview.md): output, memory, processes,
 * traps and interrupts, the file system's tables, the disk.  Then every
 * hart does its own part (paging, trap vector, interrupt enable), checks
 * in, and becomes a scheduler.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/fdt.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"
#include "kernel/dev/dev.h"
#include "kernel/sys/sys.h"
#include "kernel/selftest.h"

/*
 * Boot flags, read without a lock: each is set with RELEASE after the
 * state it announces and read with ACQUIRE before that state is used, so
 * a hart that sees the flag sees what the other set up before it.
 */
static volatile int shared_state_ready;
static volatile int harts_checked_in;

static void
shared_bringup(void)
{
	console_init();
	printf_init(console_putc); /* lib/ prints through the console from now on */
	frame_init();
	kvm_init();
	proc_init();
	trap_set_handlers(usertrap, kernel_trap_dispatch);
	plic_init();
	bio_init();
	file_init();
	mmap_init();
	pcache_init();
	virtio_disk_init();
}

/* What each hart sets up for itself. */
static void
hart_bringup(void)
{
	kvm_init_hart();
	trap_init_hart();
	plic_init_hart();
	mycpu()->started = 1;
	__atomic_fetch_add(&harts_checked_in, 1, __ATOMIC_RELEASE);
}

/* Give the other harts a second to check in; the banner counts them. */
static void
wait_for_harts(void)
{
	int want = boot_info.ncpu > 0 ? boot_info.ncpu : 1;
	uint64 deadline = r_time() + 10 * TICK_INTERVAL;

	if (want > NCPU)
		want = NCPU;
	while (__atomic_load_n(&harts_checked_in, __ATOMIC_ACQUIRE) < want &&
	    r_time() < deadline)
		;
}

static void
banner(void)
{
	int i, n = harts_checked_in;

	kprintf("cowbird: %d hart%s up (", n, n == 1 ? "" : "s");
	for (i = 0; i < NCPU; i++)
		if (cpus[i].started)
			kprintf(i == 0 ? "%d" : " %d", i);
	kprintf("), fork is %s\n", fork_mode_names[KERNEL_FORK_MODE]);
	kprintf(
	    "cowbird: RAM %lu MiB at 0x%lx, managing %lu MiB: %lu frames free\n",
	    boot_info.mem_size >> 20, boot_info.mem_base,
	    (frame_ram_end() - KERNBASE) >> 20, frame_free_count());
}

#ifdef SBI_BOOT
/* One banner line: which firmware, and how each job is done (sbi.c). */
static void
firmware_banner(void)
{
	kprintf("cowbird: SBI v%lu.%lu firmware: ", firmware.spec_version >> 24,
	    firmware.spec_version & 0xffffff);
	if (firmware.impl_id == SBI_IMPL_OPENSBI)
		kprintf("OpenSBI v%lu.%lu", firmware.impl_version >> 16,
		    firmware.impl_version & 0xffff);
	else
		kprintf("implementation %lu", firmware.impl_id);
	kprintf("; timer %s, kicks %s, %d hart%s started by %s\n",
	    firmware.use_sstc ? "Sstc" : "SBI TIME",
	    firmware.has_ipi ? "SBI IPI" : "none (timer only)",
	    firmware.harts_started, firmware.harts_started == 1 ? "" : "s",
	    firmware.has_hsm ? "SBI HSM" : "none (no HSM)");
}
#endif

void
kmain(void)
{
	int hart = cpuid();

	if (hart == boot_info.boot_hart) {
		shared_bringup();
		hart_bringup();
		__atomic_store_n(&shared_state_ready, 1, __ATOMIC_RELEASE);
		wait_for_harts();
		banner();
#ifdef SBI_BOOT
		firmware_banner();
#endif
		if (boot_arg("selftest"))
			selftest_run(); /* does not return */
		user_init(start_init);
	} else {
		while (__atomic_load_n(&shared_state_ready, __ATOMIC_ACQUIRE) == 0)
			;
		hart_bringup();
	}
	scheduler();
}
