"""Deletions as system lines: one line per message deleted, but one line for many.

A purge (a ban or a timeout with `purgeSeconds`) deletes each of the user's recent
messages on its own, one IVS DeleteMessage each: a hundred lines saying "the moderator
deleted a message" would push the chat off the screen. The deletion lines said within a
moment of each other are grouped by their words and sender, in the order first seen:
"the moderator deleted 37 messages by Bob: spam".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DELETED_ONE = "the moderator deleted a message"
"""How a deletion's line starts (tui/chat/moderation_state.py words it)."""


@dataclass(frozen=True, slots=True)
class Deletion:
    line: str
    """The line the deletion alone would be said with."""
    sender: str | None = None
    """The sender's display name, if the message was still in the list."""


def deletion_words(deletions: Sequence[Deletion]) -> list[str]:
    """The system lines for `deletions`: one per line and sender."""
    counts: dict[tuple[str, str | None], int] = {}
    for deletion in deletions:
        key = (deletion.line, deletion.sender)
        counts[key] = counts.get(key, 0) + 1
    said = []
    for (line, sender), count in counts.items():
        if count == 1:
            said.append(line)
        elif line.startswith(DELETED_ONE):
            by = f" by {sender}" if sender else ""
            rest = line.removeprefix(DELETED_ONE)
            said.append(f"the moderator deleted {count} messages{by}{rest}")
        else:
            said.append(f"{line} ({count} times)")
    return said


__all__ = ["DELETED_ONE", "Deletion", "deletion_words"]
