"""Shield mode's state, in the shared store (SQLite or Postgres), so a restart or a
second instance keeps it and its timer.

One row: shield mode is on while now < `until_at`. Turning it off sets `until_at` to
NULL; when the time is up, the row keeps its past `until_at` until an instance ends it
(`end_expired`), which is how exactly one instance logs the end.

While it is on, each viewer's last message let through is kept (`shield_slow`), so slow
mode holds across reconnects and instances; turning it on or off forgets them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.server.db import Database, held_schema, migrate
from tui.server.moderation.records import utc_text
from tui.server.moderation.room_settings import ShieldSettings

_ROW = "room"

_SENDER = (
    "SELECT (SELECT until_at FROM shield_state WHERE name = ?),"
    " (SELECT created_at FROM identities WHERE user_id = ?)"
)

_SLOT = (
    "INSERT INTO shield_slow (user_id, last_at) VALUES (?, ?)"
    " ON CONFLICT (user_id) DO UPDATE SET last_at = excluded.last_at"
    " WHERE shield_slow.last_at <= ? RETURNING last_at"
)


@dataclass(frozen=True, slots=True)
class Shield:
    """Shield mode as stored: `until` is epoch seconds, None once turned off."""

    until: float | None = None

    def on(self, now: float) -> bool:
        return self.until is not None and now < self.until

    def to_json(self, settings: ShieldSettings, now: float) -> dict[str, object]:
        """`{on, until, settings}`, as the shield route answers."""
        on = self.on(now)
        return {
            "on": on,
            "until": utc_text(self.until) if on else None,
            "settings": settings.wire().to_json(),
        }


class ShieldStore:
    """On the moderation store's connection: `sender` reads the identities table there."""

    def __init__(self, db: Database) -> None:
        self._db = db
        migrate(db, held_schema.COMPONENT, held_schema.STEPS)

    @property
    def db(self) -> Database:
        return self._db

    def state(self) -> Shield:
        row = self._db.execute(
            "SELECT until_at FROM shield_state WHERE name = ?", (_ROW,)
        ).fetchone()
        return Shield(None if row is None or row[0] is None else float(row[0]))

    def turn_on(self, until: float, now: float) -> None:
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO shield_state (name, until_at, changed_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET until_at = excluded.until_at,"
                " changed_at = excluded.changed_at",
                (_ROW, until, now),
            )
            self._db.execute("DELETE FROM shield_slow")

    def turn_off(self, now: float) -> bool:
        """Off now; whether it was on (of two moderators turning it off at once, one
        gets True)."""
        with self._db.transaction():
            row = self._db.execute(
                "UPDATE shield_state SET until_at = NULL, changed_at = ?"
                " WHERE name = ? AND until_at > ? RETURNING name",
                (now, _ROW, now),
            ).fetchone()
            if row is not None:
                self._db.execute("DELETE FROM shield_slow")
        return row is not None

    def end_expired(self, now: float) -> float | None:
        """End shield mode whose time is up: the `until` it had, for the one instance
        that ends it; None when there was nothing to end."""
        row = self._db.execute(
            "UPDATE shield_state SET until_at = NULL, changed_at = ?"
            " WHERE name = ? AND until_at IS NOT NULL AND until_at <= ?"
            " RETURNING changed_at",
            (now, _ROW, now),
        ).fetchone()
        if row is None:
            return None
        self._db.execute("DELETE FROM shield_slow")
        return float(row[0])

    def sender(self, user_id: str) -> tuple[Shield, float | None]:
        """Shield mode now, and when `user_id`'s identity was made (None for one this
        server does not know): one statement, asked for each viewer's message."""
        row = self._db.execute(_SENDER, (_ROW, user_id)).fetchone()
        until, created = row
        return (
            Shield(None if until is None else float(until)),
            None if created is None else float(created),
        )

    def take_slot(self, user_id: str, now: float, seconds: int) -> bool:
        """Whether `user_id` may send now under slow mode (one message per `seconds`);
        if so, the slot is theirs (atomic: of two messages at once, one gets it)."""
        row = self._db.execute(_SLOT, (user_id, now, now - seconds)).fetchone()
        return row is not None


__all__ = ["Shield", "ShieldStore"]
