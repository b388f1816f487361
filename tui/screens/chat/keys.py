"""Keys typed in the message list (tui/terminal/key_bursts.py): a key alone is a command,
keys together are text for the composer; a paste is text too. And which pane has the
keys, unmistakably: the composer, or the message list (the composer then looks inactive
and says how to get back to it)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events

from tui.ivs.events import ChatMessage
from tui.screens.chat.base import ChatBase
from tui.screens.chat.words import LIST_MODE, LIST_PLACEHOLDER, MOVED_WORDS
from tui.terminal.key_bursts import BURST_GAP_S, burst_text, continues, is_command
from tui.widgets.mode_footer import ModeFooter


class KeyFlows(ChatBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keys typed in the message list, held until it is known whether they came alone
        # (a command) or together (text for the composer).
        self._burst: list[events.Key] = []
        self._burst_number = 0
        self._burst_queued = False  # its keys may still be in the app's queue: all join
        self._burst_selection: ChatMessage | None = None  # selected when it began
        self._typed: events.Key | None = None  # the last key of a burst moved to the composer
        self._typed_enter = False  # and it ended with an Enter (a space before more text)
        self._burst_after_other = False  # it began with a key that came with the one before
        self._previous: events.Key | None = None  # the last key routed without holding
        self._previous_number = 0
        self._previous_queued = False  # keys queued with it are still being handled
        self.burst_gap: float | None = BURST_GAP_S
        """Keys this close in time arrived together; None (a headless app, whose keys no
        terminal read) leaves it to the queue alone, so tests and snapshots are exact."""
        self._placeholder = ""  # the composer's own placeholder while the list has keys

    async def key_arrived(self, event: events.Key) -> bool:
        """Every key the app reads, in order, before Textual routes it (ChatApp.on_event);
        True when it was taken here. A printable key read while the message list has the
        keys is held, with every key that arrives together with it. Alone, it is then
        routed as usual and its command runs; together, they go to the composer as text."""
        burst = self._burst
        if burst:
            if self._burst_queued or continues(burst[-1], event, self.burst_gap):
                burst.append(event)
                return True
            await self._end_burst()
        if self._typed is not None:
            if continues(self._typed, event, self.burst_gap):
                self._type_on(event)
                return True
            self._typed = None
        previous = self._previous
        together = self._previous_queued or (
            previous is not None and continues(previous, event, self.burst_gap)
        )
        holding = event.is_printable and self.app.screen is self and self.focused is self.messages
        if not holding:
            self._previous = event
            self._previous_number += 1
            self._previous_queued = True
            self.app.call_later(self._previous_read, self._previous_number)
            return False
        self._previous = None
        self._burst = [event]
        self._burst_after_other = together  # with the key before it: never a command
        # A key acts on the message selected when it was pressed.
        self._burst_selection = self.messages.selected_message
        self._burst_number += 1
        self._burst_queued = True
        # Queued behind the keys already read: they join the burst before it is decided.
        self.app.call_later(self._burst_read, self._burst_number)
        return True

    def _previous_read(self, number: int) -> None:
        """The keys queued with the last key routed have been handled."""
        if number == self._previous_number:
            self._previous_queued = False

    async def _burst_read(self, number: int) -> None:
        """The keys queued with the burst have joined it. From a terminal, wait until no
        more can (`burst_gap` after its last key), then decide."""
        if number != self._burst_number or not self._burst:
            return  # decided already, by a key that came later
        self._burst_queued = False
        gap = self.burst_gap
        if gap is not None:
            wait = self._burst[-1].time + gap - time.monotonic()
            if wait > 0:
                self.set_timer(wait, lambda: self.app.call_later(self._burst_read, number))
                return
        await self._end_burst()

    async def _end_burst(self) -> None:
        keys, self._burst = self._burst, []
        chosen, self._burst_selection = self._burst_selection, None
        self._burst_queued = False
        if is_command(keys) and not self._burst_after_other:
            selected = self.messages.selected_message
            if chosen is not None and (selected is None or selected.id != chosen.id):
                # Its message was deleted, or scrolled away, while the key was held.
                self.notify(
                    "Nothing done: the message selected when the key was pressed is gone.",
                    severity="warning",
                )
                return
            route: Callable[[events.Key], Awaitable[None]]
            route = self.app.route_key  # type: ignore[attr-defined]  # ChatApp's, not App's
            await route(keys[0])
            return
        text, entered = burst_text(keys)
        self._typed = keys[-1]
        self._typed_enter = keys[-1].key == "enter"
        field = self.composer.input
        self.set_focus(field)
        if text:
            field.cursor_position = len(field.value)  # after a draft, as typed after it
            before = field.value
            if before and not before[-1].isspace():
                text = " " + text  # never glued onto a draft already there
            field.insert_text_at_cursor(text)
        words = MOVED_WORDS + (" The Enter typed with it did not send it." if entered else "")
        self.notify(words, title="Text, not commands", timeout=6)

    def _type_on(self, event: events.Key) -> None:
        """A key that arrived together with a burst already moved to the composer (the
        rest of the same read): typed there the same way, an Enter never a send."""
        self._typed = event
        field = self.composer.input
        if event.key == "backspace":
            field.action_delete_left()
        elif event.key == "enter":
            self._typed_enter = True
        elif event.is_printable and event.character is not None:
            before = field.value[: field.cursor_position]
            if self._typed_enter and before and not before[-1].isspace():
                field.insert_text_at_cursor(" ")  # the lines apart, as in a paste
            self._typed_enter = False
            field.insert_text_at_cursor(event.character)

    def on_paste(self, event: events.Paste) -> None:
        """A paste into the message list is text too: the composer takes it."""
        if self.focused is not self.messages:
            return
        event.stop()
        field = self.composer.input
        self.set_focus(field)
        field.post_message(events.Paste(event.text))

    def on_descendant_focus(self) -> None:
        self._show_whose_keys()

    def on_descendant_blur(self) -> None:
        self._show_whose_keys()

    def _show_whose_keys(self) -> None:
        """Which pane has the keys, unmistakably: while the message list has them the
        composer looks inactive and says how to get back to it."""
        listing = self.focused is self.messages
        self.set_class(listing, "-list-keys")
        self.query_one(ModeFooter).mode = LIST_MODE if listing else ""
        field = self.composer.input
        if listing and not field.disabled and field.placeholder != LIST_PLACEHOLDER:
            self._placeholder = field.placeholder
            field.placeholder = LIST_PLACEHOLDER
        elif not listing and field.placeholder == LIST_PLACEHOLDER:
            field.placeholder = self._placeholder

    def _to_messages(self) -> None:
        """Escape in the composer: the list, the newest message selected. At once, as
        action_focus_composer (the other way) says why."""
        self.set_focus(self.messages)
        self.messages.select_last()

    def action_focus_composer(self) -> None:
        # At once, not Textual's deferred `focus()`: Textual routes each key to the widget
        # focused when the app reads it, and over SSH "tab one⏎" is one read: deferred,
        # "one⏎" reached the list, whose Enter opened the moderation menu on a message and
        # whose keys then picked from it.
        self.set_focus(self.composer.input)
