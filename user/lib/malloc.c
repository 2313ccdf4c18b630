/*
 * malloc and free over sbrk.  Every block, in use or free, begins with a
 * header holding its size.  Free blocks sit on one list sorted by address,
 * so free can merge a block with the neighbours it touches and the heap
 * does not crumble into small pieces.  malloc takes the first block big
 * enough, cutting what it needs from the block's end, and asks sbrk for
 * at least a page at a time when nothing fits.  Memory is never given
 * back to the kernel.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"

struct block {
	uint64 size; /* bytes, header included; a multiple of ALIGNMENT */
	struct block *next; /* next free block by address (free blocks only) */
};

#define ALIGNMENT   16
#define HEADER      sizeof(struct block)
#define MIN_BLOCK   (HEADER + ALIGNMENT) /* smallest block worth keeping */
#define MIN_GROW    PGSIZE
/* Largest request: its rounded-up growth must still fit sbrk's int. */
#define MAX_REQUEST (0x7fffffffUL - 2 * PGSIZE)

static struct block *free_list;

static uint64
round_up(uint64 n, uint64 to)
{
	return (n + to - 1) / to * to;
}

static char *
block_end(struct block *b)
{
	return (char *)b + b->size;
}

/* Puts b on the free list, merging it with the blocks on either side. */
static void
release(struct block *b)
{
	struct block *prev = 0, *next = free_list;

	while (next != 0 && next < b) {
		prev = next;
		next = next->next;
	}
	if ((prev != 0 && block_end(prev) > (char *)b) ||
	    (next != 0 && block_end(b) > (char *)next)) {
		fprintf(2, "free: %p is not an allocated block\n", b + 1);
		return;
	}

	if (prev != 0 && block_end(prev) == (char *)b) {
		prev->size += b->size;
		b = prev;
	} else {
		b->next = next;
		if (prev != 0)
			prev->next = b;
		else
			free_list = b;
	}
	if (next != 0 && block_end(b) == (char *)next) {
		b->size += next->size;
		b->next = next->next;
	}
}

/* Adds at least need bytes to the free list; returns 0 when sbrk fails. */
static int
grow(uint64 need)
{
	uint64 amount, pad;
	char *p;

	amount = round_up(need < MIN_GROW ? MIN_GROW : need, PGSIZE);
	/* Someone may have moved the break by an odd amount. */
	pad = (0 - (uint64)sbrk(0)) % ALIGNMENT;
	p = sbrk(amount + pad);
	if (p == (char *)-1)
		return 0;
	p += pad;
	((struct block *)p)->size = amount;
	release((struct block *)p);
	return 1;
}

void *
malloc(uint nbytes)
{
	struct block *b, **link;
	uint64 need;

	if (nbytes > MAX_REQUEST)
		return 0;
	need = round_up(HEADER + nbytes, ALIGNMENT);
	if (need < MIN_BLOCK)
		need = MIN_BLOCK;

	for (;;) {
		for (link = &free_list; (b = *link) != 0; link = &b->next) {
			if (b->size < need)
				continue;
			if (b->size - need >= MIN_BLOCK) {
				/* Keep the front on the list; hand out the tail. */
				b->size -= need;
				b = (struct block *)block_end(b);
				b->size = need;
			} else {
				*link = b->next;
			}
			return b + 1;
		}
		if (!grow(need))
			return 0;
	}
}

void
free(void *ptr)
{
	if (ptr != 0)
		release((struct block *)ptr - 1);
}
