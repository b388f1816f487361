"""Storage for moderation: the log, each identity's standing, banned addresses, the room's
settings, and the room keeper's claims on offences.

It lives in the app server's database (`tui.server.store`): server.sqlite3, where
`ModerationStore` takes the store's own connection or `open_moderation_store(path)` opens
one on that file with the same settings (WAL, synchronous=NORMAL, no automatic
checkpoint, 0600 files), since the store's `checkpoint` copies the whole WAL whoever wrote
it; or the shared Postgres database. Calls are synchronous, one short transaction each,
on the event loop, like the store's. Tables are prefixed `moderation_`; they are part of
the core schema (tui/server/db/core_schema.py).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from tui.common.roles import Role
from tui.server.db import Database, core_schema, migrate, purge_schema
from tui.server.db.migrations import applied
from tui.server.domain_errors import InvalidRequest
from tui.server.moderation.records import (
    PERMANENT,
    LoggedAction,
    ModerationRecord,
    ModerationState,
    NewRecord,
    Party,
)
from tui.server.moderation.room_settings import RoomSettings, parse_settings

DEFAULT_LOG_LIMIT = 50
MAX_LOG_LIMIT = 500
"""`GET /api/moderation/log?limit=` at most: a screenful many times over, one small query."""
CLAIM_SECONDS = 24 * 3600
"""How long the room keeper's claim on an offending message is kept."""
SCHEMA_VERSION = len(core_schema.STEPS)
"""The core schema's version (the moderation tables are part of it)."""

_LOG_COLUMNS = (
    "id, at, actor_id, actor_name, automatic, action, target_id, target_name, reason, "
    "duration_seconds, expires_at, ban_address"
)
_READ_COLUMNS = f"{_LOG_COLUMNS}, purge_queued, purged"
"""What a read takes: the inserted columns and a purge's counts (`purge_schema`)."""


def check_log_limit(value: str | int | None) -> int:
    """The `limit` of a log query: DEFAULT_LOG_LIMIT when absent, else 1..MAX_LOG_LIMIT, or
    InvalidRequest in words."""
    if value is None or value == "":
        return DEFAULT_LOG_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise InvalidRequest(f"limit must be a whole number, not {str(value)[:20]!r}") from None
    if not 1 <= limit <= MAX_LOG_LIMIT:
        raise InvalidRequest(f"limit must be from 1 to {MAX_LOG_LIMIT}, not {limit}")
    return limit


def _record(row: tuple[Any, ...]) -> ModerationRecord:  # a row as the driver returns it
    (rid, at, actor_id, actor_name, automatic, action, target_id, target_name) = row[:8]
    reason, duration, expires, ban_address, purge_queued, purged = row[8:]
    return ModerationRecord(
        id=int(rid),
        at=float(at),
        actor=Party(str(actor_id), str(actor_name)),
        automatic=bool(automatic),
        action=LoggedAction(action),
        target=Party(str(target_id), str(target_name)),
        reason=None if reason is None else str(reason),
        duration_seconds=None if duration is None else int(duration),
        expires_at=None if expires is None else float(expires),
        ban_address=bool(ban_address),
        purge_queued=None if purge_queued is None else int(purge_queued),
        purged=None if purged is None else int(purged),
    )


def open_moderation_store(where: Path | Database) -> ModerationStore:
    """A store on its own connection: to the SQLite file at `where` (the app server's
    `Store.path`), with the store's settings, or the given `Database` (Postgres)."""
    db = where if isinstance(where, Database) else Database.open_sqlite(where)
    return ModerationStore(db, owned=True)


