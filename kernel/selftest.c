/*
 * Kernel self-tests: checks of the foundation that need no process.
 *
 * Run on hart 0 before the first process exists, when QEMU is given
 * `-append selftest` (tests/run.py does this).  Each test prints
 * "selftest ok NAME" or "selftest FAIL NAME: why"; the run ends with
 * "selftest done" and the hart parks.  Checks that would panic in real use
 * (bad frees) are exercised through frame_free_problem(), the function
 * frame_free() itself consults, so the run goes on.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/fdt.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/sys/sys.h"
#include "kernel/selftest.h"

extern char kernel_start[], etext[], end[];
extern char boot_stacks[NCPU][2][PGSIZE];

static int failures;

#define CHECK(cond, name, ...)                               \
	do {                                                 \
		if (!(cond)) {                               \
			kprintf("selftest FAIL %s: ", name); \
			kprintf(__VA_ARGS__);                \
			kprintf("\n");                       \
			failures++;                          \
			return;                              \
		}                                            \
	} while (0)

static void
pass(const char *name)
{
	kprintf("selftest ok %s\n", name);
}

/* Every frame can be taken, and giving them all back restores the count. */
static void
test_frame_exhaust(void)
{
	static const char *name = "frame-alloc-all-free-all";
	uint64 before = frame_free_count(), n = 0;
	void *head = 0, *pa;

	/* Chain the frames through their first word: no extra memory needed. */
	while ((pa = frame_alloc()) != 0) {
		*(void **)pa = head;
		head = pa;
		n++;
	}
	CHECK(frame_free_count() == 0, name, "%lu frames left after exhausting",
	    frame_free_count());
	while (head) {
		pa = head;
		head = *(void **)pa;
		frame_free(pa);
	}
	CHECK(n == before, name, "allocated %lu of %lu free frames", n, before);
	CHECK(frame_free_count() == before, name,
	    "free count %lu, expected %lu", frame_free_count(), before);
	pass(name);
}

static void
test_frame_refcount(void)
{
	static const char *name = "frame-refcount";
	uint64 before = frame_free_count();
	void *pa = frame_alloc();

	CHECK(pa != 0, name, "no frame");
	CHECK(frame_refcount(pa) == 1, name, "new frame has count %d",
	    frame_refcount(pa));
	frame_ref_inc(pa);
	frame_ref_inc(pa);
	CHECK(frame_refcount(pa) == 3, name, "count %d after two increments",
	    frame_refcount(pa));
	frame_free(pa);
	frame_free(pa);
	CHECK(frame_free_count() == before - 1, name,
	    "frame freed while still referenced");
	frame_free(pa);
	CHECK(frame_refcount(pa) == 0, name, "count %d after last free",
	    frame_refcount(pa));
	CHECK(frame_free_count() == before, name, "free count not restored");
	pass(name);
}

static void
test_frame_bad_free(void)
{
	static const char *name = "frame-bad-free-detected";
	void *pa = frame_alloc();

	CHECK(pa != 0, name, "no frame");
	CHECK(frame_free_problem((uint64)pa) == 0, name,
	    "a live frame looks bad");
	CHECK(frame_free_problem((uint64)pa + 8) != 0, name,
	    "unaligned free not caught");
	CHECK(frame_free_problem(frame_ram_end()) != 0, name,
	    "free of the first byte past RAM not caught");
	CHECK(!frame_is_managed(frame_ram_end()) &&
		frame_is_managed(frame_ram_end() - PGSIZE),
	    name, "the managed range does not end where RAM does");
	CHECK(frame_free_problem(KERNBASE) != 0, name,
	    "free of kernel text not caught");
	CHECK(frame_free_problem(0x1000) != 0, name, "free below RAM not caught");
	frame_free(pa);
	CHECK(frame_free_problem((uint64)pa) != 0, name,
	    "double free not caught");
	pass(name);
}

