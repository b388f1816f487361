"""The request table alone: order, matching answers, and what fails when (no sockets)."""

from __future__ import annotations

import asyncio

import pytest

from tests.ivs.conftest import SEND_TIME
from tui.ivs.connection.request_table import Request, RequestTable
from tui.ivs.events import ChatError, ChatMessage, MessageDeleted, NotConnected


def _request(rid: str, answer: type = ChatMessage) -> Request:
    return Request(rid, f"frame-{rid}", answer, asyncio.get_running_loop().create_future())


def _echo(rid: str, content: str = "hi") -> ChatMessage:
    return ChatMessage("AAAAAAAAAAAA", content, "alice", {}, {}, SEND_TIME, rid)


async def test_requests_go_out_in_the_order_they_were_made() -> None:
    table = RequestTable()
    first, second = _request("r1"), _request("r2")
    table.add(first)
    table.add(second)
    assert table.next_unsent() is first
    assert table.written(first, "link-1")
    assert table.next_unsent() is second
    assert table.written(second, "link-1")
    assert table.next_unsent() is None
    assert len(table) == 2  # both still wait for their answers


async def test_a_request_given_up_while_queued_is_skipped() -> None:
    table = RequestTable()
    given_up, kept = _request("r1"), _request("r2")
    table.add(given_up)
    table.add(kept)
    given_up.result.cancel()
    table.forget(given_up)
    assert table.next_unsent() is kept
    assert len(table) == 1


async def test_a_request_given_up_while_being_written_waits_for_nothing() -> None:
    table = RequestTable()
    request = _request("r1")
    table.add(request)
    assert table.next_unsent() is request
    request.result.cancel()  # while the pump awaited the send
    assert not table.written(request, "link-1")
    assert table.waiting_on("link-1") == []
    assert table.next_unsent() is None


async def test_only_the_confirming_type_with_the_same_request_id_resolves() -> None:
    table = RequestTable()
    send = _request("r1")
    table.add(send)
    table.written(send, "link-1")
    deleted = MessageDeleted("AAAAAAAAAAAA", "", "BBBBBBBBBBBB", "r1")
    assert table.resolve(deleted) is None  # same id, wrong kind of answer
    assert table.resolve(_echo("r2")) is None  # someone else's echo
    assert table.resolve(_echo("r1")) is send
    assert send.result.result().content == "hi"
    assert table.resolve(_echo("r1")) is None  # a duplicate answers nothing


async def test_an_error_rejects_only_the_request_it_names() -> None:
    table = RequestTable()
    bad, good = _request("r1"), _request("r2")
    for request in (bad, good):
        table.add(request)
    assert table.reject("r1", ChatError(406, "denied", "r1"))
    assert not table.reject("r1", ChatError(406, "again", "r1"))  # already failed
    assert not table.reject("", ChatError(500, "no id"))
    assert not table.reject("nobody", ChatError(500, "unknown id"))
    with pytest.raises(ChatError, match="denied"):
        bad.result.result()
    assert not good.result.done()


async def test_a_lost_link_fails_only_what_was_written_on_it() -> None:
    table = RequestTable()
    on_old, on_new, queued = _request("r1"), _request("r2"), _request("r3")
    for request in (on_old, on_new, queued):
        table.add(request)
    table.written(table.next_unsent(), "old")  # type: ignore[arg-type]
    table.written(table.next_unsent(), "new")  # type: ignore[arg-type]
    assert table.waiting_on("old") == [on_old.result]
    table.fail_written_on("old", None, "connection lost")
    with pytest.raises(ChatError, match="connection lost") as caught:
        on_old.result.result()
    assert caught.value.request_id == "r1"
    assert not on_new.result.done() and not queued.result.done()
    assert table.next_unsent() is queued  # still goes out on the next link


async def test_forgetting_a_request_leaves_no_trace_of_it() -> None:
    table = RequestTable()
    request = _request("r1")
    table.add(request)
    table.written(request, "link-1")
    request.timer = asyncio.get_running_loop().call_later(3600, lambda: None)
    table.resolve(_echo("r1"))
    table.forget(request)
    assert len(table) == 0
    assert table.waiting_on("link-1") == []
    assert request.timer.cancelled()


async def test_the_end_fails_everything_with_not_connected() -> None:
    table = RequestTable()
    written, queued = _request("r1"), _request("r2")
    table.add(written)
    table.add(queued)
    table.written(written, "link-1")
    table.end("you left the chat")
    for request in (written, queued):
        with pytest.raises(NotConnected, match="you left the chat"):
            request.result.result()
    assert table.next_unsent() is None
