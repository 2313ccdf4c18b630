"""What tools/bench and tools/profile share: building a kernel for
measurement and booting it (through tools/machine.py, the one QEMU driver).

Measurement kernels are built with DEBUG=0 (no debug checks: those cost
instructions) and CPUS=1, one build directory per fork mode,
build/<FORK>-debug0, so they never clobber the debug build `make check`
uses."""
import os
import re
import shutil

import machine

ROOT = machine.ROOT

# Known figures: label, and target (an upper bound in the figure's unit, or
# a text shown as it is).
# Others (new programs) are listed after these, under their own names.
KNOWN = [
    ("fork-0MB", "fork+exit+wait, ~0 MB", 50000),
    ("fork-1MB", "fork+exit+wait, 1 MB", 60000),
    ("fork-4MB", "fork+exit+wait, 4 MB", None),
    ("fork-16MB", "fork+exit+wait, 16 MB", 100000),
    ("fork-64MB", "fork+exit+wait, 64 MB", 150000),
    ("fork-512MB", "fork+exit+wait, 512 MB (MEM=1G)", "<= 1.5 x ~0 MB"),
    ("fork-1024MB", "fork+exit+wait, 1 GB (MEM=2G)", "<= 1.5 x ~0 MB"),
    ("cow-write-page", "first write to a shared page, per page", 2500),
    ("cow-reuse-page", "write after the sharer exited, per page", None),
    ("frames-child-16MB", "frames held by a child, 16 MB parent", None),
    ("frames-child-64MB", "frames held by a child, 64 MB parent", 8),
    ("exec-true", "fork+exec+wait of /true", 60000),
    ("pipe-roundtrip", "pipe ping-pong, per round trip", None),
    ("fork-60procs", "fork+exit+wait, 60 other processes", None),
    ("fork-60procs-growth", "... more than with 1 other process", 0),
    ("fs-read-cached-1k", "read() of 1 KiB in the buffer cache", None),
    ("sbrk-64MB", "sbrk(+64 MB) then sbrk(-64 MB), untouched", 20000),
    ("exec-bigro", "fork+exec+wait, program with 192 KB read-only data (used once before)",
     "<= 2 x /true"),
    ("exec-bigro-reads", "... disk reads per run of it", 0),
    ("frames-bigro-8procs", "frames held by each of 8 sleeping processes running that program", 12),
]


def label(name):
    """A benchmark's label in tables: the known ones', or its own name."""
    return next((k[1] for k in KNOWN if k[0] == name), name)


# The benchmark figures are one table in README.md, between these markers,
# which `make bench` writes (with every mode of DOC_MODES, in this order).
# Docs quote rows of it in blocks of the same kind whose opening marker
# names the rows: <!-- bench table: fork-0MB cow-write-page -->.
# tests/docs_test.py checks that every quoted row is README's.
DOC_MODES = ["copy", "page", "cow"]
BLOCK_RE = re.compile(r"<!-- bench table([^>]*?)-->\n(.*?)<!-- end of bench table -->", re.S)


# lockbench's figures (tests/bench.txt runs it on 3 harts): one row per
# lock kind it reports (its name, '-' for ' '), with a label and the most
# contended acquisitions in percent the issue allows.  `make bench` writes
# them between these markers in README.md, a table of their own, since
# they vary from run to run.
LOCKS = [
    ("frame-cache", "frame cache (the per-hart frame caches)", 1),
    ("frames", "frames (the global frame list behind them)", 1),
    ("vm", "vm (the VM lock)", 5),
]
LOCK_BLOCK_RE = re.compile(r"(<!-- lockstat table -->\n)(.*?)(<!-- end of lockstat table -->)", re.S)


def block_names(m):
    """The benchmark names a block (a BLOCK_RE match) quotes, None for all."""
    head = m.group(1)
    return head.split(":", 1)[1].split() if ":" in head else None


def quoting_files():
    """README.md and docs/*.md: where the table and its quotes may stand."""
    docs = os.path.join(ROOT, "docs")
    return [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(docs, f) for f in os.listdir(docs) if f.endswith(".md"))


def build_dir(fork):
    return os.path.join("build", f"{fork}-debug0")


def build(fork):
    """Builds the DEBUG=0 kernel and disk of one fork mode; returns its dir."""
    b = build_dir(fork)
    cmd = ["make", "-s", f"FORK={fork}", "DEBUG=0", "CPUS=1", f"B={b}", "all"]
    status, out = machine.run_group(cmd, cwd=ROOT)
    if status != 0 and os.path.isdir(os.path.join(ROOT, b)):
        # Objects do not depend on the compiler flags: after a change of
        # flags (a merge, say) stale ones may not link.  Start afresh once.
        shutil.rmtree(os.path.join(ROOT, b))
        status, out = machine.run_group(cmd, cwd=ROOT)
    if status != 0:
        raise RuntimeError(f"build of FORK={fork} failed:\n{out}")
    return os.path.join(ROOT, b)


def boot(b, timeout=60, cpus=1, **options):
    """Boots the build in b (tools/machine.py): on one hart under -icount,
    where figures are instruction counts, or on cpus harts without it (the
    harts then run at once, as they must for locks to be contended).
    Returns the Machine at the shell's prompt.  Raises RuntimeError."""
    vm = machine.Machine(os.path.join(b, "kernel.elf"), os.path.join(b, "fs.img"),
                         cpus=cpus, icount=cpus == 1, **options)
    why = vm.boot(timeout)
    if why:
        tail = "\n".join(vm.tail())
        vm.close()
        raise RuntimeError(f"boot of {b}: {why}\n{tail}")
    return vm
