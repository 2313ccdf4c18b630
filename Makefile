# cowbird: build the kernel, the user programs and the disk image; boot or test.
# `make help` prints the lines below; a test (make check ONLY=docs) checks
# that they name every target and every knob of this Makefile.
#
#   make              build the kernel and the disk image in build/<FORK>/ (= make all)
#   make qemu         boot to a shell on this terminal (Ctrl-A x quits)
#   make qemu-gdb     boot halted, waiting for gdb-multiarch
#   make check        build and run every test headless (ONLY=a,b runs just those)
#   make check-sbi-time  (SBI=1, run by make check) the self-tests on harts without Sstc
#   make crashtest    crash the machine mid-write, reboot, check recovery
#   make faulttest    fail disk requests under a workload: no panic, nothing committed lost
#   make stress       a million fuzzed system calls and a long soak
#   make mutants      break the kernel on purpose (tests/mutants.txt): the tests must fail
#   make bench        run the benchmarks (instruction counts); rewrites README's table
#   make modelcheck   SPIN checks the COW protocol model (model/cow.pml) and its broken variants
#   make profile      where every instruction of fork+exit+wait goes
#   make backtrace    paste a panic backtrace; get file:line for each address
#   make tour-pics    draw docs/tour.md's pictures of memory (graphviz)
#   make lint         GCC's -fanalyzer and cppcheck over the kernel
#   make format       format the C files as .clang-format says
#   make format-check fail if a C file is not formatted (tools/check-format)
#   make help         this list
#   make clean        remove build/ and .gdbinit
#
# Knobs (make TARGET NAME=VALUE):
#   CPUS=1..8         harts (default 3; make refuses any other)
#   FORK=cow|page|copy  fork design (default cow; docs/cow.md: cow shares page tables and pages, page pages only, copy copies)
#   DEBUG=0|1         unset: debug checks, -O2; 0: no checks, -O2; 1: checks, kernel at -O0 (gdb shows every local)
#   EXTRA_PROGS="path/a.c path/b.c"  add programs kept elsewhere to the disk
#   ONLY=a,b          make check: only these (programs, shell tests, sessions, selftest, fsck, init, docs)
#   MUTANT=NAME       make mutants: only this mutant of tests/mutants.txt
#   MUTANT_SAMPLE=N   make mutants: run every N-th mutant only (CI; all are still checked to apply)
#   CRASH_SEED=N      make crashtest: replay the random crashes of seed N
#   BENCH_MODES="copy page cow"  make bench: the FORK modes measured
#   WORKLOAD=fork|exec|pipe|write|crowd|big|sbrk  make profile: the workload traced
#   HOSTCC=cc         the compiler for mkfs and fsck
#   V=1               show full command lines
#   SBI=1             boot under QEMU's OpenSBI firmware in supervisor mode, as real boards do (docs/boot.md)
#   MEM=128M..4G      the guest's RAM (QEMU's -m; default 128M): the kernel manages all of it

CPUS  ?= 3
FORK  ?= cow
EXTRA_PROGS ?=
# The guest's RAM; tools/qemu-cmd reads it from the environment.
MEM   ?= 128M
export MEM

ifeq ($(filter $(FORK),cow page copy),)
$(error FORK must be cow, page or copy, not '$(FORK)')
endif

# The kernel supports 1..8 harts (NCPU in kernel/param.h).
ifeq ($(filter $(CPUS),1 2 3 4 5 6 7 8),)
$(error CPUS must be a number of harts from 1 to 8, not '$(CPUS)')
endif

