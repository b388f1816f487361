"""`serve --local`: the local IVS stack's control plane shares the app server's public
port, so only the app server itself may call it. A viewer with boto3 must not be able to
disconnect the broadcaster, mint a moderator token or forge an invite."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import connect

from tests.emulator.helpers import client
from tests.server.conftest import next_event
from tui.client.app_server import AppServerClient
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE
from tui.server.boot.startup import start_local_stack


def outsider(service: str, url: str) -> Any:
    """boto3 as any viewer could run it: made-up credentials, the app server's URL."""
    return client(service, url, access_key_id="AKIAVIEWER0000000000")


async def test_outsiders_are_refused_and_the_app_flow_still_works(tmp_path: Path) -> None:
    async with (
        await start_local_stack(port=0, data_dir=tmp_path) as stack,
        AppServerClient(stack.url, broadcaster_key=stack.broadcaster_key) as host,
        AppServerClient(stack.url) as viewer,
    ):
        broadcaster = await host.chat_token("Host")
        alice = await viewer.chat_token("Alice")
        chat = outsider("ivschat", stack.url)
        realtime = outsider("ivs-realtime", stack.url)
        room = stack.room_arn
        attempts = {
            "DisconnectUser": lambda: chat.disconnect_user(
                roomIdentifier=room, userId=broadcaster.user_id
            ),
            "CreateChatToken": lambda: chat.create_chat_token(
                roomIdentifier=room,
                userId="mallory",
                capabilities=["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
            ),
            "SendEvent": lambda: chat.send_event(
                roomIdentifier=room,
                eventName=EVENT_MULTIHOST_INVITE,
                attributes={"userId": alice.user_id, "inviteId": "forged"},
            ),
            "ListTagsForResource": lambda: chat.list_tags_for_resource(resourceArn=room),
        }
        for name, attempt in attempts.items():
            with pytest.raises(chat.exceptions.AccessDeniedException) as denied:
                await asyncio.to_thread(attempt)
            assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, name
        with pytest.raises(realtime.exceptions.AccessDeniedException):
            await asyncio.to_thread(
                realtime.create_participant_token, stageArn=stack.stage_arn, userId="mallory"
            )

        # Unsigned requests, e.g. curl, fare no better.
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                stack.url + "/CreateChatToken",
                json={"roomIdentifier": room, "userId": "mallory"},
            ) as resp,
        ):
            assert resp.status == 403
            assert resp.headers["x-amzn-ErrorType"] == "AccessDeniedException"

        # Signed with the stack's own key id (as tests may), the control plane answers.
        owner = client(
            "ivschat",
            stack.url,
            access_key_id=stack.control_access_key_id,
            secret_access_key=stack.control_secret_access_key,
        )
        assert (await asyncio.to_thread(owner.get_room, identifier=room))["arn"] == room

        # The app server's own calls (chat tokens, SendEvent, CreateParticipantToken) work.
        async with connect(alice.chat_url, subprotocols=[alice.token]) as ws:  # type: ignore[list-item]
            grant = await host.invite(alice.user_id)
            frame, _ = await next_event(ws, EVENT_MULTIHOST_INVITE)
            assert frame["Attributes"]["inviteId"] == grant.invite_id
        redemption = await viewer.redeem(grant.invite_id)
        assert redemption.participant_token
