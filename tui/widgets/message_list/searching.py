"""The message list's search and filter. A search selects matches in place; the filter
draws a view over the same scrollback (tui/chat/filtered.py) holding only the matches,
which follows the scrollback as messages arrive and leave: nothing is copied, and ending
the filter draws the scrollback again with the selection where it was."""

from __future__ import annotations

from tui.chat.filtered import Filtered
from tui.chat.search import SearchQuery
from tui.widgets.message_list.base import ListBase, Shown
from tui.widgets.message_list.entries import ListEntry


class ListSearching(ListBase):
    """Search and filter over the plain messages (not the drawn lines)."""

    @property
    def search_query(self) -> SearchQuery | None:
        """The search in force, if any."""
        return self._query

    @property
    def filtering(self) -> bool:
        """True while only the matching messages are shown."""
        return self._filtered is not None

    @property
    def searching(self) -> bool:
        """A search or a filter is on: ending the search (the action table's
        `message_list.end_search`) is the list's, not the screen's."""
        return self._query is not None or self._filtered is not None

    def search(self, query: SearchQuery | None) -> int:
        """Look for `query` and select the newest match; how many messages match. None
        ends the search. Over the plain messages (`Scrollback.find`), not drawn lines."""
        self._settle()
        self._query = query
        if query is None:
            self.end_search()
            return 0
        if self._filtered is not None:
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
        if self._filtered is not None:
            self._unfilter()
        self._query = query
        view = Filtered(self._store, query.matches)
        self._filtered = view
        self._swap(view, view.last)
        return len(view)

    def end_search(self) -> None:
        """The whole list again, the selection kept on the message it was on."""
        self._query = None
        if self._filtered is not None:
            self._unfilter()

    def match_step(self, step: int) -> bool:
        """Select the next match above (`step` -1) or below (+1) the selection; False
        when there is none that way."""
        self._settle()
        query = self._query
        shown = self._shown
        if query is None or not len(shown):
            return False
        start = self._selected or shown.last
        assert start is not None
        index = shown.index(start)
        size = len(shown)
        at = index + step
        while 0 <= at < size:
            entry = shown[at]
            if entry.message is not None and query.matches(entry.message):
                self._pick(entry)
                return True
            at += step
        return False

    # --- actions ------------------------------------------------------------------------

    def action_next_match(self) -> None:
        # On up the list, the way the search went from the newest message.
        if not self.match_step(-1):
            self.app.bell()

    def action_previous_match(self) -> None:
        if not self.match_step(+1):
            self.app.bell()

    def action_filter(self) -> None:
        if self._filtered is not None:
            self._unfilter()
        else:
            self.filter()

    def action_end_search(self) -> None:
        self.end_search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_match", "previous_match", "filter"):
            return self._query is not None
        if action == "end_search":
            # Otherwise the key is the screen's (back to the composer).
            return self.searching
        return True

    # --- switching what is drawn ------------------------------------------------------

    def _unfilter(self) -> None:
        view, self._filtered = self._filtered, None
        if view is None:
            return
        view.close()
        selected = self._selected
        keep = selected if selected is not None and self._store.holds(selected) else None
        self._swap(self._store, keep or self._store.last)

    def _swap(self, shown: Shown, select: ListEntry | None) -> None:
        """Draw `shown` from now on, with `select` selected and in view. The entries are
        the same objects either way, so their cached lines still hold."""
        self._shown = shown
        self._selected = None
        self._dropped_lines = 0
        self._new_count = 0
        self._flushed_end = shown.end
        self._set_virtual_height(shown.lines)
        self.refresh()
        if select is not None:
            self._pick(select)
        else:
            self._resume_following()
            self._announce(force=True)
