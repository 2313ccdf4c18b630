/*
 * pmap: describe one address space, region by region (kernel/pmap.h has
 * the structure and what each number means).
 *
 * The regions follow the layout of uvm.c: program pages from 0 (text if
 * executable, else data: a segment exec mapped is one region, its
 * untouched pages counted in its size but not present; in a segment exec
 * copied, a hole ends a region), the guard page, the stack
 * page, the heap up to sz, then the trap frame and the trampoline at the
 * top.  A last row counts the page-table pages.
 *
 * Who holds a frame: a frame's count is the number of references to it
 * (frame.c).  A page whose frame has count k, in a level-0 table of
 * count t0 below a level-1 table of count t1, is for this space a
 * 1/(t1*t0*k) share: summed over every address space that reaches it,
 * exactly one frame (a level-1 table's t1 spaces share its t0 reference
 * alike).  Page-table pages are shared out the same way.
 *
 * The walk holds the VM lock exclusive (vmlock.c): no fork, fault, sbrk or
 * exit is half-way through a step, so the counts agree with the tables and
 * no table is freed under the walk.  The caller keeps pt from being
 * replaced or destroyed (proc holds p->lock, which exec and exit take to
 * swap a page table out; nothing holding the VM lock waits for a p->lock).
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/pmap.h"
#include "kernel/fcntl.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

/* A frame's count, as a divisor: never below 1. */
static uint64
holders(uint64 pa)
{
	int n = frame_refcount((void *)pa);

	return n > 0 ? n : 1;
}

/* A 1/d share of a frame, in 1/PMAP_SCALE frames. */
static uint64
share(struct pmap *m, uint64 d)
{
	if (PMAP_SCALE % d != 0)
		m->inexact++;
	return PMAP_SCALE / d;
}

/* One more frame in r, of which this space holds 1/d, shared by sharers. */
static void
count_frame(struct pmap *m, struct pmap_region *r, uint64 d, uint64 sharers)
{
	if (d == 1)
		r->priv++;
	else
		r->shared++;
	if (sharers > r->sharers)
		r->sharers = sharers;
	r->held += share(m, d);
}

/*
 * After the program's: guard, stack, heap, the mapped regions, trapframe,
 * trampoline, tables.
 */
#define LAYOUT_REGIONS (6 + VMA_MAX)

/*
 * The program region that the page at va of this kind and permissions
 * belongs to: the last one if va continues it, else a new one (or, when
 * only the layout's regions are left, the last one stretched: the totals
 * stay right).
 */
static struct pmap_region *
region_at(struct pmap *m, uint32 kind, uint32 perm, uint64 va)
{
	struct pmap_region *r;

	if (m->nregions > 0) {
		r = &m->region[m->nregions - 1];
		if ((r->kind == kind && r->perm == perm && r->end == va) ||
		    m->nregions == PMAP_MAX_REGIONS - LAYOUT_REGIONS)
			return r;
	}
	r = &m->region[m->nregions++];
	r->kind = kind;
	r->perm = perm;
	r->start = r->end = va;
	return r;
}

static uint32
pte_perm(pte_t pte)
{
	uint32 perm = 0;

	if (pte & PTE_R)
		perm |= PMAP_R;
	if (pte & (PTE_W | PTE_COW))
		perm |= PMAP_W;
	if (pte & PTE_X)
		perm |= PMAP_X;
	if (pte & PTE_U)
		perm |= PMAP_U;
	return perm;
}

/*
 * The leaf PTE for va, or 0; *tables is the product of the counts of the
 * page-table pages on the way (how many ways they are shared), *table_rc
 * the count of the level-0 table.
 */
static pte_t *
leaf(pagetable_t pt, uint64 va, uint64 *tables, uint64 *table_rc)
{
	int level;

	*tables = 1;
	for (level = 2; level > 0; level--) {
		pte_t pte = pt[PX(level, va)];

		if ((pte & PTE_V) == 0)
			return 0;
		pt = (pagetable_t)PTE2PA(pte);
		*table_rc = holders((uint64)pt);
		*tables *= *table_rc;
	}
	return &pt[PX(0, va)];
}

