/*
 * Register layouts shared between C and assembly: the trap frame
 * (trampoline.S), the kernel context (switch.S) and the floating-point
 * save area (fpregs.S).
 *
 * The offsets are defined once, here, as macros the assembly uses; the C
 * structs below are checked against them with _Static_assert, so changing
 * a struct without the offsets (or the other way round) does not compile.
 */
#ifndef COWBIRD_REGS_H
#define COWBIRD_REGS_H

/* struct trapframe: x[i] holds user register xi; x[0] holds the user pc. */
#define TF_X(i)  ((i)*8)
#define TF_PC    TF_X(0)
#define TF_KSATP 256
#define TF_KSP   264
#define TF_KTRAP 272
#define TF_KHART 280
#define TF_SIZE  288

/* struct context: what a kernel thread keeps across switch(). */
#define CTX_RA   0
#define CTX_SP   8
#define CTX_S(i) (16 + (i)*8) /* s0 .. s11 */
#define CTX_SIZE 112

/* struct fpstate: f0 .. f31, then fcsr. */
#define FP_F(i) ((i)*8)
#define FP_FCSR 256

#ifndef __ASSEMBLER__
#include "kernel/types.h"

enum {
	REG_PC = 0,
	REG_RA = 1,
	REG_SP = 2,
	REG_A0 = 10,
	REG_A1 = 11,
	REG_A7 = 17
};

/* The page at TRAPFRAME in every user address space. */
struct trapframe {
	uint64 x[32];         /* user registers; x[0] is the user pc */
	uint64 kernel_satp;   /* the kernel page table, for uservec */
	uint64 kernel_sp;     /* top of this process's kernel stack */
	uint64 kernel_trap;   /* usertrap() */
	uint64 kernel_hartid; /* tp in the kernel: the hart's struct cpu */
};

struct context {
	uint64 ra;
	uint64 sp;
	uint64 s[12];
};

/* A user process's floating-point state; kernel/arch/fpu.c keeps the rules. */
struct fpstate {
	uint64 f[32];
	uint64 fcsr;
	int used; /* the process has executed an FP instruction */
	int hart; /* hart whose registers were last loaded from here, or -1 */
};

#define REGS_OFFSET_IS(type, field, off)                                \
	_Static_assert(__builtin_offsetof(struct type, field) == (off), \
	    #type "." #field " is not at " #off " as the assembly expects")

REGS_OFFSET_IS(trapframe, x[0], TF_PC);
REGS_OFFSET_IS(trapframe, x[31], TF_X(31));
REGS_OFFSET_IS(trapframe, kernel_satp, TF_KSATP);
REGS_OFFSET_IS(trapframe, kernel_sp, TF_KSP);
REGS_OFFSET_IS(trapframe, kernel_trap, TF_KTRAP);
REGS_OFFSET_IS(trapframe, kernel_hartid, TF_KHART);
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe size");
REGS_OFFSET_IS(context, ra, CTX_RA);
REGS_OFFSET_IS(context, sp, CTX_SP);
REGS_OFFSET_IS(context, s[0], CTX_S(0));
REGS_OFFSET_IS(context, s[11], CTX_S(11));
_Static_assert(sizeof(struct context) == CTX_SIZE, "context size");
REGS_OFFSET_IS(fpstate, f[31], FP_F(31));
REGS_OFFSET_IS(fpstate, fcsr, FP_FCSR);

#endif /* __ASSEMBLER__ */
#endif
