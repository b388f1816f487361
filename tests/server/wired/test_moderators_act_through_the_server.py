"""Deleting and disconnecting go through `POST /api/moderation/actions` only: no chat
token but the room keeper's may delete, none may disconnect, so a moderator's socket
(a demoted moderator's spare token included) can do neither, and the route holds the
role policy and logs every action with its actor. The real local stack and app server,
raw HTTP and raw chat sockets."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.server.wired.helpers import WAIT, Api, api, chat, closed, send, until
from tui.server.boot.startup import RunningServer
from tui.server.moderation.records import KEEPER_USER_ID


async def recorded(server: RunningServer, message_id: str) -> None:
    """Until the room keeper has put `message_id` in the history (a delete looks its
    sender up there)."""
    history = server.service.history
    assert history is not None

    async def poll() -> None:
        while history.sender_of(message_id) is None:  # noqa: ASYNC110 (another process writes it)
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), WAIT)


async def said(server: RunningServer, ws: Any, content: str) -> str:
    """Send `content` on `ws`; its message id, once the history holds it."""
    await send(ws, content, request_id=content[:20])
    echo = await until(ws, Type="MESSAGE", Content=content)
    await recorded(server, echo["Id"])
    return str(echo["Id"])


async def socket_refusal(ws: Any, action: dict[str, Any]) -> dict[str, Any]:
    """Send a raw DELETE_MESSAGE or DISCONNECT_USER; the ERROR it gets."""
    await ws.send(json.dumps(action))
    return await until(ws, Type="ERROR", RequestId=action["RequestId"])


async def _moderator(client: Api, server: RunningServer, name: str) -> dict[str, Any]:
    """A new viewer made a moderator; their moderator grant."""
    viewer = await client.grant(name)
    status, _ = await client.act(server.broadcaster_key, action="mod", userId=viewer["userId"])
    assert status == 200
    return await client.grant(name, viewer["sessionKey"])


async def test_an_ex_moderators_spare_token_can_neither_delete_nor_disconnect(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        await client.grant("Host", key=server.broadcaster_key)
        bob = await client.grant("Bob")
        ana = await _moderator(client, server, "Ana")
        spare = await client.grant("Ana", ana["sessionKey"])  # kept, never used
        status, _ = await client.act(server.broadcaster_key, action="unmod", userId=ana["userId"])
        assert status == 200
        async with chat(bob) as ws_bob, chat(spare) as ws_spare:
            message_id = await said(server, ws_bob, "still here")
            refusal = await socket_refusal(
                ws_spare, {"Action": "DELETE_MESSAGE", "RequestId": "d", "Id": message_id}
            )
            assert refusal["ErrorCode"] == 403
            for target in (bob["userId"], KEEPER_USER_ID):
                refusal = await socket_refusal(
                    ws_spare, {"Action": "DISCONNECT_USER", "RequestId": "k", "UserId": target}
                )
                assert refusal["ErrorCode"] == 403
            # Bob is still connected, and his message still stands in the history.
            await said(server, ws_bob, "and talking")
        assert server.service.history is not None
        assert server.service.history.sender_of(message_id) is not None


async def test_a_moderators_socket_cannot_disconnect_the_broadcaster_or_the_room_keeper(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        host = await client.grant("Host", key=server.broadcaster_key)
        ana = await _moderator(client, server, "Ana")
        async with chat(host) as ws_host, chat(ana) as ws_ana:
            for target in (host["userId"], KEEPER_USER_ID):
                refusal = await socket_refusal(
                    ws_ana, {"Action": "DISCONNECT_USER", "RequestId": "k", "UserId": target}
                )
                assert refusal["ErrorCode"] == 403
            # The broadcaster is still there, and so is the keeper: the history records.
            await said(server, ws_host, "still live")
        moderation = server.service.moderation
        assert moderation is not None and moderation.keeper is not None
        assert moderation.keeper.health().connections == 1  # never knocked off


async def test_the_broadcasters_socket_cannot_delete_or_disconnect_either(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        host = await client.grant("Host", key=server.broadcaster_key)
        bob = await client.grant("Bob")
        async with chat(host) as ws_host, chat(bob) as ws_bob:
            message_id = await said(server, ws_bob, "hello host")
            refusal = await socket_refusal(
                ws_host, {"Action": "DELETE_MESSAGE", "RequestId": "d", "Id": message_id}
            )
            assert refusal["ErrorCode"] == 403
            refusal = await socket_refusal(
                ws_host, {"Action": "DISCONNECT_USER", "RequestId": "k", "UserId": KEEPER_USER_ID}
            )
            assert refusal["ErrorCode"] == 403


async def test_delete_and_disconnect_through_the_route_with_the_policy_and_the_log(
    server: RunningServer,
) -> None:
    async with api(server) as client:
        host = await client.grant("Host", key=server.broadcaster_key)
        bob = await client.grant("Bob")
        ana = await _moderator(client, server, "Ana")
        mod_key = ana["sessionKey"]
        async with chat(host) as ws_host, chat(bob) as ws_bob:
            bobs = await said(server, ws_bob, "buy my stuff")
            hosts = await said(server, ws_host, "welcome all")
            # A moderator may not delete the broadcaster's message, nor disconnect them.
            status, refused = await client.act(mod_key, action="delete", messageId=hosts)
            assert status == 403 and "broadcaster" in refused["message"], refused
            status, refused = await client.act(mod_key, action="disconnect", userId=host["userId"])
            assert status == 403 and "broadcaster" in refused["message"], refused
            # Nor anyone the room keeper.
            status, refused = await client.act(
                server.broadcaster_key, action="disconnect", userId=KEEPER_USER_ID
            )
            assert status == 403 and "room keeper" in refused["message"], refused
            # An unknown message is 404, in words.
            status, refused = await client.act(mod_key, action="delete", messageId="NoSuchMsgId0")
            assert status == 404 and "no message" in refused["message"], refused
            # A viewer's message: deleted for everyone (IVS's own event), logged.
            status, record = await client.act(
                mod_key, action="delete", messageId=bobs, reason="ads"
            )
            assert status == 200, record
            assert record["action"] == "delete" and record["reason"] == "ads"
            assert record["actor"]["userId"] == ana["userId"]
            assert record["target"]["userId"] == bob["userId"]
            deleted = await until(ws_host, Type="EVENT", EventName="aws:DELETE_MESSAGE")
            assert deleted["Attributes"]["MessageId"] == bobs
            assert deleted["Attributes"]["Reason"] == "ads"
            # A viewer disconnected: IVS's own event, then the socket closes.
            status, record = await client.act(
                mod_key, action="disconnect", userId=bob["userId"], reason="cool off"
            )
            assert status == 200, record
            assert record["action"] == "disconnect" and record["actor"]["userId"] == ana["userId"]
            gone = await until(ws_bob, Type="EVENT", EventName="aws:DISCONNECT_USER")
            assert gone["Attributes"] == {"UserId": bob["userId"], "Reason": "cool off"}
            await closed(ws_bob)
            # The broadcaster acts the same way, and is logged too.
            status, record = await client.act(
                server.broadcaster_key, action="delete", messageId=hosts
            )
            assert status == 403 and "your own message" in record["message"], record
            status, record = await client.act(
                server.broadcaster_key, action="disconnect", userId=ana["userId"]
            )
            assert status == 200 and record["actor"]["userId"] == host["userId"], record
        status, log = await client.call("GET", "/api/moderation/log", server.broadcaster_key)
        assert status == 200
        done = [
            (r["action"], r["actor"]["userId"], r["target"]["userId"])
            for r in log["records"]
            if r["action"] in ("delete", "disconnect")
        ]
        assert done == [
            ("disconnect", host["userId"], ana["userId"]),
            ("disconnect", ana["userId"], bob["userId"]),
            ("delete", ana["userId"], bob["userId"]),
        ]
        # The deleted message is gone from the history; the refused delete left its own.
        assert server.service.history is not None
        assert server.service.history.sender_of(bobs) is None
        assert server.service.history.sender_of(hosts) is not None
