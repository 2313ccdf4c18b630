#!/usr/bin/env python3
"""The commands README.md and docs/*.md print for a user to copy, checked.

    python3 tests/commands_test.py [--listed]

A command is an indented line of a code block that starts with `make`,
`tools/`, `python3` or `gdb-multiarch` (after an optional `$ `; a trailing
`# comment` dropped, `\\` continuations joined), or such a command quoted
inline in backquotes.  Every one must be a key of COMMANDS, which says how
it is checked: run here as printed (RUN), run as printed by another test
or CI step (named), or not run (and why).  A command the docs print that
COMMANDS does not know, or one COMMANDS knows that no doc prints any more,
fails `commands/listed`.  docs/howto.md is left out: tests/howto_test.py
runs each of its commands.  The `$ ` lines of docs/tour.md are typed at
cowbird's shell by tests/tour.py.

The RUN commands run in a scratch copy of the tree (the tracked files and
build/cow, as tests/howto_test.py makes it), since `make qemu` writes to
the disk image and `make tour-pics` to docs/img: results commands/NAME.
A `make qemu` is booted with the console on pipes: the banner and the
prompt must come, the typed lines must answer, and Ctrl-A x (README's way
to quit) must end QEMU with status 0.  tests/run.py runs this for make
check on the default build (--howto), whose paths the docs print.
"""
import glob
import os
import re
import select
import signal
import subprocess
import sys
import time

import howto_test
import machine  # tools/machine.py, on the path howto_test sets

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
HOST_RE = re.compile(r"^(make( |$)|tools/\S|python3 \S|gdb-multiarch )")
INLINE_RE = re.compile(r"`([^`]+)`")
# make's knobs (make help's list), none of which a printed command inherits.
KNOBS = ("CPUS", "FORK", "DEBUG", "EXTRA_PROGS", "ONLY", "MUTANT", "MUTANT_SAMPLE",
         "CRASH_SEED", "BENCH_MODES", "WORKLOAD", "HOSTCC", "V", "SBI", "MEM")
BANNER_RE = r"cowbird: \d+ harts? up"
PROMPT = "\n$ "
README_HELLO = os.path.join("build", "cow", "readme", "hello.c")
CI = "CI (.ci/run) runs it"


def boot(*typed):
    """A `make qemu ...` check: booted to the prompt, then each (line typed,
    regex its answer must match), then Ctrl-A x."""
    return ("boot", list(typed))


def check(regex, stdin=None, before=None):
    """A command run to its end: exit 0, and regex found in its output.
    before(tree) prepares the scratch tree."""
    return ("run", regex, stdin, before)


def backtrace_input(tree):
    nm = subprocess.run(["riscv64-unknown-elf-nm", "build/cow/kernel.elf"], cwd=tree,
                        stdout=subprocess.PIPE, text=True).stdout
    kmain = int(re.search(r"(?m)^([0-9a-f]+) T kmain$", nm).group(1), 16)
    return f"panic: made up\nbacktrace (make backtrace turns these into file:line):\n" \
        f"  {kmain + 4:#018x}\n"


def extra_prog(tree):
    """README's path/to/prog.c, with README's example program in it."""
    os.makedirs(os.path.join(tree, "path", "to"), exist_ok=True)
    with open(os.path.join(tree, README_HELLO)) as f, \
            open(os.path.join(tree, "path", "to", "prog.c"), "w") as out:
        out.write(f.read())


def pmap_input(tree):
    with open(os.path.join(tree, "tests", "data", "pmap-after-fork.txt")) as f:
        return f.read()


