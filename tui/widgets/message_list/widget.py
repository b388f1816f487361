"""The chat's message list: one line-API `ScrollView`, no widget per message.

Modelled on toolong's log view: a thin view over `tui.chat.scrollback.Scrollback`, which holds
the entries (bounded, with an id index) and numbers their lines, so adding a message is
O(1) and finding the entry under a screen row is a bisect. Lines are wrapped
lazily and rendered strips are kept in LRU caches keyed by what changes them (entry,
line, width, selection, style generation). Many messages arriving together cost one
layout update and one repaint: `add_message` only records, and a single pending flush
updates the virtual size, the scroll position and the "N new messages" marker.

The parts, each a mixin over `ListBase` (base.py): `ListLayout` (heights, following,
the flush), `ListRendering` (strips and their cache), `ListSelection` (the selected entry
and its moves) and `ListSearching` (search, and the filter: a view over the same
scrollback). Here: the data API, the messages it posts and its look. Its keys are the
action table's (tui/action_table.py, owner "message_list"), and only there.

Every piece of text from other people goes through `untrusted.clean` and is drawn as
plain segments: never markup, never a raw control character.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import ClassVar

from textual.binding import BindingType
from textual.message import Message

from tui.action_table import bindings_for
from tui.common.timing.clock import Clock, utc_now
from tui.ivs.events import ChatMessage
from tui.widgets.message_list.entries import (
    HISTORY_LABEL,
    Kind,
    ListEntry,
    divider_entry,
    message_entry,
    system_entry,
)
from tui.widgets.message_list.layout import ListLayout
from tui.widgets.message_list.rendering import ListRendering
from tui.widgets.message_list.searching import ListSearching
from tui.widgets.message_list.selection import ListSelection


class MessageList(
    ListSearching, ListSelection, ListRendering, ListLayout, can_focus=True, inherit_bindings=False
):
    """Chat messages and system lines, newest at the bottom, with a selection."""

    # Priority, each run as its key is read: the table says why.
    BINDINGS: ClassVar[list[BindingType]] = list(bindings_for("message_list"))

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
        """`message_list.activate` (its keys, or a click on the selected line), with a
        chat message selected."""

        message: ChatMessage
        message_list: MessageList = field(repr=False)

        @property
        def control(self) -> MessageList:
            return self.message_list

    @dataclass
    class SearchRequested(Message):
        """`message_list.search`: the screen opens the search box."""

        message_list: MessageList = field(repr=False)

        @property
        def control(self) -> MessageList:
            return self.message_list

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
        super().__init__(
            scrollback=scrollback, tz=tz, clock=clock, name=name, id=id, classes=classes
        )
        self.set_identity(own_user_id, own_name)

    # --- reading ------------------------------------------------------------------------

    @property
    def messages(self) -> list[ChatMessage]:
        """The chat messages shown (all, or the filter's), oldest first."""
        return self._shown.messages()

    @property
    def lines(self) -> list[str]:
        """Every entry shown as the plain text it is drawn with (for tests and copy)."""
        return [entry.plain for entry in self._shown]

    def messages_from(self, user_id: str) -> list[ChatMessage]:
        """`user_id`'s messages still in the scrollback (shown or filtered out), oldest
        first."""
        return [e.message for e in self._store.by_sender(user_id) if e.message is not None]

    def sender_name(self, user_id: str) -> str | None:
        """The name `user_id` goes by in their newest message shown; None once all their
        messages have left it."""
        message = self._shown.latest_from(user_id)
        return message.sender_name if message is not None else None

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

    def sender_of(self, message_id: str) -> str | None:
        """The sender's user id of a message shown, else None."""
        entry = self._shown.get(message_id)
        return entry.message.sender_id if entry is not None and entry.message else None

    def __len__(self) -> int:
        """How many lines (messages and system lines) are shown."""
        return len(self._shown)

    def __bool__(self) -> bool:
        # A widget is always truthy: with __len__ alone an empty list would read as "no
        # widget" in `if focused:` checks, Textual's and ours.
        return True

    def __contains__(self, message_id: object) -> bool:
        """Is the chat message with this id in the scrollback (shown or filtered out)?"""
        return message_id in self._store

    def set_feed(self, feed: Callable[[], None] | None) -> None:
        """`feed` is called at the start of every flush, to add what its owner held back
        while a repaint was waiting (the chat screen's inbox: at 100 messages a second,
        one Textual message per frame instead of one per chat message)."""
        self._feed = feed

    # --- changing -----------------------------------------------------------------------

    def add_message(self, message: ChatMessage) -> None:
        """Append a chat message (a repeated id is ignored). O(1); drawn on the next frame."""
        if message.id in self._store:
            return
        entry = message_entry(message, self._times.text(message.send_time))
        self._new_message = True
        self._append(entry)

    def add_system(self, text: str, *, error: bool = False) -> None:
        """Append a system line: an outcome ("invite sent to Alice") or, with `error`, a
        failure. `text` may quote untrusted names; it is cleaned like everything else."""
        self._append(system_entry(text, self._times.text(self._clock()), error=error))

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
        self._append(divider_entry(text, self._times.text(self._clock()), gap=gap))

    def remove_message(self, message_id: str) -> bool:
        """Remove a deleted message; False if it is not shown (not in the scrollback, or
        filtered out: then it leaves the scrollback all the same). A selected message
        hands the selection to the nearest newer message (else the nearest older one; a
        system line only when no message is left), so a moderator can go on deleting
        without moving."""
        entry = self._store.get(message_id)
        if entry is None:
            return False
        shown = self._shown
        if not shown.holds(entry):
            self._store.remove(message_id)
            return False
        index, line = shown.index(entry), shown.line_of(entry)
        self._store.remove(message_id)  # a filter's view is told, and follows
        self._forget(entry)
        if not self._follow and line < self.scroll_offset.y:
            self._dropped_lines += entry.height  # above the view: keep the view still
        if self._selected is entry:
            self._select(shown.neighbour(index), scroll=False)
        self._schedule_flush()
        self.refresh()
        return True

    def _append(self, entry: ListEntry) -> None:
        shown = self._shown
        oldest = shown.first
        dropped = self._store.append(entry, self._measure)  # a filter's view follows
        if dropped is not None:
            self._forget(dropped)
            if dropped is not oldest:
                dropped = None  # filtered out: no line shown moved
        if dropped is not None:
            self._dropped_lines += dropped.height
            if self._selected is dropped:
                # Told once per flush, not once per message, however fast the top moves.
                self._select(shown.first, scroll=False, notify=False)
        if shown.last is not entry:  # filtered out: kept, not shown
            if dropped is not None:
                self._schedule_flush()
            return
        if self._follow and self._selected is not None and self.has_focus:
            # The list has the keys: the selection stays on the line the moderator chose,
            # and what arrives waits below it, counted, until they go back (the action
            # table's `message_list.end`, or leaving the list).
            self._follow = False
            self._paused_by_focus = True
        if not self._follow and entry.kind == Kind.MESSAGE:
            self._new_count += 1
        self._schedule_flush()

    # --- what it posts ------------------------------------------------------------------

    def action_activate(self) -> None:
        message = self.selected_message
        if message is not None:
            self.post_message(self.Activated(message, self))

    def action_search(self) -> None:
        self.post_message(self.SearchRequested(self))

    def _announce(self, *, force: bool = False) -> None:
        """Post Selected when what a key would act on changed (or always, with `force`:
        the user moved the selection)."""
        message = self.selected_message
        if force or message is not self._announced:
            self._announced = message
            self.post_message(self.Selected(message, self))
