/*
 * Moving bytes between the kernel and a user address space.
 *
 * The kernel reaches user memory through the frames' physical addresses
 * (the kernel maps all RAM), after checking each page in the user's page
 * table: valid, user-accessible, below MAXVA.  A bad address makes the
 * call return -1; it never panics and never kills.  copyout writes into
 * a copy-on-write page the same way a user store would: through
 * cow_write_target() (cow.c), so a child's read() cannot change its
 * parent's memory.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/arch/cpu.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

int
copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len)
{
	while (len > 0) {
		uint64 va = PGROUNDDOWN(dstva);
		uint64 pa = cow_write_target(pt, va);
		uint64 n = PGSIZE - (dstva - va);

		if (pa == 0)
			return -1;
		if (n > len)
			n = len;
		memmove((void *)(pa + (dstva - va)), src, n);
		len -= n;
		src = (const char *)src + n;
		dstva = va + PGSIZE;
	}
	return 0;
}

int
copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
	while (len > 0) {
		uint64 va = PGROUNDDOWN(srcva);
		uint64 pa = pt_lookup_user(pt, va);
		uint64 n = PGSIZE - (srcva - va);

		if (pa == 0)
			return -1;
		if (n > len)
			n = len;
		memmove(dst, (void *)(pa + (srcva - va)), n);
		len -= n;
		dst = (char *)dst + n;
		srcva = va + PGSIZE;
	}
	return 0;
}

/* Copy a NUL-terminated string of at most max bytes (NUL included). */
int
copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
	while (max > 0) {
		uint64 va = PGROUNDDOWN(srcva);
		uint64 pa = pt_lookup_user(pt, va);
		const char *p;
		uint64 n;

		if (pa == 0)
			return -1;
		p = (const char *)(pa + (srcva - va));
		for (n = PGSIZE - (srcva - va); n > 0 && max > 0; n--, max--) {
			*dst = *p++;
			if (*dst++ == 0)
				return 0;
		}
		srcva = va + PGSIZE;
	}
	return -1; /* no NUL within max bytes */
}

/* The running process's page table (kernel/arch/cpu.h: set by the scheduler and exec). */
static pagetable_t
current_space(void)
{
	pagetable_t pt;

	push_off();
	pt = mycpu()->user_pt;
	pop_off();
	return pt;
}

int
either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
	if (user_dst)
		return copyout(current_space(), dst, src, len);
	memmove((void *)dst, src, len);
	return 0;
}

int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
	if (user_src)
		return copyin(current_space(), dst, src, len);
	memmove(dst, (const void *)src, len);
	return 0;
}
