/*
 * t_printf: the user library's printf formats as C's does.
 *
 * Checks (each formats into a pipe with fprintf and compares the text):
 *  - %f: fixed notation, 6 digits by default, the precision as given, and
 *    rounding on the exact binary value, ties to even (2.675 is really
 *    2.67499..., so %.2f gives 2.67; %.0f of 0.5, 1.5, 2.5 gives 0 2 2);
 *  - %f of negative numbers and -0.0, of huge and tiny ones, inf and nan;
 *  - a %f does not upset the arguments after it (the issue: "%f %d");
 *  - field widths, - and 0 flags for %f, %d, %s, %c; %.Ns truncates.
 */
#include "kernel/types.h"
#include "user/user.h"
#include "tests/guest/testlib.h"

static int fds[2];

/* What fprintf wrote into the pipe since the last call. */
static char *
printed(void)
{
	static char buf[512];
	int n = read(fds[0], buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
expect(const char *name, const char *want)
{
	char *got = printed();

	check(strcmp(got, want) == 0, name, "printed '%s', want '%s'", got, want);
}

int
main(void)
{
	volatile double zero = 0.0;
	double inf = 1.0 / zero, nan = zero / zero;

	if (pipe(fds) < 0) {
		fail("pipe", "pipe failed");
		finish();
	}
	fprintf(fds[1], "%f", 3.14159);
	expect("f-default-6", "3.141590");
	fprintf(fds[1], "%f %d", 1.5, 42);
	expect("f-then-int", "1.500000 42");
	fprintf(fds[1], "%.2f %.4f %.0f", 2.675, 123456.78905, 0.4);
	expect("f-precision", "2.67 123456.7891 0");
	fprintf(fds[1], "%.0f %.0f %.0f %.1f", 0.5, 1.5, 2.5, 0.95);
	expect("f-ties-to-even", "0 2 2 0.9");
	fprintf(fds[1], "%.3f %.3f", 9.9995, 0.9996);
	expect("f-carry", "9.999 1.000");
	fprintf(fds[1], "%f %.3f %f", -2.5, -0.0005, -0.0);
	expect("f-negative", "-2.500000 -0.001 -0.000000");
	fprintf(fds[1], "%f %.0f", 1e20, 1e22);
	expect("f-huge", "100000000000000000000.000000 10000000000000000000000");
	fprintf(fds[1], "%f %.20f", 5e-324, 0.1);
	expect("f-tiny", "0.000000 0.10000000000000000555");
	fprintf(fds[1], "%f %f %f %5f|", inf, -inf, nan, inf);
	expect("f-inf-nan", "inf -inf nan   inf|");
	fprintf(fds[1], "%8.2f|%-8.2f|%08.2f", 3.14159, 3.14159, -3.14159);
	expect("f-width", "    3.14|3.14    |-0003.14");
	fprintf(fds[1], "%5d|%-5d|%05d|%3d", 42, -42, -42, 12345);
	expect("d-width", "   42|-42  |-0042|12345");
	fprintf(fds[1], "%-8s|%8s|%.3s|%3c", "sleep", "run", "abcdef", 'x');
	expect("s-width", "sleep   |     run|abc|  x");
	fprintf(fds[1], "%9lu|%lx|%%|%q", 16793600UL, 0xdeadbeefUL);
	expect("others", " 16793600|deadbeef|%|%q");
	finish();
	return 0;
}
