"""The message list's layout: how tall each entry is at the width (word wrap), the virtual
height, following the newest line, and the coalesced, paced flush that applies what
arrived: many messages arriving together cost one layout update and one repaint."""

from __future__ import annotations

import re
from typing import Final

from rich.cells import cell_len
from textual.geometry import Size
from textual.scroll_view import ScrollView

from tui.terminal.output import output_backlog
from tui.widgets.message_list.base import ListBase
from tui.widgets.message_list.entries import MIN_BODY_WIDTH, TIME_WIDTH, ListEntry

_CHUNK: Final = re.compile(r"(\S+)\s*|\s+")


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


class ListLayout(ListBase):
    """Heights, the virtual size, following and the flush."""

    @property
    def following(self) -> bool:
        """True while new messages keep the view at the bottom."""
        return self._follow

    @property
    def new_messages(self) -> int:
        """Messages that arrived since following paused (what the marker shows)."""
        return self._new_count

    @property
    def repaint_waiting(self) -> bool:
        """A paced repaint is due (tui.terminal.output): nothing added before it is drawn
        sooner, and the feed (`set_feed`) is called first thing when it comes."""
        return self._paced is not None

    # --- events -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._schedule_flush()

    def on_resize(self) -> None:
        self._relayout()
        self._announce()  # a shorter view may no longer show the selection

    def on_message_list__flush(self, _: ListBase._Flush) -> None:
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

    # --- heights ------------------------------------------------------------------------

    def _measure(self, entry: ListEntry) -> int:
        width = self._body_width
        body = entry.body
        if not width or (len(body) <= width and body.isascii()):
            return 1
        if cell_len(body) <= width:
            return 1
        return len(self._wrap(entry)) + 1

    def _wrap(self, entry: ListEntry) -> list[int]:
        key = (entry.serial, self._body_width)
        offsets = self._wraps.get(key)
        if offsets is None:
            offsets = wrap_offsets(entry.body, self._body_width) if self._body_width else []
            self._wraps[key] = offsets
        return offsets

    def _relayout(self) -> None:
        """Re-measure every entry when the width changes (resize, scrollbar)."""
        width = self.scrollable_content_region.width
        indent = TIME_WIDTH if width - TIME_WIDTH >= MIN_BODY_WIDTH else 0
        # Hidden (no width): one line each until there is a width to wrap to, rather
        # than a character per line.
        body_width = max(width - indent, 0)
        if body_width == self._body_width and indent == self._indent:
            return
        self._body_width = body_width
        self._indent = indent
        self._store.relayout(self._measure)  # a filter's view is told, and follows
        self._strips.clear()
        self._flush()
        self.refresh()
        if self._follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        elif self._selected is not None:
            self._scroll_to_entry(self._selected)

    # --- where things are ---------------------------------------------------------------

    @property
    def _marker_visible(self) -> bool:
        return not self._follow and self._new_count > 0

    def _entry_at(self, y: int) -> ListEntry | None:
        """The entry drawn on virtual line `y`."""
        return self._shown.at_line(y)

    def _rows(self, entry: ListEntry) -> tuple[int, int] | None:
        """The view's rows the entry is on (first, after last), None if it is not shown."""
        shown = self._shown
        if self._filtered is not None and not shown.holds(entry):
            return None
        top = shown.line_of(entry) - self.scroll_offset.y
        return top, top + entry.height

    def _on_screen(self, entry: ListEntry) -> bool:
        """Is a line of `entry` in the view (the "N new messages" marker row excluded)?"""
        rows = self._rows(entry)
        height = self.scrollable_content_region.height - (1 if self._marker_visible else 0)
        return rows is not None and rows[0] < height and rows[1] > 0

    def _under_marker(self, entry: ListEntry) -> bool:
        """In the view but hidden by the "N new messages" marker's row."""
        if not self._marker_visible:
            return False
        rows = self._rows(entry)
        if rows is None:
            return False
        in_view = rows[0] < self.scrollable_content_region.height and rows[1] > 0
        return in_view and not self._on_screen(entry)

    def _set_virtual_height(self, height: int) -> None:
        size = Size(self.scrollable_content_region.width, height)
        if size == self.virtual_size:
            return
        # Setting the `virtual_size` reactive lays out the whole screen and so repaints
        # every widget on it, each frame of a flood. A ScrollView's virtual size moves no
        # other widget, and the scrollbar is always shown (overflow-y: scroll): tell the
        # scrollbar and keep the scroll position in range, as that layout would.
        self.set_reactive(ScrollView.virtual_size, size)
        if self.is_mounted:
            self.vertical_scrollbar.window_virtual_size = height
            self.scroll_y = self.validate_scroll_y(self.scroll_y)

    # --- following ----------------------------------------------------------------------

    def _resume_following(self) -> None:
        was_marked = self._marker_visible
        self._follow = True
        self._paused_by_focus = False
        self._new_count = 0
        self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        if was_marked:
            self.refresh()

    # --- the flush ----------------------------------------------------------------------

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
        shown = self._shown
        base, end = shown.base, shown.end
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
