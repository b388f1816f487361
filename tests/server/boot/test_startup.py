"""Start-up: persistence across restarts, and one clear line when it cannot start."""

from __future__ import annotations

import argparse
import asyncio
import socket
from pathlib import Path

import aiohttp
import boto3
import pytest

from tests.ports import closed_port
from tests.server.conftest import start_aws_server
from tui.client.app_server import AppServerClient, AppServerError
from tui.client.session import ChatSession
from tui.emulator import Emulator
from tui.server import cli
from tui.server.boot.startup import RunningServer, StartupError, start_local_stack
from tui.server.domain_errors import INVITE_REVOKED


async def test_pending_invite_survives_restart(emulator: Emulator, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = await start_aws_server(emulator, data)
    async with first, AppServerClient(first.url, broadcaster_key=first.broadcaster_key) as host:
        await host.chat_token("Host")
        async with AppServerClient(first.url) as viewer:
            grant = await viewer.chat_token("Alice")
            invite = await host.invite(grant.user_id)
            session_key = viewer.session_key
    # The same room and stage, the same data dir, a new process-worth of server.
    second = await start_aws_server(
        emulator, data, create=False, room_arn=first.room_arn, stage_arn=first.stage_arn
    )
    async with second, AppServerClient(second.url, session_key=session_key) as viewer:
        redemption = await viewer.redeem(invite.invite_id)
        assert redemption.participant_token
        assert (await viewer.chat_token("Alice")).user_id == grant.user_id


async def test_local_restart_keeps_identities_and_pending_invites(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = await start_local_stack(port=0, data_dir=data)
    async with first, AppServerClient(first.url, broadcaster_key=first.broadcaster_key) as host:
        host_id = (await host.chat_token("Host")).user_id
        async with AppServerClient(first.url) as viewer, AppServerClient(first.url) as bob:
            grant = await viewer.chat_token("Alice")
            invite = await host.invite(grant.user_id)
            session_key = viewer.session_key
            bob_id = (await bob.chat_token("Bob")).user_id
            await host.invite(bob_id)
            await host.disconnect(bob_id)  # revoked before the restart: stays revoked
            bob_key = bob.session_key
    # A new process-worth of local stack with the same data dir: the stage comes back.
    async with await start_local_stack(port=0, data_dir=data) as second:
        assert second.stage_arn == first.stage_arn
        async with (
            AppServerClient(second.url, session_key=session_key) as viewer,
            aiohttp.ClientSession() as browser,
        ):
            assert (await viewer.chat_token("Alice")).user_id == grant.user_id
            redemption = await viewer.redeem(invite.invite_id)
            async with browser.get(redemption.join_url) as page:
                assert page.status == 200
            # The participant token from before the restart still works on the stage.
            auth = {"Authorization": f"Bearer {redemption.participant_token}"}
            async with browser.post(second.url + "/api/multihost/stage/join", headers=auth) as r:
                assert r.status == 200, await r.text()
            on_stage = await second.service.control.list_participants(second.stage_arn)
            assert [(p.user_id, p.state) for p in on_stage] == [(grant.user_id, "CONNECTED")]
        async with AppServerClient(second.url, session_key=bob_key) as bob:
            await bob.chat_token("Bob")
            bobs = second.service.store.invites_of(bob_id)
            with pytest.raises(AppServerError) as revoked:
                await bob.redeem(bobs[0].invite_id)
            assert (revoked.value.status, revoked.value.message) == (410, INVITE_REVOKED)
        async with AppServerClient(second.url, broadcaster_key=second.broadcaster_key) as host:
            assert (await host.chat_token("Host")).user_id == host_id


async def test_missing_room_is_one_line(emulator: Emulator, tmp_path: Path) -> None:
    missing = "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA"
    with pytest.raises(StartupError) as exc:
        await start_aws_server(
            emulator,
            tmp_path,
            create=False,
            room_arn=missing,
            stage_arn="arn:aws:ivs:us-east-1:123456789012:stage/AAAAAAAAAAAA",
        )
    assert str(exc.value) == f"room {missing} does not exist (check the ARN and its region)"


async def test_wrong_kind_of_arn(emulator: Emulator, tmp_path: Path) -> None:
    with pytest.raises(StartupError) as exc:
        await start_aws_server(
            emulator,
            tmp_path,
            create=False,
            room_arn="arn:aws:ivs:us-east-1:123456789012:stage/AAAAAAAAAAAA",
            stage_arn="arn:aws:ivs:us-east-1:123456789012:stage/AAAAAAAAAAAA",
        )
    assert "is not an IVS room ARN" in str(exc.value)


async def test_unreachable_endpoint(tmp_path: Path) -> None:
    from tui.server.boot.startup import start_server
    from tui.server.settings import ServerSettings

    url = f"http://127.0.0.1:{closed_port()}"
    settings = ServerSettings(mode="aws", create=True, port=0, data_dir=tmp_path, endpoint_url=url)
    with pytest.raises(StartupError) as exc:
        await start_server(settings)
    assert str(exc.value) == f"cannot connect to IVS at {url}: is the server running?"


async def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartupError) as exc:
            await start_local_stack(port=port, data_dir=tmp_path)
    assert f"port {port} on 127.0.0.1 is in use" in str(exc.value)


def test_cli_without_credentials_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(
        [
            "--aws",
            "--room-arn",
            "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA",
            "--stage-arn",
            "arn:aws:ivs:us-east-1:123456789012:stage/AAAAAAAAAAAA",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
        ]
    )
    assert cli.run(args) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("ivs-chat-tui serve:")]
    assert lines == [
        "ivs-chat-tui serve: no AWS credentials found: configure a profile (AWS_PROFILE), "
        "SSO, environment variables or an instance role"
    ]
    assert "Traceback" not in err


async def test_chat_token_answer_names_the_room_as_read_at_start_up(
    emulator: Emulator, tmp_path: Path
) -> None:
    chat = boto3.client("ivschat", endpoint_url=emulator.url, region_name="us-east-1")
    realtime = boto3.client("ivs-realtime", endpoint_url=emulator.url, region_name="us-east-1")
    named = (await asyncio.to_thread(chat.create_room, name="studio-b"))["arn"]
    unnamed = (await asyncio.to_thread(chat.create_room))["arn"]
    stage = (await asyncio.to_thread(realtime.create_stage, name="s"))["stage"]["arn"]

    viewers = iter(range(100))

    async def token_answer(server: RunningServer) -> dict[str, object]:
        body = {"displayName": f"Ann {next(viewers)}"}  # a new viewer each: a name is one's
        async with (
            aiohttp.ClientSession() as http,
            http.post(server.url + "/api/chat/token", json=body) as resp,
        ):
            assert resp.status == 200
            return await resp.json()

    server = await start_aws_server(
        emulator, tmp_path / "a", create=False, room_arn=named, stage_arn=stage
    )
    async with server:
        assert (await token_answer(server))["roomName"] == "studio-b"
        # Read once at start-up, not per token: a rename shows after a restart.
        await asyncio.to_thread(chat.update_room, identifier=named, name="renamed")
        assert (await token_answer(server))["roomName"] == "studio-b"

    bare = await start_aws_server(
        emulator, tmp_path / "b", create=False, room_arn=unnamed, stage_arn=stage
    )
    async with bare, AppServerClient(bare.url) as client:
        assert "roomName" not in await token_answer(bare)
        # The TUI then calls the room by the server it joined through.
        identity = await ChatSession(client, "Ann").open()
        assert identity.room == bare.url.removeprefix("http://")
