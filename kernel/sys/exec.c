/*
 * exec: replace the calling process's image with an ELF64 program.
 *
 * The new address space is built completely on the side; the process is
 * touched only after every step has succeeded, so any failure (a missing
 * file, a malformed or truncated ELF, too many arguments, no memory)
 * returns -1 with the caller exactly as it was.
 *
 * Checks on the ELF: magic, 64-bit little-endian RISC-V executable,
 * program headers inside the file, loadable segments page-aligned, in
 * ascending order without overlap, not wrapping, below the trap frame,
 * file data inside the file, and never both writable and executable.
 *
 * Layout built: segments, one unmapped guard page, one stack page (argv
 * strings and the argv array at its top, sp 16-byte aligned), and the
 * heap will start above the stack.
 *
 * The segments are not read here: each becomes a region of the new
 * address space (vma_map_image; kernel/mm/vma.c) holding a reference to
 * the program's inode, and a page comes in when first touched: the file's
 * bytes, zeros past the segment's file size (bss, and the tail of the page
 * where the file bytes end).  Read-only segments map read-only; the last
 * page of one shows zeros past its file bytes too, as a copy would.  A
 * segment whose file offset is not page-aligned (its pages do not start
 * at a page of the file), or one past VMA_IMAGE_MAX, is copied in now.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/stat.h"
#include "kernel/elf.h"
#include "kernel/fcntl.h"
#include "kernel/lib/lib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"
#include "kernel/sys/sys.h"

#define MAX_PHDRS 16 /* program headers exec reads at most */

static int
read_exact(struct inode *ip, void *dst, uint64 off, uint64 n)
{
	if (off + n < off || off + n > ip->size)
		return -1;
	return readi(ip, 0, (uint64)dst, off, n) == (int)n ? 0 : -1;
}

static int
elf_header_ok(const struct elf_header *eh)
{
	return eh->magic == ELF_MAGIC && eh->class == ELFCLASS64 &&
	    eh->data == ELFDATA2LSB && eh->type == ET_EXEC &&
	    eh->machine == EM_RISCV &&
	    eh->phentsize == sizeof(struct prog_header) &&
	    eh->phnum <= MAX_PHDRS;
}

static int
segment_prot(uint32 flags)
{
	int prot = 0;

	if (flags & (PF_R | PF_W))
		prot |= PROT_READ;
	if (flags & PF_W)
		prot |= PROT_WRITE;
	if (flags & PF_X)
		prot |= PROT_EXEC;
	return prot;
}

static int
segment_perm(uint32 flags)
{
	int perm = PTE_U;

	if (flags & PF_R)
		perm |= PTE_R;
	if (flags & PF_W)
		perm |= PTE_W | PTE_R; /* W without R is reserved */
	if (flags & PF_X)
		perm |= PTE_X;
	return perm;
}

/*
 * Map the pages of one segment and fill them now: file bytes where the
 * file has them, zeros elsewhere (each frame is written once).
 */
static int
copy_segment(pagetable_t pt, uint64 *sz, struct inode *ip, struct prog_header *ph)
{
	uint64 va;

	for (va = ph->vaddr; va < ph->vaddr + ph->memsz; va += PGSIZE) {
		uint64 done = va - ph->vaddr;
		uint64 from_file = done < ph->filesz ? ph->filesz - done : 0;
		char *frame = frame_alloc();

		if (frame == 0)
			return -1;
		if (from_file > PGSIZE)
			from_file = PGSIZE;
		memset(frame + from_file, 0, PGSIZE - from_file);
		if (pt_map(pt, va, PGSIZE, (uint64)frame,
			segment_perm(ph->flags)) < 0) {
			frame_free(frame);
			return -1;
		}
		*sz = va + PGSIZE;
		if (from_file &&
		    read_exact(ip, frame, ph->off + done, from_file) < 0)
			return -1;
	}
	return 0;
}

/*
 * One loadable segment: checked, then recorded as a region to fill on
 * first touch, or copied in.  *sz is the end of the image so far and
 * becomes the end of this segment.
 */
static int
load_segment(pagetable_t pt, uint64 *sz, struct inode *ip, struct prog_header *ph)
{
	uint64 end = PGROUNDUP(ph->vaddr + ph->memsz), need;

	if (ph->memsz < ph->filesz || ph->vaddr % PGSIZE != 0 ||
	    ph->vaddr + ph->memsz < ph->vaddr ||
	    ph->vaddr + ph->memsz > MMAP_BASE || ph->vaddr < *sz ||
	    ph->off + ph->filesz < ph->off || ph->off + ph->filesz > ip->size ||
	    ((ph->flags & PF_W) && (ph->flags & PF_X)))
		return -1;
	/*
	 * As sbrk does: refuse up front what free memory could never fill
	 * (counting the cached pages nobody maps, which reclaim gives back).
	 */
	need = (end - ph->vaddr) / PGSIZE * (PT_ENTRIES + 1) / PT_ENTRIES;
	if (need > frame_free_count_reclaim(need))
		return -1;
	if (ph->off % PGSIZE == 0 &&
	    vma_map_image(pt, ph->vaddr, end, segment_prot(ph->flags), ip,
		ph->off, ph->filesz) == 0) {
		*sz = end;
		return 0;
	}
	return copy_segment(pt, sz, ip, ph);
}

