/*
 * The registry of user address spaces (uvm.c), for mm's own files: one
 * slot per space, found from its root's frame in constant time however
 * many processes are alive (uvm_slot_of[]: 1 + the slot's index, or 0
 * for a root not registered), taken from and given back to a stack of
 * free ones.  A slot stays where it is while its space lives, so the
 * space's owner reads its fields without a lock.  A slot holds what a
 * space has beyond its page tables:
 *   heap     the heap's reservation (uvm.c, under its space_lock);
 *   regions  vma.c's set of mapped regions, or 0 (vma.c's alone to
 *            change, with one relaxed store: a pmap reading it under
 *            vma.c's lock finds the old set or the new one, both whole).
 * The audit walks the taken slots (uvm_for_each_space).
 *
 * uvm_slot_of[] is written plainly under space_lock and read without it:
 * an entry changes only when its own space is registered (by its maker,
 * before any other hart can know the root) or unregistered (by its
 * destroyer, once nobody else uses it), so no read races with a write of
 * the entry it reads.
 */
#ifndef KERNEL_MM_SPACE_H
#define KERNEL_MM_SPACE_H

/* A process has at most two spaces: its own and the one exec builds. */
#define MAX_SPACES (2 * NPROC)

/*
 * The heap is filled on demand: sbrk reserves [start, end) and maps
 * nothing; the first load of a page maps the zero page (read-only,
 * copy-on-write), the first store a fresh zeroed frame (uvm_fill).
 * mapped counts the reserved pages mapped so far, so that sbrk can still
 * refuse up front what free memory could not fill.
 */
struct heap {
	uint64 start, end; /* the reserved range; empty when start == end */
	uint64 mapped;     /* pages of it mapped now */
};

struct uvm_space {
	pagetable_t root; /* 0: a free slot */
	struct heap heap;
	void *regions;
};

extern struct uvm_space uvm_slots[MAX_SPACES];
extern ushort *uvm_slot_of;

/* pt's slot, or 0 for a space not in the registry (a self-test's table). */
static inline struct uvm_space *
uvm_space_of(pagetable_t pt)
{
	int i = uvm_slot_of[frame_index((uint64)pt)];

	return i > 0 ? &uvm_slots[i - 1] : 0;
}

static inline void *
uvm_regions(pagetable_t pt)
{
	struct uvm_space *sp = uvm_space_of(pt);

	return sp ? __atomic_load_n(&sp->regions, __ATOMIC_RELAXED) : 0;
}

/* pt is registered (uvm_create made it). */
static inline void
uvm_set_regions(pagetable_t pt, void *regions)
{
	__atomic_store_n(&uvm_space_of(pt)->regions, regions, __ATOMIC_RELAXED);
}

#endif
