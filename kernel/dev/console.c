/*
 * The console device (major CONSOLE): line-edited input from the UART,
 * output to it.
 *
 * Design:
 * - Input lives in one 128-byte ring with three ever-increasing counters:
 *     rd    next byte a reader takes,
 *     done  end of the input readers may see (whole lines, or ^D),
 *     edit  end of what has been typed.
 *   The bytes between done and edit are the line still being edited: only
 *   they can be erased by backspace or ^U.  console_intr() moves done up to
 *   edit when a line is finished (newline, ^D, or the ring is full) and wakes
 *   readers.
 * - ^D is stored in the ring as a marker.  A read that meets it after
 *   copying something stops and leaves it there, so the next read meets it
 *   first and returns 0: end of file at the start of a line.
 * - A read returns at the end of a line, when the caller's buffer is full,
 *   or when it has something and no more input is available (a full ring
 *   without a newline).  It sleeps only while it has nothing yet.
 * - Kernel output (kprintf, echo) is synchronous through uart_putc_sync();
 *   user writes go through the UART's interrupt-driven ring (uart_putc).
 * - ^P runs proc_dump() after the console lock is dropped, so the dump
 *   never nests the process locks inside ours.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"

#define CTRL(x) ((x) - '@')

#define KEY_EOF       CTRL('D')
#define KEY_DUMP      CTRL('P')
#define KEY_KILL_LINE CTRL('U')
#define KEY_BACKSPACE '\b'
#define KEY_DELETE    0x7f

#define INPUT_SIZE 128

/* Bytes of user output copied in at a time. */
#define WRITE_CHUNK 64

struct devsw devsw[NDEV];

static struct {
	struct spinlock lock;
	uint rd;
	uint done;
	uint edit;
	char ring[INPUT_SIZE];
} in;

void
console_putc(int c)
{
	if (c == '\b') {
		/* Back up, blank the old character, back up again. */
		uart_putc_sync('\b');
		uart_putc_sync(' ');
		uart_putc_sync('\b');
	} else {
		uart_putc_sync(c);
	}
}

static int
console_write(int user_src, uint64 src, int n)
{
	char chunk[WRITE_CHUNK];
	int done, len, i;

	for (done = 0; done < n; done += len) {
		len = n - done;
		if (len > WRITE_CHUNK)
			len = WRITE_CHUNK;
		if (either_copyin(chunk, user_src, src + done, len) < 0)
			return done > 0 ? done : -1;
		for (i = 0; i < len; i++)
			uart_putc(chunk[i]);
	}
	return done;
}

static int
console_read(int user_dst, uint64 dst, int n)
{
	int got = 0;
	char c;

	spin_lock(&in.lock);
	while (got < n) {
		if (in.rd == in.done) {
			if (got > 0)
				break;
			if (proc_is_killed(myproc())) {
				spin_unlock(&in.lock);
				return -1;
			}
			proc_sleep(&in, &in.lock);
			continue;
		}
		c = in.ring[in.rd % INPUT_SIZE];
		if (c == KEY_EOF) {
			if (got == 0)
				in.rd++;    /* consume it: this read is the EOF */
			break;
		}
		if (either_copyout(user_dst, dst + got, &c, 1) < 0) {
			if (got == 0)
				got = -1;
			break;      /* the byte stays for the next read */
		}
		in.rd++;
		got++;
		if (c == '\n')
			break;
	}
	spin_unlock(&in.lock);
	return got;
}

/* Erase the last typed, unfinished character, on screen too. */
static int
erase_one(void)
{
	if (in.edit == in.done)
		return 0;
	in.edit--;
	console_putc('\b');
	return 1;
}

/* A character arrived from the UART (interrupt context). */
void
console_intr(int c)
{
	int dump = 0;

	spin_lock(&in.lock);
	switch (c) {
	case KEY_DUMP:
		dump = 1;
		break;
	case KEY_KILL_LINE:
		while (erase_one())
			;
		break;
	case KEY_BACKSPACE:
	case KEY_DELETE:
		erase_one();
		break;
	default:
		if (c == 0 || in.edit - in.rd >= INPUT_SIZE)
			break;      /* NUL, or no room: drop it */
		if (c == '\r')
			c = '\n';
		if (c != KEY_EOF)
			console_putc(c);
		in.ring[in.edit % INPUT_SIZE] = c;
		in.edit++;
		if (c == '\n' || c == KEY_EOF || in.edit - in.rd == INPUT_SIZE) {
			in.done = in.edit;
			proc_wakeup(&in);
		}
		break;
	}
	spin_unlock(&in.lock);

	if (dump)
		proc_dump();
}

void
console_init(void)
{
	spin_init(&in.lock, "console");
	uart_init();
	devsw[CONSOLE].read = console_read;
	devsw[CONSOLE].write = console_write;
}
