"""One database connection, SQLite or PostgreSQL, with the same calls.

Queries are written once, with `?` placeholders; for Postgres they become `%s` (psycopg's)
here, cached. Everything else the stores write is SQL both engines take as is: TEXT,
BIGINT, SMALLINT and DOUBLE PRECISION (SQLite reads it as REAL; Postgres's REAL would be
a 4-byte float), `ON CONFLICT ... DO NOTHING / DO UPDATE`, `RETURNING`, row values, and
`LIMIT <big> OFFSET ?` for "all rows after n". The differences that remain live in this
module: how a write transaction begins, how a table's columns are listed, the automatic
id column type, the start-up lock, and the SQLite file's privacy and WAL settings.

Calls are synchronous, on the event loop, as the stores have always made them: on
loopback, with `PG_SESSION_OPTIONS`, a round trip is a fraction of a millisecond, longer
on a loaded machine where the Postgres backend waits for a core (the README's "Several
instances on Postgres" has the figures). A Postgres connection that broke (the server restarted) is
opened again on its next use; the call that found it broken fails with the driver's
error (the API answers 503).
"""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg

from tui.server.boot.custody import check_custody
from tui.server.db.url import masked, redacted

FILE_MODE = 0o600

ALL_ROWS = 9_223_372_036_854_775_807
"""`LIMIT {ALL_ROWS} OFFSET ?`: all rows after n, on both engines (SQLite has no OFFSET
without LIMIT, Postgres no LIMIT -1)."""

PG_SESSION_OPTIONS = "-c synchronous_commit=off"
"""The durability the SQLite files have (WAL, synchronous=NORMAL: no fsync per commit):
a commit survives the app server crashing, and a crash of Postgres itself or of its
machine may lose the last few hundred ms of commits (Postgres flushes its WAL every
wal_writer_delay, 200 ms), never corrupt anything. Waiting for an fsync on every commit
made each write about ten times slower on the event loop (the README's Benchmarks notes)."""

Dialect = Literal["sqlite", "postgres"]


WAL_SWITCH_SECONDS = 30.0
"""How long opening waits to switch a new file to WAL while another server holds it."""


def _wal_mode(db: sqlite3.Connection) -> None:
    """WAL mode. Switching a new file's journal mode fails at once, busy timeout or not,
    while another connection holds a lock on it (another server starting on the same
    file and migrating it): try again until it is free."""
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


class DatabaseUnavailable(Exception):
    """The database cannot be opened; `str()` says which and why, without a password."""


DB_ERRORS = (sqlite3.Error, psycopg.Error, DatabaseUnavailable)
"""What a database call may raise, on either engine (a Postgres connection that broke is
opened again on the next call, which raises DatabaseUnavailable if it cannot). Its type is
inferred, a tuple of three, so the checker accepts `except (*DB_ERRORS, OSError)`."""


class Rows(Protocol):
    """What `execute` returns on either engine: sqlite3's and psycopg's cursors alike."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


@functools.lru_cache(maxsize=1024)
def _pg_sql(text: str) -> str:
    # psycopg takes %s; a literal % must be doubled. No query holds a ? in a string.
    return text.replace("%", "%%").replace("?", "%s")


def private_files(db_path: Path) -> None:
    """The SQLite database, its WAL and its shared-memory index exist and are 0600 before
    SQLite opens them, whatever the directory's mode or the umask: they hold participant
    tokens. (SQLite creates the WAL and SHM with the database file's mode; made here,
    they need not rely on that.) One that another user owns or may write is refused
    (`UnsafeCustody`, tui/server/boot/custody.py)."""
    for path in (db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            check_custody(path, "the database file", os.fstat(fd))
            os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)


def checkpoint_file(path: Path) -> None:
    """Copy a SQLite file's WAL into it and fsync, on a connection of its own (a worker
    thread calls this); a PASSIVE checkpoint never waits for the loop's transactions."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        db.close()


