"""The history file: idempotent writes by IVS Id, deletions for everyone, retention by
count and by age, a private file that survives a restart."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import threading
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from tests.server.history.helpers import T0, Clock, frame, ids, msg_id, open_store
from tui.ivs.events import MessageDeleted, UserDisconnected
from tui.server.db import DatabaseTarget, engine
from tui.server.history.query import history
from tui.server.history.record import from_micros, moderation_event
from tui.server.history.store import DB_FILE_NAME, HistoryStore, HistoryStoreError


def delete(store: HistoryStore, n: int, event_id: str = "") -> bool:
    event = MessageDeleted(msg_id(n), "spam", event_id or f"del{n:09d}")
    return store.add_moderation(moderation_event(event, from_micros(store.now_us())))


def all_ids(store: HistoryStore) -> list[str]:
    return ids(history(store, limit=1000).messages_json)


def test_the_same_message_written_twice_is_kept_once(where: DatabaseTarget) -> None:
    store = open_store(where, Clock())
    assert store.add_message(frame(1)) is True
    assert store.add_message(frame(1)) is False  # a second recorder, or a replayed frame
    assert all_ids(store) == [msg_id(1)] and store.count() == 1


def test_messages_come_in_send_order_whatever_order_they_were_written(
    where: DatabaseTarget,
) -> None:
    store = open_store(where, Clock())
    for n in (3, 1, 2):
        store.add_message(frame(n))
    same_time = T0 + timedelta(seconds=1)
    store.add_message(frame(5, at=same_time))
    store.add_message(frame(4, at=same_time))  # a tie on SendTime goes by Id
    assert all_ids(store) == [msg_id(n) for n in (1, 2, 3, 4, 5)]


def test_a_deleted_message_is_gone_and_stays_gone(where: DatabaseTarget) -> None:
    clock = Clock()
    store = open_store(where, clock)
    store.add_message(frame(1))
    store.add_message(frame(2))
    assert delete(store, 1) is True
    assert delete(store, 1) is False  # the same event from a second recorder
    assert all_ids(store) == [msg_id(2)]
    assert store.add_message(frame(1)) is False  # a late copy does not bring it back
    assert delete(store, 3) is True  # deleted before this recorder saw it...
    assert store.add_message(frame(3)) is False  # ...so it never appears
    assert all_ids(store) == [msg_id(2)] and store.count() == 1


def test_the_moderation_log_replays_in_order(where: DatabaseTarget) -> None:
    clock = Clock()
    store = open_store(where, clock)
    store.add_message(frame(1))
    delete(store, 1, "EvDelete0001")
    clock.advance(1)
    kick = UserDisconnected("viewer-1", "rude", "EvKick000001")
    store.add_moderation(moderation_event(kick, from_micros(store.now_us())))
    events = store.moderation_events()
    assert [(e.event_id, e.kind, e.target, e.reason) for e in events] == [
        ("EvDelete0001", "aws:DELETE_MESSAGE", msg_id(1), "spam"),
        ("EvKick000001", "aws:DISCONNECT_USER", "viewer-1", "rude"),
    ]


def test_retention_by_count_drops_the_oldest(where: DatabaseTarget) -> None:
    store = open_store(where, Clock(), max_messages=3)
    for n in range(1, 6):
        store.add_message(frame(n))
    assert all_ids(store) == [msg_id(n) for n in (3, 4, 5)]
    store.add_message(frame(0))  # older than everything kept: in and straight out
    assert all_ids(store) == [msg_id(n) for n in (3, 4, 5)] and store.count() == 3


def test_retention_by_age(where: DatabaseTarget) -> None:
    clock = Clock(T0)
    store = open_store(where, clock, max_age_seconds=60)
    store.add_message(frame(1))
    clock.advance(30)
    store.add_message(frame(2, at=T0 + timedelta(seconds=30)))
    clock.advance(30.002)  # message 1 (sent at T0 + 1 ms) is now just past 60 s
    assert all_ids(store) == [msg_id(2)]  # readers never see it, pruned or not
    store.prune()
    assert store.count() == 1
    assert store.add_message(frame(3, at=T0)) is False  # too old to keep when it arrives
    rows = store._db.execute("SELECT id FROM messages").fetchall()
    assert [tuple(row) for row in rows] == [(msg_id(2),)]


def test_history_and_coverage_survive_a_restart(where: DatabaseTarget) -> None:
    clock = Clock()
    store = open_store(where, clock)
    store.coverage.recording(store.now_us())
    store.add_message(frame(1))
    delete(store, 1)
    store.add_message(frame(2))
    store.close()
    again = open_store(where, clock)
    assert all_ids(again) == [msg_id(2)] and again.count() == 1
    assert again.add_message(frame(1)) is False  # the deletion was kept too
    assert again.coverage.intervals() != []


def test_the_files_are_private(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data", Clock())
    store.add_message(frame(1))
    for name in (DB_FILE_NAME, DB_FILE_NAME + "-wal", DB_FILE_NAME + "-shm"):
        mode = stat.S_IMODE((tmp_path / "data" / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))


def test_a_file_left_readable_is_made_private(tmp_path: Path) -> None:
    open_store(tmp_path, Clock()).close()
    (tmp_path / DB_FILE_NAME).chmod(0o644)
    open_store(tmp_path, Clock())
    assert stat.S_IMODE((tmp_path / DB_FILE_NAME).stat().st_mode) == 0o600


def test_a_file_from_a_newer_version_is_refused_in_words(tmp_path: Path) -> None:
    open_store(tmp_path, Clock()).close()
    with closing(sqlite3.connect(tmp_path / DB_FILE_NAME)) as db, db:
        db.execute(
            "INSERT INTO schema_migrations (component, version, name, applied_at)"
            " VALUES ('history', 99, 'from the future', 0)"
        )
    with pytest.raises(HistoryStoreError, match="newer version"):
        open_store(tmp_path, Clock())


def test_a_file_that_is_not_a_database_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / DB_FILE_NAME).write_bytes(b"not a database, just some bytes" * 100)
    with pytest.raises(HistoryStoreError, match="cannot be read as a history database"):
        open_store(tmp_path, Clock())


def test_a_lower_count_bound_applies_on_the_next_start(where: DatabaseTarget) -> None:
    store = open_store(where, Clock())
    for n in range(10):
        store.add_message(frame(n))
    store.close()
    smaller = open_store(where, Clock(), max_messages=4)
    assert smaller.count() == 4
    assert all_ids(smaller) == [msg_id(n) for n in range(6, 10)]


def test_checkpoint_copies_the_wal_into_the_file(tmp_path: Path) -> None:
    store = open_store(tmp_path, Clock())
    before = store.path.read_bytes()
    store.add_message(frame(1))
    assert store.path.read_bytes() == before  # in the WAL only: no checkpoint in a write
    store.checkpoint()
    assert b"message 1" in store.path.read_bytes()


async def test_maintain_prunes_and_checkpoints_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    threads: list[int] = []
    real_checkpoint = engine.checkpoint_file

    def watched_checkpoint(path: Path) -> None:
        threads.append(threading.get_ident())
        real_checkpoint(path)
        loop.call_soon_threadsafe(done.set)

    monkeypatch.setattr(engine, "checkpoint_file", watched_checkpoint)
    clock = Clock()
    store = open_store(tmp_path, clock, max_age_seconds=60)
    store.add_message(frame(1))
    clock.advance(120)
    task = asyncio.create_task(store.maintain(0.001))
    try:
        await done.wait()  # pytest-timeout bounds it
    finally:
        task.cancel()
    assert threads and threading.get_ident() not in threads
    assert store.count() == 0  # pruned by age in the same round
    with closing(sqlite3.connect(store.path)) as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone() == (0,)


@pytest.mark.parametrize("bad", [{"max_messages": 0}, {"max_age_seconds": 0}])
def test_bounds_must_make_sense(where: DatabaseTarget, bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        open_store(where, Clock(), **bad)


def test_a_senders_recent_messages(where: DatabaseTarget) -> None:
    store = open_store(where, Clock())
    for n in range(6):
        store.add_message(frame(n, sender="viewer-a" if n % 2 else "viewer-b"))
    rows = store.messages_from("viewer-a", 2)
    assert ids(tuple(r.frame_json for r in rows)) == [msg_id(3), msg_id(5)]


def test_a_messages_sender_is_found_by_its_id_until_it_is_deleted(where: DatabaseTarget) -> None:
    store = open_store(where, Clock())
    store.add_message(frame(1, sender="viewer-ana"))
    found = store.sender_of(msg_id(1))
    assert found == ("viewer-ana", "viewer-ana")  # the id, and the name its token carried
    assert store.sender_of(msg_id(2)) is None  # never recorded
    delete(store, 1)
    assert store.sender_of(msg_id(1)) is None  # deleted: nothing left to delete
