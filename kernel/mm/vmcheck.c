/*
 * VM counters and the reference-count self-check behind SYS_vmstat.
 *
 * The check walks every process's page table (holding that process's lock,
 * which is also held wherever a page table is replaced or freed, so the
 * walk never reads a freed table) and counts the user PTEs that map each
 * frame.  Every frame mapped by user PTEs must have exactly that refcount;
 * a COW-marked PTE must not be writable; the frames whose count is 0 must
 * be exactly the free ones.  A fork or fault in progress on another hart
 * can make counts disagree for an instant, so a disagreement is confirmed
 * by repeating the check before it is reported.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/vmstat.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"

#define NFRAMES ((PHYSTOP - KERNBASE) / PGSIZE)

static struct spinlock check_lock = { .name = "vmcheck" };
static ushort user_maps[NFRAMES];

void
vm_stats(struct vmstat *st)
{
	memset(st, 0, sizeof(*st));
	st->frames_total = frame_total_count();
	st->frames_free = frame_free_count();
	cow_counters(&st->cow_faults, &st->pages_copied, &st->pages_reused);
	st->frames_shared = frame_shared_count();
#ifdef FORK_COPY
	st->fork_copy = 1;
#endif
}

static int
count_user_maps(pagetable_t pt, int level, int verbose)
{
	int i, bad = 0;

	for (i = 0; i < 512; i++) {
		pte_t pte = pt[i];

		if ((pte & PTE_V) == 0)
			continue;
		if (level > 0) {
			bad += count_user_maps((pagetable_t)PTE2PA(pte), level - 1, verbose);
			continue;
		}
		if ((pte & PTE_U) == 0)
			continue;
		if ((pte & PTE_COW) && (pte & PTE_W)) {
			if (verbose)
				kprintf("vmcheck: pte 0x%lx is both COW and writable\n", pte);
			bad++;
		}
		if (frame_is_managed(PTE2PA(pte)))
			user_maps[(PTE2PA(pte) - KERNBASE) / PGSIZE]++;
	}
	return bad;
}

static int
check_once(int verbose)
{
	uint64 pa, zero = 0;
	int bad = 0;
	struct proc *p;

	memset(user_maps, 0, sizeof(user_maps));
	for (p = procs; p < &procs[NPROC]; p++) {
		spin_lock(&p->lock);
		if (p->pagetable)
			bad += count_user_maps(p->pagetable, 2, verbose);
		spin_unlock(&p->lock);
	}
	for (pa = KERNBASE; pa < PHYSTOP; pa += PGSIZE) {
		int maps, refs;

		if (!frame_is_managed(pa))
			continue;
		maps = user_maps[(pa - KERNBASE) / PGSIZE];
		refs = frame_refcount((void *)pa);
		if (refs == 0)
			zero++;
		if (maps > 0 && refs != maps) {
			if (verbose)
				kprintf("vmcheck: frame 0x%lx has refcount %d but %d user mappings\n",
				    pa, refs, maps);
			bad++;
		}
	}
	if (zero != frame_free_count()) {
		if (verbose)
			kprintf("vmcheck: %lu frames have refcount 0 but %lu are free\n",
			    zero, frame_free_count());
		bad++;
	}
	return bad;
}

int
vm_check_refcounts(int verbose)
{
	int bad, attempt;

	spin_lock(&check_lock);
	bad = 0;
	for (attempt = 0; attempt < 3; attempt++) {
		bad = check_once(verbose && attempt == 2);
		if (bad == 0)
			break;
	}
	spin_unlock(&check_lock);
	return bad;
}
