"""Storage of the room's history: messages, moderation events and coverage.

On SQLite, one file per data dir (`history.sqlite3`), apart from the server's own store so
its writes, WAL and checkpoints never contend with the identity store's; on Postgres, the
tables of the database all instances share (tui/server/db/history_schema.py). Settings and their
reasons are tui/server/store.py's: WAL, synchronous=NORMAL, no automatic checkpoint, short
transactions on the event loop (an insert is one index probe for the tombstone, one
insert, and at most a bounded retention delete), and `checkpoint` in a worker thread.

Writes are idempotent on the IVS message Id, and a deletion leaves a tombstone (the
moderation event), so recorders that see the same room (every instance on one Postgres
records) may write the same frames in any order: a message deleted before it arrived
stays deleted.

Retention: at most `max_messages` (the oldest by send time go first, one index step per
insert past the bound) and nothing older than `max_age_seconds` (an index range delete
at most once a second, and every read filters by age, so readers never see an expired
message between prunes). On Postgres the count bound counts every instance's rows: the
count is read again at each prune.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from tui.ivs.protocol import EVENT_DELETE_MESSAGE, MessageFrame
from tui.server.db import DB_ERRORS, Database, SchemaTooNew, history_schema, migrate
from tui.server.db.engine import ALL_ROWS
from tui.server.db.where import HISTORY_FILE_NAME
from tui.server.history.coverage import Coverage
from tui.server.history.record import ModerationEvent, from_micros, to_micros

log = logging.getLogger("tui.server")

DB_FILE_NAME = HISTORY_FILE_NAME
SCHEMA_VERSION = len(history_schema.STEPS)
DEFAULT_MAX_MESSAGES = 10_000
DEFAULT_MAX_AGE_SECONDS = 24 * 3600
AGE_PRUNE_SECONDS = 1.0
"""Expired rows are deleted at most this often; reads filter by age in between."""


class HistoryStoreError(Exception):
    """The history file cannot be used (e.g. written by a newer version)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a message sits (or sat, if deleted) in send order."""

    send_time_us: int
    message_id: str
    recorded_at_us: int


class StoredMessage(NamedTuple):
    """A row as SQLite returns it (a tuple: a 1,000-row page builds no objects)."""

    send_time_us: int
    recorded_at_us: int
    frame_json: str


class Sender(NamedTuple):
    """A recorded message's sender: the user id, and the name their token carried."""

    user_id: str
    display_name: str


