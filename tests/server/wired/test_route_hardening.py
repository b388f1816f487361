"""The moderation routes keep the app server's defences: a stalled body is cut off with
408, a huge one refused, and only wrong keys (401) cost the address its budget."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

from tests.server.wired.helpers import WAIT, api, local_server


async def _raw(url: str, request: bytes) -> bytes:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(request)
    try:
        return await asyncio.wait_for(reader.read(), WAIT)
    finally:
        writer.close()


async def test_a_stalled_settings_body_gets_408(tmp_path: Path) -> None:
    async with await local_server(
        tmp_path / "data", body_seconds=0.5, header_seconds=0.5
    ) as server:
        answer = await _raw(
            server.url,
            b"PUT /api/moderation/settings HTTP/1.1\r\nHost: x\r\n"
            + f"Authorization: Bearer {server.broadcaster_key}\r\n".encode()
            + b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"blockedTerms":',
        )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert "did not arrive in time" in json.loads(body)["message"]


async def test_wrong_keys_cost_the_budget_and_refusals_do_not(tmp_path: Path) -> None:
    async with (
        await local_server(tmp_path / "data", wrong_key_burst=2) as server,
        api(server) as client,
    ):
        viewer = await client.grant("Viewer")
        # A viewer's right key refused for what it asks: 403, as often as it likes.
        for _ in range(4):
            status, _ = await client.call("GET", "/api/moderation/log", viewer["sessionKey"])
            assert status == 403
        # Wrong keys: two, then 429 before the key is looked at.
        for _ in range(2):
            assert (await client.call("GET", "/api/moderation/log", "guess"))[0] == 401
        status, answer = await client.call("GET", "/api/moderation/log", server.broadcaster_key)
        assert status == 429 and "too many wrong keys" in answer["message"]
        status, _ = await client.call("GET", "/api/chat/history", "guess")
        assert status == 429


async def test_a_huge_body_is_refused_in_words(tmp_path: Path) -> None:
    async with await local_server(tmp_path / "data") as server, api(server) as client:
        huge = {"blockedTerms": ["x" * 100] * 12_000}
        status, answer = await client.call(
            "PUT", "/api/moderation/settings", server.broadcaster_key, huge
        )
    assert status == 413 and "too large" in answer["message"]