class Database:
    """One connection. Build it with `open_sqlite(path)` or `open_postgres(url)`."""

    def __init__(
        self,
        dialect: Dialect,
        *,
        sqlite: sqlite3.Connection | None = None,
        url: str | None = None,
        path: Path | None = None,
    ) -> None:
        self.dialect: Dialect = dialect
        self.path = path
        """The SQLite file (None on Postgres)."""
        self.url = url
        self._sqlite = sqlite
        self._pg: psycopg.Connection[Any] | None = None
        self._depth = 0
        self._checkpointed = -1  # total_changes at the last checkpoint
        if dialect == "postgres":
            self._pg = self._connect_pg()

    # --- opening -----------------------------------------------------------------------

    @classmethod
    def open_sqlite(cls, path: Path, *, busy_timeout_ms: int = 1000) -> Database:
        """The SQLite file at `path` (made private, 0600, with its directory 0700), in
        WAL mode with synchronous=NORMAL and no automatic checkpoint: see
        tui/server/store.py for why."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_files(path)
        db = sqlite3.connect(path, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")  # another connection's write
        _wal_mode(db)
        db.execute("PRAGMA synchronous=NORMAL")
        # No checkpoint (and its fsync) inside a write on the event loop: see `checkpoint`.
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.execute("PRAGMA foreign_keys=ON")
        return cls("sqlite", sqlite=db, path=path)

    @classmethod
    def open_postgres(cls, url: str) -> Database:
        return cls("postgres", url=url)

    def _connect_pg(self) -> psycopg.Connection[Any]:
        assert self.url is not None
        try:
            return psycopg.connect(
                self.url, autocommit=True, connect_timeout=10, options=PG_SESSION_OPTIONS
            )
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            # The driver quotes what it could not read of the URL: often the password.
            words = masked(first, self.url)
            raise DatabaseUnavailable(f"cannot connect to {redacted(self.url)}: {words}") from None

    def _conn(self) -> Any:
        if self._sqlite is not None:
            return self._sqlite
        if self._pg is None or (self._pg.closed and self._depth == 0):
            self._pg = self._connect_pg()  # it broke (a restarted server): open it again
        return self._pg

    def describe(self) -> str:
        """Where this database is, for messages: the file, or the URL without password."""
        return str(self.path) if self.path is not None else redacted(self.url or "")

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()  # the last connection to close checkpoints the WAL
        elif self._pg is not None:
            self._pg.close()

    # --- statements --------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[object] = ()) -> Rows:
        conn = self._conn()
        if self.dialect == "postgres":
            return conn.execute(_pg_sql(sql), params or None)
        return conn.execute(sql, params)

    def script(self, statements: str) -> None:
        """Several `;`-separated statements without parameters (a schema step)."""
        for statement in statements.split(";"):
            if statement.strip():
                self.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested, the inner block joins the outer one. SQLite
        takes its write lock at the start (BEGIN IMMEDIATE: no upgrade deadlock between
        two connections); Postgres at each row, as usual."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        conn = self._conn()
        self._depth = 1
        try:
            if self.dialect == "postgres":
                with conn.transaction():
                    yield
            else:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        finally:
            self._depth = 0

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Only one holder at a time of the lock `name`, across every server on this
        database, for a start-up step that must not run twice at once (making the room
        and the stage). SQLite files have one server each: nothing to hold."""
        if self.dialect != "postgres":
            yield
            return
        key = zlib.crc32(name.encode())
        self.execute("SELECT pg_advisory_lock(?)", (key,)).fetchone()
        try:
            yield
        finally:
            self.execute("SELECT pg_advisory_unlock(?)", (key,)).fetchone()

    # --- the differences -----------------------------------------------------------------

    @property
    def auto_id(self) -> str:
        """The column type of an id the database assigns (read it back with RETURNING)."""
        if self.dialect == "postgres":
            return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        return "INTEGER PRIMARY KEY"

    def columns(self, table: str) -> set[str]:
        """The column names of `table` (one of the schema's own names, never input)."""
        if self.dialect == "postgres":
            rows = self.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
            return {str(row[0]) for row in rows}
        return {str(row[1]) for row in self.execute(f"PRAGMA table_info({table})")}

    def has_table(self, table: str) -> bool:
        if self.dialect == "postgres":
            row = self.execute("SELECT to_regclass(?)", (table,)).fetchone()
            return row is not None and row[0] is not None
        row = self.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return row is not None

    # --- SQLite's checkpoints (nothing to do on Postgres) ----------------------------------

    def checkpoint(self) -> None:
        """Copy the WAL into the database file and fsync it, here and now (blocking)."""
        self._checkpointed = self.total_changes
        if self.path is not None:
            checkpoint_file(self.path)

    async def checkpoint_if_written(self) -> None:
        """The same in a worker thread, if anything was written since the last one. On
        failure (DB_ERRORS, OSError) the WAL keeps it all and the next call tries again."""
        changes = self.total_changes
        if self.path is None or changes == self._checkpointed:
            return
        await asyncio.to_thread(checkpoint_file, self.path)
        self._checkpointed = changes

    @property
    def total_changes(self) -> int:
        """SQLite: rows written on this connection so far (what needs a checkpoint);
        Postgres: always 0, it has no WAL of ours to copy."""
        return self._sqlite.total_changes if self._sqlite is not None else 0
