/*
 * Supervisor-mode start-up under SBI firmware (make SBI=1), as real boards
 * boot, and the SBI calls the kernel makes.
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
 *
 * Calling convention (SBI v0.2 and later): a7 = extension id, a6 =
 * function id, a0..a5 arguments; the firmware returns an error code in a0
 * (0 for success) and a value in a1.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/fdt.h"
#include "kernel/dev/dev.h"
#include "kernel/lib/lib.h"

/* Extension ids: the base extension, then ASCII names. */
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494d45 /* "TIME" */
#define SBI_EXT_IPI  0x735049   /* "sPI" */
#define SBI_EXT_HSM  0x48534d   /* "HSM" */

/* Function ids. */
#define SBI_BASE_SPEC_VERSION 0
#define SBI_BASE_IMPL_ID      1
#define SBI_BASE_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXT    3
#define SBI_TIME_SET_TIMER    0
#define SBI_IPI_SEND_IPI      0
#define SBI_HSM_HART_START    0

#define SBI_IMPL_OPENSBI 1

struct sbiret {
	long error; /* 0: success */
	long value;
};

/* What the boot hart learned about the firmware, for the banner. */
static struct {
	uint64 spec_version; /* major << 24 | minor */
	uint64 impl_id;
	uint64 impl_version;
	int has_ipi;
	int has_hsm;
	int use_sstc;      /* stimecmp works; else the TIME extension */
	int harts_started; /* by hart_start, not counting the boot hart */
} firmware;

/*
 * The first hart to arrive builds the kernel: 0 until one claims it, 1
 * while it learns about the firmware, 2 once boot_info.boot_hart and
 * firmware are set, which any other hart waits for.
 */
static int boot_stage;

void _entry(void);

static struct sbiret
sbi_call(uint64 ext, uint64 fn, uint64 arg0, uint64 arg1, uint64 arg2)
{
	register uint64 a0 asm("a0") = arg0;
	register uint64 a1 asm("a1") = arg1;
	register uint64 a2 asm("a2") = arg2;
	register uint64 a6 asm("a6") = fn;
	register uint64 a7 asm("a7") = ext;
	struct sbiret ret;

	asm volatile("ecall"
		     : "+r"(a0), "+r"(a1)
		     : "r"(a2), "r"(a6), "r"(a7)
		     : "memory");
	ret.error = (long)a0;
	ret.value = (long)a1;
	return ret;
}

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
	uart_puts_boot("cowbird: cannot boot under this SBI firmware: ");
	uart_puts_boot(why);
	uart_puts_boot("\n");
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
	uart_puts_boot(line);
}

/* Every hart comes here from entry.S, on its boot stack, paging off. */
void
sstart(uint64 hartid, uint64 dtb)
{
	int nobody = 0;

	if (__atomic_compare_exchange_n(&boot_stage, &nobody, 1, 0,
		__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		say_hello(hartid);
		fdt_scan(dtb);
		boot_info.boot_hart = hartid;
		probe_firmware();
		__atomic_store_n(&boot_stage, 2, __ATOMIC_RELEASE);
		start_other_harts(hartid);
	} else {
		while (__atomic_load_n(&boot_stage, __ATOMIC_ACQUIRE) != 2)
			;
	}

	CSR_WRITE(sie, CSR_READ(sie) | SIE_SEIE | SIE_STIE | SIE_SSIE);
	/* User mode may read the clock and instret, as in start.c. */
	CSR_WRITE(scounteren, CSR_READ(scounteren) | COUNTEREN_TM | COUNTEREN_IR);
	w_tp(hartid);
	timer_set(r_time() + TICK_INTERVAL);
	kmain();
}

void
timer_set(uint64 when)
{
	if (firmware.use_sstc)
		asm volatile("csrw %0, %1" : : "i"(CSR_STIMECMP), "r"(when));
	else
		sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, when, 0, 0);
}

/* Without the IPI extension an idle hart wakes at its next timer tick. */
void
hart_kick(int hartid)
{
	if (firmware.has_ipi)
		sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1UL << hartid, 0, 0);
}

/* One banner line: which firmware, and how each job is done. */
void
sbi_report(void)
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
