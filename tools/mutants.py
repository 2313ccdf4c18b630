#!/usr/bin/env python3
"""Mutation testing: prove that the tests fail when what they test is broken.

    python3 tools/mutants.py [--fork cow|page|copy] [--debug 0|1]
                             [--mutants FILE] [--only NAME ...] [--keep]
                             [--no-expect]

(`make mutants` runs it with the make line's FORK and DEBUG.)

1. The tracked files of the tree (`git ls-files`, as they are in the
   working tree) are copied into a scratch directory and built there once
   with the Makefile.  The suite entries that the mutants name, and every
   shell test, are run on that clean build first: they must pass, or no
   mutant result would mean anything (`baseline`).
2. Each mutant of tests/mutants.txt (format described at its top) replaces
   its original snippet, which must occur exactly once in its file (a
   stale entry fails loudly, it never passes); the tree is rebuilt (make
   rebuilds only what changed) and tests/run.py runs each entry the
   mutant names, on one hart unless the mutant says otherwise, stopping at
   its first failure (the entry `crashtest` instead runs the reordered
   crashes of tools/crashtest.py, which no suite entry can see: a lost
   flush).  The mutant is CAUGHT if every one of those runs
   fails (any FAIL, a panic, a timeout) and SURVIVED if one passes.  The original is put back before the next mutant.
3. Every `shell` test of tests/suite.txt is run once more for each of its
   expectations, with that expectation altered by one character: each
   altered test must fail, or the expectation cannot fail (as `ls console
   => console` once matched the echo of the command line).

Prints one line per mutant and per altered expectation, then
"N mutants, N caught, M survived" and "N expectations, N fail when altered,
M do not", and last the usual "N passed, M failed" line: a survivor, a stale
or unbuildable mutant, an expectation that cannot fail and a failed
baseline are failures.  A Markdown table of the mutants' results goes to
build/mutants-FORK.md (docs/testing.md carries the last one).
"""
import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import run as runner      # tests/run.py: the suite parser  # noqa: E402
import machine            # tools/machine.py: children that die with this one  # noqa: E402

SUITE = os.path.join(ROOT, "tests", "suite.txt")   # the scratch tree's, once copied
RUN_SLACK = 300           # seconds on top of the entries' own timeouts
MUTANT_TIMEOUT = 90       # cap of an entry's timeout under a mutant: a hang is a catch
CRASHTEST = "crashtest"   # the caught-by entry that runs tools/crashtest.py --only-reordered
CRASHTEST_TIMEOUT = 900
FAIL_LINE_RE = re.compile(r"^FAIL (\S+?):")


class Mutant:
    def __init__(self, name, lineno):
        self.name = name
        self.lineno = lineno
        self.file = None
        self.breaks = ""
        self.caught_by = []
        self.cpus = 1
        self.forks = None         # None: every mode
        self.old = []
        self.new = []


def parse_mutants(path):
    """Reads the mutants file; returns (mutants, errors)."""
    mutants, errors, m = [], [], None
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            where = f"{path}:{lineno}"
            if line.startswith("#") or (not line.strip() and m is None):
                continue
            if line.startswith("["):
                name = line.strip()[1:-1]
                if not line.strip().endswith("]") or not re.fullmatch(r"[\w.-]+", name):
                    errors.append(f"{where}: want [NAME]")
                    continue
                m = Mutant(name, lineno)
                mutants.append(m)
                continue
            if not line.strip():
                continue
            if m is None:
                errors.append(f"{where}: text before the first [NAME]")
                continue
            if line[0] == "-":
                m.old.append(line[1:])
            elif line[0] == "+":
                m.new.append(line[1:])
            elif ":" in line:
                key, value = (s.strip() for s in line.split(":", 1))
                if key == "file":
                    m.file = value
                elif key == "breaks":
                    m.breaks = value
                elif key == "caught-by":
                    m.caught_by = value.split()
                elif key == "cpus":
                    m.cpus = int(value)
                elif key == "fork":
                    m.forks = value.split()
                else:
                    errors.append(f"{where}: unknown key {key!r}")
            else:
                errors.append(f"{where}: want KEY: VALUE, -ORIGINAL or +REPLACEMENT")
    seen = set()
    for m in mutants:
        if m.name in seen:
            errors.append(f"{path}:{m.lineno}: mutant {m.name} twice")
        seen.add(m.name)
        for what, ok in (("file", m.file), ("breaks", m.breaks),
                         ("caught-by", m.caught_by), ("an original line", m.old)):
            if not ok:
                errors.append(f"{path}:{m.lineno}: mutant {m.name} has no {what}")
    return mutants, errors


