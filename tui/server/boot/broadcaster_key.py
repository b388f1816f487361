"""The broadcaster key start-up generates when none is given: kept in the data dir (a
secret file in custody, `custody.py`) or, on a shared database, in its meta table, so that
the broadcaster's TUI keeps working across restarts and instances.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from tui.server.boot.custody import UnsafeCustody, kept_secret, new_key
from tui.server.boot.startup_error import StartupError
from tui.server.db import DB_ERRORS
from tui.server.settings import BROADCASTER_KEY_MIN
from tui.server.store import Store

BROADCASTER_KEY_FILE = "broadcaster.key"
"""In the data dir, mode 0600: the generated broadcaster key, reused on every start with
the same data dir so that the broadcaster's TUI keeps working across restarts."""


def kept_broadcaster_key(data_dir: Path) -> str:
    """The key kept in `data_dir`, or a new one, generated and kept there (0600); one
    that another user owns or may write is refused (`check_custody`)."""
    path = data_dir / BROADCASTER_KEY_FILE
    try:
        return kept_secret(path, "the broadcaster key", new_key, BROADCASTER_KEY_MIN)
    except UnsafeCustody as exc:
        raise StartupError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StartupError(f"cannot keep the broadcaster key in {path}: {exc}") from None


BROADCASTER_KEY_META = "broadcaster_key"
"""Store meta, on a shared database only: the generated broadcaster key, the same for
every instance (the data dir's file would give each instance its own)."""


def shared_broadcaster_key(store: Store) -> str:
    """The key kept in the shared database, or a new one kept there; of several instances
    starting at once, the first to write wins and all read its key."""
    try:
        store.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (BROADCASTER_KEY_META, secrets.token_urlsafe(18)),
        )
        kept = store.get_meta(BROADCASTER_KEY_META)
    except DB_ERRORS as exc:
        raise StartupError(f"cannot keep the broadcaster key in the database: {exc}") from None
    assert kept is not None
    return kept
