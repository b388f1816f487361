"""Versioned schema steps, applied at start.

Each component (the app server's `core` tables, the room's `history`) has a list of
numbered `Step`s; `schema_migrations` records which ran, one row per (component,
version). `migrate` runs the missing ones in order, in one transaction, under a lock so
two servers starting at once on one Postgres do not both run them. A database whose
steps go past the list was written by a newer server and is refused in words.

Steps are SQL written once for both engines, or a function of the `Database` where a
step must look before it acts: databases from before this table existed (SQLite files of
earlier versions) already hold some of the schema, so the early steps use IF NOT EXISTS
and add a column only where it is missing, and such a file migrates forward as is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from tui.server.db.engine import Database

SCHEMA_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (component, version)
)
"""


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer server; `str()` says so and what to do."""


@dataclass(frozen=True, slots=True)
class Step:
    """One migration: `sql` (`;`-separated, `{auto_id}` the dialect's id column), then
    `run`, if given."""

    name: str
    sql: str = ""
    run: Callable[[Database], None] | None = None


def applied(db: Database, component: str) -> int:
    """The component's schema version: how many of its steps have run."""
    if not db.has_table("schema_migrations"):
        return 0
    row = db.execute(
        "SELECT max(version) FROM schema_migrations WHERE component = ?", (component,)
    ).fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


MIGRATION_WAIT_MS = 30_000
"""How long a starting server waits for another one's migrations on a SQLite file."""


@contextmanager
def _patient(db: Database) -> Iterator[None]:
    """At start-up a server may wait for another one's migrations on the same SQLite
    file far longer than a write on the event loop may wait (`open_sqlite`'s timeout)."""
    if db.dialect != "sqlite":
        yield
        return
    before = int(db.execute("PRAGMA busy_timeout").fetchone()[0])
    db.execute(f"PRAGMA busy_timeout={MIGRATION_WAIT_MS}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA busy_timeout={before}")


def migrate(db: Database, component: str, steps: Sequence[Step]) -> int:
    """Bring `component` up to `len(steps)`; its version afterwards. Raises SchemaTooNew."""
    with _patient(db), db.exclusive(f"ivs-chat-tui migrate {component}"), db.transaction():
        db.execute(SCHEMA_TABLE)
        version = applied(db, component)
        if version > len(steps):
            raise SchemaTooNew(
                f"{db.describe()} holds {component} schema version {version}, newer than "
                f"this server's {len(steps)}: run a newer ivs-chat-tui"
            )
        for number, step in enumerate(steps[version:], start=version + 1):
            if step.sql:
                db.script(step.sql.replace("{auto_id}", db.auto_id))
            if step.run is not None:
                step.run(db)
            db.execute(
                "INSERT INTO schema_migrations (component, version, name, applied_at) "
                "VALUES (?, ?, ?, ?)",
                (component, number, step.name, time.time()),
            )
    return len(steps)


def add_column(db: Database, table: str, column: str, kind: str) -> bool:
    """Add the column unless the table has it (databases from before `schema_migrations`
    may); whether it was added."""
    if column in db.columns(table):
        return False
    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    return True
