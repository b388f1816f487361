"""Notes on users that every moderator shares: `GET` and `POST
/api/moderation/users/{userId}/notes` (`tui.server.raid.notes_routes`).

A note is `{id, at, author: {userId, displayName}, text}`, the author named as they were
when they wrote it. Its text is untrusted (a moderator's account may be someone else's,
and every moderator's terminal shows it): at most `NOTE_MAX_LENGTH` characters, and
stored cleaned (`tui.common.text.clean`: controls, newlines and bidi overrides made
visible), so no reader ever receives a raw escape sequence from it. The notes live in
the shared store (`notes_schema`), so every instance on one Postgres reads the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tui.common.text import clean
from tui.ivs.protocol import code_points
from tui.server.db import Database, migrate, notes_schema
from tui.server.domain_errors import InvalidRequest
from tui.server.moderation.records import Party, utc_text

NOTE_MAX_LENGTH = 500
"""A note's longest text, in characters: as long as a chat message may be."""
NOTES_SHOWN = 100
"""The newest notes a read answers: a user card's worth many times over."""


@dataclass(frozen=True, slots=True)
class UserNote:
    id: int
    user_id: str
    at: float
    author: Party
    text: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": utc_text(self.at),
            "author": self.author.wire().to_json(),
            "text": self.text,
        }


def parse_note(body: object) -> str:
    """The text of `POST .../notes` (`{text}`), cleaned; InvalidRequest in words."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be a JSON object: {text}")
    text = body.get("text")
    if text is None:
        raise InvalidRequest("text is missing: what does the note say?")
    if not isinstance(text, str):
        raise InvalidRequest("text must be text")
    text = text.strip()
    if not text:
        raise InvalidRequest("the note is empty")
    if (length := code_points(text)) > NOTE_MAX_LENGTH:
        raise InvalidRequest(f"the note has {length} characters; at most {NOTE_MAX_LENGTH}")
    return clean(text)


class NoteStore:
    def __init__(self, db: Database) -> None:
        """On the moderation tables' connection (their database, SQLite or Postgres)."""
        self._db = db
        migrate(db, notes_schema.COMPONENT, notes_schema.STEPS)

    def add(self, user_id: str, author: Party, text: str, at: float) -> UserNote:
        row = self._db.execute(
            "INSERT INTO user_notes (user_id, at, author_id, author_name, text)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, at, author.user_id, author.display_name, text),
        ).fetchone()
        return UserNote(int(row[0]), user_id, at, author, text)

    def notes(self, user_id: str, limit: int = NOTES_SHOWN) -> list[UserNote]:
        """The user's newest `limit` notes, newest first."""
        rows = self._db.execute(
            "SELECT id, at, author_id, author_name, text FROM user_notes WHERE user_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        ).fetchall()
        return [
            UserNote(int(i), user_id, float(at), Party(str(a_id), str(a_name)), str(text))
            for i, at, a_id, a_name, text in rows
        ]


__all__ = ["NOTES_SHOWN", "NOTE_MAX_LENGTH", "NoteStore", "UserNote", "parse_note"]
