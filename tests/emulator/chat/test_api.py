"""boto3's ivschat client against the emulator: every operation and its main errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from tests.emulator.conftest import StartEmulator
from tests.emulator.helpers import call, client, new_room, signed_headers
from tui.emulator import Emulator

ARN_PREFIX = "arn:aws:ivschat:us-east-1:123456789012:room/"


def field_names(error: Any) -> list[str]:
    return [f["name"] for f in error.response["fieldList"]]


async def test_create_and_get_room_with_defaults(chat: Any) -> None:
    created = await call(chat.create_room, name="demo-room")
    assert created["arn"] == ARN_PREFIX + created["id"]
    assert len(created["id"]) == 12
    got = await call(chat.get_room, identifier=created["arn"])
    assert got["name"] == "demo-room"
    assert got["maximumMessageRatePerSecond"] == 10
    assert got["maximumMessageLength"] == 500
    assert got["createTime"] == created["createTime"]
    assert "messageReviewHandler" not in got


async def test_update_room_changes_only_what_is_given(chat: Any) -> None:
    arn = await new_room(chat, name="before", maximumMessageLength=200)
    handler = {"uri": "arn:aws:lambda:us-east-1:123456789012:function:review"}
    updated = await call(
        chat.update_room,
        identifier=arn,
        name="after",
        maximumMessageRatePerSecond=100,
        messageReviewHandler=handler,
    )
    assert updated["name"] == "after"
    assert updated["maximumMessageRatePerSecond"] == 100
    assert updated["maximumMessageLength"] == 200
    assert updated["messageReviewHandler"] == {**handler, "fallbackResult": "ALLOW"}
    assert updated["updateTime"] >= updated["createTime"]
    cleared = await call(chat.update_room, identifier=arn, messageReviewHandler={"uri": ""})
    assert "messageReviewHandler" not in cleared


async def test_list_rooms_pages_with_max_results_and_next_token(chat: Any) -> None:
    arns = {await new_room(chat, name=f"room-{i}") for i in range(5)}
    first = await call(chat.list_rooms, maxResults=2)
    assert len(first["rooms"]) == 2
    second = await call(chat.list_rooms, maxResults=2, nextToken=first["nextToken"])
    third = await call(chat.list_rooms, maxResults=2, nextToken=second["nextToken"])
    assert len(third["rooms"]) == 1
    assert "nextToken" not in third
    seen = [r["arn"] for r in first["rooms"] + second["rooms"] + third["rooms"]]
    assert sorted(seen) == sorted(arns)


async def test_list_rooms_newest_update_first_and_filter_by_name(chat: Any) -> None:
    old = await new_room(chat, name="old")
    new = await new_room(chat, name="new")
    await call(chat.update_room, identifier=old, name="old")
    listed = [r["arn"] for r in (await call(chat.list_rooms))["rooms"]]
    assert listed == [old, new]
    only = await call(chat.list_rooms, name="new")
    assert [r["arn"] for r in only["rooms"]] == [new]


async def test_list_rooms_rejects_a_token_it_did_not_issue(chat: Any) -> None:
    with pytest.raises(chat.exceptions.ValidationException):
        await call(chat.list_rooms, nextToken="not-a-token")


async def test_delete_room_answers_204_and_forgets_the_room(chat: Any) -> None:
    arn = await new_room(chat)
    answer = await call(chat.delete_room, identifier=arn)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(chat.exceptions.ResourceNotFoundException) as info:
        await call(chat.get_room, identifier=arn)
    assert info.value.response["resourceType"] == "ROOM"
    assert info.value.response["resourceId"] == arn.rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"maximumMessageLength": 501}, "maximumMessageLength"),
        ({"maximumMessageRatePerSecond": 101}, "maximumMessageRatePerSecond"),
        ({"name": "has spaces!"}, "name"),
        ({"name": "x" * 129}, "name"),
        ({"messageReviewHandler": {"uri": "not-a-lambda"}}, "messageReviewHandler.uri"),
        (
            {"messageReviewHandler": {"fallbackResult": "MAYBE"}},
            "messageReviewHandler.fallbackResult",
        ),
    ],
)
async def test_create_room_validation(chat: Any, params: dict[str, Any], field: str) -> None:
    with pytest.raises(chat.exceptions.ValidationException) as info:
        await call(chat.create_room, **params)
    assert field_names(info.value) == [field]
    assert info.value.response["reason"] == "FIELD_VALIDATION_FAILED"


async def test_create_chat_token_times_and_defaults(chat: Any) -> None:
    arn = await new_room(chat)
    answer = await call(chat.create_chat_token, roomIdentifier=arn, userId="alice")
    assert answer["token"]
    session = answer["sessionExpirationTime"] - answer["tokenExpirationTime"]
    assert timedelta(minutes=58) < session < timedelta(minutes=60)
    short = await call(
        chat.create_chat_token, roomIdentifier=arn, userId="bob", sessionDurationInMinutes=5
    )
    session = short["sessionExpirationTime"] - short["tokenExpirationTime"]
    assert timedelta(minutes=3) < session < timedelta(minutes=5)
    assert short["token"] != answer["token"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"userId": "u" * 129}, "userId"),
        ({"capabilities": ["SEND_MESSAGE", "FLY"]}, "capabilities[1]"),
        ({"sessionDurationInMinutes": 181}, "sessionDurationInMinutes"),
        ({"attributes": {"k": "v" * 1024}}, "attributes"),
    ],
)
async def test_create_chat_token_validation(chat: Any, params: dict[str, Any], field: str) -> None:
    arn = await new_room(chat)
    params = {"roomIdentifier": arn, "userId": "alice", **params}
    with pytest.raises(chat.exceptions.ValidationException) as info:
        await call(chat.create_chat_token, **params)
    assert field_names(info.value) == [field]


async def test_attributes_of_exactly_1_kb_are_accepted(chat: Any) -> None:
    arn = await new_room(chat)
    attributes = {"k": "v" * 1023}  # 1 + 1023 bytes
    answer = await call(
        chat.create_chat_token, roomIdentifier=arn, userId="a", attributes=attributes
    )
    assert answer["token"]
    with pytest.raises(chat.exceptions.ValidationException):
        await call(
            chat.create_chat_token, roomIdentifier=arn, userId="a", attributes={"é": "v" * 1023}
        )


async def test_minimums_are_checked_by_the_emulator_too(emulator: Emulator, chat: Any) -> None:
    # botocore checks minimums itself; with that off, the emulator must still refuse.
    raw = client("ivschat", emulator, client_validation=False)
    arn = await new_room(chat)
    with pytest.raises(raw.exceptions.ValidationException) as info:
        await call(raw.create_chat_token, roomIdentifier=arn, userId="")
    assert field_names(info.value) == ["userId"]
    with pytest.raises(raw.exceptions.ValidationException) as info:
        await call(raw.delete_message, roomIdentifier=arn, id="short")
    assert field_names(info.value) == ["id"]
    with pytest.raises(raw.exceptions.ValidationException) as info:
        await call(raw.create_room, maximumMessageLength=0)
    assert field_names(info.value) == ["maximumMessageLength"]


async def test_room_identifier_must_be_a_room_arn(chat: Any) -> None:
    with pytest.raises(chat.exceptions.ValidationException) as info:
        await call(chat.get_room, identifier="my-room")
    assert field_names(info.value) == ["identifier"]


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("get_room", {"identifier": ARN_PREFIX + "Missing00000"}),
        ("update_room", {"identifier": ARN_PREFIX + "Missing00000", "name": "x"}),
        ("delete_room", {"identifier": ARN_PREFIX + "Missing00000"}),
        ("create_chat_token", {"roomIdentifier": ARN_PREFIX + "Missing00000", "userId": "a"}),
        ("send_event", {"roomIdentifier": ARN_PREFIX + "Missing00000", "eventName": "e"}),
        ("delete_message", {"roomIdentifier": ARN_PREFIX + "Missing00000", "id": "A" * 12}),
        ("disconnect_user", {"roomIdentifier": ARN_PREFIX + "Missing00000", "userId": "a"}),
    ],
)
async def test_missing_room_is_resource_not_found(
    chat: Any, operation: str, params: dict[str, Any]
) -> None:
    with pytest.raises(chat.exceptions.ResourceNotFoundException) as info:
        await call(getattr(chat, operation), **params)
    assert info.value.response["resourceId"] == "Missing00000"


async def test_send_event_validation(chat: Any) -> None:
    arn = await new_room(chat)
    with pytest.raises(chat.exceptions.ValidationException) as info:
        await call(chat.send_event, roomIdentifier=arn, eventName="e" * 101)
    assert field_names(info.value) == ["eventName"]
    with pytest.raises(chat.exceptions.ValidationException) as info:
        await call(chat.send_event, roomIdentifier=arn, eventName="e", attributes={"a": "b" * 1024})
    assert field_names(info.value) == ["attributes"]


async def test_server_side_actions_answer_with_ids(chat: Any) -> None:
    arn = await new_room(chat)
    event = await call(chat.send_event, roomIdentifier=arn, eventName="app:hello")
    assert len(event["id"]) == 12
    deleted = await call(chat.delete_message, roomIdentifier=arn, id="A" * 12, reason="spam")
    assert len(deleted["id"]) == 12
    answer = await call(chat.disconnect_user, roomIdentifier=arn, userId="nobody")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(chat.exceptions.ValidationException) as info:
        await call(chat.disconnect_user, roomIdentifier=arn, userId="a", reason="r" * 257)
    assert field_names(info.value) == ["reason"]


async def test_tags_on_a_room(chat: Any) -> None:
    arn = await new_room(chat, tags={"team": "chat"})
    await call(chat.tag_resource, resourceArn=arn, tags={"env": "local"})
    tags = (await call(chat.list_tags_for_resource, resourceArn=arn))["tags"]
    assert tags == {"team": "chat", "env": "local"}
    await call(chat.untag_resource, resourceArn=arn, tagKeys=["team"])
    assert (await call(chat.list_tags_for_resource, resourceArn=arn))["tags"] == {"env": "local"}
    with pytest.raises(chat.exceptions.ResourceNotFoundException):
        await call(chat.list_tags_for_resource, resourceArn=ARN_PREFIX + "Missing00000")
    with pytest.raises(chat.exceptions.ValidationException):
        await call(chat.tag_resource, resourceArn=arn, tags={"k" * 129: "v"})


async def test_unreadable_body_is_a_validation_error(emulator: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{emulator.url}/CreateRoom",
            data=b"{not json",
            headers=signed_headers(f"{emulator.url}/CreateRoom", b"{not json"),
        ) as response,
    ):
        assert response.status == 400
        assert response.headers["x-amzn-ErrorType"] == "ValidationException"
        assert "not valid JSON" in (await response.json())["message"]


async def test_any_credentials_are_accepted(emulator: Emulator) -> None:
    other = client("ivschat", emulator, access_key_id="AKIAWHATEVER")
    assert (await call(other.list_rooms))["rooms"] == []


async def test_with_an_access_key_id_only_that_caller_is_served(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(access_key_id="AKIATHEAPPSERVER")

    def chat_as(key_id: str) -> Any:
        return client("ivschat", emulator, access_key_id=key_id)

    owner = chat_as("AKIATHEAPPSERVER")
    room = await new_room(owner, name="mine")
    assert (await call(owner.get_room, identifier=room))["name"] == "mine"
    other = chat_as("AKIATHEAPPSERVEX")
    with pytest.raises(other.exceptions.AccessDeniedException) as denied:
        await call(other.get_room, identifier=room)
    assert "only from the app server" in denied.value.response["Error"]["Message"]
