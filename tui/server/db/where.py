"""Which database the app server uses: SQLite files in its data dir (the default), or the
Postgres at `--database-url` / `IVS_CHAT_TUI_DATABASE_URL`, shared by every instance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tui.server.db.engine import Database

CORE_FILE_NAME = "server.sqlite3"
HISTORY_FILE_NAME = "history.sqlite3"


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    data_dir: Path
    url: str | None = None

    @property
    def shared(self) -> bool:
        """Whether other instances may use the same database (Postgres)."""
        return self.url is not None

    def open_core(self) -> Database:
        """Identities, invites, moderation: server.sqlite3, or the Postgres database."""
        if self.url is not None:
            return Database.open_postgres(self.url)
        return Database.open_sqlite(self.data_dir / CORE_FILE_NAME)

    def open_history(self) -> Database:
        """The room's history: its own SQLite file (its writes and checkpoints never
        contend with the core file's), or the same Postgres database."""
        if self.url is not None:
            return Database.open_postgres(self.url)
        return Database.open_sqlite(self.data_dir / HISTORY_FILE_NAME)

    def describe(self) -> str:
        if self.url is not None:
            from tui.server.db.url import redacted

            return redacted(self.url)
        return str(self.data_dir)
