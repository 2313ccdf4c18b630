#!/usr/bin/env python3
"""Crash the machine in the middle of file-system work; check that it recovers.

    python3 tools/crashtest.py --kernel K --fs IMG --fsck FSCK [--cpus N]
        [--jobs J] [--random R] [--seed S] [--only-k K] [--max-k K]
        [--reordered N] [--only-reordered]

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
- reordered: the two kinds above crash a disk that completes writes in
  the order they were issued.  A real disk may complete the writes
  between two flushes in any order, and a power cut loses whichever of
  them are not yet durable.  So `crashwl run short step` runs once with
  QEMU's blklogwrites filter recording every write and flush
  (tools/qemu-cmd, DISK_FILTER), and crashwl waiting after each operation
  so the log's length then tells which writes each operation made.  The
  flushes cut the stream into epochs; a crash state is the image with
  every write of the earlier epochs plus a subset of the epoch's own
  writes, split into file-system blocks (all subsets of small epochs;
  each single write, each write left out and seeded random subsets of
  larger ones; at most --reordered states, deduplicated by content).
  Within a subset the writes keep their issue order: writes to different
  blocks commute, and the kernel issues a write to a block only after the
  previous one to it completed, so no order puts the older contents last.
  Each state boots (the log replays), and must be fsck-clean and in the
  state after J operations with J at least the operations whose commit
  point was durable (written before the epoch's opening flush) and at
  most the operations that had started writing.  --only-reordered runs
  only these (the caught-by kind `crashtest` of tests/mutants.txt).

Prints one PASS/FAIL line per crash, then "N crashes, N recovered, M
inconsistent" and "N reordered crashes, N recovered, M inconsistent",
then "P passed, F failed" (the last line, as tests/run.py).
"""
import concurrent.futures
import os
import random
import re
import shutil
import struct
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
DONE_LINE_RE = re.compile(r"(?m)^cw done (\d+) ([0-9a-f]+)\n")   # whole: the hash ended
STATE_RE = re.compile(r"(?m)^cw state ([0-9a-f]+)$")
FINISHED_RE = re.compile(r"(?m)^cw finished (\d+) operations, (\d+) failed$")
POWEROFF_RE = re.compile(r"crashpoint: power off after disk write (\d+)")

say = machine.say


class Outcome:
    def __init__(self, name, kind="crash"):
        self.name = name
        self.kind = kind           # "crash" or "reordered": which counters
        self.crashed = False       # the machine stopped before the workload ended
        self.recovered = False
        self.problem = None        # why it is inconsistent (or did not run)
        self.detail = []
        self.finished = False      # the workload ended before the crash point


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
    vm = machine.start(args, tmpdir)
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
        vm = machine.start(args, tmpdir, append=append)
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
        check_recovery(args, tmpdir, out, states, last_done(first), None,
                       harness.last_lines(first)[-12:])
    return out


