/*
 * The platform-level interrupt controller: routes the UART and disk
 * interrupts to the supervisor-mode context of every hart.
 */
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"

#define PLIC_PRIORITY(irq)    (PLIC + 4 * (irq))
#define PLIC_SCONTEXT(hart)   (2 * (hart) + 1)
#define PLIC_SENABLE(hart)    (PLIC + 0x2000 + PLIC_SCONTEXT(hart) * 0x80)
#define PLIC_STHRESHOLD(hart) (PLIC + 0x200000 + PLIC_SCONTEXT(hart) * 0x1000)
#define PLIC_SCLAIM(hart)     (PLIC_STHRESHOLD(hart) + 4)

#define REG32(a) (*(volatile uint32 *)(a))

void
plic_init(void)
{
	REG32(PLIC_PRIORITY(UART0_IRQ)) = 1;
	REG32(PLIC_PRIORITY(VIRTIO0_IRQ)) = 1;
}

void
plic_init_hart(void)
{
	int hart = cpuid();

	REG32(PLIC_SENABLE(hart)) = (1 << UART0_IRQ) | (1 << VIRTIO0_IRQ);
	REG32(PLIC_STHRESHOLD(hart)) = 0;
}

int
plic_claim(void)
{
	return REG32(PLIC_SCLAIM(cpuid()));
}

void
plic_complete(int irq)
{
	REG32(PLIC_SCLAIM(cpuid())) = irq;
}
