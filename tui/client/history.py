"""`GET /api/chat/history` for the TUI: one page per call, no Textual.

Rides on the app's `AppServerClient` as `tui.client.moderation_api.ModerationClient` does: its
connections, timeout, failure words, and the identity it holds (the broadcaster key,
else the session key the first chat token gave) as `Authorization: Bearer`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from tui.chat.history_sync import HistoryRequest
from tui.client.app_server import AppServerClient, AppServerError
from tui.server.models import ApiModel, FetchedHistory, fetched_history

log = logging.getLogger(__name__)

HISTORY_PATH = "/api/chat/history"
_NO_SUCH_API = "no such API"  # what the app server answers for a route it lacks


class UnknownMessage(AppServerError):
    """404 for `after=<Id>`: the history does not know that message (too old, or never
    recorded); ask again by its send time."""


class _Page(ApiModel):
    messages: list[dict[str, Any]]
    complete: bool
    more: bool = False


class HistoryClient:
    """The history route as `server`'s identity. Satisfies the controller's
    `HistorySource`."""

    def __init__(self, server: AppServerClient) -> None:
        self.server = server

    async def history(self, request: HistoryRequest) -> FetchedHistory:
        """One page. Raises `UnknownMessage` (404 for an Id), else `AppServerError`."""
        bearer = self.server.broadcaster_key or self.server.session_key
        if not bearer:
            raise AppServerError(None, "no chat identity yet: join the room first")
        query: dict[str, str | int] = {"limit": request.limit}
        if request.after is not None:
            query["after"] = request.after
        path = f"{HISTORY_PATH}?{urlencode(query)}"
        try:
            page = await self.server.request("GET", path, _Page, bearer=bearer)
        except AppServerError as exc:
            if exc.status == 404 and request.after is not None:
                if exc.message.startswith(_NO_SUCH_API) or "answered 404" in exc.message:
                    raise AppServerError(
                        404, f"the app server at {self.server.base_url} keeps no chat history"
                    ) from None
                raise UnknownMessage(404, exc.message) from None
            if exc.status == 404:
                raise AppServerError(
                    404, f"the app server at {self.server.base_url} keeps no chat history"
                ) from None
            raise
        assert page is not None  # a model was given
        return fetched_history(page.messages, page.complete, page.more)


__all__ = ["HISTORY_PATH", "HistoryClient", "UnknownMessage"]
