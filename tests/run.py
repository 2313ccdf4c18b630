#!/usr/bin/env python3
"""Boot the kernel in QEMU, headless, and run every test; report the results.

    python3 tests/run.py --kernel K --fs IMG --cpus N --fork cow|page|copy
                         [--fsck FSCK] [--gdb] [--howto] [--only NAME ...]
                         [--suite FILE] [--only-suite]

Each boot gets a fresh copy of the disk image (in a temporary directory);
the harness talks to QEMU's console through pipes, never the terminal.  The
protocol:

Phase 1, self-tests: boot with `-append selftest`; the kernel prints
`selftest ok NAME` / `selftest FAIL NAME: REASON` and `selftest done`.
Each line is the result `selftest/NAME`.  A panic or a timeout fails.

Phase 2, guest programs: boot normally, wait for the prompt `$ `, note
frames_free from `vmstat`, then for each entry of tests/suite.txt type
    PROGRAM ARGS; echo @@END@@
and read up to the line `@@END@@`.  Every `ok NAME` / `FAIL NAME: REASON` /
`SKIP NAME: REASON` line at the start of a line becomes `PROGRAM/NAME`.  A
program that prints no ok line, prints `panic` (outside its result and `#`
lines), or times out fails, and so does one whose source calls testlib's
finish() but that never printed finish()'s `# finished` line (it was
killed, or exited, before its last checks); after a
kernel panic or a timeout QEMU is killed and a fresh one boots for the next
entry.  An entry
    shell NAME: COMMAND LINE => EXPECTED LINE
    shell NAME: COMMAND LINE =~ REGEX
types the command line and passes if a line of the command's own output
(never the console's echo of the typed line) is EXPECTED LINE exactly, or
matches REGEX as a whole (Python re.fullmatch); trailing blanks of output
lines are ignored.  Several expectations (`=> A => B =~ C`) must match
lines in that order.  An entry
    session NAME
runs the function run(vm, res, run_command) of tests/NAME.py, a scripted
session that types several commands and adds its own results.  Entries
may end in `# timeout=SECONDS` (default 120).  At the end, vmstat must show
the same frames_free as at the start of that boot (`suite/no-frame-leak`;
background jobs get some seconds to finish), `vmstat -c` must say
`refcheck ok` (`suite/refcheck`), and fork_mode must be --fork's.

Before the boots, tests/docs_test.py checks on the host what the docs say
(results docs/NAME: `make help` is complete, the benchmark figures quoted
are README's table).

--fsck FSCK also runs tests/fsck_test.py (fsck names each corruption of a
copy of the image: results fsck/NAME) and, after the suite, FSCK on the
disk copy of the suite's last boot (`suite/fsck`): the file system the
tests leave behind must be consistent.

Before booting, tools/layercheck.py checks that the kernel's layers only
point down (docs/overview.md, "Layers"): result `layers`.

QEMU is driven by tools/machine.py (the driver the crash tests and the
benchmarks use too), through tools/qemu-cmd.

tests/pmap2dot_test.py checks tools/pmap2dot.py on recorded `pmap -a`
output (results pmap2dot/NAME).

--howto (make check, default build) also runs tests/howto_test.py: every
recipe of docs/howto.md followed as written in a scratch copy of the tree
(results howto/NAME), and tests/commands_test.py: every command README
and docs/ print is run as printed or named with the reason it is not
(results commands/NAME; --only commands).

--gdb (make check DEBUG=1) also runs tests/gdb_test.py: gdb stops in the
copy-on-write fault path and shows its locals (results gdb/NAME).

Output: one line per result, `PASS name`, `FAIL name: reason` (followed by
the console's last lines) or `SKIP name: reason`; the last line is
`N passed, M failed[, K skipped]`.  Exit status 1 if anything failed.
"""
import argparse
import importlib
import os
import re
import subprocess
import sys
import tempfile
import time

import commands_test
import docs_test
import fsck_test
import gdb_test
import howto_test
import pmap2dot_test

HERE = os.path.dirname(os.path.abspath(__file__))
LAYERCHECK = os.path.join(HERE, "..", "tools", "layercheck.py")
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from machine import (FLOOD, PANIC_RE, PROMPT_RE, Machine,  # noqa: E402
                     close_all, exit_on_signals, last_lines)
