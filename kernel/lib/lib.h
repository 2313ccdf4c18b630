/*
 * kernel/lib: locks, strings, the console printf and panic.
 */
#ifndef COWBIRD_LIB_H
#define COWBIRD_LIB_H

#include "kernel/types.h"

/* ---- spinlocks (spinlock.c) ----
 * Holding a spinlock keeps interrupts off on this hart; push_off/pop_off
 * nest, and interrupts come back on only when the outermost holder lets go
 * and they were on before the first push_off.
 */
struct spinlock {
	uint locked;
	const char *name;
	struct cpu *owner;   /* hart holding it, for recursion checks */
};

void spin_init(struct spinlock *lk, const char *name);
void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);
int  spin_holding(struct spinlock *lk);
void push_off(void);
void pop_off(void);

/* ---- sleep locks (sleeplock.c): may be held across a sleep ---- */
struct sleeplock {
	uint locked;
	struct spinlock lk;   /* protects this struct */
	const char *name;
	int pid;              /* holder */
};

void sleep_lock_init(struct sleeplock *lk, const char *name);
void sleep_lock(struct sleeplock *lk);
void sleep_unlock(struct sleeplock *lk);
int  sleep_holding(struct sleeplock *lk);

/* ---- strings (string.c) ---- */
void *memset(void *dst, int c, uint n);
void *memmove(void *dst, const void *src, uint n);
void *memcpy(void *dst, const void *src, uint n);
int   memcmp(const void *a, const void *b, uint n);
int   strncmp(const char *a, const char *b, uint n);
char *strncpy(char *dst, const char *src, int n);
char *strlcpy_k(char *dst, const char *src, int n);   /* always NUL-terminates */
int   strlen(const char *s);
void  page_copy(void *dst, const void *src);          /* one PGSIZE page, doubleword copies */
void  page_zero(void *dst);
void  page_fill(void *dst, uint64 pattern);          /* every doubleword = pattern */

/* ---- console output and panic (printf.c) ----
 * kprintf takes a lock so lines from different harts never interleave.
 */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void backtrace(void);
void printf_init(void);
extern volatile int panicked;   /* set once; every hart stops when it sees it */

#define ASSERT(cond) \
	do { if (!(cond)) panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); } while (0)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
