/*
 * kernel/mm: physical frames with reference counts, page tables, user
 * address spaces, copy-on-write, and copying between kernel and user memory.
 */
#ifndef COWBIRD_MM_H
#define COWBIRD_MM_H

#include "kernel/types.h"
#include "kernel/riscv.h"

/* ---- physical frames (frame.c) ---- */
void   frame_init(void);
void  *frame_alloc(void);          /* one frame, contents undefined, refcount 1; 0 if none */
void  *frame_alloc_zeroed(void);   /* one zeroed frame, refcount 1; 0 if none */
void   frame_free(void *pa);       /* drop a reference; the last one frees */
void   frame_ref_inc(void *pa);
int    frame_refcount(void *pa);
uint64 frame_free_count(void);
uint64 frame_total_count(void);
int    frame_is_managed(uint64 pa); /* inside the allocator's range */
uint64 frame_shared_count(void);   /* frames with refcount > 1 */
const char *frame_free_problem(uint64 pa);   /* why freeing pa is a bug, or 0 */

/* ---- page tables (pagetable.c) ---- */
pagetable_t pt_create(void);
pte_t *pt_walk(pagetable_t pt, uint64 va, int alloc);
int    pt_map(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm);
void   pt_unmap(pagetable_t pt, uint64 va, uint64 npages, int free_frames);
void   pt_free_tables(pagetable_t pt);   /* leaf mappings must be gone already */
uint64 pt_lookup_user(pagetable_t pt, uint64 va);   /* pa of a valid user page, or 0 */

/*
 * The last page of the 2 MiB that one level-0 table covers.  A page-by-page
 * walker that finds no table for va continues from here, so sparse address
 * spaces cost one walk per missing table, not one per page.
 */
static inline uint64
pt_last_page_of_table(uint64 va)
{
	return (va | ((1UL << PXSHIFT(1)) - 1)) + 1 - PGSIZE;
}

/* ---- the kernel's page table (kvm.c) ---- */
void kvm_init(void);
void kvm_init_hart(void);
void kvm_map(uint64 va, uint64 pa, uint64 size, int perm);
extern pagetable_t kernel_pagetable;

/* ---- user address spaces (uvm.c) ---- */
pagetable_t uvm_create(uint64 trapframe_pa);
void   uvm_destroy(pagetable_t pt, uint64 size);
uint64 uvm_grow(pagetable_t pt, uint64 oldsz, uint64 newsz, int perm);  /* new size or 0 */
uint64 uvm_shrink(pagetable_t pt, uint64 oldsz, uint64 newsz);
int    uvm_fork(pagetable_t parent, pagetable_t child, uint64 size);  /* 0 or -1 */

/* ---- copy-on-write (cow.c) ----
 * fork_share_page decides what fork does with one page (share it COW, or
 * copy it under FORK=copy); cow_resolve is the single place that decides
 * whether a write to a COW page reuses the frame or copies it.  Both the
 * page-fault handler and copyout call it.
 */
int  fork_share_page(pte_t *parent_pte, pagetable_t child, uint64 va);  /* 0 or -1 */
enum cow_result { COW_OK, COW_NOT_COW, COW_NO_MEMORY };
enum cow_result cow_resolve(pagetable_t pt, uint64 va);
int  pte_is_cow(pte_t pte);
void cow_counters(uint64 *faults, uint64 *copied, uint64 *reused);

/* Counters for the vmstat system call (struct vmstat in kernel/vmstat.h). */
struct vmstat;
void vm_stats(struct vmstat *out);
int  vm_check_refcounts(int verbose);   /* number of frames whose count is wrong */

/* ---- kernel <-> user copies (usercopy.c) ----
 * Each returns 0 on success and -1 when any byte of the user range is not
 * a mapped, user-accessible page below MAXVA (or not writable, for copyout).
 */
int copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len);
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len);
int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max);

#endif
