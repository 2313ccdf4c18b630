/*
 * The disk: a virtio block device on the virtio-mmio transport at VIRTIO0
 * (IRQ 1).
 *
 * Design:
 * - Both register layouts are driven.  The Version register picks one at
 *   init: 2 is the modern interface (queue addresses in 64-bit register
 *   pairs, QueueReady, FEATURES_OK handshake, VERSION_1 feature); 1 is the
 *   legacy interface (the whole queue at one guest page number, QueuePFN,
 *   with GuestPageSize and QueueAlign both 4096).  QEMU gives version 1
 *   unless started with -global virtio-mmio.force-legacy=false.
 * - One queue of VQ_SIZE descriptors.  Its memory is a static, page-aligned
 *   object in the kernel's bss: descriptor table and available ring in the
 *   first page, used ring at the start of the second, which is exactly the
 *   legacy layout with align 4096, and satisfies the modern alignment rules
 *   too.  The kernel maps RAM at its physical address, so a kernel pointer
 *   is also the address the device uses.
 * - Features: we accept VERSION_1 (required by the modern interface) and
 *   FLUSH, and refuse the rest (RO, SCSI, CONFIG_WCE, MQ, ANY_LAYOUT,
 *   EVENT_IDX, INDIRECT_DESC...).  Accepting FLUSH tells the device that we
 *   manage its write cache: a completed write may sit in a volatile cache
 *   (for QEMU, the host's page cache) until virtio_disk_flush().  The log
 *   flushes at its commit points (see fs/log.c and docs/durability.md).
 *   Without FLUSH a device writes through, and a flush is a no-op.
 *
 * Requests:
 * - The interface is the block request of dev.h: a block number, DISK_BLOCK
 *   bytes of memory and a direction.  What the blocks hold, and who caches
 *   them, is the file system's business; this file knows only blocks.
 * - The descriptors are divided once, at init, into NREQ request slots of
 *   three: slot s owns descriptors 3s (header), 3s+1 (data) and 3s+2
 *   (status), and the header and status descriptors always point at
 *   disk.req[s].  Taking a slot is taking a whole chain, so a request never
 *   holds part of a chain while waiting for the rest; a read or write
 *   links header -> data -> status, a flush links header -> status.
 * - A caller takes a free slot (sleeping while none is), fills it in and
 *   posts it in the available ring (post), notifies the device (kick), and
 *   sleeps until the interrupt handler marks it done; then it checks the
 *   status and frees the slot (finish).  Each request has exactly one
 *   waiter, its caller.  virtio_disk_rw() posts up to NREQ requests
 *   before one kick and waits for them together, so the log's commit waits
 *   for one round trip per NREQ blocks instead of one per block.
 * - request_done() is the one place where the device's completion of a
 *   request is handled; a crash-injection hook for writes belongs there.
 * - One spinlock, disk.lock, covers the slots, the rings' driver side and
 *   the counters.  Fences order the writes the device must see in order:
 *   the ring entry before the index that publishes it, the index before
 *   the notify; and on completion, the used index before the entries.
 * - Errors: a request the device answers with a status other than OK
 *   (an I/O error: a bad sector, or QEMU's blkdebug injecting one), or a
 *   block past the end of the disk (a damaged file system names it), fails:
 *   the call returns -1 and the console says which block.  The caller
 *   decides what a failure means (fs/log.c, docs/durability.md).  Only an
 *   unknown completed descriptor, a driver or emulator bug, panics.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"
#include "kernel/dev/virtio.h"

#define SECTORS_PER_BLOCK (DISK_BLOCK / VIO_BLK_SECTOR)
#define CHAIN_LEN         3

/* The queue memory the device reads and writes. */
static struct vq_pages {
	struct vq_desc desc[VQ_SIZE];
	struct vq_avail avail;
	struct vq_used used __attribute__((aligned(PGSIZE)));
} vq __attribute__((aligned(PGSIZE)));

