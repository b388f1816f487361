"""The secret the review route's callers sign with, kept as the broadcaster key is.

- With SQLite: `review.secret` (mode 0600) in the data dir, made on the first start and
  read on every later one, so the Lambda forwarder's `REVIEW_SECRET` keeps working
  across restarts.
- On a shared Postgres: in the database's `meta` table, so every instance checks the
  same signatures (each data dir's file would give each instance its own).
- `review_secret` in the settings (`IVS_CHAT_TUI_REVIEW_SECRET`, the variable the local
  stack's `--review-secret` reads too) overrides both.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from tui.server.boot.custody import UnsafeCustody, kept_secret, private_dir
from tui.server.db import DB_ERRORS, Database

REVIEW_SECRET_FILE = "review.secret"
REVIEW_SECRET_META = "review_secret"
REVIEW_SECRET_MIN = 16
"""A shorter secret could be guessed offline from one signed call."""


class SecretError(Exception):
    """The secret cannot be read or kept; `str()` says where and why."""


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def kept_review_secret(data_dir: Path) -> str:
    """The secret kept in `data_dir`, or a new one, generated and kept there (0600),
    under the same custody rules as the broadcaster key (tui/server/boot/custody.py)."""
    path = data_dir / REVIEW_SECRET_FILE
    try:
        private_dir(data_dir)
        return kept_secret(path, "the review secret", new_secret, REVIEW_SECRET_MIN)
    except UnsafeCustody as exc:
        raise SecretError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"cannot keep the review secret in {path}: {exc}") from None


def shared_review_secret(db: Database) -> str:
    """The secret kept in the shared database, or a new one kept there; of several
    instances starting at once, the first to write wins and all read its secret."""
    try:
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (REVIEW_SECRET_META, new_secret()),
        )
        row = db.execute("SELECT value FROM meta WHERE key = ?", (REVIEW_SECRET_META,)).fetchone()
    except DB_ERRORS as exc:
        raise SecretError(f"cannot keep the review secret in the database: {exc}") from None
    return str(row[0])


__all__ = [
    "REVIEW_SECRET_FILE",
    "REVIEW_SECRET_MIN",
    "SecretError",
    "kept_review_secret",
    "shared_review_secret",
]
