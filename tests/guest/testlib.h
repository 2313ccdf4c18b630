/*
 * The guest test programs' library (tests/guest/testlib.c, linked into
 * every program of tests/guest/).  Result lines follow the protocol in
 * tests/run.py:
 *     ok <name>
 *     FAIL <name>: <reason>
 *     SKIP <name>: <reason>
 * Reasons are formatted by the user library's printf engine (vsnprintf);
 * each line is written with one write(), so a kernel diagnostic printed at
 * the same moment cannot split it.
 *
 * Only the parent prints results; children report through their exit
 * status (or a pipe), so lines never interleave.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fcntl.h"
#include "user/user.h"

struct vmstat;

/* Exit statuses a test child uses to describe what happened to it. */
#define ST_RETURNED 77      /* the child's function returned normally */
#define ST_GOOD     42      /* the child saw what the test expects */
#define ST_BAD      43      /* the child saw something else */
#define ST_NOFORK   (-1000) /* fork itself failed (never a real status) */

/* Results: one line each; fail and a false check count as failures. */
void ok(const char *name);
void fail(const char *name, const char *fmt, ...);
void skip(const char *name, const char *fmt, ...);
/* ok when cond holds, otherwise FAIL with the formatted reason. */
void check(int cond, const char *name, const char *fmt, ...);
/* An informational line; it starts with '#', never with ok/FAIL/SKIP. */
void note(const char *fmt, ...);
/* A failure reported some other way (a child's FAIL lines, say). */
void count_failure(void);
/*
 * Print "# finished, N failed" and exit 0 when nothing failed, 1 otherwise.
 * tests/run.py fails a program that calls finish() somewhere but printed no
 * such line: it was killed (or exited) before its last checks ran.
 */
void finish(void) __attribute__((noreturn));

/*
 * Hide a value from the optimizer, so that accesses through a constant
 * address are really made and not reasoned away.
 */
static inline uint64
opaque(uint64 x)
{
	asm volatile("" : "+r"(x));
	return x;
}

/* Wait for one particular child; other children that exit are dropped. */
int wait_pid(int pid, int *status);
/* Two pipes, or -1 with none left open (a handshake's two directions). */
int pipe_pair(int a[2], int b[2]);
/*
 * Run fn(arg) in a child and return the child's exit status: what fn
 * passed to exit(), ST_RETURNED if fn returned, -1 if it was killed, or
 * ST_NOFORK if no child could be made.
 */
int child_status(void (*fn)(uint64), uint64 arg);
/* A child's exit status in words, for a FAIL line. */
const char *status_word(int st);
/* fn(arg) must get its process killed: wait() status -1. */
void expect_killed(const char *name, void (*fn)(uint64), uint64 arg);
/*
 * Wait at most `ticks` clock ticks for child `pid`.  Returns 0 and stores
 * its status, or -1 if it did not exit in time (it is then killed and
 * reaped).  Use only when `pid` is the caller's only child: a watchdog
 * child measures the time, and other children's exits would be dropped.
 */
int wait_timeout(int pid, int ticks, int *status);

/* xorshift64: a small, replayable pseudo-random sequence; *state != 0. */
uint64 xorshift(uint64 *state);
/* Read the whole file (up to n bytes) into b; return the byte count. */
int slurp(const char *path, char *b, int n);
/* A recognizable byte pattern that depends on the position. */
uchar pattern_byte(uint64 pos, uint seed);
void fill_pattern(char *buf, int n, uint64 start, uint seed);
/* Index of the first byte that differs from the pattern, or -1. */
int find_mismatch(const char *buf, int n, uint64 start, uint seed);
/*
 * A new file at path (one of that name is removed first) holding n bytes
 * of pattern seed; -1 (and a note) if it could not be written, else 0.
 */
int make_pattern_file(const char *path, int n, uint seed);

/* What mmap and sbrk return when they fail. */
#define FAILED ((char *)-1)
/*
 * The file at path opened with omode, len bytes of it from offset 0
 * mapped with prot and flags, and closed again (the mapping keeps the
 * file): the mapping's address, or FAILED if open or mmap failed.
 */
char *map_file(const char *path, int omode, int len, int prot, int flags);
/*
 * make_pattern_file(path, n, seed), opened O_RDWR and len bytes of it
 * mapped shared and writable, the descriptor left open in *fdp: the
 * mapping, or FAILED after a FAIL line for name (nothing left open).
 */
char *map_new_shared(
    const char *path, int n, uint seed, int len, int *fdp, const char *name);
/* The refcount audit (vmstat -c) finds nothing wrong: 1, else 0. */
int audit_clean(void);

/*
 * Addresses that no user access and no system call may use (t_badptr,
 * t_fault).  bad_address() is meant to be called in the process that will
 * use the address: the guard page and the freed heap are its own.
 */
enum badkind {
	BAD_UNMAPPED,   /* a page above the heap: sbrk(0) rounded up + 1 page */
	BAD_KERNEL,     /* KERNBASE, where the kernel lives */
	BAD_GUARD,      /* the page below the stack page */
	BAD_MAXVA,      /* the first address above user space */
	BAD_ALLONES,    /* 0xffff...ffff: address + length wraps around */
	BAD_FREED,      /* heap memory given back with sbrk(-n) */
	BAD_TRAPFRAME,  /* mapped, but not user-accessible */
	BAD_TRAMPOLINE, /* mapped, but not user-accessible */
	NBADKINDS
};

const char *badkind_name(int k);
/* Grow the heap so that it ends exactly on a page boundary; return the end. */
uint64 heap_end_aligned(void);
uint64 bad_address(int k);

/*
 * Map every page of this program now (exec maps them on first touch),
 * so that a count of free frames around a subtest does not see the
 * program's own code and data come in.  Once; frames_free calls it.
 */
void image_resident(void);
/* The same, now, leaving the pages of [lo, hi) untouched. */
void image_resident_except(uint64 lo, uint64 hi);
/*
 * The frames vmstat reports free now (after image_resident), plus those
 * only the page cache holds (freed when memory runs short): a leak lowers
 * it, caching does not.
 */
uint64 frames_free(void);
/* What frames_free counts, from a vmstat already taken. */
uint64 frames_available(const struct vmstat *st);

#endif
