"""The state the message list's parts share, in one place, and the hooks each part calls
in another: layout (tui/widgets/message_list/layout.py), rendering, selection and search
are mixins over this base, and `MessageList` (widget.py) puts them together."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo
from typing import TypeAlias

from textual.cache import LRUCache
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tui.chat.filtered import Filtered
from tui.chat.scrollback import Scrollback
from tui.chat.search import SearchQuery
from tui.chat.time_column import TimeColumn
from tui.common.timing.clock import Clock, utc_now
from tui.ivs.events import ChatMessage
from tui.terminal.output import RepaintPacer
from tui.widgets.message_list.entries import TIME_WIDTH, ListEntry

# Rendered lines kept: a few screens' worth. Each Strip carries several small caches of
# its own, so a bigger cache mostly gives the garbage collector more to walk.
_STRIP_CACHE = 512

Shown: TypeAlias = Scrollback[ListEntry] | Filtered[ListEntry]
"""What the list draws: the whole scrollback, or the filter's view over it."""


class ListBase(ScrollView):
    """The message list's state; the parts' methods come from the mixins."""

    class _Flush(Message, bubble=False, namespace="message_list"):
        """Coalesced: at most one is pending however many messages arrive."""

    def __init__(
        self,
        *,
        scrollback: int,
        tz: tzinfo | None = None,
        clock: Clock = utc_now,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # The entries: every one in `_store`; `_shown` is the store, or a filter's view.
        self._store: Scrollback[ListEntry] = Scrollback(scrollback)
        self._shown: Shown = self._store
        self._filtered: Filtered[ListEntry] | None = None
        self._times = TimeColumn(tz)
        self._clock = clock
        # Layout and following.
        self._body_width = 0  # width the heights were measured at; 0 = not laid out yet
        self._line_width = 0  # width render_line last drew at (the strips' key)
        self._indent = TIME_WIDTH
        self._follow = True
        self._paused_by_focus = False  # following stopped only because the list had focus
        self._new_count = 0
        self._dropped_lines = 0  # lines cut from the top since the last flush
        # Flush pacing: repaints under load go on a budget, and wait while the terminal
        # lags behind (tui.terminal.output); headless (tests, snapshots) every flush is
        # at once.
        self._flush_pending = False
        self._pacer = RepaintPacer()
        self._paced: Timer | None = None
        self._feed: Callable[[], None] | None = None  # see `set_feed`
        self._flushed_end = 0  # `_shown.end` at the last flush: what is new since
        self._new_message = False  # a chat message arrived since the last flush
        # Rendering.
        self._own_user_id = ""
        self._own_name = ""
        self._mention: re.Pattern[str] | None = None
        self._style_generation = 0
        self._wraps: LRUCache[tuple[int, int], list[int]] = LRUCache(1024)
        self._strips: LRUCache[tuple[int, int, int, bool, int], Strip] = LRUCache(_STRIP_CACHE)
        # Selection. What the last Selected said: the screen acts on `selected_message`,
        # which is None while the selection is off screen, so a change either way is
        # announced.
        self._selected: ListEntry | None = None
        self._pointer_auto = False  # selected by focus, not by the user
        self._announced: ChatMessage | None = None
        self._query: SearchQuery | None = None  # the search in force

    # --- hooks: each defined by the part named ------------------------------------------

    def _settle(self) -> None:  # layout
        raise NotImplementedError

    def _schedule_flush(self) -> None:  # layout
        raise NotImplementedError

    def _measure(self, entry: ListEntry) -> int:  # layout
        raise NotImplementedError

    def _wrap(self, entry: ListEntry) -> list[int]:  # layout
        raise NotImplementedError

    def _set_virtual_height(self, height: int) -> None:  # layout
        raise NotImplementedError

    def _entry_at(self, y: int) -> ListEntry | None:  # layout
        raise NotImplementedError

    def _on_screen(self, entry: ListEntry) -> bool:  # layout
        raise NotImplementedError

    @property
    def _marker_visible(self) -> bool:  # layout
        raise NotImplementedError

    def _resume_following(self) -> None:  # layout
        raise NotImplementedError

    def _forget(self, entry: ListEntry) -> None:  # rendering
        raise NotImplementedError

    def _select(
        self, entry: ListEntry | None, *, scroll: bool = True, notify: bool = True
    ) -> None:  # selection
        raise NotImplementedError

    def _pick(self, entry: ListEntry) -> None:  # selection
        raise NotImplementedError

    def _scroll_to_entry(self, entry: ListEntry) -> None:  # selection
        raise NotImplementedError

    def _follow_newest(self) -> None:  # selection
        raise NotImplementedError

    def select_last(self) -> None:  # selection
        raise NotImplementedError

    def _announce(self, *, force: bool = False) -> None:  # the widget: it posts Selected
        raise NotImplementedError

    def action_activate(self) -> None:  # the widget: it posts Activated
        raise NotImplementedError
