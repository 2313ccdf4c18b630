/*
 * The two-level copy-on-write protocol of kernel/mm, as a SPIN model.
 *
 * docs/cow.md ("The model") says what it covers, what it leaves out and
 * how to run it; `make modelcheck` checks it (tools/modelcheck).  Each
 * step names, in a comment, the kernel function (and the line of it) it
 * stands for.
 *
 * World: NPROC processes.  Process 0 runs first; the others are born by
 * fork.  An address space has two level-0 tables (level-1 slots 0 and 1):
 * user pages 0 and 1 in slot 0, page 2 in slot 1.  Process 0 starts with
 * three writable pages.  Level-0 tables and pages come from two pools of
 * frames with reference counts (kernel/mm/frame.c); what else a process
 * owns (root, trap frame) is its alone and left out.  The kernel also
 * shares level-1 tables (fork_share_l1, below the trap frame's
 * gibibyte), by the same rules one level up; the model gives each
 * process a private level-1 table, as the kernel's is once the process
 * wrote below it (cow_private_l1pte), and checks the level-0 and page
 * protocol beneath it.  Where a comment names fork_share_table, the
 * kernel's fork below that gibibyte runs cow_protect_table per table and
 * fork_share_l1 once instead.
 *
 * Steps: one Promela step per access another hart can observe (a count,
 * a shared table, page data, the allocator).  What only the running
 * process can see (its own level-1 PTEs, a private level-0 table: count
 * 1, nobody else holds it) is folded into the neighbouring step, and so
 * are reads of a shared table, which nobody writes.  A process is one
 * hart: its own steps happen in program order.
 *
 * Memory ordering: steps interleave in sequential consistency.  The
 * kernel's count-1 decisions load with acquire, paired with the releasing
 * drop (put_shared's compare-and-swap); docs/cow.md ("Memory ordering")
 * explains why that leaves the interleavings as the only behaviours that
 * matter.  -DRELAXED_COUNTS models relaxed loads: the page's count may then
 * be loaded before the table's, as RVWMO allows.
 *
 * Checked, with assert: a process's loads see its own last store (each
 * process stores its own value, me + 1; 0 is process 0's first data), for
 * every page it maps, in every state; no frame is freed while a live table
 * or a level-1 PTE maps it, nor freed twice; whenever no process is inside
 * a VM-lock step, every count is what the audit (vmcheck.c) computes from
 * the page tables, no leaf is COW and writable, and no shared or
 * PTE_TABLE_RO table holds a writable leaf; once every process has exited,
 * every frame is free.
 *
 * Deliberately broken variants (tools/modelcheck runs each; each must
 * fail): NO_UNSHARE, RELAXED_COUNTS, DROP_TABLE_FIRST, KEEP_TABLE_RO,
 * NONATOMIC_PUT, SHRINK_SHARED.
 */

#ifndef NPROC
#define NPROC 3
#endif
#ifndef MAXOPS
#define MAXOPS 4 /* operations, all processes together */
#endif
#ifndef NTAB
#define NTAB 4 /* level-0 table frames: 2 at start; copies can run out */
#endif
#ifndef NPAGE
#define NPAGE 5 /* page frames: 3 at start; copies can run out */
#endif
#define NVA  3 /* user pages 0, 1 (level-1 slot 0) and 2 (slot 1) */
#define NPTE 2 /* PTEs per level-0 table that the model uses */

#define SLOT(va) ((va) / NPTE) /* PX(1, va): which level-1 PTE */
#define IDX(va)  ((va) % NPTE) /* PX(0, va): which PTE of the table */

/* A level-0 PTE: the frame in bits 0-2, PTE_V, PTE_W, PTE_COW. */
#define FRAME 7
#define V     8
#define W     16
#define COW   32
/* A level-1 PTE: the table in bits 0-2, PTE_V, PTE_TABLE_RO. */
#define RO    16
#define NONE  15 /* frame_alloc returned 0 */

/* enum cow_result, and the model's own "not decided yet" */
#define COW_OK        1
#define COW_NOT_COW   2
#define COW_NO_MEMORY 3
#define GO_ON         4

/* process states */
#define UNBORN  0
#define FORKING 1 /* its address space is being built: not runnable */
#define RUNNING 2
#define DEAD    3

typedef table_t {
	byte pte[NPTE]
};
typedef space_t {
	byte l1[2];       /* its two level-1 PTEs */
	byte expect[NVA]; /* what this process stored last in each page */
	byte sz           /* p->sz, in pages */
};

table_t tab[NTAB];  /* level-0 table frames */
byte tcount[NTAB];  /* their reference counts (frame_table[].refcount) */
byte pcount[NPAGE]; /* page frames' reference counts */
byte pdata[NPAGE];  /* page frames' contents: whose value */
space_t sp[NPROC];
byte state[NPROC];
byte nborn = 1;
byte readers; /* vmlock.readers: processes inside a VM-lock step */
byte ops = MAXOPS; /* operations left, all processes together */

/* Scratch for the checks, not part of the state. */
hidden byte hi, hj, hp, hf;
hidden byte hrefs_t[NTAB], hrefs_p[NPAGE], hseen[NTAB], hro[NTAB], hwr[NTAB];

/*
 * Note: Promela's if takes any branch whose guard holds, not the first:
 * the guards of each if below exclude each other unless the choice is
 * meant to be free.
 */

/* ---- the checks ---- */

/* No live level-0 table maps page frame f (as its last reference goes). */
inline assert_page_unmapped(f)
{
	hi = 0;
	do
	:: hi < NTAB ->
		assert(tcount[hi] == 0 ||
		    ((tab[hi].pte[0] & (V | FRAME)) != (V | f) &&
		     (tab[hi].pte[1] & (V | FRAME)) != (V | f)));
		hi++
	:: else -> break
	od
}

/* No level-1 PTE of any address space points to table frame t. */
inline assert_table_unmapped(t)
{
	hp = 0;
	do
	:: hp < NPROC ->
		assert((sp[hp].l1[0] & (V | FRAME)) != (V | t));
		assert((sp[hp].l1[1] & (V | FRAME)) != (V | t));
		hp++
	:: else -> break
	od
}

/*
 * vm_check_refcounts (vmcheck.c): count the references the page tables
 * imply, visiting each distinct level-0 table once, and compare.  One
 * difference: every frame is compared, also those no table refers to
 * (the model has no other holders, so those must be free: a leak).
 */
inline audit()
{
	hi = 0;
	do
	:: hi < NTAB ->
		hrefs_t[hi] = 0; hseen[hi] = 0; hro[hi] = 0; hwr[hi] = 0;
		hi++
	:: else -> break
	od;
	hi = 0;
	do
	:: hi < NPAGE -> hrefs_p[hi] = 0; hi++
	:: else -> break
	od;
	hp = 0;
	do
	:: hp < NPROC -> /* count_space */
		hi = 0;
		do
		:: hi < 2 ->
			if
			:: sp[hp].l1[hi] & V ->
				hf = sp[hp].l1[hi] & FRAME;
				hrefs_t[hf]++;
				if
				:: sp[hp].l1[hi] & RO -> hro[hf] = 1
				:: else -> skip
				fi;
				if
				:: !hseen[hf] -> /* count_leaves, once a table */
					hseen[hf] = 1;
					hj = 0;
					do
					:: hj < NPTE ->
						if
						:: tab[hf].pte[hj] & V ->
							assert((tab[hf].pte[hj] & (COW | W)) !=
							    (COW | W));
							if
							:: tab[hf].pte[hj] & W -> hwr[hf] = 1
							:: else -> skip
							fi;
							hrefs_p[tab[hf].pte[hj] & FRAME]++
						:: else -> skip
						fi;
						hj++
					:: else -> break
					od
				:: else -> skip
				fi
			:: else -> skip
			fi;
			hi++
		:: else -> break
		od;
		hp++
	:: else -> break
	od;
	hi = 0;
	do
	:: hi < NTAB -> /* check_frame, tables */
		assert(tcount[hi] == hrefs_t[hi]);
		assert(!(hrefs_t[hi] > 1 && hwr[hi])); /* shared: no W leaf */
		assert(!(hro[hi] && hwr[hi]));         /* PTE_TABLE_RO: no W leaf */
		hi++
	:: else -> break
	od;
	hi = 0;
	do
	:: hi < NPAGE -> /* check_frame, pages */
		assert(pcount[hi] == hrefs_p[hi]);
		hi++
	:: else -> break
	od;
	hi = 0; hj = 0; hp = 0; hf = 0
}

