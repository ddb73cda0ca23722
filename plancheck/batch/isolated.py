"""Run a function in a child process that a hang or a crash cannot take down with it.

`Isolated` owns one child (`python -m plancheck.batch.child`, a plain subprocess, so it also
works inside daemonic Dask worker processes). `call("module:function", args, timeout)` sends
the call over the child's stdin as a length-prefixed pickle and waits for the answer on its
stdout. If the answer does not come within `timeout` the child is killed (`Timeout`); if the
child dies (segfault, out of memory, os._exit) the call raises `Crashed`. Either way the next
call starts a fresh child. The child imports the checking stack once, before it says ready.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import time
from typing import Any

HEADER = struct.Struct(">Q")
#: how long a fresh child may take to import the checking stack and say ready (s)
START_TIMEOUT_S = 180.0


class Timeout(Exception):
    """The call did not finish in time; the child was killed."""


class Crashed(Exception):
    """The child died during the call (or could not start)."""


class CallError(Exception):
    """The function raised inside the child: the message is `Type: text`."""


def send(stream, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes | None:
    """n bytes from fd, None at end of file; raise Timeout past the deadline."""
    chunks, got = [], 0
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while got < n:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise Timeout
            if not sel.select(wait):
                raise Timeout
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            got += len(chunk)
    return b"".join(chunks)


def receive(fd: int, deadline: float | None) -> Any:
    head = _read_exact(fd, HEADER.size, deadline)
    if head is None:
        raise EOFError
    body = _read_exact(fd, HEADER.unpack(head)[0], deadline)
    if body is None:
        raise EOFError
    return pickle.loads(body)


class Isolated:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.stderr = None

    def _start(self) -> None:
        if self.stderr is not None:
            self.stderr.close()
        self.stderr = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "plancheck.batch.child"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env, close_fds=True)
        try:
            ready = receive(self.proc.stdout.fileno(), time.monotonic() + START_TIMEOUT_S)
        except (EOFError, Timeout):
            reason = self._death()
            raise Crashed(f"the worker process could not start ({reason})") from None
        if ready != "ready":
            self.kill()
            raise Crashed(f"the worker process said {ready!r} instead of ready")

    def call(self, target: str, args: tuple, timeout: float | None = None) -> Any:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        try:
            send(self.proc.stdin, (target, args))
            deadline = None if timeout is None else time.monotonic() + timeout
            status, value = receive(self.proc.stdout.fileno(), deadline)
        except Timeout:
            self.kill()
            raise Timeout(f"no result within {timeout:g} s; the worker was stopped") from None
        except (EOFError, BrokenPipeError, OSError, pickle.UnpicklingError):
            raise Crashed(f"the worker process died ({self._death()})") from None
        if status == "err":
            raise CallError(value)
        return value

    def _death(self) -> str:
        """Reap the child; say how it ended (signal or exit code, last stderr line)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return "not running"
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        _close_streams(proc)
        if code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        tail = self._stderr_tail()
        return f"{how}: {tail}" if tail else how

    def _stderr_tail(self) -> str:
        if self.stderr is None:
            return ""
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - 2000))
            lines = self.stderr.read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1][:200] if lines else ""

    def kill(self) -> None:
        """Stop the child at once (it is replaced on the next call)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            _close_streams(proc)

    def close(self) -> None:
        """Stop the child politely (end of input), or kill it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        _close_streams(proc)
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None


def _close_streams(proc: subprocess.Popen) -> None:
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass
