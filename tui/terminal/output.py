"""How fast the screen may change: repaint pacing for a busy chat, and the terminal's
backlog as Textual's output thread shows it.

A flood at 100 messages a second, repainted at Textual's 60 frames a second, writes about
250 KB/s to the terminal; over a 256 kbit/s SSH link (32 KB/s) the frames queue up and
the screen, keys included, falls seconds behind. Nobody reads a hundred lines a second
and the scrollback keeps everything, so the message list repaints on a budget
(`RepaintPacer`): a quiet chat shows each message at once, a busy one a few times a
second, and while the terminal has not taken the last frames yet none is added.

`output_backlog` reads Textual's writer thread (textual.drivers._writer_thread, 8.x):
frames handed to the driver and not yet written. A private detail, read defensively: on
another driver (headless, Windows, web) it answers 0 and pacing is by load alone.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

from textual import events
from textual.geometry import Region
from textual.screen import ModalScreen

from tui.terminal.output_gate import ANSWER_TIMEOUT_S, PROBE, Area, LinkMeter, OutputGate
from tui.terminal.sgr_compaction import SgrCompactor

if TYPE_CHECKING:
    from textual.driver import Driver
    from textual.message import Message

REPAINTS_PER_S: Final = 2.0
"""Sustained repaints a second under load: a few lines' reading time each. Over SSH,
sshd drains the pty at once and the link's backlog waits in its buffers, out of the
app's sight (output_backlog sees only a local slow reader), so this rate and the frame's
size (tui/terminal/sgr_compaction.py) are what keep a flood under the link: at 100 msg/s and
120x40 about 17 KB/s (bench/bench_tty.py). 3 a second wrote 25 KB/s for the same lag."""
REPAINT_BURST: Final = 3
"""Repaints taken at once after a quiet spell: a message in a quiet chat shows at once."""
BACKLOG_RECHECK_S: Final = 0.05
"""How often a repaint held back by the terminal's backlog looks again."""