/* Map, walk and unmap at the edges of the Sv39 tree and of user space. */
static void
test_pagetable_edges(void)
{
	static const char *name = "pagetable-map-walk-unmap-edges";
	uint64 vas[] = { 0, PGSIZE, (1UL << 21) - PGSIZE, 1UL << 21,
		(1UL << 30) - PGSIZE, 1UL << 30, MAXVA - 2 * PGSIZE,
		MAXVA - PGSIZE };
	uint64 before = frame_free_count();
	pagetable_t pt = pt_create();
	void *frame = frame_alloc();
	uint i;

	CHECK(pt && frame, name, "no memory");
	for (i = 0; i < NELEM(vas); i++)
		CHECK(pt_map(pt, vas[i], PGSIZE, (uint64)frame, PTE_R | PTE_U) ==
			0,
		    name, "map 0x%lx failed", vas[i]);
	for (i = 0; i < NELEM(vas); i++) {
		pte_t *pte = pt_walk(pt, vas[i], 0);

		CHECK(pte && (*pte & PTE_V) && PTE2PA(*pte) == (uint64)frame,
		    name, "walk 0x%lx did not find the mapping", vas[i]);
		CHECK(pt_lookup_user(pt, vas[i] + 123) == (uint64)frame, name,
		    "lookup 0x%lx wrong", vas[i] + 123);
	}
	CHECK(pt_walk(pt, MAXVA, 0) == 0, name, "walk of MAXVA returned a PTE");
	CHECK(pt_walk(pt, ~0UL, 1) == 0, name,
	    "walk of ~0 with alloc returned a PTE");
	CHECK(pt_lookup_user(pt, 2 * PGSIZE) == 0, name,
	    "unmapped page looked up");
	pt_unmap(pt, 0, 2, 0);
	CHECK(pt_lookup_user(pt, 0) == 0, name,
	    "page 0 still mapped after unmap");
	for (i = 2; i < NELEM(vas); i++)
		pt_unmap(pt, vas[i], 1, 0);
	pt_free_tables(pt);
	frame_free(frame);
	CHECK(frame_free_count() == before, name, "leaked %ld frames",
	    (long)(before - frame_free_count()));
	pass(name);
}

/*
 * No kernel mapping is writable and executable; guard pages are holes;
 * firmware memory below the kernel (SBI=1) is not mapped at all.
 */
static void
test_kernel_mappings(void)
{
	static const char *name = "kernel-pagetable-permissions-and-guards";
	pte_t *pte;
	uint64 va;
	int i;

	for (va = KERNBASE; va < (uint64)kernel_start; va += PGSIZE) {
		pte = pt_walk(kernel_pagetable, va, 0);
		CHECK(pte == 0 || (*pte & PTE_V) == 0, name,
		    "firmware page 0x%lx mapped", va);
	}
	for (va = (uint64)kernel_start; va < frame_ram_end(); va += PGSIZE) {
		if (va >= (uint64)boot_stacks &&
		    va < (uint64)boot_stacks + sizeof(boot_stacks))
			continue;
		pte = pt_walk(kernel_pagetable, va, 0);
		CHECK(pte && (*pte & PTE_V), name, "RAM page 0x%lx not mapped",
		    va);
		CHECK(!((*pte & PTE_W) && (*pte & PTE_X)), name,
		    "page 0x%lx is W+X", va);
		CHECK(va >= (uint64)etext || (*pte & PTE_W) == 0, name,
		    "text 0x%lx writable", va);
	}
	for (i = 0; i < NPROC; i++) {
		pte = pt_walk(kernel_pagetable, KSTACK(i) - PGSIZE, 0);
		CHECK(pte == 0 || (*pte & PTE_V) == 0, name,
		    "no guard below kernel stack %d", i);
		CHECK(pt_walk(kernel_pagetable, KSTACK(i), 0) != 0, name,
		    "kernel stack %d missing", i);
	}
	for (i = 0; i < NCPU; i++) {
		pte = pt_walk(kernel_pagetable, (uint64)boot_stacks[i][0], 0);
		CHECK(pte == 0 || (*pte & PTE_V) == 0, name,
		    "no guard below boot stack %d", i);
	}
	pass(name);
}

static void
test_lock_nesting(void)
{
	static const char *name = "spinlock-interrupt-nesting";
	struct spinlock a, b;

	spin_init(&a, "test-a");
	spin_init(&b, "test-b");
	intr_on();
	spin_lock(&a);
	CHECK(!intr_get(), name, "interrupts on while holding a lock");
	CHECK(spin_holding(&a), name, "holding() false for a held lock");
	CHECK(a.holder == mycpu() && a.locked_at != 0, name,
	    "holder hart or place not recorded");
	CHECK(a.next == a.serving + 1, name,
	    "ticket lock: one ticket out, got next %u serving %u", a.next,
	    a.serving);
	spin_lock(&b);
	spin_unlock(&b);
	CHECK(!intr_get(), name, "inner release turned interrupts on");
	CHECK(spin_holding(&a) && !spin_holding(&b), name,
	    "holding() wrong after inner release");
	spin_unlock(&a);
	CHECK(intr_get(), name, "outer release did not restore interrupts");
	CHECK(a.holder == 0 && a.next == a.serving, name,
	    "released lock still looks held");
	intr_off();
	spin_lock(&a);
	spin_unlock(&a);
	CHECK(!intr_get(), name,
	    "release turned on interrupts that were off before");
	pass(name);
}