BOOT_TIMEOUT = 60
SELFTEST_TIMEOUT = 60
DEFAULT_TIMEOUT = 120
PANIC_GRACE = 3           # seconds to see whether a `panic` line halted the kernel
LEAK_WAIT = 15            # seconds for background jobs to end before frames are compared
SHELL_LINE_MAX = 100      # user/sh.c refuses longer lines
END = "@@END@@"

PROMPT_ANY_RE = re.compile(r"\$ ")
HALTED_RE = re.compile(r"system halted")
# The marker alone, not the echo of the typed "...; echo @@END@@".
END_RE = re.compile(r"(?<!echo )" + END + r"[ \t]*\n")
RESULT_RE = re.compile(r"(?m)^(ok|FAIL|SKIP) ([^\s:]+):?[ \t]*(.*)$")
SELFTEST_RE = re.compile(r"(?m)^selftest (ok|FAIL) ([^\s:]+):?[ \t]*(.*)$")
SELFTEST_DONE_RE = re.compile(r"(?m)^selftest done")
TIMEOUT_RE = re.compile(r"\s#\s*timeout=(\d+)\s*$")


def ram_scale(mem):
    """How much longer than at 128 MiB the tests may take with mem of RAM
    (MEM=..., as QEMU's -m takes it: 1G, 512M, or MiB): the tests that use
    up all memory do work in proportion to it."""
    m = re.fullmatch(r"(\d+)([MG]?)B?", (mem or "128M").strip().upper())
    if not m:
        return 1
    mib = int(m.group(1)) * (1024 if m.group(2) == "G" else 1)
    return max(1, mib / 128)


RAM_SCALE = ram_scale(os.environ.get("MEM"))
SHELL_RE = re.compile(r"^shell\s+([^\s:]+):\s*(.*?)\s+((?:=>|=~)\s.*?)\s*$")
EXPECT_SPLIT_RE = re.compile(r"(?:^|\s+)(=>|=~)\s+")
SESSION_RE = re.compile(r"^session\s+(\w+)$")


def start_machine(args, tmpdir, append=None):
    """Boots args.kernel on a fresh copy of args.fs (tools/machine.py)."""
    return Machine(args.kernel, args.fs, args.cpus, tmpdir, append=append,
                   qemu=args.qemu_cmd)


class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.seen = {}

    def add(self, kind, name, reason="", tail=None):
        n = self.seen.get(name, 0) + 1
        self.seen[name] = n
        if n > 1:
            name = f"{name}#{n}"
        if kind == "ok":
            self.passed += 1
            print(f"PASS {name}", flush=True)
            return
        if kind == "SKIP":
            self.skipped += 1
            print(f"SKIP {name}: {reason}", flush=True)
            return
        self.failed += 1
        print(f"FAIL {name}: {reason or 'failed'}", flush=True)
        if tail:
            print("    console (last lines):")
            for line in tail:
                print("    | " + (line if len(line) < 200 else line[:200] + "..."))
            sys.stdout.flush()

    def summary(self):
        s = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            s += f", {self.skipped} skipped"
        return s


class Entry:
    def __init__(self, text, label, command, expect, timeout):
        self.text = text          # the line of the suite file, for --only
        self.label = label        # result names start with this
        self.command = command    # typed at the prompt, before "; echo @@END@@"
        self.expect = expect      # shell entries: [("=>", line) or ("=~", regex)...]
        self.timeout = timeout


def parse_suite(path):
    """Reads a suite file; returns the entries and a list of errors."""
    entries, errors = [], []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            timeout = DEFAULT_TIMEOUT
            m = TIMEOUT_RE.search(line)
            if m:
                timeout = int(m.group(1))
                line = line[:m.start()].strip()
            line = re.sub(r"\s#.*$", "", line)
            m = SHELL_RE.match(line)
            session = SESSION_RE.match(line)
            if session:
                e = Entry(line, session.group(1), "", None, timeout)
                e.session = session.group(1)
            elif m:
                parts = EXPECT_SPLIT_RE.split(m.group(3))[1:]
                expect = list(zip(parts[0::2], parts[1::2]))
                e = Entry(line, "shell/" + m.group(1), m.group(2), expect, timeout)
                try:
                    for op, want in expect:
                        if op == "=~":
                            re.compile(want)
                except re.error as err:
                    errors.append(f"{path}:{lineno}: bad pattern: {err}")
                    continue
            elif line.startswith("shell"):
                errors.append(f"{path}:{lineno}: want 'shell NAME: COMMAND => LINE' "
                              "or 'shell NAME: COMMAND =~ REGEX'")
                continue
            else:
                e = Entry(line, line.split()[0], line, None, timeout)
            if len(e.command) + len(f"; echo {END}") > SHELL_LINE_MAX:
                errors.append(f"{path}:{lineno}: command longer than the shell takes")
                continue
            entries.append(e)
    return entries, errors


