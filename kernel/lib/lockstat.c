/*
 * Lock statistics: one record per kind of lock, found by the name the
 * lock was initialised with, counting acquisitions and the acquisitions
 * that had to wait.
 *
 * The counts are relaxed atomic adds (one amoadd each).  Atomic, because
 * harts holding different locks of one kind (two pipes) bump the same
 * record at once and plain adds would lose counts; relaxed, because the
 * counts publish nothing: no other data is read on the strength of them,
 * and a reader wants a figure, not a snapshot consistent with anything.
 * A reset racing with an acquisition may keep or lose that one count.
 *
 * Registration takes no lock (it runs inside spin_lock for a statically
 * initialised lock): a record is claimed by swapping its name from 0 to
 * the new name; whoever loses the race looks at the name the winner put
 * there.  Records are never freed, so a pointer to one stays valid.  When
 * the table is full, further kinds share the last record, named "other".
 */
#include "kernel/lib/lib.h"

static struct lock_kind kinds[LOCK_KINDS_MAX];
static const char other_name[] = "other";

static int
same_name(const char *a, const char *b)
{
	return a == b || strncmp(a, b, 64) == 0;
}

struct lock_kind *
lock_kind_of(const char *name)
{
	int i;

	if (name == 0)
		name = "(unnamed)";
	for (i = 0; i < LOCK_KINDS_MAX - 1; i++) {
		/*
		 * A slot is claimed once, by compare-and-swap on its name;
		 * acquire pairs with the claimer's release, so a hart that
		 * finds a name finds the counters as they were published.
		 */
		const char *seen =
		    __atomic_load_n(&kinds[i].name, __ATOMIC_ACQUIRE);

		if (seen == 0) {
			const char *expect = 0;

			if (__atomic_compare_exchange_n(&kinds[i].name, &expect,
				name, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return &kinds[i];
			seen = expect; /* another hart claimed it first */
		}
		if (same_name(seen, name))
			return &kinds[i];
	}
	__atomic_store_n(&kinds[i].name, other_name, __ATOMIC_RELEASE);
	return &kinds[i];
}

int
lock_kind_get(int i, const char **name, uint64 *acquired, uint64 *contended)
{
	const char *n;

	if (i < 0 || i >= LOCK_KINDS_MAX)
		return -1;
	n = __atomic_load_n(&kinds[i].name, __ATOMIC_ACQUIRE);
	if (n == 0)
		return -1;
	*name = n;
	*acquired = __atomic_load_n(&kinds[i].acquired, __ATOMIC_RELAXED);
	*contended = __atomic_load_n(&kinds[i].contended, __ATOMIC_RELAXED);
	return 0;
}

void
lock_kinds_reset(void)
{
	int i;

	for (i = 0; i < LOCK_KINDS_MAX; i++) {
		__atomic_store_n(&kinds[i].acquired, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&kinds[i].contended, 0, __ATOMIC_RELAXED);
	}
}