class ModerationStore:
    def __init__(self, db: Database, *, owned: bool = False) -> None:
        self._db = db
        self._owned = owned
        self._claims_pruned_at = 0.0
        migrate(db, core_schema.COMPONENT, core_schema.STEPS)
        migrate(db, purge_schema.COMPONENT, purge_schema.STEPS)  # adds to the log

    @property
    def db(self) -> Database:
        """Its connection: the message review reads the same tables on it."""
        return self._db

    def close(self) -> None:
        """Closes the connection if this store opened it (`open_moderation_store`)."""
        if self._owned:
            self._db.close()

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        return self._db.transaction()

    @property
    def schema_version(self) -> int:
        return applied(self._db, core_schema.COMPONENT)

    # --- the log ---------------------------------------------------------------------

    def _insert(self, record: NewRecord, ban_address: bool = False) -> ModerationRecord:
        row = self._db.execute(
            f"INSERT INTO moderation_log ({_LOG_COLUMNS.removeprefix('id, ')})"
            f" VALUES (?{', ?' * 10}) RETURNING id",
            (
                record.at,
                record.actor.user_id,
                record.actor.display_name,
                int(record.automatic),
                record.action.value,
                record.target.user_id,
                record.target.display_name,
                record.reason,
                record.duration_seconds,
                record.expires_at,
                int(ban_address),
            ),
        ).fetchone()
        return ModerationRecord(
            int(row[0]),
            record.at,
            record.actor,
            record.automatic,
            record.action,
            record.target,
            record.reason,
            record.duration_seconds,
            record.expires_at,
            ban_address,
        )

    def log(
        self, user_id: str | None = None, limit: int = DEFAULT_LOG_LIMIT
    ) -> list[ModerationRecord]:
        """The newest `limit` records (1..MAX_LOG_LIMIT), newest first; only those whose
        target or actor is `user_id` when given."""
        limit = max(1, min(limit, MAX_LOG_LIMIT))
        if user_id is None:
            rows = self._db.execute(
                f"SELECT {_READ_COLUMNS} FROM moderation_log ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        else:
            rows = self._db.execute(
                f"SELECT {_READ_COLUMNS} FROM moderation_log WHERE target_id = ? OR actor_id = ?"
                " ORDER BY id DESC LIMIT ?",
                (user_id, user_id, limit),
            ).fetchall()
        return [_record(row) for row in rows]

    def record(self, record_id: int) -> ModerationRecord | None:
        row = self._db.execute(
            f"SELECT {_READ_COLUMNS} FROM moderation_log WHERE id = ?", (record_id,)
        ).fetchone()
        return None if row is None else _record(row)

    def set_purge(
        self, record_id: int, *, queued: int | None = None, purged: int | None = None
    ) -> None:
        """A purge's counts on its ban or timeout: how many messages were queued, then how
        many were deleted (`tui.server.raid.purge`)."""
        if queued is not None:
            self._db.execute(
                "UPDATE moderation_log SET purge_queued = ? WHERE id = ?", (queued, record_id)
            )
        if purged is not None:
            self._db.execute(
                "UPDATE moderation_log SET purged = ? WHERE id = ?", (purged, record_id)
            )

    def apply(self, record: NewRecord, addresses: bool = False) -> ModerationRecord:
        """Log `record` and change the target's standing to match, in one transaction:
        ban (until `expires_at`, permanent without; with `addresses`, every address the
        user was seen from too; a moderator is a viewer from then on, and an unban does
        not make them one again), unban (and their addresses), timeout (until
        `expires_at`), untimeout, mod, unmod; a deletion or a disconnect changes
        nothing."""
        user_id = record.target.user_id
        action = record.action
        with self._transaction():
            if action not in (LoggedAction.DELETE, LoggedAction.DISCONNECT):
                self._db.execute(
                    "INSERT INTO moderation_state (user_id) VALUES (?) ON CONFLICT DO NOTHING",
                    (user_id,),
                )
            if action is LoggedAction.BAN:
                until = record.expires_at if record.expires_at is not None else PERMANENT
                self._set(
                    user_id,
                    "banned_until = ?, ban_reason = ?, role = ?",
                    until,
                    record.reason,
                    Role.VIEWER.value,
                )
                if addresses:
                    self._db.execute(
                        "INSERT INTO moderation_banned_addresses (address, user_id, banned_until)"
                        " SELECT address, user_id, ? FROM moderation_addresses WHERE user_id = ?"
                        " ON CONFLICT (address) DO UPDATE SET user_id = excluded.user_id,"
                        " banned_until = excluded.banned_until",
                        (until, user_id),
                    )
            elif action is LoggedAction.UNBAN:
                self._set(user_id, "banned_until = NULL, ban_reason = NULL")
                self._db.execute(
                    "DELETE FROM moderation_banned_addresses WHERE user_id = ?", (user_id,)
                )
            elif action is LoggedAction.TIMEOUT:
                self._set(user_id, "timed_out_until = ?", record.expires_at)
            elif action is LoggedAction.UNTIMEOUT:
                self._set(user_id, "timed_out_until = NULL")
            elif action is LoggedAction.MOD:
                self._set(user_id, "role = ?", Role.MODERATOR.value)
            elif action is LoggedAction.UNMOD:
                self._set(user_id, "role = ?", Role.VIEWER.value)
            return self._insert(record, ban_address=addresses and action is LoggedAction.BAN)

    def log_record(self, record: NewRecord) -> ModerationRecord:
        """Log `record`, which changes nobody's standing (shield mode, a held message
        approved or denied)."""
        return self._insert(record)

    def _set(self, user_id: str, assignments: str, *values: object) -> None:
        # `assignments` is always one of `apply`'s literals, never outside input.
        self._db.execute(
            f"UPDATE moderation_state SET {assignments} WHERE user_id = ?", (*values, user_id)
        )

    def claim(self, message_id: str, now: float) -> bool:
        """Claim the offence of one message for this server: True for the first claim
        only, across every server on the database, so automatic moderation acts once
        when several instances' room keepers see the same message. Claims older than a
        day go (a message id does not come back)."""
        row = self._db.execute(
            "INSERT INTO moderation_offences (message_id, claimed_at) VALUES (?, ?)"
            " ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            (message_id, now),
        ).fetchone()
        if now - self._claims_pruned_at >= 3600:  # once an hour, not on every claim
            self._claims_pruned_at = now
            self._db.execute(
                "DELETE FROM moderation_offences WHERE claimed_at < ?", (now - CLAIM_SECONDS,)
            )
        return row is not None

    # --- standing --------------------------------------------------------------------

    def state(self, user_id: str) -> ModerationState:
        """The identity's standing; a viewer with nothing against them if none is stored.
        (The broadcaster's role comes from the identity itself, `tui.server.store`.)"""
        row = self._db.execute(
            "SELECT role, banned_until, timed_out_until, ban_reason FROM moderation_state"
            " WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return ModerationState(user_id)
        role, banned, timed_out, reason = row
        return ModerationState(user_id, Role(role), banned, timed_out, reason)

    def moderators(self) -> list[str]:
        rows = self._db.execute(
            "SELECT user_id FROM moderation_state WHERE role = ? ORDER BY user_id",
            (Role.MODERATOR.value,),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def note_address(self, user_id: str, address: str, now: float) -> None:
        """The identity got a token from `address` (the token endpoint calls this), so a
        ban with banAddress can include it."""
        self._db.execute(
            "INSERT INTO moderation_addresses (user_id, address, last_seen) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id, address) DO UPDATE SET last_seen = excluded.last_seen",
            (user_id, address, now),
        )

    def last_address(self, user_id: str) -> str | None:
        """The address the identity last asked for a token from."""
        row = self._db.execute(
            "SELECT address FROM moderation_addresses WHERE user_id = ? "
            "ORDER BY last_seen DESC, address LIMIT 1",
            (user_id,),
        ).fetchone()
        return None if row is None else str(row[0])

    def identities_at(self, address: str, since: float) -> int:
        """How many identities asked for a token from `address` since `since`."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM moderation_addresses WHERE address = ? AND last_seen >= ?",
            (address, since),
        ).fetchone()
        return int(row[0]) if row else 0

    def address_banned(self, address: str, now: float) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM moderation_banned_addresses WHERE address = ? AND banned_until > ?",
            (address, now),
        ).fetchone()
        return row is not None

    def banned_addresses(self, user_id: str) -> list[str]:
        rows = self._db.execute(
            "SELECT address FROM moderation_banned_addresses WHERE user_id = ? ORDER BY address",
            (user_id,),
        ).fetchall()
        return [str(row[0]) for row in rows]

    # --- settings --------------------------------------------------------------------

    def settings(self) -> RoomSettings:
        """The room's settings; the defaults until some are saved."""
        row = self._db.execute(
            "SELECT value FROM moderation_settings WHERE name = 'room'"
        ).fetchone()
        if row is None:
            return RoomSettings()
        # Saved settings were checked on the way in, patterns timed; they are checked
        # again here but for the timing, so a hand-edited database cannot bring in an
        # invalid term or a catastrophic shape.
        return parse_settings(json.loads(row[0]), check_cost=False)

    def save_settings(self, settings: RoomSettings) -> None:
        self._db.execute(
            "INSERT INTO moderation_settings (name, value) VALUES ('room', ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (json.dumps(settings.to_json()),),
        )


__all__ = [
    "DEFAULT_LOG_LIMIT",
    "MAX_LOG_LIMIT",
    "SCHEMA_VERSION",
    "ModerationStore",
    "check_log_limit",
    "open_moderation_store",
]
