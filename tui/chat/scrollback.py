"""The scrollback: the bounded store of lines behind the message list, in plain Python.

The model half of the list, as toolong keeps its `LogFile` apart from the `LogLines` view
(docs/architecture.md, "Models apart from views"). It holds the entries oldest first with
an id index, drops the oldest past its capacity, and numbers the lines: each entry knows
its first line and its height (what the view measured at its width), so the entry under a
line is a bisect and appending is O(1). It knows nothing of Textual or of how an entry is
drawn: the view subclasses `Entry` with what it draws.

Line numbers are absolute (the first entry ever starts at 0) so appending and dropping
the oldest move no other entry; the public `line_of` and `at_line` count from the oldest
live entry, as the view's rows do.

Views over it (`tui.chat.filtered.Filtered`, the entries a search shows) `watch` it and are
told of every change as it happens, so they stay in step with no copy of the entries.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Final, Generic, Protocol, TypeVar

from tui.ivs.events import ChatMessage

# The dead prefix is cut in bulk: a memmove of the live pointers every few hundred drops
# keeps dropping the oldest O(1) amortised and frees the dropped entries soon.
_COMPACT_EVERY: Final = 256
_start = attrgetter("start")


@dataclass(slots=True, eq=False)
class Entry:
    """One line of the chat: a chat message, or a line with none (a system line)."""

    message: ChatMessage | None = None
    serial: int = 0
    """Unique for the scrollback's life (set by `append`): a key for caches of the entry."""
    start: int = 0
    """Absolute line number of the entry's first line."""
    height: int = 1


E = TypeVar("E", bound=Entry)
E_contra = TypeVar("E_contra", bound=Entry, contravariant=True)


class Watcher(Protocol[E_contra]):
    """What a view over a scrollback is told, each time just after the change."""

    def appended(self, entry: E_contra) -> None: ...

    def dropped(self, entry: E_contra) -> None:
        """The oldest entry left."""

    def removed(self, entry: E_contra) -> None: ...

    def relaid(self) -> None:
        """Every entry's height may have changed."""


