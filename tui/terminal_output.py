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
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from tui.sgr_compaction import SgrCompactor

if TYPE_CHECKING:
    from textual.driver import Driver

REPAINTS_PER_S: Final = 2.0
"""Sustained repaints a second under load: a few lines' reading time each. Over SSH,
sshd drains the pty at once and the link's backlog waits in its buffers, out of the
app's sight (output_backlog sees only a local slow reader), so this rate and the frame's
size (tui/sgr_compaction.py) are what keep a flood under the link: at 100 msg/s and
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


def output_backlog(app: object) -> int:
    """Frames queued for the terminal and not yet written (0 when it cannot be told)."""
    writer = getattr(getattr(app, "_driver", None), "_writer_thread", None)
    queue = getattr(writer, "_queue", None)
    qsize = getattr(queue, "qsize", None)
    if qsize is None:
        return 0
    try:
        return int(qsize())
    except (TypeError, ValueError, NotImplementedError):
        return 0


COMPACT_OUTPUT_ENV: Final = "IVS_CHAT_TUI_COMPACT_OUTPUT"
"""0: write Textual's output as Textual renders it (to rule the compaction out)."""


def compacting_driver(base: type[Driver], environ: Mapping[str, str] = os.environ) -> type[Driver]:
    """`base` with every write passed through an `SgrCompactor` (tui/sgr_compaction.py):
    a busy chat's frames shrink by about a third, and a slow link drains them sooner."""
    if environ.get(COMPACT_OUTPUT_ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return base

    class CompactingDriver(base):  # type: ignore[misc, valid-type]  # a base chosen at run time
        def write(self, data: str) -> None:
            compactor: SgrCompactor | None = getattr(self, "_sgr_compactor", None)
            if compactor is None:
                compactor = self._sgr_compactor = SgrCompactor()
            super().write(compactor.compact(data))

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
    "REPAINTS_PER_S",
    "RepaintPacer",
    "compacting_driver",
    "cursor_should_blink",
    "output_backlog",
]
