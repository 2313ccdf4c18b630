"""The guided tour of docs/tour.md, typed as a student types it.

tests/run.py runs this for the suite line `session tour`: run() types the
tour's commands at the shell, in its order, and checks every figure the
tour states.  Pids differ from boot to boot; they are read from cowdemo's
first line, as the student reads them.
"""
import re
import time

MB = 16
PAGES = MB * 256            # heap pages of `cowdemo 16`
HALF = PAGES // 2
SMALL = 64                  # "a few" frames: page tables, stacks, a vmstat

# The whole line, to its end: the next command typed must not be echoed
# into the middle of it (the console echoes as it goes, see console.c).
DEMO_RE = re.compile(r"cowdemo: parent (\d+) has \d+ MB \(\d+ heap pages\); child (\d+) [^\n]*\n")
WROTE_RE = re.compile(r"cowdemo: child \d+ wrote (\d+) of its (\d+) heap pages[^\n]*\n")
# heap  START  END  PERM  present private shared cow sharers shrdpt frames
# pagetables  present private shared ...
TABLES_RE = re.compile(r"(?m)^pagetables\s+(\d+)\s+(\d+)\s+(\d+)\s")
# text/data  START  END  PERM  present ...: the program's pages (more in a
# DEBUG=1 build than in an -O2 one)
PROGRAM_RE = re.compile(r"(?m)^(?:text|data)\s+\S+\s+\S+\s+\S+\s+(\d+)\s")
HEAP_RE = re.compile(r"(?m)^heap\s+\S+\s+\S+\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)"
                     r"\s+(\d+)\s+([\d.]+)\s*$")


class Tour:
    def __init__(self, vm, res, run_command):
        self.vm, self.res, self.run_command = vm, res, run_command
        self.broken = None          # why the machine is unusable, if it is

    def type(self, command, timeout=60):
        """The command's output; None once the machine broke."""
        if self.broken:
            return None
        out, problem = self.run_command(self.vm, command, timeout)
        if problem:
            self.broken = problem
            self.res.add("FAIL", "tour", f"{command}: {problem}", self.vm.tail())
            return None
        return out

    def check(self, name, cond, why, out=""):
        if self.broken:
            return
        if cond:
            self.res.add("ok", "tour/" + name)
        else:
            self.res.add("FAIL", "tour/" + name, why, out.rstrip("\n").split("\n")[-12:])

    def vmstat(self):
        """vmstat's counters, once frames_free reads the same twice in a row
        (a process that is still exiting must not count)."""
        last = None
        for _ in range(6):
            out = self.type("vmstat") or ""
            stats = dict(l.split()[:2] for l in out.split("\n") if len(l.split()) == 2)
            stats = {k: int(v) if v.isdigit() else v for k, v in stats.items()}
            if last is not None and stats.get("frames_free") == last:
                break
            last = stats.get("frames_free")
            time.sleep(0.3)
        return stats, out

    def heap(self, pid):
        """(present, private, shared, cow, sharers) of pid's heap, and the output."""
        out = self.type(f"pmap {pid}") or ""
        m = HEAP_RE.search(out)
        return (tuple(int(m.group(i)) for i in range(1, 6)) if m else None), out

    @staticmethod
    def tables(out):
        """(present, own, shared) page-table pages in a pmap output, or None."""
        m = TABLES_RE.search(out)
        return tuple(int(m.group(i)) for i in range(1, 4)) if m else None

    def ps_row(self, pid):
        """ps's columns for pid as a list of strings, or None."""
        out = self.type("ps") or ""
        for line in out.split("\n"):
            cols = line.split()
            if cols and cols[0] == str(pid):
                return cols, out
        return None, out

    def ctrl_p(self):
        """What the kernel prints for Ctrl-P (typed alone, no command)."""
        if self.broken:
            return ""
        mark = len(self.vm.out)
        self.vm.send(b"\x10")
        self.vm.expect([re.compile(r"\n +PID .*\n(?: *\d+ .*\n)+")], mark, time.monotonic() + 10)
        time.sleep(0.5)
        self.vm.pump(0.5)
        return self.vm.out[mark:]

    def wait_for(self, what, timeout=30):
        """Polls what() (which types commands) until it is true or time is up."""
        deadline = time.monotonic() + timeout
        while not self.broken:
            if what():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
        return False


