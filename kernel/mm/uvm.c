/*
 * User address spaces.
 *
 * Layout from 0: program segments, an unmapped guard page, one stack page,
 * then the heap up to p->sz; TRAPFRAME and TRAMPOLINE at the top, without
 * PTE_U.  The stack page is mapped at exec; the program's pages (regions
 * of vma.c, VMA_IMAGE) and the heap's are mapped when first touched
 * (vma_fill, uvm_fill), except a segment exec had to copy.  So the
 * walkers below skip holes.
 *
 * Under FORK=cow a level-0 table may be shared with other address spaces
 * (cow.c): nothing here writes into one.  Filling a heap page maps through
 * cow_private_table, shrinking drops whole tables or first makes a partly
 * unmapped one private, and destroying drops one reference per table.
 *
 * Every live address space (from uvm_create to uvm_destroy) is in a
 * registry (space.h: one slot per space, with its heap and its mapped
 * regions) that the refcount audit walks (uvm_for_each_space): the audit
 * then counts exactly the spaces whose references are counted, including
 * one exec is building and one exit is tearing down.  Changes to a space
 * happen under the VM lock held shared, in steps that keep the invariants,
 * with one exception: exec maps fresh frames into its new space with
 * pt_map, unlocked.  That space shares nothing yet, and each of its stores
 * (one PTE, a new zeroed table published after a fence) leaves it
 * consistent, so the audit may read it at any moment.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/mm/space.h"

extern char trampoline[];

static struct spinlock space_lock = SPINLOCK_INIT("spaces");
struct uvm_space uvm_slots[MAX_SPACES];
ushort *uvm_slot_of; /* per frame */
static ushort free_slots[MAX_SPACES];
static int nfree_slots;

void
uvm_registry_carve(void)
{
	uvm_slot_of = frame_carve(frame_ram_frames() * sizeof(*uvm_slot_of));
	for (nfree_slots = 0; nfree_slots < MAX_SPACES; nfree_slots++)
		free_slots[nfree_slots] = MAX_SPACES - 1 - nfree_slots;
}

/* pt's heap, or 0 for a space not in the registry.  space_lock is held. */
static struct heap *
heap_of(pagetable_t pt)
{
	struct uvm_space *sp = uvm_space_of(pt);

	return sp ? &sp->heap : 0;
}

/* Both take the VM lock shared, so the audit never sees the list half-changed. */
static int
space_register(pagetable_t pt)
{
	struct uvm_space *sp = 0;

	vm_lock_shared();
	spin_lock(&space_lock);
	if (nfree_slots > 0) {
		sp = &uvm_slots[free_slots[--nfree_slots]];
		*sp = (struct uvm_space){ .root = pt };
		uvm_slot_of[frame_index((uint64)pt)] = sp - uvm_slots + 1;
	}
	spin_unlock(&space_lock);
	vm_unlock_shared();
	return sp ? 0 : -1;
}

/* vma.c has given the regions back first (vma_release). */
static void
space_unregister(pagetable_t pt)
{
	struct uvm_space *sp;

	vm_lock_shared();
	spin_lock(&space_lock);
	if ((sp = uvm_space_of(pt)) != 0) {
		DEBUG_ASSERT(sp->root == pt && sp->regions == 0);
		sp->root = 0;
		uvm_slot_of[frame_index((uint64)pt)] = 0;
		free_slots[nfree_slots++] = sp - uvm_slots;
	}
	spin_unlock(&space_lock);
	vm_unlock_shared();
}

/* For the audit, which holds the VM lock exclusive: nothing changes meanwhile. */
void
uvm_for_each_space(void (*visit)(pagetable_t pt, void *arg), void *arg)
{
	int i;

	for (i = 0; i < MAX_SPACES; i++)
		if (uvm_slots[i].root)
			visit(uvm_slots[i].root, arg);
}

