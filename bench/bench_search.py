"""Search over 10,000 messages, in ms.

- `search_pure()`: `Scrollback.find` with a `SearchQuery` (text, `from:name`, both, and
  one that matches nothing, the worst case: every message looked at), what `/` + Enter
  costs before anything is drawn; p50 and p99 over repeated runs.
- `search_app()`: the same in the app, headless 120x40, with 10,000 messages shown: the
  search box's Enter (search and select the newest match) and the filter (ctrl+f: a new
  view of the matches), from the key's handler to done, p50 and p99.

`run()` returns the figures for bench/__main__.py (the perf helper registers it there).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.chat.scrollback import Entry, Scrollback
from tui.chat.search import SearchQuery
from tui.ivs.events import ChatMessage

MESSAGES = 10_000
RUNS = 50
_LINES = ["gg", "what a play!", "hello from the terminal 👋", "lol " * 8, "is this live?"]
_QUERIES = {
    "text": "what a play",
    "from": "from:viewer-7",
    "both": "from:viewer-7 play",
    "none": "no such words anywhere",
}
T0 = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def messages(count: int = MESSAGES) -> list[ChatMessage]:
    return [
        ChatMessage(
            id=f"m{i:011d}",
            content=f"{_LINES[i % len(_LINES)]} #{i}",
            sender_id=f"viewer-{i % 50}",
            sender_attributes={"username": f"viewer-{i % 50}", "role": "viewer"},
            attributes={},
            send_time=T0 + timedelta(milliseconds=10 * i),
        )
        for i in range(count)
    ]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def search_pure() -> dict[str, Any]:
    store: Scrollback[Entry] = Scrollback(MESSAGES)
    for message in messages():
        store.append(Entry(message=message))
    results: dict[str, Any] = {}
    for name, typed in _QUERIES.items():
        query = SearchQuery.parse(typed)
        assert query is not None
        samples = []
        for _ in range(RUNS):
            start = time.perf_counter()
            store.find(query.matches)
            samples.append((time.perf_counter() - start) * 1000)
        p50, p99 = _percentiles(samples)
        results[f"search_10k_{name}_p50_ms"] = round(p50, 2)
        results[f"search_10k_{name}_p99_ms"] = round(p99, 2)
    return results


async def _in_app() -> dict[str, Any]:
    from tui.app import ChatApp
    from tui.client.session import SelfIdentity
    from tui.config.settings import TuiSettings
    from tui.ivs.events import ConnectionState, StateChanged
    from tui.widgets.message_list import MessageList

    me = SelfIdentity("host", "Host", "broadcaster", "bench")
    app = ChatApp(
        identity=me,
        settings=TuiSettings.model_construct(scrollback=MESSAGES),
        clock=lambda: T0,
        tz=UTC,
        browser=lambda url: False,
    )
    finds: list[float] = []
    filters: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.deliver(StateChanged(ConnectionState.CONNECTED))
        for message in messages():
            app.deliver(message)
        await pilot.pause()
        listing = app.chat.query_one(MessageList)
        query = SearchQuery.parse(_QUERIES["both"])
        for _ in range(RUNS // 5):
            start = time.perf_counter()
            listing.search(query)
            await pilot.pause()
            finds.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            listing.filter(query)
            await pilot.pause()
            filters.append((time.perf_counter() - start) * 1000)
            listing.end_search()
            await pilot.pause()
    find_p50, find_p99 = _percentiles(finds)
    filter_p50, filter_p99 = _percentiles(filters)
    return {
        "search_app_10k_find_p50_ms": round(find_p50, 1),
        "search_app_10k_find_p99_ms": round(find_p99, 1),
        "search_app_10k_filter_p50_ms": round(filter_p50, 1),
        "search_app_10k_filter_p99_ms": round(filter_p99, 1),
    }


def search_app() -> dict[str, Any]:
    return asyncio.run(_in_app())


def run() -> dict[str, Any]:
    return {**search_pure(), **search_app()}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
