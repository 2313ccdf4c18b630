/*
 * Per-hart state: the lowest layer of the kernel.
 * It includes nothing but the register layouts; lib/ (spinlocks) builds
 * on it.  A hart finds its struct cpu through its hart id, which lives in
 * tp from start-up on (trampoline.S restores it on every trap from user).
 *
 * Fields other layers own are stored here only because they are per hart;
 * the arch code never looks inside them.
 */
#ifndef COWBIRD_CPU_H
#define COWBIRD_CPU_H

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/regs.h"

struct proc;
struct cow_tally;

struct cpu {
	int hartid;  /* first: cpuid() (arch.h) reads it through tp */
	int started; /* checked in at boot */

	/* Interrupt nesting (lib's push_off/pop_off); touched only by this hart. */
	int off_depth; /* push_off calls not yet undone */
	int on_before; /* were interrupts on at the outermost push_off? */

	/* Owned by the scheduler (kernel/proc/sched.c). */
	struct proc *proc;   /* running here, or 0 */
	struct context idle; /* the hart's scheduler loop */
	pagetable_t user_pt; /* address space of proc, for mm's user copies */
	struct cow_tally *user_tally; /* proc's COW counters, for mm/cow.c */

	/* Whose floating-point registers are loaded in this hart (fpu.c). */
	const struct fpstate *fpu_loaded;
};

extern struct cpu cpus[NCPU];

_Static_assert(__builtin_offsetof(struct cpu, hartid) == 0,
    "cpuid() reads the hart id at tp");

/*
 * tp holds &cpus[hartid] in the kernel (start-up sets it with cpu_set_tp,
 * the trampoline restores it on every trap from user mode), so finding
 * this hart's state costs nothing.  Only meaningful with interrupts off:
 * otherwise the process may move.
 */
static inline struct cpu *
mycpu(void)
{
	return (struct cpu *)r_tp();
}

/*
 * A pointer field of this hart's struct cpu, read by one load through tp.
 * An interrupt cannot split one instruction, so unlike mycpu()->field it
 * needs no interrupts off: a thread that moves to another hart reads the
 * field of whichever hart it runs on at that instruction.  The "memory"
 * clobber keeps the load after this hart's earlier plain stores to the
 * field (exec sets user_pt, then copies out through it).
 */
#define THIS_CPU_PTR(field)                                                \
	({                                                                 \
		__typeof__(cpus[0].field) __v;                             \
		_Static_assert(sizeof(__v) == 8, "one ld: 8-byte fields"); \
		asm volatile("ld %0, %1(tp)"                               \
			     : "=r"(__v)                                   \
			     : "i"(__builtin_offsetof(struct cpu, field))  \
			     : "memory");                                  \
		__v;                                                       \
	})

/* Start-up, each hart once: point tp at its struct cpu. */
void cpu_set_tp(uint64 hartid);

/*
 * Interrupt another hart, to wake it from wfi, with a supervisor software
 * interrupt that does nothing but clear itself (trap.c).  Without firmware
 * (start.c) it goes through the CLINT as a machine software interrupt,
 * which machine mode (kickvec.S) passes down; under SBI firmware (sbi.c)
 * the IPI extension sends it.
 */
void hart_kick(int hartid);

/* switch.S: save the running kernel thread in *from, resume *to. */
void switch_context(struct context *from, struct context *to);

/* fpu.c / fpregs.S: user floating point (see fpu.c for the protocol). */
void fpu_save(struct fpstate *fs);       /* fpregs.S */
void fpu_load(const struct fpstate *fs); /* fpregs.S */
void fpu_reset(struct fpstate *fs);      /* a new program: FP off until used */
void fpu_first_use(struct fpstate *fs);  /* turn FP on for this process */
void fpu_save_if_dirty(struct fpstate *fs);              /* interrupts off */
void fpu_enter_user(struct fpstate *fs);                 /* interrupts off */
void fpu_copy(struct fpstate *to, struct fpstate *from); /* fork */

#endif