pagetable_t
uvm_create(uint64 trapframe_pa)
{
	pagetable_t pt = pt_create();

	if (pt == 0)
		return 0;
	if (pt_map(pt, TRAMPOLINE, PGSIZE, (uint64)trampoline, PTE_R | PTE_X) < 0 ||
	    pt_map(pt, TRAPFRAME, PGSIZE, trapframe_pa, PTE_R | PTE_W) < 0 ||
	    space_register(pt) < 0) {
		pt_unmap(pt, TRAPFRAME, 2, 0);
		pt_free_tables(pt);
		return 0;
	}
	return pt;
}

/*
 * Walks over many level-0 tables or pages (fork sharing them, exit and
 * sbrk dropping them) hold the VM lock for this many steps at a time,
 * then let a waiting audit in: one lock round trip per table or page
 * would cost more than sharing or dropping it.  Each table or page is
 * still one step that leaves every invariant true.
 */
#define STEPS_PER_HOLD 16

/* After each STEPS_PER_HOLD-th step: let the audit in between two steps. */
static void
vm_step_done(int *steps)
{
	if (++*steps % STEPS_PER_HOLD == 0) {
		vm_unlock_shared();
		vm_lock_shared();
	}
}

/*
 * Drop every user page and the page table; the trap frame is the
 * caller's.  One reference per shared level-1 table, else one per
 * level-0 table: a forked child that never wrote goes away in time
 * proportional to its gibibytes, not its pages.  Tables are dropped a few
 * at a time under the VM lock (STEPS_PER_HOLD).
 */
void
uvm_destroy(pagetable_t pt)
{
	int i, j, tables = 0;

	vma_release(pt); /* the regions' files; their pages go below */
	vm_lock_shared();
	pt_unmap(pt, TRAPFRAME, 2, 0); /* the trap frame and the trampoline */
	pt_for_each_valid_below (pt, i, PX(2, MAXVA - 1) + 1) { /* user half */
		pagetable_t l1 = (pagetable_t)PTE2PA(pt[i]);

		/* A shared level-1 table (only a marked one can be): 1 GiB. */
		if ((pt[i] & PTE_TABLE_RO) && frame_put_unless_last(l1)) {
			pt[i] = 0;
			vm_step_done(&tables);
			continue;
		}
		/* Ours alone (nobody else can share it now): table by table. */
		pt_for_each_valid (l1, j) {
			cow_put_table(&l1[j]);
			vm_step_done(&tables);
		}
		pt[i] = 0;
		frame_free_zeroed(l1); /* cow_put_table cleared every entry */
	}
	vm_unlock_shared();
	space_unregister(pt);
	frame_free_zeroed(pt); /* the user half cleared; the rest never set */
}

/*
 * The level-0 PTE for va in tables private to pt (fork may have shared
 * them: FORK=cow), creating tables as needed; 0 if no memory.  The one
 * way a fill (the heap's, a mapped region's, the program image's) reaches
 * its PTE.  writable: the caller maps a writable leaf there, so the
 * level-1 PTE loses PTE_TABLE_RO (the table is no longer write-protected
 * for the next fork).  The VM lock is held shared.
 */
pte_t *
uvm_private_pte(pagetable_t pt, uint64 va, int writable)
{
	int no_memory;
	pte_t *l1pte = cow_private_l1pte(pt, va, &no_memory);

	if (l1pte == 0 && (no_memory || (l1pte = pt_walk_l1(pt, va, 1)) == 0))
		return 0;
	if ((*l1pte & PTE_V) && cow_private_table(l1pte) == 0)
		return 0;
	if (writable)
		*l1pte &= ~PTE_TABLE_RO;
	return pt_walk(pt, va, 1);
}

/*
 * Reserve [oldsz, newsz) for the heap, mapping nothing (uvm_fill maps a
 * page when it is first touched).  Returns the size now: newsz, or oldsz
 * with nothing changed if newsz would reach the trap frame or free memory
 * could not fill the reserved pages not yet mapped (and the level-0
 * tables they may need: at 1 GiB, 512 of them): refusing up front
 * keeps a greedy process from leaving every other one without memory (a
 * copy-on-write fault there would kill it) and keeps sbrk's failure where
 * programs expect it.
 */
