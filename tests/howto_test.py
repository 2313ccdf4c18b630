#!/usr/bin/env python3
"""docs/howto.md, followed as written, in a scratch copy of the tree.

    python3 tests/howto_test.py

The tracked files (git ls-files) and the default build (build/cow, so that
make rebuilds only what the recipes change) are copied into a scratch
directory, made a git repository of its own (tools/mutants.py lists its
files with git).  Then, in the order of the document:

  - each line "Create `FILE`:", "In `FILE`, after the line `LINE`:" or
    "At the end of `FILE` ...:" and the indented block after it becomes
    that change (the block without its four spaces of indentation; "after
    the line" means after the first line that starts with LINE, which
    must exist);
  - each indented line `$ COMMAND` is run there (bash, 15 minutes at
    most); it must exit 0, and the lines shown under it must be lines of
    its output, in that order.

Results: howto/edit-N-FILE and howto/run-N (one per command); howto/gdb:
every `(gdb)` line of the how-to is one of README's, which make check
DEBUG=1 types into gdb (tests/gdb_test.py).  tests/run.py runs this for
make check (--howto); standalone it prints the same PASS/FAIL lines and an
"N passed, M failed" line.
"""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import machine  # noqa: E402  (tools/machine.py: children that die with this process)
HOWTO = os.path.join(ROOT, "docs", "howto.md")
README = os.path.join(ROOT, "README.md")
BUILD = os.path.join("build", "cow")
COMMAND_TIMEOUT = 900

CREATE_RE = re.compile(r"^Create `([^`]+)`:$")
AFTER_RE = re.compile(r"^In `([^`]+)`, after the line `([^`]+)`:$")
END_RE = re.compile(r"^At the end of `([^`]+)`.*:$")
GDB_RE = re.compile(r"(?m)^    \(gdb\) (.*)$")


def blocks(lines, i):
    """The indented block starting at or after lines[i] (skipping blank
    lines before it): (its lines without the indentation, the index after it)."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    block = []
    while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
        block.append(lines[i][4:])
        i += 1
    while block and not block[-1].strip():
        block.pop()
    return block, i


def steps(text):
    """The document's steps, in order: ("edit", kind, file, anchor, block)
    and ("run", command, expected output lines)."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        m = CREATE_RE.match(line) or AFTER_RE.match(line) or END_RE.match(line)
        if m:
            kind = "create" if CREATE_RE.match(line) else "after" if AFTER_RE.match(line) \
                else "end"
            block, i = blocks(lines, i + 1)
            out.append(("edit", kind, m.group(1), m.group(2) if kind == "after" else None,
                        block))
            continue
        if line.startswith("    $ "):
            command, expect = line[6:], []
            i += 1
            while i < len(lines) and lines[i].startswith("    ") \
                    and not lines[i].startswith("    $ "):
                expect.append(lines[i][4:])
                i += 1
            out.append(("run", command, expect))
            continue
        i += 1
    return out


def apply_edit(tree, kind, path, anchor, block):
    """Makes the change; returns None or why it could not."""
    full = os.path.join(tree, path)
    text = "\n".join(block) + "\n"
    if kind == "create":
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        return None
    if not os.path.exists(full):
        return f"{path} does not exist"
    with open(full) as f:
        old = f.read()
    if kind == "end":
        new = old.rstrip("\n") + "\n\n" + text
    else:
        lines = old.split("\n")
        at = next((n for n, l in enumerate(lines) if l.startswith(anchor)), None)
        if at is None:
            return f"no line starting with {anchor!r} in {path}"
        new = "\n".join(lines[:at + 1] + block + lines[at + 1:])
    with open(full, "w") as f:
        f.write(new)
    return None


def in_order(expect, output):
    """The first expected line not found (after the one before it), or None."""
    got = [l.rstrip() for l in output.split("\n")]
    pos = 0
    for want in expect:
        try:
            pos = got.index(want.rstrip(), pos) + 1
        except ValueError:
            return want
    return None


def copy_tree(tree):
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, stdout=subprocess.PIPE,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = os.path.join(ROOT, name)
        if os.path.isfile(src):
            os.makedirs(os.path.join(tree, os.path.dirname(name)), exist_ok=True)
            shutil.copy2(src, os.path.join(tree, name))
    if os.path.isdir(os.path.join(ROOT, BUILD)):
        shutil.copytree(os.path.join(ROOT, BUILD), os.path.join(tree, BUILD), symlinks=True)
    subprocess.run("git init -q && git add -A", shell=True, cwd=tree, check=True)


def check_gdb_lines(add):
    with open(HOWTO) as f, open(README) as g:
        howto, readme = GDB_RE.findall(f.read()), set(GDB_RE.findall(g.read()))
    strays = [c for c in howto if c not in readme]
    if howto and not strays:
        add("ok", "howto/gdb")
    else:
        add("FAIL", "howto/gdb", f"(gdb) lines not in README (which the gdb test runs): "
            f"{strays or 'none at all'}")


def run(add, tmpdir):
    check_gdb_lines(add)
    with open(HOWTO) as f:
        todo = steps(f.read())
    if not any(s[0] == "run" for s in todo):
        add("FAIL", "howto/steps", "docs/howto.md has no `$ ` command")
        return
    tree = os.path.join(tmpdir, "howto-tree")
    copy_tree(tree)
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)      # a fresh make, not part of the caller's
    env.pop("MAKELEVEL", None)
    for n, step in enumerate(todo, 1):
        if step[0] == "edit":
            _, kind, path, anchor, block = step
            why = apply_edit(tree, kind, path, anchor, block)
            name = f"howto/edit-{n}-{os.path.basename(path)}"
            if why:
                add("FAIL", name, why)
                return
            add("ok", name)
            continue
        _, command, expect = step
        status, output = machine.run_group(["bash", "-c", command], timeout=COMMAND_TIMEOUT,
                                           cwd=tree, env=env)
        if status is None:
            status = "timeout"
        tail = output.rstrip("\n").split("\n")[-20:]
        missing = in_order(expect, output)
        if status != 0:
            add("FAIL", f"howto/run-{n}", f"`{command}` exited {status}", tail)
            return
        if missing is not None:
            add("FAIL", f"howto/run-{n}", f"`{command}` did not print {missing!r}", tail)
            return
        add("ok", f"howto/run-{n}")


def main():
    return machine.standalone(run, "cowbird-howto-")


if __name__ == "__main__":
    sys.exit(main())
