"""The chat's message list: one line-API `ScrollView`, no widget per message.

Modelled on toolong's log view: a thin view over `tui.chat.scrollback.Scrollback`, which holds
the entries (bounded, with an id index) and numbers their lines, so adding a message is
O(1) and finding the entry under a screen row is a bisect. Lines are wrapped
lazily and rendered strips are kept in LRU caches keyed by what changes them (entry,
line, width, selection, style generation). Many messages arriving together cost one
layout update and one repaint: `add_message` only records, and a single pending `_Flush`
message updates the virtual size, the scroll position and the "N new messages" marker.

Every piece of text from other people goes through `untrusted.clean` and is drawn as
plain segments: never markup, never a raw control character.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import ClassVar, Final, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tui.action_table import bindings_for
from tui.chat.scrollback import Entry, Scrollback
from tui.chat.search import SearchQuery
from tui.chat.time_column import UNKNOWN_TIME, TimeColumn
from tui.common.roles import Role
from tui.common.timing.clock import Clock, utc_now
from tui.ivs.events import ChatMessage
from tui.terminal.output import RepaintPacer, output_backlog
from tui.terminal.untrusted import clean

# Name colours: one lightness per hue chosen for about 3.8:1 contrast on both near-black
# and near-white backgrounds, so names read under dark and light themes alike.
NAME_PALETTE: Final = (
    "#e03b24",
    "#a36e17",
    "#727f12",
    "#418a14",
    "#148d23",
    "#148a5d",
    "#158695",
    "#3476e2",
    "#7565e9",
    "#aa4ae5",
    "#d61fc0",
    "#e12d72",
)

_TIME_WIDTH: Final = 6  # "HH:MM "
_MIN_BODY_WIDTH: Final = 12  # below this the time column is dropped to leave room for text
_SYSTEM_PREFIX: Final = "-- "
# Before the broadcaster's name, in a style no name can take: anyone may pick a name that
# looks like the host's, but only the app server sets the role in a token's attributes.
HOST_BADGE: Final = "[host]"
MOD_BADGE: Final = "[mod]"  # drawn as the host's is, for `role: moderator`
_BADGES: Final[dict[str, str]] = {Role.BROADCASTER: HOST_BADGE, Role.MODERATOR: MOD_BADGE}
_ERROR_PREFIX: Final = "!! "
APPROVED_MARK: Final = "✓"
"""In the gutter after the time of a message approved from the held queue (one cell, so
marking a message never re-wraps it)."""
_CHUNK: Final = re.compile(r"(\S+)\s*|\s+")
# Rendered lines kept: a few screens' worth. Each Strip carries several small caches of
# its own, so a bigger cache mostly gives the garbage collector more to walk.
_STRIP_CACHE: Final = 512


@lru_cache(maxsize=4096)
def name_color(user_id: str) -> str:
    """A stable palette colour for `user_id`: the same on every client and every run
    (hashlib, not `hash()`, which is salted per process)."""
    digest = hashlib.blake2s(user_id.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return NAME_PALETTE[int.from_bytes(digest, "big") % len(NAME_PALETTE)]


@lru_cache(maxsize=len(NAME_PALETTE))
def _name_style(color: str) -> RichStyle:
    # One Style per colour, not per sender: the styles combined from it (and Rich's and
    # Textual's caches keyed by them) stay as few as the palette however many senders.
    return RichStyle(color=color, bold=True)


def wrap_offsets(text: str, width: int) -> list[int]:
    """Offsets where `text` breaks to fit `width` cells: greedy word wrap; a word longer
    than a line is folded. Spaces may hang past the edge (they are cropped when drawn).
    ASCII text, the common case, is measured by length alone."""
    offsets: list[int] = []
    narrow = text.isascii()
    x = 0
    for match in _CHUNK.finditer(text):
        start, end = match.span()
        word_end = match.end(1)  # -1 for a run of spaces
        if narrow:
            word_cells = word_end - start if word_end > 0 else 0
            chunk_cells = end - start
        else:
            word_cells = cell_len(text[start:word_end]) if word_end > 0 else 0
            chunk_cells = cell_len(match.group())
        if x + word_cells <= width:
            x += chunk_cells
        elif word_cells <= width:
            if x:
                offsets.append(start)
            x = chunk_cells
        else:  # fold a word that fits on no line; its trailing spaces hang
            for index, character in enumerate(text[start:word_end], start):
                cells = 1 if narrow else cell_len(character)
                if x + cells > width and x:
                    offsets.append(index)
                    x = 0
                x += cells
            x += chunk_cells - word_cells
    return offsets


class _Kind:
    MESSAGE: Final = 0
    SYSTEM: Final = 1
    ERROR: Final = 2
    DIVIDER: Final = 3
    """A rule across the whole width, no time column: no message can look like it."""
    GAP: Final = 4
    """A divider for messages that may be missing: a gap is shown, never skipped."""


HISTORY_LABEL: Final = "history"
_FILTER_SERIALS: Final = 1 << 48  # a filtered view's entries never share a cache key
_RULE: Final = "─"


@dataclass(slots=True, eq=False)
class _Entry(Entry):
    """A scrollback entry with what the list draws for it."""

    kind: int = 0
    time: str = ""
    body: str = ""
    """What is wrapped: "name text" for a message, the prefixed text of a system line."""
    name_end: int = 0
    badge_end: int = 0
    """End of the host badge before the name (0: none)."""
    history: bool = False
    """Fetched from the room's history on join: drawn with a dimmed time."""
    approved: bool = False
    """A moderator let it in from the held queue: APPROVED_MARK after its time."""