CHECK_ONE = check(r"(?m)^\d+ passed, 0 failed$")
COMMANDS = {
    # Run here, as printed.
    "make qemu": boot(("echo hi > f; cat f; rm f", r"(?m)^hi$")),
    "make qemu MEM=1G": boot(("vmstat", r"(?m)^ram_mib 1024$")),
    "make qemu EXTRA_PROGS=path/to/prog.c": ("boot", [("prog", r"hello from pid \d+")],
                                              extra_prog),
    "make tour-pics": check(r"PICS +docs/img/tour-writes.png"),
    "make check ONLY=t_pipe": CHECK_ONE,
    "make check ONLY=pipe3,conwrite,selftest": CHECK_ONE,
    "python3 tests/run.py --kernel build/cow/kernel.elf --fs build/cow/fs.img --cpus 3 "
    "--fork cow --fsck build/cow/fsck --only t_pipe": CHECK_ONE,
    "make backtrace": check(r"kernel/main\.c:\d+ kmain", stdin=backtrace_input),
    "python3 tools/layercheck.py --graph": check(r"(?m)^# down mm -> lib: \d+$"),
    "python3 tools/pmap2dot.py --png out.png": check("", stdin=pmap_input),
    "tools/mutants.py --help": check(r"usage: "),
    # Run as printed elsewhere.
    "make": "make check builds it first (its prerequisite `all`)",
    "make check": "this is make check",
    "make help": "docs/make-help",
    "make check FORK=copy": CI,
    "make check FORK=page": CI,
    "make check CPUS=1": CI,
    "make check DEBUG=1": CI,
    "make check SBI=1": CI,
    "make crashtest": CI,
    "make faulttest": CI,
    "make lint": CI,
    "make format-check": CI,
    "make modelcheck": CI,
    "make mutants MUTANT_SAMPLE=4": CI,
    "make FORK=copy": "CI's make check FORK=copy builds it",
    "make FORK=page": "CI's make check FORK=page builds it",
    "make SBI=1": "CI's make check SBI=1 builds it",
    # Not run, and why.
    "make FORK=...": "a placeholder",
    "make check ONLY=...": "a placeholder",
    "make mutants MUTANT=NAME": "a placeholder (tests/howto_test.py runs one named mutant)",
    "tools/crashtest.py --only-reordered": "names the mode tools/mutants.py runs, with the "
    "kernel arguments it adds",
    "make mutants": "about 25 minutes; CI runs every fourth mutant and checks all apply",
    "make stress": "an hour or more",
    "make bench": "minutes; a benchmark, not a test",
    'make bench BENCH_MODES="cow"': "minutes; a benchmark, not a test",
    "make profile": "minutes; a measurement, not a test",
    "make profile FORK=page WORKLOAD=write": "minutes; a measurement, not a test",
    "make profile WORKLOAD=crowd": "minutes; a measurement, not a test",
    "make profile WORKLOAD=exec": "minutes; a measurement, not a test",
    "make profile WORKLOAD=pipe": "minutes; a measurement, not a test",
    "make format": "rewrites the tree; make format-check (CI) is the same tool without --fix",
    "tools/modelcheck -DMAXOPS=3": "a shorter search than make modelcheck, which CI runs",
    "tools/need-tools gnuplot": "installs a package; make bench runs it",
    "make qemu FORK=copy": "a build of its own (a minute); CI's make check FORK=copy boots it",
    "make qemu FORK=page": "a build of its own (a minute); CI's make check FORK=page boots it",
    "make qemu SBI=1": "a build of its own (a minute); CI's make check SBI=1 boots it",
    "make SBI=1 && tools/qemu-cmd build/cow-sbi/kernel.elf build/cow-sbi/fs.img 3 -cpu "
    "rv64,sstc=off": "a build of its own; CI's make check SBI=1 boots it with this -cpu",
    "make qemu-gdb DEBUG=1 CPUS=1": "waits for gdb; make check DEBUG=1 (CI) boots the same "
    "gdb stub and types README's (gdb) lines",
    "make qemu-gdb": "as make qemu-gdb DEBUG=1 CPUS=1",
    "gdb-multiarch -nx -x .gdbinit": "interactive; make check DEBUG=1 (CI) starts gdb so, "
    "with the .gdbinit make qemu-gdb writes",
}


def doc_files():
    files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs",
                                                                              "*.md")))
    return [f for f in files if os.path.basename(f) != "howto.md"]


def printed(text):
    """The commands a doc's text prints: {command: first line number}."""
    found = {}
    lines = text.split("\n")
    prose = []
    i = 0
    while i < len(lines):
        line, at = lines[i], i + 1
        if not line.startswith("    "):
            prose.append((at, line))
            i += 1
            continue
        command = line.strip()
        command = command[2:] if command.startswith("$ ") else command
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1].rstrip() + " " + lines[i].strip()
        command = re.sub(r"\s+#.*$", "", command).strip()
        if HOST_RE.match(command):
            found.setdefault(command, at)
        prose.append((at, ""))
        i += 1
    # Inline commands may wrap: read each paragraph with its lines joined.
    paragraph = []
    for at, line in prose + [(0, "")]:
        if line.strip():
            paragraph.append((at, line))
            continue
        text = " ".join(l for _, l in paragraph)
        for m in INLINE_RE.finditer(text):
            command = " ".join(m.group(1).split())
            if HOST_RE.match(command) and (command.startswith("make") or " " in command):
                found.setdefault(command, paragraph[0][0])
        paragraph = []
    return found


