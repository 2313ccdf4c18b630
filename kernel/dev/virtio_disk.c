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
 * - One queue of VQ_SIZE (8) descriptors.  Its memory is a static,
 *   page-aligned object in the kernel's bss: descriptor table and available
 *   ring in the first page, used ring at the start of the second, which is
 *   exactly the legacy layout for 8 entries and align 4096, and satisfies
 *   the modern alignment rules too.  The kernel maps RAM at its physical
 *   address, so a kernel pointer is also the address the device uses.
 * - Features: we accept VERSION_1 (required by the modern interface) and
 *   FLUSH, and refuse the rest (RO, SCSI, CONFIG_WCE, MQ, ANY_LAYOUT,
 *   EVENT_IDX, INDIRECT_DESC...).  Accepting FLUSH tells QEMU the guest
 *   manages a write cache, so QEMU stops syncing the image file after every
 *   write (write-through costs milliseconds per block: a 1 KiB file write
 *   took 40 ms).  We never send a flush: a completed write sits in the
 *   host's page cache, which survives QEMU being killed, the crash the log
 *   is tested against; only a host power loss could lose it.
 * - A request is a chain of three descriptors: the request header (type and
 *   sector), the BSIZE-byte data buffer (two sectors), and one status byte
 *   the device writes.  The header and status for the chain whose head is
 *   descriptor i live in disk.req[i], also in bss.
 * - virtio_disk_rw() sleeps while fewer than three descriptors are free,
 *   publishes the chain, notifies, and sleeps on the buf until
 *   virtio_disk_intr() sees the chain in the used ring, checks the status,
 *   clears b->disk and wakes it.  The requester frees its own descriptors.
 * - One spinlock covers the descriptors, the rings' driver side and
 *   disk.req.  Fences order the writes the device must see in order: the
 *   ring entry before the index that publishes it, the index before the
 *   notify; and on completion, the used index before the entries.
 * - A status other than OK, an unknown completed descriptor or a block past
 *   the end of the disk is a kernel or emulator bug, not a user error, so
 *   they panic.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fs.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/fsys.h"
#include "kernel/dev/dev.h"
#include "kernel/dev/virtio.h"

#define SECTORS_PER_BLOCK (BSIZE / VIO_BLK_SECTOR)
#define CHAIN_LEN 3

/* The queue memory the device reads and writes. */
static struct vq_pages {
	struct vq_desc desc[VQ_SIZE];
	struct vq_avail avail;
	struct vq_used used __attribute__((aligned(PGSIZE)));
} vq __attribute__((aligned(PGSIZE)));

_Static_assert(__builtin_offsetof(struct vq_pages, used) == PGSIZE,
    "legacy virtio needs the used ring on the page after the descriptors");
_Static_assert(sizeof(struct vq_desc) * VQ_SIZE + sizeof(struct vq_avail) <= PGSIZE,
    "descriptors and available ring must share the first page");

