"""The history database's file helpers: the checkpoint a worker thread runs, and one
transaction helper. Opening (private 0600 files, WAL mode) is `tui.server.db`'s, with
tui/server/store.py's settings and reasons."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.server.db import Database
from tui.server.db.engine import checkpoint_file

__all__ = ["checkpoint", "transaction"]


def checkpoint(path: Path) -> None:
    """Copy the WAL into the database and fsync it; run in a worker thread."""
    checkpoint_file(path)


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """One write transaction."""
    with db.transaction():
        yield