/*
 * The frames growing h to newsz may need: its unmapped pages, and a
 * level-0 table per PT_ENTRIES of them, at most.  space_lock is held.
 */
static inline uint64
heap_need(const struct heap *h, uint64 newsz)
{
	uint64 pages = (PGROUNDUP(newsz) - h->start) / PGSIZE - h->mapped;

	return pages + (pages + PT_ENTRIES - 1) / PT_ENTRIES;
}

/*
 * uvm_grow when the free frames fall short: cached file pages count as
 * free memory, so grow if they make up the difference once the page
 * cache gave them back.  The size now.  Out of line: sbrk's usual path
 * never needs it.  space_lock is held.
 */
static __attribute__((noinline)) uint64
grow_after_reclaim(struct heap *h, uint64 oldsz, uint64 newsz)
{
	if (heap_need(h, newsz) > frame_free_count_reclaim(heap_need(h, newsz)))
		return oldsz;
	h->end = PGROUNDUP(newsz);
	return newsz;
}

uint64
uvm_grow(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
	struct heap *h;

	if (newsz <= oldsz)
		return oldsz;
	if (newsz > MMAP_BASE) /* the mmap area starts there (vma.c) */
		return oldsz;
	spin_lock(&space_lock);
	h = heap_of(pt);
	if (h && h->start == h->end)
		h->start = h->end = PGROUNDUP(oldsz);
	if (h && heap_need(h, newsz) <= frame_free_count())
		h->end = PGROUNDUP(newsz);
	else
		newsz = h ? grow_after_reclaim(h, oldsz, newsz) : oldsz;
	spin_unlock(&space_lock);
	return newsz;
}

/*
 * Is va in pt's reserved heap?  Counts one more mapped page if so and
 * count_it (the caller is about to map it).
 */
static int
heap_reserved(pagetable_t pt, uint64 va, int count_it)
{
	struct heap *h;
	int in;

	spin_lock(&space_lock);
	h = heap_of(pt);
	in = h && va >= h->start && va < h->end;
	if (in && count_it)
		h->mapped++;
	spin_unlock(&space_lock);
	return in;
}

/*
 * The untouched heap page at va, mapped as a user access finds it: for a
 * load, the zero page (read-only, copy-on-write: a later store copies
 * it); for a store, a fresh zeroed frame.  The VM lock is held shared.
 */
static enum vm_fill
fill_locked(pagetable_t pt, uint64 va, int write)
{
	pte_t *pte = pt_walk(pt, va, 0);
	void *frame;

	if ((pte && (*pte & PTE_V)) || !heap_reserved(pt, va, 0))
		return FILL_NONE;
	frame = write ? frame_alloc_zeroed() : frame_zero();
	if (frame == 0)
		return FILL_NO_MEMORY;
	if ((pte = uvm_private_pte(pt, va, write)) == 0) {
		if (write)
			frame_free(frame);
		return FILL_NO_MEMORY;
	}
	if (write) {
		*pte = PA2PTE(frame) | PTE_R | PTE_W | PTE_U | PTE_V;
	} else {
		frame_ref_inc(frame); /* this table's reference */
		*pte = PA2PTE(frame) | PTE_R | PTE_U | PTE_COW | PTE_V;
	}
	heap_reserved(pt, va, 1);
	return FILL_MAPPED;
}

enum vm_fill
uvm_fill(pagetable_t pt, uint64 va, int write)
{
	enum vm_fill r;

	DEBUG_ASSERT(vm_lock_held() == 0);
	if (va >= MAXVA)
		return FILL_NONE;
	vm_lock_shared();
	r = fill_locked(pt, PGROUNDDOWN(va), write);
	vm_unlock_shared();
	return r;
}

/*
 * Unmap [PGROUNDUP(newsz), PGROUNDUP(oldsz)) one level-0 table at a
 * time, from the top.  Nothing is mapped above oldsz (but the trap frame),
 * so a table whose first page is in the range has no page left after: it
 * is dropped (one reference).  A table that keeps pages below the range is
 * made private first, then the pages are unmapped.  The level-1 table
 * above either is made private first.  Returns the new
 * size: newsz, or more if no memory was left to copy a shared table (the
 * pages above it are gone; the ones below stay).  The heap's reservation
 * ends there too.
 */
