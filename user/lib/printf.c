/*
 * printf, fprintf and vfprintf; snprintf and vsnprintf: %d %u %x %p %s
 * %c %f %%, with the l and ll length
 * modifiers, the flags - (left-justify) and 0 (pad with zeros), a field
 * width and a precision (%5d, %-16s, %.3f, %8.2f, %.4s), as in C.
 *
 * %f prints a double in fixed notation, 6 digits after the point unless a
 * precision says otherwise (at most FLT_DIGITS_MAX), rounded as C rounds:
 * to the nearest, ties to even, on the exact binary value (so 2.675,
 * really 2.67499999..., prints as 2.67 with %.2f).  inf and nan print as
 * "inf" and "nan", with a sign if negative.
 *
 * Output is gathered in a buffer on the stack and written once at the end
 * of the call (earlier only when the buffer fills), so a line from one
 * process is not cut into pieces by another's output.  The string forms
 * fill the caller's buffer instead.
 */
#include <stdarg.h>

#include "kernel/types.h"
#include "user/user.h"

#define OUTBUF_SIZE    256
#define FLT_DIGITS_MAX 40

/* Output goes to fd, or with str set into str (at most size - 1 bytes). */
struct outbuf {
	int fd;
	int len;
	char data[OUTBUF_SIZE];
	char *str;
	int size;
	int total; /* bytes formatted so far, kept or not */
};

/* One conversion's flags, width and precision (-1: none given). */
struct spec {
	int left;
	int zero;
	int width;
	int prec;
	int longs;
};

static void
flush(struct outbuf *ob)
{
	int n;

	if (ob->str != 0) {
		n = ob->size - 1 - ob->total;
		if (n > ob->len)
			n = ob->len;
		if (n > 0)
			memmove(ob->str + ob->total, ob->data, n);
	} else if (ob->len > 0) {
		write(ob->fd, ob->data, ob->len);
	}
	ob->total += ob->len;
	ob->len = 0;
}

static void
put(struct outbuf *ob, char c)
{
	if (ob->len == OUTBUF_SIZE)
		flush(ob);
	ob->data[ob->len++] = c;
}

static void
put_n(struct outbuf *ob, char c, int n)
{
	while (n-- > 0)
		put(ob, c);
}

/*
 * The padding before a field of len characters (its sign included, which
 * this writes): spaces, or zeros between the sign and the digits.
 */
static void
field_start(struct outbuf *ob, const struct spec *sp, int len, char sign)
{
	int fill = sp->width - len;

	if (!sp->left && !sp->zero)
		put_n(ob, ' ', fill);
	if (sign)
		put(ob, sign);
	if (!sp->left && sp->zero)
		put_n(ob, '0', fill);
}

static void
field_end(struct outbuf *ob, const struct spec *sp, int len)
{
	if (sp->left)
		put_n(ob, ' ', sp->width - len);
}

static void
put_str(struct outbuf *ob, const struct spec *sp, const char *s)
{
	struct spec plain = *sp;
	int n = 0;

	if (s == 0)
		s = "(null)";
	while (s[n] != '\0' && (sp->prec < 0 || n < sp->prec))
		n++;
	plain.zero = 0; /* strings pad with spaces */
	field_start(ob, &plain, n, 0);
	for (int i = 0; i < n; i++)
		put(ob, s[i]);
	field_end(ob, &plain, n);
}

/* v in the given base, at least mindigits digits, after sign if any. */
static void
put_uint(struct outbuf *ob, const struct spec *sp, uint64 v, int base,
    int mindigits, char sign)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	if (sp->prec > mindigits)
		mindigits = sp->prec < 20 ? sp->prec : 20;
	while (n < mindigits)
		tmp[n++] = '0';
	len = n + (sign != 0);
	field_start(ob, sp, len, sign);
	while (n > 0)
		put(ob, tmp[--n]);
	field_end(ob, sp, len);
}

static void
put_int(struct outbuf *ob, const struct spec *sp, long v)
{
	/* Negate in unsigned arithmetic: -LONG_MIN does not fit in a long. */
	if (v < 0)
		put_uint(ob, sp, (uint64)0 - (uint64)v, 10, 1, '-');
	else
		put_uint(ob, sp, v, 10, 1, 0);
}

/* ---- %f: exact decimal digits of a double ---- */

/*
 * A double's integer part, in base 10^9 (least significant first): up to
 * 2^1024, 309 digits.
 */
#define DEC_BASE  1000000000u
#define DEC_LIMBS 36

struct decimal {
	uint32 limb[DEC_LIMBS];
	int n;
};

