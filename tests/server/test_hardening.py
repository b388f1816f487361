"""Attacks on the app server, replayed over real sockets: each fails safely."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import stat
from pathlib import Path

import aiohttp
import pytest

from tests.server.conftest import start_aws_server
from tui.client.app_server import AppServerClient
from tui.emulator import Emulator
from tui.server.boot.broadcaster_key import BROADCASTER_KEY_FILE
from tui.server.boot.startup import (
    RunningServer,
    start_local_stack,
    start_server,
)
from tui.server.settings import ServerSettings
from tui.server.store import DB_FILE_NAME
from tui.server.web.http import AUTH_FAILURE_BURST

SERVER_LOG = "tui.server"


async def raw_request(url: str, request: bytes, *, hang_up: bool = False) -> bytes:
    """Send `request` as is on a fresh TCP connection; the answer, or b"" after hanging up."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        if hang_up:
            return b""
        return await reader.read()
    finally:
        writer.close()


def server_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == SERVER_LOG]


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/multihost/%1b%5d52;c;UFdORUQ=%07/x?code=1", "\\x1b]52;c;UFdORUQ=\\x07"),
        ("/%1b%5b2J%1b%5b3J", "/\\x1b[2J\\x1b[3J"),
        ("/api/%0a2026-12-01%20tui.server%20GET%20/healthz%20200", "/api/\\n2026-12-01 tui"),
    ],
)
async def test_escape_codes_in_paths_reach_the_log_escaped(
    local: RunningServer, caplog: pytest.LogCaptureFixture, path: str, shown: str
) -> None:
    caplog.set_level(logging.INFO, logger=SERVER_LOG)
    answer = await raw_request(
        local.url, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.1 4")
    lines = [r.getMessage() for r in server_lines(caplog)]
    assert any(shown in line for line in lines), lines
    for line in lines:
        assert "\x1b" not in line and "\x07" not in line and "\n" not in line


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /\x1b]52;c;UFdORUQ=\x07 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \x1b[2J\x1b[3J\r\n\r\n",
        b"\x1b[2J / HTTP/1.1\r\n\r\n",
    ],
)
async def test_raw_escape_codes_reach_no_log_raw(
    local: RunningServer, caplog: pytest.LogCaptureFixture, request_bytes: bytes
) -> None:
    """Unencoded, aiohttp refuses them (400) and its own log shows them escaped."""
    caplog.set_level(logging.DEBUG)
    answer = await raw_request(local.url, request_bytes)
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400")
    assert "\x1b" not in caplog.text and "\x07" not in caplog.text


async def test_a_bearer_key_that_is_not_utf8_is_a_401_counted_against_the_budget(
    local: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SERVER_LOG)
    body = b'{"userId": "someone"}'
    request = (
        b"POST /api/multihost/invite HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: Bearer \xff\xfe\xc3\x28\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    answers = [await raw_request(local.url, request) for _ in range(AUTH_FAILURE_BURST + 1)]
    head, _, text = answers[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401")
    assert "not UTF-8 text" in json.loads(text)["message"]
    assert answers[-1].startswith(b"HTTP/1.1 429")  # the budget ran out
    records = server_lines(caplog)
    assert [r.exc_info for r in records if r.exc_info] == []  # no traceback
    assert sum("POST /api/multihost/invite 401" in r.getMessage() for r in records) == (
        AUTH_FAILURE_BURST
    )


async def test_a_session_key_with_a_lone_surrogate_is_refused(local: RunningServer) -> None:
    body = b'{"displayName": "Al", "sessionKey": "\\ud800"}'
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            local.url + "/api/chat/token", data=body, headers={"Content-Type": "application/json"}
        ) as resp,
    ):
        assert resp.status == 400
        assert "sessionKey" in (await resp.json())["message"]


