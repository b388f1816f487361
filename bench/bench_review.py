"""The message review's decision (`POST /api/review`): how long the app server takes to
answer IVS about one message, at the room's highest rate, on SQLite and on Postgres.

`ivs-chat-tui serve --aws --create --endpoint-url` in a child process
(tests/server/serve_process.py), on SQLite in its data dir, then on a throwaway Postgres
with its default durability (tests/postgres.py); the local IVS stack runs here. The room
holds `IDENTITIES` viewers (made through the token endpoint, a tenth of them banned and a
tenth timed out) and a blocked-terms list of `TERMS` words and `PATTERNS` patterns.

The load is what the Lambda forwarder sends: signed calls on kept-open connections, open
loop at `RATE` a second for `SECONDS` (a slow answer does not slow the sending), each
from one of the identities in turn (so no flood starts: each sends far below the limit),
one in `BLOCKED_EVERY` carrying a blocked term. The figure is the time from sending a
call to reading its answer (signature check, standing query, terms, flood upsert, JSON,
HTTP over loopback), p50 and p99 in ms; the target is p99 <= 20 ms.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.bench_history import _ms
from tests.postgres import running_postgres
from tests.server.serve_process import start_serve
from tui.common.review_signature import SIGNATURE_HEADER, sign
from tui.emulator import Emulator, EmulatorConfig

RATE = 100
SECONDS = 20.0
IDENTITIES = 500
TERMS = 200
PATTERNS = 10
BLOCKED_EVERY = 20
SECRET = "bench-review-secret-0123456789"
UNLIMITED = {
    "token_burst": 1_000_000,
    "token_rate_per_minute": 60_000_000,
    "wrong_key_burst": 1_000_000,
    "review_secret": SECRET,
}
KEY = "bench-broadcaster-key"


async def _people(http: aiohttp.ClientSession, url: str) -> list[str]:
    """The room's viewers, a tenth banned and a tenth timed out; its blocked terms."""
    auth = {"Authorization": f"Bearer {KEY}"}
    async with http.post(url + "/api/chat/token", json={"displayName": "Host"}, headers=auth):
        pass
    users = []
    for n in range(IDENTITIES):
        async with http.post(url + "/api/chat/token", json={"displayName": f"v{n:05d}"}) as r:
            users.append((await r.json())["userId"])
    for n, user in enumerate(users):
        action = {1: "ban", 2: "timeout"}.get(n % 10)
        if action:
            body = {"action": action, "userId": user}
            async with http.post(url + "/api/moderation/actions", json=body, headers=auth) as r:
                assert r.status == 200, await r.text()
    terms = [f"blocked{n}" for n in range(TERMS)] + [f"re:sp[a4]+m{n}" for n in range(PATTERNS)]
    async with http.put(
        url + "/api/moderation/settings", json={"blockedTerms": terms}, headers=auth
    ) as r:
        assert r.status == 200, await r.text()
    return users


async def _load(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        users = await _people(http, url)
        samples: list[float] = []
        verdicts: dict[str, int] = {}

        async def one(n: int) -> None:
            content = f"message {n} blocked{n % TERMS}" if n % BLOCKED_EVERY == 0 else f"hi {n}"
            body = json.dumps(
                {
                    "Content": content,
                    "MessageId": f"m{n:011d}",
                    "RoomArn": "arn:aws:ivschat:us-east-1:000000000000:room/bench",
                    "Attributes": {},
                    "Sender": {
                        "UserId": users[n % len(users)],
                        "Attributes": {"role": "viewer"},
                        "Ip": "203.0.113.7",
                    },
                }
            ).encode()
            started = time.perf_counter()
            headers = {SIGNATURE_HEADER: sign(SECRET, body, time.time())}
            async with http.post(url + "/api/review", data=body, headers=headers) as resp:
                answer = await resp.json()
            samples.append(time.perf_counter() - started)
            key = answer.get("Attributes", {}).get("Reason", answer.get("ReviewResult"))
            verdicts[key] = verdicts.get(key, 0) + 1

        tasks = []
        began = time.perf_counter()
        for n in range(int(RATE * SECONDS)):
            await asyncio.sleep(max(0.0, began + n / RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return {**_ms(samples), "verdicts": verdicts}


async def _measure(database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(EmulatorConfig()) as emu:
            settings = {**UNLIMITED, "broadcaster_key": KEY}
            server = await start_serve(emu.url, Path(tmp), database_url, settings)
            try:
                return await _load(server.url)
            finally:
                await server.stop()


def sqlite() -> dict[str, Any]:
    figures = asyncio.run(_measure(None))
    return {
        "review_decision_p50_ms": figures["p50_ms"],
        "review_decision_p99_ms": figures["p99_ms"],
        "review_verdicts": figures["verdicts"],
    }


def postgres() -> dict[str, Any]:
    with running_postgres() as pg:
        url = pg.new_database()
        figures = asyncio.run(_measure(url))
    return {
        "review_decision_pg_p50_ms": figures["p50_ms"],
        "review_decision_pg_p99_ms": figures["p99_ms"],
        "review_verdicts_pg": figures["verdicts"],
    }


def run() -> dict[str, Any]:
    return {**sqlite(), **postgres()}


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
