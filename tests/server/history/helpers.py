"""Frames and a store with a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.ivs.protocol import MessageFrame, Sender
from tui.server.db import DatabaseTarget
from tui.server.history.store import HistoryStore

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = T0) -> None:
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def msg_id(n: int) -> str:
    return f"msg{n:09d}"


def frame(n: int, *, at: datetime | None = None, sender: str = "viewer-1") -> MessageFrame:
    """Message n, sent n ms after T0 unless `at` says otherwise."""
    return MessageFrame(
        id=msg_id(n),
        request_id=f"req-{n}",
        content=f"message {n}",
        attributes={"n": str(n)},
        sender=Sender(user_id=sender, attributes={"username": sender, "role": "viewer"}),
        send_time=at or T0 + timedelta(milliseconds=n),
    )


def open_store(where: Path | DatabaseTarget, clock: Clock, **kwargs: object) -> HistoryStore:
    """The history in a data dir (SQLite), or where `where` says (either engine)."""
    if isinstance(where, DatabaseTarget):
        return HistoryStore(where.open_history(), clock=clock, **kwargs)  # type: ignore[arg-type]
    return HistoryStore(where, clock=clock, **kwargs)  # type: ignore[arg-type]


def ids(frames_json: tuple[str, ...]) -> list[str]:
    return [MessageFrame.model_validate_json(raw).id for raw in frames_json]
