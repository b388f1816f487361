"""`GET /api/chat/history?after=<messageId or RFC 3339 time>&limit=N` (issue 11), mounted
under /api by `tui.server.http.api_app`: `{messages: [...], complete: bool}`, for holders
of a session key or the broadcaster key (`tui.server.history.query`)."""

from __future__ import annotations

from aiohttp import web

from tui.server.errors import NotAuthenticated
from tui.server.history.query import history as history_page
from tui.server.http import _service, bearer
from tui.server.keyed import history, keyed


@keyed
async def chat_history(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    key = bearer(request)
    if not key:
        raise NotAuthenticated(
            "the history needs a session key or the broadcaster key (Authorization: Bearer <key>)"
        )
    if not service.is_broadcaster_key(key):
        service.viewer(key)  # 401 for a key this server never gave
    page = history_page(history(request), request.query.get("after"), request.query.get("limit"))
    return web.Response(text=page.to_json(), content_type="application/json")


ROUTES = (web.get("/chat/history", chat_history),)
"""Relative to the API's /api prefix."""

__all__ = ["ROUTES"]
