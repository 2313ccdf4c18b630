/*
 * t_pmap: the pmap system call (kernel/pmap.h) and what it reports.
 *
 * Bad pids, flags and pointers get -1 and leak nothing; a process sees
 * itself and every other live process; a forked child's heap shows as
 * shared copy-on-write until it writes, then the pages it wrote as
 * private, with its per-process counters (ps) counting the copies; a
 * zombie holds only its trap frame; and the frames held by all processes
 * and the kernel add up to the frames allocated, while pages are shared
 * and after they were copied.
 */
#include "kernel/types.h"
#include "kernel/pmap.h"
#include "kernel/vmstat.h"
#include "tests/guest/testlib.h"

#define HEAP_PAGES 64

static struct pmap m;
static int cow_mode;

static uint64
frames_allocated(void)
{
	struct vmstat st;

	vmstat(VMSTAT_GET, &st);
	return st.frames_total - st.frames_free;
}

static const struct pmap_region *
region(const struct pmap *p, uint32 kind)
{
	uint32 i;

	for (i = 0; i < p->nregions; i++)
		if (p->region[i].kind == kind)
			return &p->region[i];
	return 0;
}

static void
bad_args(void)
{
	char *top = sbrk(0);
	uint64 before = frames_free();
	int i, bad = 0, self = getpid();

	for (i = 0; i < 300; i++) {
		bad += pmap(-1, 0, &m) != -1;
		bad += pmap(1 << 30, 0, &m) != -1;
		bad += pmap(self, 8, &m) != -1;
		bad += pmap(self, -1, &m) != -1;
		bad += pmap(self, 0, 0) != -1; /* text: not writable */
		bad += pmap(self, 0, (struct pmap *)(top - 100)) !=
		    -1; /* runs off the end */
		bad += pmap(self, 0, (struct pmap *)0x80000000UL) !=
		    -1; /* the kernel's */
		bad += pmap(self, 0, (struct pmap *)TRAPFRAME) != -1; /* not user */
		bad += pmap(self, 0, (struct pmap *)(MAXVA + 4096)) != -1;
		bad += pmap(0, PMAP_NEXT, (struct pmap *)0x80000000UL) != -1;
		bad += pmap(self, 0, &m) != self; /* and a good one between */
	}
	check(bad == 0, "bad-args",
	    "%d of 3300 calls did not return what they should", bad);
	check(frames_free() == before, "bad-args-no-leak",
	    "frames_free %lu before, %lu after", before, frames_free());
}

/*
 * What a process that shares nothing with another process holds, in
 * 1/PMAP_SCALE frames: each private frame whole, and half of each program
 * page it has only read, whose frame it shares with the page cache alone
 * (exec maps the cache's frames).  How many such pages there are depends
 * on the program's layout, so the total alone need not be whole frames.
 */
static uint64
unshared_held(const struct pmap *p, int *other_sharing)
{
	uint64 want = 0;
	uint32 i;

	*other_sharing = 0;
	for (i = 0; i < p->nregions; i++) {
		const struct pmap_region *r = &p->region[i];

		want += r->priv * PMAP_SCALE;
		if (r->kind == PMAP_TEXT || r->kind == PMAP_DATA)
			want += r->shared * (PMAP_SCALE / 2);
		else
			*other_sharing += r->shared;
	}
	return want;
}

static void
self(void)
{
	const struct pmap_region *text, *stack, *heap, *tables;
	int me = getpid(), other_sharing;
	uint64 want;

	if (pmap(me, 0, &m) != me) {
		fail("self", "pmap of my own pid failed");
		return;
	}
	text = region(&m, PMAP_TEXT);
	stack = region(&m, PMAP_STACK);
	heap = region(&m, PMAP_HEAP);
	tables = region(&m, PMAP_PAGETABLES);
	check(strcmp(m.name, "t_pmap") == 0 && m.pid == me &&
		m.size == (uint64)sbrk(0),
	    "self-info", "name %s pid %d size %lu, want t_pmap %d %lu", m.name,
	    m.pid, m.size, me, (uint64)sbrk(0));
	check(text && (text->perm & PMAP_X) && text->present > 0 &&
		text->start == 0,
	    "self-text", "no executable text region at 0");
	check(stack && stack->present == 1 && (stack->perm & PMAP_W),
	    "self-stack", "stack region missing or not one writable page");
	check(heap && heap->end == (uint64)sbrk(0) &&
		heap->present == (heap->end - heap->start) / 4096,
	    "self-heap",
	    "heap region missing or not fully present up to sbrk(0)");
	check(tables && tables->present >= 3, "self-tables",
	    "fewer than 3 page-table pages");
	want = unshared_held(&m, &other_sharing);
	check(m.held == want && other_sharing == 0 && m.held >= PMAP_SCALE * 5,
	    "self-held",
	    "held %lu (in 1/%lu frames) for an unshared process, want %lu; "
	    "%d shared pages outside the program's",
	    m.held, PMAP_SCALE, want, other_sharing);
}

static void
listing(void)
{
	int pid, last = 0, saw_init = 0, saw_me = 0, ordered = 1;

	for (pid = 0; (pid = pmap(pid, PMAP_NEXT | PMAP_INFO_ONLY, &m)) > 0;) {
		ordered &= pid > last && m.pid == pid;
		last = pid;
		saw_init |= pid == 1 && strcmp(m.name, "init") == 0;
		saw_me |= pid == getpid();
	}
	check(pid == 0 && ordered && saw_init && saw_me, "list",
	    "PMAP_NEXT: end %d, ordered %d, init seen %d, self seen %d", pid,
	    ordered, saw_init, saw_me);
}

