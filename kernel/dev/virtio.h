/*
 * virtio over MMIO: register offsets, status and feature bits, and the
 * split-virtqueue structures, as the virtio 1.x specification defines them
 * (section 4.2 for the MMIO transport, 4.2.4 for the legacy layout,
 * 2.7 for split virtqueues, 5.2 for the block device).
 * Private to virtio_disk.c.
 */
#ifndef COWBIRD_VIRTIO_H
#define COWBIRD_VIRTIO_H

#include "kernel/types.h"

/* ---- MMIO registers: byte offsets, all 32 bits wide ---- */
#define VIO_MAGIC           0x000 /* "virt" */
#define VIO_VERSION         0x004 /* 1 legacy, 2 modern */
#define VIO_DEVICE_ID       0x008 /* 2 block; 0 no device behind the slot */
#define VIO_VENDOR_ID       0x00c
#define VIO_DEVICE_FEATURES 0x010 /* 32 feature bits, window chosen by ... */
#define VIO_DEVICE_FEAT_SEL 0x014 /* ... this: 0 bits 0-31, 1 bits 32-63 */
#define VIO_DRIVER_FEATURES 0x020
#define VIO_DRIVER_FEAT_SEL 0x024
#define VIO_GUEST_PAGE_SIZE 0x028 /* legacy only */
#define VIO_QUEUE_SEL       0x030
#define VIO_QUEUE_NUM_MAX   0x034
#define VIO_QUEUE_NUM       0x038
#define VIO_QUEUE_ALIGN     0x03c /* legacy only */
#define VIO_QUEUE_PFN       0x040 /* legacy only: queue page number */
#define VIO_QUEUE_READY     0x044 /* modern only */
#define VIO_QUEUE_NOTIFY    0x050
#define VIO_INTR_STATUS     0x060
#define VIO_INTR_ACK        0x064
#define VIO_STATUS          0x070
#define VIO_QUEUE_DESC_LO   0x080 /* modern only, from here on */
#define VIO_QUEUE_DESC_HI   0x084
#define VIO_QUEUE_DRIVER_LO 0x090 /* the available ring */
#define VIO_QUEUE_DRIVER_HI 0x094
#define VIO_QUEUE_DEVICE_LO 0x0a0 /* the used ring */
#define VIO_QUEUE_DEVICE_HI 0x0a4
#define VIO_CONFIG_GEN      0x0fc
#define VIO_CONFIG          0x100 /* device-specific configuration */

#define VIO_MAGIC_VALUE  0x74726976
#define VIO_DEVICE_BLOCK 2

/* Interrupt status / acknowledge bits. */
#define VIO_INTR_USED_RING (1 << 0)
#define VIO_INTR_CONFIG    (1 << 1)

/* Device status bits, set in this order during initialisation. */
#define VIO_S_ACKNOWLEDGE (1 << 0) /* we noticed the device */
#define VIO_S_DRIVER      (1 << 1) /* we know how to drive it */
#define VIO_S_DRIVER_OK   (1 << 2) /* ready: device may run */
#define VIO_S_FEATURES_OK (1 << 3) /* modern: feature set accepted */
#define VIO_S_NEEDS_RESET (1 << 6)
#define VIO_S_FAILED      (1 << 7)

/* Feature bits: block device specific ... */
#define VIO_BLK_F_RO         5
#define VIO_BLK_F_SCSI       7
#define VIO_BLK_F_FLUSH      9
#define VIO_BLK_F_CONFIG_WCE 11
#define VIO_BLK_F_MQ         12
/* ... and transport / ring generic. */
#define VIO_F_ANY_LAYOUT     27
#define VIO_F_INDIRECT_DESC  28
#define VIO_F_EVENT_IDX      29
#define VIO_F_VERSION_1      32

#define VIO_FEATURE(bit) (1ULL << (bit))

/* ---- split virtqueue (little-endian; so is RISC-V) ---- */

/* One buffer the device reads or writes. */
struct vq_desc {
	uint64 addr; /* physical address */
	uint32 len;
	uint16 flags;
	uint16 next; /* valid with VQ_DESC_NEXT */
};
#define VQ_DESC_NEXT  1 /* chain continues at next */
#define VQ_DESC_WRITE 2 /* device writes this buffer (else reads it) */

/* Driver -> device: heads of descriptor chains ready to process. */
#define VQ_SIZE 32 /* descriptors in our one queue (a power of 2) */
struct vq_avail {
	uint16 flags;
	uint16 idx; /* where the driver puts the next entry (mod VQ_SIZE) */
	uint16 ring[VQ_SIZE];
	uint16 used_event; /* unused: EVENT_IDX is not negotiated */
};

/* Device -> driver: chains it has finished. */
struct vq_used_elem {
	uint32 id;  /* head descriptor of the finished chain */
	uint32 len; /* bytes the device wrote */
};
struct vq_used {
	uint16 flags;
	uint16 idx; /* where the device puts the next entry */
	struct vq_used_elem ring[VQ_SIZE];
	uint16 avail_event;
};

/* ---- block requests ---- */
#define VIO_BLK_T_IN    0 /* read from the disk */
#define VIO_BLK_T_OUT   1 /* write to the disk */
#define VIO_BLK_T_FLUSH 4 /* make completed writes durable (VIO_BLK_F_FLUSH) */

#define VIO_BLK_SECTOR 512

struct vio_blk_req {
	uint32 type;
	uint32 reserved;
	uint64 sector; /* in 512-byte units, whatever the block size */
};

/* Status byte the device writes last. */
#define VIO_BLK_S_OK     0
#define VIO_BLK_S_IOERR  1
#define VIO_BLK_S_UNSUPP 2

#endif
