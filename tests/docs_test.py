"""Checks of what the docs say, run on the host (tests/run.py, results
docs/NAME; `make check ONLY=docs` runs them alone).

docs/make-help: `make help` names every target of the Makefile (its rules
and .PHONY names) as `make TARGET`, and every knob (a variable the Makefile
reads but leaves to the user: `?=` defaults, and names it reads without
ever assigning them) as `NAME=`, one line each.

docs/bench-figures: the benchmark figures are one table, README's block
between `<!-- bench table -->` and `<!-- end of bench table -->`, which
`make bench` writes (tools/bench).  Any other block of that kind in README
or docs/ (`<!-- bench table: NAME... -->`, naming the benchmarks it quotes)
must hold exactly those rows of README's table, so a figure cannot be
quoted two ways.

docs/lockstat-figures: README holds one lockstat table (between
`<!-- lockstat table -->` and `<!-- end of lockstat table -->`), which
`make bench` writes from lockbench's run on 3 harts: a row for each lock of
benchlib.LOCKS, each figure a percentage "P% (M of N)" that M and N give.
The figures vary from run to run; this checks their form, not their value.

docs/mutants-apply: every mutant of tests/mutants.txt parses and its
original lines occur exactly once in its file, so a change to the kernel
that leaves a mutant stale fails here at once, not only in `make mutants`
(which CI runs on a sample, and which stops at the first stale entry).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import benchlib  # noqa: E402  (tools/benchlib.py: the table's markers and labels)
import mutants  # noqa: E402  (tools/mutants.py: the mutants file's parser)
RULE_RE = re.compile(r"(?m)^([a-z][a-z0-9_-]*)\s*:(?!=)")
PHONY_RE = re.compile(r"(?m)^\.PHONY:(.*)$")
ASSIGN_RE = re.compile(r"(?m)^\s*(?:override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:=|\+=|=)")
READ_RE = re.compile(r"\$[({]([A-Z_][A-Z0-9_]*)[:)}]")
MAKE_OWN = {"MAKECMDGOALS", "MAKE", "MAKEFLAGS", "CURDIR"}


def makefile_names(text):
    """(targets, knobs) of a Makefile's text."""
    targets = set(RULE_RE.findall(text))
    for m in PHONY_RE.finditer(text):
        targets.update(m.group(1).split())
    targets.discard("FORCE")
    assigned = {}
    for name, op in ASSIGN_RE.findall(text):
        assigned.setdefault(name, set()).add(op)
    knobs = {n for n, ops in assigned.items() if "?=" in ops}
    knobs |= set(READ_RE.findall(text)) - set(assigned) - MAKE_OWN
    return targets, knobs


def help_missing(help_text, targets, knobs):
    """The targets and knobs help_text does not name at the start of a line."""
    lines = help_text.splitlines()
    missing = []
    for t in sorted(targets):
        pat = re.compile(r"make\s+" + re.escape(t) + r"(\s|$)" if t != "all"
                         else r"make\s.*\bmake all\b")
        if not any(pat.match(line) for line in lines):
            missing.append(f"make {t}")
    for k in sorted(knobs):
        if not any(line.startswith(k + "=") for line in lines):
            missing.append(k + "=")
    return missing


def check_help(add):
    with open(os.path.join(ROOT, "Makefile")) as f:
        targets, knobs = makefile_names(f.read())
    p = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        add("FAIL", "docs/make-help", f"make help: exit {p.returncode}",
            p.stdout.splitlines()[-10:])
        return
    missing = help_missing(p.stdout, targets, knobs)
    if missing:
        add("FAIL", "docs/make-help", "make help does not name " + ", ".join(missing))
    else:
        add("ok", "docs/make-help")


def table_rows(block):
    """{first cell: the row's line} of a markdown table."""
    rows = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and not set(cells[0]) <= set("-: "):
            rows[cells[0]] = line.strip()
    return rows


def blocks(path):
    """[(benchmark names or None for the whole table, block text)] of a file."""
    with open(path) as f:
        text = f.read()
    return [(benchlib.block_names(m), m.group(2)) for m in benchlib.BLOCK_RE.finditer(text)]


def check_figures(add):
    kept = [b for names, b in blocks(os.path.join(ROOT, "README.md")) if names is None]
    if len(kept) != 1:
        add("FAIL", "docs/bench-figures", f"README.md holds {len(kept)} whole bench tables, "
            "want 1 (between '<!-- bench table -->' and '<!-- end of bench table -->')")
        return
    table = table_rows(kept[0])
    problems = []
    for path in benchlib.quoting_files():
        for names, block in blocks(path):
            if names is None:
                continue
            rows = table_rows(block)
            header = next(iter(table))
            want = [header] + [benchlib.label(n) for n in names]
            if list(rows) != want:
                problems.append(f"{os.path.relpath(path, ROOT)}: rows {list(rows)}, want {want}")
                continue
            for name in want:
                if name not in table:
                    problems.append(f"{os.path.relpath(path, ROOT)}: no row {name!r} in "
                                    "README's table")
                elif rows[name] != table[name]:
                    problems.append(f"{os.path.relpath(path, ROOT)}: {rows[name]!r} differs "
                                    f"from README's {table[name]!r}")
    if problems:
        add("FAIL", "docs/bench-figures", "; ".join(problems))
    else:
        add("ok", "docs/bench-figures")


LOCK_CELL_RE = re.compile(r"^(\d+\.\d)% \(([\d,]+) of ([\d,]+)\)( \^)?$")


def lock_cell_problem(cell):
    """Why a cell of the lockstat table is not a consistent "P% (M of N)"."""
    m = LOCK_CELL_RE.match(cell)
    if not m:
        return f"{cell!r} is not 'P% (M of N)'"
    contended, acquired = (int(g.replace(",", "")) for g in m.group(2, 3))
    percent = 100 * contended / acquired if acquired else 0.0
    if f"{percent:.1f}" != m.group(1) or contended > acquired:
        return f"{cell!r}: {contended} of {acquired} is not {m.group(1)}%"
    return None


def check_lock_figures(add):
    with open(os.path.join(ROOT, "README.md")) as f:
        found = benchlib.LOCK_BLOCK_RE.findall(f.read())
    if len(found) != 1:
        add("FAIL", "docs/lockstat-figures", f"README.md holds {len(found)} lockstat tables, "
            "want 1 (between '<!-- lockstat table -->' and '<!-- end of lockstat table -->')")
        return
    rows = table_rows(found[0][1])
    problems = []
    for _, label, _ in benchlib.LOCKS:
        if label not in rows:
            problems.append(f"no row {label!r}")
            continue
        cells = [c.strip() for c in rows[label].strip("|").split("|")][1:-1]
        problems += [p for p in map(lock_cell_problem, cells) if p]
    if problems:
        add("FAIL", "docs/lockstat-figures", "README's lockstat table: " + "; ".join(problems))
    else:
        add("ok", "docs/lockstat-figures")


def check_mutants_apply(add):
    found, problems = mutants.parse_mutants(os.path.join(ROOT, "tests", "mutants.txt"))
    for m in found:
        why = mutants.stale_reason(ROOT, m)
        if why:
            problems.append(f"{m.name}: {why}")
    if problems:
        add("FAIL", "docs/mutants-apply", "; ".join(problems))
    else:
        add("ok", "docs/mutants-apply")


def run(add):
    check_help(add)
    check_mutants_apply(add)
    check_figures(add)
    check_lock_figures(add)
