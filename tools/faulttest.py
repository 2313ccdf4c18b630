#!/usr/bin/env python3
"""Fail disk requests under a file-system workload; check what the kernel does.

    python3 tools/faulttest.py --kernel K --fs IMG --fsck FSCK [--cpus N]
        [--jobs J] [--errors E] [--only NAME]

Each run boots a fresh copy of IMG through QEMU's blkdebug filter
(tools/qemu-cmd, DISK_FILTER), which fails one disk request with EIO: the
K-th read, write or flush, counted from boot (a chain of blkdebug
set-state rules counts the requests; the inject-error rule fires once in
the last state).  The guest runs `faultwl run` (tests/guest/faultwl.c),
which makes files and reads them back and goes on whatever fails.  Then
the machine boots again on the same disk without the filter, `faultwl
check` says which files are there, and fsck checks the disk.

A run passes when:
- the kernel did not panic, and said which request failed (the error was
  injected: "virtio_disk: ... failed");
- a failed write turned the file system read-only with exactly one
  "fs: ...: the file system is read-only until reboot" line, and no file
  was made after it (later writes return -1) but by the call whose commit
  point was durable when an install write failed; a failed read made a
  system call return -1 (a "fw err" or "fw rerr" line of faultwl: it
  reads a block per call);
- no read returned wrong bytes ("fw bad");
- after the reboot every file faultwl reported committed ("fw ok") is
  there, whole, and fsck finds the disk clean.

A calibration run without errors first counts the requests before and
after the workload (faultwl prints the kernel's diskstat counters), so
that every K lands inside the workload.  The errors are spread evenly
over it: half of them on reads, a third on writes and a sixth on flushes
(QEMU merges adjacent writes into one request, so the writes and flushes
are aimed at the first half).

Prints one PASS/FAIL line per run, then "N injected disk errors, P panics,
L committed files lost", then "P passed, F failed" (the last line).
"""
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import run as harness  # noqa: E402  (tests/run.py: run_command, the patterns)
import machine  # noqa: E402  (tools/machine.py: the QEMU driver)

FILES = 24
QEMU_READS = 1   # QEMU reads sector 0 once at start-up (the disk geometry guess)
BOOT_TIMEOUT = 90
RUN_TIMEOUT = 240
DISK_RE = re.compile(r"(?m)^fw disk (\d+) (\d+) (\d+)$")
FINISHED_RE = re.compile(r"(?m)^fw finished$")
FILE_RE = re.compile(r"(?m)^fw (ok|err|rerr|bad|have|lost) (\d+|mkdir)$")
INJECTED_RE = re.compile(r"(?m)^virtio_disk: .* failed: I/O error$")
READONLY_RE = re.compile(r"(?m)^fs: .*: the file system is read-only until reboot$")

say = machine.say


def blkdebug_config(event, k):
    """A blkdebug configuration failing the k-th event (read_aio,
    write_aio or flush_to_disk) since boot, once, with EIO."""
    rules = []
    for state in range(1, k):
        rules.append(f'[set-state]\nstate = "{state}"\nevent = "{event}"\n'
                     f'new_state = "{state + 1}"\n')
    rules.append(f'[inject-error]\nstate = "{k}"\nevent = "{event}"\n'
                 'errno = "5"\nonce = "on"\n')
    return "\n".join(rules)


def boot(args, tmpdir, **kw):
    vm = machine.start(args, tmpdir, **kw)
    i, m = vm.expect([harness.PROMPT_RE, harness.PANIC_RE], 0, time.monotonic() + BOOT_TIMEOUT)
    if i != 0:
        why = "kernel panic" if i == 1 else m
        vm.close()
        return None, f"boot: {why}", vm.out
    return vm, None, vm.out


def run_workload(vm):
    """Types faultwl run; returns (output, problem)."""
    start = len(vm.out)
    vm.type(f"faultwl run {FILES}")
    i, m = vm.expect([FINISHED_RE, harness.PANIC_RE], start, time.monotonic() + RUN_TIMEOUT)
    out = vm.out[start:]
    if i == 0:
        return out, None
    return out, "kernel panic" if i == 1 else f"faultwl run: {m}"


def calibrate(args):
    """Requests before and after the workload: ((reads, writes, flushes)
    before, (reads, writes, flushes) after)."""
    with tempfile.TemporaryDirectory(prefix="cowbird-fault-") as tmpdir:
        vm, problem, out = boot(args, tmpdir)
        if problem:
            raise RuntimeError(f"calibration {problem}\n" + "\n".join(harness.last_lines(out)))
        try:
            out, problem = run_workload(vm)
        finally:
            vm.close()
    counts = DISK_RE.findall(out)
    bad = [f for f in FILE_RE.findall(out) if f[0] != "ok"]
    if problem or len(counts) != 2 or bad:
        raise RuntimeError(f"calibration run: {problem or 'unexpected output'}\n"
                           + "\n".join(harness.last_lines(out)))
    return [tuple(int(x) for x in c) for c in counts]


class Outcome:
    def __init__(self, name):
        self.name = name
        self.problem = None
        self.detail = []
        self.injected = 0
        self.panic = False
        self.lost = 0


