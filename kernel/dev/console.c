/*
 * The console device (major CONSOLE): line-edited input from the UART,
 * output to it.
 *
 * Input passes through two stages, each with its own buffer:
 *   line   the line being typed.  Only it can be edited: backspace and
 *          DEL erase its last character, ^U all of it.  Characters are
 *          echoed as they are typed.
 *   ready  a queue of finished input that readers take from.  A line moves
 *          into it whole when it ends: at a newline, at ^D, or when the
 *          line has used all the room the queue has left.
 * So a reader never sees half a line, and the typist can never erase
 * what a reader may already have taken.  Together the two hold at most
 * INPUT_SIZE bytes; a character beyond that is dropped.
 *
 * End of file: ^D is queued as a marker byte.  A read stops in front of
 * it; if the read has copied nothing yet it consumes the marker and
 * returns 0.  So "abc^D" reads as "abc", then end of file.
 *
 * A read returns after a newline, when the caller's buffer is full, or
 * when it has something and the queue is empty (a line that filled all the
 * room).  It sleeps only while it has nothing; a kill ends the wait with -1.
 *
 * Ctrl-C kills the foreground job: the process a shell named with
 * setfg(pid) and every process descended from it (proc_kill_tree), so a
 * whole pipeline goes, while background jobs, which init adopted, and
 * the shell, their ancestor, stay.  It also drops the input not yet read,
 * which was meant for the job, and takes the job out of the foreground,
 * which is how the shell learns that the rest of its command line is to
 * be dropped too.  With nothing in front (a shell at its prompt), Ctrl-C
 * drops the line being typed and ends an empty line instead, so the shell
 * prompts again.  A program that never calls setfg is never in front of
 * anyone's Ctrl-C but its shell's.  Ctrl-L is ignored (it used to land in
 * the line as an invisible character).
 *
 * Locking: in.lock guards both buffers.  console_intr() runs in interrupt
 * context and takes it; readers hold it while copying out (no sleep
 * there).  ^P runs proc_dump() after the lock is dropped, so the dump never
 * nests the process locks inside ours.
 *
 * Output: kernel output and echo go through uart_putc_sync() (polling,
 * usable anywhere); user writes through the UART's interrupt-driven queue,
 * uart_putc().  One write() reaches the screen in one piece: writers take
 * turns under out_lock (a sleep lock: uart_putc may wait for room), so a
 * background job's line and the shell's prompt, written on two harts at
 * once, do not come out interleaved character by character.  A kill ends
 * every wait on the way: for out_lock, for room in the UART's ring, and
 * between two chunks; the write then returns the bytes it passed on, and
 * the next writer gets the console at once.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"

#define CTRL(x) ((x) - '@')

#define KEY_EOF       CTRL('D')
#define KEY_DUMP      CTRL('P')
#define KEY_INTR      CTRL('C')
#define KEY_CLEAR     CTRL('L')
#define KEY_KILL_LINE CTRL('U')
#define KEY_BACKSPACE '\b'
#define KEY_DELETE    0x7f

#define INPUT_SIZE 128

/* Bytes moved between user space and the console at a time. */
#define CHUNK 64

struct devsw devsw[NDEV];

static struct sleeplock out_lock;

