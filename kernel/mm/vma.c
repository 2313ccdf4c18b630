/*
 * Mapped regions: what mmap adds to an address space, and how their pages
 * come in, are shared at fork and go away.
 *
 * Each address space has at most VMA_MAX regions (and the program's, up
 * to VMA_IMAGE_MAX, below MMAP_BASE), kept sorted by address in a small
 * array: a struct vma_space, found through the address-space registry
 * (space.h: the slot of the space, which also holds its heap).  fork
 * shares the parent's set with the child (a count of users); whichever
 * changes its regions first gets a copy (own_space_private).  A region is anonymous
 * (file 0) or maps a file from off on; the region holds a reference to the
 * file, taken and dropped through the callbacks the system-call layer
 * registers (vma_set_file_ops): mm is below fs and never calls it
 * directly.  Regions live in the mmap area [MMAP_BASE, MMAP_END): far
 * above any heap memory can fill, below the level-0 table that holds the
 * trap frame; so fork's table sharing (FORK=cow: only below the size)
 * never reaches them.
 *
 * Pages come in on first touch (vma_fill, called by vm_fill in fault.c
 * for the fault handler and copyin/copyout alike): a zeroed frame for an
 * anonymous region; for a file region the page cache's frame (fs/pcache.c,
 * reached through the file ops), mapped with the region's protection.
 * A page of a region is one of:
 *
 *   untouched      no PTE
 *   private        V R [W] [X] U, count 1 (or more after fork: then COW,
 *                  and a write goes through cow.c's wp_page like any page);
 *                  a file's: the cached frame, read-only and COW if the
 *                  region is writable, so the first store copies it; the
 *                  page where a program segment's file bytes end: a
 *                  private copy, zero past them
 *   shared         V R [W] [X] U, writable in all that map it: MAP_SHARED;
 *                  a file's is the cached frame itself
 *
 * References: a mapped page's frame holds one per level-0 table that maps
 * it (the same rule as every user page: vmcheck.c checks it), and the
 * tables of the mmap area are never shared, so one per address space; a
 * cached frame holds the cache's one more.
 * An mmap region holds one reference to its file (per set of regions);
 * the program's regions (VMA_IMAGE, exec's) hold one reference to the
 * program's inode between them, counted in a struct vma_image that every
 * set forked from that exec shares.
 *
 * The program's regions lie below MMAP_BASE, where fork may share the
 * page tables (FORK=cow): a fill makes the tables on its way private
 * first (uvm_private_pte), and their pages are fork's to share like any
 * page below the size (uvm_fork), never vma_fork's.
 *
 * A MAP_SHARED file page is shared through the cache: whoever touches it,
 * forked or not, maps the same frame, so fork need not fill it first, and
 * read() sees stores at once.  Its dirty pages (PTE_D) are written back to
 * the file through the log at munmap, exec and exit, before they are
 * unmapped: so a cached page nobody maps is clean (pcache.c reclaims it
 * without writing).  An anonymous shared region has no such place: fork
 * fills its untouched pages first (fill_shared), so both share each frame.
 *
 * Locks: vma_lock guards every set of regions (a pmap of another process
 * reads them).  Only the process that owns an address space changes its
 * regions and their pages (no threads), so a snapshot taken under the
 * lock stays true while the owner works from it, sleeping on the disk
 * without holding any lock.  Page-table changes are made under the VM
 * lock held shared, one page per step.  vma_lock is never held while
 * taking the VM lock.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fcntl.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/mm/space.h"

/*
 * The program file of an image, shared by every address space that runs
 * it since one exec: fork and exit take and drop a count here (an atomic
 * add), not a reference to the file, and the last space drops the file.
 */
struct vma_image {
	void *file; /* the one reference, through image_ops */
	int refs;   /* address spaces that hold it */
};

