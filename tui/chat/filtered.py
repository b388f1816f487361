"""A filtered view over a scrollback: the entries whose chat message a search accepts.

The message list's filter shows this instead of the scrollback itself. It keeps no copy of
an entry, only which entries match and where each would start if they were the only ones:
the same entry objects are drawn (and their cached lines reused) whichever is shown. It
watches the scrollback, so a message that arrives while filtered joins it if it matches,
and an entry that leaves the scrollback (dropped as the oldest, or removed) leaves the view
with it; the scrollback itself never changes for the filter.

It reads as `Scrollback` does (oldest first, `line_of` and `at_line` counted from its own
oldest entry's first line, `index`, `step`, `neighbour`), so the list draws either alike.
Line numbers are absolute, as the scrollback's are: dropping the oldest moves no other.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from operator import attrgetter
from typing import Final, Generic

from tui.chat.scrollback import E, Scrollback
from tui.ivs.events import ChatMessage

_COMPACT_EVERY: Final = 256  # as the scrollback's: the dead prefix is cut in bulk
_serial = attrgetter("serial")


class Filtered(Generic[E]):
    """The entries of `store` with a chat message `match` accepts, oldest first."""

    def __init__(self, store: Scrollback[E], match: Callable[[ChatMessage], bool]) -> None:
        self.store = store
        self.match = match
        # Parallel: `_entries[i]` starts on absolute line `_starts[i]`; live from `_head`.
        # The store's serials grow with every append, so the entries are sorted by serial.
        self._entries: list[E] = []
        self._starts: list[int] = []
        self._head = 0
        self._end = 0
        for entry in store:
            self.appended(entry)
        store.watch(self)

    def close(self) -> None:
        """Stop following the store (the filter ended)."""
        self.store.unwatch(self)

    # --- kept in step with the store (its `Watcher`) ----------------------------------

    def appended(self, entry: E) -> None:
        if entry.message is None or not self.match(entry.message):
            return
        self._entries.append(entry)
        self._starts.append(self._end)
        self._end += entry.height

    def dropped(self, entry: E) -> None:
        # The store drops its oldest, so if it is here it is the oldest here too.
        if self._head < len(self._entries) and self._entries[self._head] is entry:
            self._head += 1
            if self._head >= _COMPACT_EVERY:
                del self._entries[: self._head]
                del self._starts[: self._head]
                self._head = 0

    def removed(self, entry: E) -> None:
        at = self._position(entry)
        if at is None:
            return
        del self._entries[at]
        del self._starts[at]
        starts = self._starts
        for later in range(at, len(starts)):
            starts[later] -= entry.height
        self._end -= entry.height

    def relaid(self) -> None:
        line = self.base
        entries, starts = self._entries, self._starts
        for at in range(self._head, len(entries)):
            starts[at] = line
            line += entries[at].height
        self._end = line

    # --- reading, as `Scrollback` reads ------------------------------------------------

    def _position(self, entry: E) -> int | None:
        """Where `entry` is in `_entries`, None if it is not in the view."""
        entries = self._entries
        at = bisect_left(entries, entry.serial, lo=self._head, key=_serial)
        return at if at < len(entries) and entries[at] is entry else None

    def __len__(self) -> int:
        return len(self._entries) - self._head

    def __iter__(self) -> Iterator[E]:
        entries = self._entries
        return (entries[i] for i in range(self._head, len(entries)))

    def __reversed__(self) -> Iterator[E]:
        entries = self._entries
        return (entries[i] for i in range(len(entries) - 1, self._head - 1, -1))

    def __contains__(self, message_id: object) -> bool:
        """Is the chat message with this id in the view?"""
        entry = self.store.get(message_id) if isinstance(message_id, str) else None
        return entry is not None and self._position(entry) is not None

    def __getitem__(self, index: int) -> E:
        size = len(self)
        if not -size <= index < size:
            raise IndexError("view index out of range")
        return self._entries[self._head + index % size]

    def get(self, message_id: str) -> E | None:
        entry = self.store.get(message_id)
        return entry if entry is not None and self._position(entry) is not None else None

    def holds(self, entry: E) -> bool:
        return self._position(entry) is not None

    @property
    def first(self) -> E | None:
        return self._entries[self._head] if len(self) else None

    @property
    def last(self) -> E | None:
        return self._entries[-1] if len(self) else None

    @property
    def lines(self) -> int:
        return self._end - self.base

    @property
    def base(self) -> int:
        return self._starts[self._head] if len(self) else self._end

    @property
    def end(self) -> int:
        return self._end

    def index(self, entry: E) -> int:
        at = self._position(entry)
        if at is None:
            raise ValueError("entry not in the view")
        return at - self._head

    def line_of(self, entry: E) -> int:
        """The first line of `entry` in the view, counted from its oldest entry's."""
        return self._starts[self._head + self.index(entry)] - self.base

    def at_line(self, line: int) -> E | None:
        if line < 0 or not len(self):
            return None
        absolute = self.base + line
        if absolute >= self._end:
            return None
        return self._entries[bisect_right(self._starts, absolute, lo=self._head) - 1]

    def step(self, entry: E, steps: int) -> E:
        index = max(0, min(self.index(entry) + steps, len(self) - 1))
        return self[index]

    def newest_message(self) -> E | None:
        return self.last  # every entry here has a chat message

    def messages(self) -> list[ChatMessage]:
        return [e.message for e in self if e.message is not None]

    def latest_from(self, sender_id: str) -> ChatMessage | None:
        for entry in reversed(self):
            if entry.message is not None and entry.message.sender_id == sender_id:
                return entry.message
        return None

    def find(self, match: Callable[[ChatMessage], bool]) -> list[E]:
        return [e for e in self if e.message is not None and match(e.message)]

    def neighbour(self, index: int) -> E | None:
        """What takes the place of the entry that was at `index` once it is removed: the
        next newer entry, else the next older one (every entry here is a message)."""
        if index < len(self):
            return self[index]
        return self[index - 1] if index > 0 else None


__all__ = ["Filtered"]