/*
 * Every process loads every page it maps: it must read its own last
 * store (and the frame must not be free).  And a page below its size is
 * mapped.
 */
inline check_loads()
{
	hp = 0;
	do
	:: hp < NPROC ->
		hi = 0;
		do
		:: hi < NVA ->
			/* a running process maps every page below its size */
			assert(state[hp] != RUNNING || hi >= sp[hp].sz ||
			    ((sp[hp].l1[SLOT(hi)] & V) &&
			     (tab[sp[hp].l1[SLOT(hi)] & FRAME].pte[IDX(hi)] & V)));
			if
			:: (sp[hp].l1[SLOT(hi)] & V) &&
			    (tab[sp[hp].l1[SLOT(hi)] & FRAME].pte[IDX(hi)] & V) ->
				hf = tab[sp[hp].l1[SLOT(hi)] & FRAME].pte[IDX(hi)] &
				    FRAME;
				assert(pcount[hf] > 0);
				assert(pdata[hf] == sp[hp].expect[hi])
			:: else -> skip
			fi;
			hi++
		:: else -> break
		od;
		hp++
	:: else -> break
	od;
	hi = 0; hp = 0; hf = 0
}

/* Every process has exited: every frame is back on the free list. */
inline assert_no_leaks()
{
	hi = 0;
	do
	:: hi < NTAB -> assert(tcount[hi] == 0); hi++
	:: else -> break
	od;
	hi = 0;
	do
	:: hi < NPAGE -> assert(pcount[hi] == 0); hi++
	:: else -> break
	od;
	hi = 0
}

/* ---- frame.c: the allocator and the counts ---- */

/* frame_alloc, for a level-0 table: under frame_lock, count 0 -> 1. */
inline table_alloc(t)
{
	t = 0;
	do
	:: t < NTAB && tcount[t] != 0 -> t++
	:: t < NTAB && tcount[t] == 0 -> tcount[t] = 1; break
	:: t == NTAB -> t = NONE; break
	od
}

/* frame_alloc, for a page. */
inline page_alloc(f)
{
	f = 0;
	do
	:: f < NPAGE && pcount[f] != 0 -> f++
	:: f < NPAGE && pcount[f] == 0 -> pcount[f] = 1; break
	:: f == NPAGE -> f = NONE; break
	od
}

/*
 * frame_free(page): put_shared's compare-and-swap (count - 1 unless it is
 * 1), or for the last reference release_locked under frame_lock.  Only a
 * holder drops, so nobody raises the count between the two.
 * frame_free_problem panics on a frame already free.
 */
inline page_put(f)
{
	assert(pcount[f] > 0);
	if
	:: pcount[f] > 1 -> pcount[f]--
	:: else -> assert_page_unmapped(f); pcount[f] = 0; pdata[f] = 0
	fi
}

/*
 * frame_ref_inc_leaves(copy): + 1 (frame_ref_inc: a relaxed atomic add)
 * for each frame a valid PTE of the table maps.
 */
inline ref_inc_leaves(t)
{
	hj = 0;
	do
	:: hj < NPTE ->
		if
		:: tab[t].pte[hj] & V ->
			assert(pcount[tab[t].pte[hj] & FRAME] > 0);
			pcount[tab[t].pte[hj] & FRAME]++
		:: else -> skip
		fi;
		hj++
	:: else -> break
	od;
	hj = 0
}

/* ---- vmlock.c ---- */

/*
 * vm_lock_shared: its entry (wait for no writer, readers + 1, re-check)
 * has the net effect of one atomic step, folded into the step it starts.
 */
inline vm_lock_shared()
{
	readers++
}

/*
 * vm_unlock_shared, folded into the step it ends.  The audit holds the
 * lock exclusive: it runs in the states where readers is 0, which are the
 * states an unlock to 0 leads to (or a user store, which changes no count
 * and no mapping): the model audits there.  The process's scratch
 * variables are cleared here so that they do not multiply the states.
 */
inline vm_unlock_shared()
{
	readers--;
	if
	:: readers == 0 -> audit()
	:: else -> skip
	fi;
	t = 0; t2 = 0; pte = 0; old = 0; early = 0
}

/* ---- cow.c ---- */

/*
 * NONATOMIC_PUT splits frame_put_unless_last's load and store into two
 * steps; every cow_put_table below has PUT_SPLIT between its halves.
 */