# Make sure the toolchain and emulator exist before anything is built.
# tools/need-tools installs them as root or prints the command to run.
NEEDS_TOOLS := $(filter-out clean help,$(or $(MAKECMDGOALS),all))
ifneq ($(NEEDS_TOOLS),)
ifneq ($(filter qemu-gdb,$(MAKECMDGOALS)),)
TOOLS_WANT += gdb
endif
# make check DEBUG=1 checks that gdb shows the kernel's locals.
ifneq ($(filter check,$(MAKECMDGOALS)),)
ifeq ($(DEBUG),1)
TOOLS_WANT += gdb
endif
endif
ifneq ($(filter lint,$(MAKECMDGOALS)),)
TOOLS_WANT += cppcheck
endif
ifneq ($(filter format format-check,$(MAKECMDGOALS)),)
TOOLS_WANT += clang-format
endif
ifneq ($(filter bench,$(MAKECMDGOALS)),)
TOOLS_WANT += gnuplot
endif
ifneq ($(filter modelcheck,$(MAKECMDGOALS)),)
TOOLS_WANT += spin
endif
ifneq ($(filter tour-pics,$(MAKECMDGOALS)),)
TOOLS_WANT += graphviz
endif
TOOLS_STATUS := $(shell tools/need-tools $(TOOLS_WANT) >&2; echo $$?)
ifneq ($(TOOLS_STATUS),0)
$(error the tools above are missing)
endif
endif

# V=1 shows full command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

TOOLPREFIX := riscv64-unknown-elf-
CC      := $(TOOLPREFIX)gcc
LD      := $(TOOLPREFIX)ld
OBJDUMP := $(TOOLPREFIX)objdump
OBJCOPY := $(TOOLPREFIX)objcopy
AR      := $(TOOLPREFIX)ar
NM      := $(TOOLPREFIX)nm
QEMU    := qemu-system-riscv64
HOSTCC  ?= cc

ifneq ($(filter-out 0 1,$(DEBUG)),)
$(error DEBUG must be unset, 0 or 1, not '$(DEBUG)')
endif
ifneq ($(filter-out 1,$(SBI)),)
$(error SBI must be unset or 1, not '$(SBI)')
endif

# One build directory per configuration, so that builds never clobber each
# other: build/$(FORK) for the default, build/$(FORK)-debug0 for DEBUG=0,
# build/$(FORK)-debug1 for DEBUG=1 (README, "Knobs"); SBI=1 adds -sbi.
B := build/$(FORK)$(if $(DEBUG),-debug$(DEBUG))$(if $(SBI),-sbi)

.DEFAULT_GOAL := all

# DEBUG=1 compiles the kernel without optimisation: -Og still leaves locals
# <optimized out> (in cow.c's resolve, say), -O0 keeps every variable in its
# stack slot and every line in order, for gdb; it costs make check DEBUG=1
# some 5% more CPU.  User programs get -Og: gdb follows them line by line,
# and they keep the code the tests were written for (an idle child that
# writes no stack at -Og would at -O0).
ifeq ($(DEBUG),1)
OPT  := -Og
KOPT := -O0
else
OPT  := -O2
KOPT := $(OPT)
endif

MARCH := $(shell $(CC) -march=rv64gc_zicsr_zifencei -mabi=lp64d -E -x c /dev/null >/dev/null 2>&1 \
	   && echo rv64gc_zicsr_zifencei || echo rv64gc)

WARN    := -Wall -Wextra -Werror
# User programs get xv6's warnings, so that programs written for xv6 (and
# README's example, with its unused argc) build unchanged; the kernel, the
# user library and the test programs keep the strict set.
UWARN   := -Wall -Werror
COMMON  := -march=$(MARCH) -mabi=lp64d -mcmodel=medany -mno-relax \
	   -ffreestanding -fno-common -nostdlib -fno-builtin -fno-stack-protector \
	   -fno-tree-loop-distribute-patterns \
	   -fno-pie -no-pie $(OPT) -ggdb -I.
