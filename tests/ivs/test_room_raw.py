"""The room client against a bare loopback server that does what the emulator never does
on purpose: garbage, silence, a 401 aimed at one request, duplicates, old spellings."""

from __future__ import annotations

import asyncio
import json
import random

import pytest
from websockets.asyncio.server import ServerConnection

from tests.ivs.conftest import (
    CountingProvider,
    RawServer,
    error_frame,
    event_frame,
    is_state,
    message_frame,
    next_event,
    raw_server,
)
from tests.ports import closed_port
from tui.ivs.events import (
    ChatError,
    ChatMessage,
    ChatTimeout,
    ConnectionState,
    CustomEvent,
    DisconnectReason,
    MessageDeleted,
    NotConnected,
    StateChanged,
)
from tui.ivs.protocol import EVENT_DELETE_MESSAGE, EVENT_DISCONNECT_USER
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken


async def _record_forever(server: RawServer, ws: ServerConnection) -> None:
    async for frame in ws:
        server.received.put_nowait(str(frame))


async def _echo(server: RawServer, ws: ServerConnection) -> None:
    """Record each message's content and echo it back with its RequestId, as IVS does."""
    async for raw in ws:
        action = json.loads(raw)
        server.received.put_nowait(action["Content"])
        await ws.send(message_frame(action["Content"], request_id=action["RequestId"]))


async def test_no_answer_times_out_and_the_room_stays_connected() -> None:
    async with (
        raw_server(_record_forever) as server,
        ChatRoom(CountingProvider(server.url), request_timeout=0.2) as room,
    ):
        await next_event(room, is_state(ConnectionState.CONNECTED))
        with pytest.raises(ChatTimeout) as caught:
            await room.send_message("anyone there?")
        sent = json.loads(await server.received.get())
        assert sent["Content"] == "anyone there?"
        assert caught.value.request_id == sent["RequestId"]
        assert "no answer" in str(caught.value)
        assert room.state == ConnectionState.CONNECTED


async def test_error_frame_rejects_only_its_request() -> None:
    async def answer(server: RawServer, ws: ServerConnection) -> None:
        async for raw in ws:
            action = json.loads(raw)
            if action["Content"] == "bad":
                await ws.send(error_frame(406, "denied by review", request_id=action["RequestId"]))
            else:
                await ws.send(message_frame(action["Content"], request_id=action["RequestId"]))

    async with raw_server(answer) as server, ChatRoom(CountingProvider(server.url)) as room:
        bad, good = await asyncio.gather(
            room.send_message("bad"), room.send_message("good"), return_exceptions=True
        )
        assert isinstance(bad, ChatError) and bad.code == 406
        assert "blocked by moderation" in str(bad)
        assert isinstance(good, ChatMessage) and good.content == "good"


async def test_error_401_rejects_the_pending_request_then_reconnects() -> None:
    async def expire_first(server: RawServer, ws: ServerConnection) -> None:
        async for raw in ws:
            action = json.loads(raw)
            if server.connections == 1:
                await ws.send(error_frame(401, "session expired", request_id=action["RequestId"]))
                await ws.close(4401, "session expired")
                return
            await ws.send(message_frame(action["Content"], request_id=action["RequestId"]))

    async with raw_server(expire_first) as server:
        provider = CountingProvider(server.url)
        async with ChatRoom(provider, backoff_base=0.01) as room:
            with pytest.raises(ChatError) as caught:
                await room.send_message("first")
            assert caught.value.code == 401
            retry = await next_event(room, is_state(ConnectionState.RECONNECTING))
            assert isinstance(retry, StateChanged) and "session ended" in retry.reason
            await next_event(room, is_state(ConnectionState.CONNECTED))
            echo = await room.send_message("second")
            assert echo.content == "second"
            assert provider.calls == 2  # a fresh token for the new connection


async def test_garbage_and_unknown_frames_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    async def noisy(server: RawServer, ws: ServerConnection) -> None:
        await ws.send("not json at all")
        await ws.send(b"\x00\xff binary")
        await ws.send('{"Type": "MESSAGE", "Id": 5}')
        await ws.send('{"Type": "PRESENCE", "Id": "abcdefabcdef", "Who": "bob"}')
        await ws.send(message_frame("still here"))
        await ws.wait_closed()

    async with raw_server(noisy) as server, ChatRoom(CountingProvider(server.url)) as room:
        got = await next_event(room, lambda ev: not isinstance(ev, StateChanged))
        assert isinstance(got, ChatMessage) and got.content == "still here"
        assert room.state == ConnectionState.CONNECTED
    skipped = [r for r in caplog.records if r.getMessage().startswith("skipped a malformed")]
    assert len(skipped) == 3  # the unknown type is tolerated silently, the rest logged


