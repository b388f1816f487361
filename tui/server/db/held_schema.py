"""Shield mode, the held-for-review queue and approvals (`tui/server/raid/`): the numbered
steps `tui.server.db.migrations.migrate` applies to the `held` component. Never edit a
step that has shipped; add one.

A component of its own, so that its steps number apart from the core tables', which
other work adds to.
"""

from __future__ import annotations

from tui.server.db.migrations import Step

COMPONENT = "held"

_SHIELD_AND_QUEUE = """
CREATE TABLE IF NOT EXISTS shield_state (
    name TEXT PRIMARY KEY,
    until_at DOUBLE PRECISION,
    changed_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS shield_slow (
    user_id TEXT PRIMARY KEY,
    last_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS held_messages (
    id TEXT PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    user_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    content TEXT NOT NULL,
    attributes TEXT NOT NULL,
    sender_attributes TEXT NOT NULL,
    reason TEXT NOT NULL,
    term TEXT
);
CREATE INDEX IF NOT EXISTS held_messages_in_order ON held_messages (at, id);
CREATE INDEX IF NOT EXISTS held_messages_by_expiry ON held_messages (expires_at);
CREATE TABLE IF NOT EXISTS held_approvals (
    nonce TEXT PRIMARY KEY,
    used_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS held_approvals_by_time ON held_approvals (used_at);
CREATE TABLE IF NOT EXISTS held_approved (
    id {auto_id},
    message_id TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
)
"""
# shield_state: one row ('room'); on while now < until_at. A past until_at that is not
# NULL is an end nobody has logged yet: the instance that sets it to NULL logs it.
# shield_slow: each viewer's last message let through while shield mode is on.
# held_messages: the queue; attributes and sender_attributes are JSON objects, the
# message's own and its sender's token's, so an approval sends it as it was.
# held_approvals: the approval markers spent, so each is good for one message.
# held_approved: the room's ids of approved messages, in order, for the moderators' news
# (every moderator's TUI marks them); kept an hour.

STEPS: tuple[Step, ...] = (Step("shield mode and the held queue", _SHIELD_AND_QUEUE),)
