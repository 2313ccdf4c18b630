#!/usr/bin/env python3
"""Check that the kernel's layers only point down (docs/overview.md, "Layers").

    python3 tools/layercheck.py [--graph] [--root DIR]

Reads every kernel/**/*.c, *.h and *.S.  A file depends on another when
it includes it, or when it calls (or takes the address of) a function
defined in it (in assembly: call, tail, j, jal or la of a .globl symbol).  Each file belongs to a layer: its folder under kernel/, or the
layer docs/overview.md's table gives the files directly under kernel/.  The
layer table in docs/overview.md, read by this program, orders the layers
from the bottom up.  It fails on
  - an arrow from a lower layer to a higher one that the table of upward
    arrows in docs/overview.md does not name (by its two layers and the
    functions or headers it uses), and on more than 3 such named arrows;
  - a circle of dependencies between files of more than one layer.
A third table lists arrows still to remove (work under way elsewhere):
they are allowed, do not count, and leave the circle check; the check
fails once nothing uses one, so that its line is deleted.

Prints `ok layers` or `FAIL layers: REASON` (one line per problem), which
tests/run.py counts as results.  --graph also prints every arrow between
layers with its count (how many file-to-file dependencies make it up).
Exit status 1 on failure.
"""
import argparse
import glob
import os
import re
import sys

MAX_UPWARD = 3
KEYWORDS = {
    "if", "for", "while", "switch", "return", "sizeof", "do", "else", "case",
    "goto", "break", "continue", "default", "typedef", "struct", "union", "enum",
    "static", "const", "volatile", "asm", "__asm__", "__attribute__",
    "__builtin_unreachable", "_Static_assert", "offsetof",
}
# Type names a variable declaration may start with (kernel/types.h and C's).
TYPES = {"int", "char", "short", "long", "unsigned", "signed", "void", "uint", "ushort",
         "uchar", "uint8", "uint16", "uint32", "uint64", "pde_t", "pte_t", "pagetable_t"}
TOKEN_RE = re.compile(r'[A-Za-z_]\w*|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|->|\S')
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def strip(text):
    """The source without comments and preprocessor lines (kept line count)."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    # Preprocessor lines, with their continuations.
    return re.sub(r"(?m)^\s*#(?:[^\n]*\\\n)*[^\n]*", "", text)


def scan(text):
    """(functions defined, identifiers used in function bodies and
    initializers) of one file.  Struct, union and enum bodies declare
    names; they use none.  A name the file declares as a variable is used
    as a function only where it is called."""
    toks = TOKEN_RE.findall(strip(text))
    defined, used, called, variables = set(), set(), set(), set()
    for i in range(2, len(toks) - 1):
        if (re.match(r"[A-Za-z_]", toks[i]) and toks[i + 1] in (";", "=", ",", "[", ")")
                and (toks[i - 1] in TYPES or toks[i - 1] == "*"
                     or toks[i - 2] in ("struct", "union", "enum"))):
            variables.add(toks[i])
    counts = []  # per open brace: do identifiers inside it count as uses?
    depth = 0
    paren = 0
    last_call = None  # the identifier before the last '(' at depth 0
    for i, t in enumerate(toks):
        if t == "{":
            # `name ( ... ) {` at file level: a function definition.
            body = depth == 0 and paren == 0 and last_call and toks[i - 1] == ")"
            if body:
                defined.add(last_call)
            inside = bool(counts) and counts[-1]
            counts.append(bool(body) or inside or toks[i - 1] == "=")
            depth += 1
            last_call = None
        elif t == "}":
            depth -= 1
            counts.pop()
        elif depth == 0:
            if t == "(":
                if paren == 0 and i > 0 and re.match(r"[A-Za-z_]", toks[i - 1]):
                    last_call = toks[i - 1] if toks[i - 1] not in KEYWORDS else last_call
                paren += 1
            elif t == ")":
                paren -= 1
            elif t in (";", "="):
                last_call = None
        elif (counts[-1] and re.match(r"[A-Za-z_]", t) and t not in KEYWORDS
              and toks[i - 1] not in (".", "->")):
            (called if toks[i + 1] == "(" else used).add(t)
    return defined, (used - variables) | called


ASM_USE_RE = re.compile(r"^\s*(?:call|tail|jal|j|la)\s+(?:\w+\s*,\s*)?([A-Za-z_]\w*)\s*$", re.M)
ASM_DEF_RE = re.compile(r"^\s*\.globl\s+([A-Za-z_]\w*)", re.M)


def scan_asm(text):
    """(symbols made global, symbols used) of an assembly file."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"(?m)#(?!\s*(?:include|define|if|endif|else)).*$", "", text)
    return set(ASM_DEF_RE.findall(text)), set(ASM_USE_RE.findall(text))


def md_tables(text, heading):
    """The rows (lists of cells) of each table under the heading `heading`."""
    m = re.search(r"(?m)^#+ " + re.escape(heading) + r".*$", text)
    if not m:
        return []
    body = text[m.end():]
    nxt = re.search(r"(?m)^#+ ", body)
    body = body[:nxt.start()] if nxt else body
    tables, rows = [], []
    for line in body.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                rows.append(cells)
        elif rows:
            tables.append(rows)
            rows = []
    if rows:
        tables.append(rows)
    return tables


