"""The recorder fed by a real room client on the real emulator, as the keeper will feed
it: messages, a deletion, a disconnect, and a reconnect whose gap reads incomplete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.ivs.conftest import BROADCASTER, is_state, local_stack
from tests.server.history.helpers import ids
from tui.ivs.events import ChatMessage, ConnectionState, RoomEvent, StateChanged
from tui.ivs.room import ChatRoom
from tui.server.history.query import history
from tui.server.history.recorder import HistoryRecorder
from tui.server.history.store import HistoryStore


async def record_until(
    room: ChatRoom, recorder: HistoryRecorder, want: Callable[[RoomEvent], bool]
) -> RoomEvent:
    """The keeper's loop: every event goes to the recorder, up to the one we wait for."""
    async for event in room:
        recorder.on_event(event)
        if want(event):
            return event
    raise AssertionError("the keeper's event stream ended first")


def content(text: str) -> Callable[[RoomEvent], bool]:
    return lambda ev: isinstance(ev, ChatMessage) and ev.content == text


async def test_the_keeper_records_the_room_and_its_gaps(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    recorder = HistoryRecorder(store)
    async with local_stack() as stack:
        arn = await stack.create_room(maximumMessageRatePerSecond=100)
        keeper_tokens = stack.tokens(arn, "keeper", BROADCASTER)
        async with (
            ChatRoom(stack.tokens(arn, "alice", BROADCASTER)) as alice,
            ChatRoom(keeper_tokens, backoff_base=0.01) as keeper,
        ):
            await record_until(keeper, recorder, is_state(ConnectionState.CONNECTED))
            first = await alice.send_message("first")
            spam = await alice.send_message("spam")
            await alice.send_message("third", {"k": "v"})
            await alice.delete_message(spam.id, "spam")
            await alice.disconnect_user("keeper-not-here", "rude")
            await record_until(keeper, recorder, content("third"))
            await record_until(keeper, recorder, lambda ev: type(ev).__name__ == "UserDisconnected")

            page = history(store, first.id)
            assert [f.content for f in page.frames()] == ["third"]  # spam was deleted
            assert page.frames()[0].attributes == {"k": "v"}
            assert page.complete
            assert [e.kind for e in store.moderation_events()] == [
                "aws:DELETE_MESSAGE",
                "aws:DISCONNECT_USER",
            ]

            keeper_tokens.gate.clear()  # hold the keeper's reconnection back
            assert stack.emulator.drop_connections("keeper") == 1
            await record_until(
                keeper,
                recorder,
                lambda ev: isinstance(ev, StateChanged) and ev.state != ConnectionState.CONNECTED,
            )
            await alice.send_message("missed")  # while the keeper is away
            keeper_tokens.gate.set()
            await record_until(keeper, recorder, is_state(ConnectionState.CONNECTED))
            back = await alice.send_message("back")
            await record_until(keeper, recorder, content("back"))
            assert history(store, back.id).complete  # connected again since

            gap = history(store, first.id)
            assert [f.content for f in gap.frames()] == ["third", "back"]
            assert not gap.complete  # "missed" fell in the keeper's gap: a gap, not a skip

    store.close()  # the server stops; what it recorded survives the restart
    again = HistoryStore(tmp_path)
    assert ids(history(again, first.id).messages_json) == [ids(gap.messages_json)[0], back.id]
    assert not history(again, back.id).complete  # nobody is recording now
    again.close()