_Static_assert(__builtin_offsetof(struct vq_pages, used) == PGSIZE,
    "legacy virtio needs the used ring on the page after the descriptors");
_Static_assert(
    sizeof(struct vq_desc) * VQ_SIZE + sizeof(struct vq_avail) <= PGSIZE,
    "descriptors and available ring must share the first page");

#define DESC_PER_REQ 3
#define NREQ         (VQ_SIZE / DESC_PER_REQ) /* request slots */

/* What one request slot holds besides its three descriptors. */
struct request {
	struct vio_blk_req hdr; /* device reads this */
	volatile uchar status;  /* device writes this */
	int busy;               /* a caller owns the slot */
	int done;               /* the device has finished it */
	struct waitq finished;  /* its caller waits here for done */
};

static struct {
	struct spinlock lock;
	int version;      /* 1 legacy, 2 modern; 0 before init */
	int can_flush;    /* VIO_BLK_F_FLUSH was negotiated */
	uint64 capacity;  /* disk size in sectors */
	uint16 used_seen; /* used-ring entries already handled */
	int nfree;        /* slots not busy */
	struct request req[NREQ];
	struct disk_stats stats;
	struct waitq slot_freed; /* callers waiting for nfree > 0 */
} disk;

static inline uint32
vio_read(int reg)
{
	return *(volatile uint32 *)(VIRTIO0 + reg);
}

static inline void
vio_write(int reg, uint32 v)
{
	*(volatile uint32 *)(VIRTIO0 + reg) = v;
}

/* A 64-bit value into a Low/High register pair. */
static void
vio_write64(int reg_lo, uint64 v)
{
	vio_write(reg_lo, (uint32)v);
	vio_write(reg_lo + 4, (uint32)(v >> 32));
}

static uint64
read_device_features(void)
{
	uint64 f;

	vio_write(VIO_DEVICE_FEAT_SEL, 0);
	f = vio_read(VIO_DEVICE_FEATURES);
	if (disk.version == 2) {
		vio_write(VIO_DEVICE_FEAT_SEL, 1);
		f |= (uint64)vio_read(VIO_DEVICE_FEATURES) << 32;
	}
	return f;
}

static void
write_driver_features(uint64 f)
{
	vio_write(VIO_DRIVER_FEAT_SEL, 0);
	vio_write(VIO_DRIVER_FEATURES, (uint32)f);
	if (disk.version == 2) {
		vio_write(VIO_DRIVER_FEAT_SEL, 1);
		vio_write(VIO_DRIVER_FEATURES, (uint32)(f >> 32));
	}
}

static void
negotiate_features(void)
{
	uint64 offered, wanted;

	offered = read_device_features();
	wanted = VIO_FEATURE(VIO_BLK_F_FLUSH);
	if (disk.version == 2) {
		if ((offered & VIO_FEATURE(VIO_F_VERSION_1)) == 0)
			panic("virtio_disk: modern device without VERSION_1");
		wanted |= VIO_FEATURE(VIO_F_VERSION_1);
	}
	write_driver_features(offered & wanted);
	disk.can_flush = (offered & VIO_FEATURE(VIO_BLK_F_FLUSH)) != 0;
}

/*
 * Capacity, from the device-specific configuration: a 64-bit count of
 * sectors at offset 0, read as two words.  On the modern interface the
 * generation counter tells us if it changed between the two reads.
 */
static uint64
read_capacity(void)
{
	uint32 gen, lo, hi;

	do {
		gen = disk.version == 2 ? vio_read(VIO_CONFIG_GEN) : 0;
		lo = vio_read(VIO_CONFIG);
		hi = vio_read(VIO_CONFIG + 4);
	} while (disk.version == 2 && gen != vio_read(VIO_CONFIG_GEN));
	return ((uint64)hi << 32) | lo;
}