class Scrollback(Generic[E]):
    """The newest `capacity` entries, oldest first."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("scrollback must be at least 1")
        self.capacity = capacity
        self._entries: list[E] = []  # `_entries[_head:]` are live
        self._head = 0
        self._by_id: dict[str, E] = {}
        self._serial = 0
        self._end = 0  # absolute line after the last entry
        self._watchers: list[Watcher[E]] = []

    # --- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries) - self._head

    def __iter__(self) -> Iterator[E]:
        entries = self._entries
        return (entries[i] for i in range(self._head, len(entries)))

    def __reversed__(self) -> Iterator[E]:
        entries = self._entries
        return (entries[i] for i in range(len(entries) - 1, self._head - 1, -1))

    def __contains__(self, message_id: object) -> bool:
        """Is the chat message with this id here?"""
        return message_id in self._by_id

    def __getitem__(self, index: int) -> E:
        """The entry at `index`, 0 the oldest (negative counts from the newest)."""
        size = len(self)
        if not -size <= index < size:
            raise IndexError("scrollback index out of range")
        return self._entries[self._head + index % size]

    def get(self, message_id: str) -> E | None:
        return self._by_id.get(message_id)

    @property
    def first(self) -> E | None:
        return self._entries[self._head] if len(self) else None

    @property
    def last(self) -> E | None:
        return self._entries[-1] if len(self) else None

    @property
    def lines(self) -> int:
        """How many lines the entries take."""
        return self._end - self.base

    @property
    def base(self) -> int:
        """The absolute line number of the oldest entry's first line."""
        return self._entries[self._head].start if len(self) else self._end

    @property
    def end(self) -> int:
        """The absolute line number after the newest entry's last line."""
        return self._end

    def index(self, entry: E) -> int:
        """The index of `entry` (which must be here), 0 the oldest."""
        index = bisect_right(self._entries, entry.start, lo=self._head, key=_start) - 1
        if index < self._head or self._entries[index] is not entry:
            raise ValueError("entry not in the scrollback")
        return index - self._head

    def line_of(self, entry: E) -> int:
        """The first line of `entry`, counted from the oldest entry's first line."""
        return entry.start - self.base

    def at_line(self, line: int) -> E | None:
        """The entry drawn on `line` (counted as in `line_of`), None past either end."""
        if line < 0 or not len(self):
            return None
        absolute = self.base + line
        if absolute >= self._end:
            return None
        return self._entries[bisect_right(self._entries, absolute, lo=self._head, key=_start) - 1]

    def step(self, entry: E, steps: int) -> E:
        """The entry `steps` after `entry` (before, if negative), held to either end."""
        index = max(0, min(self.index(entry) + steps, len(self) - 1))
        return self[index]

    def newest_message(self) -> E | None:
        """The newest entry with a chat message."""
        return next((e for e in reversed(self) if e.message is not None), None)

    def messages(self) -> list[ChatMessage]:
        """The chat messages, oldest first."""
        return [e.message for e in self if e.message is not None]

    def latest_from(self, sender_id: str) -> ChatMessage | None:
        """The newest message by `sender_id`; None once all of theirs have left. Looked
        up, not indexed: a moderator action needs it, not every message, and an index
        would grow with every sender."""
        for entry in reversed(self):
            if entry.message is not None and entry.message.sender_id == sender_id:
                return entry.message
        return None

    def find(self, match: Callable[[ChatMessage], bool]) -> list[E]:
        """Every entry whose chat message `match` accepts, oldest first: a search over
        the plain messages, not the drawn lines."""
        return [e for e in self if e.message is not None and match(e.message)]

    def by_sender(self, sender_id: str) -> list[E]:
        """Every entry with a message by `sender_id`, oldest first."""
        return [e for e in self if e.message is not None and e.message.sender_id == sender_id]

    def neighbour(self, index: int) -> E | None:
        """What takes the place of the entry that was at `index` once it is removed: the
        nearest newer message, else the nearest older one, else the nearest line."""
        entries = self._entries
        at = self._head + index
        for later in range(at, len(entries)):
            if entries[later].message is not None:
                return entries[later]
        for earlier in range(at - 1, self._head - 1, -1):
            if entries[earlier].message is not None:
                return entries[earlier]
        if at < len(entries):
            return entries[at]
        return entries[at - 1] if at > self._head else None

    def holds(self, entry: E) -> bool:
        """Is `entry` itself here (not dropped, not removed)?"""
        index = bisect_right(self._entries, entry.start, lo=self._head, key=_start) - 1
        return index >= self._head and self._entries[index] is entry

    # --- changing -----------------------------------------------------------------------

    def watch(self, watcher: Watcher[E]) -> None:
        """Tell `watcher` of every change from now on (until `unwatch`)."""
        self._watchers.append(watcher)

    def unwatch(self, watcher: Watcher[E]) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)

    def append(self, entry: E, measure: Callable[[E], int] | None = None) -> E | None:
        """Add `entry` as the newest, as many lines tall as `measure` says (1 without
        it), measured once it has its serial. A chat message whose id is here already is
        refused with ValueError (check with `in` first). Returns the oldest entry if it
        was dropped to stay within the capacity."""
        message = entry.message
        if message is not None:
            if message.id in self._by_id:
                raise ValueError(f"message {message.id!r} is in the scrollback already")
            self._by_id[message.id] = entry
        self._serial += 1
        entry.serial = self._serial
        entry.start = self._end
        height = measure(entry) if measure is not None else 1
        if height < 1:
            raise ValueError("an entry is at least one line tall")
        entry.height = height
        self._end += height
        self._entries.append(entry)
        for watcher in self._watchers:
            watcher.appended(entry)
        return self.drop_oldest() if len(self) > self.capacity else None

    def drop_oldest(self) -> E | None:
        """Remove the oldest entry and return it (None when empty)."""
        if not len(self):
            return None
        entries = self._entries
        oldest = entries[self._head]
        self._head += 1
        if oldest.message is not None:
            self._by_id.pop(oldest.message.id, None)
        if self._head >= _COMPACT_EVERY:
            del entries[: self._head]
            self._head = 0
        for watcher in self._watchers:
            watcher.dropped(oldest)
        return oldest

    def remove(self, message_id: str) -> tuple[int, E] | None:
        """Remove the chat message with this id: its index and entry, or None if it is not
        here. The lines after it move up (O(entries after it): deletes are rare)."""
        entry = self._by_id.pop(message_id, None)
        if entry is None:
            return None
        index = self.index(entry)
        entries = self._entries
        at = self._head + index
        del entries[at]
        height = entry.height
        for later in range(at, len(entries)):
            entries[later].start -= height
        self._end -= height
        for watcher in self._watchers:
            watcher.removed(entry)
        return index, entry

    def relayout(self, measure: Callable[[E], int]) -> None:
        """Give every entry the height `measure` says (after the width changed)."""
        line = self.base
        for entry in self:
            entry.start = line
            entry.height = measure(entry)
            line += entry.height
        self._end = line
        for watcher in self._watchers:
            watcher.relaid()


__all__ = ["Entry", "Scrollback", "Watcher"]