struct vma_space {
	int users; /* address spaces that share the set; 0: this slot is free */
	int n;
	int images;              /* how many of v are VMA_IMAGE */
	struct vma_image *image; /* their file, if images > 0 */
	/*
	 * The file pages of every readable file region lie within
	 * [file_lo, file_hi) (widened as regions come, never narrowed), so
	 * that read() and write() on other memory skip vma_prefault's loop.
	 */
	uint64 file_lo, file_hi;
	struct vma v[VMA_MAX + VMA_IMAGE_MAX]; /* sorted by start, disjoint */
};

/* Every address space may have a set: a process's and the one exec builds. */
#define VMA_SPACES (2 * NPROC)

static struct spinlock vma_lock = SPINLOCK_INIT("vma");
static struct vma_space vma_spaces[VMA_SPACES];
/*
 * A space finds its set through the address-space registry (uvm_regions:
 * one load, found from the root's frame).  Every process has a set once
 * it has exec'd, so taking a free one must not cost a search either:
 * free_sets[0..nfree) is a stack of their indexes, changed under vma_lock.
 */
static ushort free_sets[VMA_SPACES];
static int nfree;
/* At most one image per set: as many, from a stack of free ones too. */
static struct vma_image vma_images[VMA_SPACES];
static struct vma_image *free_images[VMA_SPACES];
static int nfree_images;
/*
 * How many sets are taken: while none is, fork, exec and exit skip the
 * look-up altogether.  Changed under vma_lock; an owner whose set exists
 * sees a count of at least one (its set was made before it ran).
 */
int vma_spaces_used;
static const struct vma_file_ops *file_ops, *image_ops;

void
vma_set_file_ops(const struct vma_file_ops *ops, const struct vma_file_ops *image)
{
	file_ops = ops;
	image_ops = image;
}

void
vma_init(void)
{
	for (nfree = 0; nfree < VMA_SPACES; nfree++)
		free_sets[nfree] = VMA_SPACES - 1 - nfree;
	for (nfree_images = 0; nfree_images < VMA_SPACES; nfree_images++)
		free_images[nfree_images] = &vma_images[nfree_images];
}

/* How r's file is reached: an mmap'd struct file, or the program's inode. */
static const struct vma_file_ops *
ops_of(const struct vma *r)
{
	return r->flags & VMA_IMAGE ? image_ops : file_ops;
}

/*
 * pt's set of regions, or 0.  Under vma_lock, or by pt's owner (only it
 * claims or gives back pt's set, so the entry it reads is its own).
 */
static inline struct vma_space *
space_of(pagetable_t pt)
{
	return uvm_regions(pt);
}

/*
 * pt's set, or 0 if it has none.  Only pt's owner calls this (and
 * uvm_destroy, at the end): nobody else changes the set or frees it, so
 * the owner may read it without the lock; its changes take the lock.
 */
static inline struct vma_space *
own_space(pagetable_t pt)
{
	return vma_in_use() ? space_of(pt) : 0;
}

static void image_put(struct vma_image *image);

/* pt's set is s (or none, s 0) from now on (space.h says how). */
static void
space_attach(pagetable_t pt, struct vma_space *s)
{
	uvm_set_regions(pt, s);
}

/* A free set, empty, for one user; 0 if none is left.  vma_lock is held. */
static struct vma_space *
space_alloc(void)
{
	struct vma_space *s;

	if (nfree == 0)
		return 0;
	s = &vma_spaces[free_sets[--nfree]];
	__atomic_add_fetch(&vma_spaces_used, 1, __ATOMIC_RELEASE);
	s->users = 1;
	s->n = 0;
	s->images = 0;
	s->image = 0;
	s->file_lo = MAXVA;
	s->file_hi = 0;
	return s;
}

/*
 * One user of s less; the last gives the set back and drops what it held
 * (the files of its mmap regions, its share of the image).
 */
