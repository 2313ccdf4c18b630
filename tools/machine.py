"""The one QEMU driver: tests (tests/run.py and its sessions), crash tests
(tools/crashtest.py), benchmarks and profiles (tools/bench, tools/profile)
all boot cowbird through a Machine.

A Machine is one boot of tools/qemu-cmd (the one QEMU command line, the
Makefile's too) on its own copy of the disk image, with the console on
pipes, never the terminal.  Output is read as it comes and kept whole in
`out`; callers wait for patterns in it with expect() and type lines with
type().  QEMU runs in a session of its own (the terminal's Ctrl-C does not
reach it; close() kills it) and dies with the Python process that started
it (Linux's parent-death signal).

Options for measurement: icount=True runs the guest under `-icount
shift=0,sleep=off` (the guest clock counts instructions, so figures
repeat), monitor=True opens the QEMU monitor on a Unix socket (monitor()),
log=FILE sends QEMU's -D log there.
"""
import argparse
import codecs
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


try:
    import ctypes
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (ImportError, OSError, AttributeError):
    _prctl = None


def die_with_parent():
    """In the child: ask Linux to kill QEMU when its parent dies."""
    if _prctl is not None:
        _prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG


def last_lines(text, n=TAIL_LINES):
    return text.rstrip("\n").split("\n")[-n:]


def close_all():
    for vm in list(LIVE):
        vm.close()


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


def summary(passed, failed):
    """A harness's last line, as make check's, and its exit status."""
    say(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


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
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, bufsize=0, start_new_session=True,
            preexec_fn=die_with_parent, env=env)
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.out = ""         # everything the console printed in this boot
        self.eof = False
        self.sock = None
        LIVE.add(self)
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

    def close(self):
        LIVE.discard(self)
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