def entry_names(e):
    """What --only may call an entry: its label (shell/echo, t_fs, tour),
    its first word (t_fs, shell: every shell test) or a shell test's name."""
    return {e.label, e.text.split()[0], e.label.split("/")[-1]}


def run_selftests(args, res, tmpdir):
    print("== self-tests", flush=True)
    vm = start_machine(args, tmpdir, append="selftest")
    try:
        deadline = time.monotonic() + SELFTEST_TIMEOUT
        i, m = vm.expect([SELFTEST_DONE_RE, PANIC_RE, PROMPT_RE], 0, deadline)
        if i == 1:
            vm.expect([HALTED_RE], m.end(), time.monotonic() + PANIC_GRACE)
        count = 0
        for r in SELFTEST_RE.finditer(vm.out):
            res.add(r.group(1), "selftest/" + r.group(2), r.group(3))
            count += 1
        if i == 0 and count == 0:
            res.add("FAIL", "selftest", "'selftest done' without any test", vm.tail())
        elif i == 1:
            res.add("FAIL", "selftest", "kernel panic", vm.tail())
        elif i == 2:
            res.add("FAIL", "selftest", "kernel started the shell instead of the self-tests",
                    vm.tail())
        elif i is None:
            res.add("FAIL", "selftest", boot_failure(m, SELFTEST_TIMEOUT, vm), vm.tail())
    finally:
        vm.close()


def boot_failure(why, timeout, vm):
    if why == "exited":
        return f"QEMU exited with status {vm.proc.wait()}"
    if why == "flood":
        return f"runaway console output (over {FLOOD >> 20} MB)"
    return f"timed out after {timeout} s"


def boot_to_shell(args, res, tmpdir):
    """Boots and waits for the prompt; returns the Machine, or None."""
    vm = start_machine(args, tmpdir)
    i, m = vm.expect([PROMPT_RE, PANIC_RE], 0, time.monotonic() + BOOT_TIMEOUT)
    if i == 0:
        vm.baseline = vmstat(vm)    # the counters at the start of this boot
        if vm.baseline is not None:
            return vm
        why = "the first vmstat did not finish"
    elif i == 1:
        vm.expect([HALTED_RE], m.end(), time.monotonic() + PANIC_GRACE)
        why = "kernel panic while booting"
    else:
        why = "no shell prompt: " + boot_failure(m, BOOT_TIMEOUT, vm)
    res.add("FAIL", "suite/boot", why, vm.tail())
    vm.close()
    return None


def run_command(vm, command, timeout):
    """Types command at the prompt; returns (output, problem).

    problem is None, or why the kernel is no longer usable ("kernel panic",
    "timed out", ...); output is what the command printed before @@END@@,
    without the echo of the typed line."""
    start = len(vm.out)
    typed = f"{command}; echo {END}"
    vm.type(typed)
    deadline = time.monotonic() + timeout
    i, m = vm.expect([END_RE, PANIC_RE], start, deadline)
    if i == 1:
        # A user program may print "panic:"; a halted kernel prints nothing more.
        i, m = vm.expect([END_RE], start, min(deadline, time.monotonic() + PANIC_GRACE))
        if i is None and m == "timeout":
            m = "panic"
    if i is None:
        problem = "kernel panic" if m == "panic" else boot_failure(m, timeout, vm)
        return strip_echo(vm.out[start:], typed), problem
    output = strip_echo(vm.out[start:m.start()], typed)
    # Wait for the next prompt so the next line is typed to the shell.
    vm.expect([PROMPT_ANY_RE], m.end(), time.monotonic() + 10)
    return output, None


def strip_echo(output, typed):
    """Removes the console's echo of the typed line from the output."""
    if typed + "\n" in output:
        return output.replace(typed + "\n", "", 1)
    return output.replace(typed, "", 1)


def vmstat(vm, flag=""):
    """Runs vmstat; returns its "name value" lines as a dict (or None)."""
    out, problem = run_command(vm, ("vmstat " + flag).strip(), 30)
    if problem:
        return None
    stats = {}
    for line in out.split("\n"):
        parts = line.split()
        if len(parts) >= 2:
            stats[" ".join(parts[:-1])] = parts[-1]
    return stats