async def test_duplicate_frames_are_shown_once() -> None:
    twice = message_frame("once", frame_id="AAAAAAAAAAAA")

    async def repeat(server: RawServer, ws: ServerConnection) -> None:
        await ws.send(twice)
        await ws.send(twice)
        await ws.send(message_frame("after"))
        await ws.wait_closed()

    async with raw_server(repeat) as server, ChatRoom(CountingProvider(server.url)) as room:
        contents = []
        async for ev in room:
            if isinstance(ev, ChatMessage):
                contents.append(ev.content)
                if ev.content == "after":
                    break
        assert contents == ["once", "after"]


async def test_delete_event_falls_back_to_the_deprecated_spelling() -> None:
    async def deletes(server: RawServer, ws: ServerConnection) -> None:
        await ws.send(event_frame(EVENT_DELETE_MESSAGE, {"MessageID": "oldspelling1"}))
        await ws.send(event_frame(EVENT_DELETE_MESSAGE, {"Reason": "no id at all"}))
        await ws.send(event_frame("app:Poll", {"q": "tea?"}))
        await ws.wait_closed()

    async with raw_server(deletes) as server, ChatRoom(CountingProvider(server.url)) as room:
        first = await next_event(room, lambda ev: not isinstance(ev, StateChanged))
        assert isinstance(first, MessageDeleted) and first.message_id == "oldspelling1"
        second = await next_event(room, lambda ev: not isinstance(ev, StateChanged))
        assert isinstance(second, CustomEvent) and second.name == "app:Poll"


async def test_outbox_keeps_the_order_of_sends() -> None:
    async with raw_server(_echo) as server:
        room = ChatRoom(CountingProvider(server.url))
        # Queued before the room even starts: they wait, then go out in order.
        sends = [asyncio.create_task(room.send_message(f"m{i}")) for i in range(20)]
        await asyncio.sleep(0)
        await room.start()
        echoes = await asyncio.gather(*sends)
        assert [e.content for e in echoes] == [f"m{i}" for i in range(20)]
        assert [server.received.get_nowait() for _ in range(20)] == [f"m{i}" for i in range(20)]
        await room.close()


async def test_unreachable_server_backs_off_then_gives_up_and_fails_the_outbox() -> None:
    provider = CountingProvider(f"ws://127.0.0.1:{closed_port()}/")
    room = ChatRoom(provider, backoff_base=0.01, backoff_cap=0.02, max_attempts=3)
    pending = asyncio.create_task(room.send_message("typed while down"))
    await room.start()
    states = [ev async for ev in room if isinstance(ev, StateChanged)]
    retrying = [s for s in states if s.state == ConnectionState.RECONNECTING]
    assert [s.attempt for s in retrying] == [2, 3]
    assert all(s.retry_in is not None and 0 <= s.retry_in <= 0.02 for s in retrying)
    assert all(
        s.reason == f"cannot reach the chat server at {provider.url}: connection refused"
        for s in retrying
    )
    final = states[-1]
    assert final.state == ConnectionState.DISCONNECTED
    assert final.disconnect == DisconnectReason.GAVE_UP
    assert provider.calls == 3
    with pytest.raises(NotConnected):
        await pending
    await room.close()


async def test_token_provider_failure_is_reported_in_words_and_retried() -> None:
    async def ok(server: RawServer, ws: ServerConnection) -> None:
        await ws.wait_closed()

    async with raw_server(ok) as server:
        calls = 0

        async def flaky() -> ChatToken:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise ConnectionRefusedError("app server at 127.0.0.1:9 is down")
            return ChatToken(token="t", url=server.url)

        async with ChatRoom(flaky, backoff_base=0.01, rng=random.Random(1)) as room:
            retry = await next_event(room, is_state(ConnectionState.RECONNECTING))
            assert isinstance(retry, StateChanged)
            assert retry.reason == "could not get a chat token: app server at 127.0.0.1:9 is down"
            await next_event(room, is_state(ConnectionState.CONNECTED))
            assert calls == 2


async def test_close_is_idempotent_and_fails_waiting_sends() -> None:
    async with raw_server(_record_forever) as server:
        room = ChatRoom(CountingProvider(server.url))
        await room.start()
        await next_event(room, is_state(ConnectionState.CONNECTED))
        waiting = asyncio.create_task(room.send_message("never answered"))
        await server.received.get()
        await asyncio.gather(room.close(), room.close())
        await room.close()
        with pytest.raises(NotConnected):
            await waiting
        final = await next_event(room, is_state(ConnectionState.DISCONNECTED))
        assert isinstance(final, StateChanged)
        assert final.disconnect == DisconnectReason.CLOSED_BY_CLIENT
        with pytest.raises(NotConnected):
            await room.send_message("after close")