/* Count the page at va (mapped or not) into region r. */
static void
account_page(struct pmap *m, struct pmap_region *r, pagetable_t pt, uint64 va)
{
	uint64 tables = 1, table_rc = 1, k, d, sharers;
	pte_t *pte = leaf(pt, va, &tables, &table_rc);
	uint64 pa;

	r->end = va + PGSIZE;
	if (pte == 0 || (*pte & PTE_V) == 0)
		return;
	r->present++;
	pa = PTE2PA(*pte);
	if (tables > 1) /* its level-0 table, or the level-1 table above */
		r->tables_shared++;
	if (*pte & PTE_COW)
		r->cow++;
	if (!frame_is_managed(pa))
		return; /* the trampoline: kernel text, not an allocated frame */
	k = holders(pa);
	d = tables * k;
	/*
	 * The level-1 table's sharers, one more per other level-1 table
	 * holding the level-0 table, one per other table mapping the frame:
	 * exact unless those are shared too, then at least.
	 */
	sharers = tables / table_rc + table_rc - 1 + k - 1;
	count_frame(m, r, d, sharers);
}

static uint32
perm_of_prot(int prot)
{
	return PMAP_U | (prot & PROT_READ ? PMAP_R : 0) |
	    (prot & PROT_WRITE ? PMAP_W : 0) | (prot & PROT_EXEC ? PMAP_X : 0);
}

/*
 * The program's regions (exec's, vma.c; image[] gets them, in order):
 * each page counted, mapped or not, so a region spans its whole segment
 * and present says how much of it was touched.  Returns how many.
 */
static int
account_image(struct pmap *m, pagetable_t pt, struct vma *image)
{
	uint64 va;
	int i;

	for (i = 0; vma_get(pt, i, &image[i]) && (image[i].flags & VMA_IMAGE);
	     i++) {
		uint32 perm = perm_of_prot(image[i].prot);
		uint32 kind = perm & PMAP_X ? PMAP_TEXT : PMAP_DATA;

		for (va = image[i].start; va < image[i].end; va += PGSIZE)
			account_page(m, region_at(m, kind, perm, va), pt, va);
	}
	return i;
}

static int
in_image(const struct vma *image, int n, uint64 va)
{
	int i;

	for (i = 0; i < n; i++)
		if (va >= image[i].start && va < image[i].end)
			return 1;
	return 0;
}

/*
 * Program pages: the image's regions, then pages exec copied in (text and
 * data regions; an unmapped page ends one).
 */
static void
account_program(struct pmap *m, pagetable_t pt, uint64 end)
{
	struct vma image[VMA_IMAGE_MAX + 1]; /* vma_get fills one more */
	int n = account_image(m, pt, image);
	uint64 va, tables, table_rc;

	for (va = 0; va < end; va += PGSIZE) {
		pte_t *pte = leaf(pt, va, &tables, &table_rc);
		uint32 perm;

		if (in_image(image, n, va))
			continue; /* counted above */
		if (pte == 0) {
			va = pt_last_page_of_table(va);
			continue;
		}
		if ((*pte & PTE_V) == 0)
			continue;
		perm = pte_perm(*pte);
		account_page(m,
		    region_at(m, perm & PMAP_X ? PMAP_TEXT : PMAP_DATA, perm, va),
		    pt, va);
	}
}

/* Pages [start, end) as one region of this kind, even when it is empty. */
static void
account_range(struct pmap *m, pagetable_t pt, uint32 kind, uint32 perm,
    uint64 start, uint64 end)
{
	struct pmap_region *r = &m->region[m->nregions++];
	uint64 va;

	r->kind = kind;
	r->perm = perm;
	r->start = r->end = start;
	for (va = start; va < end; va += PGSIZE)
		account_page(m, r, pt, va);
}

/* Count the page-table pages of pt at level and below into r. */
static void
account_tables(struct pmap *m, struct pmap_region *r, pagetable_t pt, int level,
    uint64 above)
{
	uint64 rc = holders((uint64)pt), d = above * rc;
	int i;

	r->present++;
	count_frame(m, r, d, rc);
	if (level == 0)
		return;
	pt_for_each_valid (pt, i) {
		pte_t pte = pt[i];

		if (pte_is_table(pte))
			account_tables(
			    m, r, (pagetable_t)PTE2PA(pte), level - 1, d);
	}
}

/* The mmap regions (vma.c), each a region of its own kind. */
static void
account_mappings(struct pmap *m, pagetable_t pt)
{
	struct vma r;
	uint32 kind, perm;
	int i;

	for (i = 0; vma_get(pt, i, &r); i++) {
		if (r.flags & VMA_IMAGE)
			continue; /* the program's: account_image */
		if (r.file)
			kind = r.flags & MAP_SHARED ? PMAP_FILE_SHARED
						    : PMAP_FILE_PRIVATE;
		else
			kind = r.flags & MAP_SHARED ? PMAP_ANON_SHARED
						    : PMAP_ANON_PRIVATE;
		perm = perm_of_prot(r.prot);
		account_range(m, pt, kind, perm, r.start, r.end);
	}
}