async def test_a_client_that_hangs_up_mid_body_gets_no_traceback(
    local: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    request = (
        b"POST /api/chat/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"displayName": "Al'
    )
    logged = asyncio.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "POST /api/chat/token" in record.getMessage():
                logged.set()

    watch = Watch()
    logging.getLogger(SERVER_LOG).addHandler(watch)
    try:
        await raw_request(local.url, request, hang_up=True)
        await asyncio.wait_for(logged.wait(), 10)  # a safety net, not a timing
    finally:
        logging.getLogger(SERVER_LOG).removeHandler(watch)
    line = next(r for r in server_lines(caplog) if "POST /api/chat/token" in r.getMessage())
    assert line.getMessage().endswith(" 400")
    assert [r for r in caplog.records if r.exc_info] == []


def _token_claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@pytest.mark.parametrize("mode", ["local", "aws"])
async def test_a_revoked_invite_does_not_get_on_stage(
    mode: str, emulator: Emulator, tmp_path: Path
) -> None:
    if mode == "local":
        server = await start_local_stack(port=0, data_dir=tmp_path / "data")
    else:
        server = await start_aws_server(emulator, tmp_path / "data")
    stage_url = emulator.url if mode == "aws" else server.url
    async with (
        server,
        AppServerClient(server.url, broadcaster_key=server.broadcaster_key) as host,
        AppServerClient(server.url) as viewer,
        aiohttp.ClientSession() as http,
    ):
        await host.chat_token("Host")
        alice = await viewer.chat_token("Alice")
        invite = await host.invite(alice.user_id)
        redemption = await viewer.redeem(invite.invite_id)
        # Short-lived: the token lives as long as its invite, ten minutes.
        claims = _token_claims(redemption.participant_token)
        assert int(str(claims["exp"])) - int(str(claims["iat"])) <= 10 * 60
        # Revoked before she ever joined...
        key = {"Authorization": f"Bearer {server.broadcaster_key}"}
        body = {"userId": alice.user_id}
        async with http.post(server.url + "/api/multihost/disconnect", json=body, headers=key) as r:
            result = await r.json()
        assert (result["revokedInvites"], result["removedFromStage"]) == (1, 0)
        auth = {"Authorization": f"Bearer {redemption.participant_token}"}
        # ...her token joins neither through the app server nor the stack itself.
        async with http.post(server.url + "/api/multihost/stage/join", headers=auth) as r:
            assert r.status == 410
        async with http.post(stage_url + "/_local/stage/join", headers=auth) as r:
            assert r.status == 403
            assert "disconnected from the stage" in await r.text()
        participants = await server.service.control.list_participants(server.stage_arn)
        assert [p for p in participants if p.user_id == alice.user_id] == []
        # And the server no longer keeps the token.
        assert server.service.store.invites_of(alice.user_id)[0].participant_token == ""


async def test_a_used_token_is_dropped_and_a_new_redeem_gets_a_new_one(
    local: RunningServer,
) -> None:
    async with (
        AppServerClient(local.url, broadcaster_key=local.broadcaster_key) as host,
        AppServerClient(local.url) as viewer,
        aiohttp.ClientSession() as http,
    ):
        await host.chat_token("Host")
        bob = await viewer.chat_token("Bob")
        invite = await host.invite(bob.user_id)
        first = await viewer.redeem(invite.invite_id)
        async with http.get(first.join_url) as page:
            assert page.status == 200
        # Handed out twice (redeem, the page), it is no longer kept...
        assert local.service.store.invite(invite.invite_id).participant_token == ""
        # ...yet it still works with the app server, which knows it by its hash.
        auth = {"Authorization": f"Bearer {first.participant_token}"}
        async with http.post(local.url + "/api/multihost/stage/join", headers=auth) as r:
            assert r.status == 200
        # Opening the invitation again mints a new participant.
        second = await viewer.redeem(invite.invite_id)
        assert second.participant_token not in ("", first.participant_token)
        assert second.participant_id != first.participant_id
        async with http.get(second.join_url) as page:
            assert page.status == 200
        # A revoke disconnects both: neither token joins the stage again.
        await host.disconnect(bob.user_id)
        for token in (first.participant_token, second.participant_token):
            headers = {"Authorization": f"Bearer {token}"}
            async with http.post(local.url + "/_local/stage/join", headers=headers) as r:
                assert r.status == 403


async def test_database_files_are_private_whatever_the_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    async with (
        await start_local_stack(port=0, data_dir=data) as server,
        AppServerClient(server.url) as viewer,
    ):
        await viewer.chat_token("Alice")  # a write: the WAL is in use
        names = [DB_FILE_NAME, DB_FILE_NAME + "-wal", DB_FILE_NAME + "-shm"]
        modes = {name: stat.S_IMODE((data / name).stat().st_mode) for name in names}
        assert modes == dict.fromkeys(names, 0o600)
        assert stat.S_IMODE((data / BROADCASTER_KEY_FILE).stat().st_mode) == 0o600


async def test_the_generated_broadcaster_key_is_kept_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with await start_local_stack(port=0, data_dir=data) as first:
        key = first.broadcaster_key
    assert (data / BROADCASTER_KEY_FILE).read_text().strip() == key
    async with (
        await start_local_stack(port=0, data_dir=data) as second,
        AppServerClient(second.url, broadcaster_key=key) as host,
    ):
        assert second.broadcaster_key == key
        assert (await host.chat_token("Host")).role == "broadcaster"
    # A key given in the settings wins, and the kept one stays for the next plain start.
    async with await start_local_stack(port=0, data_dir=data, broadcaster_key="given-key") as s:
        assert s.broadcaster_key == "given-key"
    assert (data / BROADCASTER_KEY_FILE).read_text().strip() == key


async def _open(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return await asyncio.open_connection(host, int(port))


SAFETY = 30.0
"""A safety net only: what the server must close is waited for, never timed."""


async def test_stalled_headers_and_bodies_are_cut_off(tmp_path: Path) -> None:
    settings = ServerSettings(
        mode="local", port=0, data_dir=tmp_path, header_seconds=0.5, body_seconds=0.5
    )
    async with await start_server(settings) as server:
        reader, writer = await _open(server.url)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")  # and then nothing
        assert await asyncio.wait_for(reader.read(), SAFETY) == b""  # closed by the server
        writer.close()
        request = (
            b"POST /api/chat/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"displayName":'
        )
        reader, writer = await _open(server.url)
        writer.write(request)
        answer = await asyncio.wait_for(reader.read(), SAFETY)
        writer.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408")
        assert "did not arrive in time" in json.loads(body)["message"]


async def test_slow_connections_per_address_are_bounded(tmp_path: Path) -> None:
    settings = ServerSettings(
        mode="local", port=0, data_dir=tmp_path, header_seconds=120, slow_connections_per_address=3
    )
    async with await start_server(settings) as server:
        # The room keeper connects over loopback too: once it is in, its connections
        # are not waiting for headers, and the three below are the only ones that are.
        assert server.service.moderation is not None and server.service.moderation.keeper
        await asyncio.wait_for(server.service.moderation.keeper.wait_live(), SAFETY)
        held = [await _open(server.url) for _ in range(3)]
        for _, writer in held:
            writer.write(b"GET /healthz HTTP/1.1\r\n")  # headers begun, never ended
            await writer.drain()
        reader, writer = await _open(server.url)
        assert await asyncio.wait_for(reader.read(), SAFETY) == b""  # one too many: closed
        writer.close()
        # One of the three ends its request: it is answered, and there is room again.
        first_reader, first_writer = held[0]
        first_writer.write(b"Host: x\r\nConnection: close\r\n\r\n")
        assert (await asyncio.wait_for(first_reader.read(), SAFETY)).startswith(b"HTTP/1.1 200")
        answer = await raw_request(
            server.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        assert answer.startswith(b"HTTP/1.1 200")
        for _, w in held:
            w.close()
