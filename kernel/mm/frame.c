/*
 * Physical frame allocator with reference counts.
 *
 * Every 4 KiB frame of RAM has an entry in frame_table, indexed by
 * (pa - KERNBASE) / PGSIZE.  RAM's size comes from the device tree, so
 * frame_init sizes the tables with one entry per frame (this one, and the
 * audit's and the address-space registry's) and carves them from the RAM
 * just above the kernel image.  Frames above those tables, up to the end
 * of RAM, are managed; free ones form a LIFO list threaded through their
 * entries, so allocation and freeing are O(1).
 *
 * Per-hart caches: each hart keeps up to CACHE_SIZE free frames of its own
 * (struct frame_cache), allocates from them and frees into them under its
 * cache's lock, which no other hart takes but the audit and a hart short
 * of memory (so it is not contended).  frame_lock, the global list's, is
 * taken only to move frames in batches: CACHE_BATCH of them into an empty
 * cache, a full cache's CACHE_SIZE back, each batch in one splice.  A hart that finds the global list and its own
 * cache empty drains every cache into the list first, so no frame is lost
 * to "out of memory" while another hart's cache holds it.
 *
 * A cache also keeps up to ZEROED_MAX frames known to hold only zeros:
 * page-table pages whose last holder cleared every entry before freeing
 * them (frame_free_zeroed).  frame_alloc_zeroed hands those out without
 * zeroing them again; a new address space needs four zeroed tables.
 *
 * Invariants (checked by vm_check_refcounts, which vmstat -c and the tests
 * run, and in DEBUG_CHECKS builds by frame_alloc itself):
 *   - a frame is free (on the global list, or in exactly one hart's
 *     cache or zeroed list)  <=>  its refcount is 0;
 *   - a frame on a zeroed list holds only zeros (checked in debug builds
 *     when it is freed and when it is handed out);
 *   - nobody writes to a free frame: free frames hold a junk pattern, and
 *     a debug build panics at allocation if the pattern was disturbed
 *     (a write through a stale pointer after the last frame_free);
 *   - a frame mapped by user leaf PTEs has refcount equal to the number
 *     of distinct level-0 page tables that map it (see cow.c: a table
 *     shared by several processes holds one reference for all of them);
 *   - a level-0 table of a user address space has refcount equal to the
 *     number of level-1 PTEs, in all address spaces, that point to it;
 *   - a frame in the page cache (fs/pcache.c) holds one reference more,
 *     the cache's, besides those of the tables that map it;
 *   - every other allocated frame (root and level-1 tables, kernel stacks,
 *     trap frames, pipe buffers) has exactly one holder and refcount 1.
 * When the free frames run out, frame_alloc asks the page cache to free
 * frames only it holds (frame_set_page_cache) before it gives up.
 * Counts change by atomic operations.  A count goes from 0 to 1 (taken
 * out of a cache) and from 1 to 0 (put into one) only under that cache's
 * lock, in the same critical section as the cache change; frames move
 * between a cache and the global list, count 0 throughout, under both the
 * cache's lock and frame_lock.  So whoever holds every cache lock and
 * frame_lock (the audit, frame_scan) sees every free frame in one place
 * with count 0 and no frame with count 0 anywhere else; two harts
 * dropping the last two references to a frame at once free it exactly
 * once.  Lock order: a cache's lock, then frame_lock; the audit takes the
 * cache locks in hart order; nobody else holds two cache locks.  Other
 * changes (2 -> 3, 3 -> 2: sharing) need no lock: only a holder of a
 * reference changes a count, so a count above 1 cannot reach 0 under
 * someone's feet, and the copy-on-write fault path pays for no lock to
 * read or drop a shared frame's count.
 *
 * Memory ordering (RVWMO lets a hart see another's stores out of order):
 *   - a count read that decides "I hold the only reference, so I may
 *     write the frame or table in place" (frame_refcount, and put_shared
 *     finding 1) is an ACQUIRE load;
 *   - every drop that is not the last (put_shared) is a RELEASE (its
 *     compare-and-swap is acquire-release).  So whoever reads the count a
 *     drop left also sees everything the dropper did before it: above
 *     all, a sharer that copies a level-0 table raises the count of every
 *     page it maps, then drops the shared table; a hart that then reads
 *     the table's count as 1 and a page's count sees the raised page
 *     count, never a stale 1 that would let it write a frame the copy
 *     still maps (cow.c, "why count 1 needs no lock");
 *   - raises (frame_ref_inc) are RELAXED: a raise is made by a holder
 *     before it publishes the new reference, and the publication is
 *     ordered by that drop, by the VM lock (release on unlock) or by
 *     frame_lock;
 *   - 0 -> 1 and 1 -> 0 happen under a cache's lock, whose release and
 *     acquire order them with the cache; RELAXED stores suffice;
 *   - reads for statistics and the audit (frame_shared_count,
 *     frame_scan, frame_free_problem, the cache sizes frame_free_count
 *     adds up) are RELAXED: they order nothing.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/arch/fdt.h"

#define NO_FRAME    0xffffffffU
#define JUNK        0x5a5a5a5a5a5a5a5aUL
#define CACHE_SIZE  32 /* free frames a hart keeps at most */
#define CACHE_BATCH 16 /* frames an empty cache takes from the list at once */
#define ZEROED_MAX  8  /* all-zero frames a hart keeps at most */

