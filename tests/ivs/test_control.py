"""The control-plane wrapper against the local IVS stack, and its words for failures."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import boto3
import pytest
from aiohttp import web
from botocore.exceptions import ClientError, EndpointConnectionError

from tests.ports import closed_port, served
from tui.emulator import Emulator
from tui.ivs.connection import budget
from tui.ivs.control import (
    CREATED_BY_TAG,
    ControlError,
    ControlPlane,
    arn_region,
    arn_resource_id,
    describe_exception,
)
from tui.ivs.control import calls as control_module
from tui.ivs.protocol import ChatCapability

MISSING_ROOM = "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA"
MISSING_STAGE = "arn:aws:ivs:us-east-1:123456789012:stage/AAAAAAAAAAAA"


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
async def control(emulator: Emulator) -> ControlPlane:
    return await ControlPlane.connect(
        region="us-east-1", endpoint_url=emulator.url, credentials=("test", "test")
    )


async def test_room_token_event_and_stage(control: ControlPlane, emulator: Emulator) -> None:
    room = await control.create_room("lobby")
    assert (await control.get_room(room["arn"]))["name"] == "lobby"
    token = await control.create_chat_token(
        room["arn"],
        "u1",
        capabilities=[ChatCapability.SEND_MESSAGE, ChatCapability.DELETE_MESSAGE],
        attributes={"username": "Ann"},
        session_minutes=5,
    )
    assert token.token and isinstance(token.session_expiration_time, datetime)
    assert token.session_expiration_time > token.token_expiration_time
    assert await control.send_event(room["arn"], "Custom:Thing", {"a": "b"})
    stage = await control.create_stage("show")
    participant = await control.create_participant_token(
        stage["arn"], "u1", attributes={"username": "Ann"}, duration_minutes=10
    )
    assert participant.user_id == "u1" and participant.participant_id
    assert set(participant.capabilities) == {"PUBLISH", "SUBSCRIBE"}
    assert await control.list_participants(stage["arn"]) == []  # no active session yet
    assert control.chat_url == emulator.ws_url


async def test_calls_do_not_block_the_loop(control: ControlPlane) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        await control.create_room("busy")
    finally:
        ticker.cancel()
    # The loop ran other work while boto3 waited for the HTTP answer in a thread.
    assert ticks > 1


async def test_missing_room_and_stage_say_so(control: ControlPlane) -> None:
    with pytest.raises(ControlError) as room:
        await control.get_room(MISSING_ROOM)
    assert room.value.not_found
    assert str(room.value) == f"room {MISSING_ROOM} does not exist (check the ARN and its region)"
    with pytest.raises(ControlError) as stage:
        await control.create_participant_token(MISSING_STAGE, "u1")
    assert str(stage.value) == (
        f"stage {MISSING_STAGE} does not exist (check the ARN and its region)"
    )


async def test_validation_names_the_field(control: ControlPlane) -> None:
    room = await control.create_room("strict")
    with pytest.raises(ControlError) as exc:
        await control.create_chat_token(room["arn"], "u1", attributes={"k": "v" * 1100})
    assert exc.value.code == "ValidationException"
    assert str(exc.value).startswith("IVS rejected the request (CreateChatToken): attributes")


async def test_client_side_parameter_errors(control: ControlPlane) -> None:
    with pytest.raises(ControlError) as exc:
        await control.create_chat_token(MISSING_ROOM, "u1", session_minutes="five")  # type: ignore[arg-type]
    assert exc.value.code == "ParamValidation"
    assert "sessionDurationInMinutes" in str(exc.value)


async def test_unreachable_local_endpoint_asks_if_running() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    control = await ControlPlane.connect(
        region="us-east-1", endpoint_url=url, credentials=("t", "t")
    )
    with pytest.raises(ControlError) as exc:
        await control.get_room(MISSING_ROOM)
    assert str(exc.value) == f"cannot connect to IVS at {url}: is the server running?"


async def test_no_credentials(emulator: Emulator) -> None:
    control = await ControlPlane.connect(region="us-east-1", endpoint_url=emulator.url)
    with pytest.raises(ControlError) as exc:
        await control.create_room("x")
    assert exc.value.code == "NoCredentials"
    assert str(exc.value).startswith("no AWS credentials found")


async def test_no_region() -> None:
    with pytest.raises(ControlError) as exc:
        await ControlPlane.connect(credentials=("t", "t"))
    assert exc.value.code == "NoRegion"
    assert "--region" in str(exc.value)


async def test_unknown_profile() -> None:
    with pytest.raises(ControlError) as exc:
        await ControlPlane.connect(region="us-east-1", profile="nobody")
    assert str(exc.value) == "AWS profile 'nobody' is not configured"


async def test_missing_participant(control: ControlPlane) -> None:
    stage = await control.create_stage("empty")
    with pytest.raises(ControlError) as exc:
        await control.disconnect_participant(stage["arn"], "AAAAAAAAAAAA")
    assert exc.value.not_found
    assert str(exc.value) == (
        f"participant AAAAAAAAAAAA is not on stage {stage['arn']}, or the stage does not exist"
    )


def _client_error(code: str, message: str, operation: str = "GetRoom") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_access_denied_and_rejected_credentials_in_words() -> None:
    # Real AWS answers these; the local stack accepts every caller, so the words are
    # checked on the error botocore builds from such an answer.
    denied = describe_exception(
        _client_error("AccessDeniedException", "no ivschat:GetRoom"), endpoint="AWS"
    )
    assert str(denied).startswith("access denied for GetRoom: the AWS identity in use lacks")
    expired = describe_exception(_client_error("ExpiredTokenException", "expired"), endpoint="AWS")
    assert "AWS rejected the credentials" in str(expired)
    other = describe_exception(_client_error("InternalServerException", "boom"), endpoint="AWS")
    assert str(other) == "IVS error in GetRoom: InternalServerException boom"


def test_arn_helpers() -> None:
    assert arn_region(MISSING_ROOM) == "us-east-1"
    assert arn_region("not-an-arn") is None
    assert arn_resource_id(MISSING_STAGE) == "AAAAAAAAAAAA"


def test_a_skewed_clock_says_to_check_the_clock_not_the_credentials() -> None:
    skewed = describe_exception(
        _client_error(
            "InvalidSignatureException",
            "Signature expired: 20261201T100000Z is now earlier than 20261201T100500Z "
            "(20261201T101000Z - 5 min.)",
            "CreateChatToken",
        ),
        endpoint="AWS",
    )
    assert str(skewed).startswith(
        "AWS refused CreateChatToken because this machine's clock is off: set the clock right"
    )
    assert "refresh" not in str(skewed) and "20261201T100000Z" in str(skewed)
    ahead = describe_exception(_client_error("RequestTimeTooSkewed", "too far"), endpoint="AWS")
    assert "clock is off" in str(ahead)
    # A bad signature without a date in it is the credentials, as before.
    wrong = describe_exception(
        _client_error(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        ),
        endpoint="AWS",
    )
    assert str(wrong).startswith("AWS rejected the credentials")


def test_quotas_are_worded_as_quotas_and_throttling_as_throttling() -> None:
    quota = describe_exception(
        _client_error("ServiceQuotaExceededException", "stage limit reached", "CreateStage"),
        endpoint="AWS",
    )
    assert str(quota).startswith("an IVS quota is used up (CreateStage): delete rooms or stages")
    assert "limiting requests" not in str(quota)
    throttled = describe_exception(
        _client_error("ThrottlingException", "rate exceeded", "CreateChatToken"), endpoint="AWS"
    )
    assert str(throttled).startswith("IVS is limiting requests (CreateChatToken)")
    assert "quota" not in str(throttled)


def test_an_unreachable_aws_endpoint_does_not_ask_if_a_server_is_running() -> None:
    down = EndpointConnectionError(endpoint_url="https://ivschat.us-east-1.amazonaws.com/")
    words = str(
        describe_exception(
            down, endpoint="the AWS IVS endpoints in us-east-1", custom_endpoint=False
        )
    )
    assert words.startswith("cannot connect to the AWS IVS endpoints in us-east-1: check")
    assert "running" not in words


def test_the_layers_give_up_in_order() -> None:
    """Each layer waits longer than the one below it can take (tui/ivs/connection/budget.py)."""
    one_attempt = budget.CONTROL_CONNECT_TIMEOUT + budget.CONTROL_READ_TIMEOUT
    assert one_attempt < budget.CONTROL_CALL_BUDGET
    assert budget.CONTROL_CALL_BUDGET < budget.APP_SERVER_TIMEOUT < budget.TOKEN_TIMEOUT


async def test_the_boto_config_is_the_budget(control: ControlPlane) -> None:
    config = control._chat.meta.config  # what botocore will really do
    assert (config.connect_timeout, config.read_timeout) == (
        budget.CONTROL_CONNECT_TIMEOUT,
        budget.CONTROL_READ_TIMEOUT,
    )
    assert config.retries["total_max_attempts"] == budget.CONTROL_TOTAL_ATTEMPTS


async def test_a_call_that_outlasts_the_budget_ends_in_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    silent: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(
        _reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        silent.append(writer)  # an endpoint that takes the request and never answers

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    monkeypatch.setattr(budget, "CONTROL_CALL_BUDGET", 0.2)  # botocore itself would wait 6 s
    try:
        control = await ControlPlane.connect(
            region="us-east-1", endpoint_url=url, credentials=("t", "t")
        )
        with pytest.raises(ControlError) as exc:
            await control.get_room(MISSING_ROOM)
        assert (exc.value.code, exc.value.operation) == ("Timeout", "GetRoom")
        assert str(exc.value) == f"IVS at {url} did not answer in 0.2 s"
    finally:
        for writer in silent:
            writer.close()
        server.close()


# --- participants ---------------------------------------------------------------------


async def _join(emulator: Emulator, token: str) -> None:
    """The local stack's stand-in for a browser joining the stage with this token."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{emulator.url}/_local/stage/join", headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        assert response.status == 200, await response.text()


