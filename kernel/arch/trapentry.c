/*
 * Trap entry and exit, the machine's half.  kernelvec.S and the
 * trampoline (uservec, userret) save and restore registers; this file
 * points stvec at them, keeps a supervisor trap's sepc and sstatus across
 * its handler, and builds the way back to user mode.
 *
 * What a trap means (a system call, a device, a fault) is decided a layer
 * up, by the system-call layer (kernel/sys/trap.c), whose two handlers
 * main() registers with trap_set_handlers: arch calls nothing above it.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"

extern char trampoline[], uservec[], userret[];
void kernelvec(void);

static void (*user_handler)(void);
static void (*kernel_handler)(void);

void
trap_set_handlers(void (*user)(void), void (*kernel)(void))
{
	user_handler = user;
	kernel_handler = kernel;
}

void
trap_init_hart(void)
{
	CSR_WRITE(stvec, (uint64)kernelvec);
}

void
timer_arm(void)
{
	timer_set(r_time() + TICK_INTERVAL);
}

/* kernelvec.S calls this with the interrupted code's registers saved. */
void
kerneltrap(void)
{
	uint64 sepc = CSR_READ(sepc);
	uint64 sstatus = CSR_READ(sstatus);

	kernel_handler();

	/*
	 * The handler may have yielded, and code that ran meanwhile trapped:
	 * restore ours, but keep the FP state as the switch left it (fpu.c
	 * owns it).
	 */
	CSR_WRITE(sepc, sepc);
	CSR_WRITE(sstatus,
	    (sstatus & ~SSTATUS_FS) | (CSR_READ(sstatus) & SSTATUS_FS));
}

/*
 * Back to user mode through userret in the trampoline, with interrupts
 * off (until sret, a trap would go to uservec with kernel state).  The
 * next trap from user mode comes back on kernel_sp to the user handler.
 */
void
trap_return_user(struct trapframe *tf, uint64 kernel_sp, uint64 satp)
{
	uint64 tramp_uservec = TRAMPOLINE + (uservec - trampoline);
	uint64 tramp_userret = TRAMPOLINE + (userret - trampoline);
	uint64 sstatus;

	CSR_WRITE(stvec, tramp_uservec);

	tf->kernel_satp = CSR_READ(satp);
	tf->kernel_sp = kernel_sp;
	tf->kernel_trap = (uint64)user_handler;
	tf->kernel_hartid = r_tp();

	sstatus = CSR_READ(sstatus);
	sstatus &= ~SSTATUS_SPP; /* sret to user mode */
	sstatus |= SSTATUS_SPIE; /* with interrupts on */
	CSR_WRITE(sstatus, sstatus);

	((void (*)(uint64))tramp_userret)(satp);
	__builtin_unreachable();
}
