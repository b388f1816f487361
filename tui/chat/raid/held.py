"""The held-for-review queue as the TUI shows it: plain Python, no Textual.

What a held message is to the screen (`HeldEntry`: the app server's `HeldMessage` is
one), where its matched term is in its words (`term_spans`), and how long it has left.

The server matches a hold term after folding the message (case, look-alikes, spaced-out
letters: tui/server/moderation/terms.py), which the TUI does not repeat: it finds the
term in the words as shown, case ignored, as whole words (a `re:` pattern as written).
A term hidden by look-alikes is then not highlighted, and the reason line still names
it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

PATTERN_PREFIX = "re:"
"""How a term that is a regular expression is written (the room settings')."""


class HeldSender(Protocol):
    @property
    def user_id(self) -> str: ...
    @property
    def display_name(self) -> str: ...


class HeldEntry(Protocol):
    """A message held for review, as the queue shows it. `content` and the sender's
    name are other people's text."""

    @property
    def id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def sender(self) -> HeldSender: ...
    @property
    def content(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def term(self) -> str | None: ...


def _term_pattern(term: str) -> re.Pattern[str] | None:
    if term.startswith(PATTERN_PREFIX):
        try:
            return re.compile(term.removeprefix(PATTERN_PREFIX), re.IGNORECASE)
        except re.error:
            return None
    words = re.findall(r"[^\W_]+", term)
    if not words:
        return None
    # Whole words; anything that is not a letter or a digit separates them, as the
    # server's matching does.
    joined = r"[\W_]+".join(re.escape(word) for word in words)
    return re.compile(rf"(?<![^\W_]){joined}(?![^\W_])", re.IGNORECASE)


def term_spans(text: str, term: str | None) -> list[tuple[int, int]]:
    """Where `term` is in `text` (start, end), as a reader would spot it; none for no
    term, a term not written plainly in `text`, or a pattern that matches nothing."""
    if not term:
        return []
    pattern = _term_pattern(term)
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]


def minutes_left(expires_at: datetime | None, now: datetime) -> int | None:
    """Whole minutes until it expires, rounded up; None when the server does not say."""
    if expires_at is None:
        return None
    seconds = (expires_at - now).total_seconds()
    return max(0, int(-(-seconds // 60)))


__all__ = ["HeldEntry", "HeldSender", "minutes_left", "term_spans"]