struct frame {
	uint32 refcount;
	uint32 next_free; /* index of the next free frame, or NO_FRAME */
};

extern char end[]; /* first byte after the kernel image (kernel.ld) */

static struct spinlock frame_lock;
static struct frame *frame_table; /* one entry per frame of RAM */
static uint32 free_head = NO_FRAME;
static uint64 nfree;
static uint64 first_managed; /* pa of the first managed frame */
static uint64 ram_end;       /* first byte past RAM */
static uint64 carve_next;    /* boot only: the next byte frame_carve gives */

static void *zero_frame; /* the zero page; the kernel holds one reference */
static const struct page_cache_ops *page_cache; /* fs registers it */

/*
 * A hart's free frames (see the top of the file): a LIFO list threaded
 * through the frames' entries like the global one, so that a batch joins
 * or leaves the global list in one splice.
 */
struct frame_cache {
	struct spinlock lock;
	int n;        /* frames in it */
	uint32 head;  /* the last freed, or NO_FRAME */
	uint32 tail;  /* the first freed (its next_free is NO_FRAME) */
	int zn;       /* frames on the zeroed list */
	uint32 zhead; /* the zeroed list (all-zero frames), or NO_FRAME */
};
static struct frame_cache caches[NCPU];

static uint64
frame_pa(uint32 idx)
{
	return KERNBASE + (uint64)idx * PGSIZE;
}

int
frame_is_managed(uint64 pa)
{
	return pa >= first_managed && pa < ram_end;
}

/*
 * Why freeing (dropping a reference to) pa would be a bug, or 0 if it is
 * fine.  Separate from frame_free so self-tests can exercise the checks
 * without stopping the kernel.
 */
static const char *
range_problem(uint64 pa)
{
	if (pa % PGSIZE != 0)
		return "not the start of a frame";
	if (!frame_is_managed(pa))
		return "outside the managed range";
	return 0;
}

static const char double_free[] = "already free (double free)";

const char *
frame_free_problem(uint64 pa)
{
	const char *bad = range_problem(pa);

	if (bad)
		return bad;
	/* Relaxed: only a check; a holder's own count cannot reach 0. */
	if (__atomic_load_n(
		&frame_table[frame_index(pa)].refcount, __ATOMIC_RELAXED) == 0)
		return double_free;
	return 0;
}

static void
push_free(uint32 idx)
{
	frame_table[idx].next_free = free_head;
	free_head = idx;
	nfree++;
}

uint64
frame_ram_end(void)
{
	return ram_end;
}

uint64
frame_ram_frames(void)
{
	return (ram_end - KERNBASE) / PGSIZE;
}