static void
space_put(struct vma_space *s)
{
	void *files[VMA_MAX];
	struct vma_image *image;
	int i, n = 0;

	if (__atomic_sub_fetch(&s->users, 1, __ATOMIC_RELEASE) != 0)
		return;
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the other users' changes */
	spin_lock(&vma_lock);
	for (i = s->images; i < s->n; i++)
		if (s->v[i].file)
			files[n++] = s->v[i].file;
	image = s->image;
	s->n = 0;
	free_sets[nfree++] = s - vma_spaces;
	__atomic_sub_fetch(&vma_spaces_used, 1, __ATOMIC_RELEASE);
	spin_unlock(&vma_lock);
	image_put(image);
	for (i = 0; i < n; i++)
		file_ops->close(files[i]);
}

/* pt lets go of its set s. */
static void
space_drop(pagetable_t pt, struct vma_space *s)
{
	space_attach(pt, 0);
	space_put(s);
}

/*
 * A set for pt that pt alone uses, so pt may change it: the one it has;
 * a copy, if fork left it shared (copy-on-write of the region list: each
 * copy takes its own file references); an empty one if it had none.  0
 * if every set is taken.
 */
static struct vma_space *
own_space_private(pagetable_t pt)
{
	struct vma_space *s = own_space(pt), *t;
	int i;

	if (s && __atomic_load_n(&s->users, __ATOMIC_ACQUIRE) == 1)
		return s;
	spin_lock(&vma_lock);
	if ((t = space_alloc()) != 0) {
		if (s) {
			for (i = 0; i < s->n; i++)
				t->v[i] = s->v[i];
			t->n = s->n;
			t->images = s->images;
			t->image = s->image;
			t->file_lo = s->file_lo;
			t->file_hi = s->file_hi;
		}
		space_attach(pt, t);
	}
	spin_unlock(&vma_lock);
	if (t == 0 || s == 0)
		return t;
	/* s's other users keep it as it is: t takes references of its own. */
	for (i = t->images; i < t->n; i++)
		if (t->v[i].file)
			file_ops->dup(t->v[i].file);
	if (t->image)
		__atomic_add_fetch(&t->image->refs, 1, __ATOMIC_RELAXED);
	space_put(s);
	return t;
}

/* The region holding va, copied to *out: 1, or 0 if there is none. */
static int
vma_lookup(pagetable_t pt, uint64 va, struct vma *out)
{
	struct vma_space *s = own_space(pt);
	int i;

	for (i = 0; s && i < s->n; i++) {
		if (va >= s->v[i].start && va < s->v[i].end) {
			*out = s->v[i];
			return 1;
		}
	}
	return 0;
}

int
vma_get(pagetable_t pt, int i, struct vma *out)
{
	struct vma_space *s;
	int found;

	spin_lock(&vma_lock);
	s = space_of(pt);
	found = s && i >= 0 && i < s->n;
	if (found)
		*out = s->v[i];
	spin_unlock(&vma_lock);
	return found;
}

/* Insert r at index i of s (it has room), or with r 0 remove entry i. */
static void
space_edit(struct vma_space *s, int i, const struct vma *r)
{
	spin_lock(&vma_lock);
	if (r) {
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
		s->v[i] = *r;
		s->n++;
		s->images += (r->flags & VMA_IMAGE) != 0;
		if (r->file && (r->prot & PROT_READ) && r->filesz > 0) {
			if (r->start < s->file_lo)
				s->file_lo = r->start;
			if (r->start + r->filesz > s->file_hi)
				s->file_hi = r->start + r->filesz;
		}
	} else {
		s->images -= (s->v[i].flags & VMA_IMAGE) != 0;
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
		s->n--;
	}
	spin_unlock(&vma_lock);
}

/* A set made for a mapping that was then refused goes back. */
static void
space_release_if_empty(pagetable_t pt, struct vma_space *s)
{
	if (s->n == 0)
		space_drop(pt, s);
}

