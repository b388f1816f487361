"""Nothing that came from the network reaches the operator's terminal raw: after a
hostile corpus (escape sequences, an OSC 52 clipboard write, clear-screen, CR LF and
bidi overrides, in paths, headers, names, messages and a disconnect reason sent to the
room keeper through IVS's DisconnectUser), the whole log of a real `serve` holds no raw
control character, and neither does `/healthz`.

No chat socket may disconnect anyone, so the hostile reason reaches the keeper the one way
left: a control-plane DisconnectUser (here on a local stack run apart, `serve --aws
--endpoint-url`, as anyone holding the account's keys could send it)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.app_helpers import HOSTILE
from tests.emulator.helpers import client
from tests.server.wired.helpers import Api, chat, send, until
from tui.emulator import Emulator, EmulatorConfig
from tui.server.moderation.records import KEEPER_USER_ID

ROOT = Path(__file__).parents[2]
WAIT = 60.0
FORGED = "\r\n2026-01-01 00:00:00,000 tui.server forged line"
REASON = HOSTILE + FORGED
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What must never reach a terminal raw: every control (a line's own LF aside), the line
and paragraph separators, and the bidi embeddings, overrides and isolates."""


def _banner(log: Path) -> dict[str, str]:
    give_up = time.monotonic() + WAIT
    while time.monotonic() < give_up:
        text = log.read_text(errors="replace")
        if "Ctrl-C stops the server." in text:
            found = {}
            for line in text.splitlines():
                name, colon, value = line.strip().partition(":")
                if colon and line.startswith("  "):
                    found[name.strip()] = value.strip()
            return found
        time.sleep(0.05)
    raise AssertionError(f"no banner: {log.read_text(errors='replace')[-2000:]}")


async def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    answer = await asyncio.wait_for(reader.read(), WAIT)
    writer.close()
    return answer


async def _keeper(api: Api) -> dict[str, Any]:
    async with api.http.get(api.url + "/healthz") as resp:
        return (await resp.json())["keeper"]


async def _hostile_corpus(url: str, key: str, ivs: Any, room: str) -> dict[str, Any]:
    """Throw the corpus at the server; the keeper's health once it has the reason."""
    raw_hostile = HOSTILE.encode()
    for request in (
        b"GET /api/" + raw_hostile + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/%1b%5d52%3bc%3baGk%3d%07%0d%0aforged HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n",
        b"GET /multihost/realtime/%1b%5b2J?code=%1b HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n",
        b"POST /api/multihost/invite HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: Bearer " + raw_hostile + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\n\r\n{}",
        b"POST /api/chat/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: " + raw_hostile + b"\r\nContent-Length: 2\r\n\r\n{}",
    ):
        await _raw(url, request)
    async with aiohttp.ClientSession() as http:
        api = Api(url, http)
        status, _ = await api.token(HOSTILE)  # a name that is refused
        assert status == 400
        await api.call("PUT", "/api/moderation/settings", key, {"blockedTerms": [HOSTILE, "scam"]})
        await api.call("GET", "/api/moderation/users/" + HOSTILE, key)
        host = await api.grant("Host", key=key)
        eve = await api.grant("Eve")
        await api.act(key, action="timeout", userId=eve["userId"], reason=REASON[:200])
        async with chat(host) as ws:
            await send(ws, "scam " + HOSTILE)
            await asyncio.to_thread(
                ivs.disconnect_user, roomIdentifier=room, userId=KEEPER_USER_ID, reason=REASON
            )
            await until(ws, Type="EVENT", EventName="aws:DISCONNECT_USER")
        give_up = time.monotonic() + WAIT
        while "52;c;" not in str((keeper := await _keeper(api)).get("lastError")):
            assert time.monotonic() < give_up, keeper
            await asyncio.sleep(0.05)
        return keeper


async def test_the_whole_server_log_holds_no_raw_control_character(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    async with Emulator(EmulatorConfig()) as stack:
        argv = ["serve", "--aws", "--create", "--endpoint-url", stack.url]
        argv += ["--region", "us-east-1", "--port", "0", "--data-dir", str(tmp_path / "data")]
        env = {k: v for k, v in os.environ.items() if not k.startswith("IVS_CHAT_TUI_")}
        env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        with log.open("wb") as out:
            serve = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "tui.cli.main", *argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env=env,
            )
        try:
            banner = await asyncio.to_thread(_banner, log)
            keeper = await _hostile_corpus(
                banner["URL"],
                banner["Broadcaster key"].split()[0],
                client("ivschat", stack, client_validation=False),
                banner["Room"],
            )
        finally:
            serve.send_signal(signal.SIGTERM)
            await asyncio.wait_for(serve.wait(), WAIT)
    # /healthz answers anyone: the reason, escaped, with nothing raw once decoded.
    assert RAW.search(keeper["lastError"]) is None, keeper
    assert "\\x1b]52;c;aGk=\\x07" in keeper["lastError"]
    text = log.read_bytes().decode("utf-8", errors="replace")
    raw = [(n, line) for n, line in enumerate(text.split("\n"), 1) if RAW.search(line)]
    assert raw == [], raw[:5]
    keeper_lines = [line for line in text.split("\n") if "room keeper: " in line]
    assert any(
        "\\x1b]52;c;aGk=\\x07" in line and "\\r\\n2026-01-01" in line for line in keeper_lines
    ), keeper_lines
    assert (
        "forged line" in text and "\nforged" not in text and "\n2026-01-01 00:00:00,000" not in text
    )