static void
add_up(struct pmap *m)
{
	uint32 i;

	m->held = 0;
	for (i = 0; i < m->nregions; i++)
		m->held += m->region[i].held;
}

void
pmap_space(pagetable_t pt, uint64 sz, uint64 stack_base, struct pmap *m)
{
	uint32 user_rw = PMAP_R | PMAP_W | PMAP_U;
	struct pmap_region *r;

	vm_lock_exclusive();
	m->nregions = 0;
	m->inexact = 0;
	if (stack_base >= PGSIZE && stack_base + PGSIZE <= sz) {
		account_program(m, pt, stack_base - PGSIZE);
		account_range(
		    m, pt, PMAP_GUARD, 0, stack_base - PGSIZE, stack_base);
		account_range(m, pt, PMAP_STACK, user_rw, stack_base,
		    stack_base + PGSIZE);
		account_range(m, pt, PMAP_HEAP, user_rw, stack_base + PGSIZE,
		    PGROUNDUP(sz));
	} else {
		account_program(m, pt, PGROUNDUP(sz)); /* not yet exec'd */
	}
	account_mappings(m, pt);
	account_range(m, pt, PMAP_TRAPFRAME, PMAP_R | PMAP_W, TRAPFRAME,
	    TRAPFRAME + PGSIZE);
	account_range(m, pt, PMAP_TRAMPOLINE, PMAP_R | PMAP_X, TRAMPOLINE,
	    TRAMPOLINE + PGSIZE);
	account_range(m, pt, PMAP_PAGETABLES, 0, 0, 0);
	r = &m->region[m->nregions - 1];
	account_tables(m, r, pt, 2, 1);
	vm_unlock_exclusive();
	add_up(m);
}

/* The kernel stacks: kernel pages mapped away from their physical address. */
static void
account_kstacks(
    struct pmap *m, struct pmap_region *r, pagetable_t pt, int level, uint64 va)
{
	int i;

	pt_for_each_valid (pt, i) {
		pte_t pte = pt[i];
		uint64 a = va | ((uint64)i << PXSHIFT(level));

		if (pte_is_table(pte)) {
			account_kstacks(
			    m, r, (pagetable_t)PTE2PA(pte), level - 1, a);
			continue;
		}
		if (PTE2PA(pte) == a || !frame_is_managed(PTE2PA(pte)))
			continue;
		if (r->present++ == 0)
			r->start = a;
		r->end = a + PGSIZE;
		count_frame(m, r, 1, 1);
	}
}

struct cache_walk {
	struct pmap *m;
	struct pmap_region *r;
};

/* One page-cache frame: the cache holds one of its references. */
static void
account_cached(uint64 pa, void *arg)
{
	struct cache_walk *w = arg;

	if (w->r->present++ == 0)
		w->r->start = pa;
	count_frame(w->m, w->r, holders(pa), holders(pa));
}

void
pmap_kernel(struct pmap *m)
{
	const struct page_cache_ops *cache = frame_page_cache();
	struct cache_walk w;
	struct pmap_region *r;

	m->nregions = 4;
	m->inexact = 0;
	r = &m->region[0];
	r->kind = PMAP_KSTACKS;
	r->perm = PMAP_R | PMAP_W;
	account_kstacks(m, r, kernel_pagetable, 2, 0);
	r = &m->region[1];
	r->kind = PMAP_PAGETABLES;
	account_tables(m, r, kernel_pagetable, 2, 1);
	/* The zero page: the kernel holds one of its references. */
	r = &m->region[2];
	r->kind = PMAP_ZEROPAGE;
	r->perm = PMAP_R;
	r->present = 1;
	count_frame(m, r, holders((uint64)frame_zero()), 1);
	/* The page cache's frames; the lock keeps each count's holders still. */
	w = (struct cache_walk){ m, &m->region[3] };
	w.r->kind = PMAP_PAGECACHE;
	w.r->perm = PMAP_R | PMAP_W;
	if (cache) {
		vm_lock_exclusive();
		cache->lock();
		cache->for_each(account_cached, &w);
		cache->unlock();
		vm_unlock_exclusive();
	}
	add_up(m);
}

/* A zombie: its page table is gone, the trap frame stays until wait(). */
void
pmap_trapframe(uint64 trapframe_pa, struct pmap *m)
{
	struct pmap_region *r = &m->region[0];

	m->nregions = 1;
	m->inexact = 0;
	r->kind = PMAP_TRAPFRAME;
	r->perm = PMAP_R | PMAP_W;
	r->start = TRAPFRAME;
	r->end = TRAPFRAME + PGSIZE;
	r->present = 1;
	count_frame(m, r, holders(trapframe_pa), 1);
	add_up(m);
}