def run_entry(vm, entry, res):
    """Runs one suite entry; returns False if the machine must be rebooted."""
    if getattr(entry, "session", None):
        return importlib.import_module(entry.session).run(vm, res, run_command)
    out, problem = run_command(vm, entry.command, entry.timeout)
    lines = out.split("\n")
    if entry.expect is not None:
        if problem:
            res.add("FAIL", entry.label, problem, vm.tail())
        else:
            missing = unmatched(lines, entry.expect)
            if missing is None:
                res.add("ok", entry.label)
            else:
                op, want = missing
                what = "a line" if op == "=>" else "a line matching"
                res.add("FAIL", entry.label, f"expected {what} {want!r} in the output"
                        + (" (after the lines matched before it)"
                           if missing != entry.expect[0] else ""), last_lines(out))
        return problem is None
    results = list(RESULT_RE.finditer(out))
    for r in results:
        res.add(r.group(1), f"{entry.label}/{r.group(2)}", r.group(3))
    # '#' lines are the programs' own comments (tests/guest/testlib.h).
    others = [l for l in lines if not RESULT_RE.match(l) and not l.startswith("#")]
    if problem:
        res.add("FAIL", entry.label, problem, vm.tail())
    elif any(re.search(r"\bpanic\b", l) for l in others):
        res.add("FAIL", entry.label, "output contains 'panic'", last_lines(out))
    elif not any(r.group(1) == "ok" for r in results):
        res.add("FAIL", entry.label, "printed no 'ok' line", last_lines(out))
    elif calls_finish(entry.label) and not any(l.startswith("# finished") for l in lines):
        res.add("FAIL", entry.label, "ended before finish(): killed, or exited early",
                last_lines(out))
    return problem is None


def calls_finish(program):
    """Does tests/guest/PROGRAM.c end through testlib's finish()?"""
    try:
        with open(os.path.join(HERE, "guest", program + ".c")) as f:
            return "finish()" in f.read()
    except OSError:
        return False


def unmatched(lines, expect):
    """Matches the expectations against the lines, in order (see the
    docstring); returns the first that no line matched, or None."""
    i = 0
    for op, want in expect:
        while i < len(lines):
            line = lines[i].rstrip()
            i += 1
            if line == want if op == "=>" else re.fullmatch(want, line):
                break
        else:
            return (op, want)
    return None


def free_or_cached(st):
    """Frames free, or held only by the page cache (which gives them back
    when memory runs short): what a leak would lower."""
    if st is None or "frames_free" not in st:
        return None
    return str(int(st["frames_free"]) + int(st.get("pcache_pages", 0)))


def check_memory(vm, res, fork, prefix="suite"):
    """After the entries: frames back, reference counts right, right kernel."""
    start = dict(vm.baseline or {})
    give_up = time.monotonic() + LEAK_WAIT
    if "frames_free" in start:
        start["frames_free"] = free_or_cached(start)
    while True:
        end = vmstat(vm, "-c")
        if end is not None and "frames_free" not in end:
            end.update(vmstat(vm) or {})     # -c may print only the check
        if end is not None and "frames_free" in end:
            end["frames_free"] = free_or_cached(end)
        if end is None or end.get("frames_free") == start.get("frames_free") \
                or time.monotonic() > give_up:
            break
        time.sleep(1)     # a background job may still be finishing
    if end is None:
        res.add("FAIL", f"{prefix}/refcheck", "vmstat did not finish", vm.tail())
        return
    if "frames_free" not in start:
        res.add("FAIL", f"{prefix}/no-frame-leak", "vmstat printed no frames_free at the start")
    elif "frames_free" not in end:
        res.add("FAIL", f"{prefix}/no-frame-leak", "vmstat printed no frames_free at the end")
    elif end["frames_free"] != start["frames_free"]:
        res.add("FAIL", f"{prefix}/no-frame-leak",
                f"frames_free {start['frames_free']} at the start, "
                f"{end['frames_free']} at the end")
    else:
        res.add("ok", f"{prefix}/no-frame-leak")
    if end.get("refcheck") == "ok":
        res.add("ok", f"{prefix}/refcheck")
    else:
        res.add("FAIL", f"{prefix}/refcheck", "no 'refcheck ok' from vmstat -c", vm.tail())
    if prefix != "suite":
        return
    mode = start.get("fork_mode", "(not printed)")
    if mode == fork:
        res.add("ok", "suite/fork-mode")
    else:
        res.add("FAIL", "suite/fork-mode", f"vmstat says fork_mode {mode}, wanted {fork}")


