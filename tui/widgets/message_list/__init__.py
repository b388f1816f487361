"""The chat's message list (widget.py), split by job: layout, rendering, selection,
search. Importers take `MessageList` and its helpers from here."""

from tui.chat.time_column import UNKNOWN_TIME
from tui.widgets.message_list.entries import APPROVED_MARK, HISTORY_LABEL, HOST_BADGE, MOD_BADGE
from tui.widgets.message_list.layout import wrap_offsets
from tui.widgets.message_list.rendering import NAME_PALETTE, name_color
from tui.widgets.message_list.widget import MessageList

__all__ = [
    "APPROVED_MARK",
    "HISTORY_LABEL",
    "HOST_BADGE",
    "MOD_BADGE",
    "NAME_PALETTE",
    "UNKNOWN_TIME",
    "MessageList",
    "name_color",
    "wrap_offsets",
]
