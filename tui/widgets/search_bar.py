"""The search box over the message list: `/` opens it, Enter finds,
ctrl+f shows only the matches, escape closes it and restores the list."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.action_table import bindings_for
from tui.chat.search import SearchQuery
from tui.widgets.line_input import LineInput

PLACEHOLDER = "search: words, or from:name · enter find · ctrl+f only matches · escape close"


class SearchBar(LineInput):
    """One line, hidden until `/`. The screen acts on its messages."""

    DEFAULT_CSS = """
    SearchBar {
        display: none;
        border: none;
        height: 1;
        padding: 0 1;
        background: $boost;
        /* Input's focused (and invalid) border beat the one above and took the only
           row: the search was typed blind. */
        &:focus, &.-invalid, &.-invalid:focus { border: none; }
    }
    SearchBar.-open { display: block; }
    """
    BINDINGS = bindings_for("search_bar")  # tui/action_table.py

    @dataclass
    class Find(Message):
        """Enter (`filter` False) or ctrl+f (`filter` True) with a query."""

        query: SearchQuery | None
        filter: bool

    class Closed(Message):
        """Escape: the search is over."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")

    def action_find(self) -> None:
        self.post_message(self.Find(SearchQuery.parse(self.value), filter=False))

    def action_filter(self) -> None:
        self.post_message(self.Find(SearchQuery.parse(self.value), filter=True))

    def action_close(self) -> None:
        self.close()
        self.post_message(self.Closed())


__all__ = ["SearchBar"]