# The kernel is built for the integer-only ABI, so the compiler cannot use
# the FP registers, which hold user state (kernel/arch/fpu.c); fpregs.S turns
# the D extension on for itself alone.
KMARCH  := $(subst gc,imac,$(MARCH))
KCFLAGS := $(WARN) $(COMMON) $(KOPT) -march=$(KMARCH) -mabi=lp64 -fno-omit-frame-pointer -DKERNEL
# FORK picks one constant (kernel/mm/mm.h): every build compiles all three modes.
ifeq ($(FORK),copy)
KCFLAGS += -DKERNEL_FORK_MODE=FORK_MODE_COPY
else ifeq ($(FORK),page)
KCFLAGS += -DKERNEL_FORK_MODE=FORK_MODE_PAGE
else
KCFLAGS += -DKERNEL_FORK_MODE=FORK_MODE_COW
endif
ifneq ($(DEBUG),0)
KCFLAGS += -DDEBUG_CHECKS
endif
# SBI=1: the kernel starts in supervisor mode under SBI firmware (sbi.c)
# at 0x80200000, above the firmware, instead of in machine mode with no
# firmware (start.c, kickvec.S) at 0x80000000.  tools/qemu-cmd picks the
# firmware from the kernel's entry address.
ifeq ($(SBI),1)
KCFLAGS += -DSBI_BOOT
KERNEL_LOAD := 0x80200000
KBOOT_ONLY := kernel/arch/start.c kernel/arch/clint.c kernel/arch/kickvec.S
else
KERNEL_LOAD := 0x80000000
KBOOT_ONLY := kernel/arch/sbi.c kernel/arch/sbicall.c
endif
# Where the user programs' listings are, for the message that kills a process.
KCFLAGS += -DUSER_LISTINGS=\"$(B)/user\"
UCFLAGS := $(COMMON)

