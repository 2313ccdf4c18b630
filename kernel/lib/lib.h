/*
 * kernel/lib: spinlocks, strings, kprintf and panic.  lib/ sits on the
 * per-hart layer (kernel/arch/cpu.h) and calls nothing above it: kprintf
 * reaches the console through the output function main() registers.
 */
#ifndef COWBIRD_LIB_H
#define COWBIRD_LIB_H

#include "kernel/types.h"
#include "kernel/arch/cpu.h"

/* ---- spinlocks (spinlock.c): fair (ticket) locks ----
 * Holding a spinlock keeps interrupts off on this hart (push_off/pop_off).  Sleep locks and wait queues are the scheduler's:
 * kernel/proc/sync.h.
 */
struct cpu;
struct spinlock {
	uint next;    /* next ticket to hand out */
	uint serving; /* ticket now allowed in; free when next == serving */
	struct cpu *holder; /* hart holding it, or 0 */
	void *locked_at;    /* where the holder took it (its spin_lock's pc) */
	const char *name;
	struct lock_kind *kind; /* its statistics (lockstat.c); 0 until first use */
};

/* For a lock initialised statically: struct spinlock x = SPINLOCK_INIT("x"); */
#define SPINLOCK_INIT(lockname)    \
	{                          \
		.name = (lockname) \
	}

void spin_init(struct spinlock *lk, const char *name);
static inline void spin_lock(struct spinlock *lk);   /* below */
static inline void spin_unlock(struct spinlock *lk); /* below */
int spin_holding(struct spinlock *lk);

/*
 * push_off/pop_off nest: interrupts come back on only when the outermost
 * push_off is undone and they were on before it.  Spinlocks use them.
 */
void push_off(void);
void pop_off(void);

/* ---- lock statistics (lockstat.c): counts per kind (name) of lock ---- */
#define LOCK_KINDS_MAX 32
struct lock_kind {
	const char *name; /* 0 while the record is free */
	uint64 acquired;
	uint64 contended;
};
struct lock_kind *lock_kind_of(const char *name); /* finds or adds; no lock taken */

/*
 * Count one acquisition of a lock of kind k.  Inline: every spin_lock runs
 * it.  Relaxed atomic adds: harts holding different locks of one kind
 * bump the same record at once, and the counts order nothing (lockstat.c).
 */
static inline void
lock_kind_count(struct lock_kind *k, int contended)
{
	__atomic_fetch_add(&k->acquired, 1, __ATOMIC_RELAXED);
	if (contended)
		__atomic_fetch_add(&k->contended, 1, __ATOMIC_RELAXED);
}

/* Record i's figures; -1 past the last record. */
int lock_kind_get(int i, const char **name, uint64 *acquired, uint64 *contended);
void lock_kinds_reset(void);

/*
 * The lock paths, inline (spinlock.c explains the protocol): a system
 * call runs a score of them, and a call with its stack frame cost about
 * as much as the work.  The rare paths stay out of line in spinlock.c:
 * waiting for a contended lock, a statically initialised lock's first
 * use, the panics.
 */
void spin_wait_turn(struct spinlock *lk, uint ticket);
void spin_first_use(struct spinlock *lk);
void spin_panic_relock(struct spinlock *lk) __attribute__((noreturn));
void spin_panic_unlock(struct spinlock *lk) __attribute__((noreturn));
void spin_panic_pop_off(struct cpu *c) __attribute__((noreturn));

/* push_off for the lock paths, which need this hart's struct cpu anyway. */
static inline struct cpu *
spin_push_off(void)
{
	int were_on = intr_off_was_on();
	struct cpu *c = mycpu();

	if (c->off_depth++ == 0)
		c->on_before = were_on;
	return c;
}

static inline void
spin_pop_off(struct cpu *c)
{
	if (intr_get() || c->off_depth <= 0)
		spin_panic_pop_off(c);
	if (--c->off_depth == 0 && c->on_before)
		intr_on();
}

static inline void
spin_lock(struct spinlock *lk)
{
	struct cpu *c = spin_push_off();
	uint ticket, now;
	int contended;
	void *pc;

	/*
	 * An unlocked read, which another hart may be writing: only this
	 * hart ever stores c here and it clears it before releasing, so
	 * whatever stale value the load sees is c only if we hold lk.  An
	 * aligned doubleword load is single-copy atomic on RISC-V; a plain
	 * access keeps the lock path short (relaxed atomics cost a pipe
	 * round trip 46 instructions: the compiler no longer combines them).
	 */
	if (lk->holder == c)
		spin_panic_relock(lk);
	/* Relaxed: a ticket orders nothing; seeing it served (acquire) does. */
	ticket = __atomic_fetch_add(&lk->next, 1, __ATOMIC_RELAXED);
	now = __atomic_load_n(&lk->serving, __ATOMIC_ACQUIRE);
	if (now != ticket)
		spin_wait_turn(lk, ticket);
	contended = now != ticket;
	asm volatile("auipc %0, 0" : "=r"(pc)); /* this lock site, for panics */
	lk->holder = c;
	lk->locked_at = pc;
	if (lk->kind == 0)
		spin_first_use(lk);
	lock_kind_count(lk->kind, contended);
}

static inline void
spin_unlock(struct spinlock *lk)
{
	struct cpu *c = mycpu(); /* interrupts are off if we hold lk */

	if (lk->holder != c)
		spin_panic_unlock(lk);
	lk->holder = 0; /* see spin_lock */
	lk->locked_at = 0;
	/* Release: our critical section before the next holder's. */
	__atomic_store_n(&lk->serving, lk->serving + 1, __ATOMIC_RELEASE);
	spin_pop_off(c);
}

/* ---- strings (string.c) ---- */
void *memset(void *dst, int c, uint n);
void *memmove(void *dst, const void *src, uint n);
void *memcpy(void *dst, const void *src, uint n);
int memcmp(const void *a, const void *b, uint n);
int strncmp(const char *a, const char *b, uint n);
char *strncpy(char *dst, const char *src, int n);
char *strlcpy_k(char *dst, const char *src, int n); /* always NUL-terminates */
int strlen(const char *s);
void page_copy(void *dst, const void *src); /* one PGSIZE page, doubleword copies */
void page_zero(void *dst);
void page_fill(void *dst, uint64 pattern); /* every doubleword = pattern */

/* ---- console output and panic (printf.c) ----
 * kprintf takes a lock so lines from different harts never interleave.
 */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void backtrace(void);
void printf_init(void (*putc)(int c)); /* where kprintf's characters go */
extern volatile int panicked; /* set once; every hart stops when it sees it */

#define ASSERT(cond)                                                           \
	do {                                                                   \
		if (!(cond))                                                   \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, \
			    __LINE__);                                         \
	} while (0)

/* Invariant checks that cost time: compiled in debug builds only (DEBUG=0 leaves them out). */
#ifdef DEBUG_CHECKS
#define DEBUG_ASSERT(cond) ASSERT(cond)
#else
#define DEBUG_ASSERT(cond) \
	do {               \
	} while (0)
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