static int
pte_perm_of(int prot)
{
	int perm = PTE_U;

	if (prot & (PROT_READ | PROT_WRITE))
		perm |= PTE_R; /* Sv39 has no write-only pages */
	if (prot & PROT_WRITE)
		perm |= PTE_W;
	if (prot & PROT_EXEC)
		perm |= PTE_X;
	return perm;
}

/* The first free stretch of len bytes in [lo, MMAP_END), or 0. */
static uint64
find_room(const struct vma *v, int n, uint64 lo, uint64 len)
{
	uint64 at = lo;
	int i;

	for (i = 0; i < n; i++) {
		if (v[i].end <= at)
			continue;
		if (at + len <= v[i].start)
			break;
		at = v[i].end;
	}
	return at + len <= MMAP_END ? at : 0;
}

uint64
vma_map(pagetable_t pt, uint64 addr, uint64 len, int prot, int flags,
    void *file, uint64 off, uint64 floor)
{
	struct vma_space *s = own_space_private(pt);
	/* Never in a level-0 table that fork may share (the program's). */
	uint64 lo = floor > MMAP_BASE ? L0_NEXT(floor) : MMAP_BASE;
	struct vma r;
	int i;

	len = PGROUNDUP(len);
	if (s == 0 || s->n - s->images == VMA_MAX || len == 0 || len > MMAP_END)
		goto refuse;
	if (addr == 0 && (addr = find_room(s->v, s->n, lo, len)) == 0)
		goto refuse;
	if (addr % PGSIZE || addr < lo || addr > MMAP_END || len > MMAP_END - addr)
		goto refuse;
	for (i = 0; i < s->n; i++)
		if (addr < s->v[i].end && s->v[i].start < addr + len)
			goto refuse;
	for (i = 0; i < s->n && s->v[i].start < addr; i++)
		;
	if (prot & PROT_WRITE)
		prot |= PROT_READ;
	r = (struct vma){ addr, addr + len, prot, flags, file, off, len };
	space_edit(s, i, &r);
	return addr;
refuse:
	if (s)
		space_release_if_empty(pt, s);
	return -1;
}

int
vma_map_image(pagetable_t pt, uint64 start, uint64 end, int prot, void *file,
    uint64 off, uint64 filesz)
{
	struct vma_space *s = own_space_private(pt);
	struct vma r = { start, end, prot, MAP_PRIVATE | VMA_IMAGE, file, off,
		filesz };

	/* exec adds the segments of one file in ascending order. */
	if (s == 0 || s->images == VMA_IMAGE_MAX || start % PGSIZE ||
	    end % PGSIZE || start >= end || end > MMAP_BASE ||
	    (s->images > 0 &&
		(s->v[s->images - 1].end > start || s->image->file != file)))
		goto refuse;
	if (s->images == 0) {
		spin_lock(&vma_lock);
		if (nfree_images > 0) {
			s->image = free_images[--nfree_images];
			*s->image = (struct vma_image){ file, 1 };
		}
		spin_unlock(&vma_lock);
		if (s->image == 0)
			goto refuse;
		image_ops->dup(file);
	}
	space_edit(s, s->images, &r);
	return 0;
refuse:
	if (s)
		space_release_if_empty(pt, s);
	return -1;
}

/*
 * The PTE bits for a file page of r, which maps the page cache's frame:
 * as r allows for MAP_SHARED (stores land in the cached page); for
 * MAP_PRIVATE never writable, and copy-on-write if r is writable: the
 * cache's own reference keeps the count at 2 or more while the page is
 * cached, so the first store copies (cow.c's wp_page) and the cache's
 * frame is never handed to a writer.
 */
static int
file_pte_perm(const struct vma *r)
{
	int perm = pte_perm_of(r->prot);

	if (r->flags & MAP_SHARED)
		return perm;
	return (perm & PTE_W) ? (perm & ~PTE_W) | PTE_COW : perm;
}

