"""Who someone is in a room, spelled one way everywhere: in tokens' `role` attribute, the
app server's store and the TUI. A StrEnum, so a member compares equal to its text and
goes into JSON, SQL and token attributes as it is."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    BROADCASTER = "broadcaster"
    """Owns the room: moderates it and invites viewers on stage."""
    MODERATOR = "moderator"
    """Moderates the room (deletes messages, disconnects users) without owning it."""
    VIEWER = "viewer"
    """Reads and sends messages."""


__all__ = ["Role"]
