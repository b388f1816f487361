"""The history tables (tui/server/history/): the numbered steps `migrate` applies.
Never edit a step that has shipped; add one.

Times are epoch microseconds. `frame` is `MessageFrame.to_json()`. A deletion's
message_*_us say where the deleted message sat, so `after=<its id>` still finds its place
once the message is gone.
"""

from __future__ import annotations

from tui.server.db.migrations import Step

COMPONENT = "history"

_MESSAGES = """
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    send_time_us BIGINT NOT NULL,
    recorded_at_us BIGINT NOT NULL,
    sender_id TEXT NOT NULL,
    frame TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_in_order ON messages (send_time_us, id);
CREATE INDEX IF NOT EXISTS messages_by_sender ON messages (sender_id, send_time_us);
CREATE TABLE IF NOT EXISTS moderation_events (
    event_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    at_us BIGINT NOT NULL,
    message_send_time_us BIGINT,
    message_recorded_at_us BIGINT
);
CREATE INDEX IF NOT EXISTS moderation_by_target ON moderation_events (target, kind);
CREATE INDEX IF NOT EXISTS moderation_by_time ON moderation_events (at_us);
CREATE TABLE IF NOT EXISTS coverage (
    start_us BIGINT NOT NULL PRIMARY KEY,
    end_us BIGINT NOT NULL,
    open SMALLINT NOT NULL CHECK (open IN (0, 1))
)
"""

_COVERAGE_PER_RECORDER = """
CREATE TABLE coverage_intervals (
    recorder TEXT NOT NULL,
    start_us BIGINT NOT NULL,
    end_us BIGINT NOT NULL,
    open SMALLINT NOT NULL CHECK (open IN (0, 1)),
    PRIMARY KEY (recorder, start_us)
);
CREATE INDEX coverage_by_end ON coverage_intervals (end_us);
INSERT INTO coverage_intervals (recorder, start_us, end_us, open)
    SELECT '', start_us, end_us, 0 FROM coverage;
DROP TABLE coverage
"""
# Several instances record the same room (tui/server/history/coverage.py): each keeps
# its own intervals, and a range is covered when their union covers it. The intervals of
# the single recorder before this step are recorder '', closed at their last heartbeat
# (what a restart did to them anyway).

STEPS: tuple[Step, ...] = (
    Step("messages and moderation events", _MESSAGES),
    Step("coverage per recorder", _COVERAGE_PER_RECORDER),
)
