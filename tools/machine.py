"""The one QEMU driver: tests (tests/run.py and its sessions), crash tests
(tools/crashtest.py), benchmarks and profiles (tools/bench, tools/profile)
all boot cowbird through a Machine.

A Machine is one boot of tools/qemu-cmd (the one QEMU command line, the
Makefile's too) on its own copy of the disk image, with the console on
pipes, never the terminal.  Output is read as it comes and kept whole in
`out`; callers wait for patterns in it with expect() and type lines with
type().  QEMU runs in a session of its own (the terminal's Ctrl-C does not
reach it; close() kills it) and dies with the Python process that started
it (Linux's parent-death signal), even one killed with SIGKILL.

A harness calls exit_on_signals() first: then Ctrl-C, SIGTERM and SIGHUP
stop every machine at once (no new one boots) and end it through its
finally blocks.  spawn() and run_group() give any other child the same
fate: a test driver a harness starts, or a shell line that runs make.

Options for measurement: icount=True runs the guest under `-icount
shift=0,sleep=off` (the guest clock counts instructions, so figures
repeat), monitor=True opens the QEMU monitor on a Unix socket (monitor()),
log=FILE sends QEMU's -D log there.
"""
import argparse
import codecs
import concurrent.futures
import contextlib
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU_CMD = os.path.join(ROOT, "tools", "qemu-cmd")
FLOOD = 16 << 20          # more console output than this while waiting is a failure
TAIL_LINES = 30

PROMPT_RE = re.compile(r"(?m)^\$ ")
PANIC_RE = re.compile(r"(?m)^panic: ")

LIVE = set()              # Machines still running, for killing them all at the end
STOPPING = False          # set by stop_all(): no new Machine boots


try:
    import ctypes
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (ImportError, OSError, AttributeError):
    _prctl = None


def _die_with(parent, sig):
    """preexec_fn: in the child, ask Linux to send sig when its parent dies
    (PR_SET_PDEATHSIG; it survives the exec of qemu-cmd and QEMU's exec by
    it).  A parent that died before the request was made sends nothing: then
    the child does not start at all."""
    def preexec():
        if _prctl is not None:
            _prctl(1, sig)           # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(127)
    return preexec


def spawn(cmd, death_signal=signal.SIGKILL, **popen_args):
    """subprocess.Popen(cmd) in a session of its own (the terminal's Ctrl-C
    does not reach it: kill_group() stops it and whatever it started), which
    gets death_signal when this process dies, however it dies.  Linux sends
    it when the thread that started the child ends: start children from
    threads that outlive them (the main thread, a pool's workers)."""
    return subprocess.Popen(cmd, start_new_session=True,
                            preexec_fn=_die_with(os.getpid(), death_signal), **popen_args)


