/*
 * User floating point, saved and loaded only for processes that use it.
 *
 * The kernel never executes an FP instruction (it is compiled for the
 * integer-only ABI; fpregs.S alone enables the D extension), so a process's
 * f registers survive a trap into the kernel untouched.  sstatus.FS
 * (one copy per hart) says whether FP instructions may run and, once on,
 * whether the registers changed since they were last saved.
 *
 * Rules:
 *   - A program starts with FP off (fs->used == 0): it enters user mode
 *     with FS = Off, so its first FP instruction traps as illegal, and
 *     usertrap turns FP on for it (fpu_first_use) with zeroed registers and
 *     runs the instruction again.  A genuinely illegal instruction traps
 *     a second time and kills the process.  A process that never uses FP
 *     costs one CSR write per return to user and nothing at a switch.
 *   - Leaving the hart (sched): if FS is Dirty and the registers are this
 *     process's, store them in its fpstate; FS = Clean.
 *   - Entering user mode: if this hart's registers are not the process's
 *     latest state (cpu->fpu_loaded != fs, or fs->hart is another hart:
 *     the process ran elsewhere since), load them; FS = Clean.  Otherwise
 *     they are live already and FS keeps saying whether they are dirty.
 *   - fork copies the parent's state after saving it (fpu_copy); exec
 *     turns FP off again (fpu_reset).
 * Invariant: if cpu->fpu_loaded == fs && fs->hart == this hart, the
 * hart's f registers hold fs's process's state, newer than *fs iff FS is
 * Dirty.  Nothing else ever writes the f registers.
 */
#include "kernel/arch/arch.h"
#include "kernel/arch/cpu.h"
#include "kernel/lib/lib.h"

static inline uint64
fs_bits(void)
{
	return CSR_READ(sstatus) & SSTATUS_FS;
}

static inline void
set_fs_bits(uint64 fs)
{
	CSR_WRITE(sstatus, (CSR_READ(sstatus) & ~SSTATUS_FS) | fs);
}

static int
loaded_here(const struct fpstate *fs)
{
	struct cpu *c = mycpu();

	return c->fpu_loaded == fs && fs->hart == c->hartid;
}

void
fpu_reset(struct fpstate *fs)
{
	fs->used = 0;
	fs->hart = -1;
}

void
fpu_first_use(struct fpstate *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->used = 1;
	fs->hart = -1; /* load the zeroes on the way out */
}

void
fpu_save_if_dirty(struct fpstate *fs)
{
	if (fs->used && fs_bits() == SSTATUS_FS_DIRTY && loaded_here(fs)) {
		fpu_save(fs);
		set_fs_bits(SSTATUS_FS_CLEAN);
	}
}

void
fpu_enter_user(struct fpstate *fs)
{
	struct cpu *c = mycpu();

	if (!fs->used) {
		set_fs_bits(SSTATUS_FS_OFF);
		return;
	}
	if (!loaded_here(fs)) {
		set_fs_bits(SSTATUS_FS_CLEAN); /* let fpu_load run */
		fpu_load(fs);
		c->fpu_loaded = fs;
		fs->hart = c->hartid;
		set_fs_bits(SSTATUS_FS_CLEAN);
	} else if (fs_bits() == SSTATUS_FS_OFF) {
		set_fs_bits(SSTATUS_FS_CLEAN);
	}
}

/* fork: the child starts with the parent's registers as they are now. */
void
fpu_copy(struct fpstate *to, struct fpstate *from)
{
	int on;

	if (!from->used) {
		fpu_reset(to);
		return;
	}
	on = intr_off_was_on(); /* arch's own primitive: lib's push_off is above */
	fpu_save_if_dirty(from);
	if (on)
		intr_on();
	*to = *from;
	to->hart = -1;
}
