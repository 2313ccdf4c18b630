/*
 * kernel/sys: the system-call layer, the top of the kernel: system-call
 * dispatch and argument fetching, the system calls, exec, and trap
 * dispatch.  It uses every layer below it (fs, dev, proc, mm, lib, arch)
 * and nothing below uses it: arch reaches the trap handlers only through
 * the pointers main() registers (trap_set_handlers).
 */
#ifndef COWBIRD_SYS_H
#define COWBIRD_SYS_H

#include "kernel/types.h"
#include "kernel/lib/lib.h"

/* trap.c: the handlers main() registers with arch, and the clock. */
void usertrap(void);
void kernel_trap_dispatch(void);
extern struct spinlock tick_lock;
extern uint ticks;
extern uint hart_ticks[]; /* per-hart timer interrupts, for self-tests */

/* syscall.c: dispatch, and fetching system-call arguments from the trap frame. */
void syscall_dispatch(void);
int arg_int(int n);
uint64 arg_addr(int n);
int arg_str(int n, char *buf, int max);   /* length, or -1 */
int fetch_addr(uint64 addr, uint64 *out); /* a uint64 at a user address */
int fetch_str(uint64 addr, char *buf, int max);

/* sysproc.c: the process's files are this layer's, so fork and exit add them here. */
void start_init(void); /* the first process's first code: mount, exec /init */
void exit_process(int status) __attribute__((noreturn));

/* sysmmap.c: gives mm the file operations its mappings need (main.c) */
void mmap_init(void);

/* exec.c */
int exec(char *path, char **argv);

#endif
