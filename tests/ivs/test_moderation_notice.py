"""The ivs-chat-tui:Moderation event through the real local stack: SendEvent (boto3) with
the notice's attributes, read back by a room client."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.ivs.conftest import VIEWER, is_state, local_stack, next_event
from tui.ivs.events import ConnectionState, CustomEvent
from tui.ivs.moderation_notice import EVENT_MODERATION, ModerationNotice, parse_notice
from tui.ivs.protocol import ATTRIBUTES_MAX_BYTES, attributes_size
from tui.ivs.room import ChatRoom
from tui.server.moderation.records import (
    LoggedAction,
    ModerationRecord,
    Party,
)

NOW = 1_800_000_000.0


def record(action: LoggedAction, reason: str | None = None) -> ModerationRecord:
    return ModerationRecord(
        7,
        NOW,
        Party("viewer-ana", "Ana"),
        False,
        action,
        Party("viewer-bob", "Bob"),
        reason,
        600 if action is LoggedAction.TIMEOUT else None,
        NOW + 600 if action is LoggedAction.TIMEOUT else None,
    )


async def test_every_client_reads_the_notice_as_sent() -> None:
    notice = record(LoggedAction.TIMEOUT, "caps").notice()
    async with local_stack() as stack:
        arn = await stack.create_room()
        async with ChatRoom(stack.tokens(arn, "carol", VIEWER)) as carol:
            await next_event(carol, is_state(ConnectionState.CONNECTED))
            await asyncio.to_thread(
                stack.chat.send_event,
                roomIdentifier=arn,
                eventName=EVENT_MODERATION,
                attributes=notice.attributes(),
            )
            event = await next_event(carol, lambda ev: isinstance(ev, CustomEvent))
            assert isinstance(event, CustomEvent)
    read = parse_notice(event)
    assert read == notice
    assert read is not None and read.renew
    assert read.expires_at == datetime.fromtimestamp(NOW + 600, UTC)
    assert (read.actor_name, read.target_name, read.reason) == ("Ana", "Bob", "caps")


def test_the_reason_is_cut_to_keep_the_event_within_1_kb() -> None:
    long = ModerationNotice(
        "ban", 1, "a" * 128, "\U0001f600" * 32, "b" * 128, "\U0001f600" * 32, reason="é" * 256
    )
    attrs = long.attributes()
    assert attributes_size(attrs) <= ATTRIBUTES_MAX_BYTES
    assert attrs["reason"].startswith("éé") and set(attrs["reason"]) == {"é"}
    assert attrs["renew"] == "false"


def test_what_renews() -> None:
    renewing = {a for a in LoggedAction if record(a).notice().renew}
    assert renewing == {
        LoggedAction.TIMEOUT,
        LoggedAction.UNTIMEOUT,
        LoggedAction.MOD,
        LoggedAction.UNMOD,
    }


def test_malformed_notices_are_ignored() -> None:
    good = record(LoggedAction.MOD).notice().attributes()
    send_time = datetime(2026, 12, 1, tzinfo=UTC)
    for bad in (
        {**good, "action": "obliterate"},
        {**good, "recordId": "x"},
        {**good, "durationSeconds": "-5"},
        {k: v for k, v in good.items() if k != "targetUserId"},
    ):
        assert parse_notice(CustomEvent("id", EVENT_MODERATION, bad, send_time)) is None
    assert parse_notice(CustomEvent("id", "other", good, send_time)) is None