/* Timer interrupts arrive on every hart that came up. */
static void
test_ticks_every_hart(void)
{
	static const char *name = "timer-ticks-on-every-hart";
	uint start[NCPU];
	uint64 deadline = r_time() + 30 * TICK_INTERVAL;
	int i, waiting = 1;

	for (i = 0; i < NCPU; i++)
		start[i] = hart_ticks[i];
	intr_on();
	while (waiting && r_time() < deadline) {
		waiting = 0;
		for (i = 0; i < NCPU; i++)
			if (cpus[i].started && hart_ticks[i] - start[i] < 3)
				waiting = 1;
	}
	intr_off();
	for (i = 0; i < NCPU; i++)
		CHECK(!cpus[i].started || hart_ticks[i] - start[i] >= 3, name,
		    "hart %d took %u ticks in 3 s", i, hart_ticks[i] - start[i]);
	CHECK(ticks >= 3, name, "global tick count %u", ticks);
	pass(name);
}

/*
 * Every hart the machine has (up to NCPU) checks in within 3 s: QEMU
 * started them all, or, under SBI firmware, the kernel asked for each one
 * (HSM).
 */
static void
test_all_harts_up(void)
{
	static const char *name = "every-hart-started";
	int i, n = boot_info.ncpu < NCPU ? boot_info.ncpu : NCPU;
	uint64 deadline = r_time() + 30 * TICK_INTERVAL;

	CHECK(n >= 1, name, "the device tree lists %d harts", boot_info.ncpu);
	for (i = 0; i < n; i++) {
		while (!__atomic_load_n(&cpus[i].started, __ATOMIC_ACQUIRE) &&
		    r_time() < deadline)
			;
		CHECK(cpus[i].started, name, "hart %d of %d never started", i, n);
	}
	pass(name);
}

/* The COW decision, on a hand-built address space. */
static void
test_cow_resolve(void)
{
	static const char *name = "cow-resolve-copy-then-reuse";
	uint64 before = frame_free_count();
	pagetable_t a = pt_create(), b = pt_create();
	char *frame = frame_alloc_zeroed();
	pte_t *pa_pte, *pb_pte;
	int perm = PTE_R | PTE_U | PTE_COW;

	CHECK(a && b && frame, name, "no memory");
	frame[100] = 'x';
	CHECK(pt_map(a, PGSIZE, PGSIZE, (uint64)frame, perm) == 0 &&
		pt_map(b, PGSIZE, PGSIZE, (uint64)frame, perm) == 0,
	    name, "map failed");
	frame_ref_inc(frame);
	CHECK(cow_resolve(a, PGSIZE + 5) == COW_COPIED, name,
	    "resolve in a did not copy");
	pa_pte = pt_walk(a, PGSIZE, 0);
	CHECK(PTE2PA(*pa_pte) != (uint64)frame, name,
	    "shared frame was not copied");
	CHECK((*pa_pte & PTE_W) && !(*pa_pte & PTE_COW), name,
	    "copy not writable or still COW");
	CHECK(((char *)PTE2PA(*pa_pte))[100] == 'x', name, "copy lost the data");
	CHECK(frame_refcount(frame) == 1, name, "old frame count %d",
	    frame_refcount(frame));
	CHECK(cow_resolve(b, PGSIZE) == COW_REUSED, name,
	    "resolve in b did not reuse");
	pb_pte = pt_walk(b, PGSIZE, 0);
	CHECK(PTE2PA(*pb_pte) == (uint64)frame, name,
	    "sole owner's frame was copied, not reused");
	CHECK((*pb_pte & PTE_W) && !(*pb_pte & PTE_COW), name,
	    "reused page not writable");
	CHECK(cow_resolve(b, PGSIZE) == COW_NOT_COW, name,
	    "private page treated as COW");
	CHECK(cow_resolve(b, MAXVA + PGSIZE) == COW_NOT_COW, name,
	    "address beyond MAXVA");
	CHECK(copyout(b, 3 * PGSIZE, "z", 1) != 0, name,
	    "copyout to unmapped page");
	pt_map(b, 2 * PGSIZE, PGSIZE, (uint64)frame_alloc_zeroed(),
	    PTE_R | PTE_X | PTE_U);
	CHECK(copyout(b, 2 * PGSIZE, "z", 1) != 0, name,
	    "copyout to read-only page");
	CHECK(copyout(b, MAXVA - 1, "z", 1) != 0, name, "copyout beyond MAXVA");
	CHECK(copyout(b, 2 * PGSIZE - 10, frame, 30) == 20, name,
	    "copyout into a writable then a read-only page: not 20 bytes left");
	CHECK(copyin(b, frame, 3 * PGSIZE - 4, 16) == 12, name,
	    "copyin of 4 readable bytes then an unmapped page: not 12 left");
	uvm_destroy(a);
	uvm_destroy(b);
	CHECK(frame_free_count() == before, name, "leaked %ld frames",
	    (long)(before - frame_free_count()));
	pass(name);
}