static void
setup_queue(void)
{
	uint32 max;

	if (disk.version == 1)
		vio_write(VIO_GUEST_PAGE_SIZE, PGSIZE);

	vio_write(VIO_QUEUE_SEL, 0);
	if (vio_read(disk.version == 2 ? VIO_QUEUE_READY : VIO_QUEUE_PFN) != 0)
		panic("virtio_disk: queue 0 already in use");
	max = vio_read(VIO_QUEUE_NUM_MAX);
	if (max == 0)
		panic("virtio_disk: device has no queue 0");
	if (max < VQ_SIZE)
		panic("virtio_disk: queue holds %u descriptors, need %d", max,
		    VQ_SIZE);
	vio_write(VIO_QUEUE_NUM, VQ_SIZE);

	memset(&vq, 0, sizeof(vq));
	__sync_synchronize();

	if (disk.version == 1) {
		vio_write(VIO_QUEUE_ALIGN, PGSIZE);
		vio_write(VIO_QUEUE_PFN, (uint64)&vq >> PGSHIFT);
	} else {
		vio_write64(VIO_QUEUE_DESC_LO, (uint64)vq.desc);
		vio_write64(VIO_QUEUE_DRIVER_LO, (uint64)&vq.avail);
		vio_write64(VIO_QUEUE_DEVICE_LO, (uint64)&vq.used);
		vio_write(VIO_QUEUE_READY, 1);
	}
}

/* Point slot s's header and status descriptors at its request, for good. */
static void
slot_wire(int s)
{
	struct vq_desc *d = &vq.desc[s * DESC_PER_REQ];
	struct request *r = &disk.req[s];

	d[0].addr = (uint64)&r->hdr;
	d[0].len = sizeof(r->hdr);
	d[0].flags = VQ_DESC_NEXT;
	d[1].next = s * DESC_PER_REQ + 2;
	d[2].addr = (uint64)&r->status;
	d[2].len = 1;
	d[2].flags = VQ_DESC_WRITE;
	d[2].next = 0;
}

void
virtio_disk_init(void)
{
	uint32 status;
	int i;

	spin_init(&disk.lock, "virtio_disk");
	waitq_init(&disk.slot_freed, "disk slot");
	for (i = 0; i < NREQ; i++)
		waitq_init(&disk.req[i].finished, "disk request");

	if (vio_read(VIO_MAGIC) != VIO_MAGIC_VALUE)
		panic("virtio_disk: no virtio device at %p", (void *)VIRTIO0);
	disk.version = vio_read(VIO_VERSION);
	if (disk.version != 1 && disk.version != 2)
		panic("virtio_disk: unknown virtio-mmio version %d",
		    disk.version);
	if (vio_read(VIO_DEVICE_ID) != VIO_DEVICE_BLOCK)
		panic("virtio_disk: no block device at %p (id %u)",
		    (void *)VIRTIO0, vio_read(VIO_DEVICE_ID));

	/* Reset, then say hello. */
	vio_write(VIO_STATUS, 0);
	while (vio_read(VIO_STATUS) != 0)
		;
	status = VIO_S_ACKNOWLEDGE;
	vio_write(VIO_STATUS, status);
	status |= VIO_S_DRIVER;
	vio_write(VIO_STATUS, status);

	negotiate_features();
	if (disk.version == 2) {
		status |= VIO_S_FEATURES_OK;
		vio_write(VIO_STATUS, status);
		if ((vio_read(VIO_STATUS) & VIO_S_FEATURES_OK) == 0)
			panic("virtio_disk: device refused our features");
	}

	disk.capacity = read_capacity();
	if (disk.capacity < SECTORS_PER_BLOCK)
		panic("virtio_disk: disk holds %lu sectors", disk.capacity);

	setup_queue();
	for (i = 0; i < NREQ; i++)
		slot_wire(i);
	disk.nfree = NREQ;
	disk.used_seen = 0;

	status |= VIO_S_DRIVER_OK;
	vio_write(VIO_STATUS, status);
	diskstat_init();
}