/*
 * Map frame (one reference, ours) at va if nothing is there yet, making
 * the tables on the way private first (fork shares the program image's,
 * FORK=cow).  The VM lock is held shared.
 */
static enum vm_fill
install(pagetable_t pt, uint64 va, void *frame, int perm)
{
	pte_t *pte = uvm_private_pte(pt, va, perm & PTE_W);

	if (pte != 0 && (*pte & PTE_V) == 0) {
		*pte = PA2PTE(frame) | perm | PTE_V;
		return FILL_MAPPED;
	}
	frame_free(frame); /* no table, or another fill came first */
	return pte == 0 ? FILL_NO_MEMORY : FILL_MAPPED;
}

/*
 * Map the page at va of file region r.  The file's bytes come from the
 * page cache: bringing the page in may sleep, so no lock is held then,
 * and the reference the cache hands out goes into the PTE (or, for the
 * page where a segment's file bytes end, is copied from and dropped) in
 * the same VM-lock step, so the audit always finds it accounted for.
 */
static enum vm_fill
fill_file_page(pagetable_t pt, const struct vma *r, uint64 va)
{
	const struct vma_file_ops *ops = ops_of(r);
	uint64 at = va - r->start, off = r->off + at;
	uint64 from_file = r->filesz - at < PGSIZE ? r->filesz - at : PGSIZE;
	char *copy = 0;
	enum vm_fill result;
	void *frame;
	int tries = 0;

	/* A page only partly the file's: a private copy, zeros past the bytes. */
	if (from_file < PGSIZE && (copy = frame_alloc()) == 0)
		return FILL_NO_MEMORY;
	do {
		if ((result = ops->fill(r->file, off)) != FILL_MAPPED)
			break;
		vm_lock_shared();
		/* 0: reclaimed since the fill, which is rare: fill it again. */
		if ((frame = ops->page(r->file, off)) != 0 && copy) {
			page_copy(copy, frame);
			memset(copy + from_file, 0, PGSIZE - from_file);
			frame_free(frame); /* the cache's frame stays cached */
			result = install(pt, va, copy, pte_perm_of(r->prot));
			copy = 0;
		} else if (frame) {
			result = install(pt, va, frame, file_pte_perm(r));
		}
		vm_unlock_shared();
		/* Reclaimed each time: memory is that short. */
		if (frame == 0 && ++tries == 4)
			result = FILL_NO_MEMORY;
	} while (frame == 0 && tries < 4);
	if (copy)
		frame_free(copy);
	return result;
}

/*
 * Map the page at va (page-aligned) of region r, which has none yet: the
 * file's page, or a zeroed frame for an anonymous region and for a page
 * wholly past the file bytes (a program's bss).
 */
static enum vm_fill
fill_page(pagetable_t pt, const struct vma *r, uint64 va)
{
	enum vm_fill result;
	void *frame;

	if (r->file && va - r->start < r->filesz)
		return fill_file_page(pt, r, va);
	if ((frame = frame_alloc_zeroed()) == 0)
		return FILL_NO_MEMORY;
	vm_lock_shared();
	result = install(pt, va, frame, pte_perm_of(r->prot));
	vm_unlock_shared();
	return result;
}

/* The valid leaf PTE of pt at va, or 0.  Only pt's owner changes it. */
static pte_t *
mapped_pte(pagetable_t pt, uint64 va)
{
	pte_t *pte = pt_walk(pt, va, 0);

	return pte && (*pte & PTE_V) ? pte : 0;
}

enum vm_fill
vma_fill(pagetable_t pt, uint64 va, int need)
{
	struct vma r;

	DEBUG_ASSERT(vm_lock_held() == 0);
	if (va >= MAXVA || !vma_lookup(pt, va, &r))
		return FILL_NONE;
	if ((r.prot & need) != need)
		return FILL_DENIED;
	va = PGROUNDDOWN(va);
	if (mapped_pte(pt, va))
		return FILL_NONE; /* mapped: the fault is about something else */
	return fill_page(pt, &r, va);
}

