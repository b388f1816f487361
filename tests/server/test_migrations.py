"""Versioned migrations: a data dir written before `schema_migrations` existed migrates
forward with its data; a fresh Postgres database gets the same schema; two servers
starting at once migrate once."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from tui.server.db import DatabaseTarget, core_schema, history_schema
from tui.server.db.migrations import applied
from tui.server.history.store import HistoryStore
from tui.server.moderation.log_store import open_moderation_store
from tui.server.moderation.records import LoggedAction
from tui.server.store import Store, secret_hash

OLD_SERVER_FILE = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE identities (
    user_id TEXT PRIMARY KEY, session_key_hash TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('broadcaster', 'viewer')),
    created_at REAL NOT NULL, token_issued_at REAL);
CREATE TABLE invites (
    invite_id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES identities (user_id),
    stage_arn TEXT NOT NULL, stage_name TEXT NOT NULL, broadcast_type TEXT NOT NULL,
    participant_id TEXT NOT NULL, participant_token TEXT NOT NULL,
    created_at REAL NOT NULL, expires_at REAL NOT NULL, revoked_at REAL, redeemed_at REAL,
    code_hash TEXT UNIQUE, code_expires_at REAL, code_used_at REAL);
CREATE TABLE issued_participants (
    participant_id TEXT PRIMARY KEY, invite_id TEXT NOT NULL REFERENCES invites (invite_id),
    user_id TEXT NOT NULL);
CREATE TABLE moderation_schema (version INTEGER NOT NULL);
INSERT INTO moderation_schema VALUES (1);
CREATE TABLE moderation_log (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL, automatic INTEGER NOT NULL, action TEXT NOT NULL,
    target_id TEXT NOT NULL, target_name TEXT NOT NULL, reason TEXT,
    duration_seconds INTEGER, expires_at REAL);
CREATE TABLE moderation_state (
    user_id TEXT PRIMARY KEY, role TEXT NOT NULL DEFAULT 'viewer'
        CHECK (role IN ('broadcaster', 'moderator', 'viewer')),
    banned_until REAL, ban_reason TEXT, timed_out_until REAL);
CREATE TABLE moderation_addresses (
    user_id TEXT NOT NULL, address TEXT NOT NULL, last_seen REAL NOT NULL,
    PRIMARY KEY (user_id, address));
CREATE TABLE moderation_banned_addresses (
    address TEXT PRIMARY KEY, user_id TEXT NOT NULL, banned_until REAL NOT NULL);
CREATE TABLE moderation_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
OLD_HISTORY_FILE = """
CREATE TABLE messages (id TEXT PRIMARY KEY, send_time_us BIGINT NOT NULL,
    recorded_at_us BIGINT NOT NULL, sender_id TEXT NOT NULL, frame TEXT NOT NULL);
CREATE TABLE moderation_events (event_id TEXT PRIMARY KEY, kind TEXT NOT NULL,
    target TEXT NOT NULL, reason TEXT NOT NULL, at_us BIGINT NOT NULL,
    message_send_time_us BIGINT, message_recorded_at_us BIGINT);
CREATE TABLE coverage (start_us BIGINT NOT NULL PRIMARY KEY, end_us BIGINT NOT NULL,
    open SMALLINT NOT NULL CHECK (open IN (0, 1)));
PRAGMA user_version = 1;
"""
NOW = 1_800_000_000.0
US = int(NOW * 1_000_000)


def _old_data_dir(data: Path) -> None:
    """A data dir as the first released server wrote it (schema before migrations)."""
    data.mkdir()
    with closing(sqlite3.connect(data / "server.sqlite3")) as db, db:
        db.executescript(OLD_SERVER_FILE)
        db.execute(
            "INSERT INTO identities VALUES ('viewer-bob', ?, 'Bob', 'viewer', ?, NULL)",
            (secret_hash("bob-key"), NOW),
        )
        db.execute(
            "INSERT INTO invites VALUES ('inv-1', 'viewer-bob', 'arn:stage', 's', 'camera',"
            " 'part-1', 'token-1', ?, ?, NULL, NULL, NULL, NULL, NULL)",
            (NOW, NOW + 600),
        )
        db.execute("INSERT INTO issued_participants VALUES ('part-1', 'inv-1', 'viewer-bob')")
        db.execute(
            "INSERT INTO moderation_log VALUES (7, ?, 'b', 'Host', 0, 'ban', 'viewer-bob',"
            " 'Bob', 'spam', NULL, NULL)",
            (NOW,),
        )
        db.execute(
            "INSERT INTO moderation_state VALUES ('viewer-bob', 'viewer', ?, 'spam', NULL)",
            (NOW + 99,),
        )
    with closing(sqlite3.connect(data / "history.sqlite3")) as db:
        db.executescript(OLD_HISTORY_FILE)
        db.execute("INSERT INTO messages VALUES ('m1', ?, ?, 'viewer-bob', '{}')", (US, US))
        db.execute("INSERT INTO coverage VALUES (?, ?, 1)", (US - 5, US + 5))
        db.commit()


def test_a_data_dir_from_before_migrations_keeps_its_data(tmp_path: Path) -> None:
    _old_data_dir(tmp_path / "data")
    where = DatabaseTarget(tmp_path / "data")
    store = Store(where.open_core())
    bob = store.identity_by_session_key("bob-key")
    assert bob is not None and bob.display_name == "Bob"
    assert store.name_holder(("bob", "")) == bob  # name keys were filled in
    found = store.invite_by_participant_token("token-1")  # token hashes were filled in
    assert found is not None and found.invite_id == "inv-1"
    assert store.participant_ids_of("viewer-bob") == ["part-1"]
    moderation = open_moderation_store(where.open_core())
    assert [(r.id, r.action) for r in moderation.log()] == [(7, LoggedAction.BAN)]
    assert moderation.state("viewer-bob").banned(NOW)
    assert not store.db.has_table("moderation_schema")  # retired into schema_migrations
    assert applied(store.db, "core") == len(core_schema.STEPS)
    history = HistoryStore(where.open_history(), clock=lambda: NOW)
    assert history.count() == 1
    assert history.coverage.intervals() == [(US - 5, US + 5)]
    assert applied(history._db, "history") == len(history_schema.STEPS)
    for each in (store, moderation, history):
        each.close()
    # And once more: nothing runs twice.
    again = Store(where.open_core())
    assert applied(again.db, "core") == len(core_schema.STEPS)
    again.close()


def test_both_engines_record_the_same_steps(where: DatabaseTarget) -> None:
    store = Store(where.open_core())
    rows = store.db.execute(
        "SELECT component, version, name FROM schema_migrations ORDER BY component, version"
    ).fetchall()
    names = [(str(c), int(v), str(n)) for c, v, n in rows]
    assert names == [("core", i + 1, s.name) for i, s in enumerate(core_schema.STEPS)]
    assert store.db.has_table("moderation_offences") and store.db.has_table("kept_resources")
    store.close()


def test_two_servers_starting_at_once_migrate_once(where: DatabaseTarget) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            Store(where.open_core()).close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = Store(where.open_core())
    count = store.db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert int(count) == len(core_schema.STEPS)
    store.close()
