#!/usr/bin/env python3
"""Crash the machine in the middle of file-system work; check that it recovers.

    python3 tools/crashtest.py --kernel K --fs IMG --fsck FSCK [--cpus N]
        [--jobs J] [--random R] [--seed S] [--only-k K] [--max-k K]

Every crash runs the guest program crashwl (tests/guest/crashwl.c) on a
fresh copy of IMG, stops the machine dead, boots again on the same disk
(log recovery and the reclaim of unlinked inodes run at boot), asks
`crashwl sum` for the state of /cw, stops, and runs fsck on the disk.  A
crash is recovered when the second boot reaches the shell; it is
consistent when fsck finds nothing and the state is the state after J
operations for some J at least the last "cw done J" line the crashed run
printed (committed operations survive; nothing else appears: no bytes
never written, no half operation).  The states come from a reference run
that does not crash.

Two kinds of crash:
- exhaustive: `crashwl run short` with -append crashafter=K, which powers
  the machine off right after the K-th completed disk write
  (kernel/dev/crashpoint.c), for K = 1, 2, ... until the workload
  finishes before the K-th write.  Every crash point is replayable:
  --only-k K runs just that one.
- random: `crashwl run` and QEMU killed (SIGKILL) after a delay drawn from
  the seed (--seed, or CRASH_SEED in the environment; printed, so a run can
  be replayed; the moment the delay lands on depends on the host's speed).

Prints one PASS/FAIL line per crash, then "N crashes, N recovered, M
inconsistent", then "P passed, F failed" (the last line, as tests/run.py).
"""
import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import run as harness  # noqa: E402  (tests/run.py: run_command, the patterns)
import machine  # noqa: E402  (tools/machine.py: the QEMU driver)

BOOT_TIMEOUT = 90
RUN_TIMEOUT = 300
DONE_RE = re.compile(r"(?m)^cw done (\d+) ([0-9a-f]+)$")
STATE_RE = re.compile(r"(?m)^cw state ([0-9a-f]+)$")
FINISHED_RE = re.compile(r"(?m)^cw finished (\d+) operations, (\d+) failed$")
POWEROFF_RE = re.compile(r"crashpoint: power off after disk write (\d+)")

print_lock = threading.Lock()


def say(*lines):
    with print_lock:
        for line in lines:
            print(line)
        sys.stdout.flush()


class Outcome:
    def __init__(self, name):
        self.name = name
        self.crashed = False       # the machine stopped before the workload ended
        self.recovered = False
        self.problem = None        # why it is inconsistent (or did not run)
        self.detail = []
        self.finished = False      # the workload ended before the crash point


def boot(args, tmpdir, append=None, disk=None):
    """Starts a machine on a fresh copy of args.fs, or on disk as it is."""
    return machine.Machine(args.kernel, args.fs, args.cpus, tmpdir, disk=disk,
                           append=append, qemu=args.qemu_cmd)


def wait_prompt(vm, deadline):
    i, m = vm.expect([harness.PROMPT_RE, harness.PANIC_RE], 0, deadline)
    if i == 0:
        return None
    if i == 1:
        return "kernel panic"
    return m          # "exited", "timeout", "flood"


def last_done(text):
    dones = DONE_RE.findall(text)
    return int(dones[-1][0]) if dones else 0