/*
 * A binary fraction F / 2^k (k <= 1074, the bits of a double's smallest
 * fraction), as 32-bit limbs, least significant first, with room for the
 * four bits that multiplying by 10 brings above bit k.
 */
#define FRAC_LIMBS 36

struct fraction {
	uint32 limb[FRAC_LIMBS];
	int k;
};

static void
decimal_set(struct decimal *d, uint64 v)
{
	d->n = 0;
	do {
		d->limb[d->n++] = v % DEC_BASE;
		v /= DEC_BASE;
	} while (v != 0);
}

static void
decimal_add_small(struct decimal *d, uint32 v)
{
	for (int i = 0; v != 0; i++) {
		if (i == d->n)
			d->limb[d->n++] = 0;
		uint64 sum = (uint64)d->limb[i] + v;
		d->limb[i] = sum % DEC_BASE;
		v = sum / DEC_BASE;
	}
}

static void
decimal_double(struct decimal *d)
{
	uint32 carry = 0;

	for (int i = 0; i < d->n; i++) {
		uint64 v = (uint64)d->limb[i] * 2 + carry;
		d->limb[i] = v % DEC_BASE;
		carry = v / DEC_BASE;
	}
	if (carry)
		d->limb[d->n++] = carry;
}

static int
decimal_digits(const struct decimal *d)
{
	int top = d->limb[d->n - 1], n = 1;

	while (top >= 10) {
		top /= 10;
		n++;
	}
	return n + 9 * (d->n - 1);
}

static void
put_decimal(struct outbuf *ob, const struct decimal *d)
{
	struct spec none = { 0, 0, 0, -1, 0 };

	put_uint(ob, &none, d->limb[d->n - 1], 10, 1, 0);
	for (int i = d->n - 2; i >= 0; i--)
		put_uint(ob, &none, d->limb[i], 10, 9, 0);
}

static int
fraction_bit(const struct fraction *f, int bit)
{
	return (f->limb[bit / 32] >> (bit % 32)) & 1;
}

/* F = F * 10; returns the digit that rose above bit k and clears it. */
static int
fraction_next_digit(struct fraction *f)
{
	uint64 carry = 0, above;
	int i = f->k / 32, s = f->k % 32;

	for (int j = 0; j < FRAC_LIMBS; j++) {
		uint64 v = (uint64)f->limb[j] * 10 + carry;
		f->limb[j] = (uint32)v;
		carry = v >> 32;
	}
	above = f->limb[i] >> s;
	if (s != 0 && i + 1 < FRAC_LIMBS)
		above |= (uint64)f->limb[i + 1] << (32 - s);
	f->limb[i] &= s != 0 ? (1u << s) - 1 : 0;
	for (int j = i + 1; j < FRAC_LIMBS; j++)
		f->limb[j] = 0;
	return (int)above;
}

/* Compares F with one half: -1, 0 or 1. */
static int
fraction_vs_half(const struct fraction *f)
{
	if (f->k == 0 || !fraction_bit(f, f->k - 1))
		return -1;
	for (int bit = 0; bit < f->k - 1; bit++)
		if (fraction_bit(f, bit))
			return 1;
	return 0;
}

static void
put_double(struct outbuf *ob, const struct spec *sp, double x)
{
	union {
		double d;
		uint64 u;
	} bits = { .d = x };
	char sign = bits.u >> 63 ? '-' : 0;
	int biased = (bits.u >> 52) & 0x7ff;
	uint64 mant = bits.u & ((1ULL << 52) - 1);
	int prec = sp->prec < 0 ? 6 : sp->prec, exp, len, up, last;
	char frac[FLT_DIGITS_MAX];
	struct decimal ipart;
	struct fraction f = { { 0 }, 0 };

	if (biased == 0x7ff) {
		struct spec plain = *sp;

		plain.zero = 0; /* C pads inf and nan with spaces */
		len = 3 + (sign != 0);
		field_start(ob, &plain, len, sign);
		put(ob, mant ? 'n' : 'i');
		put(ob, mant ? 'a' : 'n');
		put(ob, mant ? 'n' : 'f');
		field_end(ob, &plain, len);
		return;
	}
	if (prec > FLT_DIGITS_MAX)
		prec = FLT_DIGITS_MAX;
	/* x = mant * 2^exp, exactly. */
	if (biased == 0)
		exp = -1074;
	else {
		mant |= 1ULL << 52;
		exp = biased - 1075;
	}
	if (exp >= 0) {
		decimal_set(&ipart, mant);
		for (int i = 0; i < exp; i++)
			decimal_double(&ipart);
	} else {
		decimal_set(&ipart, -exp < 64 ? mant >> -exp : 0);
		f.k = -exp;
		if (-exp < 64)
			mant &= (1ULL << -exp) - 1;
		f.limb[0] = (uint32)mant;
		f.limb[1] = (uint32)(mant >> 32);
	}

	for (int i = 0; i < prec; i++)
		frac[i] = '0' + (f.k ? fraction_next_digit(&f) : 0);
	/* Round to nearest, ties to even, on what is left of the fraction. */
	last = prec > 0 ? frac[prec - 1] - '0' : (int)(ipart.limb[0] % 10);
	up = fraction_vs_half(&f);
	if (up > 0 || (up == 0 && last % 2 == 1)) {
		int i = prec - 1;

		while (i >= 0 && frac[i] == '9')
			frac[i--] = '0';
		if (i >= 0)
			frac[i]++;
		else
			decimal_add_small(&ipart, 1);
	}

	len = (sign != 0) + decimal_digits(&ipart) + (prec > 0 ? prec + 1 : 0);
	field_start(ob, sp, len, sign);
	put_decimal(ob, &ipart);
	if (prec > 0)
		put(ob, '.');
	for (int i = 0; i < prec; i++)
		put(ob, frac[i]);
	field_end(ob, sp, len);
}

