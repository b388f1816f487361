"""The TUI's reading of `GET /api/chat/history` over real HTTP on loopback: a page, an Id
the history forgot (404 with words), and a server with no history route."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.ports import served
from tests.server.history.helpers import frame, msg_id
from tui.chat.history_sync import HistoryRequest
from tui.client.app_server import AppServerClient, AppServerError
from tui.client.history import HISTORY_PATH, HistoryClient, UnknownMessage


@pytest.fixture
async def history_server() -> AsyncIterator[str]:
    async def answer(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bearer key"
        if request.query.get("after") == msg_id(9):
            return web.json_response({"message": "message not in the history"}, status=404)
        body = {"messages": [json.loads(frame(1).to_json()), {"Id": "broken"}], "complete": True}
        return web.json_response(body)

    app = web.Application()
    app.router.add_get(HISTORY_PATH, answer)
    async with served(app) as url:
        yield url


async def test_a_page_a_forgotten_id_and_a_malformed_message(history_server: str) -> None:
    async with AppServerClient(history_server, broadcaster_key="key") as server:
        client = HistoryClient(server)
        page = await client.history(HistoryRequest(None, 50))
        assert [m.id for m in page.messages] == [msg_id(1)]
        assert not page.complete  # the malformed one is a gap, not silently dropped
        with pytest.raises(UnknownMessage):
            await client.history(HistoryRequest(msg_id(9), 50))


async def test_a_server_without_history_says_so() -> None:
    async with (
        served(web.Application()) as url,
        AppServerClient(url, broadcaster_key="key") as server,
    ):
        with pytest.raises(AppServerError, match="keeps no chat history") as caught:
            await HistoryClient(server).history(HistoryRequest(msg_id(1), 50))
        assert not isinstance(caught.value, UnknownMessage)