def reference(args, tmpdir, command):
    """The hashes after each operation, from a run that does not crash."""
    vm = boot(args, tmpdir)
    try:
        why = wait_prompt(vm, time.monotonic() + BOOT_TIMEOUT)
        if why:
            raise RuntimeError(f"reference boot: {why}\n" + "\n".join(vm.tail()))
        start = len(vm.out)
        t0 = time.monotonic()
        vm.type(command)
        i, m = vm.expect([FINISHED_RE, harness.PANIC_RE], start,
                         time.monotonic() + RUN_TIMEOUT)
        elapsed = time.monotonic() - t0
        if i != 0:
            raise RuntimeError(f"reference run of {command!r} did not finish\n"
                               + "\n".join(vm.tail()))
        if m.group(2) != "0":
            raise RuntimeError(f"{command!r}: {m.group(2)} operations failed\n"
                               + "\n".join(vm.tail()))
        states = {}
        for j, h in DONE_RE.findall(vm.out, start):
            states[int(j)] = h
        if sorted(states) != list(range(len(states))):
            raise RuntimeError(f"{command!r}: lost 'cw done' lines\n" + "\n".join(vm.tail()))
        vm.expect([harness.PROMPT_RE], m.end(), time.monotonic() + 10)
    finally:
        vm.close()
    p = subprocess.run([args.fsck, vm.disk], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"fsck after the reference run of {command!r}:\n{p.stdout}")
    return [states[j] for j in range(len(states))], elapsed


