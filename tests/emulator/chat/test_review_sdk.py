"""The message review handler as the official JS SDK's client sees it: a denied
`sendMessage` rejects with the 406 error and the handler's reason, an allowed one
resolves with what the handler delivered."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.emulator.chat_sdk import ChatSdk, SdkUnavailable, install
from tests.emulator.conftest import StartEmulator
from tests.emulator.helpers import call, client, connect, new_room
from tests.emulator.review_server import ARN, review_server
from tui.emulator.chat.review import DENIED


@pytest.fixture(scope="session")
def chat_sdk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ChatSdk:
    cache = getattr(request.config, "cache", None)
    root = Path(cache.mkdir("ivs-chat-messaging-sdk")) if cache else tmp_path_factory.mktemp("sdk")
    try:
        return install(root)
    except SdkUnavailable as exc:
        if exc.tools_present and os.environ.get("CI"):
            pytest.fail(f"the official JS SDK could not be installed: {exc}")
        pytest.skip(f"the official JS SDK cannot run here: {exc}")


async def test_sdk_send_message_rejects_with_406_when_denied_and_resolves_when_allowed(
    start_emulator: StartEmulator, chat_sdk: ChatSdk
) -> None:
    async def review(payload: dict[str, Any]) -> web.StreamResponse:
        if payload["Content"] == "bad":
            return web.json_response({"ReviewResult": "DENY", "Attributes": {"Reason": "rude"}})
        return web.json_response({"ReviewResult": "ALLOW", "Content": payload["Content"].upper()})

    async with review_server() as handler:
        handler.answers(review)
        emulator = await start_emulator(review_handlers={ARN: handler.url}, review_timeout_ms=30e3)
        chat = client("ivschat", emulator)
        room = await new_room(chat, messageReviewHandler={"uri": ARN})
        bob = await call(chat.create_chat_token, roomIdentifier=room, userId="bob")
        alice = await call(
            chat.create_chat_token,
            roomIdentifier=room,
            userId="alice",
            capabilities=["SEND_MESSAGE"],
        )
        async with connect(emulator, bob["token"]) as b:
            results = await chat_sdk.send(
                emulator.ws_url,
                alice["token"],
                alice["sessionExpirationTime"].isoformat(),
                [{"content": "bad"}, {"content": "hello", "attributes": {"k": "v"}}],
            )
            seen = await b.recv()
    denied, allowed = results
    assert denied == {"ok": False, "errorCode": 406, "errorMessage": "rude"}
    assert allowed["ok"] and (allowed["content"], allowed["attributes"]) == ("HELLO", {"k": "v"})
    # What Bob saw first is the allowed message: the denied one never reached him.
    assert (seen["Type"], seen["Id"], seen["Content"]) == ("MESSAGE", allowed["id"], "HELLO")
    assert [c.payload["Sender"]["UserId"] for c in handler.calls] == ["alice", "alice"]


async def test_sdk_send_message_rejects_when_the_handler_is_down_and_the_fallback_denies(
    start_emulator: StartEmulator, chat_sdk: ChatSdk
) -> None:
    emulator = await start_emulator()  # no endpoint for the ARN: the Lambda fails
    chat = client("ivschat", emulator)
    room = await new_room(chat, messageReviewHandler={"uri": ARN, "fallbackResult": "DENY"})
    alice = await call(
        chat.create_chat_token, roomIdentifier=room, userId="alice", capabilities=["SEND_MESSAGE"]
    )
    [result] = await chat_sdk.send(
        emulator.ws_url,
        alice["token"],
        alice["sessionExpirationTime"].isoformat(),
        [{"content": "x"}],
    )
    assert result == {"ok": False, "errorCode": 406, "errorMessage": DENIED}