/* Zeroed boot-time memory above the kernel image: only before the free list exists. */
void *
frame_carve(uint64 bytes)
{
	uint64 at = (carve_next + 7) & ~7UL;

	ASSERT(first_managed == 0);
	if (at + bytes > ram_end || at + bytes < at)
		panic("frame_carve: %lu bytes do not fit in RAM", bytes);
	carve_next = at + bytes;
	memset((void *)at, 0, bytes);
	return (void *)at;
}

/* RAM as the device tree says (QEMU's -m). */
static uint64
ram_end_from_boot_info(void)
{
	if (boot_info.mem_size == 0)
		panic("the device tree names no memory");
	if (boot_info.mem_base != KERNBASE)
		panic("RAM at 0x%lx: the kernel expects it at 0x%lx",
		    boot_info.mem_base, (uint64)KERNBASE);
	return PGROUNDDOWN(boot_info.mem_base + boot_info.mem_size);
}

void
frame_init(void)
{
	uint64 pa;
	int h;

	spin_init(&frame_lock, "frames");
	for (h = 0; h < NCPU; h++) {
		spin_init(&caches[h].lock, "frame cache");
		caches[h].head = caches[h].tail = caches[h].zhead = NO_FRAME;
	}
	ram_end = ram_end_from_boot_info();
	carve_next = (uint64)end;
	frame_table = frame_carve(frame_ram_frames() * sizeof(struct frame));
	vm_audit_carve();
	uvm_registry_carve();
	vma_init();
	first_managed = PGROUNDUP(carve_next);
	/* Push from the top so the lowest frames are handed out first. */
	for (pa = ram_end - PGSIZE; pa >= first_managed; pa -= PGSIZE) {
#ifdef DEBUG_CHECKS
		page_fill((void *)pa, JUNK);
#endif
		push_free(frame_index(pa));
	}
	/* Untouched heap pages map it for reading (uvm.c). */
	zero_frame = frame_alloc_zeroed();
	if (zero_frame == 0)
		panic("frame_init: no frame for the zero page");
}

void *
frame_zero(void)
{
	return zero_frame;
}

#ifdef DEBUG_CHECKS
/* A free frame must still hold the junk written when it was freed. */
static void
check_untouched(uint64 pa)
{
	const uint64 *w = (const uint64 *)pa;
	int i;

	for (i = 0; i < PGSIZE / 8; i++)
		if (w[i] != JUNK)
			panic("frame 0x%lx was written after it was freed (offset %d)",
			    pa, i * 8);
}
#endif

/*
 * The cache of the hart we run on.  Read with interrupts on, the answer
 * may be stale by the time the lock is taken (the thread moved): that is
 * still correct, since the lock, not the hart, protects a cache; it only
 * costs that hart's cache a rare visitor.
 */
static struct frame_cache *
cache_here(void)
{
	return &caches[cpuid()];
}

/*
 * The first CACHE_BATCH frames of the global list (or all, if fewer)
 * become empty cache c's, cut off in one piece.  c's lock is held.
 */
static void
cache_refill(struct frame_cache *c)
{
	uint32 last;
	int n = 1;

	spin_lock(&frame_lock);
	if (free_head != NO_FRAME) {
		for (last = free_head;
		     n < CACHE_BATCH && frame_table[last].next_free != NO_FRAME;
		     n++)
			last = frame_table[last].next_free;
		c->head = free_head;
		c->tail = last;
		c->n = n;
		free_head = frame_table[last].next_free;
		frame_table[last].next_free = NO_FRAME;
		nfree -= n;
	}
	spin_unlock(&frame_lock);
}

/* All of c's frames onto the global list, in one splice.  c's lock is held. */
static void
cache_drain(struct frame_cache *c)
{
	if (c->n == 0)
		return;
	spin_lock(&frame_lock);
	frame_table[c->tail].next_free = free_head;
	free_head = c->head;
	nfree += c->n;
	spin_unlock(&frame_lock);
	c->head = c->tail = NO_FRAME;
	c->n = 0;
}

