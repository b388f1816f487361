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

from textual.content import Content
from textual.style import Style

from tui.common.text import clean, pasted_line


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