#ifdef NONATOMIC_PUT
#define PUT_SPLIT } atomic {
#else
#define PUT_SPLIT
#endif

/*
 * cow_put_table(l1pte), after the caller cleared *l1pte (its own PTE, in
 * the same step).  First half: frame_put_unless_last(table), put_shared's
 * acquire load and compare-and-swap, c -> c - 1 unless c is 1.
 */
inline put_table_first(t)
{
	assert(tcount[t] > 0);
	c = tcount[t]
#ifndef NONATOMIC_PUT
	;
	put_table_second(t)
#endif
}

/*
 * Second half: the decrement, or for the last holder (nothing changed:
 * the table is its alone) frame_free_leaves(table) under frame_lock and
 * frame_free(table).  In the kernel these are several steps; nobody else
 * holds the table and each count-1 decision reads one page's count, so
 * the order in which the drops are seen changes nothing.
 */
inline put_table_second(t)
{
	if
	:: c > 1 -> tcount[t] = c - 1
	:: else ->
		hf = tab[t].pte[0];
		tab[t].pte[0] = 0;
		if
		:: hf & V -> page_put(hf & FRAME)
		:: else -> skip
		fi;
		hf = tab[t].pte[1];
		tab[t].pte[1] = 0;
		if
		:: hf & V -> page_put(hf & FRAME)
		:: else -> skip
		fi;
		hf = 0;
		assert(tcount[t] == 1); /* frame_free(table) */
		assert_table_unmapped(t);
		tcount[t] = 0
	fi;
	c = 0
}

#ifdef NONATOMIC_PUT
#define PUT_SECOND(t) put_table_second(t)
#else
#define PUT_SECOND(t) skip
#endif

/*
 * cow_private_table(l1pte), first step: if (frame_refcount(table) == 1)
 * return table (an acquire load; the kernel's private_table returns even
 * before it when *l1pte has no PTE_TABLE_RO, a table this process made
 * private itself, whose count the model finds 1 here).  Else copy = frame_alloc(),
 * page_copy(copy, table), frame_ref_inc_leaves(copy).  t = the table;
 * t2 = t if private, else the copy or NONE (no frame: return 0).
 *
 * The count check, the allocation, the copy and the increments are one
 * step: the allocation is seen only by other allocators, nobody writes a
 * shared table, and a hart that reads a page count between the check and
 * the increments cannot tell it from one that read it before the check.
 * The drop below is a step of its own: between the two, the other
 * sharers may exit or copy too.
 */
inline private_table_check(s)
{
	t = sp[me].l1[s] & FRAME; /* table = PTE2PA(*l1pte) */
	if
	:: tcount[t] == 1 -> t2 = t
	:: else ->
		table_alloc(t2);
		if
		:: t2 == NONE -> skip
		:: else ->
			tab[t2].pte[0] = tab[t].pte[0];
			tab[t2].pte[1] = tab[t].pte[1]
#ifndef DROP_TABLE_FIRST
			;
			ref_inc_leaves(t2)
#endif
		fi
	fi
}

/*
 * cow_private_table, then, for a copy: *l1pte = PA2PTE(copy) |
 * PTE_FLAGS(old); cow_put_table(&old).  One step (two with PUT_SPLIT).
 */
inline private_table_switch(s)
{
	if
	:: t2 != t && t2 != NONE ->
		atomic {
			sp[me].l1[s] = t2 | (sp[me].l1[s] & ~FRAME);
			put_table_first(t)
			PUT_SPLIT
			PUT_SECOND(t)
		}
#ifdef DROP_TABLE_FIRST
		/* BROKEN: the copy's pages raised after the shared table's drop. */
		d_step { ref_inc_leaves(t2) }
#endif
	:: else -> skip
	fi
}

/*
 * wp_page(), second half: the page (wp_page_reuse or wp_page_copy), in the
 * table fault_unshare_table got from cow_private_table (t2; NONE when it
 * had no frame for a copy).  Ends the VM-lock step.
 */