#ifdef DEBUG_CHECKS
/* Frames on a zeroed list must hold zeros: the promise frame_free_zeroed took. */
static void
check_zeroed(uint64 pa, const char *when)
{
	const uint64 *w = (const uint64 *)pa;
	int i;

	for (i = 0; i < PGSIZE / 8; i++)
		if (w[i] != 0)
			panic("frame 0x%lx is not all zeros %s (offset %d)", pa,
			    when, i * 8);
}
#endif

/* c's zeroed frames onto the global list (they may be written there). */
static void
zeroed_drain(struct frame_cache *c)
{
	uint32 idx;

	while (c->zn > 0) {
		idx = c->zhead;
		c->zhead = frame_table[idx].next_free;
		c->zn--;
#ifdef DEBUG_CHECKS
		page_fill((void *)frame_pa(idx), JUNK);
#endif
		spin_lock(&frame_lock);
		push_free(idx);
		spin_unlock(&frame_lock);
	}
}

/* Memory is short: every hart's cached frames back to the global list. */
static void
caches_drain_all(void)
{
	int h;

	for (h = 0; h < NCPU; h++) {
		spin_lock(&caches[h].lock);
		cache_drain(&caches[h]);
		zeroed_drain(&caches[h]);
		spin_unlock(&caches[h].lock);
	}
}

/* A frame out of c (refilled if empty), count 1; NO_FRAME if none.  c's lock is held. */
static uint32
cache_take(struct frame_cache *c)
{
	uint32 idx;

	if (c->n == 0)
		cache_refill(c);
	if (c->n == 0)
		return NO_FRAME;
	idx = c->head;
	c->head = frame_table[idx].next_free;
	c->n--;
	/* Relaxed: the cache lock's release publishes it with the change. */
	__atomic_store_n(&frame_table[idx].refcount, 1, __ATOMIC_RELAXED);
	return idx;
}

/* Every cache's frames back on the list, then one for c (or NO_FRAME). */
static uint32 alloc_when_short(struct frame_cache *c);

void *
frame_alloc(void)
{
	struct frame_cache *c = cache_here();
	uint32 idx;

	spin_lock(&c->lock);
	idx = cache_take(c);
	spin_unlock(&c->lock);
	if (idx == NO_FRAME && (idx = alloc_when_short(c)) == NO_FRAME)
		return 0;
#ifdef DEBUG_CHECKS
	check_untouched(frame_pa(idx));
#endif
	return (void *)frame_pa(idx);
}

/*
 * The free list and c are empty: the last free frames may sit in other
 * harts' caches; then file pages nobody maps go, before anyone is
 * refused memory.  A frame out of c, or NO_FRAME.  Out of line: the
 * common path of frame_alloc stays short.
 */
static __attribute__((noinline)) uint32
alloc_when_short(struct frame_cache *c)
{
	uint32 idx;

	do {
		caches_drain_all();
		spin_lock(&c->lock);
		idx = cache_take(c);
		spin_unlock(&c->lock);
	} while (idx == NO_FRAME && page_cache &&
	    page_cache->reclaim(CACHE_BATCH) > 0);
	return idx;
}

void *
frame_alloc_zeroed(void)
{
	struct frame_cache *c = cache_here();
	int zeroed = 0;
	uint32 idx;
	void *pa;

	spin_lock(&c->lock);
	if (c->zn > 0) {
		idx = c->zhead;
		c->zhead = frame_table[idx].next_free;
		c->zn--;
		/* Relaxed: the cache lock's release publishes it (top of file). */
		__atomic_store_n(&frame_table[idx].refcount, 1, __ATOMIC_RELAXED);
		zeroed = 1;
	} else {
		idx = cache_take(c);
	}
	spin_unlock(&c->lock);
	if (idx == NO_FRAME) { /* frame_alloc drains the other caches */
		if ((pa = frame_alloc()) != 0)
			page_zero(pa);
		return pa;
	}
	pa = (void *)frame_pa(idx);
#ifdef DEBUG_CHECKS
	if (zeroed)
		check_zeroed((uint64)pa, "when handed out (written after free)");
	else
		check_untouched((uint64)pa);
#endif
	if (!zeroed)
		page_zero(pa);
	return pa;
}

static uint32 *
count_of(void *pa)
{
	return &frame_table[frame_index((uint64)pa)].refcount;
}

void
frame_ref_inc(void *pa)
{
	const char *bad = frame_free_problem((uint64)pa);

	if (bad)
		panic("frame_ref_inc %p: %s", pa, bad);
	/* Relaxed: the caller holds a reference; see the top of the file. */
	__atomic_add_fetch(count_of(pa), 1, __ATOMIC_RELAXED);
}

/*
 * Drop a reference that is not the last, without the lock: returns 1 if
 * it did, 0 if the caller holds the only one (nothing changed then).
 */
static int
put_shared(void *pa, const char *who)
{
	const char *bad = range_problem((uint64)pa);
	uint32 *count, c;

	if (bad)
		panic("%s %p: %s", who, pa, bad);
	count = count_of(pa);
	/* Acquire: finding 1 means "all mine", after the others' drops. */
	c = __atomic_load_n(count, __ATOMIC_ACQUIRE);
	for (;;) {
		if (c == 0) /* the check of frame_free_problem, on the count read */
			panic("%s %p: %s", who, pa, double_free);
		if (c == 1)
			return 0;
		/* Release our stores before the drop; acquire on failure re-reads. */
		if (__atomic_compare_exchange_n(count, &c, c - 1, 0,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 1;
	}
}

/*
 * Drop the last reference to pa: into cache c (emptied onto the global
 * list first if full).  c's lock is held.
 */
static void
release_locked(struct frame_cache *c, void *pa)
{
	uint32 idx;

	/* Relaxed: under c's lock, with the cache change (top of file). */
	__atomic_store_n(count_of(pa), 0, __ATOMIC_RELAXED);
#ifdef DEBUG_CHECKS
	/* Stale users of a freed frame read junk, not plausible data. */
	page_fill(pa, JUNK);
#endif
	if (c->n == CACHE_SIZE)
		cache_drain(c);
	idx = frame_index((uint64)pa);
	frame_table[idx].next_free = c->head;
	if (c->n++ == 0)
		c->tail = idx;
	c->head = idx;
}

void
frame_free(void *pa)
{
	struct frame_cache *c;

	if (put_shared(pa, "frame_free"))
		return;
	c = cache_here();
	spin_lock(&c->lock);
	release_locked(c, pa);
	spin_unlock(&c->lock);
}

/*
 * frame_free for a frame the caller left all zeros (a page-table page
 * whose entries it cleared): the last reference puts it on this hart's
 * zeroed list, if there is room, for frame_alloc_zeroed.
 */
void
frame_free_zeroed(void *pa)
{
	struct frame_cache *c;
	uint32 idx = frame_index((uint64)pa);

	if (put_shared(pa, "frame_free_zeroed"))
		return;
#ifdef DEBUG_CHECKS
	check_zeroed((uint64)pa, "when freed as zeroed");
#endif
	c = cache_here();
	spin_lock(&c->lock);
	if (c->zn < ZEROED_MAX) {
		/* Relaxed: under c's lock, with the list change (top of file). */
		__atomic_store_n(&frame_table[idx].refcount, 0, __ATOMIC_RELAXED);
		frame_table[idx].next_free = c->zhead;
		c->zhead = idx;
		c->zn++;
	} else {
		release_locked(c, pa);
	}
	spin_unlock(&c->lock);
}

/*
 * Drop a reference unless it is the last: returns 1 if it was dropped
 * (someone else still holds the frame), 0 if the caller holds the only
 * one, in which case nothing changed and the frame is the caller's alone.
 * Lets the holders of a shared page table decide, atomically, which one
 * of them must release what the table maps.
 */
int
frame_put_unless_last(void *pa)
{
	return put_shared(pa, "frame_put_unless_last");
}

/*
 * The two halves of copying and releasing a level-0 page table: one
 * reference more, or one less, for every frame its valid PTEs map; the
 * release takes its cache's lock once for the whole table, not once a frame.
 */
void
frame_ref_inc_leaves(const pte_t *table)
{
	int i;

	pt_for_each_valid (table, i)
		frame_ref_inc((void *)PTE2PA(table[i]));
}

void
frame_free_leaves(pte_t *table)
{
	struct frame_cache *c = cache_here();
	int i;

	spin_lock(&c->lock);
	pt_for_each_valid (table, i) {
		void *pa = (void *)PTE2PA(table[i]);

		table[i] = 0;
		if (!put_shared(pa, "frame_free_leaves"))
			release_locked(c, pa);
	}
	spin_unlock(&c->lock);
}

int
frame_refcount(void *pa)
{
	if (!frame_is_managed((uint64)pa))
		return 0;
	/*
	 * Acquire: a count of 1 lets the caller write in place (cow.c), so it
	 * must see what the holder whose drop made it 1 did before the drop.
	 */
	return __atomic_load_n(count_of(pa), __ATOMIC_ACQUIRE);
}

/*
 * Free frames: the global list's and the caches'.  Exact when nothing
 * allocates or frees meanwhile; otherwise a moment's figure (a frame
 * moving between a cache and the list may count twice or not at all),
 * as any free count is by the time it is used.  frame_scan's is exact.
 */
uint64
frame_free_count(void)
{
	uint64 n;
	int h;

	spin_lock(&frame_lock);
	n = nfree;
	spin_unlock(&frame_lock);
	for (h = 0; h < NCPU; h++)
		n += __atomic_load_n(&caches[h].n, __ATOMIC_RELAXED) +
		    __atomic_load_n(&caches[h].zn, __ATOMIC_RELAXED);
	return n;
}

void
frame_set_page_cache(const struct page_cache_ops *ops)
{
	page_cache = ops;
}

const struct page_cache_ops *
frame_page_cache(void)
{
	return page_cache;
}

/*
 * For the up-front checks of sbrk and fork: cached file pages count as
 * free memory, so they are reclaimed first if the free frames fall short.
 */
uint64
frame_free_count_reclaim(uint64 want)
{
	uint64 n = frame_free_count();

	/* Not when even the whole cache would not do: keep it then. */
	if (n < want && page_cache && want - n <= page_cache->count() &&
	    page_cache->reclaim(want - n) > 0)
		n = frame_free_count();
	return n;
}

uint64
frame_total_count(void)
{
	return (ram_end - first_managed) / PGSIZE;
}

/* Frames with more than one reference: shared by copy-on-write. */
uint64
frame_shared_count(void)
{
	uint64 pa, n = 0;

	spin_lock(&frame_lock);
	for (pa = first_managed; pa < ram_end; pa += PGSIZE)
		if (__atomic_load_n(&frame_table[frame_index(pa)].refcount,
			__ATOMIC_RELAXED) > 1) /* a statistic: orders nothing */
			n++;
	spin_unlock(&frame_lock);
	return n;
}

/*
 * Call visit(pa, refcount) for every managed frame, under every cache's
 * lock and frame_lock, so the counts are one consistent snapshot while
 * other harts run (none can allocate or free meanwhile); returns the
 * number of free frames in that same snapshot, cached ones included.
 * For the audit (vmcheck.c).
 */
uint64
frame_scan(void (*visit)(uint64 pa, int refs, void *arg), void *arg)
{
	uint64 pa, n;
	int h;

	for (h = 0; h < NCPU; h++) /* in hart order: see the top of the file */
		spin_lock(&caches[h].lock);
	spin_lock(&frame_lock);
	for (pa = first_managed; pa < ram_end; pa += PGSIZE)
		/* Relaxed: the audit holds the VM lock exclusive (vmcheck.c). */
		visit(pa,
		    __atomic_load_n(&frame_table[frame_index(pa)].refcount,
			__ATOMIC_RELAXED),
		    arg);
	n = nfree;
	spin_unlock(&frame_lock);
	for (h = NCPU - 1; h >= 0; h--) {
		n += caches[h].n + caches[h].zn;
		spin_unlock(&caches[h].lock);
	}
	return n;
}
