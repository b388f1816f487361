"""The moderation store on both engines (SQLite file, Postgres): the log, standing, addresses,
settings, and the room keeper's claims."""

from __future__ import annotations

import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest

from tui.common.roles import Role
from tui.server.db import DatabaseTarget
from tui.server.domain_errors import InvalidRequest
from tui.server.moderation.log_store import (
    MAX_LOG_LIMIT,
    SCHEMA_VERSION,
    ModerationStore,
    check_log_limit,
    open_moderation_store,
)
from tui.server.moderation.records import (
    KEEPER,
    PERMANENT,
    LoggedAction,
    NewRecord,
    Party,
    is_permanent,
)
from tui.server.moderation.room_settings import (
    FloodLimits,
    RoomSettings,
    ShieldSettings,
    parse_settings,
)
from tui.server.store import Store

NOW = 1_800_000_000.0
HOST = Party("broadcaster-1", "Host")
BOB = Party("viewer-bob", "Bob")
EVE = Party("viewer-eve", "Eve")


def act(
    action: LoggedAction,
    target: Party = BOB,
    *,
    at: float = NOW,
    expires_at: float | None = None,
    reason: str | None = None,
) -> NewRecord:
    duration = None if expires_at is None else int(expires_at - at)
    return NewRecord(at, HOST, False, action, target, reason, duration, expires_at)


@pytest.fixture
def store(where: DatabaseTarget) -> ModerationStore:
    opened = open_moderation_store(where.open_core())
    yield opened  # type: ignore[misc]
    opened.close()


def test_the_log_answers_the_routes_shape_newest_first(store: ModerationStore) -> None:
    first = store.apply(act(LoggedAction.TIMEOUT, expires_at=NOW + 600, reason="caps"))
    store.apply(act(LoggedAction.BAN, EVE, at=NOW + 1))
    assert first.to_json() == {
        "id": first.id,
        "at": "2027-01-15T08:00:00Z",
        "actor": {"userId": "broadcaster-1", "displayName": "Host"},
        "automatic": False,
        "action": "timeout",
        "target": {"userId": "viewer-bob", "displayName": "Bob"},
        "reason": "caps",
        "durationSeconds": 600,
        "expiresAt": "2027-01-15T08:10:00Z",
    }
    assert [r.target.user_id for r in store.log()] == ["viewer-eve", "viewer-bob"]
    assert [r.action for r in store.log(user_id="viewer-bob")] == [LoggedAction.TIMEOUT]
    assert len(store.log(limit=1)) == 1


def test_a_deletion_by_the_keeper_is_logged_as_automatic(store: ModerationStore) -> None:
    record = store.apply(
        NewRecord(NOW, KEEPER, True, LoggedAction.DELETE, BOB, "blocked term 'scam'")
    )
    assert record.to_json()["automatic"] is True
    assert record.to_json()["actor"] == {"userId": "room-keeper", "displayName": "room keeper"}
    assert store.state("viewer-bob").role is Role.VIEWER


def test_standing_follows_the_actions(store: ModerationStore) -> None:
    assert store.state("viewer-bob").role is Role.VIEWER
    store.apply(act(LoggedAction.TIMEOUT, expires_at=NOW + 60))
    state = store.state("viewer-bob")
    assert state.timed_out(NOW + 59) and not state.timed_out(NOW + 60)
    assert state.to_json(NOW) == {"role": "viewer", "timedOutUntil": "2027-01-15T08:01:00Z"}
    assert state.to_json(NOW + 61) == {"role": "viewer"}
    store.apply(act(LoggedAction.UNTIMEOUT))
    assert not store.state("viewer-bob").timed_out(NOW)

    store.apply(act(LoggedAction.BAN, reason="spam bot"))
    state = store.state("viewer-bob")
    assert state.banned(NOW + 10 * 365 * 86400) and is_permanent(state.banned_until)
    assert state.ban_reason == "spam bot"
    assert state.to_json(NOW)["bannedUntil"] == "9998-01-01T00:00:00Z"
    store.apply(act(LoggedAction.UNBAN))
    assert not store.state("viewer-bob").banned(NOW)

    store.apply(act(LoggedAction.BAN, expires_at=NOW + 3600))
    state = store.state("viewer-bob")
    assert (
        state.banned(NOW) and not state.banned(NOW + 3600) and not is_permanent(state.banned_until)
    )

    store.apply(act(LoggedAction.MOD, EVE))
    assert store.state("viewer-eve").role is Role.MODERATOR
    assert store.moderators() == ["viewer-eve"]
    store.apply(act(LoggedAction.UNMOD, EVE))
    assert store.moderators() == []


def test_a_ban_with_addresses_refuses_them_until_unbanned(store: ModerationStore) -> None:
    store.note_address("viewer-bob", "203.0.113.7", NOW)
    store.note_address("viewer-bob", "2001:db8::1", NOW)
    store.note_address("viewer-eve", "198.51.100.2", NOW)
    alone = store.apply(act(LoggedAction.BAN))  # without banAddress: the addresses stay free
    assert not store.address_banned("203.0.113.7", NOW)
    both = store.apply(act(LoggedAction.BAN, expires_at=NOW + 3600), addresses=True)
    # The log says which ban took the addresses too.
    assert (alone.to_json()["banAddress"], both.to_json()["banAddress"]) == (False, True)
    assert [r.ban_address for r in store.log(user_id="viewer-bob")] == [True, False]
    assert store.banned_addresses("viewer-bob") == ["2001:db8::1", "203.0.113.7"]
    assert store.address_banned("203.0.113.7", NOW)
    assert not store.address_banned("203.0.113.7", NOW + 3600)  # the ban ran out
    assert not store.address_banned("198.51.100.2", NOW)
    store.apply(act(LoggedAction.UNBAN))
    assert not store.address_banned("203.0.113.7", NOW)


