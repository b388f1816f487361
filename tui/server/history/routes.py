"""`GET /api/chat/history?after=<messageId or RFC 3339 time>&limit=N`, mounted under /api
by `tui.server.web.http.api_app`: `{messages: [...], complete: bool, more: bool}`, for holders
of a session key or the broadcaster key (`tui.server.history.query`), within each
identity's budget (`tui.server.history.guard`)."""

from __future__ import annotations

import math

from aiohttp import web

from tui.server.domain_errors import NotAuthenticated
from tui.server.history.guard import TooMany, write_within
from tui.server.history.query import history as history_page
from tui.server.web.http import STATE, _error, _service, bearer
from tui.server.web.keyed import history, keyed


@keyed
async def chat_history(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    key = bearer(request)
    if not key:
        raise NotAuthenticated(
            "the history needs a session key or the broadcaster key (Authorization: Bearer <key>)"
        )
    # A viewer's key this server never gave is a 401 here.
    broadcaster = service.is_broadcaster_key(key)
    identity = "broadcaster" if broadcaster else service.viewer(key).user_id
    try:
        with request.app[STATE].history_guard.request(identity):
            store = history(request)
            page = history_page(store, request.query.get("after"), request.query.get("limit"))
            return await write_within(request, page.to_json().encode())
    except TooMany as too_many:
        seconds = max(1, math.ceil(too_many.wait))
        return _error(
            429,
            f"too many history requests; try again in {seconds} s",
            {"Retry-After": str(seconds)},
        )


ROUTES = (web.get("/chat/history", chat_history),)
"""Relative to the API's /api prefix."""

__all__ = ["ROUTES"]
