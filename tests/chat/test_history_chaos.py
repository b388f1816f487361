"""Chaos: a viewer's TUI loses its chat socket again and
again while a room runs at 100 messages a second, and ends with every message exactly
once, in send order, in its scrollback: across killed sockets, across session ends, and
across a restart of whoever keeps the history.

All real: the local stack in-process, the real room clients, the real app, and the app
server's own room keeper and history route; one test restarts the app server itself (AWS
mode against a standalone local stack, whose room outlives it), and one restarts only the
history keeper, through a stand-in over the same store and query
(tests/history_stand_in.py). The TUI is held away (its token provider gated) while
messages flow, so each round really misses some. Waits poll what the user would
see; nothing asserts a duration.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

import aiohttp
import pytest

from tests.app_helpers import line_with, lines, until
from tests.emulator.helpers import client
from tests.history_stand_in import StandInHistory
from tests.ports import closed_port
from tui.app import ChatApp
from tui.chat.history_sync import HistoryRequest
from tui.client.app_server import AppServerClient
from tui.client.history import HistoryClient, UnknownMessage
from tui.client.session import ChatSession
from tui.config.settings import TuiSettings
from tui.emulator import Emulator, EmulatorConfig
from tui.ivs.events import ConnectionState
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken, TokenProvider
from tui.server.boot.startup import LocalStack, RunningServer, start_local_stack, start_server
from tui.server.settings import ServerSettings
from tui.widgets.message_list import MessageList

RATE = 100  # messages a second, IVS's highest room rate
ROUNDS = 4
MISSED_PER_ROUND = 15  # sent while the TUI is held away


class Gate:
    """Holds a token provider's next answer back while closed: the TUI stays away."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()

    def wrap(self, provider: TokenProvider) -> TokenProvider:
        async def provide() -> ChatToken:
            await self.open.wait()
            return await provider()

        return provide


class Sender:
    """A second viewer sending at RATE while `flowing` is set; `sent` are the echoes' ids."""

    def __init__(self, room: ChatRoom) -> None:
        self.room = room
        self.sent: list[str] = []
        self.flowing = asyncio.Event()
        self.flowing.set()
        self._idle = asyncio.Event()  # paused, nothing in flight
        self._stop = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def run(self) -> None:
        n = 0
        while not self._stop:
            if not self.flowing.is_set():
                self._idle.set()
                await self.flowing.wait()
                self._idle.clear()
            n += 1
            echo = await self.room.send_message(f"message {n}")
            self.sent.append(echo.id)
            await asyncio.sleep(1 / RATE)

    async def pause(self) -> None:
        """Stop sending; back once the last message in flight is answered, so `sent` is
        all that the room was sent."""
        self.flowing.clear()
        await until(self._idle.is_set, "the sender paused")

    async def until_sent(self, more: int) -> None:
        target = len(self.sent) + more
        await until(lambda: len(self.sent) >= target, f"{more} more messages sent")

    async def finish(self) -> None:
        """Ten more, then stop."""
        await self.until_sent(10)
        self._stop = True
        assert self._task is not None
        await self._task


def ids(app: ChatApp) -> list[str]:
    return [m.id for m in app.chat.query_one(MessageList).messages]


def connected(app: ChatApp) -> bool:
    return app.room is not None and app.room.state is ConnectionState.CONNECTED


def gated_viewer(url: str, gate: Gate) -> ChatApp:
    """The viewer's TUI, its token provider behind `gate`, reconnecting at once."""
    app = ChatApp(
        ChatSession(AppServerClient(url), "Viewer"),
        settings=TuiSettings.model_construct(),
        browser=lambda link: False,
        # Read in batches, as the app's own room is (tui/controller.py).
        room_factory=lambda s: ChatRoom(
            gate.wrap(s.token_provider()), backoff_base=0.02, backoff_cap=0.1, batch_reads=True
        ),
    )
    app.controller.history_page = 10  # a round's gap takes several pages
    return app


