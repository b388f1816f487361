"""The demo: bots are real, labelled clients of the room, and the command fails in words."""

from __future__ import annotations

import asyncio
import itertools
import logging
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli.demo import join_hint, moderator_hint
from tui.cli.demo_viewers import BOT_SUFFIX, REPLIES, DemoViewers
from tui.client.app_server import AppServerClient
from tui.ivs.events import ChatMessage
from tui.ivs.room import ChatRoom
from tui.server.boot.startup import LocalStack, start_local_stack


async def test_demo_viewers_chat_as_labelled_real_clients(tmp_path: Path) -> None:
    stack = await start_local_stack(port=0, data_dir=tmp_path)
    _bots_may_chat_fast(stack)
    try:
        async with (
            AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
            ChatRoom(host.token_provider("Host")) as room,
        ):
            # Slow enough that two bots and the host stay under the room's 10 msg/s.
            bots = DemoViewers(stack.url, 2, pace=(0.4, 0.6), seed=7)
            bots.start()
            senders: dict[str, str] = {}
            async with asyncio.timeout(20):
                async for event in room:
                    if isinstance(event, ChatMessage):
                        senders[event.sender_id] = event.sender_name
                    if len(senders) == 2:
                        break
            # The host mentions a bot by name, and it answers.
            await room.send_message("hey Ada, are you there?")
            replies = {reply.format(name="Host") for reply in REPLIES}
            async with asyncio.timeout(20):
                async for event in room:
                    if (
                        isinstance(event, ChatMessage)
                        and event.sender_name == f"Ada{BOT_SUFFIX}"
                        and event.content in replies
                    ):
                        break
            await bots.stop()
    finally:
        await stack.stop()
    assert sorted(senders.values()) == [f"Ada{BOT_SUFFIX}", f"Grace{BOT_SUFFIX}"]
    assert len(set(senders)) == 2  # two identities, one per bot


def _bots_may_chat_fast(stack: LocalStack) -> None:
    """These tests' bots chat many times faster than a person: not a flood here."""
    moderation = stack.service.moderation
    assert moderation is not None
    fast = {"flood": {"messages": 1000, "seconds": 1}}
    moderation.change_settings(fast)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--demo-viewers", "-1"), "argument --demo-viewers: -1: must be 0 or more"),
        (("--port", "70000"), "argument --port: 70000 is not a port: use 0 to 65535"),
        (("--port", "-5"), "argument --port: -5 is not a port"),
        (
            ("--config", "/nonexistent/ivs.toml"),
            "argument --config: /nonexistent/ivs.toml: no such",
        ),
        (("join", "--config", "/nonexistent/ivs.toml"), "/nonexistent/ivs.toml: no such file"),
    ],
)
def test_bad_flags_are_refused_in_words(args: tuple[str, ...], words: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_join_hint_is_a_command_this_machine_can_run() -> None:
    command = join_hint("http://127.0.0.1:8750").split(" join ")[0]
    assert shutil.which(command.split()[0]) or Path(command.split()[0]).exists()
    assert join_hint("http://h:1").endswith("join --server http://h:1 --name YOUR_NAME")


async def test_the_moderator_hint_joins_as_the_broadcaster(tmp_path: Path) -> None:
    # What the demo's screen shows for a second terminal works: its key is the room's.
    stack = await start_local_stack(port=0, data_dir=tmp_path)
    try:
        args = shlex.split(moderator_hint(stack.url, stack.broadcaster_key))
        flags = dict(itertools.pairwise(args))
        assert flags["--server"] == stack.url
        key = flags["--broadcaster-key"]
        async with AppServerClient(flags["--server"], broadcaster_key=key) as second:
            grant = await second.chat_token("Moderator")
        assert grant.role == "broadcaster"
    finally:
        await stack.stop()


def test_busy_port_is_one_line_not_a_traceback() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("--port", str(port), "--demo-viewers", "0")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(port) in lines[0]


async def test_a_demo_bot_trips_the_blocked_terms_and_nobody_sees_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The first bot says a blocked term every few lines: the room's review denies it
    before delivery, so the host sees the bot's other lines and never that one."""
    from tui.cli.demo import block_demo_terms
    from tui.cli.demo_viewers import SPAM_EVERY, SPAM_LINE

    caplog.set_level(logging.INFO, "tui.server.review")
    stack = await start_local_stack(port=0, data_dir=tmp_path)
    try:
        block_demo_terms(stack)
        _bots_may_chat_fast(stack)
        async with (
            AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
            ChatRoom(host.token_provider("Host")) as room,
        ):
            bots = DemoViewers(stack.url, 1, pace=(0.1, 0.2), seed=3)
            bots.start()
            seen: list[str] = []
            async with asyncio.timeout(20):
                async for event in room:
                    if isinstance(event, ChatMessage):
                        seen.append(event.content)
                    # Past this many, the bot has tried its spam line twice.
                    if len(seen) >= 2 * (SPAM_EVERY - 1):
                        break
            await bots.stop()
    finally:
        await stack.stop()
    assert SPAM_LINE not in seen
    denied = [r.getMessage() for r in caplog.records if r.name == "tui.server.review"]
    assert any("blocked term 'buy followers'" in line for line in denied)


async def test_the_demo_raid_floods_holds_and_is_refused_like_anyone(tmp_path: Path) -> None:
    """`demo --raid`: new identities flood the room; their held term waits in the held
    queue, their blocked term is refused, and the rest reaches the room as theirs."""
    from tui.cli.demo import block_demo_terms
    from tui.cli.demo_viewers import RAIDER, DemoRaid
    from tui.client.moderation_api import ModerationClient

    stack = await start_local_stack(port=0, data_dir=tmp_path)
    try:
        block_demo_terms(stack)
        _bots_may_chat_fast(stack)
        async with (
            AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
            ChatRoom(host.token_provider("Host")) as room,
        ):
            raid = DemoRaid(stack.url, 3, after=0, seconds=60, pace=(0.05, 0.1), seed=5)
            raid.start()
            senders: set[str] = set()
            seen: list[str] = []
            async with asyncio.timeout(30):
                async for event in room:
                    if isinstance(event, ChatMessage):
                        senders.add(event.sender_name)
                        seen.append(event.content)
                    if len(senders) == 3 and len(seen) >= 20:
                        break
                held = await ModerationClient(host).held_messages()
                while not held:
                    await asyncio.sleep(0.05)
                    held = await ModerationClient(host).held_messages()
            await raid.stop()
    finally:
        await stack.stop()
    assert senders == {RAIDER.format(n=n) + BOT_SUFFIX for n in (1, 2, 3)}
    assert not [line for line in seen if "giveaway" in line.lower() or "buy followers" in line]
    assert held[0].term == "giveaway" and held[0].sender.display_name.startswith("Raider ")
