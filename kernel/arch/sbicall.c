/*
 * Calls into SBI firmware (make SBI=1), and what the kernel asks of it
 * once running: the timer and kicks between harts.  Kept apart from the
 * start-up (sbi.c), which enters kmain, so that the rest of the kernel
 * reaches these without an arrow up to the boot code.
 *
 * Calling convention (SBI v0.2 and later): a7 = extension id, a6 =
 * function id, a0..a5 arguments; the firmware returns an error code in a0
 * (0 for success) and a value in a1.
 */
#include "kernel/types.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/sbi.h"

struct sbi_firmware firmware;

struct sbiret
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