/*
 * The refcount audit is exact both ways: silent on a sound address space,
 * and it reports each injected bug (a leaked reference on a page or on a
 * page table, a leaf both COW and writable, a writable leaf in a shared
 * table).  Each bug is undone before the next.
 */
static void
test_audit_catches_bugs(void)
{
	static const char *name = "audit-reports-injected-bugs";
	uint64 before = frame_free_count();
	void *tf = frame_alloc_zeroed();
	pagetable_t a = tf ? uvm_create((uint64)tf) : 0, b = 0;
	pte_t *l1pte, *pte;
	void *page, *table;

	CHECK(a, name, "no memory");
	CHECK(uvm_grow(a, 0, 2 * PGSIZE) == 2 * PGSIZE &&
		uvm_fill(a, 0, 1) == FILL_MAPPED &&
		uvm_fill(a, PGSIZE, 1) == FILL_MAPPED,
	    name, "grow failed");
	CHECK(vm_check_refcounts(0) == 0, name,
	    "a sound address space was reported");
	pte = pt_walk(a, 0, 0);
	l1pte = pt_walk_l1(a, 0, 0);
	page = (void *)PTE2PA(*pte);
	table = (void *)PTE2PA(*l1pte);
	frame_ref_inc(page);
	CHECK(vm_check_refcounts(0) > 0, name,
	    "a leaked page reference was not reported");
	frame_free(page);
	frame_ref_inc(table);
	CHECK(vm_check_refcounts(0) > 0, name,
	    "a leaked table reference was not reported");
	frame_free(table);
	*pte |= PTE_COW;
	CHECK(vm_check_refcounts(0) > 0, name,
	    "a COW and writable leaf was not reported");
	*pte &= ~PTE_COW;
	*l1pte |= PTE_TABLE_RO;
	CHECK(vm_check_refcounts(0) > 0, name,
	    "a writable leaf under PTE_TABLE_RO was not reported");
	*l1pte &= ~PTE_TABLE_RO;
	CHECK((b = uvm_create((uint64)tf)) != 0 && uvm_fork(a, b, 2 * PGSIZE) == 0,
	    name, "fork failed");
	CHECK(vm_check_refcounts(0) == 0, name, "a sound fork was reported");
	if (KERNEL_FORK_MODE == FORK_MODE_COW) {
		CHECK(frame_refcount((void *)PTE2PA(a[0])) == 2 &&
			frame_refcount(table) == 1,
		    name, "fork did not share the level-1 table");
		*pte |= PTE_W;
		*pte &= ~PTE_COW;
		CHECK(vm_check_refcounts(0) > 0, name,
		    "a writable leaf below a shared level-1 table was not reported");
		*pte = (*pte & ~PTE_W) | PTE_COW;
		*l1pte &= ~PTE_TABLE_RO;
		CHECK(vm_check_refcounts(0) > 0, name,
		    "a shared level-1 table without PTE_TABLE_RO was not reported");
		*l1pte |= PTE_TABLE_RO;
		frame_ref_inc(table);
		CHECK(vm_check_refcounts(0) > 0, name,
		    "a leaked reference on a level-0 table below a shared "
		    "level-1 table was not reported");
		frame_free(table);
	}
	uvm_destroy(a);
	uvm_destroy(b);
	frame_free(tf);
	CHECK(vm_check_refcounts(0) == 0, name,
	    "audit not clean after destroying both");
	CHECK(frame_free_count() == before, name, "leaked %ld frames",
	    (long)(before - frame_free_count()));
	pass(name);
}

void
selftest_run(void)
{
	kprintf("selftest start\n");
	test_frame_exhaust();
	test_frame_refcount();
	test_frame_bad_free();
	test_pagetable_edges();
	test_kernel_mappings();
	test_lock_nesting();
	test_all_harts_up();
	test_ticks_every_hart();
	test_cow_resolve();
	test_audit_catches_bugs();
	kprintf("selftest done, %d failed\n", failures);
	kprintf("selftest halt\n");
	for (;;)
		asm volatile("wfi");
}