/* Reads a run of decimal digits at *fmt; advances past them. */
static int
read_number(const char **fmt)
{
	int n = 0;

	while (**fmt >= '0' && **fmt <= '9')
		n = n * 10 + (*(*fmt)++ - '0');
	return n;
}

/* Parses flags, width, precision and length after a '%'. */
static const char *
read_spec(const char *fmt, struct spec *sp)
{
	sp->left = sp->zero = sp->longs = 0;
	sp->prec = -1;
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = 1;
		else if (*fmt == '0')
			sp->zero = 1;
		else
			break;
	}
	sp->width = read_number(&fmt);
	if (*fmt == '.') {
		fmt++;
		sp->prec = read_number(&fmt);
	}
	/* l and ll both mean 64 bits here (lp64). */
	while (*fmt == 'l') {
		sp->longs++;
		fmt++;
	}
	return fmt;
}

static void
format(struct outbuf *ob, const char *fmt, va_list ap)
{
	struct spec sp;
	const char *start;
	struct spec none = { 0, 0, 0, -1, 0 };

	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			put(ob, *fmt);
			continue;
		}
		start = fmt;
		fmt = read_spec(fmt + 1, &sp);
		switch (*fmt) {
		case 'd':
			put_int(ob, &sp,
			    sp.longs ? va_arg(ap, long) : va_arg(ap, int));
			break;
		case 'u':
			put_uint(ob, &sp,
			    sp.longs ? va_arg(ap, uint64) : va_arg(ap, uint),
			    10, 1, 0);
			break;
		case 'x':
			put_uint(ob, &sp,
			    sp.longs ? va_arg(ap, uint64) : va_arg(ap, uint),
			    16, 1, 0);
			break;
		case 'p':
			put_str(ob, &none, "0x");
			put_uint(
			    ob, &none, (uint64)va_arg(ap, void *), 16, 16, 0);
			break;
		case 's':
			put_str(ob, &sp, va_arg(ap, const char *));
			break;
		case 'c':
			field_start(ob, &sp, 1, 0);
			put(ob, va_arg(ap, int));
			field_end(ob, &sp, 1);
			break;
		case 'f':
			put_double(ob, &sp, va_arg(ap, double));
			break;
		case '%':
			put(ob, '%');
			break;
		case '\0':
			/* A lone % at the very end: show it as written and stop. */
			while (start < fmt)
				put(ob, *start++);
			fmt--;
			break;
		default:
			/* Unknown conversion: print it as written. */
			while (start <= fmt)
				put(ob, *start++);
			break;
		}
	}
	flush(ob);
}

void
vfprintf(int fd, const char *fmt, va_list ap)
{
	struct outbuf ob;

	ob.fd = fd;
	ob.len = 0;
	ob.str = 0;
	ob.total = 0;
	format(&ob, fmt, ap);
}

void
fprintf(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(fd, fmt, ap);
	va_end(ap);
}

void
printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(1, fmt, ap);
	va_end(ap);
}

/* As C's: returns the length of the whole output, stored or not. */
int
vsnprintf(char *str, int size, const char *fmt, va_list ap)
{
	struct outbuf ob;

	ob.len = 0;
	ob.str = str;
	ob.size = size;
	ob.total = 0;
	format(&ob, fmt, ap);
	if (size > 0)
		str[ob.total < size ? ob.total : size - 1] = '\0';
	return ob.total;
}

int
snprintf(char *str, int size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(str, size, fmt, ap);
	va_end(ap);
	return n;
}
