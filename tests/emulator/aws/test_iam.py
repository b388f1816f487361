"""An IAM identity policy on the control plane, through boto3: what it allows works,
anything else is AccessDeniedException as AWS raises it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import StartEmulator
from tests.emulator.helpers import call, client
from tui.emulator import Emulator, EmulatorConfig
from tui.emulator.aws.iam import PolicyError

ROOMS = "arn:aws:ivschat:us-east-1:123456789012:room/*"
STAGES = "arn:aws:ivs:us-east-1:123456789012:stage/*"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


async def denied(service_client: Any, method: str, **params: Any) -> str:
    """The message of the AccessDeniedException that calling `method` raises."""
    errors = service_client.exceptions
    with pytest.raises(errors.AccessDeniedException) as info:
        await call(getattr(service_client, method), **params)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return info.value.response["Error"]["Message"]


async def test_what_the_policy_allows_works_and_the_rest_is_access_denied(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(
        iam_policy=policy(
            allow(["ivschat:CreateRoom", "ivschat:GetRoom", "ivschat:CreateChatToken"], ROOMS),
            allow(["ivs:CreateStage", "ivs:GetStage"], STAGES),
        )
    )
    chat, realtime = client("ivschat", emulator), client("ivs-realtime", emulator)
    room = (await call(chat.create_room, name="r"))["arn"]
    await call(chat.get_room, identifier=room)
    await call(chat.create_chat_token, roomIdentifier=room, userId="u")
    stage = (await call(realtime.create_stage, name="s"))["stage"]["arn"]
    await call(realtime.get_stage, arn=stage)

    message = await denied(chat, "disconnect_user", roomIdentifier=room, userId="u")
    assert message == (
        "User: arn:aws:iam::123456789012:user/test is not authorized to perform: "
        f"ivschat:DisconnectUser on resource: {room} because no identity-based policy "
        "allows the ivschat:DisconnectUser action"
    )
    assert "ivschat:DeleteMessage" in await denied(
        chat, "delete_message", roomIdentifier=room, id="abcdefghijkl"
    )
    # IVS Real-Time's actions are ivs:..., and its errors come in its own shape.
    message = await denied(realtime, "create_participant_token", stageArn=stage)
    assert f"ivs:CreateParticipantToken on resource: {stage}" in message
    # Nothing was done by a denied call.
    assert (await call(chat.get_room, identifier=room))["arn"] == room


async def test_wildcards_in_actions_and_resources(start_emulator: StartEmulator) -> None:
    admin = await start_emulator()
    rooms = [(await call(client("ivschat", admin).create_room))["arn"] for _ in range(2)]
    one = rooms[0]
    emulator = await start_emulator(
        iam_policy=policy(
            allow("ivschat:Create*", ROOMS),
            # Actions match whatever the case; ? is one character.
            allow(
                ["IVSCHAT:?etroom", "ivschat:SendEvent"],
                [one, "arn:aws:ivschat:us-east-?:*:room/nothing*"],
            ),
        )
    )
    chat = client("ivschat", emulator)
    mine = (await call(chat.create_room))["arn"]
    await call(chat.create_chat_token, roomIdentifier=mine, userId="u")
    assert "ivschat:GetRoom" in await denied(chat, "get_room", identifier=mine)
    # The same ARN, another stack: not found, but allowed first.
    with pytest.raises(chat.exceptions.ResourceNotFoundException):
        await call(chat.get_room, identifier=one)
    assert "ivschat:GetRoom" in await denied(chat, "get_room", identifier=rooms[1])
    assert "ivschat:UpdateRoom" in await denied(chat, "update_room", identifier=one)


async def test_list_calls_are_checked_against_star_and_tags_by_their_own_actions(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(
        iam_policy=policy(
            allow(["ivschat:CreateRoom", "ivschat:ListRooms", "ivschat:TagResource"], ROOMS),
            allow("ivs:ListStages", "*"),
        )
    )
    chat, realtime = client("ivschat", emulator), client("ivs-realtime", emulator)
    room = (await call(chat.create_room))["arn"]
    # ListRooms names no resource: IAM checks it against "*", which room/* does not cover.
    assert "on resource: * " in await denied(chat, "list_rooms")
    await call(realtime.list_stages)
    await call(chat.tag_resource, resourceArn=room, tags={"a": "b"})
    assert "ivschat:ListTagsForResource" in await denied(
        chat, "list_tags_for_resource", resourceArn=room
    )
    assert "ivschat:UntagResource" in await denied(
        chat, "untag_resource", resourceArn=room, tagKeys=["a"]
    )


async def test_allow_everything(start_emulator: StartEmulator) -> None:
    emulator = await start_emulator(iam_policy=policy(allow("*", "*")))
    chat = client("ivschat", emulator)
    room = (await call(chat.create_room))["arn"]
    await call(chat.disconnect_user, roomIdentifier=room, userId="u")


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (policy({"Effect": "Deny", "Action": "*", "Resource": "*"}), 'Effect must be "Allow"'),
        (policy({**allow("*", "*"), "Condition": {}}), "not Condition"),
        (policy({"Effect": "Allow", "NotAction": "x:y", "Resource": "*"}), "not NotAction"),
        (policy(allow([], "*")), "Action must be"),
        (policy(allow("GetRoom", "*")), "is not service:Action"),
        (policy(allow("ivschat:GetRoom", 3)), "Resource must be"),
        ({"Version": "2012-10-17"}, "Statement must be"),
        ({"Version": "2020", "Statement": [allow("*", "*")]}, "Version must be"),
        ([], "must be a JSON object"),
    ],
)
def test_a_policy_the_stack_cannot_check_is_refused_with_words(document: Any, words: str) -> None:
    with pytest.raises(PolicyError, match=words):
        Emulator(EmulatorConfig(iam_policy=document))


def test_a_single_statement_object_is_a_policy() -> None:
    Emulator(EmulatorConfig(iam_policy={"Statement": allow("ivschat:*", "*")}))


async def test_a_create_that_tags_also_needs_tag_resource(start_emulator: StartEmulator) -> None:
    untagged = await start_emulator(iam_policy=policy(allow("ivschat:CreateRoom", ROOMS)))
    chat = client("ivschat", untagged)
    await call(chat.create_room)
    message = await denied(chat, "create_room", tags={"app": "ivs-chat-tui"})
    assert f"ivschat:TagResource on resource: {ROOMS}" in message
    tagging = await start_emulator(
        iam_policy=policy(
            allow(["ivschat:CreateRoom", "ivschat:TagResource"], ROOMS),
            allow(["ivs:CreateStage", "ivs:TagResource"], STAGES),
        )
    )
    await call(client("ivschat", tagging).create_room, tags={"app": "ivs-chat-tui"})
    await call(client("ivs-realtime", tagging).create_stage, tags={"app": "ivs-chat-tui"})
