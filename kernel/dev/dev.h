/*
 * kernel/dev: the UART, the console built on it, the virtio disk, and the
 * device switch that routes reads and writes of device files.
 */
#ifndef COWBIRD_DEV_H
#define COWBIRD_DEV_H

#include "kernel/types.h"
#include "kernel/param.h"

/* uart.c: 16550 at UART0 */
void uart_init(void);
void uart_putc_sync(int c); /* polls; usable with interrupts off and in panic */
int uart_putc(int c); /* buffered, interrupt-driven; may sleep; -1 if killed */
void uart_intr(void);
/* Polls, before paging, locks and the console exist: the first boot line. */

/* console.c: line discipline on top of the UART */
#define CONSOLE 1 /* device major number */
void console_init(void);
void console_putc(int c);       /* kernel output (kprintf) */
void console_intr(int c);       /* a character arrived */
int console_set_front(int pid); /* the job Ctrl-C kills (setfg) */

/* Device switch, indexed by major number. */
struct devsw {
	int (*read)(int user_dst, uint64 dst, int n);
	int (*write)(int user_src, uint64 src, int n);
};
extern struct devsw devsw[NDEV];

/*
 * virtio_disk.c: the disk as an array of DISK_BLOCK-byte blocks.  A request
 * moves one whole block between memory and the disk; the calls sleep until
 * the device is done and return 0, or -1 if a request failed (I/O error,
 * or a block past the end of the disk).
 */
#define DISK_BLOCK 1024 /* bytes per block number */
enum disk_op { DISK_READ, DISK_WRITE };
struct disk_req {
	uint blockno;
	void *data; /* DISK_BLOCK bytes, read into or written from */
	enum disk_op op;
};
struct disk_stats {
	uint64 reads;
	uint64 writes;
	uint64 flushes;
	uint64 errors; /* requests that failed */
};
void virtio_disk_init(void);
int virtio_disk_rw(const struct disk_req *rq, int n); /* in no order */
int virtio_disk_flush(void); /* completed writes become durable */
void virtio_disk_stats(struct disk_stats *st);
void virtio_disk_intr(void);

/* diskstat.c: device DISKSTAT reads as "reads N\nwrites N\nflushes N\nerrors N\n" */
#define DISKSTAT 2 /* device major number */
void diskstat_init(void);

/* crashpoint.c: `crashafter=K` powers off after the K-th disk write */
void crashpoint_disk_done(int write);

#endif
