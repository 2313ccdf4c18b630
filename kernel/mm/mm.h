/*
 * kernel/mm: physical frames with reference counts, page tables, user
 * address spaces, copy-on-write, and copying between kernel and user memory.
 *
 * Results: one convention for each kind.
 *   - something found or made (a frame, a table, a PTE, the physical
 *     address to write): it, or 0 if there is none;
 *   - an action that may fail (pt_map, uvm_fork, fork_share_page,
 *     copyinstr): 0, or -1 having changed nothing it does not say;
 *   - a size (uvm_grow, uvm_shrink): the size the address space has now;
 *   - a copy (copyout, copyin): the bytes NOT copied, 0 when all went;
 *   - a count (frame_refcount, frame_free_count, vm_check_refcounts): the
 *     number, never negative;
 *   - a question (pte_is_cow, frame_is_managed, frame_put_unless_last):
 *     1 or 0;
 *   - why something is wrong (vm_user_fault, frame_free_problem): a reason
 *     for the console, or 0 if nothing is;
 *   - the COW decision (cow_resolve): enum cow_result; filling an
 *     untouched heap page (uvm_fill): enum vm_fill.
 */
#ifndef COWBIRD_MM_H
#define COWBIRD_MM_H

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/vmstat.h"

/*
 * How this kernel's fork shares memory: KERNEL_FORK_MODE is FORK_MODE_COW,
 * FORK_MODE_PAGE or FORK_MODE_COPY (kernel/vmstat.h), set by make FORK=...
 * Code tests it with an ordinary if, never #if, so every build compiles and
 * type-checks all three modes; the compiler drops the branches not taken.
 */
extern const char *const fork_mode_names[]; /* indexed by FORK_MODE_* */

/* ---- page-table and frame facts (Sv39) ---- */

/* A page-table page is one frame of PTEs: 512 of them. */
#define PT_ENTRIES (PGSIZE / sizeof(pte_t))

/*
 * A valid PTE is a leaf (maps a page) if any of R, W, X is set, else it
 * points to the next level's table (the privileged spec, 4.3.2).
 */
static inline int
pte_is_leaf(pte_t pte)
{
	return (pte & PTE_V) && (pte & (PTE_R | PTE_W | PTE_X));
}

static inline int
pte_is_table(pte_t pte)
{
	return (pte & PTE_V) && !pte_is_leaf(pte);
}

/* Are the eight entries from t on all invalid?  One test for eight. */
static inline int
pt_none_valid8(const pte_t *t)
{
	return ((t[0] | t[1] | t[2] | t[3] | t[4] | t[5] | t[6] | t[7]) &
		   PTE_V) == 0;
}

/*
 * The first valid entry of table at index i or after, below end; else end.
 * Most of a table is empty (a process uses a few entries of its root and
 * level-1 tables), so aligned runs of eight are skipped with one test:
 * walking an empty table is what exit and fork spend most on otherwise.
 */
static inline int
pt_next_valid(const pte_t *table, int i, int end)
{
	for (; i < end; i++) {
		if ((i & 7) == 0)
			while (i + 8 <= end && pt_none_valid8(&table[i]))
				i += 8;
		if (i < end && (table[i] & PTE_V))
			return i;
	}
	return end;
}

/*
 * Visit the index i of every valid entry of a page-table page below end,
 * in order; pt_for_each_valid visits them all.
 */
#define pt_for_each_valid_below(table, i, end)                         \
	for ((i) = pt_next_valid((table), 0, (end)); (i) < (int)(end); \
	     (i) = pt_next_valid((table), (i) + 1, (end)))
#define pt_for_each_valid(table, i) \
	pt_for_each_valid_below (table, i, PT_ENTRIES)

/*
 * The index of the frame holding pa: frames are numbered from KERNBASE, and
 * per-frame tables (frame_carve) have frame_ram_frames() entries.
 */
static inline uint64
frame_index(uint64 pa)
{
	return (pa - KERNBASE) / PGSIZE;
}