/* Strings, then the argv array, at the top of the stack page. */
static int
push_args(pagetable_t pt, uint64 stack_base, char **argv, uint64 *sp_out,
    int *argc_out)
{
	uint64 uargv[MAXARG + 1];
	uint64 sp = stack_base + PGSIZE;
	int argc;

	for (argc = 0; argv[argc]; argc++) {
		uint64 len = strlen(argv[argc]) + 1;

		if (argc >= MAXARG)
			return -1;
		sp = (sp - len) & ~15UL;
		if (sp < stack_base || copyout(pt, sp, argv[argc], len) != 0)
			return -1;
		uargv[argc] = sp;
	}
	uargv[argc] = 0;
	sp = (sp - (argc + 1) * sizeof(uint64)) & ~15UL;
	if (sp < stack_base ||
	    copyout(pt, sp, uargv, (argc + 1) * sizeof(uint64)) != 0)
		return -1;
	*sp_out = sp;
	*argc_out = argc;
	return 0;
}

static const char *
last_component(const char *path)
{
	const char *name = path, *s;

	for (s = path; *s; s++)
		if (*s == '/')
			name = s + 1;
	return name;
}

int
exec(char *path, char **argv)
{
	struct proc *p = myproc();
	struct elf_header eh;
	struct prog_header ph;
	struct inode *ip;
	pagetable_t pt = 0, old;
	uint64 sz = 0, stack_base, sp;
	void *stack;
	int i, argc;

	op_begin();
	if ((ip = namei(path)) == 0) {
		op_end();
		return -1;
	}
	if (ilock(ip) < 0) {
		iput(ip);
		op_end();
		return -1;
	}
	/* A file open for writing may change under the program: text busy. */
	if (ip->type != T_FILE || inode_written(ip) ||
	    read_exact(ip, &eh, 0, sizeof(eh)) < 0 || !elf_header_ok(&eh))
		goto bad;
	if ((pt = uvm_create((uint64)p->trapframe)) == 0)
		goto bad;
	for (i = 0; i < eh.phnum; i++) {
		if (read_exact(ip, &ph, eh.phoff + i * sizeof(ph), sizeof(ph)) < 0)
			goto bad;
		if (ph.type == PT_LOAD && ph.memsz > 0 &&
		    load_segment(pt, &sz, ip, &ph) < 0)
			goto bad;
	}
	iunlockput(ip);
	op_end();
	ip = 0;

	/* Guard page (left unmapped), then the stack page. */
	stack_base = PGROUNDUP(sz) + PGSIZE;
	if (stack_base + PGSIZE > MMAP_BASE || (stack = frame_alloc_zeroed()) == 0)
		goto bad;
	if (pt_map(pt, stack_base, PGSIZE, (uint64)stack,
		PTE_R | PTE_W | PTE_U) < 0) {
		frame_free(stack);
		goto bad;
	}
	sz = stack_base + PGSIZE;
	if (push_args(pt, stack_base, argv, &sp, &argc) < 0)
		goto bad;

	/* Commit: from here on nothing can fail. */
	strlcpy_k(p->name, last_component(path), sizeof(p->name));
	spin_lock(&p->lock);
	old = p->pagetable;
	p->pagetable = pt;
	mycpu()->user_pt = pt; /* for user copies on this hart (mm/usercopy.c) */
	p->sz = sz;
	p->stack_base = stack_base;
	vma_file_span(pt, &p->file_lo, &p->file_hi);
	spin_unlock(&p->lock);
	fpu_reset(&p->fpu); /* the new program starts with FP off */
	p->trapframe->x[REG_PC] = eh.entry;
	p->trapframe->x[REG_SP] = sp;
	p->trapframe->x[REG_A1] = sp;
	if (old) {
		if (vma_in_use())
			vma_unmap_all(old); /* shared mappings are written back */
		uvm_destroy(old);
	}
	return argc; /* lands in a0 */

bad:
	/* The inode first: dropping the regions' references may need the log. */
	if (ip) {
		iunlockput(ip);
		op_end();
	}
	if (pt)
		uvm_destroy(pt);
	return -1;
}
