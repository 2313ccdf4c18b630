/*
 * A minimal reader of the flattened device tree QEMU hands hart 0.
 *
 * Only three facts are taken from it: the kernel command line (QEMU's
 * -append, used to ask for self-tests), how many harts the machine has
 * (so the boot banner can wait for all of them) and the RAM range.  Runs
 * in machine mode before anything else, so it trusts nothing and stops at
 * the first token it does not understand.
 */
#include "kernel/arch/fdt.h"
#include "kernel/lib/lib.h"

struct boot_info boot_info;

enum {
	FDT_BEGIN_NODE = 1,
	FDT_END_NODE = 2,
	FDT_PROP = 3,
	FDT_NOP = 4,
	FDT_END = 9
};
#define FDT_MAGIC 0xd00dfeed

static uint32
be32(const void *p)
{
	const uchar *b = p;

	return ((uint32)b[0] << 24) | ((uint32)b[1] << 16) |
	    ((uint32)b[2] << 8) | b[3];
}

static uint64
be64(const void *p)
{
	return ((uint64)be32(p) << 32) | be32((const uchar *)p + 4);
}

static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void
fdt_scan(uint64 dtb)
{
	const uchar *base = (const uchar *)dtb;
	const uchar *p, *strings;
	const char *node = "";
	int depth = 0;

	if (dtb == 0 || be32(base) != FDT_MAGIC)
		return;
	p = base + be32(base + 8);
	strings = base + be32(base + 12);

	for (;;) {
		uint32 tok = be32(p);

		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			node = (const char *)p;
			depth++;
			if (depth == 3 && starts_with(node, "cpu@"))
				boot_info.ncpu++;
			p += (strlen(node) + 1 + 3) & ~3;
		} else if (tok == FDT_END_NODE) {
			depth--;
		} else if (tok == FDT_PROP) {
			uint32 len = be32(p);
			const char *name = (const char *)strings + be32(p + 4);
			const uchar *val = p + 8;

			if (depth == 2 && starts_with(node, "chosen") &&
			    strncmp(name, "bootargs", 9) == 0)
				strlcpy_k(boot_info.cmdline, (const char *)val,
				    len < sizeof(boot_info.cmdline)
					? len + 1
					: sizeof(boot_info.cmdline));
			if (depth == 2 && starts_with(node, "memory") &&
			    strncmp(name, "reg", 4) == 0 && len >= 16 &&
			    boot_info.mem_size == 0) {
				boot_info.mem_base = be64(val);
				boot_info.mem_size = be64(val + 8);
			}
			p += 8 + ((len + 3) & ~3);
		} else if (tok == FDT_NOP) {
			continue;
		} else {
			return; /* FDT_END or something we do not understand */
		}
	}
}

int
boot_arg(const char *word)
{
	const char *s = boot_info.cmdline;
	int n = strlen(word);

	while (*s) {
		while (*s == ' ')
			s++;
		if (strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == 0))
			return 1;
		while (*s && *s != ' ')
			s++;
	}
	return 0;
}