INIT_RETRY_RE = re.compile(r"(?m)^init: cannot start sh: .*; retrying$")
HOG_DONE_RE = re.compile(r"t_hog: released")


def run_init_test(args, res, tmpdir):
    """init never exits: with every process slot and all memory held by
    t_hog, end the shell (^D).  init cannot start a new one; it must say so
    once, wait, and start one when t_hog lets go; nothing may leak.

    The dying shell's frames are free for a moment before t_hog takes them
    again; if init's fork and exec win that race, a new shell starts while
    t_hog still holds.  That is the scenario not reached, not a failure of
    init: end that shell too and try again, a few times."""
    print("== init", flush=True)
    vm = boot_to_shell(args, res, tmpdir)
    if vm is None:
        return
    try:
        start = len(vm.out)
        vm.type("t_hog 300 &")
        i, m = vm.expect([re.compile(r"t_hog: holding \d+ processes"), PANIC_RE], start,
                         time.monotonic() + 30 * RAM_SCALE)
        if i != 0:
            res.add("FAIL", "init/hog", "t_hog did not start holding", vm.tail())
            return
        why = None
        for _ in range(5):
            vm.send(b"\x04")    # ^D: the shell reads end of input and exits
            i, m = vm.expect([INIT_RETRY_RE, PROMPT_RE, HOG_DONE_RE, PANIC_RE], m.end(),
                             time.monotonic() + 60)
            if i != 1:
                break
        if i == 1:
            why = "a new shell started each of 5 times while t_hog held everything"
        elif i == 2:
            why = "t_hog let go before init ever failed to start a shell"
        elif i != 0:
            why = "init did not say it cannot start sh" + (" (kernel panic)" if i == 3 else "")
        if why is None:
            i, m = vm.expect([HOG_DONE_RE, PANIC_RE], m.end(), time.monotonic() + 60)
            if i == 0:
                i, m = vm.expect([PROMPT_RE, PANIC_RE], m.end(), time.monotonic() + 30)
            if i != 0:
                why = "no new shell after t_hog let go" + (" (kernel panic)" if i == 1 else "")
        if why is not None:
            res.add("FAIL", "init/retry", why, vm.tail())
            return
        said = len(INIT_RETRY_RE.findall(vm.out, start))
        if said == 1:
            res.add("ok", "init/retry")
        else:
            res.add("FAIL", "init/retry", f"init said it cannot start sh {said} times, "
                    "want once", vm.tail())
        out, problem = run_command(vm, "echo alive", 30)
        if problem is None and "alive" in out.split("\n"):
            res.add("ok", "init/new-shell")
        else:
            res.add("FAIL", "init/new-shell", problem or "echo in the new shell failed",
                    vm.tail())
            return
        check_memory(vm, res, args.fork, prefix="init")
    finally:
        vm.close()


