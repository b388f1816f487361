"""An app server restarted with other data forgets sessions and keys: the room client of a
viewer and of the broadcaster must say so and stop, not reconnect forever. While the
server is merely away, they keep trying."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ivs.conftest import is_state, next_event
from tui.client.app_server import AppServerClient
from tui.client.session import ChatSession
from tui.ivs.events import (
    ConnectionState,
    DisconnectReason,
    NotConnected,
    StateChanged,
)
from tui.ivs.room import ChatRoom
from tui.server.boot.startup import start_local_stack

FAST = {"backoff_base": 0.02, "backoff_cap": 0.1}


def _retrying_unreachable(event: object) -> bool:
    return (
        isinstance(event, StateChanged)
        and event.state is ConnectionState.RECONNECTING
        and event.attempt >= 3
        and "cannot reach the app server" in event.reason
    )


async def test_forgotten_session_and_refused_key_end_the_room_for_good(tmp_path: Path) -> None:
    first = await start_local_stack(port=0, data_dir=tmp_path / "first")
    port = urlsplit(first.url).port
    assert port is not None
    host = ChatSession(AppServerClient(first.url, broadcaster_key=first.broadcaster_key), "Host")
    alice = ChatSession(AppServerClient(first.url), "Alice")
    await host.open()
    await alice.open()
    host_room = ChatRoom(host.token_provider(), **FAST)
    alice_room = ChatRoom(alice.token_provider(), **FAST)
    second = None
    try:
        async with host_room, alice_room:
            for room in (host_room, alice_room):
                await next_event(room, is_state(ConnectionState.CONNECTED))
            await first.stop()
            # Away: a transient failure, tried again and again.
            for room in (host_room, alice_room):
                await next_event(room, _retrying_unreachable)

            # Back with other data and another broadcaster key: refused for good.
            second = await start_local_stack(port=port, data_dir=tmp_path / "second")
            words = {
                host_room: "the app server refused the broadcaster key",
                alice_room: "the app server no longer knows this session (was it restarted?): "
                "join again",
            }
            for room, expected in words.items():
                end = await next_event(room, is_state(ConnectionState.DISCONNECTED))
                assert isinstance(end, StateChanged)
                assert end.disconnect is DisconnectReason.TOKEN_REJECTED
                assert end.reason == expected
                assert [e async for e in room] == []  # the stream is over: no more tries
                with pytest.raises(NotConnected) as refused:
                    await room.send_message("still there?")
                assert str(refused.value) == expected
    finally:
        if second is not None:
            await second.stop()
        await first.stop()
        await host.close()
        await alice.close()
