"""`serve --aws --create` and `--delete`, against the local IVS stack through
`--endpoint-url`: create once, reuse on restart, make again what is gone, undo what
cannot be kept, delete only what carries the tag, and quotas worded as quotas."""

from __future__ import annotations

import argparse
import asyncio
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.emulator.helpers import call, client
from tests.server.conftest import start_aws_server
from tui.client.app_server import AppServerClient
from tui.emulator import Emulator
from tui.ivs.control import CREATED_BY_TAG
from tui.server import cli
from tui.server.boot.created_resources import RESOURCES_FILE
from tui.server.boot.startup import StartupError


def _serve(*args: str) -> tuple[int, str, str]:
    """`ivs-chat-tui serve ARGS` in-process (it runs its own event loop): exit code, stdout
    and stderr."""
    import contextlib
    import io

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.run(parser.parse_args(list(args)))
    return code, out.getvalue(), err.getvalue()


async def _exists(emulator: Emulator, room_arn: str, stage_arn: str) -> tuple[bool, bool]:
    chat, realtime = client("ivschat", emulator), client("ivs-realtime", emulator)
    rooms = await call(chat.list_rooms)
    stages = await call(realtime.list_stages)
    return (
        room_arn in {r["arn"] for r in rooms["rooms"]},
        stage_arn in {s["arn"] for s in stages["stages"]},
    )


async def test_create_once_reuse_on_restart_then_delete(emulator: Emulator, tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with await start_aws_server(emulator, data) as first:
        assert first.created
        assert first.notes == (
            f"Created a room and a stage, kept in {data / RESOURCES_FILE}: the next --create "
            "reuses them; `serve --aws --delete` removes them.",
        )
        assert first.notes[0] in cli._banner(first, tmp_path / "none.toml").splitlines()
        async with (
            AppServerClient(first.url, broadcaster_key=first.broadcaster_key) as host,
            AppServerClient(first.url) as viewer,
        ):
            await host.chat_token("Host")
            grant = await viewer.chat_token("Alice")
            invite = await host.invite(grant.user_id)
            session_key = viewer.session_key
    kept = data / RESOURCES_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    entry = json.loads(kept.read_text())["created"][0]
    assert (entry["room_arn"], entry["stage_arn"]) == (first.room_arn, first.stage_arn)
    # Both carry the tag that --delete checks.
    chat, realtime = client("ivschat", emulator), client("ivs-realtime", emulator)
    room = await call(chat.get_room, identifier=first.room_arn)
    stage = await call(realtime.get_stage, arn=first.stage_arn)
    assert room["tags"][CREATED_BY_TAG] == stage["stage"]["tags"][CREATED_BY_TAG] == "ivs-chat-tui"

    # The next --create reuses them, and the pending invite still works.
    async with await start_aws_server(emulator, data) as second:
        assert (second.room_arn, second.stage_arn) == (first.room_arn, first.stage_arn)
        assert not second.created
        assert [n for n in second.notes if n.startswith("Reusing the room and stage")]
        async with AppServerClient(second.url, session_key=session_key) as viewer:
            await viewer.chat_token("Alice")
            assert (await viewer.redeem(invite.invite_id)).participant_token
    assert len((await call(chat.list_rooms))["rooms"]) == 1

    # --delete removes both, says so, and forgets them.
    where = ("--endpoint-url", emulator.url, "--region", "us-east-1", "--data-dir", str(data))
    code, out, err = await asyncio.to_thread(_serve, "--aws", "--delete", *where)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Deleted stage {first.stage_arn}",
        f"Deleted room {first.room_arn}",
    ]
    assert await _exists(emulator, first.room_arn, first.stage_arn) == (False, False)
    assert json.loads(kept.read_text()) == {"created": []}
    code, out, _ = await asyncio.to_thread(_serve, "--aws", "--delete", *where)
    assert code == 0 and out.startswith("Nothing to delete: ")

    # And the next --create makes new ones.
    async with await start_aws_server(emulator, data) as third:
        assert third.created and third.room_arn != first.room_arn