def check_disk(fsck, disk, res):
    """fsck on a disk copy after its machine has stopped."""
    p = subprocess.run([fsck, disk], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode == 0:
        res.add("ok", "suite/fsck")
    else:
        res.add("FAIL", "suite/fsck", f"fsck exit {p.returncode} on the disk the suite left",
                last_lines(p.stdout))


def check_layers(res):
    """tools/layercheck.py prints `ok layers` or one `FAIL layers: WHY` per problem."""
    print("== layers", flush=True)
    p = subprocess.run([sys.executable, LAYERCHECK], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    problems = [line[len("FAIL layers: "):] for line in p.stdout.splitlines()
                if line.startswith("FAIL layers: ")]
    if p.returncode == 0 and "ok layers" in p.stdout.splitlines():
        res.add("ok", "layers")
    else:
        res.add("FAIL", "layers", "; ".join(problems) or f"layercheck exit {p.returncode}")


def run_suite(args, res, tmpdir, entries):
    print("== guest programs", flush=True)
    vm = None
    try:
        for n, entry in enumerate(entries):
            if vm is None:
                vm = boot_to_shell(args, res, tmpdir)
                if vm is None:
                    res.add("FAIL", "suite/not-run",
                            f"{len(entries) - n} entries not run: no shell")
                    return
            if not run_entry(vm, entry, res):
                vm.close()
                vm = None
        if vm is None:
            vm = boot_to_shell(args, res, tmpdir)
        if vm is not None:
            check_memory(vm, res, args.fork)
            if args.fsck:
                vm.close()      # idle at the prompt: nothing is half-written
                check_disk(args.fsck, vm.disk, res)
    finally:
        if vm is not None:
            vm.close()


def main():
    ap = argparse.ArgumentParser(description="Run the kernel's tests in QEMU.")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--fs", required=True)
    ap.add_argument("--cpus", type=int, default=3)
    ap.add_argument("--fork", choices=["cow", "page", "copy"], default="cow")
    ap.add_argument("--fsck", metavar="FSCK", help="test fsck, and check the disk after the suite")
    ap.add_argument("--gdb", action="store_true",
                    help="check that gdb shows a DEBUG=1 kernel's locals (tests/gdb_test.py)")
    ap.add_argument("--howto", action="store_true",
                    help="follow docs/howto.md in a scratch tree (tests/howto_test.py)")
    ap.add_argument("--only", metavar="NAME", action="append",
                    help="run only 'layers', 'selftest', 'fsck', 'init', 'docs', 'gdb', 'pmap2dot', "
                    "'howto', 'commands', or the suite entries of this program, shell test or session "
                    "(may be given several times)")
    ap.add_argument("--max-timeout", type=int, metavar="SECONDS",
                    help="cap every entry's timeout (tools/mutants.py: a hang fails sooner)")
    ap.add_argument("--suite", help="a suite file other than tests/suite.txt")
    ap.add_argument("--only-suite", action="store_true",
                    help="only the suite's entries (no self-tests, fsck tests or init test)")
    ap.add_argument("--qemu-cmd", help=argparse.SUPPRESS)  # for testing the harness
    args = ap.parse_args()

    res = Results()
    suite = args.suite or os.path.join(HERE, "suite.txt")
    entries = []
    for path in (args.kernel, args.fs):
        if not os.path.isfile(path):
            res.add("FAIL", "setup", f"{path} does not exist")
    if os.path.exists(suite):
        entries, errors = parse_suite(suite)
        for e in errors:
            res.add("FAIL", "suite/parse", e)
    else:
        res.add("FAIL", "suite/parse", f"{suite} does not exist")
    for e in entries:
        e.timeout = int(e.timeout * RAM_SCALE)
    if args.max_timeout:
        for e in entries:
            e.timeout = min(e.timeout, args.max_timeout)
    only = set(args.only or [])
    if only:
        entries = [e for e in entries if only & entry_names(e)]
        found = {n for e in entries for n in entry_names(e)}
        phase_names = {"layers", "selftest", "fsck", "init", "docs", "gdb", "pmap2dot", "howto",
                       "commands"}
        for name in sorted(only - found - phase_names):
            res.add("FAIL", "setup", f"no suite entry named {name}")

    exit_on_signals()           # Ctrl-C even in a background job, SIGTERM, SIGHUP
    try:
        with tempfile.TemporaryDirectory(prefix="cowbird-test-") as tmpdir:
            if res.failed == 0:
                phases = not args.only_suite
                if phases and (not only or "layers" in only):
                    check_layers(res)
                if phases and (not only or "docs" in only):
                    print("== docs", flush=True)
                    docs_test.run(res.add)
                if args.fsck and phases and (not only or "fsck" in only):
                    print("== fsck", flush=True)
                    fsck_test.run(args.fsck, args.fs, res.add)
                if phases and (not only or "pmap2dot" in only):
                    print("== pmap2dot", flush=True)
                    pmap2dot_test.run(res.add)
                if args.howto and phases and (not only or "howto" in only):
                    print("== howto", flush=True)
                    howto_test.run(res.add, tmpdir)
                if args.howto and phases and (not only or "commands" in only):
                    print("== commands", flush=True)
                    commands_test.run(res.add, tmpdir)
                if args.gdb and phases and (not only or "gdb" in only):
                    print("== gdb", flush=True)
                    gdb_test.run(args.kernel, args.fs, res.add, tmpdir)
                if phases and (not only or "selftest" in only):
                    run_selftests(args, res, tmpdir)
                if phases and (not only or "init" in only):
                    run_init_test(args, res, tmpdir)
                if entries:
                    run_suite(args, res, tmpdir, entries)
    except KeyboardInterrupt:
        print("\ninterrupted")
        res.failed += 1
    finally:
        close_all()
    print(res.summary(), flush=True)
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