def copy_tree(dst):
    """Copies the tracked files, as they are in the working tree, to dst."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           stdout=subprocess.PIPE).stdout.decode().split("\0")
    for name in files:
        if not name or not os.path.exists(os.path.join(ROOT, name)):
            continue
        os.makedirs(os.path.join(dst, os.path.dirname(name)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), os.path.join(dst, name))


class Tree:
    """The scratch copy: builds and runs there."""

    def __init__(self, path, args):
        self.path = path
        self.args = args
        self.bdir = os.path.join(path, "build", args.fork +
                                 (f"-debug{args.debug}" if args.debug else ""))

    def build(self):
        """Returns (ok, the build's last lines)."""
        cmd = ["make", "-j2", f"FORK={self.args.fork}", "all",
               os.path.relpath(os.path.join(self.bdir, "fsck"), self.path)]
        if self.args.debug:
            cmd.append(f"DEBUG={self.args.debug}")
        # make and its compilers stop with this process, before the
        # scratch tree goes.
        status, out = machine.run_group(cmd, cwd=self.path)
        return status == 0, out.rstrip("\n").split("\n")[-12:]

    def run(self, names, cpus, timeout, suite=None, first_fail=False, max_timeout=None):
        """Runs tests/run.py on the build; returns (ok, its output).  With
        first_fail, stops it at its first FAIL line (the run has failed)."""
        cmd = [sys.executable, os.path.join(self.path, "tests", "run.py"),
               "--kernel", os.path.join(self.bdir, "kernel.elf"),
               "--fs", os.path.join(self.bdir, "fs.img"),
               "--cpus", str(cpus), "--fork", self.args.fork,
               "--fsck", os.path.join(self.bdir, "fsck")]
        if suite:
            cmd += ["--suite", suite, "--only-suite"]
        if max_timeout:
            cmd += ["--max-timeout", str(max_timeout)]
        for n in names:
            cmd += ["--only", n]
        return self.watch(cmd, timeout, first_fail)

    def crashtest(self, timeout, first_fail=False):
        """Runs the reordered crashes of tools/crashtest.py on the build."""
        cmd = [sys.executable, os.path.join(self.path, "tools", "crashtest.py"),
               "--kernel", os.path.join(self.bdir, "kernel.elf"),
               "--fs", os.path.join(self.bdir, "fs.img"),
               "--fsck", os.path.join(self.bdir, "fsck"), "--cpus", "1",
               "--only-reordered"]
        return self.watch(cmd, timeout, first_fail)

    def watch(self, cmd, timeout, first_fail):
        """Runs cmd (a test driver) in the tree; returns (ok, its output)."""
        # A session of its own, told (SIGTERM) when this process dies, even
        # by SIGKILL: it then stops its QEMUs and removes its files.
        p = machine.spawn(cmd, death_signal=signal.SIGTERM, cwd=self.path,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        data, why = b"", None
        try:
            while why is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    why = f"(tests/run.py still running after {timeout} s)"
                    break
                ready, _, _ = select.select([p.stdout], [], [], left)
                if not ready:
                    continue
                chunk = os.read(p.stdout.fileno(), 1 << 16)
                if not chunk:
                    break
                data += chunk
                if first_fail and re.search(rb"(?m)^FAIL ", data):
                    why = "(stopped at the first failure)"
        finally:
            machine.kill_group(p, signal.SIGTERM)
            p.stdout.close()
        out = data.decode(errors="replace")
        if why:
            out += "\n" + why
        return why is None and p.returncode == 0, out


def entry_timeouts(names):
    """The sum of the suite timeouts of the entries names select (a guess
    for selftest, fsck and init)."""
    entries, _ = runner.parse_suite(SUITE)
    total = 0
    for n in names:
        if n in ("selftest", "fsck", "init"):
            total += 120
        total += sum(e.timeout for e in entries if n in (e.label, e.text.split()[0]))
    return total + RUN_SLACK


def failures(out):
    """The names of the failed results in a run's output."""
    return [m.group(1) for m in map(FAIL_LINE_RE.match, out.split("\n")) if m]


def stale_reason(root, m):
    """Why mutant m no longer applies to the tree at root, or None."""
    path = os.path.join(root, m.file)
    if not os.path.exists(path):
        return f"{m.file} does not exist"
    with open(path) as f:
        count = f.read().count("\n".join(m.old) + "\n")
    if count != 1:
        return f"the original snippet occurs {count} times in {m.file}, not once"
    return None


def run_mutant(tree, m):
    """Applies, builds, runs and restores one mutant; returns (verdict, detail)."""
    why = stale_reason(tree.path, m)
    if why:
        return "STALE", why
    path = os.path.join(tree.path, m.file)
    with open(path) as f:
        original = f.read()
    old = "\n".join(m.old) + "\n"
    new = "\n".join(m.new) + "\n" if m.new else ""
    try:
        with open(path, "w") as f:
            f.write(original.replace(old, new))
        ok, tail = tree.build()
        if not ok:
            return "BROKEN", "the mutant does not build: " + " | ".join(tail[-4:])
        caught, missed = [], []
        for name in m.caught_by:      # each one must fail
            if name == CRASHTEST:
                passed, out = tree.crashtest(CRASHTEST_TIMEOUT, first_fail=True)
            else:
                passed, out = tree.run([name], m.cpus, entry_timeouts([name]),
                                       first_fail=True, max_timeout=MUTANT_TIMEOUT)
            if passed:
                missed.append(name)
            else:
                caught += failures(out)[:2] or [out.rstrip().split("\n")[-1]]
    finally:
        with open(path, "w") as f:
            f.write(original)
    if missed:
        return "SURVIVED", " ".join(missed) + " still pass" + \
            (f" (caught by {' '.join(caught)})" if caught else "")
    return "CAUGHT", " ".join(caught)


def alter(text, op):
    """text with its first letter or digit (not escaped, in a regex) changed."""
    i = 0
    while i < len(text):
        c = text[i]
        if op == "=~" and c == "\\":
            i += 2
            continue
        if c.isalnum() and c.isascii():
            repl = {"z": "a", "Z": "A", "9": "0"}.get(c, chr(ord(c) + 1))
            return text[:i] + repl + text[i + 1:]
        i += 1
    return text + "#"


def expectation_suite(path):
    """Writes a suite of the shell tests, each expectation altered in turn;
    returns the labels of the altered tests."""
    entries, errors = runner.parse_suite(SUITE)
    if errors:
        raise SystemExit("tests/suite.txt: " + "; ".join(errors))
    labels, lines = [], []
    for e in entries:
        if e.expect is None:
            continue
        for k in range(len(e.expect)):
            expect = list(e.expect)
            op, want = expect[k]
            expect[k] = (op, alter(want, op))
            name = f"{e.label[len('shell/'):]}~{k + 1}"
            labels.append(("shell/" + name, e.label, op, want, expect[k][1]))
            lines.append(f"shell {name}: {e.command} " +
                         " ".join(f"{o} {w}" for o, w in expect) +
                         f" # timeout={e.timeout}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return labels


def write_table(path, rows, fork):
    with open(path, "w") as f:
        f.write(f"| mutant | behaviour broken | caught by (FORK={fork}) |\n")
        f.write("| --- | --- | --- |\n")
        for m, verdict, detail in rows:
            by = detail if verdict == "CAUGHT" else f"**{verdict}**: {detail}"
            f.write(f"| `{m.name}` | {m.breaks} | {by.replace('|', '/')} |\n")


def main():
    global SUITE
    ap = argparse.ArgumentParser(description="Mutation testing of the test suite.")
    ap.add_argument("--fork", choices=["cow", "page", "copy"], default="cow")
    ap.add_argument("--debug", choices=["0", "1"])
    ap.add_argument("--mutants", default=os.path.join(ROOT, "tests", "mutants.txt"))
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this mutant (may be given several times)")
    ap.add_argument("--no-expect", action="store_true",
                    help="skip the check of the shell tests' expectations")
    ap.add_argument("--keep", action="store_true", help="keep the scratch tree")
    ap.add_argument("--sample", type=int, default=1, metavar="N",
                    help="run every N-th mutant only (a fixed sample, for CI's time); "
                    "every mutant is still checked to apply")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the run of the unchanged tree (when iterating on one mutant)")
    args = ap.parse_args()
    machine.exit_on_signals()   # SIGTERM and SIGHUP too stop the driver and remove the scratch tree

    started = time.monotonic()
    mutants, errors = parse_mutants(args.mutants)
    passed = failed = 0
    for e in errors:
        print(f"FAIL mutants/parse: {e}")
        failed += 1
    if args.only:
        unknown = set(args.only) - {m.name for m in mutants}
        for n in sorted(unknown):
            print(f"FAIL mutants/setup: no mutant named {n}")
            failed += 1
        mutants = [m for m in mutants if m.name in args.only]
    skipped = [m for m in mutants if m.forks and args.fork not in m.forks]
    mutants = [m for m in mutants if m not in skipped]
    if args.sample > 1:
        # Every mutant must still apply (a stale one fails the run) even
        # when only a fixed sample of them is built and run.
        for m in mutants:
            why = stale_reason(ROOT, m)
            if why:
                print(f"FAIL mutants/{m.name}: stale: {why}")
                failed += 1
        if failed == 0:
            print(f"PASS mutants/all-apply: all {len(mutants)} mutants still apply")
            passed += 1
        mutants = mutants[::args.sample]
        print(f"== a sample: every {args.sample}th mutant, {len(mutants)} of them")
    if failed:
        print(f"{passed} passed, {failed} failed")
        return 1

    scratch = tempfile.mkdtemp(prefix="cowbird-mutants-")
    try:
        tree = Tree(scratch, args)
        copy_tree(scratch)
        SUITE = os.path.join(scratch, "tests", "suite.txt")
        print(f"== building the unchanged tree in {scratch}", flush=True)
        ok, tail = tree.build()
        if not ok:
            print("FAIL mutants/build: the unchanged tree does not build")
            print("\n".join("    | " + l for l in tail))
            print(f"{passed} passed, {failed + 1} failed")
            return 1

        # The baseline: everything the mutants name, and the shell tests.
        names = sorted({n for m in mutants for n in m.caught_by} |
                       (set() if args.no_expect else {"shell"}))
        print(f"== baseline: {' '.join(names)}", flush=True)
        crash = CRASHTEST in names
        names = [n for n in names if n != CRASHTEST]
        ok, out = (True, "") if args.no_baseline else \
            tree.run(names, 1, entry_timeouts(names)) if names else (True, "")
        if ok and crash and not args.no_baseline:
            ok, crash_out = tree.crashtest(CRASHTEST_TIMEOUT)
            out += crash_out
        if args.no_baseline:
            print("(baseline skipped)")
        elif ok:
            print("PASS mutants/baseline")
            passed += 1
        else:
            print("FAIL mutants/baseline: the unchanged tree fails: "
                  + " ".join(failures(out)[:6]))
            print(f"{passed} passed, {failed + 1} failed")
            return 1

        print(f"== {len(mutants)} mutants (FORK={args.fork})", flush=True)
        rows = []
        counts = {"CAUGHT": 0, "SURVIVED": 0, "STALE": 0, "BROKEN": 0}
        for m in mutants:
            t0 = time.monotonic()
            verdict, detail = run_mutant(tree, m)
            counts[verdict] += 1
            rows.append((m, verdict, detail))
            print(f"{verdict:8} {m.name} ({time.monotonic() - t0:.0f} s): "
                  + (detail if verdict != "SURVIVED" else f"{m.breaks}; {detail}"), flush=True)
        for m in skipped:
            print(f"SKIP     {m.name}: only for FORK={' '.join(m.forks)}")
        print(f"{len(mutants)} mutants, {counts['CAUGHT']} caught, "
              f"{counts['SURVIVED']} survived"
              + "".join(f", {counts[k]} {k.lower()}" for k in ("STALE", "BROKEN") if counts[k]))
        passed += counts["CAUGHT"]
        failed += len(mutants) - counts["CAUGHT"]
        table = os.path.join(ROOT, "build", f"mutants-{args.fork}.md")
        os.makedirs(os.path.dirname(table), exist_ok=True)
        write_table(table, rows, args.fork)

        if not args.no_expect:
            print("== shell expectations, each altered by one character", flush=True)
            suite = os.path.join(scratch, "altered.txt")
            labels = expectation_suite(suite)
            _, out = tree.run([], 1, 120 * len(labels) + RUN_SLACK, suite=suite)
            failed_names = set(failures(out))
            good = 0
            for label, orig, op, want, altered in labels:
                if label in failed_names:
                    good += 1
                    print(f"FAILS    {label}: {op} {altered!r}")
                else:
                    print(f"PASSES   {label}: {orig} also passes with {op} {altered!r} "
                          f"instead of {want!r}")
            print(f"{len(labels)} expectations, {good} fail when altered, "
                  f"{len(labels) - good} do not")
            passed += good
            failed += len(labels) - good
    finally:
        if args.keep:
            print(f"(scratch tree kept in {scratch})")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"(mutants took {time.monotonic() - started:.0f} s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