/* vma_prefault's work, once the buffer may reach a file page. */
static void __attribute__((noinline)) prefault_pages(
    pagetable_t pt, struct vma_space *s, uint64 va, uint64 end, int need)
{
	uint64 a;
	int i;

	for (i = 0; i < s->n; i++) {
		struct vma *r = &s->v[i];

		if (r->file == 0 || (r->prot & need) != need || r->end <= va ||
		    r->start >= end)
			continue;
		a = PGROUNDDOWN(va) > r->start ? PGROUNDDOWN(va) : r->start;
		for (; a < end && a < r->end; a += PGSIZE)
			if (a - r->start < r->filesz && !mapped_pte(pt, a))
				fill_page(pt, r, a);
	}
}

/*
 * Before read() or write() copies through [va, va + len): map the file
 * pages the copy will reach (need: PROT_WRITE for read()'s target,
 * PROT_READ for write()'s source; a region without it is skipped, the
 * copy fails there anyway).  A copy made under a spinlock (a pipe, the
 * console) cannot bring a page into the cache, and one made under the
 * inode lock of another file must not (two processes copying between
 * two files crosswise would each wait for the other's lock).  Pages past
 * the end of the file are mapped too, for the same reasons: the copy
 * touches them.  Mapped pages are never reclaimed, so they stay.
 *
 * Every read() and write() whose buffer may reach a file page comes
 * here (sys_read/sys_write test the span first): the common case costs
 * a few loads, no saved registers.
 */
void
vma_prefault(pagetable_t pt, uint64 va, uint64 len, int need)
{
	struct vma_space *s = own_space(pt);
	uint64 end = va + len < va ? MAXVA : va + len;

	if (s && va < s->file_hi && end > s->file_lo)
		prefault_pages(pt, s, va, end, need);
}

void
vma_file_span(pagetable_t pt, uint64 *lo, uint64 *hi)
{
	struct vma_space *s = own_space(pt);

	*lo = s ? s->file_lo : 0;
	*hi = s ? s->file_hi : 0;
}

/* Pages write-back could not store (a read-only log, a full or failed disk). */
static uint64 writeback_lost;

uint64
vma_writeback_lost(void)
{
	return __atomic_load_n(&writeback_lost, __ATOMIC_RELAXED);
}

/*
 * Write r's dirty pages back to its file, if r is a writable shared file
 * mapping.  This is what keeps a cached page nobody maps clean (pcache.c):
 * it runs before every unmap of such a page.  A page that cannot be
 * stored is counted and reported on the console; the unmap goes on (the
 * page stays in the cache, where read() still sees it, until reclaimed).
 */
static void
write_back(pagetable_t pt, const struct vma *r)
{
	uint64 va;
	pte_t *pte;

	if (r->file == 0 || (r->flags & MAP_SHARED) == 0 ||
	    (r->prot & PROT_WRITE) == 0)
		return;
	for (va = r->start; va < r->end; va += PGSIZE)
		if ((pte = mapped_pte(pt, va)) != 0 && (*pte & PTE_D) &&
		    file_ops->write(r->file, r->off + (va - r->start),
			(void *)PTE2PA(*pte), PGSIZE) < 0) {
			__atomic_add_fetch(&writeback_lost, 1, __ATOMIC_RELAXED);
			kprintf("mmap: a dirty page at file offset %lu was not "
				"written back\n",
			    r->off + (va - r->start));
		}
}

/* Unmap the pages of [start, end), one page per step under the VM lock. */
static void
unmap_pages(pagetable_t pt, uint64 start, uint64 end)
{
	uint64 va;
	pte_t *pte;

	for (va = start; va < end; va += PGSIZE) {
		if (pt_walk(pt, va, 0) == 0) {
			va = pt_last_page_of_table(va);
			continue;
		}
		vm_lock_shared();
		if ((pte = mapped_pte(pt, va)) != 0) {
			frame_free((void *)PTE2PA(*pte));
			*pte = 0;
		}
		vm_unlock_shared();
	}
}

