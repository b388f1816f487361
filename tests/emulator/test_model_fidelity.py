"""What the emulator answers fits botocore's output shapes, member by member.

boto3 parses answers leniently, so a wrong type or a missing required member could slip
through the boto3 tests; here each raw JSON answer is checked against the model.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.emulator.helpers import signed_headers
from tui.emulator import Emulator
from tui.emulator.aws.request_validation import (
    CHAT_SERVICE,
    STAGE_SERVICE,
    operation_model,
    validate_input,
    validate_value,
)


async def post(http: aiohttp.ClientSession, url: str, operation: str, **body: Any) -> Any:
    data = json.dumps(body).encode()
    where = f"{url}/{operation}"
    headers = signed_headers(where, data)
    async with http.post(where, data=data, headers=headers) as response:
        assert response.status in (200, 204), await response.text()
        return await response.json() if response.status == 200 else None


def assert_fits(service: str, operation: str, answer: Any) -> None:
    shape = operation_model(service, operation).output_shape
    assert validate_input(service, shape, answer) == [], (operation, answer)


async def test_chat_answers_fit_the_model(emulator: Emulator) -> None:
    url = emulator.url
    async with aiohttp.ClientSession() as http:
        room = await post(
            http,
            url,
            "CreateRoom",
            name="fit",
            tags={"a": "b"},
            messageReviewHandler={"uri": "arn:aws:lambda:us-east-1:123456789012:function:f"},
        )
        assert_fits(CHAT_SERVICE, "CreateRoom", room)
        arn = room["arn"]
        answers = {
            "GetRoom": await post(http, url, "GetRoom", identifier=arn),
            "UpdateRoom": await post(http, url, "UpdateRoom", identifier=arn, name="fit2"),
            "ListRooms": await post(http, url, "ListRooms", maxResults=1),
            "CreateChatToken": await post(
                http, url, "CreateChatToken", roomIdentifier=arn, userId="u"
            ),
            "SendEvent": await post(http, url, "SendEvent", roomIdentifier=arn, eventName="e"),
            "DeleteMessage": await post(
                http, url, "DeleteMessage", roomIdentifier=arn, id="A" * 12
            ),
            "DisconnectUser": await post(
                http, url, "DisconnectUser", roomIdentifier=arn, userId="u"
            ),
        }
        for operation, answer in answers.items():
            assert_fits(CHAT_SERVICE, operation, answer)
        assert validate_value(CHAT_SERVICE, "ID", answers["SendEvent"]["id"], "id") == []


async def test_stage_answers_fit_the_model(emulator: Emulator) -> None:
    url = emulator.url
    async with aiohttp.ClientSession() as http:
        created = await post(
            http, url, "CreateStage", name="fit", participantTokenConfigurations=[{"userId": "a"}]
        )
        assert_fits(STAGE_SERVICE, "CreateStage", created)
        arn = created["stage"]["arn"]
        token = await post(http, url, "CreateParticipantToken", stageArn=arn, userId="b")
        assert_fits(STAGE_SERVICE, "CreateParticipantToken", token)
        headers = {"Authorization": f"Bearer {token['participantToken']['token']}"}
        async with http.post(f"{url}/_local/stage/join", headers=headers) as response:
            session = (await response.json())["sessionId"]
        answers = {
            "GetStage": await post(http, url, "GetStage", arn=arn),
            "UpdateStage": await post(http, url, "UpdateStage", arn=arn, name="fit2"),
            "ListStages": await post(http, url, "ListStages"),
            "ListParticipants": await post(
                http, url, "ListParticipants", stageArn=arn, sessionId=session
            ),
            "GetParticipant": await post(
                http,
                url,
                "GetParticipant",
                stageArn=arn,
                sessionId=session,
                participantId=token["participantToken"]["participantId"],
            ),
            "DisconnectParticipant": await post(
                http,
                url,
                "DisconnectParticipant",
                stageArn=arn,
                participantId=token["participantToken"]["participantId"],
            ),
            "DeleteStage": await post(http, url, "DeleteStage", arn=arn),
        }
        for operation, answer in answers.items():
            assert_fits(STAGE_SERVICE, operation, answer)