# ---- kernel ----
KSRC := $(sort $(wildcard kernel/*.c kernel/*/*.c)) $(sort $(wildcard kernel/*/*.S))
# entry.S must come first: it is the code at KERNEL_LOAD.
KSRC := kernel/arch/entry.S $(filter-out kernel/arch/entry.S $(KBOOT_ONLY),$(KSRC))
KOBJ := $(patsubst %,$(B)/%.o,$(basename $(KSRC)))

# Objects depend on the flags they were built with: a change of flags (a new
# -mabi, say) rebuilds everything instead of failing at link time.
$(B)/flags.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(KCFLAGS) | $(UCFLAGS)' | cmp -s - $@ || echo '$(KCFLAGS) | $(UCFLAGS)' > $@

$(B)/kernel/%.o: kernel/%.c $(B)/flags.stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(B)/kernel/%.o: kernel/%.S $(B)/flags.stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(B)/kernel.elf: $(KOBJ) kernel/kernel.ld
	@echo "  LD      $@"
	$(Q)$(LD) -z max-page-size=4096 --no-warn-rwx-segments --defsym=KERNEL_LOAD=$(KERNEL_LOAD) \
		-T kernel/kernel.ld -o $@ $(KOBJ)
	$(Q)$(OBJDUMP) -S $@ > $(B)/kernel.asm
	$(Q)tools/kernel-fp-check $(OBJDUMP) $@ || (rm -f $@; false)

# ---- user programs ----
ULIBSRC := $(sort $(wildcard user/lib/*.c user/lib/*.S))
ULIBOBJ := $(patsubst %,$(B)/%.o,$(basename $(ULIBSRC)))
# Programs link crt0 and take from the archive only the library objects
# they use: code added to the library (snprintf, say) does not grow every
# program, and so does not move the benchmarks' figures.
ULIBCRT := $(B)/user/lib/crt0.o
ULIBA   := $(B)/user/lib/ulib.a
# tests/guest/testlib.c is the guest tests' library, linked into each of them.
UPROGS  := $(sort $(wildcard user/*.c)) $(filter-out %/testlib.c,$(sort $(wildcard tests/guest/*.c)))
TESTLIBOBJ := $(B)/tests/guest/testlib.o
UBINS   := $(foreach p,$(UPROGS),$(B)/bin/$(basename $(notdir $(p))))
EXTRA_BINS := $(foreach p,$(EXTRA_PROGS),$(B)/extra/$(basename $(notdir $(p))))

$(B)/user/%.o: user/%.c $(B)/flags.stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UWARN) $(UCFLAGS) -MMD -MP -c $< -o $@

$(B)/user/lib/%.o: user/lib/%.c $(B)/flags.stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(WARN) $(UCFLAGS) -MMD -MP -c $< -o $@

$(B)/user/%.o: user/%.S $(B)/flags.stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(WARN) $(UCFLAGS) -MMD -MP -c $< -o $@

$(B)/tests/%.o: tests/%.c $(B)/flags.stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(WARN) $(UCFLAGS) -I$(B) -MMD -MP -c $< -o $@

# The fuzzer learns the system calls from kernel/syscall.h, through this
# generated list: a new call is fuzzed as soon as it has a number.
$(B)/gen/syscall-list.h: kernel/syscall.h tools/syscall-list
	@mkdir -p $(dir $@)
	$(Q)tools/syscall-list kernel/syscall.h $@

$(B)/tests/guest/fuzz.o: $(B)/gen/syscall-list.h

$(ULIBA): $(filter-out $(ULIBCRT),$(ULIBOBJ))
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

# $(B)/debug/NAME keeps symbols for gdb; the disk gets a stripped copy.
$(B)/debug/%: $(B)/user/%.o $(ULIBCRT) $(ULIBA) user/user.ld
	@mkdir -p $(dir $@)
	$(Q)$(LD) -z max-page-size=4096 -T user/user.ld -o $@ $(filter %.o %.a,$^)

$(B)/debug/%: $(B)/tests/guest/%.o $(TESTLIBOBJ) $(ULIBCRT) $(ULIBA) user/user.ld
	@mkdir -p $(dir $@)
	$(Q)$(LD) -z max-page-size=4096 -T user/user.ld -o $@ $(filter %.o %.a,$^)

# Listings, as xv6 gives them: the disassembly with the source between
# the instructions (the pc of a user fault is found there) and the symbols.
$(B)/bin/%: $(B)/debug/%
	@mkdir -p $(dir $@) $(B)/user
	@echo "  PROG    $@"
	$(Q)$(OBJCOPY) --strip-all $< $@
	$(Q)$(OBJDUMP) -S $< > $(B)/user/$*.asm
	$(Q)$(NM) -n $< > $(B)/user/$*.sym

# Programs kept outside the tree: ABI include paths, warnings not fatal.
define extra_rule
$(B)/extra/$(basename $(notdir $(1))): $(1) $(ULIBCRT) $(ULIBA) user/user.ld
	@mkdir -p $(B)/extra
	@echo "  CC      $(1)"
	$(Q)$(CC) -Wall $(UCFLAGS) -c $(1) -o $$@.o
	$(Q)$(LD) -z max-page-size=4096 -T user/user.ld -o $$@.elf $$@.o $(ULIBCRT) $(ULIBA)
	$(Q)$(OBJCOPY) --strip-all $$@.elf $$@
endef
$(foreach p,$(EXTRA_PROGS),$(eval $(call extra_rule,$(p))))

# make check builds README's "Adding a program" example exactly as printed,
# with the flags of user/*.c: README must not show code that fails to build.
$(B)/readme/hello.c: README.md tools/readme-example
	@mkdir -p $(dir $@)
	$(Q)tools/readme-example README.md $@

$(B)/readme/hello: $(B)/readme/hello.c $(ULIBOBJ) user/user.ld $(B)/flags.stamp
	@echo "  CC      README's example"
	$(Q)$(CC) $(UWARN) $(UCFLAGS) -c $< -o $@.o
	$(Q)$(LD) -z max-page-size=4096 -T user/user.ld -o $@ $@.o $(ULIBOBJ)

# ---- disk image ----
$(B)/mkfs: tools/mkfs.c kernel/fs.h kernel/param.h kernel/stat.h kernel/types.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  tools/mkfs.c"
	$(Q)$(HOSTCC) $(WARN) -O2 -I. -o $@ tools/mkfs.c

# fsck checks an image: mkfs's output, and the disk the tests leave behind.
$(B)/fsck: tools/fsck.c kernel/fs.h kernel/param.h kernel/stat.h kernel/types.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  tools/fsck.c"
	$(Q)$(HOSTCC) $(WARN) -O2 -I. -o $@ tools/fsck.c

# Rebuild the image when the set of EXTRA_PROGS changes, not only when files do.
$(B)/extra.list: FORCE
	@mkdir -p $(B)
	@echo '$(EXTRA_PROGS)' | cmp -s - $@ || echo '$(EXTRA_PROGS)' > $@

FORCE:

$(B)/fs.img: $(B)/mkfs user/README $(UBINS) $(EXTRA_BINS) $(B)/extra.list
	@echo "  MKFS    $@"
	$(Q)$(B)/mkfs $@ user/README $(UBINS) $(EXTRA_BINS)

# ---- running ----
# tools/qemu-cmd holds the QEMU command line; tools/machine.py (tests,
# crash tests, benchmarks) boots through it too.
QEMUCMD = QEMU=$(QEMU) tools/qemu-cmd $(B)/kernel.elf $(B)/fs.img $(CPUS)

.SECONDARY:
.PHONY: FORCE all qemu qemu-gdb check crashtest stress mutants bench clean backtrace lint format format-check help

# The library archive is named here so that it is never taken for an
# intermediate file (.SECONDARY): a missing one is rebuilt and relinked.
all: $(B)/kernel.elf $(ULIBA) $(B)/fs.img

qemu: all
	@tools/check-qemu $(QEMU)
	$(QEMUCMD)

GDBPORT := $(shell expr `id -u` % 5000 + 25000)

qemu-gdb: all
	@tools/check-qemu $(QEMU)
	@sed -e "s|@KERNEL@|$(B)/kernel.elf|" -e "s|@PORT@|$(GDBPORT)|" tools/gdbinit.in > .gdbinit
	@echo "*** now run 'gdb-multiarch -nx -x .gdbinit' in this directory"
	$(QEMUCMD) -S -gdb tcp::$(GDBPORT)

# The test driver boots QEMU itself, through tools/qemu-cmd.  With DEBUG=1
# it also checks gdb (tests/gdb_test.py); on the default build, whose paths
# docs/howto.md names, it follows the how-tos (tests/howto_test.py).
# ONLY=a,b runs just those entries (run.py --only a --only b).
comma := ,
CHECK_HOWTO := $(if $(DEBUG),,$(if $(filter cow,$(FORK)),$(if $(SBI),,--howto)))
check: all $(B)/fsck $(B)/readme/hello
	@tools/check-qemu $(QEMU)
	python3 tests/run.py --kernel $(B)/kernel.elf --fs $(B)/fs.img --cpus $(CPUS) --fork $(FORK) \
		--fsck $(B)/fsck $(if $(filter 1,$(DEBUG)),--gdb) $(CHECK_HOWTO) \
		$(foreach o,$(subst $(comma), ,$(ONLY)),--only $(o))

# SBI=1: make check first runs the self-tests on harts without Sstc, so that
# the firmware's TIME extension drives the timer (docs/boot.md).
ifeq ($(SBI),1)
.PHONY: check-sbi-time
check: check-sbi-time
check-sbi-time: all
	@tools/check-qemu $(QEMU)
	python3 tests/run.py --kernel $(B)/kernel.elf --fs $(B)/fs.img --cpus $(CPUS) --fork $(FORK) \
		--only selftest --qemu-cmd "$(QEMU) -cpu rv64,sstc=off"
endif

# Crash the machine after each disk write of a workload, and at random
# moments; reboot; check recovery.  CRASH_SEED=N replays the random ones.
crashtest: all $(B)/fsck
	@tools/check-qemu $(QEMU)
	python3 tools/crashtest.py --kernel $(B)/kernel.elf --fs $(B)/fs.img --cpus $(CPUS) \
		--fsck $(B)/fsck $(if $(CRASH_SEED),--seed $(CRASH_SEED))

# Fail one disk request per run (QEMU's blkdebug), reads, writes and flushes spread
# over a file workload; no panic, a failed write makes the file system
# read-only, and a reboot without the error loses nothing committed.
.PHONY: faulttest
faulttest: all $(B)/fsck
	@tools/check-qemu $(QEMU)
	python3 tools/faulttest.py --kernel $(B)/kernel.elf --fs $(B)/fs.img --cpus $(CPUS) \
		--fsck $(B)/fsck

# The system-call fuzzer for a million calls, then a long mixed soak;
# the frame count, the refcount audit and fsck must come out clean.
stress: all $(B)/fsck
	@tools/check-qemu $(QEMU)
	python3 tests/run.py --kernel $(B)/kernel.elf --fs $(B)/fs.img --cpus $(CPUS) --fork $(FORK) \
		--fsck $(B)/fsck --suite tests/stress.txt --only-suite

# Mutation testing: each mutant of tests/mutants.txt (a small bug) is built
# in a scratch copy of the tree and must make the suite entries it names
# fail; every shell test's expectation, altered, must fail too.  About 20
# minutes.  MUTANT=NAME runs one mutant.  See docs/testing.md.
mutants:
	@tools/check-qemu $(QEMU)
	python3 tools/mutants.py --fork $(FORK) $(if $(DEBUG),--debug $(DEBUG)) \
		$(if $(MUTANT),--only $(MUTANT)) $(if $(MUTANT_SAMPLE),--sample $(MUTANT_SAMPLE))

# Benchmarks and profiles build their own kernels: DEBUG=0, one hart, in
# build/<FORK>-debug0 (never the debug build make check uses).  make bench
# measures every mode of BENCH_MODES; make profile traces one workload
# (WORKLOAD=fork|exec|pipe|write|crowd|big|sbrk) of one FORK mode.  See docs/profile.md.
BENCH_MODES ?= copy page cow
WORKLOAD ?= fork
.PHONY: profile

bench:
	@tools/check-qemu $(QEMU)
	tools/bench --modes "$(BENCH_MODES)"

profile:
	@tools/check-qemu $(QEMU)
	tools/profile --fork $(FORK) --workload $(WORKLOAD)

# The copy-on-write protocol as a SPIN model (docs/cow.md, "The model"):
# the deliberately broken variants must fail, then the real model is
# searched exhaustively; the last line is SPIN's "... errors: 0".
.PHONY: modelcheck
modelcheck:
	tools/modelcheck

# docs/tour.md's pictures of memory: a scripted session types the tour's
# first steps and tools/pmap2dot.py draws `pmap -a` after fork and after
# the child's writes (docs/img/tour-fork.*, docs/img/tour-writes.*).
.PHONY: tour-pics
tour-pics: all
	@tools/check-qemu $(QEMU)
	tools/tour-pics --kernel $(B)/kernel.elf --fs $(B)/fs.img --cpus $(CPUS) --out docs/img

# Paste a panic backtrace on standard input; get file:line for each address.
backtrace: $(B)/kernel.elf
	@tools/backtrace $(B)/kernel.elf

# ---- habits: static analysis and formatting ----
# lint compiles every kernel file once more with GCC's static analyzer (its
# warnings are errors, as all warnings are) and runs cppcheck with the same
# configuration macros.  False positives are suppressed in
# tools/cppcheck.supp, each with the reason.
KCSRC := $(filter %.c,$(KSRC))
LINTOK := $(patsubst %.c,$(B)/lint/%.ok,$(KCSRC))

$(B)/lint/%.ok: %.c
	@mkdir -p $(dir $@)
	@echo "  ANALYZE $<"
	$(Q)$(CC) $(KCFLAGS) -fanalyzer -MMD -MP -MF $(@:.ok=.d) -MT $@ -c $< -o /dev/null
	@touch $@

lint: $(LINTOK)
	@echo "  CPPCHECK kernel/"
	$(Q)cppcheck --quiet --std=c11 --enable=warning,performance,portability \
	    --error-exitcode=1 --inline-suppr --suppressions-list=tools/cppcheck.supp \
	    $(filter -D% -I%,$(KCFLAGS)) kernel/
	@echo "lint: clean"

format:
	@tools/check-format --fix

format-check:
	@tools/check-format

clean:
	rm -rf build .gdbinit

# The list at the top of this file, without the comment signs.
help:
	@sed -n '/^#   make /,/^$$/s/^#   //p' Makefile

-include $(shell find build -name '*.d' 2>/dev/null)
