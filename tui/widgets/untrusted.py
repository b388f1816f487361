"""Untrusted text (messages, names, attributes from other people) made safe to draw.

Two dangers, two rules:

- Terminal control: ESC, the other C0/C1 controls and DEL would let a viewer move the
  broadcaster's cursor, clear the screen, plant OSC 8 links or write the clipboard with
  OSC 52. `clean()` turns each into something visible, so nothing reaches the terminal raw
  and a moderator can still see that something odd was sent.
- Markup: `[@click=app.quit]` in a message must stay text. Nothing here parses the text;
  `as_content()` and `content_from()` build Textual `Content` with the untrusted part as
  literal text only.

Choices, and why:

- C0 controls become Control Pictures (U+2400 + code, so ESC shows as "␛"); DEL is "␡".
- A chat line is one line: tab becomes a space, a newline (LF, CR LF, CR, U+2028, U+2029)
  becomes "␤" so a multi-line message stays readable and shows where it broke.
- C1 controls (U+0080-U+009F, e.g. the one-byte CSI U+009B) become an escape such as
  "\\x9b": they have no picture, and the escape tells a moderator what was sent.
- Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) become escapes
  such as "\\u202e": they reorder everything after them (the Trojan Source trick), so a
  message could appear to say something else or spill into the next column. Normal chat
  never needs them.
- Bidi marks (LRM U+200E, RLM U+200F, ALM U+061C) are removed, not shown: they are
  invisible, only nudge neutral characters in bidi-aware terminals, and some right-to-left
  keyboards insert them on their own, so escaping them would litter Hebrew and Arabic
  text while removing them hides nothing a reader could see.
- Lone surrogates (possible in JSON strings) become U+FFFD: they cannot be encoded for the
  terminal and would otherwise crash the writer.
"""

from __future__ import annotations

import re
from typing import Final

from textual.content import Content
from textual.style import Style

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
    for code in (0x061C, 0x200E, 0x200F):
        table[code] = None
    table[0x2028] = _NEWLINE
    table[0x2029] = _NEWLINE
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)):
        table[code] = f"\\u{code:04x}"
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


def pasted_line(text: str) -> str:
    """A paste as one line of visible text: its lines joined with spaces, controls made
    visible. A clipboard copied from anywhere may hold escape sequences, and Textual's
    Input draws its value as it is."""
    return clean(" ".join(part for part in text.splitlines() if part.strip()))


def as_content(text: str, style: Style | str = "") -> Content:
    """Untrusted `text` as Textual `Content`: cleaned, literal (never markup), optionally
    styled as a whole."""
    return Content.styled(clean(text), style)


def content_from(template: str, /, **values: str) -> Content:
    """Trusted markup `template` with untrusted `values` substituted as literal text:
    `content_from("[b]$name[/b] joined", name=untrusted)`. The values are cleaned first;
    Textual substitutes them after parsing the markup, so they are never markup."""
    return Content.from_markup(template, **{key: clean(value) for key, value in values.items()})


__all__ = ["as_content", "clean", "content_from", "pasted_line"]
