/*
 * kernel/arch: machine start-up, CSR access, trap entry, the interrupt
 * controller and the timer.
 */
#ifndef COWBIRD_ARCH_H
#define COWBIRD_ARCH_H

#include "kernel/types.h"
#include "kernel/riscv.h"

/* mstatus */
#define MSTATUS_MPP_MASK (3L << 11)
#define MSTATUS_MPP_S    (1L << 11)
#define MSTATUS_MIE      (1L << 3)
#define MIE_MSIE         (1L << 3) /* mie: machine software interrupt */

/* sstatus */
#define SSTATUS_SPP      (1L << 8) /* previous mode: 1 supervisor, 0 user */
#define SSTATUS_SPIE     (1L << 5)
#define SSTATUS_SIE      (1L << 1)
#define SSTATUS_SUM      (1L << 18)
#define SSTATUS_FS       (3L << 13) /* floating-point unit state: */
#define SSTATUS_FS_OFF   (0L << 13) /*   FP instructions trap */
#define SSTATUS_FS_CLEAN (2L << 13) /*   registers equal the saved copy */
#define SSTATUS_FS_DIRTY (3L << 13) /*   written since last saved */

/* sie / sip */
#define SIE_SSIE (1L << 1)
#define SIE_STIE (1L << 5)
#define SIE_SEIE (1L << 9)

/* scause values */
#define SCAUSE_INTR       (1UL << 63)
#define SCAUSE_ILLEGAL    2
#define SCAUSE_ECALL_U    8
#define SCAUSE_IPAGEFAULT 12
#define SCAUSE_LPAGEFAULT 13
#define SCAUSE_SPAGEFAULT 15

#define SATP_SV39     (8L << 60)
#define MAKE_SATP(pt) (SATP_SV39 | (((uint64)(pt)) >> 12))

#define CSR_READ(name)                                       \
	({                                                   \
		uint64 __v;                                  \
		asm volatile("csrr %0, " #name : "=r"(__v)); \
		__v;                                         \
	})
#define CSR_WRITE(name, v) \
	asm volatile("csrw " #name ", %0" : : "r"((uint64)(v)))
/* The same for a general register (tp, s0): C cannot name them. */
#define REG_READ(reg)                                     \
	({                                                \
		uint64 __v;                               \
		asm volatile("mv %0, " #reg : "=r"(__v)); \
		__v;                                      \
	})

static inline uint64
r_tp(void)
{
	return REG_READ(tp);
}
static inline void
w_tp(uint64 x)
{
	asm volatile("mv tp, %0" : : "r"(x));
}
static inline uint64
r_fp(void)
{
	return REG_READ(s0);
}
static inline uint64
r_time(void)
{
	return CSR_READ(time);
}

static inline void
sfence_vma(void)
{
	asm volatile("sfence.vma zero, zero");
}

/* One instruction each: set or clear the bit, no read-modify-write. */
static inline void
intr_on(void)
{
	asm volatile("csrsi sstatus, %0" : : "i"(SSTATUS_SIE) : "memory");
}
static inline void
intr_off(void)
{
	asm volatile("csrci sstatus, %0" : : "i"(SSTATUS_SIE) : "memory");
}
/* Turn interrupts off; were they on? */
static inline int
intr_off_was_on(void)
{
	uint64 old;

	asm volatile("csrrci %0, sstatus, %1"
		     : "=r"(old)
		     : "i"(SSTATUS_SIE)
		     : "memory");
	return (old & SSTATUS_SIE) != 0;
}
static inline int
intr_get(void)
{
	return (CSR_READ(sstatus) & SSTATUS_SIE) != 0;
}

/*
 * From start-up on, tp points to this hart's struct cpu (cpu.h), whose
 * first field is the hart id: one load finds either.  Only meaningful
 * with interrupts off.
 */
static inline int
cpuid(void)
{
	return *(const int *)r_tp();
}

#define CSR_STIMECMP 0x14d      /* Sstc: supervisor timer deadline */
#define COUNTEREN_TM (1UL << 1) /* [ms]counteren: time */
#define COUNTEREN_IR (1UL << 2) /* [ms]counteren: instret */

/*
 * Start-up: start.c (machine mode, no firmware) or, with make SBI=1,
 * sbi.c (supervisor mode under SBI firmware).  Each hart then runs kmain
 * (main.c) in supervisor mode, and each start-up provides the timer.
 */
void kmain(void);
void timer_set(uint64 when);    /* a timer interrupt once time >= when */
void early_puts(const char *s); /* the UART, polled: before the console exists */

/* SBI=1: what the boot hart learned about the firmware (sbi.c). */
struct sbi_firmware {
	uint64 spec_version; /* major << 24 | minor */
	uint64 impl_id;
	uint64 impl_version;
	int has_ipi;
	int has_hsm;
	int use_sstc;      /* stimecmp works; else the TIME extension */
	int harts_started; /* by hart_start, not counting the boot hart */
};
extern struct sbi_firmware firmware;
#define SBI_IMPL_OPENSBI 1

/*
 * Trap entry and exit (trapentry.c).  The handlers that decide what a
 * trap means are registered from above (kernel/sys/trap.c).
 */
#define TICK_INTERVAL 1000000 /* mtime counts at 10 MHz: a tick is 1/10 s */
struct trapframe;
void trap_set_handlers(void (*user)(void), void (*kernel)(void));
void trap_init_hart(void); /* this hart's traps go to kernelvec */
void timer_arm(void);
void trap_return_user(struct trapframe *tf, uint64 kernel_sp, uint64 satp)
    __attribute__((noreturn));

/* PLIC (plic.c). */
void plic_init(void);
void plic_init_hart(void);
int plic_claim(void);
void plic_complete(int irq);

#endif