static struct {
	struct spinlock lock;
	int version;                  /* 1 legacy, 2 modern; 0 before init */
	uint64 capacity;              /* disk size in sectors */
	char free[VQ_SIZE];           /* descriptor i is unused */
	uint16 used_seen;             /* used-ring entries already handled */
	struct {                      /* per chain, indexed by head descriptor */
		struct buf *b;            /* 0 when no request */
		struct vio_blk_req hdr;   /* device reads this */
		volatile uchar status;    /* device writes this */
	} req[VQ_SIZE];
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
		panic("virtio_disk: queue holds %u descriptors, need %d", max, VQ_SIZE);
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

void
virtio_disk_init(void)
{
	uint32 status;
	int i;

	spin_init(&disk.lock, "virtio_disk");

	if (vio_read(VIO_MAGIC) != VIO_MAGIC_VALUE)
		panic("virtio_disk: no virtio device at %p", (void *)VIRTIO0);
	disk.version = vio_read(VIO_VERSION);
	if (disk.version != 1 && disk.version != 2)
		panic("virtio_disk: unknown virtio-mmio version %d", disk.version);
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
	for (i = 0; i < VQ_SIZE; i++)
		disk.free[i] = 1;
	disk.used_seen = 0;

	status |= VIO_S_DRIVER_OK;
	vio_write(VIO_STATUS, status);
}

static int
desc_alloc(void)
{
	int i;

	for (i = 0; i < VQ_SIZE; i++) {
		if (disk.free[i]) {
			disk.free[i] = 0;
			return i;
		}
	}
	return -1;
}

static void
desc_free(int i)
{
	if (i < 0 || i >= VQ_SIZE || disk.free[i])
		panic("virtio_disk: freeing descriptor %d twice", i);
	memset(&vq.desc[i], 0, sizeof(vq.desc[i]));
	disk.free[i] = 1;
}

/* Free the chain starting at head, and let waiting requesters retry. */
static void
chain_free(int head)
{
	int i, next;

	for (i = head; i >= 0; i = next) {
		next = vq.desc[i].flags & VQ_DESC_NEXT ? vq.desc[i].next : -1;
		desc_free(i);    /* clears the descriptor: take next first */
	}
	proc_wakeup(disk.free);
}

/* All of them or none: partial chains would deadlock two requesters. */
static int
chain_alloc(int idx[CHAIN_LEN])
{
	int n, k;

	for (n = 0; n < CHAIN_LEN; n++) {
		idx[n] = desc_alloc();
		if (idx[n] < 0) {
			for (k = 0; k < n; k++)
				desc_free(idx[k]);
			return -1;
		}
	}
	return 0;
}

static void
desc_set(int i, void *addr, uint32 len, uint16 flags, int next)
{
	vq.desc[i].addr = (uint64)addr;
	vq.desc[i].len = len;
	vq.desc[i].flags = flags;
	vq.desc[i].next = flags & VQ_DESC_NEXT ? next : 0;
}

/* Hand the chain at head to the device. */
static void
submit(int head)
{
	vq.avail.ring[vq.avail.idx % VQ_SIZE] = head;
	__sync_synchronize();    /* descriptors and entry before the index */
	vq.avail.idx++;
	__sync_synchronize();    /* index before the notify */
	vio_write(VIO_QUEUE_NOTIFY, 0);
}

void
virtio_disk_rw(struct buf *b, int write)
{
	uint64 sector = (uint64)b->blockno * SECTORS_PER_BLOCK;
	int d[CHAIN_LEN];

	if (disk.version == 0)
		panic("virtio_disk_rw: disk not initialised");
	if (sector + SECTORS_PER_BLOCK > disk.capacity)
		panic("virtio_disk_rw: block %u past the end of the disk",
		    b->blockno);

	spin_lock(&disk.lock);
	while (chain_alloc(d) < 0)
		proc_sleep(disk.free, &disk.lock);

	disk.req[d[0]].hdr.type = write ? VIO_BLK_T_OUT : VIO_BLK_T_IN;
	disk.req[d[0]].hdr.reserved = 0;
	disk.req[d[0]].hdr.sector = sector;
	disk.req[d[0]].status = 0xff;    /* anything the device will overwrite */
	disk.req[d[0]].b = b;

	desc_set(d[0], &disk.req[d[0]].hdr, sizeof(struct vio_blk_req),
	    VQ_DESC_NEXT, d[1]);
	desc_set(d[1], b->data, BSIZE,
	    VQ_DESC_NEXT | (write ? 0 : VQ_DESC_WRITE), d[2]);
	desc_set(d[2], (void *)&disk.req[d[0]].status, 1, VQ_DESC_WRITE, 0);

	b->disk = 1;
	submit(d[0]);

	while (b->disk)
		proc_sleep(b, &disk.lock);

	disk.req[d[0]].b = 0;
	chain_free(d[0]);
	spin_unlock(&disk.lock);
}

/* The device finished the chain whose head is id. Caller holds disk.lock. */
static void
complete(uint32 id)
{
	struct buf *b;

	if (id >= VQ_SIZE || disk.req[id].b == 0)
		panic("virtio_disk: device completed unknown descriptor %u", id);
	b = disk.req[id].b;
	if (disk.req[id].status != VIO_BLK_S_OK)
		panic("virtio_disk: block %u: device status %d", b->blockno,
		    disk.req[id].status);
	b->disk = 0;
	proc_wakeup(b);
}

/* IRQ 1. */
void
virtio_disk_intr(void)
{
	uint16 used_idx;

	spin_lock(&disk.lock);

	/*
	 * Acknowledge first: a completion that lands after we read the used
	 * index raises the line again, so none is lost.
	 */
	vio_write(VIO_INTR_ACK,
	    vio_read(VIO_INTR_STATUS) & (VIO_INTR_USED_RING | VIO_INTR_CONFIG));
	__sync_synchronize();

	for (;;) {
		used_idx = *(volatile uint16 *)&vq.used.idx;
		if (disk.used_seen == used_idx)
			break;
		__sync_synchronize();    /* index before the entries it covers */
		complete(vq.used.ring[disk.used_seen % VQ_SIZE].id);
		disk.used_seen++;
	}

	spin_unlock(&disk.lock);
}
