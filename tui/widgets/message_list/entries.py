"""What the message list draws for each line of the chat: its entries, built from a chat
message, a system line or a divider, with everything untrusted cleaned once, here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tui.chat.scrollback import Entry
from tui.common.roles import Role
from tui.ivs.events import ChatMessage
from tui.terminal.untrusted import clean

TIME_WIDTH: Final = 6  # "HH:MM "
MIN_BODY_WIDTH: Final = 12  # below this the time column is dropped to leave room for text
_SYSTEM_PREFIX: Final = "-- "
# Before the broadcaster's name, in a style no name can take: anyone may pick a name that
# looks like the host's, but only the app server sets the role in a token's attributes.
HOST_BADGE: Final = "[host]"
MOD_BADGE: Final = "[mod]"  # drawn as the host's is, for `role: moderator`
_BADGES: Final[dict[str, str]] = {Role.BROADCASTER: HOST_BADGE, Role.MODERATOR: MOD_BADGE}
_ERROR_PREFIX: Final = "!! "
APPROVED_MARK: Final = "✓"
"""In the gutter after the time of a message approved from the held queue (one cell, so
marking a message never re-wraps it)."""
HISTORY_LABEL: Final = "history"
RULE: Final = "─"


class Kind:
    MESSAGE: Final = 0
    SYSTEM: Final = 1
    ERROR: Final = 2
    DIVIDER: Final = 3
    """A rule across the whole width, no time column: no message can look like it."""
    GAP: Final = 4
    """A divider for messages that may be missing: a gap is shown, never skipped."""


@dataclass(slots=True, eq=False)
class ListEntry(Entry):
    """A scrollback entry with what the list draws for it."""

    kind: int = 0
    time: str = ""
    body: str = ""
    """What is wrapped: "name text" for a message, the prefixed text of a system line."""
    name_end: int = 0
    badge_end: int = 0
    """End of the host badge before the name (0: none)."""
    history: bool = False
    """Fetched from the room's history on join: drawn with a dimmed time."""
    approved: bool = False
    """A moderator let it in from the held queue: APPROVED_MARK after its time."""

    @property
    def plain(self) -> str:
        """The entry as the plain text it is drawn with (for tests and copy)."""
        if self.kind >= Kind.DIVIDER:
            return f"{RULE * 2} {self.body} {RULE * 2}"
        return f"{self.time} {self.body}"


def message_entry(message: ChatMessage, time: str) -> ListEntry:
    """A chat message: its sender's badge (from the role the app server set), name and
    text, each cleaned."""
    name = clean(message.sender_name)
    badge = _BADGES.get(message.sender_attributes.get("role", ""), "")
    if badge:
        name = f"{badge} {name}"
    return ListEntry(
        message=message,
        kind=Kind.MESSAGE,
        time=time,
        body=f"{name} {clean(message.content)}",
        name_end=len(name),
        badge_end=len(badge),
    )


def system_entry(text: str, time: str, *, error: bool = False) -> ListEntry:
    """An outcome, or with `error` a failure; `text` may quote untrusted names."""
    kind = Kind.ERROR if error else Kind.SYSTEM
    prefix = _ERROR_PREFIX if error else _SYSTEM_PREFIX
    return ListEntry(kind=kind, time=time, body=prefix + clean(text))


def divider_entry(text: str, time: str, *, gap: bool = False) -> ListEntry:
    return ListEntry(kind=Kind.GAP if gap else Kind.DIVIDER, time=time, body=clean(text))
