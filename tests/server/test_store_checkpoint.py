"""The store runs on the event loop, so no write may wait for the disk: SQLite's automatic
checkpoint (which fsyncs) is off, and the app server checkpoints in a worker thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from tui.client.app_server import AppServerClient
from tui.server.boot import web_app
from tui.server.boot.startup import start_local_stack
from tui.server.db import engine
from tui.server.store import Store

PAGE = 4096
AUTO_CHECKPOINT_PAGES = 1000
"""SQLite's default: a write that takes the WAL past this many pages checkpoints."""


def test_writes_leave_the_checkpoint_to_checkpoint(tmp_path: Path) -> None:
    store = Store(tmp_path)
    wal = store.path.with_name(store.path.name + "-wal")
    before = store.path.stat().st_size
    for i in range(1500):
        store.add_identity(f"user-{i}", f"key-{i}", f"Name {i}", "viewer", 1.0)
    # Far past the point where SQLite would have checkpointed inside a write...
    assert wal.stat().st_size > AUTO_CHECKPOINT_PAGES * PAGE
    assert store.path.stat().st_size == before  # ...yet the database file is untouched.
    store.checkpoint()
    assert b"user-1499" in store.path.read_bytes()
    store.close()
    with closing(sqlite3.connect(store.path)) as db:
        assert db.execute("SELECT count(*) FROM identities").fetchone() == (1500,)


async def test_the_server_checkpoints_in_a_worker_thread(
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
    monkeypatch.setattr(web_app, "CHECKPOINT_SECONDS", 0.01)
    async with (
        await start_local_stack(port=0, data_dir=tmp_path) as stack,
        AppServerClient(stack.url) as viewer,
    ):
        user_id = (await viewer.chat_token("Alice")).user_id.encode()
        # Checkpoints run from start-up on: one after the write brings it into the file
        # (pytest-timeout bounds the wait).
        while user_id not in stack.service.store.path.read_bytes():
            done.clear()
            await done.wait()
        assert threads and threading.get_ident() not in threads  # never on the loop's thread