async def test_a_send_given_up_while_queued_never_goes_out() -> None:
    async with raw_server(_echo) as server:
        room = ChatRoom(CountingProvider(server.url))
        sends = [asyncio.create_task(room.send_message(text)) for text in ("a", "b", "c")]
        await asyncio.sleep(0)  # all three queued
        sends[1].cancel()
        await room.start()
        first = await next_event(room, lambda ev: isinstance(ev, StateChanged))
        assert first == StateChanged(ConnectionState.CONNECTING, attempt=1)
        assert (await sends[0]).content == "a"
        assert (await sends[2]).content == "c"
        assert sends[1].cancelled()
        assert [server.received.get_nowait() for _ in range(2)] == ["a", "c"]
        assert server.received.empty()
        await room.close()


async def test_a_bug_inside_the_client_ends_the_room_in_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(self: ChatRoom, link: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(ChatRoom, "_hold", broken)  # stands in for any bug in supervision
    async with (
        raw_server(_record_forever) as server,
        ChatRoom(CountingProvider(server.url)) as room,
    ):
        waiting = asyncio.create_task(room.send_message("hi"))
        final = await next_event(room, is_state(ConnectionState.DISCONNECTED))
        assert isinstance(final, StateChanged)
        assert final.reason == "the chat client failed: boom"
        with pytest.raises(NotConnected):
            await waiting


async def _kick_bob_then(server: RawServer, ws: ServerConnection, *, close: bool) -> None:
    """aws:DISCONNECT_USER for bob, then a broken close (abort) or none at all."""
    await ws.send(event_frame(EVENT_DISCONNECT_USER, {"UserId": "bob", "Reason": "spam"}))
    if close:
        ws.transport.abort()  # no close frame: the client sees 1006
    else:
        await ws.wait_closed()


@pytest.mark.parametrize("close", [True, False], ids=["abnormal-close", "no-close"])
async def test_our_own_disconnect_event_ends_the_room_whatever_close_follows(
    close: bool,
) -> None:
    async def handler(server: RawServer, ws: ServerConnection) -> None:
        await _kick_bob_then(server, ws, close=close)

    async with raw_server(handler) as server:
        provider = CountingProvider(server.url, user_id="bob")  # bob never sent a message
        async with ChatRoom(provider, backoff_base=0.01) as room:
            events = [ev async for ev in room]
    states = [ev for ev in events if isinstance(ev, StateChanged)]
    assert [s.state for s in states] == [
        ConnectionState.CONNECTING,
        ConnectionState.CONNECTED,
        ConnectionState.DISCONNECTED,
    ]
    assert states[-1].disconnect == DisconnectReason.DISCONNECTED_BY_MODERATOR
    assert states[-1].reason == "a moderator disconnected you: spam"
    assert provider.calls == server.connections == 1


async def test_someone_elses_disconnect_event_then_a_lost_link_reconnects() -> None:
    async def handler(server: RawServer, ws: ServerConnection) -> None:
        if server.connections == 1:
            await _kick_bob_then(server, ws, close=True)
        else:
            await ws.wait_closed()

    async with raw_server(handler) as server:
        provider = CountingProvider(server.url, user_id="alice")
        async with ChatRoom(provider, backoff_base=0.01) as room:
            lost = await next_event(room, is_state(ConnectionState.RECONNECTING))
            await next_event(room, is_state(ConnectionState.CONNECTED))
    assert isinstance(lost, StateChanged) and lost.reason.startswith("connection lost")
    assert provider.calls == 2


class _Ceiling(random.Random):
    """Full jitter at its top: each delay is the backoff window itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


async def test_links_that_die_at_once_back_off_like_refused_ones() -> None:
    async def slam(server: RawServer, ws: ServerConnection) -> None:
        await ws.close(code=1011, reason="internal error")

    async with raw_server(slam) as server:
        provider = CountingProvider(server.url)
        async with ChatRoom(
            provider, backoff_base=0.001, backoff_cap=0.016, rng=_Ceiling()
        ) as room:
            retrying: list[StateChanged] = []
            async for ev in room:
                if isinstance(ev, StateChanged) and ev.state == ConnectionState.RECONNECTING:
                    retrying.append(ev)
                    if len(retrying) == 8:
                        break
    assert [ev.retry_in for ev in retrying] == [
        0.001,
        0.002,
        0.004,
        0.008,
        0.016,
        0.016,
        0.016,
        0.016,
    ]
    assert [ev.attempt for ev in retrying] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert all("1011" in ev.reason for ev in retrying)
    assert provider.calls == 8  # one token per link, no tight loop burning them


async def test_links_that_die_at_once_count_towards_max_attempts() -> None:
    async def slam(server: RawServer, ws: ServerConnection) -> None:
        await ws.close(code=1011, reason="internal error")

    async with raw_server(slam) as server:
        provider = CountingProvider(server.url)
        async with ChatRoom(provider, backoff_base=0.001, max_attempts=3) as room:
            events = [ev async for ev in room]
    final = events[-1]
    assert isinstance(final, StateChanged)
    assert final.disconnect == DisconnectReason.GAVE_UP
    assert final.reason == "connection lost (code 1011); gave up after 3 attempts"
    assert provider.calls == 3


async def test_a_link_that_stayed_up_restarts_the_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tui.ivs.room.STABLE_LINK", 0.0)  # every link counts as stable

    async def slam(server: RawServer, ws: ServerConnection) -> None:
        await ws.close(code=1011, reason="internal error")

    async with (
        raw_server(slam) as server,
        ChatRoom(
            CountingProvider(server.url), backoff_base=0.001, backoff_cap=0.016, rng=_Ceiling()
        ) as room,
    ):
        retrying: list[StateChanged] = []
        async for ev in room:
            if isinstance(ev, StateChanged) and ev.state == ConnectionState.RECONNECTING:
                retrying.append(ev)
                if len(retrying) == 4:
                    break
    assert [(ev.retry_in, ev.attempt) for ev in retrying] == [(0.001, 2)] * 4


async def test_a_handshake_gets_its_own_timeout_not_the_request_timeout() -> None:
    silent: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(
        _reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        silent.append(writer)  # a TCP peer that never answers the WebSocket upgrade

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        provider = CountingProvider(f"ws://127.0.0.1:{port}/")
        # were the request timeout used for the handshake, this would wait an hour
        async with ChatRoom(provider, request_timeout=3600, connect_timeout=0.2) as room:
            retry = await next_event(room, is_state(ConnectionState.RECONNECTING))
        assert isinstance(retry, StateChanged)
        assert retry.reason == f"the chat server at {provider.url} did not answer in 0.2 s"
    finally:
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()


ONE_MIB = "x" * (1024 * 1024)
"""A frame as large as a 1 MiB RequestId would make a careless stack send everyone."""


async def test_an_oversize_frame_costs_one_reconnect_and_is_told_in_words() -> None:
    async def oversize_once(server: RawServer, ws: ServerConnection) -> None:
        if server.connections == 1:
            await ws.send(message_frame("before"))
            await ws.send(ONE_MIB)
        else:
            await _echo(server, ws)

    async with raw_server(oversize_once) as server:
        provider = CountingProvider(server.url)
        async with ChatRoom(provider, backoff_base=0.01) as room:
            before = await next_event(room, lambda ev: isinstance(ev, ChatMessage))
            assert isinstance(before, ChatMessage) and before.content == "before"
            retry = await next_event(room, is_state(ConnectionState.RECONNECTING))
            assert isinstance(retry, StateChanged)
            assert retry.reason == (
                "the chat server sent a frame over 64 KiB, larger than any chat message"
            )
            await next_event(room, is_state(ConnectionState.CONNECTED))
            echo = await room.send_message("still here")
            assert echo.content == "still here"
        assert provider.calls == server.connections == 2


async def test_a_repeated_oversize_frame_stops_reconnecting_in_words() -> None:
    async def oversize_always(server: RawServer, ws: ServerConnection) -> None:
        await ws.send(ONE_MIB)
        await ws.wait_closed()

    async with raw_server(oversize_always) as server:
        provider = CountingProvider(server.url)
        async with ChatRoom(provider, backoff_base=0.01) as room:
            states = [ev async for ev in room if isinstance(ev, StateChanged)]
    assert [s.state for s in states] == [
        ConnectionState.CONNECTING,
        ConnectionState.CONNECTED,
        ConnectionState.RECONNECTING,
        ConnectionState.CONNECTING,
        ConnectionState.CONNECTED,
        ConnectionState.DISCONNECTED,
    ]
    final = states[-1]
    assert final.disconnect == DisconnectReason.GAVE_UP
    assert final.reason == (
        "the chat server sent a frame over 64 KiB, larger than any chat message, 2 times: "
        "stopped reconnecting (join again to retry)"
    )
    assert provider.calls == server.connections == 2


async def test_a_frame_that_is_not_text_counts_as_refused_like_an_oversize_one() -> None:
    async def invalid_utf8(server: RawServer, ws: ServerConnection) -> None:
        # A text frame whose payload is not UTF-8: websockets fails the link with 1007.
        await ws.send(b"\xff\xfe not text", text=True)
        await ws.wait_closed()

    async with (
        raw_server(invalid_utf8) as server,
        ChatRoom(CountingProvider(server.url), backoff_base=0.01) as room,
    ):
        final = [ev async for ev in room if isinstance(ev, StateChanged)][-1]
    assert final.disconnect == DisconnectReason.GAVE_UP
    assert final.reason.startswith("the chat server sent a frame that is not valid text")
    assert server.connections == 2
