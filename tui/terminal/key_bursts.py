"""Keys typed into the message list: a command, or text meant for the composer.

In the message list single letters are commands (d deletes, b bans). A person giving a
command presses one key; a person who thinks they are typing a message sends a word, and
over SSH (or a paste, or a lossy link) a typed word reaches the app in one read of the
terminal. So the rule: a printable key that arrives alone runs its command; a printable
key that arrives together with other keys is text, and it and the keys with it go to the
composer, where an Enter among them sends nothing.

"Together": Textual's input thread posts the keys of one read one after the other, so
they are queued before the app handles the first (the chat screen decides once the queue
has been worked through), and on a real terminal their timestamps are within
`BURST_GAP_S` of each other (the thread can lose the interpreter lock between two keys of
one read, so the queue alone is not enough). Plain Python, no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

BURST_GAP_S = 0.015
"""Keys whose timestamps are at most this far apart arrived together. One read's keys are
microseconds apart, or a few milliseconds when the input thread waits for the lock; keys
pressed one by one are tens of milliseconds apart even for a fast typist, and if two of
them are taken as one burst they only become text in the composer: nothing misfires."""


class KeyLike(Protocol):
    """What is read of a key (Textual's `events.Key` has these)."""

    key: str
    character: str | None
    time: float

    @property
    def is_printable(self) -> bool: ...


def burst_text(keys: Iterable[KeyLike]) -> tuple[str, bool]:
    """The text a burst of keys types, and whether an Enter was among them.

    Printable keys are the text; backspace takes back the character before it; an Enter
    becomes a space between the lines (a paste's lines are joined the same way), never a
    send. Any other key (arrows, tab) is dropped: it has no place in a line of text."""
    text: list[str] = []
    entered = False
    between = False  # an Enter since the last character: a space before the next one
    for key in keys:
        if key.is_printable and key.character is not None:
            if between and text and not text[-1].isspace():
                text.append(" ")
            between = False
            text.append(key.character)
        elif key.key == "backspace":
            if text:
                text.pop()
        elif key.key == "enter":
            entered = between = True
    return "".join(text), entered


def is_command(keys: Sequence[KeyLike]) -> bool:
    """A burst that is one command key: a single key, alone in its read."""
    return len(keys) == 1


def continues(previous: KeyLike, key: KeyLike, gap: float | None) -> bool:
    """Did `key` arrive together with `previous`? With no `gap` (a headless app, whose keys
    have no terminal read behind them) only the queue says so, never the clock."""
    return gap is not None and 0 <= key.time - previous.time <= gap


__all__ = ["BURST_GAP_S", "KeyLike", "burst_text", "continues", "is_command"]