/*
 * The frames held by every process and the kernel, added up in
 * 1/PMAP_SCALE frames, equal the frames allocated.  Retried when the
 * allocation changed during the walk (another process doing something).
 */
static void
audit(const char *name)
{
	uint64 before = 0, held = 0, after = 1;
	int tries, pid, inexact = 0;

	for (tries = 0; tries < 5 && before != after; tries++) {
		before = frames_allocated();
		held = 0;
		inexact = 0;
		for (pid = 0; (pid = pmap(pid, PMAP_NEXT, &m)) > 0;) {
			held += m.held;
			inexact += m.inexact;
		}
		pmap(0, 0, &m);
		held += m.held;
		inexact += m.inexact;
		after = frames_allocated();
	}
	check(before == after && inexact == 0 && held == after * PMAP_SCALE,
	    name, "frames held %lu/%lu, allocated %lu (then %lu), inexact %d",
	    held, PMAP_SCALE, before, after, inexact);
}

static void __attribute__((noreturn)) idle(void)
{
	for (;;)
		sleep(100);
}

static void
sharing(char *heap)
{
	struct pmap_region h;
	uint64 before = frames_free();
	int pid, i, st;

	pid = fork();
	if (pid < 0) {
		fail("fork", "fork failed");
		return;
	}
	if (pid == 0)
		idle();
	if (pmap(pid, 0, &m) != pid || region(&m, PMAP_HEAP) == 0) {
		fail("child-shared", "no pmap of the child %d", pid);
		goto out;
	}
	h = *region(&m, PMAP_HEAP);
	if (cow_mode)
		check(h.present == HEAP_PAGES && h.shared == HEAP_PAGES &&
			h.cow == HEAP_PAGES && h.priv == 0 && h.sharers == 2,
		    "child-shared",
		    "child heap: present %d shared %d cow %d private %d sharers %d",
		    h.present, h.shared, h.cow, h.priv, h.sharers);
	else
		check(h.present == HEAP_PAGES && h.priv == HEAP_PAGES &&
			h.shared == 0,
		    "child-shared",
		    "FORK=copy child heap: present %d private %d shared %d",
		    h.present, h.priv, h.shared);
	/*
	 * None of the parent's faults may count for the child; the child's
	 * own prologue (idle saves ra on its stack at -Og) may fault once.
	 */
	check(m.cow_faults <= 1, "child-no-faults",
	    "an idle child took %lu COW faults", m.cow_faults);
	audit("audit-shared");
out:
	kill(pid);
	wait_pid(pid, &st);

	/* A second child writes every other heap page, then idles. */
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < HEAP_PAGES; i += 2)
			heap[i * 4096] = 'c';
		idle();
	}
	for (i = 0; i < 200; i++) {
		if (pmap(pid, 0, &m) != pid)
			break;
		if ((int)m.pages_copied >= (cow_mode ? HEAP_PAGES / 2 : 0) &&
		    m.state[0] == 's')
			break;
		sleep(1);
	}
	h = *region(&m, PMAP_HEAP);
	if (cow_mode) {
		check(h.priv == HEAP_PAGES / 2 && h.shared == HEAP_PAGES / 2 &&
			h.cow == HEAP_PAGES / 2,
		    "child-wrote-half",
		    "child heap after writing half: private %d shared %d cow %d",
		    h.priv, h.shared, h.cow);
		check(m.cow_faults >= HEAP_PAGES / 2 &&
			m.pages_copied >= HEAP_PAGES / 2 &&
			m.cow_faults == m.pages_copied + m.pages_reused,
		    "child-counters", "faults %lu copied %lu reused %lu",
		    m.cow_faults, m.pages_copied, m.pages_reused);
		pmap(getpid(), 0, &m);
		h = *region(&m, PMAP_HEAP);
		check(h.priv == HEAP_PAGES / 2 && h.shared == HEAP_PAGES / 2,
		    "parent-after",
		    "parent heap after the child wrote half: private %d shared %d",
		    h.priv, h.shared);
	} else {
		check(h.priv == HEAP_PAGES && m.cow_faults == 0,
		    "child-wrote-half", "FORK=copy: private %d, faults %lu",
		    h.priv, m.cow_faults);
	}
	audit("audit-copied");

	/* Killed and not yet waited for, it holds its trap frame only. */
	kill(pid);
	for (i = 0; i < 200; i++) {
		if (pmap(pid, 0, &m) != pid || strcmp(m.state, "zombie") == 0)
			break;
		sleep(1);
	}
	check(strcmp(m.state, "zombie") == 0 && m.held == PMAP_SCALE &&
		m.nregions == 1 && m.region[0].kind == PMAP_TRAPFRAME,
	    "zombie", "state %s, held %lu/%lu, %d regions", m.state, m.held,
	    PMAP_SCALE, m.nregions);
	wait_pid(pid, &st);
	check(pmap(pid, 0, &m) == -1, "gone",
	    "pmap of a reaped pid did not fail");
	check(frames_free() == before, "frames-back",
	    "frames_free %lu before the forks, %lu after", before, frames_free());
}

int
main(void)
{
	struct vmstat st;
	char *heap;
	int i;

	vmstat(VMSTAT_GET, &st);
	cow_mode = st.fork_mode != FORK_MODE_COPY;
	bad_args();
	heap = sbrk(HEAP_PAGES * 4096);
	for (i = 0; i < HEAP_PAGES; i++)
		heap[i * 4096] = 'p';
	self();
	listing();
	audit("audit-alone");
	sharing(heap);
	finish();
	return 0;
}