/* Requests completed since boot, by type (the diskstat device shows them). */
void
virtio_disk_stats(struct disk_stats *st)
{
	spin_lock(&disk.lock);
	*st = disk.stats;
	spin_unlock(&disk.lock);
}

static int
slot_take(void)
{
	int s;

	for (s = 0; s < NREQ; s++) {
		if (!disk.req[s].busy) {
			disk.req[s].busy = 1;
			disk.nfree--;
			return s;
		}
	}
	return -1;
}

static void
slot_give(int s)
{
	disk.req[s].busy = 0;
	disk.nfree++;
	waitq_wake_all(&disk.slot_freed);
}

/* A free slot, owned by the caller; sleeps while every slot is busy. */
static int
slot_take_wait(void)
{
	int s;

	while ((s = slot_take()) < 0)
		waitq_sleep(&disk.slot_freed, &disk.lock);
	return s;
}

/*
 * Fill in slot s and put it in the available ring.  The device may not
 * look before kick().  data is 0 for a flush.
 */
static void
post(int s, uint32 type, uint64 sector, void *data)
{
	struct vq_desc *d = &vq.desc[s * DESC_PER_REQ];
	struct request *r = &disk.req[s];

	r->hdr.type = type;
	r->hdr.reserved = 0;
	r->hdr.sector = sector;
	r->status = 0xff; /* anything the device will overwrite */
	r->done = 0;
	if (data != 0) {
		d[0].next = s * DESC_PER_REQ + 1;
		d[1].addr = (uint64)data;
		d[1].len = DISK_BLOCK;
		d[1].flags =
		    VQ_DESC_NEXT | (type == VIO_BLK_T_IN ? VQ_DESC_WRITE : 0);
	} else {
		d[0].next = s * DESC_PER_REQ + 2;
	}
	vq.avail.ring[vq.avail.idx % VQ_SIZE] = s * DESC_PER_REQ;
	__sync_synchronize(); /* descriptors and entry before the index */
	vq.avail.idx++;
}

/* Tell the device that the available ring has new entries. */
static void
kick(void)
{
	__sync_synchronize(); /* index before the notify */
	vio_write(VIO_QUEUE_NOTIFY, 0);
}

/*
 * Sleep until the device has finished slot s's request; free the slot.
 * Returns the device's status.
 */
static int
finish(int s)
{
	struct request *r = &disk.req[s];
	int status;

	while (!r->done)
		waitq_sleep(&r->finished, &disk.lock);
	status = r->status;
	if (status != VIO_BLK_S_OK)
		disk.stats.errors++;
	slot_give(s);
	return status;
}

static const char *
type_name(uint32 type)
{
	return type == VIO_BLK_T_IN ? "read" : "write";
}

/* Say on the console that a request failed; returns -1 for the caller. */
static int
report_failure(uint32 type, uint blockno, const char *why)
{
	if (type == VIO_BLK_T_FLUSH)
		kprintf("virtio_disk: flush failed: %s\n", why);
	else
		kprintf("virtio_disk: %s of block %u failed: %s\n",
		    type_name(type), blockno, why);
	return -1;
}

/* Does block blockno exist on the disk? */
static int
block_on_disk(uint blockno)
{
	if (disk.version == 0)
		panic("virtio_disk: not initialised");
	return (uint64)blockno * SECTORS_PER_BLOCK + SECTORS_PER_BLOCK <=
	    disk.capacity;
}

static uint32
req_type(const struct disk_req *rq)
{
	return rq->op == DISK_READ ? VIO_BLK_T_IN : VIO_BLK_T_OUT;
}

/*
 * Carry out the n requests rq[0..n-1], keeping up to NREQ of them in
 * flight at once, and return when all are done: 0 if every one
 * succeeded, -1 if any failed (each failure is reported on the console;
 * the others took place).  The order in which writes reach the disk is
 * not defined: a caller that needs order flushes between them.  Waits
 * for a free slot only while it owns none, so two callers cannot starve
 * each other.
 */
