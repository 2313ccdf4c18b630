/*
 * SBI calls (sbicall.c), for the supervisor-mode start-up under firmware
 * (sbi.c).  Used by those two files only.
 */
#ifndef KERNEL_ARCH_SBI_H
#define KERNEL_ARCH_SBI_H

#include "kernel/types.h"

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

struct sbiret {
	long error; /* 0: success */
	long value;
};

struct sbiret sbi_call(
    uint64 ext, uint64 fn, uint64 arg0, uint64 arg1, uint64 arg2);

#endif
