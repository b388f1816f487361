"""The message list's rendering: an entry's line to a `Strip` of plain segments (never
markup), kept in an LRU cache keyed by what changes it (entry, line, width, selection,
style generation), and the styles read from the list's component classes."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Final, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip

from tui.ivs.events import ChatMessage
from tui.terminal.untrusted import clean
from tui.widgets.message_list.base import ListBase
from tui.widgets.message_list.entries import APPROVED_MARK, RULE, Kind, ListEntry

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


class Styles(NamedTuple):
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


class ListRendering(ListBase):
    """`render_line`, its cache, and whose lines stand out (own, mentions)."""

    _styles: Styles | None = None

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

    def mentions_me(self, message: ChatMessage) -> bool:
        """Whether `message` names us (as its line is highlighted), and is not our own."""
        return (
            self._mention is not None
            and message.sender_id != self._own_user_id
            and self._mention.search(clean(message.content)) is not None
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._restyle()

    def render_line(self, y: int) -> Strip:
        styles = self._get_styles()
        region = self.scrollable_content_region
        width = self._line_width = region.width
        if self._marker_visible and y == region.height - 1:
            return self._marker_strip(width, styles)
        entry = self._entry_at(y + self.scroll_offset.y)
        if entry is None:
            return Strip.blank(width, styles.base)
        line = y + self.scroll_offset.y - self._shown.line_of(entry)
        selected = entry is self._selected
        key = (entry.serial, line, width, selected, self._style_generation)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_entry_line(entry, line, width, selected, styles)
            self._strips[key] = strip
        return strip

    def _forget(self, entry: ListEntry) -> None:
        """Drop a gone entry's cached lines now rather than letting them age out."""
        # The width they were drawn at: the region is computed anew on every read, which
        # cost more than the rest of adding a message when a flood drops one per message.
        width = self._line_width
        generation = self._style_generation
        for line in range(entry.height):
            for selected in (False, True):
                self._strips.discard((entry.serial, line, width, selected, generation))
        self._wraps.discard((entry.serial, self._body_width))

    def _render_entry_line(
        self, entry: ListEntry, line: int, width: int, selected: bool, styles: Styles
    ) -> Strip:
        if entry.kind >= Kind.DIVIDER:
            return self._rule_strip(entry, line, width, selected, styles)
        body = entry.body
        bounds = [0, *self._wrap(entry), len(body)] if entry.height > 1 else [0, len(body)]
        start = bounds[line]
        end = start + len(body[start : bounds[line + 1]].rstrip())
        if entry.kind == Kind.MESSAGE:
            if entry.message is not None and entry.message.sender_id == self._own_user_id:
                line_style = styles.own
            elif self._mentions_me(entry):
                line_style = styles.mention
            else:
                line_style = styles.base
            text_style = line_style + styles.text
        else:
            line_style = styles.base
            text_style = line_style + (styles.error if entry.kind == Kind.ERROR else styles.system)
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
        self, entry: ListEntry, line: int, width: int, selected: bool, styles: Styles
    ) -> Strip:
        """A divider: its words centred in a rule across the whole width, from column 0
        where every other line has its time, so no message can draw one."""
        style = styles.base + (styles.gap if entry.kind == Kind.GAP else styles.divider)
        if selected:
            style += styles.pointer
        label = f" {entry.body} " if line == 0 else ""
        if cell_len(label) + 4 > width:
            label = ""  # too narrow for the words: the rule alone
        left = (width - cell_len(label)) // 2
        text = RULE * left + label + RULE * (width - left - cell_len(label))
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _marker_strip(self, width: int, styles: Styles) -> Strip:
        count = self._new_count
        noun = "message" if count == 1 else "messages"
        label = f"↓ {count:,} new {noun} (end)"
        text = label.center(width)[:width] if cell_len(label) <= width else label[:width]
        return Strip([Segment(text, styles.marker)]).adjust_cell_length(width, styles.marker)

    def _get_styles(self) -> Styles:
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

            self._styles = Styles(
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

    def _mentions_me(self, entry: ListEntry) -> bool:
        return self._mention is not None and (
            self._mention.search(entry.body, entry.name_end + 1) is not None
        )
