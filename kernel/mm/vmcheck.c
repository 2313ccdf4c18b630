/*
 * VM counters and the reference-count audit behind SYS_vmstat.
 *
 * The audit checks the invariants written at the top of cow.c and
 * frame.c, exactly, and reports every violation:
 *
 *   1. walk every live address space (uvm_for_each_space), visiting each
 *      distinct level-1 and level-0 table once however many spaces share
 *      it; count, per frame, the references the page tables imply: one
 *      per root PTE pointing to a level-1 table, one per PTE of a
 *      distinct level-1 table pointing to a level-0 table, one per
 *      distinct level-0 table mapping a user page, one for each root,
 *      one for each frame the page cache holds (walked under its lock,
 *      kept until every count is read, so no page comes or goes between);
 *   2. compare every frame's count with that number (a frame no table
 *      refers to is not checked: the kernel holds it, or it is free);
 *   3. no leaf is both COW and writable; no shared level-0 table, and none
 *      marked PTE_TABLE_RO, holds a writable leaf; no shared level-1
 *      table, and none marked PTE_TABLE_RO, holds a PTE without the mark
 *      (so nothing below a shared table is writable); the tables holding
 *      the trap frame (level 1 and level 0) are never shared;
 *   4. the frames with count 0 are exactly the free ones.
 *
 * It holds the VM lock exclusive (vmlock.c): every path that changes a
 * mapping or a mapped frame's count does so in short steps under the lock
 * held shared, so the audit sees a state between steps, where every
 * invariant holds, even while other harts fork, fault, grow, shrink and
 * exit.  The frame counts are read in one snapshot under frame_lock
 * (frame_scan), so frames the kernel allocates and frees meanwhile (pipes,
 * kernel stacks) cannot make the free count disagree either.  A mismatch
 * is therefore a real bug, reported the first time it is seen.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/vmstat.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

/*
 * Per-frame marks.  For tables: SEEN_TABLE, what it points to was
 * counted; HAS_WRITABLE, it holds a writable user leaf (a level-1 table:
 * a PTE without PTE_TABLE_RO, so a leaf below may be writable);
 * MARKED_RO, some PTE above it says PTE_TABLE_RO.
 */
#define SEEN_TABLE   1
#define HAS_WRITABLE 2
#define MARKED_RO    4

static struct spinlock audit_lock = SPINLOCK_INIT("vmcheck");
static ushort *refs_seen; /* per frame: references the page tables imply */
static uchar *marks;      /* per frame */

/* Bytes of a per-frame table, in whole words (memset clears it by words). */
static uint64
table_bytes(uint64 entry)
{
	return (frame_ram_frames() * entry + 7) & ~7UL;
}

void
vm_audit_carve(void)
{
	refs_seen = frame_carve(table_bytes(sizeof(*refs_seen)));
	marks = frame_carve(table_bytes(sizeof(*marks)));
}

struct audit {
	int full; /* 0: only walk the tables, for vmstat */
	int verbose;
	int bad;
	uint64 zero;   /* frames with count 0 */
	uint64 tables; /* tables shared right now (for vmstat) */
	uint64 pages;  /* mapped pages with count > 1 right now (for vmstat) */
	uint64 cached; /* page-cache frames counted */
};

/*
 * vmstat's figures, from the walk (visiting only what is mapped, not every
 * frame of RAM): a table, or a page, whose count is above 1, once each.
 */
static void
count_if_shared(uint64 *n, uint64 pa)
{
	if (frame_refcount((void *)pa) > 1)
		(*n)++;
}

static void
problem(struct audit *a, const char *what, uint64 x)
{
	if (a->verbose)
		kprintf("vmcheck: %s (0x%lx)\n", what, x);
	a->bad++;
}

static void
count_ref(struct audit *a, uint64 pa)
{
	if (!frame_is_managed(pa)) {
		problem(a, "page-table page outside managed memory", pa);
		return;
	}
	refs_seen[frame_index(pa)]++;
}

static void
count_leaves(struct audit *a, pagetable_t table)
{
	int k;

	pt_for_each_valid (table, k) {
		pte_t pte = table[k];

		if ((pte & PTE_U) == 0)
			continue;
		if ((pte & PTE_COW) && (pte & PTE_W))
			problem(a, "a leaf is both COW and writable", pte);
		if (pte & PTE_W)
			marks[frame_index((uint64)table)] |= HAS_WRITABLE;
		if (!frame_is_managed(PTE2PA(pte)))
			continue;
		/*
		 * Shared: mapped from a second table.  Not the refcount,
		 * which counts kernel holders too (the page cache's
		 * reference, the zero page's own).
		 */
		if (++refs_seen[frame_index(PTE2PA(pte))] ==
		    2 + (PTE2PA(pte) == (uint64)frame_zero()))
			a->pages++;
	}
}