def check_listed(add):
    where = {}
    for path in doc_files():
        with open(path) as f:
            for command, at in printed(f.read()).items():
                where.setdefault(command, f"{os.path.relpath(path, ROOT)}:{at}")
    unknown = [f"{where[c]}: {c}" for c in where if c not in COMMANDS]
    stale = [c for c in COMMANDS if c not in where]
    if unknown or stale:
        add("FAIL", "commands/listed", "; ".join(
            (["not in tests/commands_test.py's COMMANDS: " + ", ".join(unknown)] if unknown
             else []) + (["printed by no doc: " + ", ".join(stale)] if stale else [])))
    else:
        add("ok", "commands/listed")


def name_of(command):
    return "commands/" + re.sub(r"[^A-Za-z0-9=.,_-]+", "-", command)[:60].strip("-")


def run_boot(tree, env, command, typed, timeout=180):
    """(problem or None, output) of booting `command`, typing, quitting."""
    # A session of its own, so that a failure stops make's QEMU too (a QEMU
    # left running would hold the disk image's lock against the next boot).
    p = machine.spawn(["bash", "-c", command], death_signal=signal.SIGTERM, cwd=tree, env=env,
                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""

    def wait_for(regex, seconds, start=0):
        nonlocal out
        deadline = time.monotonic() + seconds
        while not re.search(regex, out[start:].decode(errors="replace")):
            left = deadline - time.monotonic()
            if left <= 0 or p.poll() is not None and not select.select([p.stdout], [], [], 0)[0]:
                return False
            if select.select([p.stdout], [], [], min(left, 1))[0]:
                data = os.read(p.stdout.fileno(), 65536)
                if not data and p.poll() is not None:
                    return False
                out += data
        return True

    try:
        if not wait_for(BANNER_RE, timeout):
            return "no banner", out
        if not wait_for(re.escape(PROMPT), 60):
            return "no shell prompt", out
        for line, regex in typed:
            start = len(out)
            p.stdin.write(line.encode() + b"\n")
            p.stdin.flush()
            if not wait_for(regex, 60, start) or not wait_for(re.escape(PROMPT), 60, start):
                return f"{line!r} did not answer {regex!r}", out
        p.stdin.write(b"\x01x")   # README: quit with Ctrl-A x
        p.stdin.flush()
        try:
            status = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            return "Ctrl-A x did not quit QEMU", out
        out += p.stdout.read()
        return (None if status == 0 else f"exit status {status} after Ctrl-A x"), out
    finally:
        machine.kill_group(p)
        for f in (p.stdin, p.stdout):
            f.close()


def run_one(tree, env, command, how):
    """None, or why the command as printed failed; and its output's tail."""
    before = how[2] if how[0] == "boot" and len(how) > 2 else how[3] if how[0] == "run" else None
    if before:
        before(tree)
    if how[0] == "boot":
        problem, out = run_boot(tree, env, command, how[1])
        return problem, out.decode(errors="replace")
    _, regex, stdin, _ = how
    status, output = machine.run_group(["bash", "-c", command], timeout=300, cwd=tree, env=env,
                                       input=stdin(tree) if stdin else "")
    if status is None:
        return "timed out", output
    if status != 0:
        return f"exit status {status}", output
    if not re.search(regex, output):
        return f"did not print {regex!r}", output
    if command.startswith("python3 tools/pmap2dot.py") and \
            not os.path.getsize(os.path.join(tree, "out.png")):
        return "wrote no out.png", output
    return None, output


def run(add, tmpdir):
    check_listed(add)
    tree = os.path.join(tmpdir, "commands-tree")
    howto_test.copy_tree(tree)
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)      # a fresh make, not part of the caller's
    env.pop("MAKELEVEL", None)
    # make puts its command line's knobs (make check CPUS=1 ...) in its
    # recipes' environment: the commands run as a user types them, without.
    for knob in KNOBS:
        env.pop(knob, None)
    for command, how in COMMANDS.items():
        if isinstance(how, str):
            continue
        problem, output = run_one(tree, env, command, how)
        if problem:
            add("FAIL", name_of(command), f"`{command}`: {problem}",
                output.rstrip("\n").split("\n")[-20:])
        else:
            add("ok", name_of(command))


def main():
    if sys.argv[1:] == ["--listed"]:   # only the list, quickly
        return machine.standalone(lambda add, _: check_listed(add), "cowbird-commands-")
    return machine.standalone(run, "cowbird-commands-")


if __name__ == "__main__":
    sys.exit(main())