inline resolve_page(va)
{
	atomic {
		if
		:: t2 == NONE ->
			res = COW_NO_MEMORY; /* fault_unshare_table: table == 0 */
			vm_unlock_shared()
		:: else ->
#ifndef KEEP_TABLE_RO
			/* fault_unshare_table: *l1pte &= ~PTE_TABLE_RO */
			sp[me].l1[SLOT(va)] = sp[me].l1[SLOT(va)] & ~RO;
#endif
			pte = tab[t2].pte[IDX(va)]; /* f->pte = &table[PX(0, f->va)] */
			old = pte & FRAME;          /* f->frame */
			/* wp_page: frame_refcount(f->frame) == 1, an acquire load */
			if
			:: ((early != 0 && t2 == t) -> early == 2 : pcount[old] == 1) ->
				/* wp_page_reuse: *f->pte = (*f->pte | PTE_W) & ~PTE_COW */
				tab[t2].pte[IDX(va)] = (pte | W) & ~COW;
				pa = old;
				res = COW_OK;
				vm_unlock_shared()
			:: else ->
				/*
				 * wp_page_copy: copy = frame_alloc(); page_copy(copy, f->frame): in the
				 * same step, since nobody writes a page whose count is
				 * above 1 and we hold one of its references.
				 */
				page_alloc(cp);
				if
				:: cp == NONE ->
					res = COW_NO_MEMORY;
					vm_unlock_shared()
				:: else ->
					pdata[cp] = pdata[old];
					res = GO_ON
				fi
			fi
		fi
	}
	if
	:: res == GO_ON ->
		d_step {
			/* wp_page_copy: *f->pte = PA2PTE(copy) | PTE_W ...; frame_free(f->frame) */
			tab[t2].pte[IDX(va)] = cp | V | W;
			page_put(old);
			pa = cp;
			cp = 0;
			res = COW_OK;
			vm_unlock_shared()
		}
	:: else -> cp = 0
	fi
}

/*
 * fault_find then wp_page, the one COW decision, for a store fault
 * (cow_resolve: wok 0) and copyout (cow_write_target: wok 1, which takes a
 * page that is writable already as it is), with vm_lock_shared before it
 * and vm_unlock_shared after.  Sets res (enum cow_result; COW_OK stands
 * for the kernel's COW_REUSED and COW_COPIED) and pa.
 */
inline resolve(va, wok)
{
#ifdef RELAXED_COUNTS
	/*
	 * BROKEN, as frame_refcount's relaxed loads were: nothing orders the
	 * page-count load after the table-count load, so the hart may perform
	 * it first (RVWMO), any time after vm_lock_shared's fences; the PTE
	 * naming the page is in reach.  early = that count + 1, or 0.
	 */
	atomic {
		vm_lock_shared();
		pte = tab[sp[me].l1[SLOT(va)] & FRAME].pte[IDX(va)];
		if
		:: (pte & (V | COW)) == (V | COW) -> early = pcount[pte & FRAME] + 1
		:: skip
		fi
	}
#endif
	atomic {
#ifndef RELAXED_COUNTS
		vm_lock_shared();
#endif
		/* fault_find: f->l1pte = pt_walk_l1(pt, va, 0), valid */
		t = sp[me].l1[SLOT(va)];
		assert(t & V);
		t = t & FRAME;
		pte = tab[t].pte[IDX(va)]; /* pte = &table[PX(0, va)] */
		if
		:: (pte & (V | W)) == (V | W) && wok -> /* writable already */
			pa = pte & FRAME;
			res = COW_OK;
			vm_unlock_shared()
		:: !((pte & (V | W)) == (V | W) && wok) &&
		    (pte & (V | COW)) != (V | COW) ->
			res = COW_NOT_COW; /* wp_page: !pte_is_cow(*f->pte) */
			vm_unlock_shared()
		:: else ->
			res = GO_ON;
#ifndef NO_UNSHARE
			private_table_check(SLOT(va)) /* fault_unshare_table: cow_private_table */
#else
			t2 = t /* BROKEN: the page resolved in its table, shared or not */
#endif
		fi
	}
	if
	:: res == GO_ON ->
		private_table_switch(SLOT(va));
		resolve_page(va)
	:: else -> skip
	fi
}

/*
 * fork_share_table(parent_l1, child_l1) for level-1 slot s of child c,
 * in uvm_fork's VM-lock step: one step.
 */