async def test_a_kept_stage_that_is_gone_is_made_again(emulator: Emulator, tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with await start_aws_server(emulator, data) as first:
        pass
    realtime = client("ivs-realtime", emulator)
    await call(realtime.delete_stage, arn=first.stage_arn)
    async with await start_aws_server(emulator, data) as second:
        assert second.room_arn == first.room_arn  # the room is still there: reused
        assert second.stage_arn != first.stage_arn
        assert second.notes == (
            f"The kept stage {first.stage_arn} is gone (deleted outside this app?): created a "
            f"new one, {second.stage_arn}; invites to the old one no longer work.",
        )
        stage = await call(realtime.get_stage, arn=second.stage_arn)
        assert CREATED_BY_TAG in stage["stage"]["tags"]
    entry = json.loads((data / RESOURCES_FILE).read_text())["created"][0]
    assert entry["stage_arn"] == second.stage_arn


async def test_what_cannot_be_kept_is_deleted_again(emulator: Emulator, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # In the way of the file's atomic write: the ARNs cannot be kept.
    (data / (RESOURCES_FILE + ".tmp")).mkdir()
    with pytest.raises(StartupError) as exc:
        await start_aws_server(emulator, data)
    assert str(exc.value).startswith(f"cannot write {data / RESOURCES_FILE}: ")
    assert str(exc.value).endswith("; what was just made was deleted again")
    chat, realtime = client("ivschat", emulator), client("ivs-realtime", emulator)
    assert (await call(chat.list_rooms))["rooms"] == []
    assert (await call(realtime.list_stages))["stages"] == []


async def test_delete_refuses_what_this_app_did_not_create(
    emulator: Emulator, tmp_path: Path
) -> None:
    chat = client("ivschat", emulator)
    theirs = (await call(chat.create_room, name="someone-elses"))["arn"]
    args = ("--aws", "--delete", "--room-arn", theirs, "--endpoint-url", emulator.url)
    code, out, err = await asyncio.to_thread(_serve, *args, "--data-dir", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == (
        f"ivs-chat-tui serve --delete: {theirs} has no {CREATED_BY_TAG} tag: this app did not "
        "create it, so it does not delete it (delete it in the AWS console if you mean to)\n"
    )
    assert (await call(chat.get_room, identifier=theirs))["arn"] == theirs


async def test_delete_with_nothing_kept_lists_what_carries_the_tag(
    emulator: Emulator, tmp_path: Path
) -> None:
    async with await start_aws_server(emulator, tmp_path / "elsewhere") as made:
        pass
    where = ("--endpoint-url", emulator.url, "--data-dir", str(tmp_path / "data"))
    code, out, _ = await asyncio.to_thread(_serve, "--aws", "--delete", *where)
    assert code == 0
    assert f"  Tagged {CREATED_BY_TAG} here: {made.room_arn}" in out.splitlines()
    assert f"  Tagged {CREATED_BY_TAG} here: {made.stage_arn}" in out.splitlines()
    assert await _exists(emulator, made.room_arn, made.stage_arn) == (True, True)


def test_delete_and_create_together_is_refused(tmp_path: Path) -> None:
    code, _, err = _serve("--aws", "--create", "--delete", "--data-dir", str(tmp_path))
    assert code == 2
    assert "--create and --delete contradict each other" in err


async def _quota_exceeded(request: web.Request) -> web.Response:
    """CreateRoom as AWS answers it when the account has its quota of rooms."""
    body: dict[str, Any] = {
        "message": "You have reached the limit of 50 rooms",
        "resourceId": "",
        "resourceType": "ROOM",
        "limit": 50,
    }
    return web.json_response(
        body, status=402, headers={"x-amzn-ErrorType": "ServiceQuotaExceededException"}
    )


async def test_a_used_up_quota_is_worded_as_a_quota(tmp_path: Path) -> None:
    # The local stack has no quotas: this endpoint answers CreateRoom as AWS does at one.
    app = web.Application()
    app.router.add_post("/CreateRoom", _quota_exceeded)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        args = ("--aws", "--create", "--endpoint-url", url, "--port", "0")
        code, _, err = await asyncio.to_thread(_serve, *args, "--data-dir", str(tmp_path))
    finally:
        await runner.cleanup()
    assert code == 1
    assert err == (
        "ivs-chat-tui serve: an IVS quota is used up (CreateRoom): delete rooms or stages no "
        "longer used, or ask AWS for a higher quota (the Service Quotas console) (You have "
        "reached the limit of 50 rooms)\n"
    )


async def test_a_resources_file_others_may_write_is_refused(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The file names the room the server runs and what --delete removes: one that
    another user could have changed is refused, as a key file is, by start and --delete."""
    data = tmp_path / "data"
    async with await start_aws_server(emulator, data):
        pass
    kept = data / RESOURCES_FILE
    before = kept.read_text()
    kept.chmod(0o666)
    with pytest.raises(StartupError, match=r"refusing the created-resources file .* every user"):
        await start_aws_server(emulator, data)
    where = ("--endpoint-url", emulator.url, "--region", "us-east-1", "--data-dir", str(data))
    code, out, err = await asyncio.to_thread(_serve, "--aws", "--delete", *where)
    assert code != 0 and out == "" and "every user may write it (mode 0666)" in err
    assert kept.read_text() == before  # nothing deleted, nothing forgotten
    kept.chmod(0o644)  # only readable by others: tightened, and used
    async with await start_aws_server(emulator, data) as again:
        assert not again.created
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
