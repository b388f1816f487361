"""The message list's selection: which entry is selected, the moves the action table
binds (tui/action_table.py, owner "message_list"), focus and clicks. A moderation key
acts on the selected message only while it is on screen."""

from __future__ import annotations

from textual import events
from textual.geometry import Region, Spacing

from tui.ivs.events import ChatMessage
from tui.widgets.message_list.base import ListBase
from tui.widgets.message_list.entries import ListEntry


class ListSelection(ListBase):
    """The selected entry and how it moves."""

    @property
    def selected_message(self) -> ChatMessage | None:
        """The chat message a moderation key acts on: the selected one, and only while it
        is on screen. A selection scrolled out of view (the wheel, a flood of system
        lines) offers nothing, so no key can hit a message the moderator cannot see."""
        entry = self._selected
        if entry is None or entry.message is None or not self._on_screen(entry):
            return None
        return entry.message

    def select_last(self) -> None:
        """Select the newest chat message (or newest line) and follow again."""
        self._settle()
        newest = self._shown.newest_message() or self._shown.last
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
        if (oldest := self._shown.first) is not None:
            self._pick(oldest)

    def action_cursor_last(self) -> None:
        # The bottom of the list, following again, with the newest *message* selected:
        # the system lines under it are in view, and the moderation actions act on what
        # is highlighted.
        self.select_last()

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(+1)

    # --- events -------------------------------------------------------------------------

    def on_focus(self) -> None:
        if self._selected is None and len(self._shown):
            self.select_last()
            # Focus from a click arrives before the click: that click should select the
            # line under the mouse, not activate the line focus happened to pick.
            self._pointer_auto = True

    def on_blur(self) -> None:
        # Back to the composer: the chat runs on again, as it did before the list had keys.
        if self._paused_by_focus and not self._follow:
            self._resume_following()

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

    # --- moving -------------------------------------------------------------------------

    def _follow_newest(self) -> None:
        """While following, the selection moves with the newest message: it stays on the
        bottom line the moderator is looking at, never scrolls away under them."""
        newest = self._shown.newest_message()
        if newest is not None:
            auto = self._pointer_auto
            self._select(newest, scroll=False, notify=False)
            self._pointer_auto = auto

    def _select(self, entry: ListEntry | None, *, scroll: bool = True, notify: bool = True) -> None:
        previous = self._selected
        self._pointer_auto = False
        if entry is previous:
            if entry is not None and scroll:
                self._scroll_to_entry(entry)
            return
        self._selected = entry
        shown = self._shown
        for changed in (previous, entry):
            if changed is not None and shown.holds(changed):  # not dropped
                self.refresh_lines(shown.line_of(changed), changed.height)
        if entry is not None and scroll:
            self._scroll_to_entry(entry)
        if notify:
            self._announce(force=True)
        else:
            self._schedule_flush()  # the flush announces it, once however many moves

    def _pick(self, entry: ListEntry) -> None:
        """The user chose `entry`. Unless it is the newest line, the view holds still
        (new messages are counted, not scrolled in) so the line cannot slide away while
        the user acts on it."""
        self._select(entry, notify=False)
        if entry is self._shown.last:
            self._resume_following()
        else:
            self._follow = False
            # Chosen with the list's keys: the composer follows again when they go back
            # there. Chosen otherwise (a search from the composer): it holds still.
            self._paused_by_focus = self.has_focus
        self._announce(force=True)

    def _scroll_to_entry(self, entry: ListEntry) -> None:
        region = Region(0, self._shown.line_of(entry), 1, entry.height)
        spacing = Spacing(0, 0, 1, 0) if self._marker_visible else None
        self.scroll_to_region(region, spacing=spacing, animate=False, immediate=True, force=True)

    def _move(self, step: int) -> None:
        self._settle()
        if not len(self._shown):
            return
        if self._selected is None:
            self.select_last()
            return
        self._pick(self._shown.step(self._selected, step))

    def _page(self, direction: int) -> None:
        self._settle()
        shown = self._shown
        if not len(shown):
            return
        if self._selected is None:
            self.select_last()
            return
        # The view and the pointer both move a page (less one line, for context).
        page = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(
            y=self.scroll_offset.y + direction * page, animate=False, immediate=True, force=True
        )
        line = shown.line_of(self._selected) + direction * page
        line = max(0, min(line, shown.lines - 1))
        target = self._entry_at(line)
        if target is not None:
            self._pick(target)
