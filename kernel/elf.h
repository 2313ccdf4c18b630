/*
 * The parts of the ELF64 format that exec reads (kernel/sys/exec.c), and
 * that tests which make or read program files use: the file header, the
 * program headers, and their constants.
 */
#ifndef COWBIRD_ELF_H
#define COWBIRD_ELF_H

#include "kernel/types.h"

#define ELF_MAGIC   0x464c457fU /* "\x7fELF" little-endian */
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define ET_EXEC     2
#define EM_RISCV    243
#define PT_LOAD     1
#define PF_X        1
#define PF_W        2
#define PF_R        4

struct elf_header {
	uint32 magic;
	uchar class, data, version, osabi;
	uchar pad[8];
	uint16 type, machine;
	uint32 version2;
	uint64 entry, phoff, shoff;
	uint32 flags;
	uint16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct prog_header {
	uint32 type, flags;
	uint64 off, vaddr, paddr, filesz, memsz, align;
};

#endif