def check_recovery(args, tmpdir, out, states, low, high, before):
    """Boots tmpdir/fs.img (the log replays), asks crashwl for the state of
    /cw and runs fsck; the state must be states[J] for low <= J <= high
    (no upper bound if high is None).  Fills in out."""
    disk = os.path.join(tmpdir, "fs.img")
    vm = machine.start(args, tmpdir, disk=disk)
    try:
        why = wait_prompt(vm, time.monotonic() + BOOT_TIMEOUT)
        if why:
            out.problem = f"no recovery: reboot ended in {why}"
            out.detail = harness.last_lines(vm.out)
            return
        text, problem = harness.run_command(vm, "crashwl sum", 60)
        if problem:
            out.problem = f"crashwl sum: {problem}"
            out.detail = harness.last_lines(vm.out)
            return
        out.recovered = True
        second = vm.out
    finally:
        vm.close()
    p = subprocess.run([args.fsck, disk], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    m = STATE_RE.search(text)
    want = f"{low} <= J" + (f" <= {high}" if high is not None else "")
    if p.returncode != 0:
        out.problem = "fsck after recovery"
        out.detail = p.stdout.strip().split("\n")[-20:]
    elif m is None:
        out.problem = "crashwl sum printed no state"
        out.detail = harness.last_lines(second)
    else:
        h = m.group(1)
        matches = [j for j, s in enumerate(states) if s == h]
        if not any(j >= low and (high is None or j <= high) for j in matches):
            out.problem = (f"state {h} after recovery is not the state after any "
                           f"{want} operations (committed <= J <= begun)"
                           + (f"; it is the state after {matches}" if matches else ""))
            out.detail = before + ["-- reboot:"] + harness.last_lines(second)[-12:]
        else:
            out.detail = [f"recovered to the state after {max(matches)} "
                          f"operations; {want}"]


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
        count = results[out.kind]
        count["crashes"] += 1
        count["recovered"] += out.recovered
        count["inconsistent"] += out.recovered and out.problem is not None


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

    with machine.worker_pool(args.jobs) as pool:
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

    with machine.worker_pool(args.jobs) as pool:
        for out in pool.map(one, range(args.random)):
            report(out, results)


# ---- reordered crashes ----

BSIZE = 1024                  # kernel/fs.h
LOG_MAGIC = 0x6a736677736872  # blklogwrites' format is dm-log-writes'
LOG_FLUSH = 1
LOG_SECTOR = 512              # log-sector-size in tools/qemu-cmd
SMALL_EPOCH = 4               # epochs of up to this many writes: every subset
RANDOM_SUBSETS = 4            # more random subsets of each larger epoch


def parse_write_log(path):
    """A blklogwrites log as a list of units, ("W", block, data) for each
    file-system block written and ("F",) for a flush, in issue order, and
    the byte offset in the file where each unit's record ends."""
    with open(path, "rb") as f:
        d = f.read()
    magic, _, _, sectorsize = struct.unpack_from("<QQQI", d, 0)
    if magic != LOG_MAGIC or sectorsize != LOG_SECTOR:
        raise RuntimeError(f"{path} is not a blklogwrites log of {LOG_SECTOR}-byte sectors")
    units, ends, off = [], [], sectorsize
    while off + 32 <= len(d):
        sector, nsec, flags, _ = struct.unpack_from("<QQQQ", d, off)
        start, end = off + sectorsize, off + sectorsize * (1 + nsec)
        if end > len(d):
            break
        if flags & LOG_FLUSH:
            units.append(("F",))
            ends.append(end)
        elif nsec:
            first, nbytes = sector * sectorsize, nsec * sectorsize
            if first % BSIZE or nbytes % BSIZE:
                raise RuntimeError(f"write of {nbytes} bytes at {first}: not whole blocks")
            for k in range(nbytes // BSIZE):
                units.append(("W", first // BSIZE + k, d[start + k * BSIZE:start + (k + 1) * BSIZE]))
                ends.append(end)
        off = end
    return units, ends


def record(args, tmpdir):
    """Runs the short workload once, recording its writes; returns the
    state hashes after each operation, the units, and for each J the
    number of units issued before "cw done J"."""
    log = os.path.join(tmpdir, "writes.log")
    vm = machine.start(args, tmpdir, disk_filter="blklogwrites:" + log)
    states, marks = [], []
    try:
        why = wait_prompt(vm, time.monotonic() + BOOT_TIMEOUT)
        if why:
            raise RuntimeError(f"recording boot: {why}\n" + "\n".join(vm.tail()))
        pos = len(vm.out)
        deadline = time.monotonic() + RUN_TIMEOUT
        vm.type("crashwl run short step")
        while True:
            i, m = vm.expect([DONE_LINE_RE, FINISHED_RE, harness.PANIC_RE], pos, deadline)
            if i == 0 and int(m.group(1)) == len(states):
                # crashwl waits for our line: its writes are all in the log.
                states.append(m.group(2))
                marks.append(os.path.getsize(log))
                pos = m.end()
                vm.type("")
            elif i == 1 and m.group(2) == "0":
                break
            else:
                raise RuntimeError("recording run of crashwl failed\n" + "\n".join(vm.tail()))
    finally:
        vm.close()
    units, ends = parse_write_log(log)
    return states, units, [sum(1 for e in ends if e <= size) for size in marks]


def commit_flushes(units, idx, logstart):
    """For each J, the index of the flush after which the first J
    operations were committed (-1: nothing to commit)."""
    flushes = [i for i, u in enumerate(units) if u[0] == "F"]
    done = [-1]
    for j in range(1, len(idx)):
        headers = [i for i in range(idx[j - 1], idx[j]) if units[i][0] == "W" and
                   units[i][1] == logstart and struct.unpack_from("<I", units[i][2])[0] > 0]
        if headers:
            done.append(min((f for f in flushes if f > headers[-1]), default=len(units)))
        else:
            done.append(done[-1])
    return done


def epoch_subsets(n, rng):
    """The subsets (tuples of indices, in order) of an epoch of n writes to try."""
    if n <= SMALL_EPOCH:
        return [tuple(i for i in range(n) if mask >> i & 1) for mask in range(1, 1 << n)]
    picks = [(i,) for i in range(n)]
    picks += [tuple(k for k in range(n) if k != i) for i in range(n)]
    picks += [tuple(sorted(rng.sample(range(n), rng.randint(2, n - 2))))
              for _ in range(RANDOM_SUBSETS)]
    return picks


def reordered_states(args, units, idx, logstart, limit):
    """The crash states: (name, overlay {block: data}, low, high)."""
    done = commit_flushes(units, idx, logstart)
    rng = random.Random(1)          # fixed: the same states every run
    flushes = [i for i, u in enumerate(units) if u[0] == "F"]
    durable, seen, found = {}, set(), []
    for e, (start, end) in enumerate(zip([-1] + flushes, flushes + [len(units)])):
        writes = units[start + 1:end]
        low = max(j for j in range(len(done)) if done[j] <= start)
        high = max(j for j in range(len(idx)) if j == 0 or idx[j - 1] < end)
        high = max(high, low)       # low counts the operations that wrote nothing
        for subset in epoch_subsets(len(writes), rng):
            overlay = dict(durable)
            for k in subset:
                overlay[writes[k][1]] = writes[k][2]
            key = tuple(sorted((b, hash(d)) for b, d in overlay.items()))
            if key in seen:
                continue
            seen.add(key)
            name = (f"reordered/epoch-{e}/" +
                    "+".join(str(writes[k][1]) for k in subset))
            found.append((name, overlay, low, high))
        for w in writes:
            durable[w[1]] = w[2]
    if len(found) > limit:
        found = sorted(rng.sample(found, limit), key=lambda s: found.index(s))
    return found


def reordered_once(args, state, states):
    name, overlay, low, high = state
    out = Outcome(name, "reordered")
    out.crashed = True
    with tempfile.TemporaryDirectory(prefix="cowbird-reorder-") as tmpdir:
        disk = os.path.join(tmpdir, "fs.img")
        shutil.copyfile(args.fs, disk)
        with open(disk, "r+b") as f:
            for block, data in sorted(overlay.items()):
                f.seek(block * BSIZE)
                f.write(data)
        check_recovery(args, tmpdir, out, states, low, high,
                       [f"the image: every write before epoch {name.split('/')[1][6:]}'s "
                        f"opening flush, then blocks {name.split('/')[2]}"])
    return out


def reordered(args, results):
    with tempfile.TemporaryDirectory(prefix="cowbird-record-") as tmp:
        states, units, idx = record(args, tmp)
    with open(args.fs, "rb") as f:
        f.seek(BSIZE)
        logstart = struct.unpack_from("<8I", f.read(32))[5]
    found = reordered_states(args, units, idx, logstart, args.reordered)
    nflush = sum(1 for u in units if u[0] == "F")
    say(f"# recorded {len(units) - nflush} block writes and {nflush} flushes; "
        f"{len(found)} reordered crash states")
    with machine.worker_pool(args.jobs) as pool:
        for out in pool.map(lambda s: reordered_once(args, s, states), found):
            report(out, results)


def main():
    ap = machine.harness_parser("Crash and recover the file system.")
    ap.add_argument("--random", type=int, default=40, help="random crashes (default 40)")
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("CRASH_SEED") or time.time_ns() % 1000000))
    ap.add_argument("--only-k", type=int, help="only the exhaustive crash after write K")
    ap.add_argument("--max-k", type=int, default=2000)
    ap.add_argument("--reordered", type=int, default=240,
                    help="at most this many reordered crash states (default 240)")
    ap.add_argument("--only-reordered", action="store_true",
                    help="only the reordered crashes")
    args = ap.parse_args()
    machine.exit_on_signals()

    results = {kind: dict(crashes=0, recovered=0, inconsistent=0)
               for kind in ("crash", "reordered")}
    results["pass"] = results["fail"] = 0

    def body():
        if not args.only_reordered:
            with tempfile.TemporaryDirectory(prefix="cowbird-crashref-") as tmp:
                short, _ = reference(args, tmp, "crashwl run short")
                full, duration = reference(args, tmp, "crashwl run")
            say(f"# reference: {len(short) - 1} operations (short), {len(full) - 1} "
                f"(full, {duration:.1f} s)")
            exhaustive(args, short, results)
            if args.random and not args.only_k:
                random_crashes(args, full, duration, results)
        if args.reordered and not args.only_k:
            reordered(args, results)

    machine.run_harness(body, "crash/reference", results, "fail")
    for kind, what in (("crash", "crashes"), ("reordered", "reordered crashes")):
        c = results[kind]
        say(f"{c['crashes']} {what}, {c['recovered']} recovered, "
            f"{c['inconsistent']} inconsistent")
    return machine.summary(results["pass"], results["fail"])


if __name__ == "__main__":
    sys.exit(main())
