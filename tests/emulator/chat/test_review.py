"""The message review handler: rooms set up through boto3, a real HTTP handler on
loopback standing in for the Lambda, raw WebSocket clients on the messaging socket."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.certificates import make_certificate
from tests.emulator.conftest import StartEmulator
from tests.emulator.helpers import Socket, call, client, connect, new_room
from tests.emulator.helpers import token_for as plain_token
from tests.emulator.review_server import ARN, ReviewServer, review_server
from tui.common.review_signature import SIGNATURE_HEADER, verify
from tui.emulator import Emulator
from tui.emulator.chat.review import DENIED

PATIENT = 30_000.0
"""A review timeout no loaded machine reaches, for tests of what the handler answers."""


@pytest.fixture
async def handler() -> AsyncIterator[ReviewServer]:
    async with review_server() as server:
        yield server


async def stack(start: StartEmulator, server: ReviewServer, **config: Any) -> tuple[Emulator, Any]:
    config = {"review_handlers": {ARN: server.url}, "review_timeout_ms": PATIENT, **config}
    emulator = await start(**config)
    return emulator, client("ivschat", emulator)


async def reviewed_room(chat: Any, fallback: str | None = None, **params: Any) -> str:
    handler = {"uri": ARN} if fallback is None else {"uri": ARN, "fallbackResult": fallback}
    return await new_room(chat, messageReviewHandler=handler, **params)


def answering(body: Any, status: int = 200) -> Any:
    async def answer(payload: dict[str, Any]) -> web.StreamResponse:
        if isinstance(body, bytes):
            return web.Response(body=body, status=status, content_type="application/json")
        return web.json_response(body, status=status)

    return answer


async def token_for(chat: Any, room: str, user: str = "alice", **params: Any) -> str:
    """A token that may send."""
    return await plain_token(chat, room, user, capabilities=["SEND_MESSAGE"], **params)


async def next_message(sock: Socket) -> dict[str, Any]:
    return await sock.recv_until(lambda f: f["Type"] in ("MESSAGE", "ERROR"))


async def test_allow_delivers_and_the_handler_gets_the_lambda_event(
    start_emulator: StartEmulator, handler: ReviewServer
) -> None:
    emulator, chat = await stack(start_emulator, handler)
    room = await reviewed_room(chat)
    alice = await token_for(chat, room, "alice", attributes={"displayName": "Alice"})
    bob = await token_for(chat, room, "bob")
    async with connect(emulator, alice) as a, connect(emulator, bob) as b:
        await a.send(Action="SEND_MESSAGE", RequestId="r1", Content="hello", Attributes={"k": "v"})
        echo, seen = await next_message(a), await next_message(b)
    assert echo == seen
    assert (echo["Type"], echo["Content"], echo["Attributes"]) == ("MESSAGE", "hello", {"k": "v"})
    assert echo["RequestId"] == "r1"
    [review] = handler.calls
    assert review.headers["Content-Type"] == "application/json"
    assert SIGNATURE_HEADER not in review.headers  # no secret: unsigned
    assert review.payload == {
        "Content": "hello",
        "MessageId": echo["Id"],  # the Id the message got
        "RoomArn": room,
        "Attributes": {"k": "v"},
        "Sender": {"Attributes": {"displayName": "Alice"}, "UserId": "alice", "Ip": "127.0.0.1"},
    }


async def test_allow_with_a_replacement_delivers_the_replacement(
    start_emulator: StartEmulator, handler: ReviewServer
) -> None:
    emulator, chat = await stack(start_emulator, handler)
    room = await reviewed_room(chat)
    handler.answers(
        answering({"ReviewResult": "ALLOW", "Content": "h***o", "Attributes": {"censored": "1"}})
    )
    alice, bob = await token_for(chat, room, "alice"), await token_for(chat, room, "bob")
    async with connect(emulator, alice) as a, connect(emulator, bob) as b:
        await a.send(Action="SEND_MESSAGE", RequestId="r", Content="hello", Attributes={"k": "v"})
        echo, seen = await next_message(a), await next_message(b)
        # Content alone replaces the content; the attributes stay the sender's.
        handler.answers(answering({"ReviewResult": "ALLOW", "Content": "only this"}))
        await a.send(Action="SEND_MESSAGE", RequestId="r2", Content="x", Attributes={"k": "v"})
        second = await next_message(b)
    assert echo == seen
    assert (seen["Content"], seen["Attributes"]) == ("h***o", {"censored": "1"})
    assert (second["Content"], second["Attributes"]) == ("only this", {"k": "v"})


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"ReviewResult": "DENY"}, DENIED),
        ({"ReviewResult": "DENY", "Attributes": {"Reason": "blocked term"}}, "blocked term"),
    ],
)
async def test_deny_is_406_to_the_sender_and_nobody_else_sees_it(
    start_emulator: StartEmulator, handler: ReviewServer, answer: dict[str, Any], words: str
) -> None:
    emulator, chat = await stack(start_emulator, handler)
    room = await reviewed_room(chat)

    async def deny_the_first(payload: dict[str, Any]) -> web.StreamResponse:
        if payload["Content"] == "bad":
            return web.json_response(answer)
        return web.json_response({"ReviewResult": "ALLOW"})

    handler.answers(deny_the_first)
    alice, bob = await token_for(chat, room, "alice"), await token_for(chat, room, "bob")
    async with connect(emulator, alice) as a, connect(emulator, bob) as b:
        await a.send(Action="SEND_MESSAGE", RequestId="bad-one", Content="bad")
        error = await next_message(a)
        # One sender's messages keep their order, so the next thing Bob sees is the next
        # message: the denied one never reached him.
        await a.send(Action="SEND_MESSAGE", RequestId="good-one", Content="good")
        seen = await next_message(b)
    assert (error["Type"], error["ErrorCode"], error["RequestId"]) == ("ERROR", 406, "bad-one")
    assert error["ErrorMessage"] == words
    assert (seen["Type"], seen["Content"]) == ("MESSAGE", "good")


def _hang() -> tuple[asyncio.Event, Any]:
    released = asyncio.Event()

    async def never_in_time(payload: dict[str, Any]) -> web.StreamResponse:
        await released.wait()
        return web.json_response({"ReviewResult": "DENY"})

    return released, never_in_time


FAILURES = {
    "error 500": lambda: answering({"message": "boom"}, status=500),
    "not JSON": lambda: answering(b"<html>oops</html>"),
    "no ReviewResult": lambda: answering({"Content": "x"}),
    "ReviewResult unknown": lambda: answering({"ReviewResult": "MAYBE"}),
    "Content null": lambda: answering({"ReviewResult": "DENY", "Content": None}),
    "Content too long": lambda: answering({"ReviewResult": "DENY", "Content": "x" * 501}),
    "Attributes not strings": lambda: answering({"ReviewResult": "DENY", "Attributes": {"a": 1}}),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("fallback", [None, "ALLOW", "DENY"])
async def test_a_failing_handler_gets_the_fallback(
    start_emulator: StartEmulator, handler: ReviewServer, failure: str, fallback: str | None
) -> None:
    emulator, chat = await stack(start_emulator, handler)
    room = await reviewed_room(chat, fallback)
    handler.answers(FAILURES[failure]())
    await _expect_fallback(emulator, chat, room, fallback)
    assert len(handler.calls) == 1


@pytest.mark.parametrize("fallback", [None, "ALLOW", "DENY"])
async def test_no_answer_within_the_timeout_gets_the_fallback(
    start_emulator: StartEmulator, handler: ReviewServer, fallback: str | None
) -> None:
    # IVS's own 200 ms: the handler answers only once the test is over.
    emulator, chat = await stack(start_emulator, handler, review_timeout_ms=200)
    room = await reviewed_room(chat, fallback)
    released, hang = _hang()
    handler.answers(hang)
    try:
        await _expect_fallback(emulator, chat, room, fallback)
    finally:
        released.set()


@pytest.mark.parametrize("fallback", [None, "ALLOW", "DENY"])
async def test_an_arn_with_no_endpoint_gets_the_fallback(
    start_emulator: StartEmulator, fallback: str | None
) -> None:
    emulator = await start_emulator()
    chat = client("ivschat", emulator)
    await _expect_fallback(emulator, chat, await reviewed_room(chat, fallback), fallback)


async def test_a_refused_connection_gets_the_fallback(start_emulator: StartEmulator) -> None:
    async with review_server() as gone:
        url = gone.url
    emulator = await start_emulator(review_handlers={ARN: url})
    chat = client("ivschat", emulator)
    await _expect_fallback(emulator, chat, await reviewed_room(chat, "DENY"), "DENY")


async def _expect_fallback(emulator: Emulator, chat: Any, room: str, fallback: str | None) -> None:
    alice, bob = await token_for(chat, room, "alice"), await token_for(chat, room, "bob")
    async with connect(emulator, alice) as a, connect(emulator, bob) as b:
        await a.send(Action="SEND_MESSAGE", RequestId="r", Content="as sent", Attributes={"k": "v"})
        mine = await next_message(a)
        if fallback == "DENY":
            assert (mine["Type"], mine["ErrorCode"], mine["RequestId"]) == ("ERROR", 406, "r")
            assert mine["ErrorMessage"] == DENIED
            await call(chat.update_room, identifier=room, messageReviewHandler={"uri": ""})
            await a.send(Action="SEND_MESSAGE", RequestId="r2", Content="unreviewed")
            assert (await next_message(b))["Content"] == "unreviewed"
        else:  # ALLOW, IVS's default: the message as sent
            seen = await next_message(b)
            assert mine == seen
            assert (seen["Content"], seen["Attributes"]) == ("as sent", {"k": "v"})


async def test_calls_are_signed_when_a_secret_is_set(
    start_emulator: StartEmulator, handler: ReviewServer
) -> None:
    emulator, chat = await stack(start_emulator, handler, review_secret="s3cret")
    room = await reviewed_room(chat)
    async with connect(emulator, await token_for(chat, room)) as a:
        await a.send(Action="SEND_MESSAGE", RequestId="r", Content="signed")
        assert (await next_message(a))["Type"] == "MESSAGE"
    [review] = handler.calls
    verify("s3cret", review.body, review.headers[SIGNATURE_HEADER], time.time())


async def test_one_senders_messages_keep_their_order_when_reviews_finish_out_of_order(
    start_emulator: StartEmulator, handler: ReviewServer
) -> None:
    emulator, chat = await stack(start_emulator, handler)
    room = await reviewed_room(chat)
    second_arrived = asyncio.Event()

    async def slow_first(payload: dict[str, Any]) -> web.StreamResponse:
        if payload["Content"] == "first":
            await second_arrived.wait()  # answered only after the second one's review
        else:
            second_arrived.set()
        return web.json_response({"ReviewResult": "ALLOW"})

    handler.answers(slow_first)
    alice, bob = await token_for(chat, room, "alice"), await token_for(chat, room, "bob")
    async with connect(emulator, alice) as a, connect(emulator, bob) as b:
        await a.send(Action="SEND_MESSAGE", RequestId="1", Content="first")
        await a.send(Action="SEND_MESSAGE", RequestId="2", Content="second")
        seen = [(await next_message(b))["Content"], (await next_message(b))["Content"]]
    assert seen == ["first", "second"]


async def test_a_review_under_way_holds_up_no_other_sender_or_room(
    start_emulator: StartEmulator, handler: ReviewServer
) -> None:
    emulator, chat = await stack(start_emulator, handler)
    room = await reviewed_room(chat)
    other_room = await new_room(chat)
    released = asyncio.Event()

    async def hold_alice(payload: dict[str, Any]) -> web.StreamResponse:
        if payload["Sender"]["UserId"] == "alice":
            await released.wait()
        return web.json_response({"ReviewResult": "ALLOW"})

    handler.answers(hold_alice)
    tokens = [await token_for(chat, room, user) for user in ("alice", "bob", "carol")]
    elsewhere = await token_for(chat, other_room, "dave")
    async with (
        connect(emulator, tokens[0]) as a,
        connect(emulator, tokens[1]) as b,
        connect(emulator, tokens[2]) as c,
        connect(emulator, elsewhere) as d,
    ):
        await a.send(Action="SEND_MESSAGE", RequestId="held", Content="held")
        await d.send(Action="SEND_MESSAGE", RequestId="d", Content="other room")
        assert (await next_message(d))["Content"] == "other room"
        await b.send(Action="SEND_MESSAGE", RequestId="b", Content="from bob")
        assert (await next_message(c))["Content"] == "from bob"
        released.set()
        assert (await next_message(c))["Content"] == "held"


async def test_the_rooms_own_limits_come_before_the_review(
    start_emulator: StartEmulator, handler: ReviewServer
) -> None:
    emulator, chat = await stack(start_emulator, handler)
    room = await reviewed_room(chat, maximumMessageRatePerSecond=1, maximumMessageLength=5)
    async with connect(emulator, await token_for(chat, room)) as a:
        await a.send(Action="SEND_MESSAGE", RequestId="long", Content="too long")
        assert (await next_message(a))["ErrorCode"] == 413
        await a.send(Action="SEND_MESSAGE", RequestId="1", Content="one")
        await a.send(Action="SEND_MESSAGE", RequestId="2", Content="two")
        answers = {f["RequestId"]: f for f in [await next_message(a), await next_message(a)]}
    assert answers["1"]["Type"] == "MESSAGE"
    assert answers["2"]["ErrorCode"] == 429
    assert handler.contents() == ["one"]  # neither refused message reached the handler


async def test_update_room_sets_and_removes_the_handler(
    start_emulator: StartEmulator, handler: ReviewServer
) -> None:
    emulator, chat = await stack(start_emulator, handler)
    room = await new_room(chat)
    handler.answers(answering({"ReviewResult": "DENY"}))
    async with connect(emulator, await token_for(chat, room)) as a:
        await a.send(Action="SEND_MESSAGE", RequestId="1", Content="before")
        assert (await next_message(a))["Type"] == "MESSAGE"
        await call(chat.update_room, identifier=room, messageReviewHandler={"uri": ARN})
        await a.send(Action="SEND_MESSAGE", RequestId="2", Content="during")
        assert (await next_message(a))["ErrorCode"] == 406
        await call(chat.update_room, identifier=room, messageReviewHandler={"uri": ""})
        await a.send(Action="SEND_MESSAGE", RequestId="3", Content="after")
        assert (await next_message(a))["Type"] == "MESSAGE"
    assert handler.contents() == ["during"]


async def test_a_handler_mapped_after_the_start_is_used(
    start_emulator: StartEmulator, handler: ReviewServer
) -> None:
    emulator = await start_emulator(review_timeout_ms=PATIENT)
    chat = client("ivschat", emulator)
    room = await reviewed_room(chat, "ALLOW")
    handler.answers(answering({"ReviewResult": "DENY", "Attributes": {"Reason": "mapped"}}))
    emulator.map_review_handler(ARN, handler.url)
    async with connect(emulator, await token_for(chat, room)) as a:
        await a.send(Action="SEND_MESSAGE", RequestId="r", Content="hi")
        assert (await next_message(a))["ErrorMessage"] == "mapped"
        emulator.unmap_review_handler(ARN)
        await a.send(Action="SEND_MESSAGE", RequestId="r2", Content="hi")
        assert (await next_message(a))["Type"] == "MESSAGE"  # unmapped: fallback ALLOW


@pytest.mark.parametrize(
    ("arn", "url"),
    [
        ("arn:aws:lambda:us-east-1:123:function:f", "http://127.0.0.1:1/"),
        (ARN, "ftp://127.0.0.1/"),
        (ARN, "not a url"),
    ],
)
def test_a_malformed_mapping_is_refused_with_words(arn: str, url: str) -> None:
    with pytest.raises(ValueError, match="is not"):
        Emulator().map_review_handler(arn, url)


@pytest.mark.parametrize("trusted", [True, False])
async def test_an_https_handler_is_called_with_the_tls_context_given(
    start_emulator: StartEmulator, tmp_path: Path, trusted: bool
) -> None:
    cert, key = make_certificate(tmp_path)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert)) if trusted else None
    async with review_server(tls=server_side) as handler:
        handler.answers(answering({"ReviewResult": "DENY", "Attributes": {"Reason": "tls"}}))
        emulator, chat = await stack(start_emulator, handler, review_ssl=client_side)
        room = await reviewed_room(chat)
        async with connect(emulator, await token_for(chat, room)) as a:
            await a.send(Action="SEND_MESSAGE", RequestId="r", Content="x")
            answer = await next_message(a)
    if trusted:
        assert (answer["ErrorCode"], answer["ErrorMessage"]) == (406, "tls")
    else:  # the certificate is not trusted: the call fails, fallback ALLOW
        assert answer["Type"] == "MESSAGE"
        assert handler.calls == []