/* ---- physical frames (frame.c) ---- */
void frame_init(void);           /* reads RAM's size from the device tree */
void *frame_carve(uint64 bytes); /* zeroed boot memory, for per-frame tables */
uint64 frame_ram_end(void);      /* first byte past RAM */
uint64 frame_ram_frames(void);   /* frames of RAM, from KERNBASE on */
void vm_audit_carve(void);       /* vmcheck.c's per-frame tables (frame_init) */
void uvm_registry_carve(void);   /* uvm.c's per-frame table (frame_init) */
void *frame_alloc(void); /* one frame, contents undefined, refcount 1; 0 if none */
void *frame_alloc_zeroed(void);   /* one zeroed frame, refcount 1; 0 if none */
void frame_free(void *pa);        /* drop a reference; the last one frees */
void frame_free_zeroed(void *pa); /* frame_free of a frame left all zeros */
int frame_put_unless_last(
    void *pa); /* 1: dropped, others hold it; 0: caller holds the only one */
void frame_ref_inc(void *pa);
void frame_ref_inc_leaves(
    const pte_t *table); /* +1 for each frame a valid PTE of table maps */
void frame_free_leaves(pte_t *table); /* frame_free each, clearing the PTEs */
uint64 frame_scan(void (*visit)(uint64 pa, int refs, void *arg),
    void *arg);               /* returns free count */
int frame_refcount(void *pa); /* 0 for a frame outside the managed range */
uint64 frame_free_count(void);
void *frame_zero(void); /* the zero page: never written, never freed */
uint64 frame_total_count(void);
int frame_is_managed(uint64 pa);           /* inside the allocator's range */
uint64 frame_shared_count(void);           /* frames with refcount > 1 */
const char *frame_free_problem(uint64 pa); /* why freeing pa is a bug, or 0 */

/*
 * The page cache (fs/pcache.c) holds one reference to each frame it
 * caches; mm is below fs and reaches it only through what fs registers:
 *   reclaim   free up to want cached frames nobody else holds (count 1);
 *             the frames count as free at once.  Spinlocks only, never
 *             sleeps: the allocator calls it with whatever its caller holds
 *             (the VM lock shared, say), but never under a frame lock;
 *   lock, for_each, unlock: for the audit, which holds the VM lock
 *             exclusive: between lock and unlock no page enters or leaves
 *             the cache; for_each visits each cached frame once.  The
 *             cache's lock comes after the VM lock, before the frame locks.
 */
struct page_cache_ops {
	uint64 (*count)(void); /* frames cached now */
	uint64 (*reclaim)(uint64 want);
	void (*lock)(void);
	void (*for_each)(void (*visit)(uint64 pa, void *arg), void *arg);
	void (*unlock)(void);
};
void frame_set_page_cache(const struct page_cache_ops *ops);
const struct page_cache_ops *frame_page_cache(void); /* or 0 */
/* Free frames, after reclaiming cached ones if fewer than want are free. */
uint64 frame_free_count_reclaim(uint64 want);

/* ---- page tables (pagetable.c) ---- */
pagetable_t pt_create(void);
pte_t *pt_walk(pagetable_t pt, uint64 va, int alloc);
pte_t *pt_walk_l1(pagetable_t pt, uint64 va,
    int alloc); /* the level-1 PTE above va's level-0 table */
int pt_map(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm);
void pt_unmap(pagetable_t pt, uint64 va, uint64 npages, int free_frames);
void pt_free_tables(pagetable_t pt); /* leaf mappings must be gone already */
uint64 pt_lookup_user(pagetable_t pt, uint64 va); /* pa of a valid user page, or 0 */

/* A level-0 table covers 2 MiB: its first address, and the next table's. */
#define L0_SPAN      (1UL << PXSHIFT(1))
#define L0_START(va) ((va) & ~(L0_SPAN - 1))
#define L0_NEXT(va)  (L0_START(va) + L0_SPAN)

/* A level-1 table covers 1 GiB: its first address, and the next table's. */
#define L1_SPAN      (1UL << PXSHIFT(2))
#define L1_START(va) ((va) & ~(L1_SPAN - 1))
#define L1_NEXT(va)  (L1_START(va) + L1_SPAN)