def crash_once(args, name, command, states, append=None, kill_after=None):
    """One crash and its recovery; returns an Outcome."""
    out = Outcome(name)
    with tempfile.TemporaryDirectory(prefix="cowbird-crash-") as tmpdir:
        # First boot: run the workload until the machine stops.
        vm = boot(args, tmpdir, append=append)
        try:
            why = wait_prompt(vm, time.monotonic() + BOOT_TIMEOUT)
            if why is None:
                start = len(vm.out)
                vm.type(command)
                if kill_after is not None:
                    i, m = vm.expect([FINISHED_RE, harness.PANIC_RE], start,
                                     time.monotonic() + kill_after)
                    if m == "timeout":
                        vm.close()                  # SIGKILL: the crash
                        out.crashed = True
                else:
                    i, m = vm.expect([FINISHED_RE, harness.PANIC_RE], start,
                                     time.monotonic() + RUN_TIMEOUT)
                    if m == "exited":
                        out.crashed = True
                if i == 0:
                    out.finished = True
                elif i == 1:
                    out.problem = "kernel panic in the crashed run"
                elif not out.crashed:
                    out.problem = f"crashed run: {m}"
            elif why == "exited" and POWEROFF_RE.search(vm.out):
                out.crashed = True                  # during boot (log recovery, init)
            else:
                out.problem = f"first boot: {why}"
            first = vm.out
        finally:
            vm.close()
        if out.problem:
            out.detail = harness.last_lines(first)
            return out
        if out.finished and not out.crashed:
            return out
        seen = last_done(first)

        # Second boot: recovery, then the state of /cw.
        vm = boot(args, tmpdir, disk=os.path.join(tmpdir, "fs.img"))
        try:
            why = wait_prompt(vm, time.monotonic() + BOOT_TIMEOUT)
            if why:
                out.problem = f"no recovery: reboot ended in {why}"
                out.detail = harness.last_lines(vm.out)
                return out
            text, problem = harness.run_command(vm, "crashwl sum", 60)
            if problem:
                out.problem = f"crashwl sum: {problem}"
                out.detail = harness.last_lines(vm.out)
                return out
            out.recovered = True
            second = vm.out
        finally:
            vm.close()
        p = subprocess.run([args.fsck, os.path.join(tmpdir, "fs.img")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        m = STATE_RE.search(text)
        if p.returncode != 0:
            out.problem = "fsck after recovery"
            out.detail = p.stdout.strip().split("\n")[-20:]
        elif m is None:
            out.problem = "crashwl sum printed no state"
            out.detail = harness.last_lines(second)
        else:
            h = m.group(1)
            matches = [j for j, s in enumerate(states) if s == h]
            if not any(j >= seen for j in matches):
                out.problem = (f"state {h} after recovery is not the state after any "
                               f"J >= {seen} operations (the last reported done)"
                               + (f"; it is the state after {matches}" if matches else ""))
                out.detail = harness.last_lines(first)[-12:] + ["-- reboot:"] + \
                    harness.last_lines(second)[-12:]
            else:
                out.detail = [f"recovered to the state after {max(matches)} "
                              f"operations; {seen} reported done"]
    return out


def report(out, results):
    if out.problem is None:
        say(f"PASS {out.name}")
        results["pass"] += 1
    else:
        lines = [f"FAIL {out.name}: {out.problem}"]
        lines += ["    | " + line for line in out.detail]
        say(*lines)
        results["fail"] += 1
    if out.crashed:
        results["crashes"] += 1
        results["recovered"] += out.recovered
        results["inconsistent"] += out.recovered and out.problem is not None


def exhaustive(args, states, results):
    """Crash after disk write K for K = 1, 2, ...; stop when the workload
    finishes first.  Runs --jobs crashes at a time."""
    ks = [args.only_k] if args.only_k else None
    end = [None]     # the first K the workload finished before

    def one(k):
        if end[0] is not None and k > end[0]:
            return None
        out = crash_once(args, f"crash/write-{k}", "crashwl run short", states,
                         append=f"crashafter={k}")
        if out.finished and not out.crashed:
            end[0] = k if end[0] is None else min(end[0], k)
            return None
        return out

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        k = 1
        running = set()
        while True:
            if ks is not None:
                todo = [x for x in ks if x >= k][:1]
            else:
                todo = [k] if (end[0] is None and k <= args.max_k) else []
            if todo and len(running) < args.jobs:
                running.add(pool.submit(one, todo[0]))
                k = todo[0] + 1
                continue
            if not running:
                break
            finished, running = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in finished:
                out = f.result()
                if out is not None:
                    report(out, results)
    if ks is None:
        if end[0] is None:
            say(f"FAIL crash/exhaustive: the workload did not finish within {args.max_k} writes")
            results["fail"] += 1
        else:
            say(f"# the short workload made {end[0] - 1} disk writes (boot included)")


def random_crashes(args, states, duration, results):
    seed = args.seed
    say(f"# random crashes: seed {seed} (CRASH_SEED={seed} replays them)")

    def one(i):
        rng = random.Random(f"{seed}:{i}")
        delay = rng.uniform(0.0, duration * 1.1)
        return crash_once(args, f"crash/random-{i} (seed {seed}, {delay:.2f} s)",
                          "crashwl run", states, kill_after=delay)

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for out in pool.map(one, range(args.random)):
            report(out, results)


def main():
    ap = argparse.ArgumentParser(description="Crash and recover the file system.")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--fs", required=True)
    ap.add_argument("--fsck", required=True)
    ap.add_argument("--cpus", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--random", type=int, default=40, help="random crashes (default 40)")
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("CRASH_SEED") or time.time_ns() % 1000000))
    ap.add_argument("--only-k", type=int, help="only the exhaustive crash after write K")
    ap.add_argument("--max-k", type=int, default=2000)
    ap.add_argument("--qemu-cmd", help=argparse.SUPPRESS)
    args = ap.parse_args()

    results = dict(crashes=0, recovered=0, inconsistent=0, fail=0)
    results["pass"] = 0
    try:
        with tempfile.TemporaryDirectory(prefix="cowbird-crashref-") as tmp:
            short, _ = reference(args, tmp, "crashwl run short")
            full, duration = reference(args, tmp, "crashwl run")
        say(f"# reference: {len(short) - 1} operations (short), {len(full) - 1} (full, "
            f"{duration:.1f} s)")
        exhaustive(args, short, results)
        if args.random and not args.only_k:
            random_crashes(args, full, duration, results)
    except RuntimeError as e:
        say(f"FAIL crash/reference: {e}")
        results["fail"] += 1
    except KeyboardInterrupt:
        say("interrupted")
        results["fail"] += 1
    finally:
        machine.close_all()
    say(f"{results['crashes']} crashes, {results['recovered']} recovered, "
        f"{results['inconsistent']} inconsistent")
    say(f"{results['pass']} passed, {results['fail']} failed")
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
