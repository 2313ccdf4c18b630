/*
 * Supervisor-mode start-up under SBI firmware (make SBI=1), as real boards
 * boot.  The calls into the firmware, and the timer and kicks made of
 * them, are in sbicall.c.
 *
 * The firmware (QEMU's OpenSBI, -bios default) owns machine mode and
 * memory below 0x80200000.  It enters the kernel at 0x80200000 in
 * supervisor mode, paging off, on one hart, with a0 = hart id and a1 = the
 * device tree; the other harts wait in the firmware until the kernel asks
 * for them.  Trap delegation, PMP and counter access are the firmware's
 * business.  What machine mode does in the default build (start.c,
 * kickvec.S) is asked of the firmware instead, through ecall:
 *   - the other harts start through the HSM extension (hart_start);
 *   - the timer is Sstc's stimecmp when the firmware enabled it for us
 *     (menvcfg.STCE, which supervisor mode cannot read: we try stimecmp
 *     and see whether it traps), otherwise the TIME extension's set_timer;
 *   - kicks between harts go through the IPI extension, and arrive as a
 *     supervisor software interrupt, as kickvec.S's do.
 * The console stays on our own UART driver.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/fdt.h"
#include "kernel/arch/sbi.h"

/*
 * The first hart to arrive builds the kernel: 0 until one claims it, 1
 * while it learns about the firmware, 2 once boot_info.boot_hart and
 * firmware are set, which any other hart waits for.
 */
static int boot_stage;

void _entry(void);

static int
sbi_has(uint64 ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, ext, 0, 0);

	return r.error == 0 && r.value != 0;
}

/*
 * Does reading stimecmp work, or does it trap (illegal instruction: the
 * firmware left menvcfg.STCE off)?  With interrupts off and paging off, a
 * trap here lands on the label after the read, through stvec, with the
 * registers as they were: ok stays 0.
 */
static int
stimecmp_works(void)
{
	uint64 saved = CSR_READ(stvec), ok = 0, tmp;

	asm volatile("la %1, 1f\n"
		     "csrw stvec, %1\n"
		     "csrr %1, %2\n"
		     "li %0, 1\n"
		     ".balign 4\n" /* stvec's low two bits are its mode */
		     "1:\n"
		     : "+r"(ok), "=&r"(tmp)
		     : "i"(CSR_STIMECMP)
		     : "memory");
	CSR_WRITE(stvec, saved);
	return ok != 0;
}

/* Stop this hart for good: the kernel cannot run without what is missing. */
static void
boot_fail(const char *why)
{
	early_puts("cowbird: cannot boot under this SBI firmware: ");
	early_puts(why);
	early_puts("\n");
	for (;;)
		asm volatile("wfi");
}

/* Learn what the firmware offers; called once, by the boot hart. */
static void
probe_firmware(void)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_SPEC_VERSION, 0, 0, 0);

	if (r.error != 0)
		boot_fail("no SBI base extension (SBI v0.1 is not supported)");
	firmware.spec_version = r.value;
	firmware.impl_id =
	    sbi_call(SBI_EXT_BASE, SBI_BASE_IMPL_ID, 0, 0, 0).value;
	firmware.impl_version =
	    sbi_call(SBI_EXT_BASE, SBI_BASE_IMPL_VERSION, 0, 0, 0).value;
	firmware.has_ipi = sbi_has(SBI_EXT_IPI);
	firmware.has_hsm = sbi_has(SBI_EXT_HSM);
	firmware.use_sstc = stimecmp_works();
	if (!firmware.use_sstc && !sbi_has(SBI_EXT_TIME))
		boot_fail("neither Sstc nor the SBI TIME extension");
}

/*
 * Ask the firmware for every other hart the device tree lists.  A hart the
 * firmware released by itself answers "already available" and comes to
 * _entry on its own; boot_stage keeps it from building the kernel twice.
 */
static void
start_other_harts(uint64 self)
{
	int n = boot_info.ncpu < NCPU ? boot_info.ncpu : NCPU;
	int h;

	if (!firmware.has_hsm)
		return;
	for (h = 0; h < n; h++) {
		if ((uint64)h == self)
			continue;
		/* The hart enters _entry with a0 = h and a1 = 0 (no tree). */
		if (sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, h, (uint64)_entry, 0)
			.error == 0)
			firmware.harts_started++;
	}
}

/* The first line, at once: a user sees the kernel is alive. */
static void
say_hello(uint64 hartid)
{
	char line[] = "cowbird: hart ? is up under SBI firmware, "
		      "starting the kernel\n";

	line[14] = '0' + hartid; /* hartid < NCPU <= 10 */
	early_puts(line);
}

/* Every hart comes here from entry.S, on its boot stack, paging off. */
void
sstart(uint64 hartid, uint64 dtb)
{
	int nobody = 0;

	cpu_set_tp(hartid);
	if (__atomic_compare_exchange_n(&boot_stage, &nobody, 1, 0,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		say_hello(hartid);
		fdt_scan(dtb);
		boot_info.boot_hart = hartid;
		probe_firmware();
		/*
		 * Release: a hart that reads 2 (acquire, below) sees boot_info
		 * and firmware as this hart wrote them.
		 */
		__atomic_store_n(&boot_stage, 2, __ATOMIC_RELEASE);
		start_other_harts(hartid);
	} else {
		while (__atomic_load_n(&boot_stage, __ATOMIC_ACQUIRE) != 2)
			;
	}

	CSR_WRITE(sie, CSR_READ(sie) | SIE_SEIE | SIE_STIE | SIE_SSIE);
	/* User mode may read the clock and instret, as in start.c. */
	CSR_WRITE(scounteren, CSR_READ(scounteren) | COUNTEREN_TM | COUNTEREN_IR);
	timer_set(r_time() + TICK_INTERVAL);
	kmain();
}
