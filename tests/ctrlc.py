"""Ctrl-C at the console kills the shell's foreground command line.

tests/run.py runs this for the suite line `session ctrlc`.  With a
background job running (t_sleep, which must survive everything), it types
Ctrl-C (byte 3) while the shell runs
  - a runaway program followed by more of the line: the program goes, the
    rest of the line is not run, the prompt comes back;
  - a pipeline of three: all three and the shell's pipeline process go;
  - a 2 MB console write: the output stops and the shell answers within
    seconds (the write would take a minute);
  - nothing (at the prompt): a new prompt;
and after each checks with ps that the shell is the same process (Ctrl-C
never kills it), that what Ctrl-C killed is gone and that the background
job is still there.  Then Ctrl-L, which must not land in the line, and
last the builtin exit: init starts a new shell.
"""
import re
import time

CTRL_C = b"\x03"
PROMPT_AFTER = 10           # seconds from Ctrl-C to the prompt (old kernel: never)
SETTLE = 1.0                # seconds to let a command get going before Ctrl-C
PROMPT_RE = re.compile(r"\$ ")


class Session:
    def __init__(self, vm, res, run_command):
        self.vm, self.res, self.run_command = vm, res, run_command
        self.broken = False

    def ps(self):
        """[(pid, ppid, name)] from ps; None once the machine broke."""
        out, problem = self.run_command(self.vm, "ps", 30)
        if problem:
            self.fail("ps", problem, self.vm.tail())
            return None
        rows = []
        for line in out.split("\n"):
            cols = line.split()
            if len(cols) >= 4 and cols[0].isdigit() and cols[1].isdigit():
                if cols[3] != "ps":
                    rows.append((int(cols[0]), int(cols[1]), cols[3]))
        return rows

    def fail(self, name, why, tail=None):
        self.res.add("FAIL", "ctrlc/" + name, why, tail)
        self.broken = True

    def ok(self, name):
        self.res.add("ok", "ctrlc/" + name)

    def shell_pid(self, rows):
        shells = [pid for pid, ppid, name in rows if name == "sh" and ppid == 1]
        return shells[0] if len(shells) == 1 else None

    def settled_ps(self, gone, shell):
        """ps, once no name in gone and no sh but the shell is listed
        (killed processes may take a moment to exit), or after 10 s."""
        deadline = time.monotonic() + 10
        while True:
            rows = self.ps()
            if rows is None or time.monotonic() > deadline or not any(
                    n in gone or (n == "sh" and pid != shell) for pid, _, n in rows):
                return rows
            time.sleep(0.5)

    def interrupt(self, name, line, wait_for=None):
        """Types line, lets it run, types Ctrl-C; True if the prompt came back."""
        mark = len(self.vm.out)
        self.vm.type(line)
        if wait_for is not None:
            self.vm.expect([wait_for], mark, time.monotonic() + 30)
        time.sleep(SETTLE)
        self.vm.pump(0)
        mark = len(self.vm.out)
        t0 = time.monotonic()
        self.vm.proc.stdin.write(CTRL_C)
        i, _ = self.vm.expect([PROMPT_RE], mark, t0 + PROMPT_AFTER)
        if i is None:
            self.fail(name, f"no prompt within {PROMPT_AFTER} s of Ctrl-C", self.vm.tail())
            return False
        # Whatever the killed line still had in the UART's ring is out now.
        time.sleep(0.3)
        self.vm.pump(0.2)
        self.ok(name + "-prompt")
        return True

    def check_after(self, name, shell, gone, survivor):
        rows = self.settled_ps(gone, shell)
        if rows is None:
            return
        left = [n for _, _, n in rows if n in gone]
        extra_sh = [pid for pid, _, n in rows if n == "sh" and pid != shell]
        if not any(pid == shell and n == "sh" for pid, _, n in rows):
            self.fail(name + "-shell-kept", f"the shell (pid {shell}) is gone: {rows}")
        elif left or extra_sh:
            self.fail(name + "-killed", f"still running: {left} and sh {extra_sh}: {rows}")
        elif not any(pid == survivor for pid, _, _ in rows):
            self.fail(name + "-background-kept",
                      f"the background job (pid {survivor}) is gone: {rows}")
        else:
            self.ok(name + "-killed")


def run(vm, res, run_command):
    """Returns False if the machine must be rebooted."""
    s = Session(vm, res, run_command)
    out, problem = run_command(vm, "t_sleep 3000 &", 30)
    rows, deadline = None, time.monotonic() + 10
    while not problem:
        # Until the job has exec'd, it is a second "sh" whose parent is init.
        rows = s.ps()
        if rows is None or any(n == "t_sleep" for _, _, n in rows) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if rows is None:
        res.add("FAIL", "ctrlc/start", problem or "ps failed", vm.tail())
        return False
    shell = s.shell_pid(rows)
    sleepers = [pid for pid, ppid, n in rows if n == "t_sleep"]
    if shell is None or len(sleepers) != 1:
        res.add("FAIL", "ctrlc/start", f"want one sh and one t_sleep in ps: {rows}")
        return False
    survivor = sleepers[0]

    # A runaway program; the rest of its line must not run.
    mark = len(vm.out)
    if s.interrupt("runaway", "t_busy spin; echo rest-of-line-ran"):
        if re.search(r"(?m)^rest-of-line-ran$", vm.out[mark:]):
            s.fail("runaway-line-dropped", "the shell ran the rest of the line", vm.tail())
        else:
            s.ok("runaway-line-dropped")
        s.check_after("runaway", shell, {"t_busy"}, survivor)

    # A pipeline: every process of it.
    if not s.broken and s.interrupt("pipeline", "t_busy spin | cat | wc"):
        s.check_after("pipeline", shell, {"t_busy", "cat", "wc"}, survivor)

    # A 2 MB console write: the shell answers within seconds.
    if not s.broken and s.interrupt("write", "t_busy write 2000000",
                                    wait_for=re.compile("# t_busy writes")):
        out, problem = run_command(vm, "echo answers", PROMPT_AFTER)
        if problem or "answers" not in out.split("\n"):
            s.fail("write-shell-answers", problem or "no answer", vm.tail())
        else:
            s.ok("write-shell-answers")
        s.check_after("write", shell, {"t_busy"}, survivor)

    # At the prompt: a new prompt, the shell stays.
    if not s.broken and s.interrupt("idle", ""):
        s.check_after("idle", shell, set(), survivor)

    # Ctrl-L is not part of the line.
    if not s.broken:
        out, problem = run_command(vm, "echo left\x0cright", 30)
        if problem or "leftright" not in out.split("\n"):
            s.fail("ctrl-l-ignored", problem or f"echo printed {out!r}", vm.tail())
        else:
            s.ok("ctrl-l-ignored")

    # exit: the shell ends and init starts another.
    if not s.broken:
        mark = len(vm.out)
        vm.type("exit")
        i, _ = vm.expect([PROMPT_RE], mark + len("exit\n"), time.monotonic() + 30)
        rows = s.ps() if i is not None else None
        new_shell = s.shell_pid(rows) if rows else None
        if new_shell is None or new_shell == shell:
            s.fail("exit", f"shell {shell} after exit: {rows}", vm.tail())
        else:
            s.ok("exit")

    run_command(vm, f"kill {survivor}", 30)
    return not s.broken