/* The part of r in [start, end) (which overlap), with its file offset. */
static struct vma
clip(const struct vma *r, uint64 start, uint64 end)
{
	struct vma c = *r;

	if (c.start < start) {
		c.off += start - c.start;
		c.start = start;
	}
	if (c.end > end)
		c.end = end;
	return c;
}

/*
 * Take [start, end) out of region i of s (they overlap): write its pages
 * back if it is shared, unmap them, and trim, split or drop the region.
 * s has room for one more region if this splits it.
 */
static void
unmap_part(pagetable_t pt, struct vma_space *s, int i, uint64 start, uint64 end)
{
	struct vma r = s->v[i], gone = clip(&r, start, end), right;

	write_back(pt, &gone);
	unmap_pages(pt, gone.start, gone.end);
	if (r.start < gone.start && r.end > gone.end) {
		/* Split: the right part is a region of its own, with its own reference. */
		right = clip(&r, gone.end, r.end);
		if (r.file)
			file_ops->dup(r.file);
		space_edit(s, i + 1, &right);
	}
	if (r.start < gone.start) {
		spin_lock(&vma_lock);
		s->v[i].end = gone.start;
		spin_unlock(&vma_lock);
	} else if (r.end > gone.end) {
		spin_lock(&vma_lock);
		s->v[i] = clip(&r, gone.end, r.end);
		spin_unlock(&vma_lock);
	} else {
		space_edit(s, i, 0);
		if (r.file)
			file_ops->close(r.file);
	}
}

/*
 * The first mmap region of s that overlaps [start, end), or -1.  The
 * program's regions are not munmap's: their tables may be shared.
 */
static int
first_overlap(const struct vma_space *s, uint64 start, uint64 end)
{
	int i;

	for (i = s ? s->images : 0; s && i < s->n; i++)
		if (s->v[i].start < end && s->v[i].end > start)
			return i;
	return -1;
}

int
vma_unmap(pagetable_t pt, uint64 addr, uint64 len)
{
	struct vma_space *s = own_space(pt);
	uint64 end = addr + PGROUNDUP(len);
	int i;

	DEBUG_ASSERT(vm_lock_held() == 0);
	if (addr % PGSIZE || len == 0 || addr >= MAXVA || len > MAXVA ||
	    end > MAXVA)
		return -1;
	/* Nothing mapped there, or no room to split: an error, nothing changed. */
	if ((i = first_overlap(s, addr, end)) < 0)
		return -1;
	if (s->n - s->images == VMA_MAX && s->v[i].start < addr &&
	    s->v[i].end > end)
		return -1;
	if ((s = own_space_private(pt)) == 0)
		return -1;
	while ((i = first_overlap(s, addr, end)) >= 0)
		unmap_part(pt, s, i, addr, end);
	if (s->n == 0)
		space_drop(pt, s); /* the set goes with its last region */
	return 0;
}

void
vma_unmap_all(pagetable_t pt)
{
	struct vma_space *s = own_space(pt);

	if (s && s->n > s->images) /* the image's go with the tables */
		vma_unmap(pt, MMAP_BASE, MMAP_END - MMAP_BASE);
}

/* Drop one address space's hold on image (if any); the last drops the file. */
static void
image_put(struct vma_image *image)
{
	void *file;

	if (image == 0 || __atomic_sub_fetch(&image->refs, 1, __ATOMIC_ACQ_REL))
		return;
	file = image->file;
	spin_lock(&vma_lock);
	free_images[nfree_images++] = image;
	spin_unlock(&vma_lock);
	image_ops->close(file);
}