/*
 * Software bit (RSW, ignored by the MMU) in a level-1 PTE: the level-0
 * table it points to holds no writable leaf (fork write-protected it), so
 * the next fork can share it without a pass over its PT_ENTRIES entries.
 * In a root PTE: every valid PTE of the level-1 table it points to carries
 * the mark, so fork shares that gibibyte without looking inside.  A shared
 * table always carries it; whoever makes a leaf writable in a private
 * table clears it on the way down first.
 */
#define PTE_TABLE_RO (1L << 9)

/*
 * The last page of the 2 MiB that one level-0 table covers.  A page-by-page
 * walker that finds no table for va continues from here, so sparse address
 * spaces cost one walk per missing table, not one per page.
 */
static inline uint64
pt_last_page_of_table(uint64 va)
{
	return L0_NEXT(va) - PGSIZE;
}

/* ---- the kernel's page table (kvm.c) ---- */
void kvm_init(void);
void kvm_init_hart(void);
void kvm_map(uint64 va, uint64 pa, uint64 size, int perm);
extern pagetable_t kernel_pagetable;

/* ---- user address spaces (uvm.c) ---- */
pagetable_t uvm_create(uint64 trapframe_pa);
void uvm_destroy(pagetable_t pt);
uint64 uvm_grow(pagetable_t pt, uint64 oldsz,
    uint64 newsz); /* reserve heap; the size now: newsz, or oldsz if refused */
enum vm_fill {
	FILL_NONE,      /* not an untouched heap page */
	FILL_NO_MEMORY, /* it is, but no frame was free */
	FILL_MAPPED,    /* mapped now, as a user load or store would find it */
	FILL_DENIED,    /* a mapped region's page the access may not touch */
	FILL_IO_ERROR,  /* a mapped file's page that could not be read */
};
enum vm_fill uvm_fill(pagetable_t pt, uint64 va, int write);
/* va's level-0 PTE in tables private to pt, or 0: where a fill maps. */
pte_t *uvm_private_pte(pagetable_t pt, uint64 va, int writable);
uint64 uvm_shrink(pagetable_t pt, uint64 oldsz,
    uint64 newsz); /* the size now: newsz, or above if it failed */
/* 0, or -1 with the child holding what it got so far: uvm_destroy it. */
int uvm_fork(pagetable_t parent, pagetable_t child, uint64 size);
void uvm_for_each_space(void (*visit)(pagetable_t pt, void *arg), void *arg);

/*
 * The VM lock (vmlock.c): every change to a mapping of a live address
 * space, or to the count of a frame such a mapping holds, happens under it
 * in shared mode, in short steps that each leave the invariants true; the
 * refcount audit takes it exclusive and so sees a consistent state.
 * Shared holders never sleep and never nest.
 */
void vm_lock_shared(void);
void vm_unlock_shared(void);
void vm_lock_exclusive(void);
void vm_unlock_exclusive(void);
int vm_lock_held(void); /* how this hart holds it (debug builds): VM_LOCK_*, or 0 */
#define VM_LOCK_SHARED    1
#define VM_LOCK_EXCLUSIVE 2

/* ---- user page faults (fault.c) ----
 * Resolve a page fault at va taken in user mode; 0 if the process may go
 * on, else the reason it must be killed, for the one-line diagnostic.
 */
const char *vm_user_fault(
    pagetable_t pt, uint64 scause, uint64 va, uint64 stack_base);

/*
 * The one way an untouched page comes in, for the fault handler and
 * copyin/copyout alike (fault.c): the heap's (uvm_fill), else a mapped
 * region's (vma_fill).  need: PROT_READ, PROT_WRITE or PROT_EXEC.
 */
enum vm_fill vm_fill(pagetable_t pt, uint64 va, int need);

/* ---- mapped regions: mmap and munmap (vma.c) ----
 * At most VMA_MAX regions per address space, all in the mmap area
 * [MMAP_BASE, MMAP_END): above anything the heap can reach (sbrk stops at
 * MMAP_BASE), below the level-0 table of the trap frame.  A region keeps
 * a reference to its file (an opaque pointer to mm), taken and dropped,
 * read and written through the callbacks the system-call layer registers.
 * vma_map: the address, or (uint64)-1; vma_unmap: 0, or -1 having changed
 * nothing.
 */
