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

import os
import secrets
from pathlib import Path

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
    """The secret kept in `data_dir`, or a new one, generated and kept there (0600)."""
    path = data_dir / REVIEW_SECRET_FILE
    # Seam: key custody's check that a kept key file is private (no group or other
    # access) belongs here once it exists, as for the broadcaster key.
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        kept = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"cannot read the review secret in {path}: {exc}") from None
    if len(kept) >= REVIEW_SECRET_MIN:
        return kept
    secret = new_secret()
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secret + "\n")
    except OSError as exc:
        raise SecretError(f"cannot keep the review secret in {path}: {exc}") from None
    return secret


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
