"""The message review's tables: the numbered steps `tui.server.db.migrations.migrate`
applies to the `review` component. Never edit a step that has shipped; add one.

A component of its own (beside `core` and `history`) so that its steps number apart
from the core tables', which other work adds to.
"""

from __future__ import annotations

from tui.server.db.migrations import Step

COMPONENT = "review"

_FLOOD = """
CREATE TABLE IF NOT EXISTS review_flood (
    user_id TEXT PRIMARY KEY,
    window_start DOUBLE PRECISION NOT NULL,
    messages INTEGER NOT NULL
)
"""
# review_flood: each identity's messages in its current flood window, counted by the
# review route in the shared store, so the count holds across reconnects and instances.

STEPS: tuple[Step, ...] = (Step("flood counts", _FLOOD),)
