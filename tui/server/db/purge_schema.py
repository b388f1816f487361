"""Purges in the moderation log: the numbered steps `migrate` applies to the `purge`
component. Never edit a step that has shipped; add one.

A component of its own, so that its steps number apart from the core tables', which
other work adds to; it runs after them (`ModerationStore`), since it adds to their log.
"""

from __future__ import annotations

from tui.server.db.migrations import Step

COMPONENT = "purge"

_PURGE_IN_LOG = """
ALTER TABLE moderation_log ADD COLUMN purge_queued INTEGER;
ALTER TABLE moderation_log ADD COLUMN purged INTEGER
"""
# A ban or timeout with purgeSeconds: how many of the user's messages were queued for
# deletion (`purge_queued`), and how many were deleted once the purge is done (`purged`,
# NULL while it runs). Both NULL for every other record.

STEPS: tuple[Step, ...] = (Step("purges in the log", _PURGE_IN_LOG),)