/* The heap now ends at end, having lost unmapped of its mapped pages. */
static void
heap_shrunk(pagetable_t pt, uint64 end, uint64 unmapped)
{
	struct heap *h;

	spin_lock(&space_lock);
	h = heap_of(pt);
	if (h) {
		h->mapped -= unmapped;
		if (h->end > end)
			h->end = end < h->start ? h->start : end;
	}
	spin_unlock(&space_lock);
}

/* How many pages a level-0 table maps. */
static uint64
pages_mapped(pagetable_t table)
{
	uint64 n = 0;
	int i;

	pt_for_each_valid (table, i)
		n++;
	return n;
}

/*
 * One step of uvm_shrink, under the VM lock: unmap [from, end), inside one
 * level-0 table.  -1 if no frame was free to copy a shared table (nothing
 * changed then).
 */
static int
shrink_table(pagetable_t pt, uint64 from, uint64 end, uint64 *unmapped)
{
	pte_t *l1pte = pt_walk_l1(pt, from, 0);
	pagetable_t table;
	pte_t *pte, *last;
	int no_memory;

	if (l1pte == 0 || (*l1pte & PTE_V) == 0)
		return 0; /* nothing mapped there */
	/* Either way the level-1 table changes: it must be ours alone. */
	if ((l1pte = cow_private_l1pte(pt, from, &no_memory)) == 0)
		return -1;
	if (from == L0_START(from) && from != L0_START(TRAPFRAME)) {
		*unmapped += pages_mapped((pagetable_t)PTE2PA(*l1pte));
		cow_put_table(l1pte);
		return 0;
	}
	if ((table = cow_private_table(l1pte)) == 0)
		return -1;
	/*
	 * A heap's untouched pages are most of a table's (sbrk(-n) of a heap
	 * that was never used walks 500 empty PTEs): test each, write none.
	 */
	last = &table[PX(0, end - 1)];
	for (pte = &table[PX(0, from)]; pte <= last; pte++) {
		if (*pte == 0)
			continue;
		if (*pte & PTE_V) {
			frame_free((void *)PTE2PA(*pte));
			(*unmapped)++;
		}
		*pte = 0;
	}
	return 0;
}

uint64
uvm_shrink(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
	uint64 start = PGROUNDUP(newsz), end = PGROUNDUP(oldsz);
	uint64 unmapped = 0;

	if (newsz >= oldsz)
		return oldsz;
	while (end > start) {
		uint64 from =
		    L0_START(end - 1) > start ? L0_START(end - 1) : start;
		pte_t *l1pte = pt_walk_l1(pt, from, 0);
		int r = 0;

		/*
		 * No table, no step: only this process changes its tables, so
		 * it may look without the lock (an untouched heap has none).
		 */
		if (l1pte && (*l1pte & PTE_V)) {
			vm_lock_shared();
			r = shrink_table(pt, from, end, &unmapped);
			vm_unlock_shared();
		}
		if (r < 0)
			break;
		end = from;
	}
	heap_shrunk(pt, end, unmapped);
	return end > start ? end : newsz;
}

/*
 * Give child a view of the parent's [0, size).  On failure -1 is returned
 * and the child holds a reference for each mapping it got so far; the
 * caller destroys it.  Parent pages already turned COW stay COW, which is
 * harmless: the parent's next write finds the frame unshared and reuses
 * it.  The parent's changed PTEs are flushed from the TLB on its way back
 * to user mode (userret).
 */
static int
fork_pages(pagetable_t parent, pagetable_t child, uint64 va, uint64 end)
{
	int r = 0, pages = 0;

	vm_lock_shared();
	for (; va < end && r == 0; va += PGSIZE) {
		pte_t *pte = pt_walk(parent, va, 0);

		if (pte == 0) {
			va = pt_last_page_of_table(va);
			continue;
		}
		if ((*pte & PTE_V) == 0)
			continue; /* a hole: the guard page */
		r = fork_share_page(pte, child, va);
		vm_step_done(&pages); /* a page is a step too */
	}
	vm_unlock_shared();
	return r;
}

