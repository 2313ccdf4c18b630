/*
 * The 16550 UART at UART0 (QEMU virt, IRQ 10).
 *
 * Design:
 * - Two output paths.  uart_putc_sync() polls the line status register and
 *   writes one byte with interrupts off; kprintf, console echo and panic use
 *   it, so it works in any context, including after a panic.
 *   uart_putc() is for user writes: it appends to a ring buffer and returns,
 *   sleeping only while the ring is full; a kill ends that sleep (the
 *   transmitter might never drain, and the writer must still go).  The transmitter drains the ring
 *   from uart_intr() each time the chip reports its transmit FIFO empty.
 * - When the chip says "transmit holding register empty" with FIFOs on, the
 *   whole 16-byte transmit FIFO is free, so tx_push() refills it in a burst
 *   rather than one byte per interrupt.
 * - uart_intr() first reads the interrupt identification register: that
 *   read is what acknowledges a "transmitter empty" interrupt, which would
 *   otherwise stay raised (and re-fire forever) while the ring is empty.
 * - uart_init() hands bytes that arrived before it to console_intr(), so
 *   the console must be ready for input when it calls uart_init().
 * - Once `panicked` is set, uart_putc() never returns: the system is
 *   stopping, and buffered output might never drain, so sleeping is wrong.
 *   Panic output itself goes through uart_putc_sync(), which keeps working.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"

/* Register offsets (byte registers, one byte apart). */
#define UART_RHR 0 /* receive holding (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_DLL 0 /* divisor latch low, when LCR_DLAB is set */
#define UART_IER 1 /* interrupt enable */
#define UART_DLM 1 /* divisor latch high, when LCR_DLAB is set */
#define UART_ISR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define IER_RX_READY (1 << 0)
#define IER_TX_EMPTY (1 << 1)
#define FCR_ENABLE   (1 << 0)
#define FCR_CLEAR_RX (1 << 1)
#define FCR_CLEAR_TX (1 << 2)
#define LCR_8N1      0x03
#define LCR_DLAB     (1 << 7)
#define MCR_DTR      (1 << 0)
#define MCR_RTS      (1 << 1)
#define MCR_OUT2     (1 << 3) /* gates the interrupt line on real boards */
#define LSR_RX_READY (1 << 0)
#define LSR_TX_EMPTY (1 << 5) /* THR (and, with FIFOs, the FIFO) empty */

#define UART_FIFO_DEPTH 16
#define UART_CLOCK_DIV  3 /* 1.8432 MHz / 16 / 3 = 38400 baud */

#define TX_RING_SIZE 32

/* Input that arrived before uart_init: bytes kept, bytes read at most. */
#define EARLY_KEEP      64
#define EARLY_MAX_READS 1024

static inline uchar
uart_read(int reg)
{
	return *(volatile uchar *)(UART0 + reg);
}

static inline void
uart_write(int reg, uchar v)
{
	*(volatile uchar *)(UART0 + reg) = v;
}

/*
 * Output waiting for the transmitter.  head counts bytes ever queued, tail
 * bytes ever sent; both only grow, so head - tail is the fill level even
 * across wrap-around (TX_RING_SIZE divides 2^32).
 */
static struct {
	struct spinlock lock;
	uint head;
	uint tail;
	char ring[TX_RING_SIZE];
	struct waitq room; /* writers waiting for a free place in ring */
} tx;

void
uart_init(void)
{
	char early[EARLY_KEEP];
	int nearly = 0, reads, i;
	char c;

	uart_write(UART_IER, 0); /* quiet while configuring */

	/*
	 * Enabling the FIFOs empties the receiver, so first take what was
	 * typed before we got here (a test driver may already be sending).
	 * Each read lets the sender pass on the next byte; the bound on
	 * reads keeps an endless stream from holding up the boot.
	 */
	for (reads = 0; reads < EARLY_MAX_READS; reads++) {
		if ((uart_read(UART_LSR) & LSR_RX_READY) == 0)
			break;
		c = uart_read(UART_RHR);
		if (nearly < EARLY_KEEP)
			early[nearly++] = c;
	}

	uart_write(UART_LCR, LCR_DLAB);
	uart_write(UART_DLL, UART_CLOCK_DIV & 0xff);
	uart_write(UART_DLM, UART_CLOCK_DIV >> 8);
	uart_write(UART_LCR, LCR_8N1); /* also clears DLAB */

	uart_write(UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	uart_write(UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);

	/*
	 * QEMU holds back input while the receiver is full and offers it
	 * again only when RHR is read; the FIFO reset above emptied the
	 * receiver without such a read, so read once more (harmless on a
	 * real chip when no byte is waiting) or that input stays stuck.
	 */
	if ((uart_read(UART_LSR) & LSR_RX_READY) == 0)
		(void)uart_read(UART_RHR);

	spin_init(&tx.lock, "uart_tx");
	waitq_init(&tx.room, "uart_tx room");
	uart_write(UART_IER, IER_RX_READY | IER_TX_EMPTY);

	for (i = 0; i < nearly; i++)
		console_intr(early[i]);
}

void
uart_putc_sync(int c)
{
	push_off();
	while ((uart_read(UART_LSR) & LSR_TX_EMPTY) == 0)
		;
	uart_write(UART_THR, c);
	pop_off();
}

/*
 * Move buffered bytes into the chip while it can take them, and let
 * writers that waited for room go on.  Caller holds tx.lock.
 */
static void
tx_push(void)
{
	int room;

	if (tx.head == tx.tail)
		return;
	if ((uart_read(UART_LSR) & LSR_TX_EMPTY) == 0)
		return; /* busy: its "empty" interrupt will call us again */
	for (room = UART_FIFO_DEPTH; room > 0 && tx.tail != tx.head; room--) {
		uart_write(UART_THR, tx.ring[tx.tail % TX_RING_SIZE]);
		tx.tail++;
	}
	waitq_wake_all(&tx.room);
}

/* 0 once c is queued; -1 if the caller was killed while it waited for room. */
int
uart_putc(int c)
{
	spin_lock(&tx.lock);
	for (;;) {
		if (panicked)
			for (;;)
				;
		if (tx.head - tx.tail < TX_RING_SIZE)
			break;
		tx_push();
		if (waitq_sleep_killable(&tx.room, &tx.lock) < 0) {
			spin_unlock(&tx.lock);
			return -1;
		}
	}
	tx.ring[tx.head % TX_RING_SIZE] = c;
	tx.head++;
	tx_push();
	spin_unlock(&tx.lock);
	return 0;
}

/* IRQ 10: input arrived and/or the transmitter ran dry. */
void
uart_intr(void)
{
	(void)uart_read(UART_ISR); /* acknowledges a "transmitter empty" */

	while (uart_read(UART_LSR) & LSR_RX_READY)
		console_intr(uart_read(UART_RHR));

	spin_lock(&tx.lock);
	tx_push();
	spin_unlock(&tx.lock);
}
