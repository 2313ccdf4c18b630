/*
 * Moving bytes between the kernel and a user address space.
 *
 * The kernel reaches user memory through the frames' physical addresses
 * (the kernel maps all RAM), after checking each page in the user's page
 * table: valid, user-accessible, below MAXVA.  Like Linux's copy_to_user,
 * a copy returns the number of bytes it could not move: it stops at the
 * first page that fails the check, and every byte before that page was
 * moved, so a caller that can use part of a copy (read, write, pipes)
 * needs no chunking of its own.  A bad address never panics and never
 * kills.  copyout writes into
 * a copy-on-write page the same way a user store would: through
 * cow_write_target() (cow.c), so a child's read() cannot change its
 * parent's memory.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/arch/cpu.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"

/* Bytes from va to the end of its page, at most len. */
static uint64
in_page(uint64 va, uint64 len)
{
	uint64 rest = PGSIZE - va % PGSIZE;

	return rest < len ? rest : len;
}

/* The frame behind the user page at va, for a store or a load, or 0. */
static uint64
mapped_page(pagetable_t pt, uint64 va, int write)
{
	return write ? cow_write_target(pt, va) : pt_lookup_user(pt, va);
}

/*
 * The frame a user load (or store) at va would reach: an untouched heap
 * or mapped page is filled first, as the fault handler would.  0 if the access
 * would fault for good.
 */
static uint64
user_page(pagetable_t pt, uint64 va, int write)
{
	uint64 pa = mapped_page(pt, va, write);

	if (pa == 0 &&
	    vm_fill(pt, va, write ? PROT_WRITE : PROT_READ) == FILL_MAPPED)
		pa = mapped_page(pt, va, write);
	return pa;
}

/*
 * The one walker behind copyout and copyin: move up to len bytes between
 * the kernel buffer kbuf and the user address uva, page by page.  Each
 * user page is checked before any byte of it moves; the first page that
 * fails stops the copy.  Returns the bytes not moved (0: all of them).
 */
static uint64
copy_user(pagetable_t pt, uint64 uva, char *kbuf, uint64 len, int to_user)
{
	while (len > 0) {
		uint64 va = PGROUNDDOWN(uva), off = uva - va;
		uint64 n = in_page(uva, len);
		uint64 pa = user_page(pt, va, to_user);

		if (pa == 0)
			break;
		if (to_user)
			memmove((void *)(pa + off), kbuf, n);
		else
			memmove(kbuf, (void *)(pa + off), n);
		len -= n;
		kbuf += n;
		uva = va + PGSIZE;
	}
	return len;
}

uint64
copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len)
{
	return copy_user(pt, dstva, (char *)src, len, 1);
}

uint64
copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
	return copy_user(pt, srcva, dst, len, 0);
}

/* Copy a NUL-terminated string of at most max bytes (NUL included). */
int
copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
	while (max > 0) {
		uint64 n = in_page(srcva, max), i;

		if (copyin(pt, dst, srcva, n) != 0)
			return -1;
		for (i = 0; i < n; i++)
			if (dst[i] == 0)
				return 0;
		dst += n;
		srcva += n;
		max -= n;
	}
	return -1; /* no NUL within max bytes */
}

/* The running process's page table (kernel/arch/cpu.h: set by the scheduler and exec). */
static pagetable_t
current_space(void)
{
	return THIS_CPU_PTR(user_pt);
}

uint64
either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
	if (user_dst)
		return copyout(current_space(), dst, src, len);
	memmove((void *)dst, src, len);
	return 0;
}

uint64
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
	if (user_src)
		return copyin(current_space(), dst, src, len);
	memmove(dst, (const void *)src, len);
	return 0;
}
