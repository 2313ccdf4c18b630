/*
 * Crash injection for the crash tests (tools/crashtest.py, make crashtest).
 *
 * Booted with `-append crashafter=K`, the machine powers off the moment
 * its K-th disk write has completed: the write is on the disk, nothing
 * after it is, and no code runs in between that could tidy up.  K counts
 * every completed write since boot (log recovery's included), so a fixed
 * workload on a fixed image is crashed at the same point every time, and
 * a test can crash it after each of its writes in turn.
 *
 * The power-off is the virt board's test device (SiFive "test finisher"):
 * a store of 0x5555 to VIRT_TEST makes QEMU exit at once.  Without the
 * boot argument this file does nothing but count.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/arch/fdt.h"
#include "kernel/lib/lib.h"
#include "kernel/dev/dev.h"

#define FINISHER_PASS 0x5555

static uint64 crash_after; /* 0: never */
static int parsed;
static uint64 writes_done;

/* The value of "crashafter=K" on the command line, or 0. */
static uint64
parse_crash_after(void)
{
	const char *key = "crashafter=";
	const char *s = boot_info.cmdline;
	uint64 k = 0;
	int n = strlen(key);

	while (*s) {
		while (*s == ' ')
			s++;
		if (strncmp(s, key, n) == 0) {
			for (s += n; *s >= '0' && *s <= '9'; s++)
				k = k * 10 + (*s - '0');
			return k;
		}
		while (*s && *s != ' ')
			s++;
	}
	return 0;
}

static void
say(const char *s)
{
	while (*s)
		uart_putc_sync(*s++);
}

static void __attribute__((noreturn)) power_off(uint64 k)
{
	char digits[24];
	int i = sizeof(digits) - 1;

	digits[i] = 0;
	do {
		digits[--i] = '0' + k % 10;
		k /= 10;
	} while (k > 0);
	say("\ncrashpoint: power off after disk write ");
	say(digits + i);
	say("\n");
	*(volatile uint32 *)VIRT_TEST = FINISHER_PASS;
	for (;;)
		;
}

/*
 * Called by the disk driver as each request completes, with its lock held
 * (so completions are counted one at a time, in the order they happened).
 */
void
crashpoint_disk_done(int write)
{
	if (!parsed) {
		crash_after = parse_crash_after();
		parsed = 1;
	}
	if (!write)
		return;
	writes_done++;
	if (crash_after != 0 && writes_done == crash_after)
		power_off(writes_done);
}
