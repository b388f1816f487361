"""The history database file: private (0600, WAL and SHM alike), WAL mode, one
transaction helper. Matches tui/server/store.py's settings and reasons."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

FILE_MODE = 0o600


def _private(path: Path) -> None:
    # SQLite creates the -wal and -shm files with the database file's permissions, so a
    # database created 0600 keeps all three private; files left by an older run are fixed.
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each.exists():
            each.chmod(FILE_MODE)


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _private(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    # No checkpoint (and its fsync) inside a write on the event loop: see `checkpoint`.
    db.execute("PRAGMA wal_autocheckpoint=0")
    return db


def checkpoint(path: Path) -> None:
    """Copy the WAL into the database and fsync it; run in a worker thread."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction on an autocommit connection (isolation_level=None)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
