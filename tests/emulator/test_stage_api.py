"""boto3's ivs-realtime client against the emulator, and the local join/leave stand-ins."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import StartEmulator
from tests.emulator.helpers import call, client
from tui.emulator import Emulator

STAGE_PREFIX = "arn:aws:ivs:us-east-1:123456789012:stage/"


def jwt_claims(token: str) -> dict[str, Any]:
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==="))["typ"] == "JWT"
    assert signature
    return json.loads(base64.urlsafe_b64decode(payload + "==="))


async def new_stage(realtime: Any, **params: Any) -> dict[str, Any]:
    return (await call(realtime.create_stage, **params))["stage"]


async def join(emulator: Emulator, token: str, action: str = "join") -> aiohttp.ClientResponse:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{emulator.url}/_local/stage/{action}", headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        await response.read()
        return response


async def test_create_and_get_stage_with_endpoints(emulator: Emulator, realtime: Any) -> None:
    stage = await new_stage(realtime, name="show", tags={"k": "v"})
    assert stage["arn"].startswith(STAGE_PREFIX)
    got = (await call(realtime.get_stage, arn=stage["arn"]))["stage"]
    assert got["name"] == "show"
    assert got["tags"] == {"k": "v"}
    assert set(got["endpoints"]) == {"whip", "events", "rtmp", "rtmps"}
    assert got["endpoints"]["whip"].startswith(emulator.url)
    assert "activeSessionId" not in got


async def test_participant_token_defaults_and_jwt_shape(realtime: Any) -> None:
    stage = await new_stage(realtime)
    answer = await call(
        realtime.create_participant_token,
        stageArn=stage["arn"],
        userId="alice",
        attributes={"displayName": "Alice"},
    )
    token = answer["participantToken"]
    assert token["capabilities"] == ["PUBLISH", "SUBSCRIBE"]
    assert token["duration"] == 720
    assert token["userId"] == "alice"
    assert token["participantId"]
    claims = jwt_claims(token["token"])
    assert claims["resource"] == stage["arn"]
    assert claims["jti"] == token["participantId"]
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(minutes=720)
    viewer = await call(
        realtime.create_participant_token,
        stageArn=stage["arn"],
        capabilities=["SUBSCRIBE"],
        duration=5,
    )
    assert viewer["participantToken"]["capabilities"] == ["SUBSCRIBE"]
    assert jwt_claims(viewer["participantToken"]["token"])["capabilities"] == {
        "allow_publish": False,
        "allow_subscribe": True,
    }


async def test_create_stage_can_issue_tokens(realtime: Any) -> None:
    answer = await call(
        realtime.create_stage, participantTokenConfigurations=[{"userId": "a"}, {"userId": "b"}]
    )
    assert [t["userId"] for t in answer["participantTokens"]] == ["a", "b"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"duration": 20161}, "duration"),
        ({"capabilities": ["PUBLISH", "SHOUT"]}, "capabilities[1]"),
        ({"userId": "u" * 129}, "userId"),
        ({"attributes": {"k": "v" * 1024}}, "attributes"),
    ],
)
async def test_participant_token_validation(
    realtime: Any, params: dict[str, Any], fragment: str
) -> None:
    stage = await new_stage(realtime)
    with pytest.raises(realtime.exceptions.ValidationException) as info:
        await call(realtime.create_participant_token, stageArn=stage["arn"], **params)
    assert fragment in info.value.response["exceptionMessage"]
    assert info.value.response["Error"]["Message"] == info.value.response["exceptionMessage"]


async def test_missing_stage_is_resource_not_found(realtime: Any) -> None:
    missing = STAGE_PREFIX + "Missing00000"
    for operation, params in [
        (realtime.get_stage, {"arn": missing}),
        (realtime.delete_stage, {"arn": missing}),
        (realtime.create_participant_token, {"stageArn": missing}),
        (realtime.disconnect_participant, {"stageArn": missing, "participantId": "p"}),
    ]:
        with pytest.raises(realtime.exceptions.ResourceNotFoundException):
            await call(operation, **params)
    with pytest.raises(realtime.exceptions.ValidationException):
        await call(realtime.get_stage, arn="arn:aws:ivschat:us-east-1:1:room/abc")


async def test_list_stages_pages(realtime: Any) -> None:
    arns = {(await new_stage(realtime, name=f"s{i}"))["arn"] for i in range(3)}
    first = await call(realtime.list_stages, maxResults=2)
    second = await call(realtime.list_stages, maxResults=2, nextToken=first["nextToken"])
    assert "nextToken" not in second
    assert {s["arn"] for s in first["stages"] + second["stages"]} == arns


async def test_delete_stage(realtime: Any) -> None:
    stage = await new_stage(realtime)
    await call(realtime.delete_stage, arn=stage["arn"])
    assert (await call(realtime.list_stages))["stages"] == []


async def test_local_join_shows_the_participant_and_disconnect_revokes(
    emulator: Emulator, realtime: Any
) -> None:
    stage = await new_stage(realtime)
    arn = stage["arn"]
    token = (await call(realtime.create_participant_token, stageArn=arn, userId="guest"))[
        "participantToken"
    ]
    assert (await join(emulator, token["token"])).status == 200
    session = (await call(realtime.get_stage, arn=arn))["stage"]["activeSessionId"]
    assert session.startswith("st-") and len(session) == 16
    listed = await call(realtime.list_participants, stageArn=arn, sessionId=session)
    assert [(p["userId"], p["state"], p["published"]) for p in listed["participants"]] == [
        ("guest", "CONNECTED", True)
    ]
    one = await call(
        realtime.get_participant,
        stageArn=arn,
        sessionId=session,
        participantId=token["participantId"],
    )
    assert one["participant"]["userId"] == "guest"

    await call(realtime.disconnect_participant, stageArn=arn, participantId=token["participantId"])
    listed = await call(realtime.list_participants, stageArn=arn, sessionId=session)
    assert [p["state"] for p in listed["participants"]] == ["DISCONNECTED"]
    connected = await call(
        realtime.list_participants, stageArn=arn, sessionId=session, filterByState="CONNECTED"
    )
    assert connected["participants"] == []
    assert (await join(emulator, token["token"])).status == 403  # revoked for good


async def test_local_leave_ends_the_session_when_nobody_is_left(
    emulator: Emulator, realtime: Any
) -> None:
    stage = await new_stage(realtime)
    token = (await call(realtime.create_participant_token, stageArn=stage["arn"]))[
        "participantToken"
    ]["token"]
    await join(emulator, token)
    assert "activeSessionId" in (await call(realtime.get_stage, arn=stage["arn"]))["stage"]
    assert (await join(emulator, token, "leave")).status == 200
    assert "activeSessionId" not in (await call(realtime.get_stage, arn=stage["arn"]))["stage"]


async def test_local_join_refuses_a_missing_or_unknown_token(emulator: Emulator) -> None:
    assert (await join(emulator, "")).status == 401
    assert (await join(emulator, "a.b.c")).status == 401


async def test_stage_tags_route_by_arn_service(realtime: Any, chat: Any) -> None:
    stage = await new_stage(realtime)
    await call(realtime.tag_resource, resourceArn=stage["arn"], tags={"env": "local"})
    tags = await call(realtime.list_tags_for_resource, resourceArn=stage["arn"])
    assert tags["tags"] == {"env": "local"}
    room = await call(chat.create_room, tags={"kind": "room"})
    assert (await call(chat.list_tags_for_resource, resourceArn=room["arn"]))["tags"] == {
        "kind": "room"
    }


async def test_no_media_endpoints_say_so(emulator: Emulator, realtime: Any) -> None:
    stage = await new_stage(realtime)
    async with (
        aiohttp.ClientSession() as http,
        http.post(stage["endpoints"]["whip"]) as response,
    ):
        assert response.status == 501
        assert "no media server" in (await response.json())["message"]


async def test_a_restored_stage_keeps_its_arn_and_honours_its_tokens(
    emulator: Emulator, realtime: Any
) -> None:
    arn = (await new_stage(realtime, name="show"))["arn"]
    issued = await call(realtime.create_participant_token, stageArn=arn, userId="alice")
    token = issued["participantToken"]["token"]
    # A new emulator process-worth: nothing known until the stage is restored.
    restarted = Emulator(emulator.config)
    await restarted.start("127.0.0.1", 0)
    try:
        assert (await join(restarted, token)).status == 401
        assert not restarted.stages.restore(
            STAGE_PREFIX.replace("us-east-1", "eu-west-1") + "X", "x"
        )
        assert restarted.stages.restore(arn, "show", [token, "not.a.token", "garbage"])
        assert (await join(restarted, token)).status == 200
        grant = restarted.state.participant_tokens[token]
        assert (grant.user_id, grant.participant_id) == (
            "alice",
            issued["participantToken"]["participantId"],
        )
        assert grant.capabilities == ["PUBLISH", "SUBSCRIBE"]
        assert restarted.state.stages[arn].name == "show"
    finally:
        await restarted.stop()


async def token_of(realtime: Any, arn: str, user: str) -> dict[str, Any]:
    answer = await call(realtime.create_participant_token, stageArn=arn, userId=user)
    return answer["participantToken"]


async def test_disconnect_revokes_a_participant_that_never_joined(
    emulator: Emulator, realtime: Any
) -> None:
    """A redeemed invite revoked before its guest joined stays revoked."""
    arn = (await new_stage(realtime))["arn"]
    token = await token_of(realtime, arn, "guest")
    await call(realtime.disconnect_participant, stageArn=arn, participantId=token["participantId"])
    refused = await join(emulator, token["token"])
    assert refused.status == 403
    assert "activeSessionId" not in (await call(realtime.get_stage, arn=arn))["stage"]


async def test_disconnect_revokes_a_participant_that_has_left(
    emulator: Emulator, realtime: Any
) -> None:
    arn = (await new_stage(realtime))["arn"]
    token = await token_of(realtime, arn, "guest")
    assert (await join(emulator, token["token"])).status == 200
    assert (await join(emulator, token["token"], "leave")).status == 200
    await call(realtime.disconnect_participant, stageArn=arn, participantId=token["participantId"])
    assert (await join(emulator, token["token"])).status == 403
    # Others are not touched.
    other = await token_of(realtime, arn, "other")
    assert (await join(emulator, other["token"])).status == 200


async def test_a_revoked_participant_stays_revoked_through_a_restore(
    emulator: Emulator, realtime: Any
) -> None:
    arn = (await new_stage(realtime, name="show"))["arn"]
    token = await token_of(realtime, arn, "guest")
    await call(realtime.disconnect_participant, stageArn=arn, participantId=token["participantId"])
    assert emulator.stages.restore(arn, "show", [token["token"]])
    assert (await join(emulator, token["token"])).status == 403


async def test_an_operation_not_emulated_is_an_unknown_operation_for_boto3(
    realtime: Any, chat: Any
) -> None:
    """An UnknownOperationException boto3 can read, not a bare `404: Not Found`."""
    with pytest.raises(ClientError) as caught:
        await call(realtime.list_stage_sessions, stageArn=STAGE_PREFIX + "abcdABCD1234")
    error: Any = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Code"] == "UnknownOperationException"
    assert "ListStageSessions" in str(caught.value)
    assert "does not emulate" in str(caught.value)
    with pytest.raises(ClientError) as caught:
        await call(chat.list_logging_configurations)
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"


async def test_an_unknown_operation_still_needs_the_callers_signature(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(access_key_id="AKIATHEAPPSERVER")
    outsider = client("ivs-realtime", emulator, access_key_id="AKIAOUTSIDER")
    with pytest.raises(ClientError) as caught:
        await call(outsider.list_stage_sessions, stageArn=STAGE_PREFIX + "abcdABCD1234")
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"


async def test_list_participants_filters_by_user_and_pages_as_the_model_says(
    emulator: Emulator, realtime: Any
) -> None:
    """120 participants, pages of 50 by default, `nextToken` to go on."""
    arn = (await new_stage(realtime))["arn"]
    tokens = [await token_of(realtime, arn, f"user{i % 60}") for i in range(120)]
    for token in tokens:
        assert (await join(emulator, token["token"])).status == 200
    session = (await call(realtime.get_stage, arn=arn))["stage"]["activeSessionId"]

    seen: list[str] = []
    sizes: list[int] = []
    params: dict[str, Any] = {"stageArn": arn, "sessionId": session}
    while True:
        page = await call(realtime.list_participants, **params)
        sizes.append(len(page["participants"]))
        seen += [p["participantId"] for p in page["participants"]]
        if "nextToken" not in page:
            break
        params["nextToken"] = page["nextToken"]
    assert sizes == [50, 50, 20]
    assert sorted(seen) == sorted(t["participantId"] for t in tokens)

    big = await call(realtime.list_participants, stageArn=arn, sessionId=session, maxResults=100)
    assert len(big["participants"]) == 100 and "nextToken" in big

    mine = await call(
        realtime.list_participants, stageArn=arn, sessionId=session, filterByUserId="user7"
    )
    assert sorted(p["participantId"] for p in mine["participants"]) == sorted(
        t["participantId"] for i, t in enumerate(tokens) if i % 60 == 7
    )
    assert {p["userId"] for p in mine["participants"]} == {"user7"}
