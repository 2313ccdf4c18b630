/*
 * The diskstat device (major DISKSTAT): reading it gives the disk's
 * completed requests since boot as text, one counter a line:
 *
 *     reads N
 *     writes N
 *     flushes N
 *     errors N        (requests that failed)
 *
 * A read returns the whole text (cut to the caller's count) every time:
 * device files have no offset.  Writing is refused.  fsbench uses it to
 * count what a transaction costs in requests, which, unlike time, is the
 * same on every host.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/lib/lib.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"

#define TEXT_MAX 128

/* Append "name value\n" to buf at *len. */
static void
put_counter(char *buf, int *len, const char *name, uint64 v)
{
	char digits[20];
	int n = 0;

	while (*name)
		buf[(*len)++] = *name++;
	buf[(*len)++] = ' ';
	do {
		digits[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n > 0)
		buf[(*len)++] = digits[--n];
	buf[(*len)++] = '\n';
}

static int
diskstat_read(int user_dst, uint64 dst, int n)
{
	struct disk_stats st;
	char text[TEXT_MAX];
	int len = 0;

	virtio_disk_stats(&st);
	put_counter(text, &len, "reads", st.reads);
	put_counter(text, &len, "writes", st.writes);
	put_counter(text, &len, "flushes", st.flushes);
	put_counter(text, &len, "errors", st.errors);
	if (n > len)
		n = len;
	if (n < 0 || either_copyout(user_dst, dst, text, n) != 0)
		return -1;
	return n;
}

static int
diskstat_write(int user_src, uint64 src, int n)
{
	(void)user_src;
	(void)src;
	(void)n;
	return -1;
}

void
diskstat_init(void)
{
	devsw[DISKSTAT].read = diskstat_read;
	devsw[DISKSTAT].write = diskstat_write;
}
