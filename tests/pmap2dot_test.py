#!/usr/bin/env python3
"""Tests of tools/pmap2dot.py on `pmap -a` output recorded from cowbird.

    python3 tests/pmap2dot_test.py

tests/data/pmap-after-fork.txt is ps and pmap -a right after `cowdemo 16`
forked; pmap-after-writes.txt after the child wrote half its pages (pmap
-a counted twice there, the first pass cut by the child's message).  The
DOT text must show what the tour says: after fork the two cowdemos share
8 level-0 tables and 4099 pages; after the writes no table and 2051 pages.
tests/run.py runs these as the results pmap2dot/NAME; run standalone, this
prints the same PASS/FAIL lines and an "N passed, M failed" line.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "tools", "pmap2dot.py")
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import machine  # noqa: E402  (tools/machine.py: standalone())
DATA = os.path.join(HERE, "data")


def pmap2dot(args, text=None):
    return subprocess.run([sys.executable, TOOL] + args, input=text, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def nodes(dot):
    """{node: label} of the DOT text."""
    return dict(re.findall(r'(?m)^  (\w+) \[label="([^"]*)"', dot))


def edges(dot):
    """{(from, to): label}."""
    return {(a, b): l for a, b, l in re.findall(r'(?m)^  (\w+) -> (\w+) \[label="([^"]*)"', dot)}


def check_after_fork(add):
    p = pmap2dot([os.path.join(DATA, "pmap-after-fork.txt")])
    dot, n, e = p.stdout, nodes(p.stdout), edges(p.stdout)
    want_procs = {"p0", "p1", "p2", "p6", "p9", "p13"}
    if p.returncode == 0 and want_procs <= set(n) and "pid 6 cowdemo" in n["p6"]:
        add("ok", "pmap2dot/processes")
    else:
        add("FAIL", "pmap2dot/processes", f"want nodes {sorted(want_procs)}, got {sorted(n)}",
            (p.stderr or dot).split("\n"))
    tables = [k for k, v in n.items() if "8 level-0 page tables" in v and "6, 9" in v]
    if len(tables) == 1 and e.get(("p6", tables[0])) == "8" and e.get(("p9", tables[0])) == "8":
        add("ok", "pmap2dot/shared-tables")
    else:
        add("FAIL", "pmap2dot/shared-tables", "no node of 8 level-0 tables shared by 6 and 9 "
            "with an edge from each", dot.split("\n"))
    frames = [k for k, v in n.items() if v.startswith("4099 shared pages")]
    highlighted = frames and re.search(rf'(?m)^  {frames[0]} \[.*fillcolor="#(?!e9f1fb)', dot)
    if (len(frames) == 1 and highlighted and e.get(("p6", frames[0])) == "4099"
            and e.get(("p9", frames[0])) == "4099"):
        add("ok", "pmap2dot/shared-frames")
    else:
        add("FAIL", "pmap2dot/shared-frames", "no highlighted node of 4099 shared pages with "
            "an edge from 6 and from 9", dot.split("\n"))
    alone = [a for a, _ in e if a in ("p1", "p2", "p13", "p0")]
    if not alone:
        add("ok", "pmap2dot/private-alone")
    else:
        add("FAIL", "pmap2dot/private-alone", f"processes that share nothing have edges: {alone}")
    return dot


def check_after_writes(add):
    p = pmap2dot([os.path.join(DATA, "pmap-after-writes.txt")])
    n, e = nodes(p.stdout), edges(p.stdout)
    frames = [k for k, v in n.items() if v.startswith("2051 shared pages")]
    ok = (p.returncode == 0 and "p9" in n and "13 own page tables" in n["p9"]
          and not any("level-0" in v for v in n.values())
          and len(frames) == 1 and e.get(("p9", frames[0])) == "2051")
    if ok:
        add("ok", "pmap2dot/after-writes")
    else:
        add("FAIL", "pmap2dot/after-writes", "want the last pass of pmap -a: pid 9 with 13 own "
            "tables, no shared table, 2051 shared pages", p.stdout.split("\n"))


def check_families(add):
    """Two unrelated parent-child pairs: two groups, never one."""
    line = ("pid {} demo: 10 pages present, 0 private, 10 shared (10 copy-on-write); "
            "frames held 5.00; page tables 5 (5 own, 0 shared)")
    text = "\n".join(["  PID  PPID STATE  NAME   SIZE COWFLT COPIED REUSED",
                      "   10     1 sleep  demo   40960 0 0 0", "   11    10 sleep  demo   40960 0 0 0",
                      "   20     1 sleep  demo   40960 0 0 0", "   21    20 sleep  demo   40960 0 0 0"]
                     + [line.format(pid) for pid in (10, 11, 20, 21)])
    groups = sorted(v.split("pids ")[-1] for v in nodes(pmap2dot([], text).stdout).values()
                    if "shared pages" in v)
    if groups == ["10, 11", "20, 21"]:
        add("ok", "pmap2dot/families")
    else:
        add("FAIL", "pmap2dot/families", f"two forked pairs drawn as groups {groups}")


def check_errors(add):
    p = pmap2dot([], "$ ls\nREADME 2 2 1000\n")
    if p.returncode != 0 and "no `pmap -a` lines" in p.stderr:
        add("ok", "pmap2dot/no-input")
    else:
        add("FAIL", "pmap2dot/no-input", "text without pmap -a lines must be refused with a "
            f"message; exit {p.returncode}, stderr {p.stderr!r}")


def check_render(add):
    if shutil.which("dot") is None:
        add("SKIP", "pmap2dot/render", "graphviz's dot is not installed "
            "(tools/need-tools graphviz)")
        return
    with tempfile.TemporaryDirectory(prefix="cowbird-pmap2dot-") as d:
        svg, png = os.path.join(d, "m.svg"), os.path.join(d, "m.png")
        p = pmap2dot([os.path.join(DATA, "pmap-after-fork.txt"), "--svg", svg, "--png", png])
        ok = p.returncode == 0 and os.path.exists(svg) and os.path.exists(png)
        if ok:
            with open(svg) as f, open(png, "rb") as g:
                ok = "8 level&#45;0 page tables" in f.read() and g.read(8) == b"\x89PNG\r\n\x1a\n"
        if ok:
            add("ok", "pmap2dot/render")
        else:
            add("FAIL", "pmap2dot/render", "dot made no SVG with the shared tables, or no PNG",
                p.stderr.split("\n"))


def run(add):
    check_after_fork(add)
    check_after_writes(add)
    check_families(add)
    check_errors(add)
    check_render(add)


def main():
    return machine.standalone(lambda add, _: run(add), "cowbird-pmap2dot-")


if __name__ == "__main__":
    sys.exit(main())