int
virtio_disk_rw(const struct disk_req *rq, int n)
{
	int slot[NREQ], status[NREQ], k, j, i, failed = 0;

	for (i = 0; i < n; i++)
		if (!block_on_disk(rq[i].blockno))
			return report_failure(req_type(&rq[i]), rq[i].blockno,
			    "past the end of the disk");
	for (i = 0; i < n; i += k) {
		spin_lock(&disk.lock);
		slot[0] = slot_take_wait();
		for (k = 1; k < NREQ && i + k < n; k++)
			if ((slot[k] = slot_take()) < 0)
				break;
		for (j = 0; j < k; j++)
			post(slot[j], req_type(&rq[i + j]),
			    (uint64)rq[i + j].blockno * SECTORS_PER_BLOCK,
			    rq[i + j].data);
		kick();
		for (j = 0; j < k; j++)
			status[j] = finish(slot[j]);
		spin_unlock(&disk.lock);
		/* Outside the lock: the console is slow. */
		for (j = 0; j < k; j++)
			if (status[j] != VIO_BLK_S_OK)
				failed = report_failure(req_type(&rq[i + j]),
				    rq[i + j].blockno, "I/O error");
	}
	return failed;
}

/*
 * Returns when every write completed before the call is durable: 0, or
 * -1 if the device could not make them so.  A device without the FLUSH
 * feature has no volatile cache to empty.
 */
int
virtio_disk_flush(void)
{
	int s, status;

	if (!disk.can_flush)
		return 0;
	spin_lock(&disk.lock);
	s = slot_take_wait();
	post(s, VIO_BLK_T_FLUSH, 0, 0);
	kick();
	status = finish(s);
	spin_unlock(&disk.lock);
	if (status != VIO_BLK_S_OK)
		return report_failure(VIO_BLK_T_FLUSH, 0, "I/O error");
	return 0;
}

/*
 * The device finished the request whose chain starts at descriptor id.
 * Every completion, of every type, passes through here.  Caller holds
 * disk.lock.
 */
static void
request_done(uint32 id)
{
	struct request *r;

	if (id % DESC_PER_REQ != 0 || id / DESC_PER_REQ >= NREQ ||
	    !disk.req[id / DESC_PER_REQ].busy)
		panic("virtio_disk: device completed unknown descriptor %u", id);
	r = &disk.req[id / DESC_PER_REQ];
	switch (r->hdr.type) {
	case VIO_BLK_T_IN:
		disk.stats.reads++;
		break;
	case VIO_BLK_T_OUT:
		disk.stats.writes++;
		break;
	case VIO_BLK_T_FLUSH:
		disk.stats.flushes++;
		break;
	}
	crashpoint_disk_done(r->hdr.type == VIO_BLK_T_OUT);
	r->done = 1;
	waitq_wake_all(&r->finished);
}

/* The head of the next chain the device has finished, or -1 if none. */
static int
next_used(void)
{
	uint32 id;

	if (disk.used_seen == *(volatile uint16 *)&vq.used.idx)
		return -1;
	__sync_synchronize(); /* the index before the entry it covers */
	id = vq.used.ring[disk.used_seen % VQ_SIZE].id;
	disk.used_seen++;
	return id;
}

/* IRQ 1. */
void
virtio_disk_intr(void)
{
	int id;

	spin_lock(&disk.lock);

	/*
	 * Acknowledge first: a completion that lands after we read the used
	 * index raises the line again, so none is lost.
	 */
	vio_write(VIO_INTR_ACK,
	    vio_read(VIO_INTR_STATUS) & (VIO_INTR_USED_RING | VIO_INTR_CONFIG));
	__sync_synchronize();

	while ((id = next_used()) >= 0)
		request_done(id);

	spin_unlock(&disk.lock);
}