inline fork_share_table(s, c)
{
	vm_lock_shared();
	if
	:: sp[me].l1[s] & V ->
		t = sp[me].l1[s] & FRAME;
		if
		:: !(sp[me].l1[s] & RO) ->
			/* the protect pass, on its own private table: W -> COW */
			hj = 0;
			do
			:: hj < NPTE ->
				if
				:: (tab[t].pte[hj] & (V | W)) == (V | W) ->
					tab[t].pte[hj] = (tab[t].pte[hj] & ~W) | COW
				:: else -> skip
				fi;
				hj++
			:: else -> break
			od;
			hj = 0;
			sp[me].l1[s] = sp[me].l1[s] | RO /* *parent_l1 |= PTE_TABLE_RO */
		:: else -> skip
		fi;
		assert(tcount[t] > 0);
		tcount[t]++;                /* frame_ref_inc(table) */
		sp[c].l1[s] = sp[me].l1[s]  /* *child_l1 = *parent_l1 */
	:: else -> skip
	fi;
	vm_unlock_shared()
}

/* ---- the callers: uvm.c, fault.c, usercopy.c, sysproc ---- */

/*
 * fork: slot_alloc and uvm_create (a process slot c and a root, the
 * child's own; taken with the operation), then uvm_fork: one VM-lock
 * step per level-0 table; then the child may run.
 */
inline fork()
{
	d_step {
		state[c] = FORKING;
		sp[c].sz = sp[me].sz;
		sp[c].expect[0] = sp[me].expect[0];
		sp[c].expect[1] = sp[me].expect[1];
		sp[c].expect[2] = sp[me].expect[2];
		fork_share_table(0, c) /* uvm_fork, the first table */
	}
	d_step {
		fork_share_table(1, c); /* uvm_fork, the second table */
		state[c] = RUNNING;     /* the child is runnable */
		c = 0
	}
}

/*
 * A user store to page va: the MMU walks the page table (no stale TLB
 * entry: userret's sfence.vma on the way to user mode).  A store to a
 * page without W faults: usertrap -> vm_user_fault -> cow_resolve, and
 * the store is tried again; COW_NO_MEMORY kills the process (exit).
 */
inline user_store(va)
{
	do
	:: atomic {
		t = sp[me].l1[SLOT(va)];
		assert(t & V);
		pte = tab[t & FRAME].pte[IDX(va)];
		assert(pte & V);
		if
		:: pte & W ->
			assert(pcount[pte & FRAME] > 0);
			pdata[pte & FRAME] = me + 1;
			sp[me].expect[va] = me + 1;
			res = COW_OK
		:: else -> res = GO_ON
		fi;
		t = 0;
		pte = 0
	   }
		if
		:: res == COW_OK -> res = 0; break
		:: else ->
			resolve(va, 0); /* cow_resolve(pt, va) */
			if
			:: res == COW_OK -> res = 0 /* store again */
			:: res == COW_NO_MEMORY -> res = 0; goto leave
			:: else -> assert(false) /* every page here is writable data */
			fi
		fi
	od
}

/*
 * copyout(pt, va, ...): pa = cow_write_target(pt, va) (fault_find and
 * wp_page, under the VM lock), then memmove to pa with the lock
 * dropped: a step of its own.  No memory: -1, nothing written.
 */
inline copyout(va)
{
	resolve(va, 1);
	if
	:: res == COW_OK ->
		d_step {
			assert(pcount[pa] > 0);
			pdata[pa] = me + 1; /* memmove((void *)(pa + ...), src, n) */
			sp[me].expect[va] = me + 1;
			pa = 0;
			res = 0
		}
	:: else -> assert(res == COW_NO_MEMORY); res = 0
	fi
}

/*
 * sbrk(-PGSIZE): uvm_shrink(pt, sz, sz - 1).  Page va first of its table:
 * the whole table goes (cow_put_table).  Otherwise the table is made
 * private, then the page unmapped; no frame for the copy: the size stays
 * (return end).
 */
