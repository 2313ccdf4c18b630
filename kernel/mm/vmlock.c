/*
 * The VM lock: a reader/writer spin lock that lets the refcount audit see
 * page tables and frame counts that agree.
 *
 * Shared holders are the paths that change a mapping of a live address
 * space or the count of a frame a mapping holds: fork sharing one table,
 * a COW fault, copyout into a COW page, sbrk, exec and exit tearing down.
 * Each holds it for one short step that leaves every invariant of frame.c
 * and cow.c true again (one table shared, one page resolved, one table
 * released), so many harts work at once and the lock costs two atomic
 * operations per step.  The audit (vmcheck.c) holds it exclusive: while it
 * counts, nobody is half-way through a step.
 *
 * Rules: shared holders never sleep and never take the lock again (it is
 * not recursive: a waiting writer stops new readers).  Interrupts stay off
 * while it is held, so a holder is never switched out and a spinning
 * writer always gets it in the end.  Order: vm lock, then the frame
 * locks (a frame cache's, then frame_lock) and the address-space
 * registry's lock, never the other way round.
 *
 * Memory ordering: taking the lock is Dekker's pattern.  A reader
 * announces itself (readers + 1) and then reads writer; the writer
 * announces itself (writer = 1) and then reads readers.  Each side's store
 * must be ordered before its own load, which only SEQ_CST gives (a full
 * fence on RISC-V); then at least one side sees the other, so never both
 * go ahead.  Those SEQ_CST accesses also acquire the lock.  Unlocking
 * needs only RELEASE: the holder's page-table and count stores must be
 * visible to the next one to take the lock, whose SEQ_CST read acquires.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/arch/arch.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

static struct {
	int writer;  /* 1 while the audit holds or waits for the lock */
	int readers; /* shared holders */
} vmlock;

/*
 * lockstat's "vm" record: a shared holder waited if a writer was there
 * first; the writer, if another writer or any reader was.  The first
 * harts to get here may look the record up together; they find the same.
 */
static void
vm_lock_count(int contended)
{
	static struct lock_kind *kind;
	struct lock_kind *k = __atomic_load_n(&kind, __ATOMIC_RELAXED);

	if (k == 0) {
		k = lock_kind_of("vm");
		__atomic_store_n(&kind, k, __ATOMIC_RELAXED);
	}
	lock_kind_count(k, contended);
}

/*
 * How each hart holds the lock (VM_LOCK_SHARED, VM_LOCK_EXCLUSIVE, or 0),
 * for the assertions of the COW entry points; recorded in debug builds
 * only (DEBUG=0 leaves the assertions out, so nothing reads it).  Only
 * its own hart writes an entry, with interrupts off, so a plain store is
 * enough.
 */
static int held[NCPU];

static inline void
note_held(int mode)
{
#ifdef DEBUG_CHECKS
	held[cpuid()] = mode;
#else
	(void)mode;
#endif
}

int
vm_lock_held(void)
{
	int mode;

	push_off(); /* stay on this hart while reading its entry */
	mode = held[cpuid()];
	pop_off();
	return mode;
}

void
vm_lock_shared(void)
{
	int waited = 0;

	push_off();
	for (;;) {
		/* Only a wait: the decision is the SEQ_CST read below. */
		while (__atomic_load_n(&vmlock.writer, __ATOMIC_RELAXED))
			waited = 1;
		__atomic_add_fetch(&vmlock.readers, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&vmlock.writer, __ATOMIC_SEQ_CST)) {
			vm_lock_count(waited);
			note_held(VM_LOCK_SHARED);
			return;
		}
		/* A writer came first: let it have the lock (we did nothing). */
		__atomic_sub_fetch(&vmlock.readers, 1, __ATOMIC_RELAXED);
		waited = 1;
	}
}

void
vm_unlock_shared(void)
{
	note_held(0);
	__atomic_sub_fetch(&vmlock.readers, 1, __ATOMIC_RELEASE);
	pop_off();
}

void
vm_lock_exclusive(void)
{
	int waited = 0;

	push_off();
	while (__atomic_exchange_n(&vmlock.writer, 1, __ATOMIC_SEQ_CST))
		waited = 1;
	while (__atomic_load_n(&vmlock.readers, __ATOMIC_SEQ_CST))
		waited = 1;
	vm_lock_count(waited);
	note_held(VM_LOCK_EXCLUSIVE);
}

void
vm_unlock_exclusive(void)
{
	note_held(0);
	__atomic_store_n(&vmlock.writer, 0, __ATOMIC_RELEASE);
	pop_off();
}
