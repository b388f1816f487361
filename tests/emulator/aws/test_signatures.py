"""The control plane verifies SigV4 signatures and dates, as AWS does.

The attack: only the access key id was checked, so anyone who saw one signed request
could forge calls, or replay it at any later time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import StartEmulator
from tests.emulator.helpers import call, client, signed_headers
from tui.emulator import Emulator

KEY_ID = "AKIATHEAPPSERVER"
SECRET = "a-secret-only-the-app-server-knows"


def refusal(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response: Any = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


async def test_boto3_with_the_default_test_secret_works(emulator: Emulator) -> None:
    chat = client("ivschat", emulator, access_key_id="AKIAANYTHING", secret_access_key="test")
    arn = (await call(chat.create_room, name="signed", tags={"k": "v"}))["arn"]
    # A tag route, with the ARN percent-encoded in the path and a repeated query key.
    await call(chat.untag_resource, resourceArn=arn, tagKeys=["k", "other"])
    assert (await call(chat.list_tags_for_resource, resourceArn=arn))["tags"] == {}
    realtime = client("ivs-realtime", emulator)
    assert (await call(realtime.create_stage, name="s"))["stage"]["name"] == "s"


async def test_a_wrong_secret_is_refused(emulator: Emulator) -> None:
    forged = client("ivschat", emulator, secret_access_key="guessed")
    with pytest.raises(ClientError) as refused:
        await call(forged.list_rooms)
    assert refusal(refused) == (403, "InvalidSignatureException")
    assert "signature we calculated does not match" in str(refused.value)


async def test_the_right_key_id_with_a_wrong_signature_is_refused(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(access_key_id=KEY_ID, secret_access_key=SECRET)
    owner = client("ivschat", emulator, access_key_id=KEY_ID, secret_access_key=SECRET)
    room = (await call(owner.create_room, name="mine"))["arn"]
    forger = client("ivschat", emulator, access_key_id=KEY_ID, secret_access_key="test")
    with pytest.raises(ClientError) as refused:
        await call(forger.disconnect_user, roomIdentifier=room, userId="host")
    assert refusal(refused) == (403, "InvalidSignatureException")
    # The same call signed with the real secret is served.
    await call(owner.disconnect_user, roomIdentifier=room, userId="host")


async def test_a_signed_request_with_a_changed_body_is_refused(emulator: Emulator) -> None:
    url = f"{emulator.url}/CreateRoom"
    headers = signed_headers(url, json.dumps({"name": "signed"}).encode())
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=json.dumps({"name": "tampered"}), headers=headers) as response,
    ):
        assert response.status == 403
        assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert (await call(client("ivschat", emulator).list_rooms))["rooms"] == []


@pytest.mark.parametrize(
    ("skew", "words"),
    [(timedelta(minutes=-6), "Signature expired"), (timedelta(minutes=6), "not yet current")],
)
async def test_a_request_dated_outside_five_minutes_is_refused(
    emulator: Emulator, skew: timedelta, words: str
) -> None:
    url = f"{emulator.url}/CreateRoom"
    body = json.dumps({"name": "replayed"}).encode()
    async with aiohttp.ClientSession() as http:
        # The same request, correctly signed: inside the window it is served...
        inside = signed_headers(url, body, when=datetime.now(UTC) + skew * 0.5)
        async with http.post(url, data=body, headers=inside) as response:
            assert response.status == 200
        # ...replayed (or signed) outside it, it is refused.
        outside = signed_headers(url, body, when=datetime.now(UTC) + skew)
        async with http.post(url, data=body, headers=outside) as response:
            assert response.status == 403
            assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
            assert words in (await response.json())["message"]


async def test_an_unsigned_request_is_refused(emulator: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emulator.url}/CreateRoom", json={"name": "curl"}) as response,
    ):
        assert response.status == 403
        assert "Missing Authentication Token" in (await response.json())["message"]