async def test_listing_participants_reads_every_page(
    control: ControlPlane, emulator: Emulator
) -> None:
    stage = await control.create_stage("busy")
    tokens = [
        await control.create_participant_token(stage["arn"], f"viewer-{i:03d}") for i in range(120)
    ]
    tokens.append(await control.create_participant_token(stage["arn"], "viewer-007"))
    for token in tokens:
        await _join(emulator, token.token)
    everyone = await control.list_participants(stage["arn"])
    # More than two of IVS's default pages of 50, more than one page of 100.
    assert len(everyone) == 121
    assert {p.participant_id for p in everyone} == {t.participant_id for t in tokens}
    await control.disconnect_participant(stage["arn"], tokens[7].participant_id)
    seven = await control.list_participants(stage["arn"], user_id="viewer-007")
    assert sorted((p.participant_id, p.state) for p in seven) == sorted(
        [(tokens[7].participant_id, "DISCONNECTED"), (tokens[-1].participant_id, "CONNECTED")]
    )
    assert await control.list_participants(stage["arn"], user_id="nobody") == []


@pytest.mark.parametrize("looping", [True, False], ids=["same-token", "endless-tokens"])
async def test_pages_that_never_end_stop_in_words(
    monkeypatch: pytest.MonkeyPatch, looping: bool
) -> None:
    """An endpoint whose every page hands out a `nextToken`: the same one again (the pages
    go round) or a new one each time (past LIST_MAX_PAGES). Both listings stop and say so."""
    monkeypatch.setattr(control_module, "LIST_MAX_PAGES", 5)
    pages: list[str] = []

    async def endless(request: web.Request) -> web.Response:
        operation = request.path.strip("/")
        pages.append(operation)
        key = {"ListRooms": "rooms", "ListStages": "stages"}.get(operation, "participants")
        token = "again" if looping else f"page-{len(pages)}"
        return web.json_response({key: [{"arn": "a", "participantId": "p"}], "nextToken": token})

    app = web.Application()
    app.router.add_post("/{operation}", endless)
    async with served(app) as url:
        control = await ControlPlane.connect(
            region="us-east-1", endpoint_url=url, credentials=("t", "t")
        )
        with pytest.raises(ControlError) as rooms:
            await control.find_created()
        with pytest.raises(ControlError) as participants:
            await control.list_participants(MISSING_STAGE, session_id="st-AAAAAAAAAAAAAAAA")
    read = 2 if looping else 5  # the repeated token is noticed on the second page
    assert (rooms.value.code, rooms.value.operation) == ("Pagination", "ListRooms")
    assert str(rooms.value) == f"IVS kept handing out pages of rooms; stopped after reading {read}"
    assert (participants.value.code, participants.value.operation) == (
        "Pagination",
        "ListParticipants",
    )
    assert str(participants.value) == (
        f"IVS kept handing out pages of the participants of stage {MISSING_STAGE}; "
        f"stopped after reading {read}"
    )
    assert pages == ["ListRooms"] * read + ["ListParticipants"] * read