inline sbrk_shrink()
{
	if
	:: IDX(sp[me].sz - 1) == 0 ->
		atomic {
			vm_lock_shared();
			va = sp[me].sz - 1;
			t = sp[me].l1[SLOT(va)] & FRAME;
			sp[me].l1[SLOT(va)] = 0; /* cow_put_table(l1pte): *l1pte = 0 */
			put_table_first(t)
			PUT_SPLIT
			PUT_SECOND(t);
			sp[me].sz--;
			sp[me].expect[va] = 0;
			va = 0;
			vm_unlock_shared()
		}
	:: else ->
		atomic {
			vm_lock_shared();
			va = sp[me].sz - 1;
#ifndef SHRINK_SHARED
			private_table_check(SLOT(va)) /* table = cow_private_table(l1pte) */
#else
			/* BROKEN: the page unmapped in its table, shared or not. */
			t = sp[me].l1[SLOT(va)] & FRAME;
			t2 = t
#endif
		}
		private_table_switch(SLOT(va));
		d_step {
			if
			:: t2 == NONE -> skip /* return end */
			:: else ->
				/*
				 * if (*pte & PTE_V) frame_free(pa); *pte = 0.  The
				 * table is private: the PTE cleared first, in the same
				 * step, so the freed-while-mapped check sees what the
				 * step leaves.
				 */
				hf = tab[t2].pte[IDX(va)];
				tab[t2].pte[IDX(va)] = 0;
				if
				:: hf & V -> page_put(hf & FRAME)
				:: else -> skip
				fi;
				hf = 0;
				sp[me].sz--;
				sp[me].expect[va] = 0
			fi;
			va = 0;
			vm_unlock_shared()
		}
	fi
}

/*
 * exit (or a kill) -> uvm_destroy: per level-0 table one VM-lock step,
 * cow_put_table (*l1pte = 0, then the drop).
 */
inline destroy_slot(s)
{
	if
	:: sp[me].l1[s] & V ->
		atomic {
			vm_lock_shared();
			t = sp[me].l1[s] & FRAME;
			sp[me].l1[s] = 0;
			put_table_first(t)
			PUT_SPLIT
			PUT_SECOND(t);
			vm_unlock_shared()
		}
	:: else -> skip
	fi
}

/* A page below sz, any. */
inline pick_page(va)
{
	if
	:: va = 0
	:: sp[me].sz > 1 -> va = 1
	:: sp[me].sz > 2 -> va = 2
	fi
}

/*
 * A process: store, copyout, fork, sbrk shrink in any order while the
 * shared budget of operations lasts, then exit.  It loads every page it
 * maps in every state (the auditor below checks what it would read).
 */
proctype proc(byte me)
{
	byte va, c, t, t2, pte, old, cp, pa, res, early;

end_unborn:
	state[me] == RUNNING;
	do
	:: atomic { ops > 0 && sp[me].sz > 0 -> pick_page(va); ops-- }
		user_store(va);
		va = 0
	:: atomic { ops > 0 && sp[me].sz > 0 -> pick_page(va); ops-- }
		copyout(va); /* read(fd, buf, n) and the like */
		va = 0
	:: atomic { ops > 0 && nborn < NPROC -> ops--; c = nborn; nborn++ }
		fork()
	:: atomic { ops > 0 && sp[me].sz > 0 -> ops-- }
		sbrk_shrink()
	:: break
	od;
leave:
	sp[me].sz = 0; /* exit: no page is its to use any more */
	destroy_slot(0); /* uvm_destroy */
	destroy_slot(1);
	d_step {
		sp[me].sz = 0;
		sp[me].expect[0] = 0;
		sp[me].expect[1] = 0;
		sp[me].expect[2] = 0;
		state[me] = DEAD;
		hp = 0;
		do
		:: hp < NPROC && (state[hp] == DEAD || state[hp] == UNBORN) -> hp++
		:: hp < NPROC && state[hp] != DEAD && state[hp] != UNBORN -> break
		:: hp == NPROC -> assert_no_leaks(); break
		od;
		hp = 0
	}
}

/* What every process would load, checked in every state. */
proctype auditor()
{
end:
	do
	:: d_step { check_loads() }
	od
}

init
{
	byte i;

	d_step {
		/* process 0: pages 0 and 1 in table 0, page 2 in table 1 */
		tab[0].pte[0] = 0 | V | W;
		tab[0].pte[1] = 1 | V | W;
		tab[1].pte[0] = 2 | V | W;
		tcount[0] = 1;
		tcount[1] = 1;
		pcount[0] = 1;
		pcount[1] = 1;
		pcount[2] = 1;
		sp[0].l1[0] = 0 | V;
		sp[0].l1[1] = 1 | V;
		sp[0].sz = NVA;
		state[0] = RUNNING
	}
	atomic {
		i = 0;
		do
		:: i < NPROC -> run proc(i); i++
		:: else -> break
		od;
		run auditor();
		i = 0
	}
}