static struct {
	struct spinlock lock;
	char line[INPUT_SIZE]; /* being typed */
	int linelen;
	char ready[INPUT_SIZE]; /* finished: ring of nready bytes from head */
	uint head;
	int nready;
	struct waitq readers; /* waiting for nready > 0 */
	int front;            /* pid of the foreground job (setfg), or 0 */
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

/*
 * The bytes passed on to the UART: all n, or fewer if src stops being
 * readable or the writer is killed (-1 if that happens before the first).
 */
static int
console_write(int user_src, uint64 src, int n)
{
	struct proc *p = myproc();
	char chunk[CHUNK];
	int done = 0, len, i;

	if (sleep_lock_killable(&out_lock) < 0)
		return -1;
	while (done < n && !proc_is_killed(p)) {
		len = n - done;
		if (len > CHUNK)
			len = CHUNK;
		if (either_copyin(chunk, user_src, src + done, len) != 0)
			break;
		for (i = 0; i < len && uart_putc(chunk[i]) == 0; i++)
			;
		done += i;
		if (i < len)
			break;
	}
	sleep_unlock(&out_lock);
	return done > 0 || n == 0 ? done : -1;
}

/*
 * Copy up to max bytes of ready input into buf, stopping after a newline
 * and in front of an end-of-file marker; consumes nothing.
 */
static int
peek_ready(char *buf, int max)
{
	int n;
	char c;

	for (n = 0; n < max && n < in.nready; n++) {
		c = in.ready[(in.head + n) % INPUT_SIZE];
		if (c == KEY_EOF)
			break;
		buf[n] = c;
		if (c == '\n')
			return n + 1;
	}
	return n;
}

static void
consume_ready(int n)
{
	in.head = (in.head + n) % INPUT_SIZE;
	in.nready -= n;
}

/* Is the next ready byte the end-of-file marker? */
static int
at_eof(void)
{
	return in.nready > 0 && in.ready[in.head] == KEY_EOF;
}

static int
console_read(int user_dst, uint64 dst, int n)
{
	char chunk[CHUNK];
	int got = 0, len;

	if (n <= 0)
		return 0;
	spin_lock(&in.lock);
	while (in.nready == 0) {
		if (waitq_sleep_killable(&in.readers, &in.lock) < 0) {
			spin_unlock(&in.lock);
			return -1;
		}
	}
	if (at_eof()) {
		consume_ready(1); /* this read is the end of file */
		spin_unlock(&in.lock);
		return 0;
	}
	while (got < n) {
		len = peek_ready(chunk, n - got < CHUNK ? n - got : CHUNK);
		if (len == 0)
			break;
		if (either_copyout(user_dst, dst + got, chunk, len) != 0) {
			if (got == 0)
				got = -1;
			break; /* the bytes stay for the next read */
		}
		consume_ready(len);
		got += len;
		if (chunk[len - 1] == '\n')
			break;
	}
	spin_unlock(&in.lock);
	return got;
}

/* Move the typed line into the ready queue and wake readers. */
static void
finish_line(void)
{
	int i;

	for (i = 0; i < in.linelen; i++)
		in.ready[(in.head + in.nready + i) % INPUT_SIZE] = in.line[i];
	in.nready += in.linelen;
	in.linelen = 0;
	waitq_wake_all(&in.readers);
}

/* Erase the last typed character, on screen too; 0 if there is none. */
static int
erase_one(void)
{
	if (in.linelen == 0)
		return 0;
	in.linelen--;
	console_putc('\b');
	return 1;
}

static void
type_char(int c)
{
	if (c == 0 || in.nready + in.linelen >= INPUT_SIZE)
		return; /* NUL, or no room: drop it */
	if (c == '\r')
		c = '\n';
	if (c != KEY_EOF)
		console_putc(c);
	in.line[in.linelen++] = c;
	if (c == '\n' || c == KEY_EOF || in.nready + in.linelen == INPUT_SIZE)
		finish_line();
}

/*
 * Ctrl-C: the line being typed goes; returns the foreground job to kill
 * (taken out of the foreground, with the input meant for it), or 0.
 * in.lock is held.
 */
static int
interrupt_front(void)
{
	int job = in.front;

	in.linelen = 0;
	console_putc('^');
	console_putc('C');
	console_putc('\n');
	if (job != 0) {
		in.front = 0;
		consume_ready(in.nready);
	}
	return job;
}

/* Ctrl-C with nothing in front: an empty line, so the reader prompts again. */
static void
end_empty_line(void)
{
	spin_lock(&in.lock);
	if (in.nready + in.linelen < INPUT_SIZE) {
		in.line[in.linelen++] = '\n';
		finish_line();
	}
	spin_unlock(&in.lock);
}

/* A character arrived from the UART (interrupt context). */
void
console_intr(int c)
{
	int dump = 0, job = -1;

	spin_lock(&in.lock);
	if (c == KEY_DUMP)
		dump = 1;
	else if (c == KEY_INTR)
		job = interrupt_front();
	else if (c == KEY_CLEAR)
		; /* ignored: clearing would lose the prompt, which only the shell knows */
	else if (c == KEY_KILL_LINE)
		while (erase_one())
			;
	else if (c == KEY_BACKSPACE || c == KEY_DELETE)
		erase_one();
	else
		type_char(c);
	spin_unlock(&in.lock);

	/* Like ^P, outside in.lock: killing takes the process locks. */
	if (dump)
		proc_dump();
	if (job == 0 || (job > 0 && proc_kill_tree(job) < 0))
		end_empty_line();
}

/*
 * Make pid's job the console's foreground, the one Ctrl-C kills; 0:
 * nothing in front.  The caller (sys_setfg) has checked that pid may be
 * put there.  Returns the previous foreground pid, 0 if none.
 */
int
console_set_front(int pid)
{
	int prev;

	spin_lock(&in.lock);
	prev = in.front;
	in.front = pid;
	spin_unlock(&in.lock);
	return prev;
}

void
console_init(void)
{
	spin_init(&in.lock, "console");
	waitq_init(&in.readers, "console readers");
	sleep_lock_init(&out_lock, "console output");
	uart_init();
	devsw[CONSOLE].read = console_read;
	devsw[CONSOLE].write = console_write;
}