/* The level-0 tables of a level-1 table, seen for the first time. */
static void
count_level1(struct audit *a, pagetable_t l1, int trapframe_gib)
{
	int j;

	pt_for_each_valid (l1, j) {
		pagetable_t table;

		if (pte_is_leaf(l1[j])) {
			problem(a, "a leaf in a level-1 table", l1[j]);
			continue;
		}
		/* A marked root PTE says every entry here is marked. */
		if ((l1[j] & PTE_TABLE_RO) == 0)
			marks[frame_index((uint64)l1)] |= HAS_WRITABLE;
		table = (pagetable_t)PTE2PA(l1[j]);
		count_ref(a, (uint64)table);
		if (!frame_is_managed((uint64)table))
			continue;
		if (l1[j] & PTE_TABLE_RO)
			marks[frame_index((uint64)table)] |= MARKED_RO;
		if (trapframe_gib && j == PX(1, TRAPFRAME) &&
		    refs_seen[frame_index((uint64)table)] > 1)
			problem(a, "the table holding a trap frame is shared",
			    (uint64)table);
		if ((marks[frame_index((uint64)table)] & SEEN_TABLE) == 0) {
			marks[frame_index((uint64)table)] |= SEEN_TABLE;
			count_if_shared(&a->tables, (uint64)table);
			count_leaves(a, table);
		}
	}
}

static void
count_space(pagetable_t root, void *arg)
{
	struct audit *a = arg;
	int i;

	count_ref(a, (uint64)root);
	pt_for_each_valid (root, i) {
		pagetable_t l1;
		uchar *m;

		if (pte_is_leaf(root[i])) {
			problem(a, "a leaf in a root table", root[i]);
			continue;
		}
		l1 = (pagetable_t)PTE2PA(root[i]);
		count_ref(a, (uint64)l1);
		if (!frame_is_managed((uint64)l1))
			continue;
		m = &marks[frame_index((uint64)l1)];
		if (root[i] & PTE_TABLE_RO)
			*m |= MARKED_RO;
		if (i == PX(2, TRAPFRAME) &&
		    refs_seen[frame_index((uint64)l1)] > 1)
			problem(a,
			    "the level-1 table holding a trap frame is shared",
			    (uint64)l1);
		/* Each distinct level-1 table once, however many share it. */
		if ((*m & SEEN_TABLE) == 0) {
			*m |= SEEN_TABLE;
			count_if_shared(&a->tables, (uint64)l1);
			count_level1(a, l1, i == PX(2, TRAPFRAME));
		}
	}
}

/* One reference the page cache holds (a kernel holder, like the zero page's). */
static void
count_cache_ref(uint64 pa, void *arg)
{
	struct audit *a = arg;

	if (!frame_is_managed(pa)) {
		problem(a, "a cached file page outside managed memory", pa);
		return;
	}
	refs_seen[frame_index(pa)]++;
	a->cached++;
}

static void
check_frame(uint64 pa, int refs, void *arg)
{
	struct audit *a = arg;
	int seen = refs_seen[frame_index(pa)], m = marks[frame_index(pa)];

	if (refs == 0)
		a->zero++;
	if (seen > 0 && refs != seen) {
		if (a->verbose)
			kprintf(
			    "vmcheck: frame 0x%lx has refcount %d but %d references in page tables\n",
			    pa, refs, seen);
		a->bad++;
	}
	if ((m & SEEN_TABLE) && seen > 1 && (m & HAS_WRITABLE))
		problem(a, "a shared table holds (or leads to) a writable leaf",
		    pa);
	if ((m & MARKED_RO) && (m & HAS_WRITABLE))
		problem(
		    a, "a table marked PTE_TABLE_RO holds a writable leaf", pa);
}

/*
 * Run the audit (full), or only walk the page tables for vmstat's shared
 * tables and pages (*out).  Returns the number of problems found (the
 * walk alone misses those only the scan of every frame sees).  The scan
 * is what costs in proportion to RAM, so vmstat, which tests call in
 * loops, skips it.
 */
static int
audit(int full, int verbose, struct audit *out)
{
	struct audit a = { .full = full, .verbose = verbose };
	const struct page_cache_ops *cache = frame_page_cache();
	uint64 nfree = 0;

	spin_lock(&audit_lock);
	vm_lock_exclusive();
	/* At 1 GiB the two tables hold 768 KiB: every audit and vmstat. */
	memset(refs_seen, 0, table_bytes(sizeof(*refs_seen)));
	memset(marks, 0, table_bytes(sizeof(*marks)));
	refs_seen[frame_index((uint64)frame_zero())] = 1; /* the kernel's own */
	uvm_for_each_space(count_space, &a);
	/* The page cache's references: none comes or goes until the scan is done. */
	if (full && cache) {
		cache->lock();
		cache->for_each(count_cache_ref, &a);
	}
	if (full)
		nfree = frame_scan(check_frame, &a);
	if (full && cache)
		cache->unlock();
	vm_unlock_exclusive();
	if (full && a.zero != nfree) {
		if (verbose)
			kprintf(
			    "vmcheck: %lu frames have refcount 0 but %lu are free\n",
			    a.zero, nfree);
		a.bad++;
	}
	spin_unlock(&audit_lock);
	if (out)
		*out = a;
	return a.bad;
}

int
vm_check_refcounts(int verbose)
{
	return audit(1, verbose, 0);
}

void
vm_stats(struct vmstat *st)
{
	struct audit a;

	memset(st, 0, sizeof(*st));
	st->ram_bytes = frame_ram_end() - KERNBASE;
	st->frames_total = frame_total_count();
	st->frames_free = frame_free_count();
	cow_counters(&st->cow_faults, &st->pages_copied, &st->pages_reused,
	    &st->tables_copied);
	audit(0, 0, &a);
	st->tables_shared = a.tables;
	st->frames_shared = a.tables + a.pages;
	st->fork_mode = KERNEL_FORK_MODE;
	st->pcache_pages = frame_page_cache() ? frame_page_cache()->count() : 0;
	st->zero_refs = frame_refcount(frame_zero());
	st->writeback_lost = vma_writeback_lost();
}
