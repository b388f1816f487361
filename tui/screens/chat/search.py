"""Looking through the chat: history on join and after a reconnect, search and filter,
and the user card (whose moderation choices go to moderation.py as `ModerateUser`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.message import Message

from tui.chat.history_sync import HistoryShown, missed_words
from tui.ivs.events import ChatMessage
from tui.screens.chat.base import ChatBase
from tui.screens.user_card import UserCard, UserCardChoice
from tui.terminal.untrusted import clean
from tui.widgets.message_list import MessageList
from tui.widgets.search_bar import SearchBar


@dataclass
class HistoryFetched(Message):
    """History from the app server (tui/chat/history_relay.py): on join, or what was missed."""

    shown: HistoryShown


@dataclass
class ModerateUser(Message):
    """A moderation action picked on the user card: the chat screen carries it out."""

    choice: UserCardChoice


class SearchFlows(ChatBase):
    @on(HistoryFetched)
    def _history_fetched(self, event: HistoryFetched) -> None:
        """On join: the recent chat above a "history" divider. After a reconnect: what
        was missed, said as such; a range the history lacks is a gap line."""
        if self.ended:
            return
        shown = event.shown
        messages = self.messages
        if shown.join:
            if shown.failure:
                self.system(f"no recent chat to show: {shown.failure}")
            messages.add_history(shown.messages)
            return
        if shown.failure:
            messages.add_divider(f"messages may be missing here: {shown.failure}", gap=True)
        elif not shown.complete:
            messages.add_divider(
                "messages may be missing here: the history has a gap too", gap=True
            )
        new = [m for m in shown.messages if m.id not in messages]
        if new:
            self.system(missed_words(len(new)))
            for message in new:
                messages.add_message(message)

    # --- search ------------------------------------------------------------------------

    @on(MessageList.SearchRequested)
    def _open_search(self) -> None:
        self.query_one(SearchBar).open()

    @on(SearchBar.Find)
    def _find(self, event: SearchBar.Find) -> None:
        query = event.query
        if query is None:
            self.notify("Type words to find, or from:name.", severity="warning")
            return
        messages = self.messages
        count = messages.filter(query) if event.filter else messages.search(query)
        noun = "message matches" if count == 1 else "messages match"
        how = " (only these shown: escape for all)" if event.filter else " (n, N: next, previous)"
        words = f"{count:,} {noun} {query.describe()}" + (how if count else "")
        self.notify(clean(words), severity="information" if count else "warning", markup=False)
        self.query_one(SearchBar).close()
        messages.focus()

    @on(SearchBar.Closed)
    def _search_closed(self) -> None:
        self.messages.end_search()
        self.messages.focus()

    # --- the user card -----------------------------------------------------------------

    def action_user_card(self) -> None:
        message = self.messages.selected_message
        if message is not None:
            self._open_user_card(message)

    @work(group="user_card")
    async def _open_user_card(self, message: ChatMessage) -> None:
        me = self.identity
        card = UserCard(
            message,
            lookup=self.controls,
            scrollback=self.messages.messages_from(message.sender_id),
            now=self._clock(),
            tz=self._tz,
            moderator=not self.ended and me is not None and me.is_moderator,
            broadcaster=not self.ended and me is not None and me.is_broadcaster,
            notes=self.controls,
        )
        choice = await self.app.push_screen_wait(card)
        if choice is not None:
            self.post_message(ModerateUser(choice))
