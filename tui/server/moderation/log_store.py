"""SQLite storage for moderation: the log, each identity's standing, banned addresses and
the room's settings.

It lives in the app server's database file (`tui.server.store`): `ModerationStore` takes
the store's own connection, or `open_moderation_store(path)` opens one on that file with
the same settings (WAL, synchronous=NORMAL, no automatic checkpoint, 0600 files), since
the store's `checkpoint` copies the whole WAL whoever wrote it. Calls are synchronous,
one short transaction each, on the event loop, like the store's.

Tables are prefixed `moderation_` and versioned apart from the store's
(`moderation_schema`): `_MIGRATIONS[n]` takes the schema from version n to n + 1. The SQL
is plain (no SQLite-only types) so that a Postgres store can follow the same steps.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.server.errors import InvalidRequest
from tui.server.moderation.policy import Role
from tui.server.moderation.records import (
    PERMANENT,
    LoggedAction,
    ModerationRecord,
    ModerationState,
    NewRecord,
    Party,
)
from tui.server.moderation.room_settings import RoomSettings, parse_settings
from tui.server.store import _private_files

DEFAULT_LOG_LIMIT = 50
MAX_LOG_LIMIT = 500
"""`GET /api/moderation/log?limit=` at most: a screenful many times over, one small query."""
SCHEMA_VERSION = 1

_MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1
    """
    CREATE TABLE moderation_log (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        automatic INTEGER NOT NULL,
        action TEXT NOT NULL,
        target_id TEXT NOT NULL,
        target_name TEXT NOT NULL,
        reason TEXT,
        duration_seconds INTEGER,
        expires_at REAL
    );
    CREATE INDEX moderation_log_by_target ON moderation_log (target_id, id);
    CREATE TABLE moderation_state (
        user_id TEXT PRIMARY KEY,
        role TEXT NOT NULL DEFAULT 'viewer'
            CHECK (role IN ('broadcaster', 'moderator', 'viewer')),
        banned_until REAL,
        ban_reason TEXT,
        timed_out_until REAL
    );
    CREATE TABLE moderation_addresses (
        user_id TEXT NOT NULL,
        address TEXT NOT NULL,
        last_seen REAL NOT NULL,
        PRIMARY KEY (user_id, address)
    );
    CREATE TABLE moderation_banned_addresses (
        address TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        banned_until REAL NOT NULL
    );
    CREATE TABLE moderation_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)

_LOG_COLUMNS = (
    "id, at, actor_id, actor_name, automatic, action, target_id, target_name, reason, "
    "duration_seconds, expires_at"
)


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


def _record(row: tuple[object, ...]) -> ModerationRecord:
    (rid, at, actor_id, actor_name, automatic, action, target_id, target_name) = row[:8]
    reason, duration, expires = row[8:]
    return ModerationRecord(
        id=int(rid),  # type: ignore[call-overload]
        at=float(at),  # type: ignore[arg-type]
        actor=Party(str(actor_id), str(actor_name)),
        automatic=bool(automatic),
        action=LoggedAction(action),
        target=Party(str(target_id), str(target_name)),
        reason=None if reason is None else str(reason),
        duration_seconds=None if duration is None else int(duration),  # type: ignore[call-overload]
        expires_at=None if expires is None else float(expires),  # type: ignore[arg-type]
    )


def open_moderation_store(path: Path) -> ModerationStore:
    """A store on its own connection to the database file at `path` (the app server's
    `Store.path`), with the store's settings."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _private_files(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # the app server checkpoints off the loop
    db.execute("PRAGMA busy_timeout=1000")  # another connection's short write may be going
    return ModerationStore(db, owned=True)


class ModerationStore:
    def __init__(self, db: sqlite3.Connection, *, owned: bool = False) -> None:
        """`db` in autocommit mode (isolation_level=None), as the store opens it."""
        self._db = db
        self._owned = owned
        self._migrate()

    def close(self) -> None:
        """Closes the connection if this store opened it (`open_moderation_store`)."""
        if self._owned:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction():
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS moderation_schema (version INTEGER NOT NULL)"
            )
            row = self._db.execute("SELECT version FROM moderation_schema").fetchone()
            version = 0 if row is None else int(row[0])
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"the moderation tables are at version {version}, newer than this "
                    f"server's {SCHEMA_VERSION}: run a newer ivs-chat-tui"
                )
            for step in _MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            if row is None:
                self._db.execute("INSERT INTO moderation_schema VALUES (?)", (SCHEMA_VERSION,))
            else:
                self._db.execute("UPDATE moderation_schema SET version = ?", (SCHEMA_VERSION,))

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("SELECT version FROM moderation_schema").fetchone()[0])

    # --- the log ---------------------------------------------------------------------

    def _insert(self, record: NewRecord) -> ModerationRecord:
        cur = self._db.execute(
            f"INSERT INTO moderation_log ({_LOG_COLUMNS}) VALUES (NULL{', ?' * 10})",
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
            ),
        )
        assert cur.lastrowid is not None
        return ModerationRecord(
            cur.lastrowid,
            record.at,
            record.actor,
            record.automatic,
            record.action,
            record.target,
            record.reason,
            record.duration_seconds,
            record.expires_at,
        )

    def log(
        self, user_id: str | None = None, limit: int = DEFAULT_LOG_LIMIT
    ) -> list[ModerationRecord]:
        """The newest `limit` records (1..MAX_LOG_LIMIT), newest first; only those whose
        target or actor is `user_id` when given."""
        limit = max(1, min(limit, MAX_LOG_LIMIT))
        if user_id is None:
            rows = self._db.execute(
                f"SELECT {_LOG_COLUMNS} FROM moderation_log ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        else:
            rows = self._db.execute(
                f"SELECT {_LOG_COLUMNS} FROM moderation_log WHERE target_id = ? OR actor_id = ?"
                " ORDER BY id DESC LIMIT ?",
                (user_id, user_id, limit),
            ).fetchall()
        return [_record(row) for row in rows]

    def apply(self, record: NewRecord, addresses: bool = False) -> ModerationRecord:
        """Log `record` and change the target's standing to match, in one transaction:
        ban (until `expires_at`, permanent without; with `addresses`, every address the
        user was seen from too), unban (and their addresses), timeout (until
        `expires_at`), untimeout, mod, unmod; a deletion changes nothing."""
        user_id = record.target.user_id
        action = record.action
        with self._transaction():
            if action is not LoggedAction.DELETE:
                self._db.execute(
                    "INSERT INTO moderation_state (user_id) VALUES (?) ON CONFLICT DO NOTHING",
                    (user_id,),
                )
            if action is LoggedAction.BAN:
                until = record.expires_at if record.expires_at is not None else PERMANENT
                self._set(user_id, "banned_until = ?, ban_reason = ?", until, record.reason)
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
            return self._insert(record)

    def _set(self, user_id: str, assignments: str, *values: object) -> None:
        # `assignments` is always one of `apply`'s literals, never outside input.
        self._db.execute(
            f"UPDATE moderation_state SET {assignments} WHERE user_id = ?", (*values, user_id)
        )

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