class _Styles(NamedTuple):
    base: RichStyle
    time: RichStyle
    text: RichStyle
    own: RichStyle
    mention: RichStyle
    system: RichStyle
    error: RichStyle
    pointer: RichStyle
    marker: RichStyle
    badge: RichStyle
    history_time: RichStyle
    divider: RichStyle
    gap: RichStyle


class MessageList(ScrollView, can_focus=True, inherit_bindings=False):
    """Chat messages and system lines, newest at the bottom, with a selection."""

    # Priority, each run as its key is read: the table says why.
    BINDINGS: ClassVar[list[BindingType]] = list(
        bindings_for("message_list")
    )  # tui/action_table.py

    COMPONENT_CLASSES = {
        "message-list--time",
        "message-list--text",
        "message-list--own",
        "message-list--mention",
        "message-list--system",
        "message-list--error",
        "message-list--pointer",
        "message-list--marker",
        "message-list--badge",
        "message-list--history-time",
        "message-list--divider",
        "message-list--gap",
    }

    DEFAULT_CSS = """
    MessageList {
        overflow-x: hidden;
        overflow-y: scroll;  /* a steady width: wrapping never depends on the scrollbar */
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .message-list--time { color: $text-muted; }
        & > .message-list--text { }
        & > .message-list--own { background: $primary 12%; }
        & > .message-list--mention { background: $warning 22%; }
        & > .message-list--system { color: $text-muted; text-style: italic; }
        & > .message-list--error { color: $text-error; text-style: italic; }
        & > .message-list--pointer {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        & > .message-list--marker {
            background: $accent; color: $text-accent; text-style: bold;
        }
        &:focus > .message-list--pointer {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &:focus > .message-list--marker { background: $accent; }
        & > .message-list--badge { color: $accent; text-style: bold reverse; }
        & > .message-list--history-time { color: $text-disabled; text-style: italic; }
        & > .message-list--divider { color: $accent; text-style: bold; }
        & > .message-list--gap { color: $text-warning; text-style: bold; }
    }
    """

    @dataclass
    class Selected(Message):
        """The selection moved. `message` is None on a system line or with no selection."""

        message: ChatMessage | None
        message_list: MessageList = field(repr=False)

        @property
        def control(self) -> MessageList:
            return self.message_list

    @dataclass
    class Activated(Message):
        """Enter, `m`, or a click on the selected line, with a chat message selected."""

        message: ChatMessage
        message_list: MessageList = field(repr=False)

        @property
        def control(self) -> MessageList:
            return self.message_list

    @dataclass
    class SearchRequested(Message):
        """`/`: the screen opens the search box."""

        message_list: MessageList = field(repr=False)

        @property
        def control(self) -> MessageList:
            return self.message_list

    class _Flush(Message, bubble=False):
        """Coalesced: at most one is pending however many messages arrive."""

    def __init__(
        self,
        *,
        own_user_id: str = "",
        own_name: str = "",
        scrollback: int = 10_000,
        tz: tzinfo | None = None,
        clock: Clock = utc_now,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._store: Scrollback[_Entry] = Scrollback(scrollback)
        self._times = TimeColumn(tz)
        self._clock = clock
        self._body_width = 0  # width the heights were measured at; 0 = not laid out yet
        self._line_width = 0  # width render_line last drew at (the strips' key)
        self._indent = _TIME_WIDTH
        self._selected: _Entry | None = None
        self._pointer_auto = False  # selected by focus, not by the user
        self._paused_by_focus = False  # following stopped only because the list had focus
        self._follow = True
        self._new_count = 0
        self._dropped_lines = 0  # lines cut from the top since the last flush
        self._flush_pending = False
        # Repaints under load go on a budget, and wait while the terminal lags behind
        # (tui.terminal.output); headless (tests, snapshots) every flush is at once.
        self._pacer = RepaintPacer()
        self._paced: Timer | None = None
        self._feed: Callable[[], None] | None = None  # see `set_feed`
        self._flushed_end = 0  # `_end` at the last flush: what is new since
        self._own_user_id = own_user_id
        self._own_name = ""
        self._mention: re.Pattern[str] | None = None
        self._style_generation = 0
        self._styles: _Styles | None = None
        self._wraps: LRUCache[tuple[int, int], list[int]] = LRUCache(1024)
        self._strips: LRUCache[tuple[int, int, int, bool, int], Strip] = LRUCache(_STRIP_CACHE)
        # What the last Selected said: the screen acts on `selected_message`, which is
        # None while the selection is off screen, so a change either way is announced.
        self._announced: ChatMessage | None = None
        self._new_message = False  # a chat message arrived since the last flush
        self._query: SearchQuery | None = None
        self._full: Scrollback[_Entry] | None = None  # the whole list while filtering
        self.set_identity(own_user_id, own_name)

    # --- public interface -------------------------------------------------------------

    @property
    def following(self) -> bool:
        """True while new messages keep the view at the bottom."""
        return self._follow

    @property
    def new_messages(self) -> int:
        """Messages that arrived since following paused (what the marker shows)."""
        return self._new_count

    @property
    def selected_message(self) -> ChatMessage | None:
        """The chat message a moderation key acts on: the selected one, and only while it
        is on screen. A selection scrolled out of view (the wheel, a flood of system
        lines) offers nothing, so no key can hit a message the moderator cannot see."""
        entry = self._selected
        if entry is None or entry.message is None or not self._on_screen(entry):
            return None
        return entry.message

    @property
    def messages(self) -> list[ChatMessage]:
        """The chat messages in the scrollback, oldest first."""
        return self._store.messages()

    @property
    def lines(self) -> list[str]:
        """Every entry as the plain text it is drawn with (for tests and copy)."""
        return [
            f"{_RULE * 2} {e.body} {_RULE * 2}" if e.kind >= _Kind.DIVIDER else f"{e.time} {e.body}"
            for e in self._store
        ]

    def messages_from(self, user_id: str) -> list[ChatMessage]:
        """`user_id`'s messages still in the scrollback, oldest first."""
        entries = (self._full if self._full is not None else self._store).by_sender(user_id)
        return [e.message for e in entries if e.message is not None]

    def sender_name(self, user_id: str) -> str | None:
        """The name `user_id` goes by in their newest message still in the scrollback;
        None once all their messages have left it."""
        message = self._store.latest_from(user_id)
        return message.sender_name if message is not None else None

    def __len__(self) -> int:
        """How many lines (messages and system lines) the scrollback holds."""
        return len(self._store)

    @property
    def repaint_waiting(self) -> bool:
        """A paced repaint is due (tui.terminal.output): nothing added before it is drawn
        sooner, and the feed (`set_feed`) is called first thing when it comes."""
        return self._paced is not None

    def set_feed(self, feed: Callable[[], None] | None) -> None:
        """`feed` is called at the start of every flush, to add what its owner held back
        while a repaint was waiting (the chat screen's inbox: at 100 messages a second,
        one Textual message per frame instead of one per chat message)."""
        self._feed = feed

    def __bool__(self) -> bool:
        # A widget is always truthy: with __len__ alone an empty list would read as "no
        # widget" in `if focused:` checks, Textual's and ours.
        return True

    def __contains__(self, message_id: object) -> bool:
        """Is the chat message with this id in the scrollback (shown or filtered out)?"""
        return message_id in (self._full if self._full is not None else self._store)

    def set_identity(self, user_id: str, name: str) -> None:
        """Whose messages are "own" and which name counts as a mention."""
        self._own_user_id = user_id
        self._own_name = name
        name = name.strip()
        self._mention = (
            re.compile(rf"(?<![\w@])@?{re.escape(clean(name))}(?![\w@])", re.IGNORECASE)
            if name
            else None
        )
        self._restyle()

    def add_message(self, message: ChatMessage) -> None:
        """Append a chat message (a repeated id is ignored). O(1); drawn on the next frame."""
        if message.id in self._store:
            return
        name = clean(message.sender_name)
        badge = _BADGES.get(message.sender_attributes.get("role", ""), "")
        if badge:
            name = f"{badge} {name}"
        body = f"{name} {clean(message.content)}"
        entry = _Entry(
            message=message,
            kind=_Kind.MESSAGE,
            time=self._format_time(message.send_time),
            body=body,
            name_end=len(name),
            badge_end=len(badge),
        )
        self._new_message = True
        self._append(entry)

    def add_system(self, text: str, *, error: bool = False) -> None:
        """Append a system line: an outcome ("invite sent to Alice") or, with `error`, a
        failure. `text` may quote untrusted names; it is cleaned like everything else."""
        kind = _Kind.ERROR if error else _Kind.SYSTEM
        prefix = _ERROR_PREFIX if error else _SYSTEM_PREFIX
        entry = _Entry(kind=kind, time=self._format_time(self._clock()), body=prefix + clean(text))
        self._append(entry)

    def add_history(self, messages: Iterable[ChatMessage]) -> int:
        """The recent chat fetched on join, drawn as history (dimmed times), then the
        "history" divider; how many were added (a repeated id is ignored)."""
        added = 0
        for message in messages:
            if message.id in self._store:
                continue
            self.add_message(message)
            # Marked after add_message built the entry: its height does not depend on it.
            last = self._store.last
            if last is not None:
                last.history = True
            added += 1
        if added:
            self.add_divider(HISTORY_LABEL)
        return added

    def add_divider(self, text: str, *, gap: bool = False) -> None:
        """A rule across the list with `text` in it: "history" under the messages shown
        on join, or with `gap` a place where messages may be missing."""
        kind = _Kind.GAP if gap else _Kind.DIVIDER
        self._append(_Entry(kind=kind, time=self._format_time(self._clock()), body=clean(text)))

    def mark_approved(self, message_id: str) -> bool:
        """Mark a message a moderator approved from the held queue (a moderator's list
        only: its sender sees it as sent); False if it is not in the scrollback."""
        entry = self._store.get(message_id)
        if entry is None or entry.approved:
            return entry is not None
        entry.approved = True
        self._strips.clear()  # rare: drawn again, with the mark
        self.refresh()
        return True

    def is_approved(self, message_id: str) -> bool:
        entry = self._store.get(message_id)
        return entry is not None and entry.approved

    def mentions_me(self, message: ChatMessage) -> bool:
        """Whether `message` names us (as its line is highlighted), and is not our own."""
        return (
            self._mention is not None
            and message.sender_id != self._own_user_id
            and self._mention.search(clean(message.content)) is not None
        )

    def sender_of(self, message_id: str) -> str | None:
        """The sender's user id of a message still in the scrollback, else None."""
        entry = self._store.get(message_id)
        return entry.message.sender_id if entry is not None and entry.message else None

    def remove_message(self, message_id: str) -> bool:
        """Remove a deleted message; False if it is not in the scrollback. A selected
        message hands the selection to the nearest newer message (else the nearest older
        one; a system line only when no message is left), so a moderator can go on
        deleting without moving."""
        if self._full is not None:
            self._full.remove(message_id)
        removed = self._store.remove(message_id)
        if removed is None:
            return False
        index, entry = removed
        self._forget(entry)
        if not self._follow and entry.start < self._store.base + self.scroll_offset.y:
            self._dropped_lines += entry.height  # above the view: keep the view still
        if self._selected is entry:
            self._select(self._store.neighbour(index), scroll=False)
        self._schedule_flush()
        self.refresh()
        return True

    def select_last(self) -> None:
        """Select the newest chat message (or newest line) and follow again."""
        self._settle()
        newest = self._store.newest_message() or self._store.last
        self._select(newest, scroll=False, notify=False)
        self._resume_following()
        self._announce(force=True)

    # --- actions ------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(+1)

    def action_cursor_first(self) -> None:
        self._settle()
        if (oldest := self._store.first) is not None:
            self._pick(oldest)

    def action_cursor_last(self) -> None:
        # The bottom of the list, following again, with the newest *message* selected:
        # the system lines under it are in view, and d/x/s act on what is highlighted.
        self.select_last()

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(+1)

    def action_activate(self) -> None:
        message = self.selected_message
        if message is not None:
            self.post_message(self.Activated(message, self))

    # --- search and filter ------------------------------------------------------------

    @property
    def search_query(self) -> SearchQuery | None:
        """The search in force, if any."""
        return self._query

    @property
    def filtering(self) -> bool:
        """True while only the matching messages are shown."""
        return self._full is not None

    def search(self, query: SearchQuery | None) -> int:
        """Look for `query` and select the newest match; how many messages match. None
        ends the search. Over the plain messages (`Scrollback.find`), not drawn lines."""
        self._settle()
        self._query = query
        if query is None:
            self.end_search()
            return 0
        if self._full is not None:
            self._unfilter()
        matches = self._store.find(query.matches)
        if matches:
            self._pick(matches[-1])
        return len(matches)

    def filter(self, query: SearchQuery | None = None) -> int:
        """Show only the messages matching `query` (else the search in force); how many."""
        self._settle()
        query = query or self._query
        if query is None:
            return 0
        if self._full is not None:
            self._unfilter()
        self._query = query
        full = self._store
        matches = full.find(query.matches)
        shown: Scrollback[_Entry] = Scrollback(full.capacity, first_serial=_FILTER_SERIALS)
        for entry in matches:
            shown.append(self._copy(entry), self._measure)
        self._full = full
        self._swap(shown, shown.last)
        return len(matches)

    def end_search(self) -> None:
        """Escape: the whole list again, the selection kept on the message it was on."""
        self._query = None
        if self._full is not None:
            self._unfilter()

    def match_step(self, step: int) -> bool:
        """Select the next match above (`step` -1) or below (+1) the selection; False
        when there is none that way."""
        self._settle()
        query = self._query
        if query is None or not len(self._store):
            return False
        start = self._selected or self._store.last
        assert start is not None
        index = self._store.index(start)
        size = len(self._store)
        at = index + step
        while 0 <= at < size:
            entry = self._store[at]
            if entry.message is not None and query.matches(entry.message):
                self._pick(entry)
                return True
            at += step
        return False

    def action_search(self) -> None:
        self.post_message(self.SearchRequested(self))

    def action_next_match(self) -> None:
        # n goes on up the list, the way the search went from the newest message.
        if not self.match_step(-1):
            self.app.bell()

    def action_previous_match(self) -> None:
        if not self.match_step(+1):
            self.app.bell()

    def action_filter(self) -> None:
        if self._full is not None:
            self._unfilter()
        else:
            self.filter()

    def action_end_search(self) -> None:
        self.end_search()

    @property
    def searching(self) -> bool:
        """A search or a filter is on: escape here ends it."""
        return self._query is not None or self._full is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_match", "previous_match", "filter"):
            return self._query is not None
        if action == "end_search":
            # Otherwise escape is the screen's (back to the composer).
            return self.searching
        return True

    def _copy(self, entry: _Entry) -> _Entry:
        return _Entry(
            message=entry.message,
            kind=entry.kind,
            time=entry.time,
            body=entry.body,
            name_end=entry.name_end,
            badge_end=entry.badge_end,
            history=entry.history,
        )

    def _unfilter(self) -> None:
        full, self._full = self._full, None
        if full is None:
            return
        selected = self._selected
        keep = full.get(selected.message.id) if selected and selected.message else None
        self._swap(full, keep or full.last)

    def _swap(self, store: Scrollback[_Entry], select: _Entry | None) -> None:
        """Draw `store` from now on, with `select` selected and in view."""
        self._store = store
        self._selected = None
        self._strips.clear()
        self._wraps.clear()
        self._dropped_lines = 0
        self._new_count = 0
        self._flushed_end = store.end
        self._set_virtual_height(store.lines)
        self.refresh()
        if select is not None:
            self._pick(select)
        else:
            self._resume_following()
            self._announce(force=True)

    # --- events -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._schedule_flush()

    def on_focus(self) -> None:
        if self._selected is None and len(self):
            self.select_last()
            # Focus from a click arrives before the click: that click should select the
            # line under the mouse, not activate the line focus happened to pick.
            self._pointer_auto = True

    def on_blur(self) -> None:
        # Back to the composer: the chat runs on again, as it did before the list had keys.
        if self._paused_by_focus and not self._follow:
            self._resume_following()

    def on_resize(self) -> None:
        self._relayout()
        self._announce()  # a shorter view may no longer show the selection

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._restyle()

    def on_click(self, event: events.Click) -> None:
        self._settle()
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if self._marker_visible and offset.y == self.scrollable_content_region.height - 1:
            self.action_cursor_last()
            return
        entry = self._entry_at(offset.y + self.scroll_offset.y)
        if entry is None:
            return
        if entry is self._selected and not self._pointer_auto:
            self.action_activate()
        else:
            self._pick(entry)

    def on_message_list__flush(self, _: _Flush) -> None:
        if self._flush_pending:  # not settled by a key in the meantime
            self._flush()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        at_bottom = new_value >= self.max_scroll_y
        if at_bottom and not self._follow:
            self._resume_following()
        elif not at_bottom and self._follow and new_value < old_value:
            self._follow = False  # the reader scrolled up: stay put, count what arrives
            self._paused_by_focus = False
        self._announce()  # the selection may have left the view, or come back

    # --- rendering ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        styles = self._get_styles()
        region = self.scrollable_content_region
        width = self._line_width = region.width
        if self._marker_visible and y == region.height - 1:
            return self._marker_strip(width, styles)
        entry = self._entry_at(y + self.scroll_offset.y)
        if entry is None:
            return Strip.blank(width, styles.base)
        line = y + self.scroll_offset.y - self._store.line_of(entry)
        selected = entry is self._selected
        key = (entry.serial, line, width, selected, self._style_generation)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_entry_line(entry, line, width, selected, styles)
            self._strips[key] = strip
        return strip

    def _render_entry_line(
        self, entry: _Entry, line: int, width: int, selected: bool, styles: _Styles
    ) -> Strip:
        if entry.kind >= _Kind.DIVIDER:
            return self._rule_strip(entry, line, width, selected, styles)
        body = entry.body
        bounds = [0, *self._wrap(entry), len(body)] if entry.height > 1 else [0, len(body)]
        start = bounds[line]
        end = start + len(body[start : bounds[line + 1]].rstrip())
        if entry.kind == _Kind.MESSAGE:
            if entry.message is not None and entry.message.sender_id == self._own_user_id:
                line_style = styles.own
            elif self._mentions_me(entry):
                line_style = styles.mention
            else:
                line_style = styles.base
            text_style = line_style + styles.text
        else:
            line_style = styles.base
            text_style = line_style + (styles.error if entry.kind == _Kind.ERROR else styles.system)
        if selected:
            line_style += styles.pointer
            text_style += styles.pointer
        segments: list[Segment] = []
        if self._indent:
            gutter = APPROVED_MARK if entry.approved else " "
            prefix = f"{entry.time}{gutter}" if line == 0 else " " * self._indent
            time_style = line_style + (styles.history_time if entry.history else styles.time)
            if selected:
                time_style += styles.pointer
            segments.append(Segment(prefix, time_style))
        badge_end = entry.badge_end
        if start < badge_end:
            badge_style = line_style + styles.badge
            segments.append(Segment(body[start : min(end, badge_end)], badge_style))
            start = min(end, badge_end)
        name_end = entry.name_end
        if start < name_end:
            name_style = line_style + _name_style(
                name_color(entry.message.sender_id if entry.message else "")
            )
            if selected:
                name_style += styles.pointer
            segments.append(Segment(body[start : min(end, name_end)], name_style))
            start = min(end, name_end)
        if start < end:
            segments.append(Segment(body[start:end], text_style))
        # Simplified: the padding joins the text when they share a style (they do on a
        # plain line), one style change less per line written to the terminal.
        return Strip(segments).adjust_cell_length(width, line_style).simplify()

    def _rule_strip(
        self, entry: _Entry, line: int, width: int, selected: bool, styles: _Styles
    ) -> Strip:
        """A divider: its words centred in a rule across the whole width, from column 0
        where every other line has its time, so no message can draw one."""
        style = styles.base + (styles.gap if entry.kind == _Kind.GAP else styles.divider)
        if selected:
            style += styles.pointer
        label = f" {entry.body} " if line == 0 else ""
        if cell_len(label) + 4 > width:
            label = ""  # too narrow for the words: the rule alone
        left = (width - cell_len(label)) // 2
        text = _RULE * left + label + _RULE * (width - left - cell_len(label))
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _marker_strip(self, width: int, styles: _Styles) -> Strip:
        count = self._new_count
        noun = "message" if count == 1 else "messages"
        label = f"↓ {count:,} new {noun} (end)"
        text = label.center(width)[:width] if cell_len(label) <= width else label[:width]
        return Strip([Segment(text, styles.marker)]).adjust_cell_length(width, styles.marker)

    def _get_styles(self) -> _Styles:
        if self._styles is None:
            base = self.rich_style

            def part(name: str) -> RichStyle:
                # Only what the rule sets, with colours blended the way CSS draws them.
                full = self.get_component_rich_style(name)
                partial = self.get_component_rich_style(name, partial=True)
                return partial + RichStyle(
                    color=full.color if partial.color else None,
                    bgcolor=full.bgcolor if partial.bgcolor else None,
                )

            self._styles = _Styles(
                base=base,
                time=part("message-list--time"),
                text=part("message-list--text"),
                own=base + part("message-list--own"),
                mention=base + part("message-list--mention"),
                system=part("message-list--system"),
                error=part("message-list--error"),
                pointer=part("message-list--pointer"),
                marker=base + part("message-list--marker"),
                badge=part("message-list--badge"),
                history_time=part("message-list--history-time"),
                divider=part("message-list--divider"),
                gap=part("message-list--gap"),
            )
        return self._styles

    def _restyle(self) -> None:
        self._styles = None
        self._style_generation += 1
        self._strips.clear()
        if self.is_mounted:
            self.refresh()

    def _mentions_me(self, entry: _Entry) -> bool:
        return self._mention is not None and (
            self._mention.search(entry.body, entry.name_end + 1) is not None
        )

    # --- layout -------------------------------------------------------------------------

    @property
    def _marker_visible(self) -> bool:
        return not self._follow and self._new_count > 0

    def _format_time(self, moment: datetime) -> str:
        return self._times.text(moment)

    def _measure(self, entry: _Entry) -> int:
        width = self._body_width
        body = entry.body
        if not width or (len(body) <= width and body.isascii()):
            return 1
        if cell_len(body) <= width:
            return 1
        return len(self._wrap(entry)) + 1

    def _wrap(self, entry: _Entry) -> list[int]:
        key = (entry.serial, self._body_width)
        offsets = self._wraps.get(key)
        if offsets is None:
            offsets = wrap_offsets(entry.body, self._body_width) if self._body_width else []
            self._wraps[key] = offsets
        return offsets

    def _append(self, entry: _Entry) -> None:
        if self._full is not None:  # filtering: everything is kept, the matches shown
            if entry.message is not None and entry.message.id in self._full:
                return  # shown before the filter hid it: a repeated id is ignored
            self._full.append(entry, self._measure)
            if entry.message is None or self._query is None:
                return
            if not self._query.matches(entry.message):
                return
            entry = self._copy(entry)
        dropped = self._store.append(entry, self._measure)
        if dropped is not None:
            self._dropped_lines += dropped.height
            self._forget(dropped)
            if self._selected is dropped:
                # Told once per flush, not once per message, however fast the top moves.
                self._select(self._store.first, scroll=False, notify=False)
        if self._follow and self._selected is not None and self.has_focus:
            # The list has the keys: the selection stays on the line the moderator chose,
            # and what arrives waits below it, counted, until they go back (end, or esc).
            self._follow = False
            self._paused_by_focus = True
        if not self._follow and entry.kind == _Kind.MESSAGE:
            self._new_count += 1
        self._schedule_flush()

    def _forget(self, entry: _Entry) -> None:
        """Drop a gone entry's cached lines now rather than letting them age out."""
        # The width they were drawn at: the region is computed anew on every read, which
        # cost more than the rest of adding a message when a flood drops one per message.
        width = self._line_width
        generation = self._style_generation
        for line in range(entry.height):
            for selected in (False, True):
                self._strips.discard((entry.serial, line, width, selected, generation))
        self._wraps.discard((entry.serial, self._body_width))

    def _entry_at(self, y: int) -> _Entry | None:
        """The entry drawn on virtual line `y`."""
        return self._store.at_line(y)

    def _relayout(self) -> None:
        """Re-measure every entry when the width changes (resize, scrollbar)."""
        width = self.scrollable_content_region.width
        indent = _TIME_WIDTH if width - _TIME_WIDTH >= _MIN_BODY_WIDTH else 0
        # Hidden (no width): one line each until there is a width to wrap to, rather
        # than a character per line.
        body_width = max(width - indent, 0)
        if body_width == self._body_width and indent == self._indent:
            return
        self._body_width = body_width
        self._indent = indent
        self._store.relayout(self._measure)
        self._strips.clear()
        self._flush()
        self.refresh()
        if self._follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        elif self._selected is not None:
            self._scroll_to_entry(self._selected)

    def _settle(self) -> None:
        """Lay out what arrived since the last flush before the user moves the selection:
        a line they pick must be where the view and the screen say it is."""
        if self._flush_pending:
            self._flush()

    def _schedule_flush(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            wait = self._flush_wait()
            if wait > 0:
                self._paced = self.set_timer(wait, self._paced_flush, name="paced flush")
            else:
                self.post_message(self._Flush())

    def _flush_wait(self) -> float:
        if not self.is_attached or self.app.is_headless:
            return 0.0
        covered = self.screen is not self.app.screen  # a dialog is open over the list
        return self._pacer.wait(output_backlog(self.app, covered=covered))

    def _paced_flush(self) -> None:
        self._paced = None
        if not self._flush_pending:
            return  # a key settled it first
        wait = self._flush_wait()
        if wait > 0:
            self._paced = self.set_timer(wait, self._paced_flush, name="paced flush")
        else:
            self._flush()

    def _flush(self) -> None:
        """Apply everything that arrived since the last flush: one size update, one
        repaint of what changed on screen."""
        if self._feed is not None:
            self._feed()  # before anything is measured: what was held is part of this one
        self._flush_pending = False
        self._pacer.took()
        if self._paced is not None:
            self._paced.stop()
            self._paced = None
        new_message, self._new_message = self._new_message, False
        store = self._store
        base, end = store.base, store.end
        dropped, self._dropped_lines = self._dropped_lines, 0
        flushed_end, self._flushed_end = self._flushed_end, end
        self._set_virtual_height(end - base)
        if self._follow:
            if new_message and self._selected is not None:
                self._follow_newest()
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
            self.refresh()  # everything on screen moved up
            self._announce()
            return
        selected = self._selected
        if selected is not None and self._under_marker(selected):
            # The marker came up over the row the moderator had selected: one line up,
            # so the selection stays in sight (and its keys stay offered).
            self._scroll_to_entry(selected)
            self.refresh()
        self._announce()
        if dropped:
            # Old lines left the top: move up with the content so the view stays put (at
            # the very top it cannot, and what is under it changed: repaint it all).
            self.set_scroll(None, max(self.scroll_y - dropped, 0))
            self.refresh()
            return
        # Paused: the lines on screen stay where they are. Only new lines that land in
        # the view (a list shorter than the screen) and the marker are drawn again.
        if end > flushed_end:
            start = max(flushed_end - base, 0)
            self.refresh_lines(start, end - base - start)
        if self._marker_visible:
            self.refresh_line(self.scroll_offset.y + self.scrollable_content_region.height - 1)

    def _set_virtual_height(self, height: int) -> None:
        size = Size(self.scrollable_content_region.width, height)
        if size == self.virtual_size:
            return
        # Setting the `virtual_size` reactive lays out the whole screen and so repaints
        # every widget on it, each frame of a flood. A ScrollView's virtual size moves no
        # other widget, and the scrollbar is always shown (overflow-y: scroll): tell the
        # scrollbar and keep the scroll position in range, as that layout would.
        self.set_reactive(MessageList.virtual_size, size)
        if self.is_mounted:
            self.vertical_scrollbar.window_virtual_size = height
            self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def _on_screen(self, entry: _Entry) -> bool:
        """Is a line of `entry` in the view (the "N new messages" marker row excluded)?"""
        rows = self.scrollable_content_region.height - (1 if self._marker_visible else 0)
        top = self._store.base + self.scroll_offset.y
        return entry.start < top + rows and entry.start + entry.height > top

    def _under_marker(self, entry: _Entry) -> bool:
        """In the view but hidden by the "N new messages" marker's row."""
        if not self._marker_visible:
            return False
        rows = self.scrollable_content_region.height
        top = self._store.base + self.scroll_offset.y
        in_view = entry.start < top + rows and entry.start + entry.height > top
        return in_view and not self._on_screen(entry)

    def _announce(self, *, force: bool = False) -> None:
        """Post Selected when what a key would act on changed (or always, with `force`:
        the user moved the selection)."""
        message = self.selected_message
        if force or message is not self._announced:
            self._announced = message
            self.post_message(self.Selected(message, self))

    def _follow_newest(self) -> None:
        """While following, the selection moves with the newest message: it stays on the
        bottom line the moderator is looking at, never scrolls away under them."""
        newest = self._store.newest_message()
        if newest is not None:
            auto = self._pointer_auto
            self._select(newest, scroll=False, notify=False)
            self._pointer_auto = auto

    def _resume_following(self) -> None:
        was_marked = self._marker_visible
        self._follow = True
        self._paused_by_focus = False
        self._new_count = 0
        self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        if was_marked:
            self.refresh()

    # --- selection ----------------------------------------------------------------------

    def _select(self, entry: _Entry | None, *, scroll: bool = True, notify: bool = True) -> None:
        previous = self._selected
        self._pointer_auto = False
        if entry is previous:
            if entry is not None and scroll:
                self._scroll_to_entry(entry)
            return
        self._selected = entry
        base = self._store.base
        for changed in (previous, entry):
            if changed is not None and changed.start >= base:  # not dropped
                self.refresh_lines(changed.start - base, changed.height)
        if entry is not None and scroll:
            self._scroll_to_entry(entry)
        if notify:
            self._announce(force=True)
        else:
            self._schedule_flush()  # the flush announces it, once however many moves

    def _pick(self, entry: _Entry) -> None:
        """The user chose `entry`. Unless it is the newest line, the view holds still
        (new messages are counted, not scrolled in) so the line cannot slide away while
        the user acts on it."""
        self._select(entry, notify=False)
        if entry is self._store.last:
            self._resume_following()
        else:
            self._follow = False
            # Chosen with the list's keys: the composer follows again when they go back
            # there. Chosen otherwise (a search from the composer): it holds still.
            self._paused_by_focus = self.has_focus
        self._announce(force=True)

    def _scroll_to_entry(self, entry: _Entry) -> None:
        region = Region(0, self._store.line_of(entry), 1, entry.height)
        spacing = Spacing(0, 0, 1, 0) if self._marker_visible else None
        self.scroll_to_region(region, spacing=spacing, animate=False, immediate=True, force=True)

    def _move(self, step: int) -> None:
        self._settle()
        if not len(self._store):
            return
        if self._selected is None:
            self.select_last()
            return
        self._pick(self._store.step(self._selected, step))

    def _page(self, direction: int) -> None:
        self._settle()
        if not len(self._store):
            return
        if self._selected is None:
            self.select_last()
            return
        # The view and the pointer both move a page (less one line, for context).
        page = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(
            y=self.scroll_offset.y + direction * page, animate=False, immediate=True, force=True
        )
        line = self._store.line_of(self._selected) + direction * page
        line = max(0, min(line, self._store.lines - 1))
        target = self._entry_at(line)
        if target is not None:
            self._pick(target)


__all__ = [
    "HOST_BADGE",
    "NAME_PALETTE",
    "UNKNOWN_TIME",
    "MessageList",
    "name_color",
    "wrap_offsets",
]