# --- what --create makes and --delete removes ----------------------------------------


def _boto(emulator: Emulator, service: str) -> object:
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


async def test_create_tags_the_room_and_the_stage(
    control: ControlPlane, emulator: Emulator
) -> None:
    made = await control.create_room_and_stage("lobby", "show", tags={"team": "live"})
    chat: Any = _boto(emulator, "ivschat")
    realtime: Any = _boto(emulator, "ivs-realtime")
    room = await asyncio.to_thread(chat.get_room, identifier=made.room_arn)
    stage = (await asyncio.to_thread(realtime.get_stage, arn=made.stage_arn))["stage"]
    for tags in (room["tags"], stage["tags"]):
        assert tags == {CREATED_BY_TAG: "ivs-chat-tui", "team": "live"}
    assert (room["name"], stage["name"]) == ("lobby", "show")


async def test_a_failed_create_stage_deletes_the_room_it_made(
    control: ControlPlane, emulator: Emulator
) -> None:
    with pytest.raises(ControlError) as exc:
        await control.create_room_and_stage("lobby", "not a valid name!")
    assert exc.value.code == "ValidationException"
    assert str(exc.value).startswith("IVS rejected the request (CreateStage):")
    assert "name: must match the pattern" in str(exc.value)
    assert str(exc.value).endswith("(the room made for it was deleted)")
    chat: Any = _boto(emulator, "ivschat")
    realtime: Any = _boto(emulator, "ivs-realtime")
    assert (await asyncio.to_thread(chat.list_rooms))["rooms"] == []
    assert (await asyncio.to_thread(realtime.list_stages))["stages"] == []