async def every_message_once(app: ChatApp, sender: Sender) -> None:
    """The end state: ten more sent, then the viewer's list holds each sent message
    exactly once, in send order, drawn."""
    await sender.finish()
    await until(lambda: set(sender.sent) <= set(ids(app)), "every message in the list")
    await until(lambda: not app.chat.messages._flush_pending, "drawn")
    assert ids(app) == sender.sent  # exactly once each, in send order


async def recorded(history: HistoryClient, message_id: str) -> bool:
    """The history route knows `message_id`: it, and all sent before it, are recorded."""
    try:
        await history.history(HistoryRequest(message_id, 1))
    except UnknownMessage:
        return False
    return True


async def chaos(
    tmp_path: Path,
    cut: Callable[[LocalStack, str], int],
    restart_history: bool = False,
) -> None:
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server")
    ivschat = client(
        "ivschat",
        stack.url,
        access_key_id=stack.control_access_key_id or "",
        secret_access_key=stack.control_secret_access_key or "",
    )
    await asyncio.to_thread(
        ivschat.update_room, identifier=stack.room_arn, maximumMessageRatePerSecond=RATE
    )
    # The app server's own room keeper and history route, except where the test restarts
    # the history keeper alone, which the server does not let it: there a stand-in keeper
    # and route (tests/history_stand_in.py) over the same store and query.
    keeper = StandInHistory(stack.url, tmp_path / "history") if restart_history else None
    if keeper is not None:
        await keeper.start()
    gate = Gate()
    app = gated_viewer(stack.url, gate)
    if keeper is not None:
        app.controller.history_source = keeper.client()
    # The broadcaster sends: the room keeper times out a viewer at 100 msg/s (flood).
    sender_session = ChatSession(
        AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key), "Sender"
    )
    await sender_session.open()
    sender_room = ChatRoom(sender_session.token_provider())
    try:
        async with app.run_test(size=(100, 30)), sender_room:
            await until(lambda: connected(app), "the viewer connected")
            sender = Sender(sender_room)
            sender.start()
            assert app.identity is not None
            me = app.identity.user_id
            for round_ in range(ROUNDS):
                await sender.until_sent(10)
                gate.open.clear()
                assert cut(stack, me) >= 1
                await until(lambda: not connected(app), "the viewer lost its socket")
                await sender.until_sent(MISSED_PER_ROUND)
                if keeper is not None and round_ == ROUNDS // 2:
                    # The keeper is down next: nobody records. What was sent before lands
                    # in its store first, or it would be lost, not merely unrecorded.
                    await sender.pause()
                    last = partial(recorded, keeper.client(), sender.sent[-1])
                    await until(last, "the keeper recorded what was sent")
                    await keeper.stop()
                    await keeper.start()
                    sender.flowing.set()
                    await sender.until_sent(MISSED_PER_ROUND)
                gate.open.set()
                await until(lambda: connected(app), "the viewer back")
            await every_message_once(app, sender)
            away = [line for line in lines(app) if "while you were away" in line]
            assert len(away) >= ROUNDS - 1  # the missed ones came from the history
            gaps = [line for line in lines(app) if "messages may be missing" in line]
            if restart_history:
                assert gaps  # the keeper was down: said, even though nothing was lost
            else:
                assert not gaps
    finally:
        if keeper is not None:
            await keeper.close()
        await sender_session.close()
        await stack.stop()


async def test_killed_sockets_lose_no_message(tmp_path: Path) -> None:
    await chaos(tmp_path, lambda stack, me: stack.emulator.drop_connections(me))  # type: ignore[union-attr]


async def test_ended_sessions_lose_no_message(tmp_path: Path) -> None:
    await chaos(tmp_path, lambda stack, me: stack.emulator.end_sessions(me))  # type: ignore[union-attr]


async def test_history_survives_a_restart(tmp_path: Path) -> None:
    await chaos(
        tmp_path,
        lambda stack, me: stack.emulator.drop_connections(me),  # type: ignore[union-attr]
        restart_history=True,
    )