class RepaintPacer:
    """A token bucket of repaints (pure: the clock is injected)."""

    def __init__(
        self,
        rate: float = REPAINTS_PER_S,
        burst: int = REPAINT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a pacer needs a positive rate and a burst of at least 1")
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now

    def wait(self, backlog: int = 0) -> float:
        """Seconds until the next repaint may go (0: now). With frames still waiting
        for the terminal (`backlog`), not before they are written."""
        self._refill()
        if backlog > 0:
            return BACKLOG_RECHECK_S
        if self._tokens >= 1:
            return 0.0
        return (1 - self._tokens) / self._rate

    def took(self) -> None:
        """A repaint went out (a key's repaint too: it counts, though it never waits)."""
        self._refill()
        self._tokens = max(self._tokens - 1, 0.0)


def output_backlog(app: object, *, covered: bool = False) -> int:
    """Frames queued for the terminal and not yet written, and lines held back for a
    slow link (tui/terminal/output_gate.py): 0 when it cannot be told. `covered`: the caller is
    under a dialog; on a slow link its repaints wait (1) until the dialog closes, as
    the link has no room for what can hardly be seen, and the first one after goes at
    once (0)."""
    driver = getattr(app, "_driver", None)
    held = getattr(driver, "output_pending", 0)
    held = held if isinstance(held, int) else 0
    if covered and getattr(driver, "link_is_slow", False) is True:
        driver.held_under_dialog = True  # type: ignore[union-attr]
        held += 1
    elif not covered and getattr(driver, "held_under_dialog", False) is True:
        # The dialog has closed, and the frame that closed it shows the list as it was
        # when it opened: the repaint goes now, ahead of that frame's held lines.
        driver.held_under_dialog = False  # type: ignore[union-attr]
        return 0
    writer = getattr(driver, "_writer_thread", None)
    queue = getattr(writer, "_queue", None)
    qsize = getattr(queue, "qsize", None)
    if qsize is None:
        return held
    try:
        return int(qsize()) + held
    except (TypeError, ValueError, NotImplementedError):
        return 0


def link_is_slow(app: object) -> bool:
    """Whether the app's terminal drains slowly, as measured (tui/output_gate.py): what
    it draws may then be drawn leaner (False when it cannot be told)."""
    return getattr(getattr(app, "_driver", None), "link_is_slow", False) is True


COMPACT_OUTPUT_ENV: Final = "IVS_CHAT_TUI_COMPACT_OUTPUT"
"""0: write Textual's output as Textual renders it (to rule the compaction out)."""
LINK_PROBE_ENV: Final = "IVS_CHAT_TUI_LINK_PROBE"
"""0: never ask the terminal how far it has got (tui/terminal/output_gate.py): frames go out as
they come, paced by load alone."""
SLOW_LINK_BYTES_PER_S: Final = 64_000
"""Below this (512 kbit/s) a whole-screen frame takes over 0.15 s: a slow link."""
CLOSE_WAIT_S: Final = 1.0
"""On leaving, how long the answers to queries already sent are waited for."""
_SYNC_START: Final = "\x1b[?2026h"
_SYNC_END: Final = "\x1b[?2026l"


def _off(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in ("0", "false", "no", "off")


_TERMINFO_DIRS: Final = ("~/.terminfo", "/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo")
_BCE: Final = 28  # the index of `bce` among terminfo's booleans (term(5), in every ncurses)


def erases_with_background(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the terminal's terminfo says an erase takes the current background (bce):
    then the compactor may erase a run of blanks instead of writing it. Read from the
    compiled entry (term(5)): curses reads one terminal per process, and costs a load."""
    term = environ.get("TERM", "")
    if not term or "/" in term or term.startswith("."):
        return False
    dirs = [environ["TERMINFO"]] if environ.get("TERMINFO") else []
    dirs += [*environ.get("TERMINFO_DIRS", "").split(":"), *_TERMINFO_DIRS]
    for folder in filter(None, dirs):
        base = Path(folder).expanduser()
        for sub in (term[0], f"{ord(term[0]):x}"):  # Linux names the folder, macOS hexes
            try:
                entry = (base / sub / term).read_bytes()[:512]
            except OSError:
                continue
            if len(entry) < 12 or entry[:2] not in (b"\x1a\x01", b"\x1e\x02"):
                return False
            names, booleans = int.from_bytes(entry[2:4], "little"), entry[4:6]
            count = int.from_bytes(booleans, "little")
            at = 12 + names + _BCE
            return count > _BCE and at < len(entry) and entry[at] == 1
    return False


def _probes_terminal(base: type[Driver]) -> bool:
    """Only a real terminal's driver (its input thread parses the answers)."""
    try:
        from textual.drivers.linux_driver import LinuxDriver
    except ImportError:  # no termios: Windows
        return False
    return issubclass(base, LinuxDriver)


def compacting_driver(base: type[Driver], environ: Mapping[str, str] = os.environ) -> type[Driver]:
    """`base` with every write passed through an `SgrCompactor` (tui/terminal/sgr_compaction.py):
    a busy chat's frames shrink by about a third, and a slow link drains them sooner.
    On a terminal, the writes also pass an `OutputGate` (tui/terminal/output_gate.py): the link's
    drain is measured in band and what the user does goes ahead of the message list."""
    compact = not _off(environ, COMPACT_OUTPUT_ENV)
    gated = not _off(environ, LINK_PROBE_ENV) and _probes_terminal(base)
    if not compact and not gated:
        return base
    erase = compact and erases_with_background(environ)

    class CompactingDriver(base):  # type: ignore[misc, valid-type]  # a base chosen at run time
        _sgr_compactor: SgrCompactor | None = None
        _output_gate: OutputGate | None = None
        # The gate and its meter: held briefly, never while writing. The input thread
        # (answers) only ever waits for this one, so a write blocked on a full terminal
        # never keeps the answers that would free it from being read.
        _state_lock: threading.Lock | None = None
        _write_lock: threading.Lock | None = None  # one batch taken and written at a time
        _pump_wanted = False
        _gate_timer: threading.Timer | None = None
        _gate_size: tuple[int, int] | None = None

        def _start_gate(self) -> OutputGate:
            self._state_lock = threading.Lock()
            self._write_lock = threading.Lock()
            self._output_gate = OutputGate(LinkMeter())
            return self._output_gate

        def write(self, data: str) -> None:
            if not gated:
                super().write(self._compact(data))
                return
            gate = self._output_gate or self._start_gate()
            assert self._state_lock is not None and self._write_lock is not None
            with self._state_lock:
                straight = gate.meter.silent and not gate.pending
                if not straight:
                    if data in (_SYNC_START, _SYNC_END):
                        return  # each batch let out is wrapped instead (a frame may be cut)
                    size = self._get_terminal_size()
                    if size != self._gate_size:
                        gate.forget()  # a resize: the cells are not what was sent
                        self._gate_size = size
                    gate.add(data, self._focus())
            if straight:
                with self._write_lock:
                    super().write(self._compact(data))
                return
            self._pump()

        def _focus(self) -> Area | None:
            """The cells of the dialog up (a modal screen's own widgets), if one is: its
            lines go before those of the screen dimmed behind it."""
            stack = getattr(self._app, "_screen_stack", None)
            screen = stack[-1] if stack else None
            if not isinstance(screen, ModalScreen):
                return None
            regions = [child.region for child in screen.children if child.region]
            if not regions:
                return None
            region = Region.from_union(regions)
            return (region.x, region.y, region.width, region.height)

        @property
        def output_pending(self) -> int:
            """Lines held back for the link (0 without a gate)."""
            gate = self._output_gate
            return gate.pending if gate is not None else 0

        @property
        def link_is_slow(self) -> bool:
            """The terminal drains less than SLOW_LINK_BYTES_PER_S, as measured."""
            gate = self._output_gate
            rate = gate.meter.rate if gate is not None and not gate.meter.silent else None
            return rate is not None and rate < SLOW_LINK_BYTES_PER_S

        def start_application_mode(self) -> None:
            self._output_gate = None  # back from a suspend: measured afresh
            super().start_application_mode()

        def stop_application_mode(self) -> None:
            # All that is held goes now, then no more queries; the answers still owed
            # are waited for a moment, so they reach the app, not the shell after it.
            gate = self._output_gate
            if gate is not None:
                assert self._state_lock is not None and self._write_lock is not None
                with self._write_lock:
                    with self._state_lock:
                        text = gate.take(everything=True)
                        gate.meter.silent = True  # from now on every write goes straight out
                    if text:
                        super().write(self._compact(text))
                deadline = time.monotonic() + CLOSE_WAIT_S
                while gate.meter.probing and time.monotonic() < deadline:
                    time.sleep(0.01)
            super().stop_application_mode()

        def process_message(self, message: Message) -> None:
            gate = self._output_gate
            if isinstance(message, events.CursorPosition) and gate is not None:
                assert self._state_lock is not None
                with self._state_lock:
                    ours = gate.meter.answer()
                if ours:
                    self._pump()
                    return  # the app never asked
            super().process_message(message)

        def _compact(self, data: str) -> str:
            if not compact:
                return data
            if self._sgr_compactor is None:
                self._sgr_compactor = SgrCompactor(erase=erase)
            return self._sgr_compactor.compact(data)

        def _pump(self) -> None:
            """Write what the gate lets out, each batch followed by a query. Whoever
            holds the write lock goes round again for a call that found it taken."""
            gate = self._output_gate
            assert gate is not None and self._state_lock is not None
            assert self._write_lock is not None
            meter = gate.meter
            while True:
                with self._state_lock:
                    self._pump_wanted = True
                if not self._write_lock.acquire(blocking=False):
                    return
                try:
                    while True:
                        with self._state_lock:
                            self._pump_wanted = False
                            meter.check()
                            text = gate.take()
                            silent = meter.silent
                            # Bytes written with no query after them (too many were
                            # unanswered then) get one now: nothing else would free them.
                            owed = not text and not silent and meter.unasked and meter.probe()
                        if owed:
                            super().write(PROBE)
                        if not text:
                            break
                        out = self._compact(text)
                        if getattr(self._app, "_sync_available", False):
                            out = _SYNC_START + out + _SYNC_END
                        if not silent:
                            with self._state_lock:
                                meter.sent(len(out.encode()))
                                if meter.probe():
                                    out += PROBE
                        super().write(out)
                finally:
                    self._write_lock.release()
                with self._state_lock:
                    if gate.pending and meter.probing and self._gate_timer is None:
                        # Should the answers stop, the held lines still go (`check`).
                        self._gate_timer = threading.Timer(ANSWER_TIMEOUT_S + 0.1, self._recheck)
                        self._gate_timer.daemon = True
                        self._gate_timer.start()
                    if not self._pump_wanted:
                        return

        def _recheck(self) -> None:
            assert self._state_lock is not None
            with self._state_lock:
                self._gate_timer = None
            self._pump()

    CompactingDriver.__name__ = CompactingDriver.__qualname__ = f"Compacting{base.__name__}"
    return CompactingDriver


CURSOR_BLINK_ENV: Final = "IVS_CHAT_TUI_CURSOR_BLINK"
"""1 or 0: blink the composer's cursor or not, whatever the link."""


def cursor_should_blink(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the composer's cursor blinks. Textual blinks it by repainting the input
    line twice a second (about 2.5 KB/s at 120 columns), so over SSH (sshd sets
    SSH_CONNECTION and SSH_TTY) an idle screen would never be idle: there it stays solid.
    IVS_CHAT_TUI_CURSOR_BLINK=1 or 0 decides it either way."""
    chosen = environ.get(CURSOR_BLINK_ENV, "").strip().lower()
    if chosen in ("1", "true", "yes", "on"):
        return True
    if chosen in ("0", "false", "no", "off"):
        return False
    return not (environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))


__all__ = [
    "COMPACT_OUTPUT_ENV",
    "CURSOR_BLINK_ENV",
    "LINK_PROBE_ENV",
    "REPAINTS_PER_S",
    "RepaintPacer",
    "compacting_driver",
    "cursor_should_blink",
    "link_is_slow",
    "output_backlog",
]