#define VMA_MAX       16
#define MMAP_BASE     (MAXVA / 2)
#define MMAP_END      L0_START(TRAPFRAME)
/*
 * The program image: exec records up to VMA_IMAGE_MAX of its segments as
 * regions below MMAP_BASE, flagged VMA_IMAGE (private, never unmapped by
 * munmap, not counted in VMA_MAX); their file is an inode, reached through
 * the image ops (vma_set_file_ops), and their tables may be shared by fork.
 */
#define VMA_IMAGE_MAX 4
#define VMA_IMAGE     0x1000 /* in flags: beside MAP_*, which mmap checks */
struct vma {
	uint64 start, end; /* [start, end), page-aligned */
	int prot; /* PROT_* of kernel/fcntl.h; PROT_WRITE implies PROT_READ */
	int flags; /* MAP_SHARED or MAP_PRIVATE, maybe MAP_ANONYMOUS, VMA_IMAGE */
	void *file;    /* the file mapped (a reference), or 0: anonymous */
	uint64 off;    /* the file offset that start maps */
	uint64 filesz; /* bytes from start that come from the file; then zeros */
};
struct vma_file_ops {
	/*
	 * Bring the file's page at off (page-aligned) into the page cache:
	 * FILL_MAPPED (it is there now), FILL_NO_MEMORY or FILL_IO_ERROR.
	 * May sleep, except when the page is cached already.
	 */
	enum vm_fill (*fill)(void *file, uint64 off);
	/*
	 * The cached frame of the page at off with one more reference, or 0
	 * if it is not cached (reclaimed since fill: fill again).  Never
	 * sleeps: called under the VM lock, which maps it in the same step.
	 */
	void *(*page)(void *file, uint64 off);
	/* Write back what lies within the file's size: 0, or -1 if it could not; may sleep. */
	int (*write)(void *file, uint64 off, const void *src, uint64 n);
	void (*dup)(void *file);
	void (*close)(void *file);
};
/* ops: mmap's files; image: the program's (exec's) files. */
void vma_set_file_ops(
    const struct vma_file_ops *ops, const struct vma_file_ops *image);
void vma_init(void); /* its free sets (frame_init) */
/*
 * Has any address space regions now?  While none has, the hot paths (read,
 * write, fork, exit) skip the calls below; an owner of regions always
 * sees 1 or more.
 */
extern int vma_spaces_used;
static inline int
vma_in_use(void)
{
	/* Relaxed: an owner made its set itself, or its parent did before it ran. */
	return __atomic_load_n(&vma_spaces_used, __ATOMIC_RELAXED) != 0;
}
uint64 vma_map(pagetable_t pt, uint64 addr, uint64 len, int prot, int flags,
    void *file, uint64 off, uint64 floor); /* takes the file reference */
/* A program segment [start, end) below MMAP_BASE: 0, or -1 (no room). */
int vma_map_image(pagetable_t pt, uint64 start, uint64 end, int prot,
    void *file, uint64 off, uint64 filesz); /* takes its own file reference */
int vma_unmap(pagetable_t pt, uint64 addr, uint64 len);
void vma_unmap_all(pagetable_t pt); /* exit and exec: write back, unmap, forget */
void vma_release(pagetable_t pt);   /* uvm_destroy: forget what is left */
int vma_fork(pagetable_t parent, pagetable_t child); /* 0, or -1 */
enum vm_fill vma_fill(pagetable_t pt, uint64 va, int need);
void vma_prefault(pagetable_t pt, uint64 va, uint64 len,
    int need); /* file pages of [va, va+len) that allow need */
/* Where vma_prefault may have work: [*lo, *hi), empty if nowhere. */
void vma_file_span(pagetable_t pt, uint64 *lo, uint64 *hi);
uint64 vma_writeback_lost(void); /* pages write-back could not store, since boot */
int vma_get(pagetable_t pt, int i, struct vma *out); /* region i: 1, or 0 */

/* ---- copy-on-write (cow.c) ----
 * fork_share_page, fork_share_table and fork_share_l1 decide what fork
 * does with one page, one level-0 table or one level-1 table; wp_page (cow.c) is the single place that decides
 * what a write to a shared page does (copy its table if that is shared,
 * then reuse or copy the page).  The page-fault handler calls cow_resolve,
 * copyout cow_write_target; both go through wp_page.
 *
 * Locks, asserted in debug builds: cow_resolve and cow_write_target take
 * the VM lock themselves (the caller must not hold it); fork_share_page,
 * fork_share_table, fork_share_l1, cow_protect_table, cow_private_table,
 * cow_private_l1pte and cow_put_table need the caller to hold it shared.
 */
int fork_share_page(pte_t *parent_pte, pagetable_t child, uint64 va); /* 0 or -1 */
void fork_share_table(pte_t *parent_l1, pte_t *child_l1);
void fork_share_l1(pte_t *parent_root, pte_t *child_root); /* 1 GiB at once */
void cow_protect_table(pte_t *l1pte); /* fork's pass: writable leaves -> COW */
enum cow_result {
	COW_NOT_COW,   /* not a COW page: unmapped, read-only, beyond MAXVA */
	COW_NO_MEMORY, /* a table or page copy was needed; no frame was free */
	COW_REUSED,    /* writable now: nobody else mapped the frame */
	COW_COPIED,    /* writable now: on a private copy of the frame */
};
enum cow_result cow_resolve(pagetable_t pt, uint64 va);
uint64 cow_write_target(
    pagetable_t pt, uint64 va); /* pa of the page made writable, or 0 */
pagetable_t cow_private_table(
    pte_t *l1pte); /* va's level-0 table, unshared; 0 if no memory */
void cow_put_table(pte_t *l1pte); /* unmap a whole level-0 table */
pte_t *cow_private_l1pte(pagetable_t pt, uint64 va,
    int *no_memory); /* va's level-1 PTE, its table unshared; or 0 */
int pte_is_cow(pte_t pte);
void cow_counters(
    uint64 *faults, uint64 *copied, uint64 *reused, uint64 *tables_copied);

/*
 * What the COW writes came to: machine-wide (vmstat) and per process
 * (struct proc holds one, ps shows it).  mm counts into the running
 * process's tally through the per-hart record proc keeps (user_tally in
 * kernel/arch/cpu.h), never by asking proc.
 */
struct cow_tally {
	uint64 faults; /* writes to COW pages (faults and copyouts) */
	uint64 copied; /* ... resolved by copying the frame */
	uint64 reused; /* ... resolved by reusing it */
};

/* ---- pmap (pmap.c): one address space, region by region (kernel/pmap.h) ---- */
struct pmap;
void pmap_space(pagetable_t pt, uint64 sz, uint64 stack_base, struct pmap *m);
void pmap_trapframe(uint64 trapframe_pa, struct pmap *m); /* a zombie's only frame */
void pmap_kernel(struct pmap *m);

/* Counters for the vmstat system call (struct vmstat in kernel/vmstat.h). */
struct vmstat;
void vm_stats(struct vmstat *out);
int vm_check_refcounts(int verbose); /* number of frames whose count is wrong */

/* ---- kernel <-> user copies (usercopy.c) ----
 * copyout and copyin return the number of bytes they could NOT copy: 0
 * when all went, else they stopped at the first page that is not a
 * mapped, user-accessible page below MAXVA (or not writable, for
 * copyout), having copied every byte before it.  copyinstr: 0, or -1 if
 * the string is unreadable or has no NUL within max bytes.
 */
uint64 copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len);
uint64 copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len);
int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max);
/*
 * Either a user address in the running process's address space (user
 * != 0) or a kernel address: for code that serves both (console, files).
 * The address space is the one the scheduler recorded for this hart.
 */
uint64 either_copyout(int user_dst, uint64 dst, const void *src, uint64 len);
uint64 either_copyin(void *dst, int user_src, uint64 src, uint64 len);

#endif
