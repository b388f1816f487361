"""The app server on Postgres: chat tokens issued per second by
one instance and by two, and the history fetch p99 on Postgres.

A throwaway PostgreSQL with its default durability (fsync, synchronous commit: what a
deployment runs; tests/postgres.py) on loopback, and the local IVS stack in this process.

- `tokens()`: one, then two, `ivs-chat-tui serve --aws --create --endpoint-url
  --database-url` child processes (tests/server/serve_process.py) on one fresh database;
  `CLIENTS` concurrent clients here ask `POST /api/chat/token` for new viewers (each a new
  identity: an identity insert, the name check, the address noted, CreateChatToken on
  the stack, the token recorded) for `SECONDS`, spread over the instances in turn. The
  figure is answers (all 200) per second, and the instances' own CPU per answer (from
  /proc: the load on the machine moves it far less than the rate; the Postgres server's
  and the stack's CPU are not in it); one instance on SQLite is measured in the same run
  for scale. The per-address budget is lifted: every
  client is 127.0.0.1. The stack (here) and the instances share the machine's cores, so
  two instances gain only what the cores left allow; the lead re-measures on a quiet one.
- `history()`: bench_history's fetch (1,000 messages after an id, and the newest 1,000,
  from a full 10,000-message store) on Postgres, with the SQLite figure measured in the
  same run beside it for scale.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.bench_history import PAGE, _Clock, _fill, _ms
from bench.bench_history import fetch as sqlite_fetch
from tests.postgres import running_postgres
from tests.server.serve_process import ServeProcess, start_serve
from tui.emulator import Emulator, EmulatorConfig
from tui.server.db import Database
from tui.server.history.query import history
from tui.server.history.store import DEFAULT_MAX_MESSAGES, HistoryStore

CLIENTS = 32
SECONDS = 8.0
FETCHES = 200
UNLIMITED = {
    "token_burst": 1_000_000,
    "token_rate_per_minute": 60_000_000,
    "wrong_key_burst": 1_000_000,
}


_NAMES = itertools.count()
"""Every request is a new viewer, across runs too (a name asked again is taken)."""


async def _load(urls: list[str], seconds: float) -> dict[str, Any]:
    names = _NAMES
    answers: dict[str, Any] = {"ok": 0, "refused": 0, "why": {}}
    deadline = time.perf_counter() + seconds
    turn = itertools.cycle(urls)

    async def client(http: aiohttp.ClientSession) -> None:
        while time.perf_counter() < deadline:
            body = {"displayName": f"viewer{next(names):07d}"}
            async with http.post(next(turn) + "/api/chat/token", json=body) as resp:
                text = await resp.text()
                if resp.status == 200:
                    answers["ok"] += 1
                else:
                    answers["refused"] += 1
                    why = f"{resp.status} {text[:120]}"
                    answers["why"][why] = answers["why"].get(why, 0) + 1

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
    took = time.perf_counter() - started
    return {"per_s": round(answers["ok"] / took, 1), **answers}


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


async def _measure(instances: list[ServeProcess]) -> dict[str, Any]:
    """Warm up, then the timed load; with the instances' own CPU per token answered,
    which the machine's load moves far less than the rate."""
    urls = [i.url for i in instances]
    pids = [i.process.pid for i in instances]
    await _load(urls, 1.0)  # warm up: connections, caches
    cpu = _cpu_seconds(pids)
    run = await _load(urls, SECONDS)
    used = _cpu_seconds(pids) - cpu
    run["cpu_ms_per_token"] = round(used * 1000 / run["ok"], 2) if run["ok"] else 0.0
    return run


async def _tokens() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with running_postgres(durable=True) as pg, tempfile.TemporaryDirectory() as tmp:
        async with Emulator(EmulatorConfig()) as emulator:
            for count in (1, 2):
                url = pg.new_database()
                instances: list[ServeProcess] = []
                try:
                    for n in range(count):
                        data = Path(tmp) / f"{count}-{n}"
                        instances.append(await start_serve(emulator.url, data, url, UNLIMITED))
                    run = await _measure(instances)
                finally:
                    for instance in instances:
                        await instance.stop()
                figures[f"pg_tokens_per_s_{count}_instance{'s' if count > 1 else ''}"] = run[
                    "per_s"
                ]
                figures[f"pg_tokens_{count}_refused"] = run["refused"]
                figures[f"pg_token_cpu_ms_{count}_instance{'s' if count > 1 else ''}"] = run[
                    "cpu_ms_per_token"
                ]
                figures[f"_pg_tokens_{count}_refusals"] = run["why"]
            # For scale, in the same run: one instance on SQLite in its data dir.
            sqlite = await start_serve(emulator.url, Path(tmp) / "sqlite", None, UNLIMITED)
            try:
                run = await _measure([sqlite])
                figures["sqlite_tokens_per_s_1_instance_same_run"] = run["per_s"]
                figures["sqlite_token_cpu_ms_same_run"] = run["cpu_ms_per_token"]
            finally:
                await sqlite.stop()
    one, two = figures["pg_tokens_per_s_1_instance"], figures["pg_tokens_per_s_2_instances"]
    figures["pg_tokens_two_vs_one"] = round(two / one, 2) if one else 0.0
    return figures


def tokens() -> dict[str, Any]:
    return asyncio.run(_tokens())


def history_fetch(fetches: int = FETCHES) -> dict[str, Any]:
    """p50/p99 of a 1,000-message history fetch from a full store on Postgres, in ms."""
    start = datetime.now(UTC) - timedelta(hours=1)
    clock = _Clock(start)
    with running_postgres(durable=True) as pg:
        db = Database.open_postgres(pg.new_database())
        store = HistoryStore(db, clock=clock)
        db.execute("SET synchronous_commit TO off")  # only to fill it quickly
        ids = _fill(store, clock, DEFAULT_MAX_MESSAGES, start)
        db.execute("SET synchronous_commit TO on")
        db.execute("ANALYZE")
        store.coverage.recording(int(start.timestamp() * 1_000_000))
        after = ids[-PAGE - 1]
        by_id, newest = [], []
        for _ in range(fetches):
            t0 = time.perf_counter()
            page = history(store, after, PAGE)
            page.to_json()
            t1 = time.perf_counter()
            history(store, None, PAGE).to_json()
            t2 = time.perf_counter()
            by_id.append(t1 - t0)
            newest.append(t2 - t1)
        assert len(page.messages_json) == PAGE and page.complete, "a short page"
        store.close()
    sqlite = sqlite_fetch(fetches)
    return {
        "pg_history_fetch_1000_p99_ms": _ms(by_id)["p99_ms"],
        "pg_history_fetch_1000_p50_ms": _ms(by_id)["p50_ms"],
        "pg_history_fetch_1000_newest_p99_ms": _ms(newest)["p99_ms"],
        "sqlite_history_fetch_1000_p99_ms_same_run": sqlite["history_fetch_1000"]["p99_ms"],
    }


def run() -> dict[str, Any]:
    return {**history_fetch(), **tokens()}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
