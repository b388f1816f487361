"""The queue of messages held for review, in the shared store.

A message waits at most `HELD_SECONDS` (10 minutes, the longest a sender waits), and the
queue holds at most `MAX_HELD` (500): past that, the oldest go first. A moderator's
decision takes the message out (`take`: of two moderators deciding at once, through one
instance or two, one gets it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tui.server.db import Database
from tui.server.db.engine import ALL_ROWS
from tui.server.moderation.records import Party, utc_text

HELD_SECONDS = 10 * 60
MAX_HELD = 500
APPROVED_KEPT_SECONDS = 3600
"""How long an approval is kept for the news: longer than any stream waits to read it."""

NEW_IDENTITY = "new identity during shield mode"
"""The reason a young identity's message is held; a hold term's is `hold_reason`'s."""


def hold_reason(term: str) -> str:
    return f"hold term: {term}"


_COLUMNS = (
    "id, at, expires_at, user_id, display_name, content, attributes, sender_attributes, "
    "reason, term"
)


@dataclass(frozen=True, slots=True)
class HeldMessage:
    id: str
    at: float
    expires_at: float
    sender: Party
    content: str
    reason: str
    term: str | None = None
    """The hold term that matched, as the broadcaster wrote it."""
    attributes: dict[str, str] = field(default_factory=dict)
    """The message's own attributes, sent again on approval."""
    sender_attributes: dict[str, str] = field(default_factory=dict)
    """The sender's token's attributes, given to the approval's token."""

    def to_json(self) -> dict[str, object]:
        """One entry of `GET /api/moderation/held` (the attributes stay here)."""
        return {
            "id": self.id,
            "at": utc_text(self.at),
            "sender": self.sender.wire().to_json(),
            "content": self.content,
            "reason": self.reason,
            "term": self.term,
            "expiresAt": utc_text(self.expires_at),
        }


def _held(row: tuple[Any, ...]) -> HeldMessage:  # as the driver returns it
    hid, at, expires, user_id, name, content, attributes, sender_attributes, reason, term = row
    return HeldMessage(
        id=str(hid),
        at=float(at),
        expires_at=float(expires),
        sender=Party(str(user_id), str(name)),
        content=str(content),
        reason=str(reason),
        term=None if term is None else str(term),
        attributes=json.loads(attributes),
        sender_attributes=json.loads(sender_attributes),
    )


class HeldQueue:
    """On the moderation store's connection (`ShieldStore` migrates the tables)."""

    def __init__(self, db: Database, *, limit: int = MAX_HELD) -> None:
        self._db = db
        self._limit = limit

    def add(self, message: HeldMessage) -> None:
        """Queue `message` (again, if its id is queued already: nothing changes); the
        expired ones and those past the limit go."""
        with self._db.transaction():
            self._db.execute(
                f"INSERT INTO held_messages ({_COLUMNS}) VALUES (?{', ?' * 9})"
                " ON CONFLICT (id) DO NOTHING",
                (
                    message.id,
                    message.at,
                    message.expires_at,
                    message.sender.user_id,
                    message.sender.display_name,
                    message.content,
                    json.dumps(message.attributes),
                    json.dumps(message.sender_attributes),
                    message.reason,
                    message.term,
                ),
            )
            self.expire(message.at)
            self._db.execute(
                "DELETE FROM held_messages WHERE id IN (SELECT id FROM held_messages"
                f" ORDER BY at DESC, id DESC LIMIT {ALL_ROWS} OFFSET ?)",
                (self._limit,),
            )

    def expire(self, now: float) -> int:
        """Drop the messages whose time is up; how many."""
        return self._db.execute("DELETE FROM held_messages WHERE expires_at <= ?", (now,)).rowcount

    def note_approved(self, message_id: str, now: float) -> None:
        """An approved message is in the room as `message_id`, for the news."""
        self._db.execute(
            "INSERT INTO held_approved (message_id, at) VALUES (?, ?)", (message_id, now)
        )
        self._db.execute("DELETE FROM held_approved WHERE at < ?", (now - APPROVED_KEPT_SECONDS,))

    def approved_after(self, last: int, limit: int) -> tuple[list[str], int]:
        """The ids of messages approved after position `last`, oldest first, and the last
        position read (`last` itself when there are none)."""
        rows = self._db.execute(
            "SELECT id, message_id FROM held_approved WHERE id > ? ORDER BY id LIMIT ?",
            (last, limit),
        ).fetchall()
        if not rows:
            return [], last
        return [str(row[1]) for row in rows], int(rows[-1][0])

    def last_approved(self) -> int:
        row = self._db.execute("SELECT max(id) FROM held_approved").fetchone()
        return 0 if row is None or row[0] is None else int(row[0])

    def messages(self, now: float) -> list[HeldMessage]:
        """The queue, oldest first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM held_messages WHERE expires_at > ? ORDER BY at, id",
            (now,),
        ).fetchall()
        return [_held(row) for row in rows]

    def count(self, now: float) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM held_messages WHERE expires_at > ?", (now,)
        ).fetchone()
        return int(row[0])

    def take(self, held_id: str, now: float) -> HeldMessage | None:
        """Take the message out of the queue to decide on it; None when it is not there
        (decided already, expired, or never held)."""
        row = self._db.execute(
            f"DELETE FROM held_messages WHERE id = ? AND expires_at > ? RETURNING {_COLUMNS}",
            (held_id, now),
        ).fetchone()
        return None if row is None else _held(row)


__all__ = [
    "APPROVED_KEPT_SECONDS",
    "HELD_SECONDS",
    "MAX_HELD",
    "NEW_IDENTITY",
    "HeldMessage",
    "HeldQueue",
    "hold_reason",
]
