"""The control-plane wrapper against the local IVS stack, and its words for failures."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.ports import closed_port
from tui.emulator import Emulator, EmulatorConfig
from tui.ivs.control import (
    ControlError,
    ControlPlane,
    arn_region,
    arn_resource_id,
    describe_exception,
)
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
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig()) as emu:
        yield emu


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


async def test_unreachable_endpoint_asks_if_running() -> None:
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
