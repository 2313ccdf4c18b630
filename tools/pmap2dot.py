#!/usr/bin/env python3
"""pmap2dot: draw `pmap -a` output as a graphviz diagram of who holds what.

    python3 tools/pmap2dot.py [--title T] [--png F] [--svg F] [INPUT]

INPUT (default standard input) is text copied from cowbird's console: the
lines of `pmap -a` and, optionally, the table `ps` prints (for the parent
of each process).  When `pmap -a` printed more than one pass (memory changed
while it counted), the last pass is drawn.  The DOT text goes to standard
output; --png and --svg also render it with graphviz's `dot`.

The picture: one box per process with what it has alone (private pages, its
own page-table pages: the root, the level-1 tables and the private level-0
tables).  What processes share is drawn between them, highlighted: one
node for the level-0 page tables they share (FORK=cow shares them at fork)
and one for the pages they share (the same frames, copy-on-write or
read-only), with an edge from each process, labelled with its count.  Sharing only comes from fork, so
the processes that share are grouped by family (parent and children, from
ps's PPID column); without ps, every process that shares is in one group.
The kernel (pid 0) is drawn apart: its kernel stacks and page tables.
"""
import argparse
import re
import subprocess
import sys

PMAP_RE = re.compile(
    r"^pid (\d+) (\S+): (\d+) pages present, (\d+) private, (\d+) shared "
    r"\((\d+) copy-on-write\); frames held ([\d.]+); "
    r"page tables (\d+) \((\d+) own, (\d+) shared\)\s*$")
PASS_END_RE = re.compile(r"^(frames held \d+ = allocated \d+|\(frames allocated changed)")
PS_ROW_RE = re.compile(r"^\s*(\d+)\s+(\d+)\s+\S+\s+\S+\s+\d+\s+\d+\s+\d+\s+\d+\s*$")
FIELDS = ("pid", "name", "present", "private", "shared", "cow", "held",
          "tables", "own", "shared_tables")

SHARED_TABLES_COLOR = "#f4a261"    # orange: page tables several processes use
SHARED_FRAMES_COLOR = "#ffd166"    # yellow: frames with several references
PROCESS_COLOR = "#e9f1fb"
KERNEL_COLOR = "#dddddd"


def parse(text):
    """(processes, parents): the last pass of pmap -a as a list of dicts,
    and {pid: ppid} from any ps table in the text."""
    passes, current, parents = [], [], {}
    for line in text.split("\n"):
        m = PMAP_RE.match(line)
        if m:
            values = list(m.groups())
            p = dict(zip(FIELDS, values))
            for k in FIELDS:
                if k not in ("name", "held"):
                    p[k] = int(p[k])
            p["held"] = float(p["held"])
            current.append(p)
            continue
        if PASS_END_RE.match(line) and current:
            passes.append(current)
            current = []
            continue
        m = PS_ROW_RE.match(line)
        if m:
            parents[int(m.group(1))] = int(m.group(2))
    if current:
        passes.append(current)
    if not passes:
        raise ValueError("no `pmap -a` lines (pid N NAME: ... page tables ...) in the input")
    return passes[-1], parents


def families(procs, parents):
    """Groups of the sharing processes' pids, each a sorted list: linked by
    parent and child when ps gave the parents, else all in one."""
    sharing = [p["pid"] for p in procs if p["pid"] != 0 and (p["shared"] or p["shared_tables"])]
    if not parents:
        return [sorted(sharing)] if sharing else []
    group = {pid: pid for pid in sharing}

    def root(pid):
        while group[pid] != pid:
            pid = group[pid]
        return pid
    for pid in sharing:
        ppid = parents.get(pid)
        if ppid in group:
            group[root(pid)] = root(ppid)
    out = {}
    for pid in sharing:
        out.setdefault(root(pid), []).append(pid)
    return sorted(sorted(g) for g in out.values())


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def to_dot(procs, parents, title=None):
    by_pid = {p["pid"]: p for p in procs}
    lines = ["digraph pmap {",
             '  graph [rankdir=LR, fontname="Helvetica", nodesep=0.3, ranksep=0.8];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=10];']
    if title:
        lines.append(f'  labelloc=t; label="{title}";')
    for p in procs:
        if p["pid"] == 0:
            label = (f"kernel (pid 0)\\n{plural(p['private'], 'kernel-stack page')}\\n"
                     f"{plural(p['own'], 'page-table page')}")
            lines.append(f'  p0 [label="{label}", fillcolor="{KERNEL_COLOR}"];')
            continue
        label = (f"pid {p['pid']} {p['name']}\\n"
                 f"{plural(p['private'], 'private page')}\\n"
                 f"{plural(p['own'], 'own page table')}\\n"
                 f"holds {p['held']:.2f} frames")
        lines.append(f'  p{p["pid"]} [label="{label}", fillcolor="{PROCESS_COLOR}"];')
    for n, group in enumerate(families(procs, parents)):
        who = ", ".join(str(pid) for pid in group)
        tables = max(by_pid[pid]["shared_tables"] for pid in group)
        frames = max(by_pid[pid]["shared"] for pid in group)
        if tables:
            lines.append(f'  tables{n} [label="{plural(tables, "level-0 page table")}\\n'
                         f'shared by pids {who}", fillcolor="{SHARED_TABLES_COLOR}", '
                         'penwidth=2];')
        if frames:
            lines.append(f'  frames{n} [label="{plural(frames, "shared page")}\\n'
                         f'the same frames,\\nmapped by pids {who}", '
                         f'fillcolor="{SHARED_FRAMES_COLOR}", penwidth=2];')
        for pid in group:
            p = by_pid[pid]
            if p["shared_tables"]:
                lines.append(f'  p{pid} -> tables{n} [label="{p["shared_tables"]}", '
                             f'color="{SHARED_TABLES_COLOR}", penwidth=2];')
            if p["shared"]:
                lines.append(f'  p{pid} -> frames{n} [label="{p["shared"]}", '
                             f'color="#c9a227", penwidth=2];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_text, fmt, path):
    try:
        subprocess.run(["dot", f"-T{fmt}", "-o", path], input=dot_text, text=True, check=True)
    except FileNotFoundError:
        sys.exit("pmap2dot: graphviz's `dot` is missing (tools/need-tools graphviz installs it)")


def main():
    ap = argparse.ArgumentParser(description="Draw `pmap -a` output with graphviz.")
    ap.add_argument("input", nargs="?", help="console text with pmap -a (default: stdin)")
    ap.add_argument("--title")
    ap.add_argument("--png", metavar="FILE")
    ap.add_argument("--svg", metavar="FILE")
    args = ap.parse_args()
    text = open(args.input).read() if args.input else sys.stdin.read()
    try:
        procs, parents = parse(text)
    except ValueError as e:
        sys.exit(f"pmap2dot: {e}")
    dot_text = to_dot(procs, parents, args.title)
    sys.stdout.write(dot_text)
    if args.png:
        render(dot_text, "png", args.png)
    if args.svg:
        render(dot_text, "svg", args.svg)


if __name__ == "__main__":
    main()
