"""A real pseudo-terminal for a TUI under test, read at a chosen speed.

The program runs on the pty's slave side as it would in a terminal (its own session, a
window size, TERM set); this process reads the master side like a terminal emulator or
sshd would. With `bytes_per_s` set the reader takes at most that many bytes a second, as
a slow SSH link drains: the pty's buffer fills and the program's writes block, exactly
the back-pressure a real slow link gives. Every read is kept with its time so a
benchmark can tell when something first reached the "screen". Like a terminal, the
reader answers a cursor position query (DSR 6, `CSI 6 n`) once it has read that far,
and not before: a slow reader answers late, as a terminal behind a slow link does
(`answers=False`: a terminal that never answers).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_READ_CHUNK = 4096
_TAIL = 256  # bytes kept across reads, so a pattern split between two reads is found
CURSOR_QUERY = b"\x1b[6n"
CURSOR_ANSWER = b"\x1b[1;1R"  # where the cursor is matters to nobody here


@dataclass
class Match:
    at: float  # time.time() of the read that completed it
    groups: tuple[bytes, ...]


@dataclass
class _Watch:
    pattern: re.Pattern[bytes]
    seen: set[bytes] = field(default_factory=set)
    matches: list[Match] = field(default_factory=list)


class PtyProgram:
    """`argv` on a pty of `size` (columns, rows), drained at `bytes_per_s` (None: as fast
    as it writes)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        size: tuple[int, int] = (120, 40),
        bytes_per_s: float | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        answers: bool = True,
    ) -> None:
        self.argv = list(argv)
        self.answers = answers
        self.queries = 0  # cursor position queries read (and answered, with `answers`)
        self.size = size
        self.bytes_per_s = bytes_per_s
        self.env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            **(env or {}),
        }
        self.cwd = cwd
        self.started = 0.0
        self.total = 0  # bytes read so far
        self.recording: bytearray | None = None  # set to a bytearray to keep what is read
        self._lock = threading.Lock()
        self._watches: list[_Watch] = []
        self._master = -1
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._stop = threading.Event()

    # --- life ---------------------------------------------------------------------------

    def __enter__(self) -> PtyProgram:
        master, slave = pty.openpty()
        columns, rows = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.started = time.time()
        self._process = subprocess.Popen(
            self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,  # the pty becomes its controlling terminal
            close_fds=True,
        )
        os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc: object) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                self.send(b"\x11")  # ctrl+q: quit as a user would
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self._stop.set()
        if self._reader is not None:
            self._reader.join(5)
        with contextlib.suppress(OSError):
            os.close(self._master)

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def send(self, data: bytes) -> None:
        """Type `data` (the keys' bytes, as a terminal sends them)."""
        os.write(self._master, data)

    # --- what was read ------------------------------------------------------------------

    def watch(self, pattern: bytes) -> list[Match]:
        """From now on, note the first time each distinct match of `pattern` is read; the
        list returned fills as the reader goes."""
        watch = _Watch(re.compile(pattern))
        with self._lock:
            self._watches.append(watch)
        return watch.matches

    def bytes_read(self) -> int:
        with self._lock:
            return self.total

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the program so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS for the program")

    def _read(self) -> None:
        tail = b""
        budget = 0.0
        last = time.monotonic()
        rate = self.bytes_per_s
        while not self._stop.is_set():
            want = _READ_CHUNK
            if rate is not None:
                now = time.monotonic()
                budget = min(budget + (now - last) * rate, max(rate / 50, 1.0))
                last = now
                if budget < 1:
                    time.sleep((1 - budget) / rate + 0.001)
                    continue
                want = max(1, min(_READ_CHUNK, int(budget)))
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, want)
            except OSError:  # the program is gone (EIO on the master)
                break
            if not data:
                break
            if rate is not None:
                budget -= len(data)
            at = time.time()
            window = tail + data
            # A query split between two reads counts once, when its last byte is read.
            queries = window[-len(data) - len(CURSOR_QUERY) + 1 :].count(CURSOR_QUERY)
            if queries:
                self.queries += queries
                if self.answers:
                    with contextlib.suppress(OSError):
                        os.write(self._master, CURSOR_ANSWER * queries)
            with self._lock:
                self.total += len(data)
                if self.recording is not None:
                    self.recording += data
                for watch in self._watches:
                    for match in watch.pattern.finditer(window):
                        key = match.group(0)
                        if key not in watch.seen:
                            watch.seen.add(key)
                            watch.matches.append(Match(at, match.groups()))
            tail = window[-_TAIL:]


def wait_for(matches: list[Match], count: int, seconds: float, what: str) -> None:
    """Block until `matches` holds `count` entries."""
    deadline = time.monotonic() + seconds
    while len(matches) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.005)
