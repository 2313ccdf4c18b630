/*
 * Physical frame allocator with reference counts.
 *
 * Every 4 KiB frame of RAM has an entry in frame_table, indexed by
 * (pa - KERNBASE) / PGSIZE.  Frames between the end of the kernel image
 * and PHYSTOP are managed; free ones form a LIFO list threaded through
 * their entries, so allocation and freeing are O(1).
 *
 * Invariants (checked by vm_check_refcounts, which vmstat -c and the tests
 * run, and in DEBUG_CHECKS builds by frame_alloc itself):
 *   - a frame is on the free list  <=>  its refcount is 0;
 *   - nobody writes to a free frame: free frames hold a junk pattern, and
 *     a debug build panics at allocation if the pattern was disturbed
 *     (a write through a stale pointer after the last frame_free);
 *   - a frame mapped into user page tables has refcount equal to the
 *     number of user PTEs that map it (copy-on-write sharing raises it);
 *   - every other allocated frame (page-table pages, kernel stacks, trap
 *     frames, pipe buffers) has exactly one holder and refcount 1.
 * The refcount is changed only under frame_lock, so two harts dropping
 * references to one frame at once free it exactly once.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

#define NFRAMES ((PHYSTOP - KERNBASE) / PGSIZE)
#define NO_FRAME 0xffffffffU
#define JUNK     0x5a5a5a5a5a5a5a5aUL

struct frame {
	uint32 refcount;
	uint32 next_free;     /* index of the next free frame, or NO_FRAME */
};

extern char end[];        /* first byte after the kernel image (kernel.ld) */

static struct spinlock frame_lock;
static struct frame frame_table[NFRAMES];
static uint32 free_head = NO_FRAME;
static uint64 nfree;
static uint64 first_managed;   /* pa of the first managed frame */

static uint32
frame_index(uint64 pa)
{
	return (pa - KERNBASE) / PGSIZE;
}

static uint64
frame_pa(uint32 idx)
{
	return KERNBASE + (uint64)idx * PGSIZE;
}

int
frame_is_managed(uint64 pa)
{
	return pa >= first_managed && pa < PHYSTOP;
}

/*
 * Why freeing (dropping a reference to) pa would be a bug, or 0 if it is
 * fine.  Separate from frame_free so self-tests can exercise the checks
 * without stopping the kernel.
 */
const char *
frame_free_problem(uint64 pa)
{
	if (pa % PGSIZE != 0)
		return "not the start of a frame";
	if (!frame_is_managed(pa))
		return "outside the managed range";
	if (frame_table[frame_index(pa)].refcount == 0)
		return "already free (double free)";
	return 0;
}

static void
push_free(uint32 idx)
{
	frame_table[idx].next_free = free_head;
	free_head = idx;
	nfree++;
}

void
frame_init(void)
{
	uint64 pa;

	spin_init(&frame_lock, "frames");
	first_managed = PGROUNDUP((uint64)end);
	/* Push from the top so the lowest frames are handed out first. */
	for (pa = PHYSTOP - PGSIZE; pa >= first_managed; pa -= PGSIZE) {
#ifdef DEBUG_CHECKS
		page_fill((void *)pa, JUNK);
#endif
		push_free(frame_index(pa));
	}
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

void *
frame_alloc(void)
{
	uint32 idx;

	spin_lock(&frame_lock);
	idx = free_head;
	if (idx == NO_FRAME) {
		spin_unlock(&frame_lock);
		return 0;
	}
	free_head = frame_table[idx].next_free;
	frame_table[idx].refcount = 1;
	nfree--;
	spin_unlock(&frame_lock);
#ifdef DEBUG_CHECKS
	check_untouched(frame_pa(idx));
#endif
	return (void *)frame_pa(idx);
}

void *
frame_alloc_zeroed(void)
{
	void *pa = frame_alloc();

	if (pa)
		page_zero(pa);
	return pa;
}

void
frame_ref_inc(void *pa)
{
	const char *bad = frame_free_problem((uint64)pa);

	if (bad)
		panic("frame_ref_inc %p: %s", pa, bad);
	spin_lock(&frame_lock);
	frame_table[frame_index((uint64)pa)].refcount++;
	spin_unlock(&frame_lock);
}

void
frame_free(void *pa)
{
	struct frame *f;
	const char *bad;
	int last;

	spin_lock(&frame_lock);
	bad = frame_free_problem((uint64)pa);
	if (bad) {
		spin_unlock(&frame_lock);
		panic("frame_free %p: %s", pa, bad);
	}
	f = &frame_table[frame_index((uint64)pa)];
	last = --f->refcount == 0;
	spin_unlock(&frame_lock);
	if (!last)
		return;
#ifdef DEBUG_CHECKS
	/* Stale users of a freed frame read junk, not plausible data. */
	page_fill(pa, JUNK);
#endif
	spin_lock(&frame_lock);
	push_free(frame_index((uint64)pa));
	spin_unlock(&frame_lock);
}

int
frame_refcount(void *pa)
{
	int n;

	if (!frame_is_managed((uint64)pa))
		return -1;
	spin_lock(&frame_lock);
	n = frame_table[frame_index((uint64)pa)].refcount;
	spin_unlock(&frame_lock);
	return n;
}

uint64
frame_free_count(void)
{
	uint64 n;

	spin_lock(&frame_lock);
	n = nfree;
	spin_unlock(&frame_lock);
	return n;
}

uint64
frame_total_count(void)
{
	return (PHYSTOP - first_managed) / PGSIZE;
}

/* Frames with more than one reference: shared by copy-on-write. */
uint64
frame_shared_count(void)
{
	uint64 pa, n = 0;

	spin_lock(&frame_lock);
	for (pa = first_managed; pa < PHYSTOP; pa += PGSIZE)
		if (frame_table[frame_index(pa)].refcount > 1)
			n++;
	spin_unlock(&frame_lock);
	return n;
}
