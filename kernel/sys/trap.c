/*
 * Trap dispatch: system calls, device and timer interrupts, and page faults.
 *
 * From user mode a trap arrives through the trampoline (uservec) at
 * usertrap(); from supervisor mode through kernelvec and arch's
 * kerneltrap() at kernel_trap_dispatch().  arch/trapentry.c holds the
 * machine's half of entry and exit; main() registers these two handlers
 * with it, so this layer sits above everything it dispatches to.
 * A fault in user mode never reaches a panic: kernel/mm decides what a
 * page fault means (vm_user_fault: a copy-on-write store is resolved),
 * everything else kills only the faulting process, with one line saying
 * why.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/fdt.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"
#include "kernel/sys/sys.h"

struct spinlock tick_lock = SPINLOCK_INIT("ticks");
uint ticks;
uint hart_ticks[NCPU];

static void
timer_tick(void)
{
	if (panicked) {
		/* Another hart panicked: stop here, interrupts stay off. */
		intr_off();
		for (;;)
			asm volatile("wfi");
	}
	hart_ticks[cpuid()]++;
	if (cpuid() == boot_info.boot_hart) {
		spin_lock(&tick_lock);
		ticks++;
		waitq_wake_due(ticks);
		spin_unlock(&tick_lock);
	}
	timer_arm();
}

enum intr_kind { INTR_NONE, INTR_DEVICE, INTR_TIMER, INTR_KICK };

static enum intr_kind
device_interrupt(uint64 scause)
{
	int irq;

	if (scause == (SCAUSE_INTR | 5)) {
		timer_tick();
		return INTR_TIMER;
	}
	if (scause == (SCAUSE_INTR | 1)) {
		/* hart_kick: waking this hart from wfi was all it had to do. */
		CSR_WRITE(sip, CSR_READ(sip) & ~SIE_SSIE);
		return INTR_KICK;
	}
	if (scause != (SCAUSE_INTR | 9))
		return INTR_NONE;

	irq = plic_claim();
	if (irq == UART0_IRQ)
		uart_intr();
	else if (irq == VIRTIO0_IRQ)
		virtio_disk_intr();
	else if (irq != 0)
		kprintf("unexpected interrupt irq=%d\n", irq);
	if (irq != 0)
		plic_complete(irq);
	return INTR_DEVICE;
}

static const char *
fault_kind(uint64 scause)
{
	switch (scause) {
	case SCAUSE_IPAGEFAULT:
		return "instruction page fault";
	case SCAUSE_LPAGEFAULT:
		return "load page fault";
	case SCAUSE_SPAGEFAULT:
		return "store page fault";
	case 1:
		return "instruction access fault";
	case 5:
		return "load access fault";
	case 7:
		return "store access fault";
	case 0:
		return "misaligned instruction";
	case 2:
		return "illegal instruction";
	default:
		return "unexpected trap";
	}
}

#ifndef USER_LISTINGS
#define USER_LISTINGS "build/<config>/user"
#endif

/* One line: what, where, and the listing in which to look the pc up. */
static void
kill_for_fault(struct proc *p, uint64 scause, uint64 va, const char *reason)
{
	kprintf("pid %d (%s): killed: %s (%s) at 0x%lx, pc 0x%lx; see " USER_LISTINGS
		"/%s.asm\n",
	    p->pid, p->name, fault_kind(scause), reason, va,
	    p->trapframe->x[REG_PC], p->name);
	proc_set_killed(p);
}

void
usertrap(void)
{
	struct proc *p = myproc();
	uint64 scause = CSR_READ(scause);
	enum intr_kind intr = INTR_NONE;

	if (CSR_READ(sstatus) & SSTATUS_SPP)
		panic("usertrap: not from user mode");
	/* From here on, traps are the kernel's own: stvec back to kernelvec. */
	trap_init_hart();

	if (scause == SCAUSE_ECALL_U) {
		syscall_dispatch();
	} else if (scause == SCAUSE_ILLEGAL && !p->fpu.used &&
	    (CSR_READ(sstatus) & SSTATUS_FS) == SSTATUS_FS_OFF) {
		/* Maybe its first FP instruction: turn FP on, run it again (fpu.c). */
		fpu_first_use(&p->fpu);
	} else if ((intr = device_interrupt(scause)) != INTR_NONE) {
		/* handled */
	} else if (scause == SCAUSE_SPAGEFAULT || scause == SCAUSE_LPAGEFAULT ||
	    scause == SCAUSE_IPAGEFAULT) {
		const char *why = vm_user_fault(
		    p->pagetable, scause, CSR_READ(stval), p->stack_base);

		if (why)
			kill_for_fault(p, scause, CSR_READ(stval), why);
	} else {
		kill_for_fault(
		    p, scause, CSR_READ(stval), "bad instruction or access");
	}

	if (proc_is_killed(p))
		exit_process(-1);
	if (intr == INTR_TIMER)
		yield();
	usertrap_return();
}

/* A trap in supervisor mode; arch's kerneltrap keeps sepc and sstatus. */
void
kernel_trap_dispatch(void)
{
	uint64 scause = CSR_READ(scause);
	enum intr_kind intr;

	if ((CSR_READ(sstatus) & SSTATUS_SPP) == 0)
		panic("kerneltrap: not from supervisor mode");
	if (intr_get())
		panic("kerneltrap: interrupts enabled");

	intr = device_interrupt(scause);
	if (intr == INTR_NONE)
		panic("unexpected kernel trap: scause 0x%lx (%s), sepc 0x%lx, stval 0x%lx, hart %d",
		    scause, fault_kind(scause), CSR_READ(sepc), CSR_READ(stval),
		    cpuid());

	if (intr == INTR_TIMER && myproc() != 0 && myproc()->state == RUNNING)
		yield();
}
