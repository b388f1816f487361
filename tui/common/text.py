"""Untrusted text made safe for a terminal: the character classes and two renderings.

- `clean()` is for the chat screen: what a reader should see. Controls become Control
  Pictures, newlines "␤", bidi overrides visible escapes, invisible bidi marks go.
- `for_log()` is for log lines and the operator's terminal: nothing is hidden, every
  character that is not plainly printable is shown as an escape (`\\x1b`, `\\u202e`,
  `\\n`), so a request path cannot write the clipboard (OSC 52), clear the screen or forge
  a log line, and the operator can still read what was sent.

Why each class is dangerous is written once, here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Bidi embeddings, overrides and isolates: they make text display in another order than
# it is stored (the Trojan Source trick), so a name or message could read as another.
BIDI_CONTROLS: Final = frozenset(
    chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
# Bidi marks: invisible, they only nudge neutral characters; some right-to-left keyboards
# type them on their own, so the chat screen removes them rather than litter the text.
BIDI_MARKS: Final = frozenset("\u061c\u200e\u200f")

_NEWLINE: Final = "\u2424"  # SYMBOL FOR NEWLINE

_unsafe_ranges = (
    "\x00-\x1f\x7f-\x9f"  # C0, DEL, C1
    "\u061c\u200e\u200f"  # bidi marks
    "\u2028\u2029"  # line and paragraph separators
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides, isolates
    "\ud800-\udfff"  # lone surrogates
)
_UNSAFE: Final = re.compile(f"[{_unsafe_ranges}]")


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x09] = " "
    table[0x0A] = _NEWLINE
    table[0x0D] = _NEWLINE
    table[0x7F] = "\u2421"  # SYMBOL FOR DELETE
    for code in range(0x80, 0xA0):
        table[code] = f"\\x{code:02x}"
    for mark in BIDI_MARKS:
        table[ord(mark)] = None
    table[0x2028] = _NEWLINE
    table[0x2029] = _NEWLINE
    for control in BIDI_CONTROLS:
        table[ord(control)] = f"\\u{ord(control):04x}"
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    return table


_TABLE: Final = _build_table()


def clean(text: str) -> str:
    """`text` with every control, bidi-override and unencodable character made visible
    (or, for invisible bidi marks, removed). Safe text is returned as is, cheaply: the
    common case is one C-level regex scan."""
    if _UNSAFE.search(text) is None:
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TABLE)


# For logs: also every other format (Cf), separator (Zl, Zp) and unassigned character,
# since the operator's terminal may act on them and nothing there needs them raw.
_LOG_SAFE: Final = re.compile(r"[\x20-\x7e]*")
_LOG_ESCAPES: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _log_char(ch: str) -> str:
    if ch in _LOG_ESCAPES:
        return _LOG_ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    if (
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors: invisible marks
        or 0xE0100 <= code <= 0xE01EF
    ):
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


def for_log(value: object) -> str:
    """`value` as one line of visible text for a log or the operator's terminal: controls,
    bidi characters, newlines and other invisible format characters become escapes, and a
    backslash is doubled so an escape cannot be forged."""
    text = value if isinstance(value, str) else str(value)
    if _LOG_SAFE.fullmatch(text) is not None and "\\" not in text:
        return text
    return "".join(_log_char(ch) for ch in text)


def pasted_line(text: str) -> str:
    """A paste as one line of visible text: its lines joined with spaces, controls made
    visible. A clipboard copied from anywhere may hold escape sequences."""
    return clean(" ".join(part for part in text.splitlines() if part.strip()))


__all__ = ["BIDI_CONTROLS", "BIDI_MARKS", "clean", "for_log", "pasted_line"]
