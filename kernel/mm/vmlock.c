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
 * writer always gets it in the end.  Order: vm lock, then frame_lock and
 * the address-space registry's lock, never the other way round.
 */
#include "kernel/types.h"
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

void
vm_lock_shared(void)
{
	int waited = 0;

	push_off();
	for (;;) {
		while (__atomic_load_n(&vmlock.writer, __ATOMIC_SEQ_CST))
			waited = 1;
		__atomic_add_fetch(&vmlock.readers, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&vmlock.writer, __ATOMIC_SEQ_CST)) {
			vm_lock_count(waited);
			return;
		}
		/* A writer came first: let it have the lock. */
		__atomic_sub_fetch(&vmlock.readers, 1, __ATOMIC_SEQ_CST);
		waited = 1;
	}
}

void
vm_unlock_shared(void)
{
	__atomic_sub_fetch(&vmlock.readers, 1, __ATOMIC_SEQ_CST);
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
}

void
vm_unlock_exclusive(void)
{
	__atomic_store_n(&vmlock.writer, 0, __ATOMIC_SEQ_CST);
	pop_off();
}
