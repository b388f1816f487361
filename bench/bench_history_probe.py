"""The history route under the memory probe: a history of 1,000 messages at their field
bounds (content and attributes all control characters, so each is about 9 KB as JSON),
then 100 identities each asking for `?limit=1000` on a connection that never reads.

Measured in a real `serve` process (its RSS from /proc): the growth from before the probe
to the highest point while the 100 requests hang. Before the byte bound and the write
deadline, each hanging request held its 9 MB page: about +1.5 GB.

    .venv/bin/python -m bench.bench_history_probe
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from tests.server.serve_process import start_serve
from tui.emulator import Emulator, EmulatorConfig
from tui.ivs.protocol import MessageFrame, Sender
from tui.server.history.store import HistoryStore

MESSAGES = 1_000
CLIENTS = 100
WATCH_SECONDS = 12.0


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _fill(data_dir: Path) -> None:
    """The worst history a viewer can leave: every field at its bound, all escapes."""
    store = HistoryStore(data_dir)
    controls = "".join(chr(c) for c in range(1, 32)) * 17
    attributes = {f"k{i}": "\x01" * 90 for i in range(10)}  # about 1 KB, as IVS allows
    start = datetime.now(UTC) - timedelta(seconds=MESSAGES)
    for n in range(MESSAGES):
        store.add_message(
            MessageFrame(
                id=f"probe{n:07d}",
                request_id=f"r{n}",
                content=controls[:500],
                attributes=attributes,
                sender=Sender(user_id=f"flooder-{n % 7}", attributes=attributes),
                send_time=start + timedelta(seconds=n),
            )
        )
    store.close()


async def _hang(url: str, key: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"GET /api/chat/history?limit=1000 HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {key}\r\n\r\n".encode()
    )
    await writer.drain()
    return reader, writer


async def _probe() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        _fill(data_dir)
        async with Emulator(EmulatorConfig()) as emulator:
            serve = await start_serve(
                emulator.url, data_dir, None, {"token_burst": 1000, "wrong_key_burst": 1000}
            )
            try:
                pid = serve.process.pid
                async with aiohttp.ClientSession() as http:
                    keys = []
                    for n in range(CLIENTS):
                        async with http.post(
                            serve.url + "/api/chat/token", json={"displayName": f"Probe{n}"}
                        ) as answer:
                            keys.append((await answer.json())["sessionKey"])
                    # One read of the full page first, so the baseline has it warm.
                    async with http.get(
                        serve.url + "/api/chat/history?limit=1000",
                        headers={"Authorization": f"Bearer {keys[0]}"},
                    ) as answer:
                        page = await answer.read()
                before = _rss_mb(pid)
                hanging = [await _hang(serve.url, key) for key in keys]
                peak = before
                ends = time.monotonic() + WATCH_SECONDS
                while time.monotonic() < ends:
                    peak = max(peak, _rss_mb(pid))
                    await asyncio.sleep(0.1)
                for _, writer in hanging:
                    writer.close()
            finally:
                await serve.stop()
    return {
        "history_probe_rss_growth_mb": round(peak - before, 1),
        "history_probe_page_kb": round(len(page) / 1024),
    }


def run() -> dict[str, Any]:
    return asyncio.run(_probe())


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