/*
 * FORK=cow, the gibibyte of the trap frame (its level-1 table is per
 * process): one step per level-0 table, shared with the child, except the
 * one that holds the trap frame, whose user pages (if any) are shared page
 * by page.
 */
static int
fork_tables(pagetable_t parent, pagetable_t child, uint64 va, uint64 size)
{
	int tables = 0;

	vm_lock_shared();
	for (; va < size; va = L0_NEXT(va)) {
		pte_t *parent_l1 = pt_walk_l1(parent, va, 0), *child_l1;

		if (parent_l1 == 0 || (*parent_l1 & PTE_V) == 0)
			continue;
		if (L0_START(va) == L0_START(TRAPFRAME)) {
			vm_unlock_shared();
			return fork_pages(parent, child, va, size);
		}
		child_l1 = pt_walk_l1(child, va, 1);
		if (child_l1 == 0)
			break;
		fork_share_table(parent_l1, child_l1);
		vm_step_done(&tables);
	}
	vm_unlock_shared();
	return va < size ? -1 : 0;
}

/*
 * FORK=cow below the trap frame's gibibyte: the child shares the parent's
 * level-1 table.  Each level-0 table under it that lacks PTE_TABLE_RO
 * (new, or written since the last fork) gets its protect pass first, one
 * VM-lock step each.  Any write into the gibibyte clears the root PTE's
 * mark, so the loop looks at the marks itself, without the lock: the
 * parent's level-1 table is private (it has no mark) and only the parent,
 * running this, writes it.  512 tests of a bit, not 512 lock steps.
 */
static void
fork_gibibyte(pte_t *parent_root, pte_t *child_root, uint64 va, uint64 size)
{
	pagetable_t l1 = (pagetable_t)PTE2PA(*parent_root);
	/*
	 * Nothing is mapped at or above size below the trap frame's
	 * gibibyte, so the pass stops there; fork_share_l1 asserts (debug
	 * builds) that no entry of the whole table was left unmarked.
	 */
	int j, end = size - va >= L1_SPAN ? PT_ENTRIES : PX(1, size - 1) + 1;

	/*
	 * A plain loop, one test per entry: in a full gibibyte (512 valid
	 * entries) the iterator's steps would cost more than the tests.
	 */
	if ((*parent_root & PTE_TABLE_RO) == 0)
		for (j = 0; j < end; j++) {
			if ((l1[j] & (PTE_V | PTE_TABLE_RO)) != PTE_V)
				continue;
			vm_lock_shared();
			cow_protect_table(&l1[j]);
			vm_unlock_shared();
		}
	vm_lock_shared();
	fork_share_l1(parent_root, child_root);
	vm_unlock_shared();
}

/*
 * FORK=cow: one step per gibibyte below the trap frame's, then its
 * gibibyte table by table.  FORK=page and FORK=copy go page by page
 * everywhere.
 */
int
uvm_fork(pagetable_t parent, pagetable_t child, uint64 size)
{
	struct heap *from, *to;
	uint64 va;

	/* The child's heap is reserved as the parent's, and as far touched. */
	spin_lock(&space_lock);
	from = heap_of(parent);
	to = heap_of(child);
	if (from && to)
		*to = *from;
	spin_unlock(&space_lock);
	if (KERNEL_FORK_MODE != FORK_MODE_COW)
		return fork_pages(parent, child, 0, size);
	for (va = 0; va < size; va = L1_NEXT(va)) {
		if (L1_START(va) == L1_START(TRAPFRAME))
			return fork_tables(parent, child, va, size);
		if (parent[PX(2, va)] & PTE_V)
			fork_gibibyte(
			    &parent[PX(2, va)], &child[PX(2, va)], va, size);
	}
	return 0;
}
