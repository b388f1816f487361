"""Notes on users that every moderator shares: the numbered steps `migrate` applies to
the `notes` component. Never edit a step that has shipped; add one.

A component of its own, so that its steps number apart from the core tables', which
other work adds to.
"""

from __future__ import annotations

from tui.server.db.migrations import Step

COMPONENT = "notes"

_NOTES = """
CREATE TABLE IF NOT EXISTS user_notes (
    id {auto_id},
    user_id TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS user_notes_by_user ON user_notes (user_id, id)
"""
# user_notes: one row per note, the author named as they were when they wrote it (as
# the moderation log names its actors); the text is stored cleaned.

STEPS: tuple[Step, ...] = (Step("user notes", _NOTES),)
