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
 * owns (root, level-1 table, trap frame) is its alone and left out.
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
#define NTAB 5 /* level-0 table frames: 2 at start, copies take more */
#endif
#ifndef NPAGE
#define NPAGE 6 /* page frames: 3 at start */
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
 * store (and the frame must not be free).
 */
inline check_loads()
{
	hp = 0;
	do
	:: hp < NPROC ->
		hi = 0;
		do
		:: hi < NVA ->
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
 * holder drops, so nobody raises the count between the two: one step.
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
 * frame_ref_inc_leaves(copy): + 1 (frame_ref_inc, a relaxed atomic add)
 * for each frame a valid PTE maps.  One step for the two: each decision
 * reads one page's count, so no hart can tell in which order it saw them
 * rise.
 */
inline ref_inc_leaves(t)
{
	d_step {
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
}

/* ---- vmlock.c ---- */

/*
 * vm_lock_shared's entry (wait for no writer, readers + 1, re-check) has
 * the net effect of one atomic step; it is folded into the first step
 * after it.  vm_unlock_shared is a step of its own.  The audit holds the
 * lock exclusive: it runs in the states where readers is 0, which are
 * exactly the states an unlock to 0 leads to (or a user store, which
 * changes no count and no mapping): the model audits there.
 */
inline vm_unlock_shared()
{
	d_step {
		readers--;
		if
		:: readers == 0 -> audit()
		:: else -> skip
		fi;
		t = 0; t2 = 0; pte = 0; old = 0; early = 0; last = 0
	}
}

/* ---- cow.c ---- */

/*
 * cow_put_table(l1pte), first half, after the caller cleared *l1pte (in
 * this same step: its own PTE): frame_put_unless_last(table).  last = 1 if
 * this was the only reference: nothing changed, the caller must release.
 */
inline put_unless_last(t)
{
#ifndef NONATOMIC_PUT
	/* put_shared: acquire load, then CAS c -> c - 1 unless c == 1 */
	assert(tcount[t] > 0);
	if
	:: tcount[t] > 1 -> tcount[t]--; last = 0
	:: else -> last = 1
	fi
#else
	/* BROKEN: the count is loaded in one step and stored in another. */
	c = tcount[t];
	if
	:: c > 1 -> skip
	:: else -> last = 1
	fi
#endif
}

/*
 * cow_put_table, second half: the last holder's frame_free_leaves(table)
 * (under frame_lock) and frame_free(table).  One step: nobody else holds
 * the table, and each decision reads one page's count.
 */
inline put_table_rest(t)
{
#ifdef NONATOMIC_PUT
	if
	:: last == 0 -> tcount[t] = c - 1; c = 0
	:: else -> skip
	fi;
#endif
	if
	:: last ->
		d_step {
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
			tcount[t] = 0;
			last = 0
		}
	:: else -> skip
	fi
}

/*
 * cow_private_table(l1pte), first step: if (frame_refcount(table) == 1)
 * return table (an acquire load).  t = the table; t2 = t when private,
 * GO_ON when it must be copied.
 */
inline private_table_check(s)
{
	t = sp[me].l1[s] & FRAME; /* table = PTE2PA(*l1pte) */
	if
	:: tcount[t] == 1 -> t2 = t
	:: else -> t2 = GO_ON
	fi
}

/*
 * cow_private_table(l1pte), the copy (t2 == GO_ON): t2 = the private copy,
 * or NONE when no frame was free (the shared table stays as it was).
 */
inline private_table_copy(s)
{
	if
	:: t2 == GO_ON ->
		atomic {
			table_alloc(t2); /* copy = frame_alloc() */
			if
			:: t2 == NONE -> skip /* if (copy == 0) return 0 */
			:: else ->
				/* page_copy(copy, table): nobody writes a shared table */
				tab[t2].pte[0] = tab[t].pte[0];
				tab[t2].pte[1] = tab[t].pte[1]
			fi
		}
		if
		:: t2 != NONE ->
#ifndef DROP_TABLE_FIRST
			ref_inc_leaves(t2); /* frame_ref_inc_leaves(copy) */
			atomic {
				/* *l1pte = PA2PTE(copy) | PTE_FLAGS(old) */
				sp[me].l1[s] = t2 | (sp[me].l1[s] & ~FRAME);
				put_unless_last(t) /* cow_put_table(&old) */
			}
			put_table_rest(t)
#else
			/* BROKEN: the shared table dropped before its pages rise. */
			atomic {
				sp[me].l1[s] = t2 | (sp[me].l1[s] & ~FRAME);
				put_unless_last(t)
			}
			put_table_rest(t);
			ref_inc_leaves(t2)
#endif
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/*
 * resolve(), second half: the page, in the table cow_private_table gave
 * (t2; NONE when it had no frame for a copy).
 */
inline resolve_page(va)
{
	if
	:: t2 == NONE -> res = COW_NO_MEMORY /* if (table == 0) return COW_NO_MEMORY */
	:: else ->
		atomic {
#ifndef KEEP_TABLE_RO
			/* *l1pte &= ~PTE_TABLE_RO: it gains a writable leaf */
			sp[me].l1[SLOT(va)] = sp[me].l1[SLOT(va)] & ~RO;
#endif
			pte = tab[t2].pte[IDX(va)]; /* pte = &table[PX(0, va)] */
			old = pte & FRAME;          /* old = PTE2PA(*pte) */
			/* if (frame_refcount(old) == 1): an acquire load */
			if
			:: ((early != 0 && t2 == t) -> early == 2 : pcount[old] == 1) ->
				/* reuse: *pte = (*pte | PTE_W) & ~PTE_COW */
				tab[t2].pte[IDX(va)] = (pte | W) & ~COW;
				pa = old;
				res = COW_OK
			:: else -> res = GO_ON
			fi
		}
		if
		:: res == GO_ON ->
			atomic {
				page_alloc(cp); /* copy = frame_alloc() */
				if
				:: cp == NONE -> res = COW_NO_MEMORY
				:: else -> pdata[cp] = pdata[old] /* page_copy(copy, old) */
				fi
			}
			if
			:: cp != NONE ->
				d_step {
					/* *pte = PA2PTE(copy) | PTE_W ...; frame_free(old) */
					tab[t2].pte[IDX(va)] = cp | V | W;
					page_put(old);
					pa = cp;
					cp = 0;
					res = COW_OK
				}
			:: else -> cp = 0
			fi
		:: else -> skip
		fi
	fi
}

/*
 * resolve(pt, va, writable_ok, &pa), the one COW decision, for a store
 * fault (cow_resolve: wok 0) and copyout (cow_write_target: wok 1), with
 * vm_lock_shared before it and vm_unlock_shared after.  Sets res (enum
 * cow_result) and pa.
 */
inline resolve(va, wok)
{
	atomic {
		readers++; /* vm_lock_shared() */
		/* l1pte = pt_walk_l1(pt, va, 0); if (!(*l1pte & PTE_V)) ... */
		t = sp[me].l1[SLOT(va)];
		assert(t & V);
		t = t & FRAME;
		pte = tab[t].pte[IDX(va)]; /* pte = &table[PX(0, va)] */
		if
		:: (pte & (V | W)) == (V | W) && wok -> /* writable already */
			pa = pte & FRAME;
			res = COW_OK
		:: !((pte & (V | W)) == (V | W) && wok) &&
		    (pte & (V | COW)) != (V | COW) ->
			res = COW_NOT_COW /* !pte_is_cow(*pte) */
		:: else -> res = GO_ON
		fi;
#ifdef RELAXED_COUNTS
		/*
		 * BROKEN, as frame_refcount's relaxed load was: nothing orders
		 * the page-count load after the table-count load, so the hart
		 * may perform it first (RVWMO).  vm_lock_shared's fences keep it
		 * after the lock; the PTE naming the page is in reach.
		 */
		if
		:: res == GO_ON -> early = pcount[pte & FRAME] + 1
		:: skip
		fi
#endif
	}
	if
	:: res == GO_ON ->
#ifndef NO_UNSHARE
		atomic { /* table = cow_private_table(l1pte) */
			private_table_check(SLOT(va))
		}
		private_table_copy(SLOT(va));
#else
		t2 = t; /* BROKEN: the page resolved in its table, shared or not */
#endif
		resolve_page(va)
	:: else -> skip
	fi;
	vm_unlock_shared()
}

/* fork_share_table(parent_l1, child_l1) for level-1 slot s of child c. */
inline fork_share_table(s, c)
{
	if
	:: sp[me].l1[s] & V ->
		t = sp[me].l1[s] & FRAME;
		if
		:: !(sp[me].l1[s] & RO) ->
			/* the protect pass (its own private table): W -> COW */
#ifndef NO_PROTECT
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
#endif
			sp[me].l1[s] = sp[me].l1[s] | RO /* *parent_l1 |= PTE_TABLE_RO */
		:: else -> skip
		fi;
		assert(tcount[t] > 0);
		tcount[t]++;               /* frame_ref_inc(table) */
		sp[c].l1[s] = sp[me].l1[s]; /* *child_l1 = *parent_l1 */
		t = 0
	:: else -> skip
	fi
}

/* ---- the callers: uvm.c, fault.c, usercopy.c, sysproc ---- */

/*
 * fork: allocproc and uvm_create (a slot, a root: the child's own), then
 * uvm_fork: one VM-lock step per level-0 table; the child runs after.
 * Each step is one atomic step: the lock, fork_share_table, the unlock.
 */
inline fork()
{
	d_step {
		state[c] = FORKING;
		sp[c].sz = sp[me].sz;
		sp[c].expect[0] = sp[me].expect[0];
		sp[c].expect[1] = sp[me].expect[1];
		sp[c].expect[2] = sp[me].expect[2];
		fork_share_table(0, c); /* uvm_fork, first table */
		if
		:: readers == 0 -> audit()
		:: else -> skip
		fi
	}
	d_step {
		fork_share_table(1, c); /* uvm_fork, second table */
		if
		:: readers == 0 -> audit()
		:: else -> skip
		fi;
		state[c] = RUNNING; /* the child is runnable */
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
 * copyout(pt, va, ...): pa = cow_write_target(pt, va) (resolve with
 * writable_ok, under the VM lock), then memmove to pa with the lock
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
 * sbrk(-PGSIZE): uvm_shrink(pt, sz, sz - 1).  Page va is the first of its
 * table: the whole table goes (cow_put_table).  Otherwise the table is
 * made private, then the page unmapped; no memory for the copy: the size
 * stays (return end).
 */
inline sbrk_shrink()
{
	if
	:: IDX(sp[me].sz - 1) == 0 ->
		atomic {
			readers++; /* vm_lock_shared() */
			va = sp[me].sz - 1;
			t = sp[me].l1[SLOT(va)] & FRAME;
			sp[me].l1[SLOT(va)] = 0; /* cow_put_table(l1pte): *l1pte = 0 */
			put_unless_last(t)
		}
		put_table_rest(t);
		sp[me].sz--;
		sp[me].expect[va] = 0
	:: else ->
#ifndef SHRINK_SHARED
		atomic {
			readers++; /* vm_lock_shared() */
			va = sp[me].sz - 1;
			/* table = cow_private_table(l1pte) */
			private_table_check(SLOT(va))
		}
		private_table_copy(SLOT(va));
#else
		/* BROKEN: the page unmapped in its table as it is, shared or not. */
		atomic {
			readers++;
			va = sp[me].sz - 1;
			t2 = sp[me].l1[SLOT(va)] & FRAME
		}
#endif
		if
		:: t2 == NONE -> skip /* return end */
		:: else ->
			d_step {
				/*
				 * if (*pte & PTE_V) frame_free(pa); *pte = 0.  One
				 * step (the table is private); the PTE cleared first so
				 * that the freed-while-mapped check sees what the step
				 * leaves.
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
			}
		fi
	fi;
	va = 0;
	vm_unlock_shared()
}

/*
 * exit (or killed) -> uvm_destroy: per level-0 table one VM-lock step,
 * cow_put_table (*l1pte = 0, then the drop).
 */
inline destroy_slot(s)
{
	if
	:: sp[me].l1[s] & V ->
		atomic {
			readers++; /* vm_lock_shared() */
			t = sp[me].l1[s] & FRAME;
			sp[me].l1[s] = 0;
			put_unless_last(t)
		}
		put_table_rest(t);
		vm_unlock_shared()
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
 * A process: up to MAXOPS of store, copyout, fork, sbrk shrink in any
 * order, then exit.  It loads every page it maps in every state (the
 * auditor below checks what it would read).
 */
proctype proc(byte me)
{
	byte va, c, t, t2, pte, old, cp, pa, res, early;
	bit last;

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