/* uvm_destroy: forget the regions and drop their files; the pages go with the tables. */
void
vma_release(pagetable_t pt)
{
	struct vma_space *s;

	if (vma_in_use() && (s = space_of(pt)) != 0)
		space_drop(pt, s);
}

/* Give child the parent's page at va in region r, if it has one. */
static int
fork_page(pagetable_t parent, pagetable_t child, const struct vma *r, uint64 va)
{
	pte_t *pte = mapped_pte(parent, va);
	int result = 0;

	if (pte == 0)
		return 0;
	vm_lock_shared();
	if (r->flags & MAP_SHARED) {
		/* The same frame, writable in both if it is in the parent. */
		result = pt_map(
		    child, va, PGSIZE, PTE2PA(*pte), PTE_FLAGS(*pte) & ~PTE_V);
		if (result == 0)
			frame_ref_inc((void *)PTE2PA(*pte));
	} else {
		result = fork_share_page(pte, child, va); /* COW, or a copy */
	}
	vm_unlock_shared();
	return result;
}

/*
 * Does fork fill the untouched pages of r?  An anonymous shared region's:
 * its pages live only in the frames its sharers map, so parent and child
 * must share each one before either touches it.  A file's shared pages
 * come from the page cache, where both find the same frame later.
 */
static int
fork_fills(const struct vma *r)
{
	return r->file == 0 && (r->flags & MAP_SHARED) && r->prot != PROT_NONE;
}

/*
 * Fill every untouched page of the anonymous shared regions of s, so
 * fork can share them all.  A fork that would need more frames than are
 * free (cached file pages count) fails up front, as sbrk does, rather
 * than take the last of memory from everyone.
 */
static int
fill_shared(pagetable_t pt, const struct vma_space *s)
{
	uint64 va, untouched = 0;
	int i;

	for (i = 0; i < s->n; i++)
		for (va = s->v[i].start;
		     fork_fills(&s->v[i]) && va < s->v[i].end; va += PGSIZE)
			untouched += mapped_pte(pt, va) == 0;
	if (untouched == 0)
		return 0;
	if (untouched > frame_free_count_reclaim(untouched))
		return -1;
	for (i = 0; i < s->n; i++)
		for (va = s->v[i].start;
		     fork_fills(&s->v[i]) && va < s->v[i].end; va += PGSIZE)
			if (!mapped_pte(pt, va) &&
			    fill_page(pt, &s->v[i], va) != FILL_MAPPED)
				return -1;
	return 0;
}

/*
 * The child uses the parent's set, unchanged, until either changes its
 * regions (own_space_private copies it then): a fork costs one count, not
 * a copy of the list and a reference per file.
 */
static void
space_share(pagetable_t child, struct vma_space *s)
{
	__atomic_add_fetch(&s->users, 1, __ATOMIC_RELAXED);
	space_attach(child, s);
}

/* vma_fork of a space with mmap regions: their pages too. */
static int __attribute__((noinline))
fork_mappings(pagetable_t parent, pagetable_t child, struct vma_space *from)
{
	uint64 va;
	int i;

	if (fill_shared(parent, from) < 0)
		return -1;
	space_share(child, from);
	/*
	 * On failure the child's regions go with it (uvm_destroy).  The
	 * program's pages are uvm_fork's (below the size): only mmap's here.
	 */
	for (i = from->images; i < from->n; i++) {
		const struct vma *r = &from->v[i];

		for (va = r->start; va < r->end; va += PGSIZE) {
			if (pt_walk(parent, va, 0) == 0)
				va = pt_last_page_of_table(va);
			else if (fork_page(parent, child, r, va) < 0)
				return -1;
		}
	}
	return 0;
}

int
vma_fork(pagetable_t parent, pagetable_t child)
{
	struct vma_space *from = vma_in_use() ? space_of(parent) : 0;

	if (from == 0)
		return 0;
	if (from->n > from->images)
		return fork_mappings(parent, child, from);
	space_share(child, from); /* only the program's regions */
	return 0;
}