def kill_group(p, sig=signal.SIGKILL, grace=10):
    """Sends sig to the session spawn() started p in, and reaps p; one
    that outlives grace seconds after another signal than SIGKILL is
    killed."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except OSError:
            p.kill()
    try:
        p.wait(None if sig == signal.SIGKILL else grace)
    except subprocess.TimeoutExpired:
        kill_group(p)


def run_group(cmd, timeout=None, input=None, **popen_args):
    """subprocess.run(cmd) for a command that starts others (a shell line,
    make): all of them are killed on a timeout, an exception or this
    process's death, not only the first.  Returns (exit status, or None on
    a timeout; its output, stderr included, as text)."""
    p = spawn(cmd, death_signal=signal.SIGTERM, text=True,
              stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen_args)
    try:
        out, _ = p.communicate(input, timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        kill_group(p)
        try:
            out = p.communicate(timeout=5)[0]     # what came before, kept by Popen
        except subprocess.TimeoutExpired:
            out = ""            # another session holds the pipe open
        return None, out or ""
    finally:
        kill_group(p)
        for f in (p.stdin, p.stdout):
            if f:
                f.close()


def last_lines(text, n=TAIL_LINES):
    return text.rstrip("\n").split("\n")[-n:]


def close_all():
    for vm in list(LIVE):
        vm.close()


def stop_all():
    """Kills every running QEMU now and lets no new one boot: the threads
    waiting on one see it exit and wind down.  Safe in a signal handler (it
    takes no lock); close_all() reaps them after."""
    global STOPPING
    STOPPING = True
    for vm in list(LIVE):
        vm.kill()


def exit_on_signals():
    """For a harness's main(): Ctrl-C (KeyboardInterrupt), SIGTERM and
    SIGHUP (exit status 128 + N) stop every machine, then unwind the harness
    through its finally blocks, which close what is left and remove the
    temporary files.  Ctrl-C works in a background job too; a SIGHUP that
    nohup ignores stays ignored."""
    def handler(signum, frame):
        stop_all()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        sys.exit(128 + signum)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if sig != signal.SIGHUP or signal.getsignal(sig) != signal.SIG_IGN:
            signal.signal(sig, handler)


def start(args, tmpdir, append=None, disk=None, disk_filter=None):
    """A Machine for a harness's command line (args.kernel, args.fs,
    args.cpus, args.qemu_cmd), on a fresh copy of args.fs or on disk."""
    return Machine(args.kernel, args.fs, args.cpus, tmpdir, disk=disk,
                   append=append, qemu=args.qemu_cmd, disk_filter=disk_filter)


def harness_parser(description):
    """The command line a crash or fault harness shares: the kernel, its
    disk image and fsck, harts, parallel machines, and a stand-in QEMU."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--fs", required=True)
    ap.add_argument("--fsck", required=True)
    ap.add_argument("--cpus", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--qemu-cmd", help=argparse.SUPPRESS)
    return ap


def run_harness(body, name, counts, key):
    """Runs a harness's body(); an error it raises (RuntimeError, as FAIL
    name) or an interrupt counts once in counts[key]. Every machine still
    running is closed after, so none outlives the harness."""
    try:
        body()
    except RuntimeError as e:
        say(f"FAIL {name}: {e}")
        counts[key] += 1
    except KeyboardInterrupt:
        say("interrupted")
        counts[key] += 1
    finally:
        close_all()


@contextlib.contextmanager
def worker_pool(jobs):
    """A ThreadPoolExecutor for machines side by side.  When the harness
    stops early (an exception, Ctrl-C, SIGTERM), the work not started is
    cancelled and the machines running are stopped, where the plain pool
    would boot all the rest first."""
    pool = concurrent.futures.ThreadPoolExecutor(jobs)
    try:
        yield pool
    except BaseException:
        stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def summary(passed, failed):
    """A harness's last line, as make check's, and its exit status."""
    say(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def standalone(body, prefix):
    """Runs body(add, tmpdir), a check tests/run.py runs as one of its
    phases (tests/*_test.py), on its own: add(kind, name, reason, tail)
    prints the result lines run.py would; a temporary directory named
    prefix... is body's; returns the exit status after the last line."""
    exit_on_signals()
    counts = {"ok": 0, "FAIL": 0, "SKIP": 0}

    def add(kind, name, reason="", tail=None):
        counts[kind] += 1
        say(f"PASS {name}" if kind == "ok" else f"{kind} {name}" + (f": {reason}" if reason else ""),
            *["    | " + line for line in tail or []])
    with tempfile.TemporaryDirectory(prefix=prefix) as tmpdir:
        body(add, tmpdir)
    return summary(counts["ok"], counts["FAIL"])


_print_lock = threading.Lock()


def say(*lines):
    """Prints whole lines at once, from any of a harness's threads."""
    with _print_lock:
        for line in lines:
            print(line)
        sys.stdout.flush()


class Machine:
    """One QEMU boot: a fresh disk copy and a console on pipes."""

    def __init__(self, kernel, fs, cpus=1, tmpdir=None, disk=None, append=None,
                 icount=False, monitor=False, log=None, qemu=None, disk_filter=None,
                 mem=None):
        """Boots kernel on a fresh copy of fs in tmpdir (a private temporary
        directory if None), or on disk as it is.  qemu replaces the QEMU
        binary (tools/qemu-cmd's QEMU=, for testing the harness); disk_filter
        puts a QEMU block filter under the disk (tools/qemu-cmd's
        DISK_FILTER: blklogwrites:LOG or blkdebug:CONF); mem replaces the
        guest's RAM size (its MEM=, e.g. "1G")."""
        if STOPPING:
            raise RuntimeError("the harness is stopping: no new machine")
        self.own_tmp = tmpdir is None
        self.tmp = tempfile.mkdtemp(prefix="cowbird-qemu-") if tmpdir is None else tmpdir
        if disk is None:
            disk = os.path.join(self.tmp, "fs.img")
            shutil.copyfile(fs, disk)
        self.disk = disk
        cmd = [QEMU_CMD, kernel, disk, str(cpus)]
        if append:
            cmd += ["-append", append]
        if icount:
            cmd += ["-icount", "shift=0,sleep=off"]
        sock_path = None
        if monitor:
            sock_path = os.path.join(self.tmp, "monitor.sock")
            cmd += ["-monitor", f"unix:{sock_path},server=on,wait=off"]
        if log:
            cmd += ["-D", log]
        env = dict(os.environ, QEMU=qemu) if qemu else None
        if disk_filter:
            env = dict(env or os.environ, DISK_FILTER=disk_filter)
        if mem:
            env = dict(env or os.environ, MEM=mem)
        self.sock = None
        try:
            self.proc = spawn(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, bufsize=0, env=env)
        except OSError:
            self._remove_tmp()
            raise
        LIVE.add(self)
        if STOPPING:          # stop_all() ran while this one started
            self.kill()
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.out = ""         # everything the console printed in this boot
        self.eof = False
        if sock_path:
            self._connect_monitor(sock_path)

    def _connect_monitor(self, path):
        deadline = time.monotonic() + 10
        while self.sock is None:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                self.sock = s
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.monitor("")

    def pump(self, timeout):
        """Reads what QEMU printed, waiting at most timeout seconds for it."""
        if self.eof:
            time.sleep(min(timeout, 0.1))
            return
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return
        if not data:
            self.eof = True
        self.out += self.decoder.decode(data, final=not data).replace("\r", "")

    def expect(self, patterns, start, deadline):
        """Waits for the first of patterns (compiled regexes) to match the
        output from start on, until time.monotonic() reaches deadline.

        Returns (index, match), or (None, why) with why one of
        "timeout", "exited", "flood"."""
        pos = start
        while True:
            for i, pat in enumerate(patterns):
                m = pat.search(self.out, pos)
                if m:
                    return i, m
            # The patterns are short and lie within a line: rescan only the
            # unfinished last line, or its end if it is very long.
            tail = max(pos, len(self.out) - 4096)
            pos = self.out.rfind("\n", tail) + 1 or tail
            if self.eof:
                return None, "exited"
            if len(self.out) - start > FLOOD:
                return None, "flood"
            left = deadline - time.monotonic()
            if left <= 0:
                return None, "timeout"
            self.pump(min(left, 1.0))

    def boot(self, timeout):
        """Waits for the shell's first prompt; returns None, or why not
        ("kernel panic", "exited", "timeout", "flood")."""
        i, m = self.expect([PROMPT_RE, PANIC_RE], 0, time.monotonic() + timeout)
        if i == 0:
            return None
        return "kernel panic" if i == 1 else m

    def send(self, data):
        """Sends raw bytes (a control character, say) to the console."""
        try:
            self.proc.stdin.write(data)
        except (BrokenPipeError, OSError):
            pass                # QEMU is gone; expect() will notice

    def type(self, line):
        """Types line and a newline, slowly enough for the UART's small FIFO."""
        data = (line + "\n").encode()
        for i in range(0, len(data), 16):
            self.send(data[i:i + 16])
            self.pump(0.005)

    def run_to_prompt(self, command, timeout):
        """Types a shell command; returns (what it printed before the next
        prompt, without the echo of the command; None or why not)."""
        start = len(self.out)
        self.type(command)
        deadline = time.monotonic() + timeout
        i, m = self.expect([re.compile(r"\n")], start, deadline)   # the echo
        if i is None:
            return self.out[start:], m
        begin = m.end()
        i, m = self.expect([PROMPT_RE], begin, deadline)
        if i is None:
            return self.out[begin:], m
        return self.out[begin:m.start()], None

    def monitor(self, command):
        """Runs a QEMU monitor command; returns once the monitor is ready again."""
        self.sock.sendall(command.encode() + b"\n")
        buf = b""
        while not buf.endswith(b"(qemu) "):
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("QEMU monitor closed")
            buf += data
        return buf.decode("utf-8", "replace")

    def tail(self):
        return last_lines(self.out)

    def kill(self):
        """Kills QEMU without waiting for it (stop_all(), from a signal
        handler); close() reaps it."""
        if self.proc.returncode is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass

    def close(self):
        LIVE.discard(self)
        if self.sock:
            self.sock.close()
            self.sock = None
        kill_group(self.proc)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self._remove_tmp()

    def _remove_tmp(self):
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
