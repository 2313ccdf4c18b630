"""What tools/bench and tools/profile share: building a kernel for
measurement and driving one headless QEMU boot through its console.

Measurement kernels are built with DEBUG=0 (no debug checks: those cost
instructions) and CPUS=1, one build directory per fork mode,
build/<FORK>-debug0, so they never clobber the debug build `make check`
uses."""
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPT_RE = re.compile(r"(?m)^\$ ")


def build_dir(fork):
    return os.path.join("build", f"{fork}-debug0")


def build(fork, quiet=True):
    """Builds the DEBUG=0 kernel and disk of one fork mode; returns its dir."""
    b = build_dir(fork)
    cmd = ["make", "-s", f"FORK={fork}", "DEBUG=0", "CPUS=1", f"B={b}", "all"]
    res = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0 and os.path.isdir(os.path.join(ROOT, b)):
        # Objects do not depend on the compiler flags: after a change of
        # flags (a merge, say) stale ones may not link.  Start afresh once.
        shutil.rmtree(os.path.join(ROOT, b))
        res = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"build of FORK={fork} failed:\n{res.stdout}")
    if not quiet:
        print(res.stdout, end="")
    return os.path.join(ROOT, b)


class Guest:
    """One boot of QEMU on one hart under -icount shift=0,sleep=off, with
    a private copy of the disk image, the console on pipes and,
    optionally, the monitor on a Unix socket."""

    def __init__(self, kernel, fs, monitor=False, log=None):
        self.tmp = tempfile.mkdtemp(prefix="cowbird-bench-")
        disk = os.path.join(self.tmp, "fs.img")
        shutil.copyfile(fs, disk)
        # tools/qemu-cmd is the one QEMU command line (MEM=... sets the RAM).
        cmd = [os.path.join(ROOT, "tools", "qemu-cmd"), kernel, disk, "1",
               "-icount", "shift=0,sleep=off"]
        self.sock = None
        if monitor:
            path = os.path.join(self.tmp, "monitor.sock")
            cmd += ["-monitor", f"unix:{path},server=on,wait=off"]
        if log:
            cmd += ["-D", log]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0,
                                     start_new_session=True)
        self.out = ""
        if monitor:
            deadline = time.time() + 10
            while self.sock is None:
                try:
                    s = socket.socket(socket.AF_UNIX)
                    s.connect(path)
                    self.sock = s
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.05)
            self.monitor("")

    def expect(self, pattern, start=0, timeout=60):
        """Waits until pattern (a regex) matches the console output from
        start on; returns the match.  Raises TimeoutError or EOFError."""
        if isinstance(pattern, str):
            pattern = re.compile(re.escape(pattern))
        deadline = time.time() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            m = pattern.search(self.out, start)
            if m:
                return m
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(self.out[-2000:])
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                data = os.read(fd, 1 << 16)
                if not data:
                    raise EOFError(self.out[-2000:])
                self.out += data.decode("utf-8", "replace").replace("\r", "")

    def boot(self, timeout=60):
        self.expect(PROMPT_RE, 0, timeout)

    def type(self, line):
        self.proc.stdin.write(line.encode() + b"\n")

    def run(self, command, timeout=300):
        """Types a shell command; returns what it printed before the next prompt."""
        start = len(self.out)
        self.type(command)
        self.expect("\n", start, timeout)          # the echo of the command
        begin = self.out.index("\n", start) + 1
        m = self.expect(PROMPT_RE, begin, timeout)
        return self.out[begin:m.start()]

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

    def close(self):
        if self.sock:
            self.sock.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
