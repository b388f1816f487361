"""Alerts that work over SSH: the terminal bell, and a desktop notification where the
terminal shows one (OSC 9, or OSC 777 `notify`), for a mention of me and, for
moderators, a held message, an offence and shield mode turning on or off.

Both are bytes written to the terminal, so they cross SSH, mosh and a serial line as the
screen does; nothing runs on the machine the TUI runs on. The bytes go through the
driver's `write`, as Textual's own `App.bell` does, so they take their turn behind the
frames already written (tui/terminal/output.py's gate holds them in order).

Which notification a terminal shows cannot be asked in band, so it is read from the
environment it passes on (`TERM`, and `TERM_PROGRAM`/`LC_TERMINAL` where they cross
SSH): kitty, iTerm2, WezTerm and Ghostty take OSC 9; foot, urxvt and VTE terminals
OSC 777. Any other terminal, or a multiplexer between (tmux and screen drop an OSC
they do not know), gets the bell alone.

At most one alert every `MIN_GAP_S` seconds: a raid is many alerts at once, and one is
enough to make someone look. The words of a notification come from other people (a
name, a message): they are cleaned as every untrusted text is, so a notification never
carries a raw control character, and can never end its own sequence early to write
more.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from tui.common.app_identity import APP_NAME
from tui.common.text import clean
from tui.config.alert_settings import AlertKind, AlertSettings

if TYPE_CHECKING:
    from textual.app import App

MIN_GAP_S: Final = 5.0
"""Seconds between two alerts at least; an alert sooner is dropped."""
MAX_WORDS: Final = 160
"""A notification's words at most, in characters: a line, not a message."""
BEL: Final = "\x07"
ST: Final = "\x1b\\"
"""String Terminator: ends the OSC (BEL would also ring a second bell)."""


class Notice(StrEnum):
    """How a terminal shows a desktop notification."""

    NONE = "none"
    OSC9 = "osc9"
    OSC777 = "osc777"


_OSC9_PROGRAMS: Final = frozenset({"iTerm.app", "WezTerm", "ghostty"})
_OSC9_TERMS: Final = frozenset({"xterm-kitty", "xterm-ghostty", "wezterm"})
_OSC777_TERMS: Final = ("foot", "rxvt-unicode")


def notice_for(environ: Mapping[str, str] = os.environ) -> Notice:
    """The notification this terminal shows, as its environment says (NONE when unsure:
    an unknown OSC is ignored by most terminals, but not all)."""
    term = environ.get("TERM", "")
    if environ.get("TMUX") or environ.get("STY") or term.startswith(("screen", "tmux")):
        return Notice.NONE  # a multiplexer between drops the OSC
    if environ.get("TERM_PROGRAM") in _OSC9_PROGRAMS or environ.get("LC_TERMINAL") == "iTerm2":
        return Notice.OSC9
    if term in _OSC9_TERMS:
        return Notice.OSC9
    if term.startswith(_OSC777_TERMS) or environ.get("VTE_VERSION"):
        return Notice.OSC777
    return Notice.NONE


def notice_words(text: str) -> str:
    """`text` fit for a notification: cleaned (every control a visible picture, so
    nothing in it ends the sequence), one line, at most MAX_WORDS characters."""
    words = " ".join(clean(text).split())
    return words if len(words) <= MAX_WORDS else words[: MAX_WORDS - 1] + "…"


def alert_sequence(text: str, *, bell: bool, notice: Notice) -> str:
    """What to write for one alert: BEL, and the notification, if each is wanted. The
    words start with the program's name: OSC 9 text that starts with a digit and a `;`
    means something else to some terminals (ConEmu's progress bar)."""
    out = BEL if bell else ""
    words = notice_words(text)
    if notice is Notice.OSC9:
        out += f"\x1b]9;{APP_NAME}: {words}{ST}"
    elif notice is Notice.OSC777:
        out += f"\x1b]777;notify;{APP_NAME};{words}{ST}"
    return out


class Alerts:
    """Gives alerts as `settings` say, for a moderator or a viewer, through `write` (the
    terminal driver's), at most one every MIN_GAP_S seconds of `clock`."""

    def __init__(
        self,
        settings: AlertSettings,
        *,
        moderator: bool,
        write: Callable[[str], None],
        notice: Notice = Notice.NONE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.moderator = moderator
        self._write = write
        self._notice = notice if settings.desktop else Notice.NONE
        self._clock = clock
        self._last: float | None = None
        self.given: list[tuple[AlertKind, str]] = []
        """The alerts given, in order, with their words (for the screen's tests)."""

    def alert(self, kind: AlertKind, text: str) -> bool:
        """Alert of `kind` with `text` (untrusted words allowed) if it is wanted and the
        last one was MIN_GAP_S ago or more; whether it was given."""
        if not self.settings.wanted(kind, moderator=self.moderator):
            return False
        now = self._clock()
        if self._last is not None and now - self._last < MIN_GAP_S:
            return False
        sequence = alert_sequence(text, bell=self.settings.bell, notice=self._notice)
        if not sequence:
            return False
        self._last = now
        self.given.append((kind, notice_words(text)))
        self._write(sequence)
        return True


def driver_writer(app: App[Any]) -> Callable[[str], None]:
    """Writes to `app`'s terminal, as `App.bell` does: through its driver, so the bytes
    wait their turn behind the frames before them; nothing while headless (tests)."""

    def write(data: str) -> None:
        driver = app._driver
        if driver is not None and not app.is_headless:
            driver.write(data)

    return write


__all__ = [
    "BEL",
    "MAX_WORDS",
    "MIN_GAP_S",
    "Alerts",
    "Notice",
    "alert_sequence",
    "driver_writer",
    "notice_for",
    "notice_words",
]