def fault_once(args, name, event, k):
    out = Outcome(name)
    with tempfile.TemporaryDirectory(prefix="cowbird-fault-") as tmpdir:
        conf = os.path.join(tmpdir, "blkdebug.conf")
        with open(conf, "w") as f:
            f.write(blkdebug_config(event, k))
        vm, problem, text = boot(args, tmpdir, disk_filter="blkdebug:" + conf)
        if vm is not None:
            try:
                text, problem = run_workload(vm)
            finally:
                vm.close()
        out.panic = harness.PANIC_RE.search(text) is not None
        out.injected = len(INJECTED_RE.findall(text))
        files = FILE_RE.findall(text)
        readonly = READONLY_RE.findall(text)
        ro_at = READONLY_RE.search(text)
        after_ro = FILE_RE.findall(text, ro_at.end()) if ro_at else []
        committed = {int(k) for what, k in files if what == "ok"}
        failed_calls = [f for f in files if f[0] in ("err", "rerr")]
        if problem:
            out.problem = problem
        elif out.injected == 0:
            out.problem = "no error was injected (the workload ended first?)"
        elif any(what == "bad" for what, _ in files):
            out.problem = "a read returned wrong bytes"
        elif event != "read_aio" and len(readonly) != 1:
            out.problem = f"a failed write gave {len(readonly)} read-only lines, not 1"
        elif ro_at and [what for what, _ in after_ro if what == "ok"] > \
                (["ok"] if "after the commit point" in ro_at.group(0) else []):
            # Only the call whose commit point was durable may succeed.
            out.problem = "a file was made after the file system went read-only"
        elif event != "read_aio" and any(what == "rerr" for what, _ in after_ro):
            out.problem = "reads failed after the file system went read-only"
        elif event == "read_aio" and not failed_calls:
            out.problem = "the failed read reached no system call as -1"
        if out.problem:
            out.detail = harness.last_lines(text)[-16:]
            return out

        # Reboot without the error: everything committed must be there.
        disk = os.path.join(tmpdir, "fs.img")
        vm, problem, text = boot(args, tmpdir, disk=disk)
        if vm is None:
            out.problem = f"reboot without the error: {problem}"
            out.panic = problem == "boot: kernel panic"
            out.detail = harness.last_lines(text)
            return out
        try:
            text, problem = harness.run_command(vm, f"faultwl check {FILES}", 60)
        finally:
            vm.close()
        have = {int(k) for what, k in FILE_RE.findall(text or "") if what == "have"}
        lost = sorted(committed - have)
        out.lost = len(lost)
        p = subprocess.run([args.fsck, disk], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if problem:
            out.problem = f"faultwl check: {problem}"
        elif lost:
            out.problem = f"committed files lost after the reboot: {lost}"
        elif p.returncode != 0:
            out.problem = "fsck after the reboot"
            out.detail = p.stdout.strip().split("\n")[-20:]
        else:
            out.detail = [f"{len(committed)} files committed, all there; "
                          f"read-only: {'yes' if readonly else 'no'}"]
    return out


def main():
    ap = machine.harness_parser("Inject disk errors under a workload.")
    ap.add_argument("--errors", type=int, default=24, help="runs, one error each (default 24)")
    ap.add_argument("--only", help="only the run of this name (e.g. fault/write-120)")
    args = ap.parse_args()
    machine.exit_on_signals()

    totals = dict(passed=0, failed=0, injected=0, panics=0, lost=0)

    def body():
        (r0, w0, f0), (r1, w1, f1) = calibrate(args)
        say(f"# workload: reads {r0}..{r1}, writes {w0}..{w1}, flushes {f0}..{f1} "
            "(kernel requests since boot)")
        nread, nflush = args.errors // 2, args.errors // 6
        nwrite = args.errors - nread - nflush
        runs = [("read", QEMU_READS + r0 + 1 + i * (r1 - r0 - 1) // max(nread, 1))
                for i in range(nread)]
        runs += [("write", w0 + 1 + i * ((w1 - w0) // 2) // max(nwrite, 1))
                 for i in range(nwrite)]
        runs += [("flush", f0 + 1 + i * ((f1 - f0) // 2) // max(nflush, 1))
                 for i in range(nflush)]
        events = dict(read="read_aio", write="write_aio", flush="flush_to_disk")
        runs = [(f"fault/{what}-{k}", events[what], k) for what, k in runs]
        if args.only:
            runs = [r for r in runs if r[0] == args.only]

        def one(r):
            return fault_once(args, *r)

        with machine.worker_pool(args.jobs) as pool:
            for out in pool.map(one, runs):
                totals["injected"] += out.injected
                totals["panics"] += out.panic
                totals["lost"] += out.lost
                if out.problem is None:
                    say(f"PASS {out.name}: " + " ".join(out.detail))
                    totals["passed"] += 1
                else:
                    say(f"FAIL {out.name}: {out.problem}",
                        *["    | " + line for line in out.detail])
                    totals["failed"] += 1

    machine.run_harness(body, "fault/calibration", totals, "failed")
    say(f"{totals['injected']} injected disk errors, {totals['panics']} panics, "
        f"{totals['lost']} committed files lost")
    return machine.summary(totals["passed"], totals["failed"])


if __name__ == "__main__":
    sys.exit(main())