async def test_a_late_joiner_sees_the_recent_chat_above_the_divider(tmp_path: Path) -> None:
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path / "server")
    keeper = StandInHistory(stack.url, tmp_path / "history")
    await keeper.start()
    # The broadcaster says them: six quick lines from a viewer would trip the flood limit.
    early = ChatSession(AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key), "Early")
    await early.open()
    late = ChatApp(
        ChatSession(AppServerClient(stack.url), "Late"),
        settings=TuiSettings.model_construct(history_on_join=3),
        browser=lambda url: False,
    )
    late.controller.history_source = keeper.client()  # the real route: drop this line
    try:
        async with ChatRoom(early.token_provider()) as room:
            for n in range(1, 6):
                await room.send_message(f"said before {n}")
            store = keeper.store
            assert store is not None
            await until(lambda: store.count() == 5, "the keeper recorded them")
            async with late.run_test(size=(100, 30)):
                await until(lambda: "── history ──" in lines(late), "the history divider")
                shown = lines(late)
                at = shown.index("── history ──")
                assert [line.split(" ", 3)[3] for line in shown[at - 3 : at]] == [
                    f"said before {n}"
                    for n in (3, 4, 5)  # "HH:MM [host] Early said …"
                ]
                await room.send_message("said after")
                await until(lambda: line_with(late, "said after"), "live after it")
    finally:
        await keeper.close()
        await early.close()
        await stack.stop()


async def start_aws(ivs: Emulator, data: Path, port: int) -> RunningServer:
    settings = ServerSettings(
        mode="aws",
        host="127.0.0.1",
        port=port,
        data_dir=data,
        endpoint_url=ivs.url,
        region="us-east-1",
        create=True,  # once: the next start reuses the room it kept in the data dir
    )
    return await start_server(settings)


async def test_history_survives_an_app_server_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app server itself stops and starts again on the same port and data dir, while
    the viewer is away and the room goes on (on AWS the room outlives the server; here a
    standalone local stack in AWS mode stands for it). What its room keeper recorded
    before the restart, and what the next one records after, reach the viewer once."""
    # AWS mode signs with boto3's default credentials: the local stack's test ones.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    port = closed_port()
    data = tmp_path / "server"
    async with Emulator(EmulatorConfig()) as ivs:
        server = await start_aws(ivs, data, port)
        url = server.url
        await asyncio.to_thread(
            client("ivschat", ivs).update_room,
            identifier=server.service.config.room_arn,
            maximumMessageRatePerSecond=RATE,
        )

        async def keeper_live() -> bool:
            with contextlib.suppress(aiohttp.ClientError):  # not listening yet
                async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as resp:
                    body = await resp.json()
                return body.get("keeper", {}).get("state") == "live"
            return False

        gate = Gate()
        app = gated_viewer(url, gate)
        sender_session = ChatSession(
            AppServerClient(url, broadcaster_key=server.broadcaster_key), "Sender"
        )
        try:
            await sender_session.open()
            sender_room = ChatRoom(sender_session.token_provider())
            async with app.run_test(size=(100, 30)), sender_room:
                await until(lambda: connected(app), "the viewer connected")
                await until(keeper_live, "the room keeper live")
                sender = Sender(sender_room)
                sender.start()
                await sender.until_sent(10)
                assert app.identity is not None
                gate.open.clear()
                assert ivs.drop_connections(app.identity.user_id) >= 1
                await sender.until_sent(MISSED_PER_ROUND)  # recorded by the first server
                # What is in flight lands and is recorded before the server stops.
                await sender.pause()
                async with AppServerClient(url, broadcaster_key=server.broadcaster_key) as host:
                    last = partial(recorded, HistoryClient(host), sender.sent[-1])
                    await until(last, "the first server recorded what was sent")
                await server.stop()
                server = await start_aws(ivs, data, port)
                await until(keeper_live, "the room keeper live again")
                sender.flowing.set()
                await sender.until_sent(MISSED_PER_ROUND)  # recorded by the second
                gate.open.set()
                await until(lambda: connected(app), "the viewer back")
                await every_message_once(app, sender)
                assert any("while you were away" in line for line in lines(app))
        finally:
            await sender_session.close()
            await server.stop()