def avail(stats):
    """Frames free or held by the page cache alone (which gives them back
    when memory runs short): what a leak lowers and caching does not."""
    return stats.get("frames_free", 0) + stats.get("pcache_pages", 0)

def run(vm, res, run_command):
    """Returns False if the machine must be rebooted."""
    t = Tour(vm, res, run_command)
    start, out = t.vmstat()
    if t.broken:
        return False
    if start.get("fork_mode") not in ("cow", "page"):
        res.add("SKIP", "tour", f"the tour shows copy-on-write; fork_mode is {start.get('fork_mode')}")
        return True

    # Step 1: a 16 MB process forks.
    mark = len(vm.out)
    t.type(f"cowdemo {MB} &")
    i, m = vm.expect([DEMO_RE], mark, time.monotonic() + 60)
    if i is None:
        res.add("FAIL", "tour/start", "cowdemo printed no pids", vm.tail())
        return False
    parent, child = m.group(1), m.group(2)
    t.check("start", True, "")

    # Step 2: right after fork, parent and child share every heap page,
    # and with FORK=cow all level-0 tables but the first (which maps the
    # stack the parent wrote to).
    all_tables = 4 + -(-(PAGES + 4) // 512)   # root, 2 level-1, 1 level-0 at the top
    shared_tables = all_tables - 5 if start.get("fork_mode") == "cow" else 0
    program = 0
    for who, pid in (("parent", parent), ("child", child)):
        h, out = t.heap(pid)
        program = sum(int(n) for n in PROGRAM_RE.findall(out))
        t.check(f"{who}-shares-heap", h == (PAGES, 0, PAGES, PAGES, 2),
                f"{who} heap (present, private, shared, cow, sharers) {h}, "
                f"want ({PAGES}, 0, {PAGES}, {PAGES}, 2)", out)
        want = (all_tables, all_tables - shared_tables, shared_tables)
        t.check(f"{who}-tables", t.tables(out) == want,
                f"{who} page tables (present, own, shared) {t.tables(out)}, want {want}", out)
    forked, out = t.vmstat()
    used = avail(start) - avail(forked)
    t.check("fork-costs-little", PAGES < used < PAGES + SMALL,
            f"free or cached frames fell by {used}: want the parent's {PAGES} and fewer than "
            f"{SMALL} more", out)
    if start.get("fork_mode") == "cow" and "tables_shared" in forked:
        # Shared level-0 tables: all but the first, which the parent's
        # stack write made private; each maps its pages with one reference.
        first = 512 - 4                   # heap pages beside text, data, guard, stack
        tables = -(-(PAGES - first) // 512)
        want = (tables, first + 2 + tables)
        got = (forked.get("tables_shared"), forked.get("frames_shared"))
        t.check("frames-shared", got == want,
                f"(tables_shared, frames_shared) {got}, want {want}", out)
    else:
        t.check("frames-shared", forked.get("frames_shared", 0) == PAGES + program,
                f"frames_shared {forked.get('frames_shared')}, want {PAGES + program}: the heap, "
                "the text and data pages", out)

    # The console's Ctrl-P prints ps's columns, from inside the kernel.
    row, ps_out = t.ps_row(child)
    kernel = t.ctrl_p()
    header = ps_out.split("\n")[0]
    krow = [l.split() for l in kernel.split("\n") if l.split()[:1] == [child]]
    same = [0, 1, 3, 4]    # pid, parent, name, size (the state may change in between)
    t.check("ctrl-p-like-ps", header in kernel.split("\n") and row is not None and
            krow and [krow[0][i] for i in same] == [row[i] for i in same],
            f"ps header {header!r}, child row {row}; Ctrl-P printed {kernel!r}", kernel)
    # Fixed-width columns: every row as long as the header, so each
    # column ends where its title does.
    table = [l.rstrip() for l in ps_out.split("\n") if l.strip()]
    t.check("ps-aligned", len(table) > 2 and len({len(l) for l in table}) == 1,
            "ps rows and header differ in length: columns do not line up", ps_out)

    # Step 3: the child writes every other page: those are copied.
    mark = len(vm.out)
    t.type("echo go > go")
    i, m = vm.expect([WROTE_RE], mark, time.monotonic() + 60)
    t.check("child-wrote", i is not None and int(m.group(1)) == HALF,
            f"no 'cowdemo: child ... wrote {HALF} of its {PAGES} heap pages' line",
            vm.out[mark:])
    h, out = t.heap(child)
    t.check("child-half-private", h is not None and h[:4] == (PAGES, HALF, HALF, HALF),
            f"child heap (present, private, shared, cow) {h and h[:4]}, "
            f"want ({PAGES}, {HALF}, {HALF}, {HALF})", out)
    t.check("child-tables-own", t.tables(out) == (all_tables, all_tables, 0),
            f"child page tables (present, own, shared) {t.tables(out)}, "
            f"want ({all_tables}, {all_tables}, 0)", out)
    h, out = t.heap(parent)
    t.check("parent-half-private", h is not None and h[:4] == (PAGES, HALF, HALF, PAGES),
            f"parent heap (present, private, shared, cow) {h and h[:4]}, "
            f"want ({PAGES}, {HALF}, {HALF}, {PAGES})", out)
    wrote, out = t.vmstat()
    used = avail(forked) - avail(wrote)
    t.check("copies-cost-frames", used == HALF + shared_tables,
            f"free or cached frames fell by {used} while the child wrote: want {HALF} page copies "
            f"and {shared_tables} table copies", out)
    row, out = t.ps_row(child)
    # One fault more than the heap pages written: the child's stack page,
    # reused by whichever of the two writes it second (the child, as a
    # rule: the parent writes its stack as soon as fork returns), copied by
    # the one that writes it first.
    counts = [int(c) for c in row[5:8]] if row is not None else None
    t.check("ps-counts-copies", counts is not None and counts[0] == HALF + 1
            and counts[1] in (HALF, HALF + 1) and counts[1] + counts[2] == HALF + 1,
            f"ps row of the child {row}: want COWFLT {HALF + 1}, COPIED {HALF} or "
            f"{HALF + 1}, REUSED the rest", out)

    # Step 4: kill the parent: its private half comes back; the child owns the rest.
    t.type(f"kill {parent}")
    t.wait_for(lambda: t.ps_row(parent)[0] is None)
    back, out = t.vmstat()
    freed = avail(back) - avail(wrote)
    want = HALF + all_tables + 2     # its private pages, page tables, stack, trap frame
    t.check("parent-frames-back", freed == want,
            f"free or cached frames rose by {freed} when the parent died: want {want}", out)
    h, out = t.heap(child)
    t.check("child-owns-all", h is not None and h[:3] == (PAGES, PAGES, 0),
            f"child heap (present, private, shared) {h and h[:3]}, want ({PAGES}, {PAGES}, 0)",
            out)

    # Step 5: kill the child: every frame is back.
    t.type(f"kill {child}")
    t.wait_for(lambda: t.ps_row(child)[0] is None)
    end, out = t.vmstat()
    t.check("all-frames-back", avail(end) == avail(start),
            f"free or cached frames {avail(start)} before the tour, {avail(end)} "
            "after", out)
    out = t.type("pmap -a") or ""
    t.check("audit-agrees", re.search(r"(?m)^frames held \d+ = allocated \d+: agree$", out),
            "pmap -a does not say the frames agree", out)
    return t.broken is None