async def test_delete_removes_what_was_created_and_only_that(
    control: ControlPlane, emulator: Emulator
) -> None:
    made = await control.create_room_and_stage("lobby", "show")
    theirs = await control.create_room("someone-elses")
    with pytest.raises(ControlError) as refused:
        await control.delete_created(theirs["arn"], made.stage_arn)
    assert refused.value.code == "NotCreatedByUs"
    assert str(refused.value).startswith(f"{theirs['arn']} has no {CREATED_BY_TAG} tag")
    await control.get_stage(made.stage_arn)  # refused before anything was deleted

    assert await control.delete_created(made.room_arn, made.stage_arn) == [
        made.stage_arn,
        made.room_arn,
    ]
    chat: Any = _boto(emulator, "ivschat")
    realtime: Any = _boto(emulator, "ivs-realtime")
    rooms = (await asyncio.to_thread(chat.list_rooms))["rooms"]
    assert [r["arn"] for r in rooms] == [theirs["arn"]]
    assert (await asyncio.to_thread(realtime.list_stages))["stages"] == []
    # Deleting again is not an error: there is nothing left to delete.
    assert await control.delete_created(made.room_arn, made.stage_arn) == []


async def test_what_was_created_can_be_found_by_its_tag(control: ControlPlane) -> None:
    made = [await control.create_room_and_stage(f"lobby-{i}", f"show-{i}") for i in range(60)]
    await control.create_room("someone-elses")
    await control.create_stage("someone-elses", tags={CREATED_BY_TAG: "another-app"})
    found = await control.find_created()
    # Sixty rooms are more than one page of ListRooms (50).
    assert sorted(found.rooms) == sorted(m.room_arn for m in made)
    assert sorted(found.stages) == sorted(m.stage_arn for m in made)
    assert (await control.find_created("another-app")).rooms == ()