class HistoryStore:
    def __init__(
        self,
        where: Path | Database,
        *,
        max_messages: int = DEFAULT_MAX_MESSAGES,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
        recorder: str | None = None,
    ) -> None:
        """`where`: a data dir (history.sqlite3 in it) or an open `Database` (Postgres,
        shared). `recorder` names this server's coverage intervals (a fresh name per
        start unless given)."""
        if max_messages < 1:
            raise ValueError(f"max_messages must be at least 1, not {max_messages}")
        if max_age_seconds <= 0:
            raise ValueError(f"max_age_seconds must be positive, not {max_age_seconds}")
        self.path: Path | None = where / DB_FILE_NAME if isinstance(where, Path) else where.path
        """The SQLite file; None on Postgres."""
        self.max_messages = max_messages
        self.max_age_us = int(max_age_seconds * 1_000_000)
        self.clock = clock
        """Wall clock in epoch seconds; tests swap it to age messages out."""
        try:
            self._db = (
                where if isinstance(where, Database) else Database.open_sqlite(where / DB_FILE_NAME)
            )
            migrate(self._db, history_schema.COMPONENT, history_schema.STEPS)
        except SchemaTooNew as exc:
            raise HistoryStoreError(
                f"{exc} (the history was written by a newer version): upgrade, or move "
                "the file away"
            ) from None
        except sqlite3.DatabaseError as exc:
            raise HistoryStoreError(
                f"{self.path} cannot be read as a history database ({exc}): move it away "
                "and the server starts a new one"
            ) from None
        self.coverage = Coverage(self._db, self.max_age_us, recorder or secrets.token_hex(8))
        self._count = self._stored_count()
        self._pruned_at_us = 0
        self.prune()

    @property
    def shared(self) -> bool:
        """Whether other servers may write this history too (Postgres)."""
        return self._db.dialect == "postgres"

    def _stored_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM messages").fetchone()[0])

    def now_us(self) -> int:
        return int(self.clock() * 1_000_000)

    def cutoff_us(self, now_us: int) -> int:
        """Messages sent before this are past the age bound."""
        return now_us - self.max_age_us

    def close(self) -> None:
        try:
            self.coverage.stopped(self.now_us())
        except DB_ERRORS as exc:  # the database went away first: the heartbeat stands
            log.warning("history could not close its coverage: %s", exc)
        self._db.close()  # the last connection to close checkpoints the WAL

    def checkpoint(self) -> None:
        """Copy the WAL into the database file and fsync it, here and now (blocking).
        Nothing to do on Postgres."""
        self._db.checkpoint()

    async def maintain(self, every: float) -> None:
        """Every `every` seconds: the coverage heartbeat, age retention, and, if something
        was written, a checkpoint in a worker thread (SQLite). Runs until cancelled; a
        failed round (the database unreachable) is logged and tried again next time."""
        while True:
            await asyncio.sleep(every)
            try:
                self.coverage.alive(self.now_us())
                self.prune()
            except DB_ERRORS as exc:
                log.warning("history upkeep failed: %s", exc)
                continue
            try:
                await self._db.checkpoint_if_written()
            except (*DB_ERRORS, OSError) as exc:  # the WAL keeps it; try again later
                log.warning("history checkpoint failed: %s", exc)

    # --- writes ----------------------------------------------------------------------

    def add_message(self, frame: MessageFrame) -> bool:
        """Record a MESSAGE frame. False if it was known already, deleted, or older than
        the age bound. Past `max_messages`, the oldest go."""
        now = self.now_us()
        send_us = to_micros(frame.send_time)
        if send_us < self.cutoff_us(now):
            return False
        with self._db.transaction():
            # INSERT ... SELECT needs its WHERE for SQLite to read ON CONFLICT as upsert.
            cur = self._db.execute(
                "INSERT INTO messages (id, send_time_us, recorded_at_us, sender_id, frame) "
                "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM moderation_events "
                "WHERE target = ? AND kind = ?) ON CONFLICT (id) DO NOTHING",
                (
                    frame.id,
                    send_us,
                    now,
                    frame.sender.user_id,
                    frame.to_json(),
                    frame.id,
                    EVENT_DELETE_MESSAGE,
                ),
            )
            added = cur.rowcount == 1
            if added:
                self._count += 1
                if self._count > self.max_messages:
                    self._drop_oldest(self._count - self.max_messages)
        self.coverage.alive(now)
        if now - self._pruned_at_us >= AGE_PRUNE_SECONDS * 1_000_000:
            self.prune()
        return added

    def _drop_oldest(self, how_many: int) -> None:
        cur = self._db.execute(
            "DELETE FROM messages WHERE id IN "
            "(SELECT id FROM messages ORDER BY send_time_us, id LIMIT ?)",
            (how_many,),
        )
        self._count -= cur.rowcount

    def add_moderation(self, event: ModerationEvent) -> bool:
        """Record a moderation event; a deletion removes its message for everyone.
        False if this event was recorded already."""
        send_us = recorded_us = None
        with self._db.transaction():
            if event.kind == EVENT_DELETE_MESSAGE:
                row = self._db.execute(
                    "SELECT send_time_us, recorded_at_us FROM messages WHERE id = ?",
                    (event.target,),
                ).fetchone()
                if row is not None:
                    send_us, recorded_us = row
                    self._db.execute("DELETE FROM messages WHERE id = ?", (event.target,))
                    self._count -= 1
            cur = self._db.execute(
                "INSERT INTO moderation_events (event_id, kind, target, reason, at_us, "
                "message_send_time_us, message_recorded_at_us) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (event_id) DO NOTHING",
                (
                    event.event_id,
                    event.kind,
                    event.target,
                    event.reason,
                    to_micros(event.at),
                    send_us,
                    recorded_us,
                ),
            )
        return cur.rowcount == 1

    def prune(self) -> None:
        """Delete what is past the age bound (messages, moderation events, coverage)."""
        now = self.now_us()
        cutoff = self.cutoff_us(now)
        with self._db.transaction():
            cur = self._db.execute("DELETE FROM messages WHERE send_time_us < ?", (cutoff,))
            self._count -= cur.rowcount
            if self.shared:  # other servers' inserts and deletes count too
                self._count = self._stored_count()
            if self._count > self.max_messages:  # the bound was lowered since the last run
                self._drop_oldest(self._count - self.max_messages)
            self._db.execute("DELETE FROM moderation_events WHERE at_us < ?", (cutoff,))
            # Moderation events are bounded by count too: they can come without messages.
            self._db.execute(
                "DELETE FROM moderation_events WHERE event_id IN (SELECT event_id FROM "
                f"moderation_events ORDER BY at_us DESC, event_id DESC LIMIT {ALL_ROWS} "
                "OFFSET ?)",
                (self.max_messages,),
            )
        self._pruned_at_us = now

    # --- reads -----------------------------------------------------------------------

    def count(self) -> int:
        return self._count

    def position(self, message_id: str) -> Position | None:
        """Where a recorded message sits, or sat if it was deleted; None if unknown."""
        row = self._db.execute(
            "SELECT send_time_us, recorded_at_us FROM messages WHERE id = ? UNION ALL "
            "SELECT message_send_time_us, message_recorded_at_us FROM moderation_events "
            "WHERE target = ? AND kind = ? AND message_send_time_us IS NOT NULL LIMIT 1",
            (message_id, message_id, EVENT_DELETE_MESSAGE),
        ).fetchone()
        return None if row is None else Position(int(row[0]), message_id, int(row[1]))

    def sender_of(self, message_id: str) -> Sender | None:
        """Who sent a recorded message (for a moderator's delete: the policy needs the
        sender's role); None if it is not in the history: unknown, deleted or expired."""
        row = self._db.execute(
            "SELECT sender_id, frame FROM messages WHERE id = ? AND send_time_us >= ?",
            (message_id, self.cutoff_us(self.now_us())),
        ).fetchone()
        if row is None:
            return None
        sender_id, frame = row
        try:
            attributes = json.loads(frame).get("Sender", {}).get("Attributes") or {}
            name = attributes.get("username")
        except (ValueError, AttributeError):
            name = None
        return Sender(str(sender_id), name if isinstance(name, str) and name else str(sender_id))

    def after_position(self, position: Position, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages after `position` (exclusive), in send order."""
        rows = self._db.execute(
            "SELECT send_time_us, recorded_at_us, frame FROM messages "
            "WHERE (send_time_us, id) > (?, ?) AND send_time_us >= ? "
            "ORDER BY send_time_us, id LIMIT ?",
            (
                position.send_time_us,
                position.message_id,
                self.cutoff_us(self.now_us()),
                limit,
            ),
        ).fetchall()
        return list(map(StoredMessage._make, rows))

    def after_time(self, time_us: int, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages sent after `time_us` (exclusive), in send order."""
        rows = self._db.execute(
            "SELECT send_time_us, recorded_at_us, frame FROM messages "
            "WHERE send_time_us > ? AND send_time_us >= ? ORDER BY send_time_us, id LIMIT ?",
            (time_us, self.cutoff_us(self.now_us()), limit),
        ).fetchall()
        return list(map(StoredMessage._make, rows))

    def newest(self, limit: int) -> list[StoredMessage]:
        """The newest `limit` messages, in send order."""
        rows = self._db.execute(
            "SELECT send_time_us, recorded_at_us, frame FROM messages WHERE send_time_us >= ? "
            "ORDER BY send_time_us DESC, id DESC LIMIT ?",
            (self.cutoff_us(self.now_us()), limit),
        ).fetchall()
        rows.reverse()
        return list(map(StoredMessage._make, rows))

    def messages_from(self, user_id: str, limit: int) -> list[StoredMessage]:
        """A sender's newest `limit` messages, in send order (the user card)."""
        rows = self._db.execute(
            "SELECT send_time_us, recorded_at_us, frame FROM messages "
            "WHERE sender_id = ? AND send_time_us >= ? "
            "ORDER BY send_time_us DESC LIMIT ?",
            (user_id, self.cutoff_us(self.now_us()), limit),
        ).fetchall()
        rows.reverse()
        return list(map(StoredMessage._make, rows))

    def message_ids_from(self, user_id: str, since_us: int) -> list[str]:
        """The ids of a sender's messages sent at or after `since_us`, oldest first (a
        purge's list: every one, not a page)."""
        rows = self._db.execute(
            "SELECT id FROM messages WHERE sender_id = ? AND send_time_us >= ? "
            "ORDER BY send_time_us, id",
            (user_id, max(since_us, self.cutoff_us(self.now_us()))),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def moderation_events(self, since_us: int | None = None) -> list[ModerationEvent]:
        """The recorded moderation events, oldest first, to replay the moderation log."""
        rows = self._db.execute(
            "SELECT event_id, kind, target, reason, at_us FROM moderation_events "
            "WHERE at_us >= ? ORDER BY at_us, event_id",
            (since_us if since_us is not None else self.cutoff_us(self.now_us()),),
        ).fetchall()
        return [ModerationEvent(e, k, t, r, from_micros(int(a))) for e, k, t, r, a in rows]
