#!/usr/bin/env python3
"""gdb on a DEBUG=1 kernel: it stops in the COW fault path and shows locals.

    python3 tests/gdb_test.py KERNEL FSIMG

Boots KERNEL halted under QEMU's gdb stub (one hart, as README's debugging
section suggests), runs gdb-multiarch in batch mode with a breakpoint in
kernel/mm/cow.c's resolve() (at its pte_is_cow test, once the walk has set
the locals), continues, and types `ls` at the console until a
copy-on-write fault reaches it (the shell's fork makes them), and checks
what a student would look at:

  gdb/breakpoint  the breakpoint is hit, in resolve, called from the fault
                  path (cow_resolve or cow_write_target in the backtrace);
  gdb/locals      `info locals` names resolve's locals, none of them
                  <optimized out>;
  gdb/print       `print` of a local through a pointer works: the leaf PTE
                  the walk found is valid (bit V).

tests/run.py runs this for `make check DEBUG=1` (--gdb); standalone it
prints the same PASS/FAIL lines and an "N passed, M failed" line.
"""
import os
import re
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
QEMU_CMD = os.path.join(HERE, "..", "tools", "qemu-cmd")
COW_C = os.path.join(HERE, "..", "kernel", "mm", "cow.c")
TIMEOUT = 120
MARK = "if (!pte_is_cow(*pte))"     # in resolve(), after the page-table walk
LOCALS = ("l1pte", "table", "pte")  # set by then


def breakpoint_line():
    """The line of MARK inside resolve() in kernel/mm/cow.c, or None."""
    with open(COW_C) as f:
        lines = f.read().split("\n")
    inside = False
    for n, line in enumerate(lines, 1):
        if re.match(r"^resolve\(", line):
            inside = True
        elif inside and line.startswith("}"):
            return None
        elif inside and MARK in line:
            return n
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(kernel, fsimg, add, tmpdir):
    """Adds results gdb/NAME through add(kind, name, reason="", tail=None)."""
    line = breakpoint_line()
    if line is None:
        add("FAIL", "gdb/breakpoint", f"no '{MARK}' in resolve() of {COW_C}")
        return
    port = free_port()
    disk = os.path.join(tmpdir, "gdb-fs.img")
    with open(fsimg, "rb") as src, open(disk, "wb") as dst:
        dst.write(src.read())
    qemu = subprocess.Popen([QEMU_CMD, kernel, disk, "1", "-S", "-gdb",
                             f"tcp:127.0.0.1:{port}"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    commands = ["set confirm off", "set pagination off", "set architecture riscv:rv64",
                f"file {kernel}", f"target remote 127.0.0.1:{port}",
                f"break cow.c:{line}", "continue", "bt", "echo @@locals\\n",
                "info locals", "echo @@print\\n", "print (*pte & 1)", "kill"]
    done = threading.Event()

    def type_commands():
        """The shell forks for each command; a fault follows.  Typed again
        and again: the first lines may come before the console listens."""
        while not done.wait(2):
            try:
                qemu.stdin.write(b"ls\n")
                qemu.stdin.flush()
            except OSError:
                return
    typist = threading.Thread(target=type_commands, daemon=True)
    typist.start()
    try:
        argv = ["gdb-multiarch", "-nx", "-batch"]
        for c in commands:
            argv += ["-ex", c]
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=TIMEOUT)
            out = p.stdout
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") + "\n(gdb timed out)"
    finally:
        done.set()
        qemu.kill()
        qemu.wait()
    tail = out.rstrip("\n").split("\n")[-25:]
    stopped = re.search(r"(?m)^Breakpoint 1, resolve \(", out)
    path = re.search(r"(?m)^#\d+ .*\b(cow_resolve|cow_write_target) \(", out)
    if stopped and path:
        add("ok", "gdb/breakpoint")
    else:
        add("FAIL", "gdb/breakpoint", f"gdb did not stop in resolve() (cow.c:{line}) "
            "on the copy-on-write fault path", tail)
        return
    locals_out = out.split("@@locals", 1)[-1].split("@@print", 1)[0]
    named = {m.group(1): m.group(2) for m in re.finditer(r"(?m)^(\w+) = (.*)$", locals_out)}
    missing = [n for n in LOCALS if n not in named]
    hidden = [n for n, v in named.items() if "optimized out" in v]
    if not missing and not hidden:
        add("ok", "gdb/locals")
    else:
        add("FAIL", "gdb/locals", f"info locals: missing {missing}, <optimized out> {hidden}",
            locals_out.strip().split("\n"))
    printed = out.split("@@print", 1)[-1]
    if re.search(r"(?m)^\$1 = 1$", printed):
        add("ok", "gdb/print")
    else:
        add("FAIL", "gdb/print", "print (*pte & 1) did not give 1", printed.strip().split("\n"))


def main():
    import tempfile
    if len(sys.argv) != 3:
        sys.exit("usage: tests/gdb_test.py KERNEL FSIMG")
    counts = {"ok": 0, "FAIL": 0}

    def add(kind, name, reason="", tail=None):
        counts[kind] += 1
        print(f"PASS {name}" if kind == "ok" else f"FAIL {name}: {reason}")
        for l in tail or []:
            print("    | " + l)

    with tempfile.TemporaryDirectory(prefix="cowbird-gdb-") as tmpdir:
        run(sys.argv[1], sys.argv[2], add, tmpdir)
    print(f"{counts['ok']} passed, {counts['FAIL']} failed")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