def read_table(root):
    """Layers bottom-up as [(name, [globs])], the named upward arrows, and
    the arrows still to remove, each as (from, to, {what it uses})."""
    path = os.path.join(root, "docs", "overview.md")
    with open(path) as f:
        text = f.read()
    tables = md_tables(text, "Layers")
    if len(tables) < 2:
        raise SystemExit("FAIL layers: docs/overview.md has no layer table and arrow table "
                         "under '## Layers'")
    layers = []
    for row in tables[0][1:]:
        name = re.sub(r"[`*]", "", row[0]).strip()
        globs = re.findall(r"`([^`]+)`", row[1])
        layers.append((name, globs))
    arrows = []
    for table in tables[1:3]:
        arrows.append([])
        for row in table[1:]:
            ends = re.findall(r"`([^`]+)`", row[0])
            names = set(re.findall(r"`([^`]+)`", row[1]))
            if len(ends) != 2 or not names:
                raise SystemExit(f"FAIL layers: docs/overview.md: bad arrow row {'|'.join(row)}")
            arrows[-1].append((ends[0], ends[1], names))
    return layers, arrows[0], arrows[1] if len(arrows) > 1 else []


def glob_re(pattern):
    """A shell pattern whose `*` stays inside one folder (`**` crosses them)."""
    out = ""
    for part in re.split(r"(\*\*|\*)", pattern):
        out += {"**": ".*", "*": "[^/]*"}.get(part, re.escape(part))
    return re.compile(out)


def layer_of(rel, layers):
    for name, globs in layers:
        for g in globs:
            if glob_re(g).fullmatch(rel):
                return name
    return None


def build(root, layers):
    files = sorted(glob.glob(os.path.join(root, "kernel", "**", "*.[chS]"), recursive=True))
    info = {}
    definer = {}
    for path in files:
        rel = os.path.relpath(path, root)
        with open(path) as f:
            text = f.read()
        defined, used = scan_asm(text) if path.endswith(".S") else scan(text)
        incs = [os.path.normpath(i) for i in INCLUDE_RE.findall(text)]
        info[rel] = (defined, used, incs)
        for d in defined:
            definer.setdefault(d, []).append(rel)
    edges = {}  # (from file, to file) -> set of what makes it (header or function)
    for rel, (defined, used, incs) in info.items():
        for inc in incs:
            if inc in info:
                edges.setdefault((rel, inc), set()).add(inc)
        for name in used - defined:
            for target in definer.get(name, []):
                if target != rel:
                    edges.setdefault((rel, target), set()).add(name)
    return info, edges


def circles(nodes, edges):
    """Strongly connected components with more than one file (Tarjan)."""
    succ = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for n in nodes:
        if n not in index:
            visit(n)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graph", action="store_true", help="print the arrows between layers")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    os.chdir(root)
    layers, upward, pending = read_table(root)
    rank = {name: i for i, (name, _) in enumerate(layers)}
    info, edges = build(root, layers)
    problems = []
    where = {}
    for rel in info:
        where[rel] = layer_of(rel, layers)
        if where[rel] is None:
            problems.append(f"{rel} belongs to no layer of docs/overview.md's table")
    if problems:
        for p in problems:
            print(f"FAIL layers: {p}")
        return 1

    for a, b, _ in upward + pending:
        for end in (a, b):
            if end not in rank:
                problems.append(f"upward arrow names '{end}', which is not a layer")
        if a in rank and b in rank and rank[a] >= rank[b]:
            problems.append(f"'{a} -> {b}' is named as upward but runs down")
    if len(upward) > MAX_UPWARD:
        problems.append(f"{len(upward)} upward arrows named, at most {MAX_UPWARD} allowed")

    # What the arrows still to remove use leaves the graph (and is checked below).
    arrows = {}  # (layer, layer) -> [(file, file, what)]
    leaving = {}  # (layer, layer) -> what the arrows still to remove use
    going_count = {}  # (layer, layer) -> file-to-file dependencies they make
    for (a, b), what in sorted(edges.items()):
        la, lb = where[a], where[b]
        if la == lb:
            continue
        going = set()
        for pa, pb, names in pending:
            if (pa, pb) == (la, lb):
                going |= what & names
        if going:
            leaving.setdefault((la, lb), set()).update(going)
            going_count[(la, lb)] = going_count.get((la, lb), 0) + 1
            what -= going
            if not what:
                del edges[(a, b)]
                continue
        arrows.setdefault((la, lb), []).append((a, b, what))
    for (la, lb), deps in sorted(arrows.items(), key=lambda kv: (rank[kv[0][0]], rank[kv[0][1]])):
        if rank[la] < rank[lb]:
            allowed = set()
            for a, b, names in upward:
                if (a, b) == (la, lb):
                    allowed |= names
            for fa, fb, what in deps:
                bad = sorted(what - allowed)
                if bad:
                    problems.append(f"upward arrow {la} -> {lb}: {fa} uses {', '.join(bad)} "
                                    f"of {fb}")
    for a, b, names in upward:
        used = set()
        for fa, fb, what in arrows.get((a, b), []):
            used |= what
        for n in sorted(names - used):
            problems.append(f"upward arrow {a} -> {b} names {n}, which nothing uses: "
                            "delete it from docs/overview.md")
    for a, b, names in pending:
        for n in sorted(names - leaving.get((a, b), set())):
            problems.append(f"arrow still to remove {a} -> {b}: nothing uses {n} any more: "
                            "delete it from docs/overview.md")

    for comp in circles(list(info), edges):
        spans = sorted({where[f] for f in comp}, key=rank.get)
        if len(spans) > 1:
            problems.append(f"a circle of {len(comp)} files spans {', '.join(spans)}: "
                            f"{' '.join(comp)}")

    if args.graph:
        for (la, lb), deps in sorted(arrows.items(), key=lambda kv: (rank[kv[0][0]], rank[kv[0][1]])):
            way = "UP  " if rank[la] < rank[lb] else "down"
            print(f"# {way} {la} -> {lb}: {len(deps)}")
        for (la, lb), n in sorted(going_count.items()):
            print(f"# still to remove {la} -> {lb}: {n}")
    if problems:
        for p in problems:
            print(f"FAIL layers: {p}")
        return 1
    print("ok layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
