"""The room keeper against the real local stack: the emulator on loopback, tokens from
CreateChatToken over boto3, the project's room client for the keeper and the viewers.

Waits are for conditions (bounded by pytest-timeout), never asserted on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

import pytest

from tests.ivs.conftest import VIEWER, Stack, is_state, local_stack, next_event
from tui.ivs.control import ControlPlane
from tui.ivs.events import ConnectionState, MessageDeleted, RoomEvent, TokenRefused
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken
from tui.server.moderation.keeper import (
    KEEPER_CAPABILITIES,
    KeeperState,
    Offence,
    OffenceKind,
    RoomKeeper,
    keeper_tokens,
)
from tui.server.moderation.records import LoggedAction
from tui.server.moderation.room_settings import FloodLimits, RoomSettings

KEEPER_ID = "room-keeper"
SETTINGS = RoomSettings(blocked_terms=("scam", "re:fr[e3]+ m[o0]ney"))
CONNECTED = is_state(ConnectionState.CONNECTED)


def deleted(message_id: str) -> Callable[[RoomEvent], bool]:
    return lambda ev: isinstance(ev, MessageDeleted) and ev.message_id == message_id


class RoleTokens:
    """Tokens with a role attribute, as the app server grants them."""

    def __init__(self, stack: Stack, room_arn: str, user_id: str, role: str) -> None:
        self.stack, self.room_arn, self.user_id, self.role = stack, room_arn, user_id, role

    async def __call__(self) -> ChatToken:
        answer = await asyncio.to_thread(
            self.stack.chat.create_chat_token,
            roomIdentifier=self.room_arn,
            userId=self.user_id,
            capabilities=["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
            attributes={"username": self.user_id.title(), "role": self.role},
        )
        return ChatToken(
            answer["token"],
            self.stack.emulator.ws_url,
            answer["tokenExpirationTime"],
            answer["sessionExpirationTime"],
            self.user_id,
        )


@dataclass
class Room:
    stack: Stack
    arn: str
    keeper: RoomKeeper
    offences: list[Offence]
    bob: ChatRoom


@asynccontextmanager
async def kept_room(settings: RoomSettings = SETTINGS) -> AsyncIterator[Room]:
    """A room with the keeper live in it, and Bob (a viewer) connected."""
    async with local_stack() as stack:
        arn = await stack.create_room(maximumMessageRatePerSecond=100)
        offences: list[Offence] = []
        keeper = RoomKeeper(
            stack.tokens(arn, KEEPER_ID, list(KEEPER_CAPABILITIES)),
            settings,
            offences.append,
            user_id=KEEPER_ID,
            reopen_base=0.05,
            room_options={"backoff_base": 0.05},
        )
        async with keeper, ChatRoom(stack.tokens(arn, "bob", VIEWER)) as bob:
            await keeper.wait_live()
            await next_event(bob, CONNECTED)
            yield Room(stack, arn, keeper, offences, bob)


async def test_a_blocked_word_is_deleted_for_everyone_and_recorded() -> None:
    async with kept_room() as room:
        said = await room.bob.send_message("what a \u0455\u0441\u0430m")  # Cyrillic look-alikes
        gone = await next_event(room.bob, deleted(said.id))
        assert isinstance(gone, MessageDeleted) and gone.reason == "blocked term"
        await room.keeper.wait_until(lambda h: h.deletions == 1)
        [offence] = room.offences
        assert (offence.kind, offence.term, offence.message_id) == (
            OffenceKind.BLOCKED_TERM,
            "scam",
            said.id,
        )
        [record] = offence.records
        assert record.action is LoggedAction.DELETE and record.automatic
        assert record.reason == "blocked term 'scam'"
        assert (record.target.user_id, record.target.display_name) == ("bob", "Bob")
        assert room.keeper.health().to_json() == {
            "state": "live",
            "lastError": None,
            "messagesSeen": 1,
            "deletions": 1,
            "offences": 1,
            "connections": 1,
        }


async def test_clean_messages_and_the_broadcasters_stay() -> None:
    async with kept_room() as room:
        host = ChatRoom(RoleTokens(room.stack, room.arn, "host", "broadcaster"))
        async with host:
            await next_event(host, CONNECTED)
            await host.send_message("no scam here, I am the host")
            await room.bob.send_message("scammers and scamps")  # not the word 'scam'
            fine = await room.bob.send_message("hello everyone")
            bad = await room.bob.send_message("FREE M0NEY")
            # The keeper handles messages in order: the first deletion Bob sees is the last.
            gone = await next_event(room.bob, lambda ev: isinstance(ev, MessageDeleted))
            assert isinstance(gone, MessageDeleted) and gone.message_id == bad.id != fine.id
            await room.keeper.wait_until(lambda h: h.messages_seen == 4)
            assert [o.term for o in room.offences] == ["re:fr[e3]+ m[o0]ney"]


async def test_a_flood_is_one_offence_with_a_timeout() -> None:
    flood = FloodLimits(messages=3, seconds=60, timeout_seconds=600)
    async with kept_room(replace(SETTINGS, flood=flood)) as room:
        sent = [await room.bob.send_message(f"line {i}") for i in range(6)]
        # The fourth message is over the limit: it is deleted; the burst brings no more.
        gone = await next_event(room.bob, lambda ev: isinstance(ev, MessageDeleted))
        assert isinstance(gone, MessageDeleted) and gone.message_id == sent[3].id
        assert gone.reason == "flood"
        await room.keeper.wait_until(lambda h: h.messages_seen == 6)
        [offence] = room.offences
        assert offence.kind is OffenceKind.FLOOD
        delete, timeout = offence.records
        assert delete.action is LoggedAction.DELETE
        assert timeout.action is LoggedAction.TIMEOUT and timeout.automatic
        assert timeout.duration_seconds == 600
        assert timeout.expires_at == timeout.at + 600
        assert timeout.reason == "flood: more than 3 messages in 60 s"


async def test_the_keeper_survives_losing_its_socket_and_being_disconnected() -> None:
    async with kept_room() as room:
        emulator = room.stack.emulator
        # A network failure: the room client reconnects by itself.
        assert emulator.drop_connections(KEEPER_ID) == 1
        await room.keeper.wait_until(lambda h: h.connections == 2)
        assert room.keeper.health().state is KeeperState.LIVE
        said = await room.bob.send_message("scam again")
        await next_event(room.bob, deleted(said.id))

        # A moderator disconnects the keeper (clean close): it opens the room anew.
        await asyncio.to_thread(
            room.stack.chat.disconnect_user, roomIdentifier=room.arn, userId=KEEPER_ID
        )
        await room.keeper.wait_until(lambda h: h.connections == 3)
        health = room.keeper.health()
        assert health.state is KeeperState.LIVE
        assert health.last_error is not None and "disconnected" in health.last_error
        said = await room.bob.send_message("and a scam once more")
        await next_event(room.bob, deleted(said.id))
        assert len(room.offences) == 2


async def test_new_settings_apply_from_the_next_message() -> None:
    async with kept_room(RoomSettings()) as room:
        await room.bob.send_message("eggs")
        await room.keeper.wait_until(lambda h: h.messages_seen == 1)
        room.keeper.update(RoomSettings(blocked_terms=("eggs",)))
        second = await room.bob.send_message("eggs")
        gone = await next_event(room.bob, lambda ev: isinstance(ev, MessageDeleted))
        assert isinstance(gone, MessageDeleted) and gone.message_id == second.id
        assert [o.message_id for o in room.offences] == [second.id]


async def test_stopped_is_stopped() -> None:
    async with kept_room() as room:
        keeper = room.keeper
    assert keeper.health().state is KeeperState.STOPPED


async def test_the_keeper_gets_its_tokens_through_the_control_plane() -> None:
    # What the app server does, on the local stack and on AWS alike.
    async with local_stack() as stack:
        control = await ControlPlane.connect(
            region="us-east-1", endpoint_url=stack.emulator.url, credentials=("test", "test")
        )
        arn = await stack.create_room()
        offences: list[Offence] = []
        get_token = keeper_tokens(control, arn, stack.emulator.ws_url)
        keeper = RoomKeeper(get_token, SETTINGS, offences.append, user_id="room-keeper")
        async with keeper, ChatRoom(stack.tokens(arn, "bob", VIEWER)) as bob:
            await keeper.wait_live()
            said = await bob.send_message("scam")
            await next_event(bob, deleted(said.id))
        assert [o.sender.user_id for o in offences] == ["bob"]
        missing = keeper_tokens(control, arn.replace(arn[-12:], "A" * 12), stack.emulator.ws_url)
        with pytest.raises(TokenRefused, match="the room keeper's room is gone"):
            await missing()
