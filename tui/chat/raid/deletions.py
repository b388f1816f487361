"""Deletions as system lines: one line per message deleted, but one line for many.

A purge (a ban or a timeout with `purgeSeconds`) deletes each of the user's recent
messages on its own, one IVS DeleteMessage each: a hundred lines saying "the moderator
deleted a message" would push the chat off the screen. The deletions said at one moment
are grouped by sender and reason, in the order first seen: "the moderator deleted 37
messages by Bob: spam".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Deletion:
    sender: str | None
    """The sender's display name, if the message was still in the scrollback."""
    reason: str = ""


def deletion_words(deletions: Sequence[Deletion]) -> list[str]:
    """The system lines for `deletions`: one per sender and reason."""
    counts: dict[tuple[str | None, str], int] = {}
    for deletion in deletions:
        key = (deletion.sender, deletion.reason)
        counts[key] = counts.get(key, 0) + 1
    lines = []
    for (sender, reason), count in counts.items():
        why = f": {reason}" if reason else ""
        if count == 1:
            lines.append(f"the moderator deleted a message{why}")
        else:
            by = f" by {sender}" if sender else ""
            lines.append(f"the moderator deleted {count} messages{by}{why}")
    return lines


__all__ = ["Deletion", "deletion_words"]
