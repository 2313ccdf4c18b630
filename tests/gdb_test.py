#!/usr/bin/env python3
"""gdb on a DEBUG=1 kernel, as README's debugging section shows it.

    python3 tests/gdb_test.py KERNEL FSIMG

Boots KERNEL halted under QEMU's gdb stub on one hart (README: CPUS=1),
starts gdb-multiarch as README says (-nx, the .gdbinit that make qemu-gdb
writes from tools/gdbinit.in) and types README's `(gdb)` lines, exactly as
printed, while `ls` is typed at the console now and then (the shell's fork
makes the copy-on-write faults; ls is the user program README debugs).
Then it checks what a student would look at:

  gdb/breakpoint    `bt` after the first stop: in wp_page(), on the
                    copy-on-write fault path (cow_resolve);
  gdb/locals        `info locals` in wp_page() names its locals, none of
                    them <optimized out>;
  gdb/print         `print *f->pte & 1`: the leaf entry the walk found is
                    valid;
  gdb/user-program  after add-symbol-file of build/<config>/debug/ls and
                    the breakpoints README sets, `bt 1` shows ls's main
                    (argc=1).

tests/run.py runs this for `make check DEBUG=1` (--gdb); standalone it
prints the same PASS/FAIL lines and an "N passed, M failed" line.
GDB_TEST_SHOW=1 prints gdb's whole output.
"""
import os
import re
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
QEMU_CMD = os.path.join(HERE, "..", "tools", "qemu-cmd")
README = os.path.join(HERE, "..", "README.md")
GDBINIT_IN = os.path.join(HERE, "..", "tools", "gdbinit.in")   # make qemu-gdb's .gdbinit
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import machine  # noqa: E402
TIMEOUT = 120
LOCALS = ("tally", "r")   # wp_page()'s
WANT = ("bt", "info locals", "print *f->pte & 1", "bt 1")     # the lines checked


def readme_commands():
    """README's `(gdb) ` lines, in order, without the prompt."""
    with open(README) as f:
        return [m.group(1).rstrip() for m in
                re.finditer(r"(?m)^    \(gdb\) (.*)$", f.read())]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(kernel, fsimg, add, tmpdir):
    """Adds results gdb/NAME through add(kind, name, reason="", tail=None)."""
    readme = readme_commands()
    if any(w not in readme for w in WANT):
        add("FAIL", "gdb/breakpoint", f"README's (gdb) lines {readme} lack one of {WANT}")
        return
    # README names the default DEBUG=1 build; the one under test may differ.
    user_dir = os.path.join(os.path.dirname(kernel), "debug")
    readme = [c.replace("build/cow-debug1/debug", user_dir) for c in readme]
    port = free_port()
    disk = os.path.join(tmpdir, "gdb-fs.img")
    with open(fsimg, "rb") as src, open(disk, "wb") as dst:
        dst.write(src.read())
    qemu = machine.spawn([QEMU_CMD, kernel, disk, "1", "-S", "-gdb", f"tcp:127.0.0.1:{port}"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    # The .gdbinit that make qemu-gdb writes, loaded as README says (-nx -x).
    gdbinit = os.path.join(tmpdir, "gdbinit")
    with open(GDBINIT_IN) as f, open(gdbinit, "w") as out:
        out.write(f.read().replace("@KERNEL@", os.path.abspath(kernel))
                  .replace("@PORT@", str(port)))
    commands = ["set pagination off"]
    for i, c in enumerate(readme):
        commands += [f"echo @@{i}\\n", c]
    commands += [f"echo @@{len(readme)}\\n", "kill"]
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
        argv = ["gdb-multiarch", "-nx", "-batch", "-x", gdbinit]
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
        machine.kill_group(qemu)
    if os.environ.get("GDB_TEST_SHOW"):
        print(out)
    tail = out.rstrip("\n").split("\n")[-25:]
    answers = out.split("\n@@")
    said = {}                       # the first answer to each command
    for i, c in enumerate(readme):
        text = next((a for a in answers if a.startswith(f"{i}\n")), "")
        said.setdefault(c, text.split("\n", 1)[-1])
    bt = said["bt"]
    if re.search(r"(?m)^#0 +wp_page \(", bt) and re.search(r"(?m)^#\d+ .*\bcow_resolve \(", bt):
        add("ok", "gdb/breakpoint")
    else:
        add("FAIL", "gdb/breakpoint", "bt does not show wp_page() called from cow_resolve()",
            tail)
        return
    named = {m.group(1): m.group(2) for m in
             re.finditer(r"(?m)^(\w+) = (.*)$", said["info locals"])}
    missing = [n for n in LOCALS if n not in named]
    hidden = [n for n, v in named.items() if "optimized out" in v]
    if not missing and not hidden:
        add("ok", "gdb/locals")
    else:
        add("FAIL", "gdb/locals", f"info locals: missing {missing}, <optimized out> {hidden}",
            said["info locals"].strip().split("\n"))
    if re.search(r"(?m)^\$\d+ = 1$", said["print *f->pte & 1"]):
        add("ok", "gdb/print")
    else:
        add("FAIL", "gdb/print", "print *f->pte & 1 did not give 1",
            said["print *f->pte & 1"].strip().split("\n"))
    if re.search(r"(?m)^#0 +main \(argc=1, argv=0x[0-9a-f]+\) at user/ls\.c:\d+$",
                 said["bt 1"]):
        add("ok", "gdb/user-program")
    else:
        add("FAIL", "gdb/user-program", "with ls's symbols added, gdb did not stop in "
            "ls's main (argc=1)", tail)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: tests/gdb_test.py KERNEL FSIMG")
    return machine.standalone(lambda add, tmp: run(sys.argv[1], sys.argv[2], add, tmp),
                              "cowbird-gdb-")


if __name__ == "__main__":
    sys.exit(main())