def test_settings_have_defaults_and_survive_a_restart(where: DatabaseTarget) -> None:
    store = open_moderation_store(where.open_core())
    assert store.settings() == RoomSettings()
    assert store.settings().to_json() == {
        "blockedTerms": [],
        "flood": {"messages": 5, "seconds": 5, "timeoutSeconds": 60},
        "newIdentityWaitSeconds": 0,
        "holdTerms": [],
        "shield": {"minutes": 30, "minIdentityAgeSeconds": 600, "slowModeSeconds": 10},
    }
    changed = parse_settings(
        {
            "blockedTerms": ["scam", "re:fr[e3]+"],
            "flood": {"messages": 10},
            "holdTerms": ["link"],
            "shield": {"slowModeSeconds": 30},
        },
        store.settings(),
    )
    store.save_settings(changed)
    store.apply(act(LoggedAction.MOD))
    store.close()

    again = open_moderation_store(where.open_core())
    assert again.settings().blocked_terms == ("scam", "re:fr[e3]+")
    assert again.settings().flood == FloodLimits(messages=10, seconds=5, timeout_seconds=60)
    assert again.settings().hold_terms == ("link",)
    assert again.settings().shield == ShieldSettings(slow_mode_seconds=30)
    assert again.state("viewer-bob").role is Role.MODERATOR
    assert again.schema_version == SCHEMA_VERSION
    again.close()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"blockedTerms": ["re:(a+)+"]}, "a repeat inside a repeat"),
        ({"flood": {"messages": 0}}, "flood.messages must be from 1 to 360000, not 0"),
        ({"flood": {"seconds": 1.5}}, "flood.seconds must be a whole number"),
        ({"flood": {"timeoutSeconds": 10**9}}, "flood.timeoutSeconds must be from 1 to"),
        ({"flood": 5}, "flood must be an object"),
        ({"newIdentityWaitSeconds": -1}, "newIdentityWaitSeconds must be from 0 to 604800"),
        ([], "the body must be a JSON object"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    store: ModerationStore, body: object, words: str
) -> None:
    before = store.settings()
    with pytest.raises(InvalidRequest) as caught:
        parse_settings(body, before)
    assert words in caught.value.message
    assert store.settings() == before


@pytest.mark.parametrize(
    ("value", "words"),
    [("0", "from 1 to 500, not 0"), ("501", "not 501"), ("ten", "whole number, not 'ten'")],
)
def test_the_log_limit_is_bounded(value: str, words: str) -> None:
    assert check_log_limit(None) == 50 and check_log_limit("7") == 7
    assert check_log_limit(str(MAX_LOG_LIMIT)) == MAX_LOG_LIMIT
    with pytest.raises(InvalidRequest) as caught:
        check_log_limit(value)
    assert words in caught.value.message


def test_it_shares_the_app_servers_database_file(tmp_path: Path) -> None:
    server = Store(tmp_path / "data")
    shared = ModerationStore(server._db)  # the wiring: the store's own connection
    shared.apply(act(LoggedAction.MOD))
    other = open_moderation_store(server.path)  # or a second connection on the file
    assert other.state("viewer-bob").role is Role.MODERATOR
    other.apply(act(LoggedAction.BAN, EVE))
    assert shared.state("viewer-eve").banned(NOW)
    server.add_identity("viewer-bob", "key", "Bob", "viewer", NOW)  # the store still works
    for suffix in ("", "-wal", "-shm"):
        mode = stat.S_IMODE((tmp_path / "data" / f"server.sqlite3{suffix}").stat().st_mode)
        assert mode == 0o600
    other.close()
    server.checkpoint()
    server.close()


def test_a_database_from_a_newer_server_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite3"
    open_moderation_store(path).close()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "INSERT INTO schema_migrations (component, version, name, applied_at)"
            " VALUES ('core', ?, 'from the future', 0)",
            (SCHEMA_VERSION + 1,),
        )
    with pytest.raises(RuntimeError, match="newer than this server's"):
        open_moderation_store(path)


def test_the_permanent_sentinel_is_a_showable_time() -> None:
    assert is_permanent(PERMANENT) and not is_permanent(None) and not is_permanent(NOW)


def test_an_offence_is_claimed_once_across_servers(where: DatabaseTarget) -> None:
    """Two servers' keepers see the same offending message: only the first claim wins."""
    a, b = open_moderation_store(where.open_core()), open_moderation_store(where.open_core())
    assert a.claim("msg-1", NOW) is True
    assert b.claim("msg-1", NOW) is False
    assert a.claim("msg-1", NOW + 1) is False
    assert b.claim("msg-2", NOW) is True
    a.close()
    b.close()


def test_the_log_and_standing_are_shared_across_servers(where: DatabaseTarget) -> None:
    a, b = open_moderation_store(where.open_core()), open_moderation_store(where.open_core())
    made = a.apply(act(LoggedAction.BAN, expires_at=NOW + 60))
    assert b.state("viewer-bob").banned(NOW)
    second = b.apply(act(LoggedAction.MOD, EVE))
    assert second.id > made.id  # one sequence of ids for both
    assert [r.id for r in a.log()] == [second.id, made.id]
    assert a.moderators() == ["viewer-eve"]
    a.close()
    b.close()
