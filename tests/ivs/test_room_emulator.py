"""The room client against the real emulator: one test per behaviour of the room client.

Tokens come from CreateChatToken (boto3 pointed at the emulator); sockets are real
loopback sockets. Waits are bounded by pytest-timeout, never asserted on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.ivs.conftest import (
    BROADCASTER,
    VIEWER,
    ChatTokens,
    Stack,
    is_state,
    local_stack,
    next_event,
)
from tui.ivs.events import (
    ChatError,
    ChatMessage,
    ConnectionState,
    CustomEvent,
    DisconnectReason,
    MessageDeleted,
    NotConnected,
    RoomEvent,
    StateChanged,
    UserDisconnected,
)
from tui.ivs.protocol import MAX_MESSAGE_LENGTH
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken

CONNECTED = is_state(ConnectionState.CONNECTED)


def _message(content: str):  # type: ignore[no-untyped-def]
    return lambda ev: isinstance(ev, ChatMessage) and ev.content == content


@asynccontextmanager
async def alice_and_bob(
    *, backoff_base: float
) -> AsyncIterator[tuple[Stack, ChatRoom, ChatRoom, ChatTokens]]:
    """Alice (broadcaster) and Bob (viewer, reconnecting after `backoff_base`) in a fresh
    room whose rate no test here reaches; yielded once Bob is connected."""
    async with local_stack() as stack:
        arn = await stack.create_room(maximumMessageRatePerSecond=100)
        bob_tokens = stack.tokens(arn, "bob", VIEWER)
        async with (
            ChatRoom(stack.tokens(arn, "alice", BROADCASTER)) as alice,
            ChatRoom(bob_tokens, backoff_base=backoff_base) as bob,
        ):
            await next_event(bob, CONNECTED)
            yield stack, alice, bob, bob_tokens


async def test_message_echo_and_delivery_to_others() -> None:
    async with local_stack() as stack:
        arn = await stack.create_room()
        alice = ChatRoom(stack.tokens(arn, "alice", BROADCASTER))
        bob = ChatRoom(stack.tokens(arn, "bob", VIEWER))
        async with alice, bob:
            await next_event(alice, CONNECTED)
            await next_event(bob, CONNECTED)
            echo = await alice.send_message("hello 🦆", {"mood": "happy"})
            assert (echo.content, echo.sender_id, echo.sender_name) == (
                "hello 🦆",
                "alice",
                "Alice",
            )
            assert echo.attributes == {"mood": "happy"}
            seen = await next_event(bob, _message("hello 🦆"))
            assert isinstance(seen, ChatMessage) and seen.id == echo.id
            # The echo is in alice's own stream too: her message shows in her list.
            assert await next_event(alice, _message("hello 🦆")) == echo


async def test_delete_message_reaches_everyone() -> None:
    async with local_stack() as stack:
        arn = await stack.create_room()
        async with (
            ChatRoom(stack.tokens(arn, "alice", BROADCASTER)) as alice,
            ChatRoom(stack.tokens(arn, "bob", VIEWER)) as bob,
        ):
            await next_event(bob, CONNECTED)
            said = await bob.send_message("spam spam")
            gone = await alice.delete_message(said.id, reason="spam")
            assert (gone.message_id, gone.reason) == (said.id, "spam")
            seen = await next_event(bob, lambda ev: isinstance(ev, MessageDeleted))
            assert isinstance(seen, MessageDeleted) and seen.message_id == said.id


async def test_viewer_without_delete_capability_gets_403() -> None:
    async with local_stack() as stack:
        arn = await stack.create_room()
        async with ChatRoom(stack.tokens(arn, "bob", VIEWER)) as bob:
            said = await bob.send_message("mine")
            with pytest.raises(ChatError) as caught:
                await bob.delete_message(said.id)
            assert caught.value.code == 403
            assert "not allowed" in str(caught.value)
            with pytest.raises(ChatError) as caught:
                await bob.disconnect_user("alice")
            assert caught.value.code == 403


async def test_room_rate_limit_gives_429() -> None:
    async with local_stack() as stack:
        arn = await stack.create_room(maximumMessageRatePerSecond=1)
        async with ChatRoom(stack.tokens(arn, "bob", VIEWER)) as bob:
            answers = await asyncio.gather(
                *(bob.send_message(f"quick {i}") for i in range(4)), return_exceptions=True
            )
            limited = [a for a in answers if isinstance(a, ChatError)]
            assert any(isinstance(a, ChatMessage) for a in answers)
            assert limited and all(a.code == 429 for a in limited)
            assert "sending too fast" in str(limited[0])


async def test_length_is_in_code_points_and_the_room_limit_comes_from_the_server() -> None:
    async with local_stack() as stack:
        arn = await stack.create_room(maximumMessageLength=10)
        wide = await stack.create_room()
        async with (
            ChatRoom(stack.tokens(arn, "bob", VIEWER)) as bob,
            ChatRoom(stack.tokens(wide, "eve", VIEWER)) as eve,
        ):
            assert (await bob.send_message("🦆" * 10)).content == "🦆" * 10
            with pytest.raises(ChatError) as caught:
                await bob.send_message("x" * 11)  # under 500: only the server knows the room's 10
            assert caught.value.code == 413
            most = "🦆" * MAX_MESSAGE_LENGTH  # 500 code points, 2,000 bytes of UTF-8
            assert (await eve.send_message(most)).content == most


async def test_custom_events_from_send_event_arrive() -> None:
    async with local_stack() as stack:
        arn = await stack.create_room()
        async with ChatRoom(stack.tokens(arn, "bob", VIEWER)) as bob:
            await next_event(bob, CONNECTED)
            await asyncio.to_thread(
                stack.chat.send_event,
                roomIdentifier=arn,
                eventName="StreamCat:MultihostInvite",
                attributes={"userId": "bob"},
            )
            got = await next_event(bob, lambda ev: isinstance(ev, CustomEvent))
            assert isinstance(got, CustomEvent)
            assert (got.name, got.attributes) == ("StreamCat:MultihostInvite", {"userId": "bob"})


async def test_moderator_disconnect_ends_the_room_without_reconnecting() -> None:
    async with alice_and_bob(backoff_base=0.01) as (_, alice, bob, bob_tokens):
        await bob.send_message("hi")  # bob's own user id is now known to his client
        done = await alice.disconnect_user("bob", reason="be nice")
        assert (done.user_id, done.reason) == ("bob", "be nice")
        events = [ev async for ev in bob]  # the stream ends: nothing after this
        told = [ev for ev in events if isinstance(ev, UserDisconnected)]
        assert [(ev.user_id, ev.reason) for ev in told] == [("bob", "be nice")]
        final = events[-1]
        assert isinstance(final, StateChanged)
        assert final.state == ConnectionState.DISCONNECTED
        assert final.disconnect == DisconnectReason.DISCONNECTED_BY_MODERATOR
        assert final.reason == "a moderator disconnected you: be nice"
        assert not any(
            isinstance(ev, StateChanged) and ev.state == ConnectionState.RECONNECTING
            for ev in events
        )
        assert bob_tokens.calls == 1
        with pytest.raises(NotConnected, match="moderator"):
            await bob.send_message("let me back in")
        assert bob.state == ConnectionState.DISCONNECTED


async def test_a_longest_multibyte_reason_still_ends_the_room_for_good() -> None:
    # 256 code points of 2- and 4-byte characters: far over a close frame's 123 bytes.
    reason = ("é🙂" * 128)[:256]
    async with alice_and_bob(backoff_base=0.01) as (_, alice, bob, bob_tokens):
        # bob has sent nothing: his client knows his user id from his token alone
        await alice.disconnect_user("bob", reason=reason)
        events = [ev async for ev in bob]
        assert not any(
            isinstance(ev, StateChanged) and ev.state == ConnectionState.RECONNECTING
            for ev in events
        )
        final = events[-1]
        assert isinstance(final, StateChanged)
        assert final.disconnect == DisconnectReason.DISCONNECTED_BY_MODERATOR
        assert final.reason == f"a moderator disconnected you: {reason}"
        assert bob_tokens.calls == 1


async def test_killed_socket_reconnects_with_a_fresh_token_and_goes_on() -> None:
    async with alice_and_bob(backoff_base=0.05) as (stack, alice, bob, bob_tokens):

        async def talk() -> None:
            for i in range(30):
                await alice.send_message(f"m{i}")
                await asyncio.sleep(0.01)

        talking = asyncio.create_task(talk())
        seen: list[str] = []
        states: list[StateChanged] = []
        async for ev in bob:  # mid-stream: kill bob's socket after his fifth message
            if isinstance(ev, StateChanged):
                states.append(ev)
                if ev.state == ConnectionState.CONNECTED:
                    break
            elif isinstance(ev, ChatMessage):
                seen.append(ev.content)
                if len(seen) == 5:
                    assert stack.emulator.drop_connections("bob") == 1
        await talking
        await alice.send_message("after")
        async for ev in bob:
            if isinstance(ev, ChatMessage):
                seen.append(ev.content)
                if ev.content == "after":
                    break
        lost = states[0]
        assert lost.state == ConnectionState.RECONNECTING
        assert lost.reason.startswith("connection lost")
        assert lost.retry_in is not None and 0 <= lost.retry_in <= 0.05
        assert seen[:5] == ["m0", "m1", "m2", "m3", "m4"]
        assert seen[-1] == "after" and len(seen) == len(set(seen))
        assert bob_tokens.calls == 2
        assert len(set(bob_tokens.tokens)) == 2  # single-use tokens: a new one each time


async def test_outbox_holds_sends_while_reconnecting() -> None:
    async with alice_and_bob(backoff_base=0.01) as (stack, alice, bob, bob_tokens):
        bob_tokens.gate.clear()  # the next connection waits for the test
        stack.emulator.drop_connections("bob")
        await next_event(bob, is_state(ConnectionState.RECONNECTING))
        typed = [asyncio.create_task(bob.send_message(f"typed {i}")) for i in range(3)]
        await next_event(bob, is_state(ConnectionState.CONNECTING))
        assert not any(t.done() for t in typed)  # waiting, not failed, not dropped
        bob_tokens.gate.set()
        echoes = await asyncio.gather(*typed)
        assert [e.content for e in echoes] == ["typed 0", "typed 1", "typed 2"]
        for i in range(3):
            await next_event(alice, _message(f"typed {i}"))


async def test_request_timeout_starts_when_the_frame_is_written() -> None:
    async with local_stack() as stack:
        arn = await stack.create_room()
        tokens = stack.tokens(arn, "bob", VIEWER)
        tokens.gate.clear()
        # 1 s for the echo once written: ample on a loaded machine
        async with ChatRoom(tokens, request_timeout=1.0) as bob:
            sending = asyncio.create_task(bob.send_message("patient"))
            await asyncio.sleep(1.5)  # longer than the timeout, queued: it must not count
            assert not sending.done()
            tokens.gate.set()
            assert (await sending).content == "patient"


async def test_session_end_without_refresh_reconnects() -> None:
    async with local_stack(session_seconds=0.5) as stack:
        arn = await stack.create_room()
        tokens = stack.tokens(arn, "bob", VIEWER)
        tokens.session_end = False  # the client cannot see the end coming: no refresh
        async with ChatRoom(tokens, backoff_base=0.01) as bob:
            await next_event(bob, CONNECTED)
            # The first session ends in 0.5 s; the next lasts the usual hour, so a loaded
            # machine's slow reconnect and send cannot outlast it too.
            stack.emulator.config.session_seconds = None
            ended = await next_event(bob, is_state(ConnectionState.RECONNECTING))
            assert isinstance(ended, StateChanged)
            assert ended.reason == "the chat session ended"
            await next_event(bob, CONNECTED)
            assert (await bob.send_message("still here")).content == "still here"
            assert tokens.calls == 2


async def test_used_token_is_rejected_and_reported() -> None:
    async with local_stack() as stack:
        arn = await stack.create_room()
        token = await stack.tokens(arn, "bob", VIEWER)()

        async def replay() -> ChatToken:
            return token

        async with ChatRoom(replay, max_attempts=1) as first:
            await next_event(first, CONNECTED)  # the token's one use
        again = ChatRoom(replay, backoff_base=0.01, max_attempts=2)
        async with again:
            states = [ev async for ev in again if isinstance(ev, StateChanged)]
        retry = next(s for s in states if s.state == ConnectionState.RECONNECTING)
        assert retry.reason == "the chat server refused the token (HTTP 401)"
        assert states[-1].state == ConnectionState.DISCONNECTED
        assert states[-1].disconnect == DisconnectReason.TOKEN_REJECTED


async def test_refresh_before_session_end_loses_and_repeats_nothing() -> None:
    """Sessions of 3 s, refreshed halfway (1.5 s before their end: time enough for a loaded
    machine to open the new link), while the room floods: custom events, five at a time
    (the emulator's own broadcast, as SendEvent does) and messages from a sender that
    refreshes too, until each side has refreshed twice. Whatever crossed a handoff arrives
    exactly once."""
    async with local_stack(session_seconds=3.0) as stack:
        arn = await stack.create_room(maximumMessageRatePerSecond=100)
        room_state = stack.emulator.state.rooms[arn]
        sender_tokens = stack.tokens(arn, "alice", BROADCASTER)
        receiver_tokens = stack.tokens(arn, "bob", VIEWER)
        received: list[RoomEvent] = []
        flooded: list[str] = []
        sent: list[str] = []
        async with (
            ChatRoom(sender_tokens, refresh_margin=1.5) as alice,
            ChatRoom(receiver_tokens, refresh_margin=1.5) as bob,
        ):
            await next_event(bob, CONNECTED)

            async def collect() -> None:
                async for ev in bob:
                    received.append(ev)
                    if isinstance(ev, ChatMessage) and ev.content == "the end":
                        return

            async def flood() -> None:
                while True:  # bursts, so that every handoff has frames in flight
                    for _ in range(5):
                        flooded.append(stack.emulator.hub.send_event(room_state, "tick", None))
                    await asyncio.sleep(0.002)

            collecting = asyncio.create_task(collect())
            flooding = asyncio.create_task(flood())
            # Until each side has its third token (two refreshes), then ten more to cross
            # the last handoff; bounded, should a refresh never come.
            more = 10
            while more:
                assert len(sent) < 2000, "the sessions were not refreshed"
                if min(len(sender_tokens.tokens), len(receiver_tokens.tokens)) >= 3:
                    more -= 1
                sent.append(f"m{len(sent)}")
                await alice.send_message(sent[-1])  # each awaited: every one confirmed
                await asyncio.sleep(0.02)  # about 40 msg/s, under the room's 100
            flooding.cancel()
            await alice.send_message("the end")
            await collecting
        counts = Counter(ev.content for ev in received if isinstance(ev, ChatMessage))
        assert counts == Counter([*sent, "the end"])
        ticks = [ev.id for ev in received if isinstance(ev, CustomEvent)]
        assert len(flooded) > 500
        assert sorted(ticks) == sorted(flooded)  # none lost, none twice
        states = [ev.state for ev in received if isinstance(ev, StateChanged)]
        assert ConnectionState.RECONNECTING not in states  # the handoff was seamless
        assert receiver_tokens.calls >= 3 and sender_tokens.calls >= 3  # two refreshes each


async def send_through_expiry(room: ChatRoom, content: str) -> None:
    """Send `content`; a sender that does not refresh has its session end under it (ERROR
    401, the message refused, the room reconnecting), and then sends it again."""
    for _ in range(3):
        try:
            await room.send_message(content)
            return
        except ChatError as exc:
            if "expired" not in str(exc):
                raise
    raise AssertionError(f"{content!r} was refused three times")


async def test_a_batched_reader_keeps_the_order_across_refreshes() -> None:
    """The TUI reads its link in batches (tui/ivs/connection/read_coalescing.py). A refresh overlaps
    two links: the old one must hand on what it holds back as soon as the new one opens,
    or a message that only the old link got would come after later ones the new link
    brought at once. Sessions of 3 s, refreshed halfway, the room at 100 msg/s."""
    async with local_stack(session_seconds=3.0) as stack:
        arn = await stack.create_room(maximumMessageRatePerSecond=100)
        sender_tokens = stack.tokens(arn, "alice", BROADCASTER)
        receiver_tokens = stack.tokens(arn, "bob", VIEWER)
        sender_tokens.session_end = False  # only the receiver refreshes
        received: list[str] = []
        sent: list[str] = []
        async with (
            ChatRoom(sender_tokens) as alice,
            ChatRoom(receiver_tokens, refresh_margin=1.5, batch_reads=True) as bob,
        ):
            await next_event(bob, CONNECTED)

            async def collect() -> None:
                async for ev in bob:
                    if isinstance(ev, ChatMessage):
                        received.append(ev.content)
                        if ev.content == "the end":
                            return

            collecting = asyncio.create_task(collect())
            more = 20  # after the receiver's third token: across the last handoff
            while more:
                assert len(sent) < 3000, "the sessions were not refreshed"
                if len(receiver_tokens.tokens) >= 3:
                    more -= 1
                sent.append(f"m{len(sent)}")
                await send_through_expiry(alice, sent[-1])
                await asyncio.sleep(0.01)
            await alice.send_message("the end")
            await collecting
        assert received == [*sent, "the end"]
        assert receiver_tokens.calls >= 3
