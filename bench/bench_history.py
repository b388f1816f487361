"""History: a 1,000-message fetch (p99) and inserts at 100 msg/s with retention on.

Both run on a real history file (`tui.server.history.store.HistoryStore`) in a temporary
directory, holding the default 10,000 messages: a full store, so every insert also evicts
the oldest. Frames are shaped as the emulator makes them (display names, a few words).

- `fetch()`: `history(store, after=<Id 1,000 from the end>, limit=1000).to_json()`, the
  route's whole work short of HTTP, and the newest-page form the TUI uses on join; plus
  `parse_history_page` of that body, the TUI's side.
- `inserts()`: the keeper's write path (`add_message`) under a clock that moves 10 ms per
  message, i.e. 100 msg/s of room time without waiting for it, with the default bounds
  and with an age bound that binds (60 s: 6,000 messages); the periodic checkpoint runs
  every 5 s of room time, outside the timing, as the server runs it in a worker thread.
  `headroom` is how many times 100 msg/s one core sustains.

`run()` returns the figures for bench/__main__.py (not registered there yet).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tui.ivs.protocol import MessageFrame, Sender, new_id
from tui.server.history.query import history
from tui.server.history.store import DEFAULT_MAX_MESSAGES, HistoryStore
from tui.server.models import parse_history_page

PAGE = 1000
FETCHES = 300
RATE = 100  # msg/s, IVS's highest room rate
INSERTS = 6_000
_LINES = ["gg", "what a play!", "hello from the terminal 👋", "lol " * 8, "is this live?"]
_SENDERS = [
    Sender(user_id=f"viewer-{i}", attributes={"username": f"Viewer {i}", "role": "viewer"})
    for i in range(50)
]


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now


def _frame(i: int, at: datetime) -> MessageFrame:
    return MessageFrame(
        id=new_id(),
        request_id=f"{i:036d}",
        content=f"{_LINES[i % len(_LINES)]} #{i}",
        sender=_SENDERS[i % len(_SENDERS)],
        send_time=at,
    )


def _fill(store: HistoryStore, clock: _Clock, count: int, start: datetime) -> list[str]:
    ids: list[str] = []
    for i in range(count):
        at = start + timedelta(seconds=i / RATE)
        clock.now = at.timestamp()
        frame = _frame(i, at)
        store.add_message(frame)
        ids.append(frame.id)
    store.checkpoint()
    return ids


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
    }


def fetch(fetches: int = FETCHES) -> dict[str, Any]:
    """p50/p99 of a 1,000-message history fetch from a full store, in ms."""
    start = datetime.now(UTC) - timedelta(hours=1)
    clock = _Clock(start)
    with tempfile.TemporaryDirectory() as tmp:
        store = HistoryStore(Path(tmp), clock=clock)
        ids = _fill(store, clock, DEFAULT_MAX_MESSAGES, start)
        store.coverage.recording(int(start.timestamp() * 1_000_000))
        after = ids[-PAGE - 1]
        by_id, newest, parse = [], [], []
        body = ""
        for _ in range(fetches):
            t0 = time.perf_counter()
            body = history(store, after, PAGE).to_json()
            t1 = time.perf_counter()
            history(store, None, PAGE).to_json()
            t2 = time.perf_counter()
            page = parse_history_page(body)
            t3 = time.perf_counter()
            by_id.append(t1 - t0)
            newest.append(t2 - t1)
            parse.append(t3 - t2)
        assert len(page.messages) == PAGE and page.complete, "the bench fetched a short page"
        store.close()
    return {
        "history_fetch_1000": _ms(by_id),
        "history_fetch_1000_newest": _ms(newest),
        "history_parse_1000_client": _ms(parse),
        "history_page_bytes": len(body.encode()),
    }


def _insert_run(max_age_seconds: float, count: int) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(hours=2)
    clock = _Clock(start)
    with tempfile.TemporaryDirectory() as tmp:
        store = HistoryStore(Path(tmp), clock=clock, max_age_seconds=max_age_seconds)
        _fill(store, clock, DEFAULT_MAX_MESSAGES, start)  # full: every insert evicts
        begin = start + timedelta(seconds=DEFAULT_MAX_MESSAGES / RATE)
        frames = [_frame(i, begin + timedelta(seconds=i / RATE)) for i in range(count)]
        samples: list[float] = []
        for i, frame in enumerate(frames):
            clock.now = frame.send_time.timestamp()
            t0 = time.perf_counter()
            store.add_message(frame)
            samples.append(time.perf_counter() - t0)
            if i % (5 * RATE) == 0:
                store.checkpoint()  # a worker thread's job in the server: not timed
        kept = store.count()
        store.close()
    busy = sum(samples)
    return {
        "per_insert_p50_us": round(statistics.median(samples) * 1e6, 1),
        "per_insert_p99_us": round(sorted(samples)[int(len(samples) * 0.99) - 1] * 1e6, 1),
        "inserts_per_s": round(len(samples) / busy),
        "headroom": round(len(samples) / busy / RATE),
        "kept": kept,
    }


def inserts(count: int = INSERTS) -> dict[str, Any]:
    """Inserts at 100 msg/s of room time into a full store, retention on."""
    return {
        "history_insert_default_bounds": _insert_run(24 * 3600, count),
        "history_insert_age_bound_60s": _insert_run(60, count),
    }


def run() -> dict[str, Any]:
    return {**fetch(), **inserts()}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
