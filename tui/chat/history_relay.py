"""Between the room client and the chat screen: history on join, catch-up after reconnects.

`HistoryRelay` sees every room event the controller hands on (tui/controller.py `run`).
At each CONNECTED it fetches from the app server's history what tui/chat/history_sync.py
plans (the newest messages on join, what was missed after a reconnect), holding the live
events back meanwhile, then hands on one `HistoryShown` and the held events, so the list
gets every message once and in send order. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from tui.chat.history_sync import (
    CATCH_UP_PAGE,
    MAX_CATCH_UP_PAGES,
    Held,
    HistoryRequest,
    HistoryShown,
    Seen,
    by_time,
    catch_up_request,
    join_request,
    merge,
    next_page,
)
from tui.client.history import UnknownMessage
from tui.common.timing.clock import Clock, utc_now
from tui.common.timing.timefmt import rfc3339
from tui.error_words import error_words
from tui.ivs.events import ChatMessage, ConnectionState, RoomEvent, StateChanged
from tui.ivs.moderation_notice import ModerationNotice
from tui.server.models import FetchedHistory

log = logging.getLogger(__name__)

DEFAULT_HISTORY_ON_JOIN = 50

Delivered = RoomEvent | ModerationNotice | HistoryShown
"""What the controller hands the chat screen: the room's events (a moderation notice read
already: tui.ivs.moderation_notice.read_notice) and history."""


class HistorySource(Protocol):
    """One page of `GET /api/chat/history` (tui/client/history.py `HistoryClient`)."""

    async def history(self, request: HistoryRequest) -> FetchedHistory: ...


async def fetch_missed(
    source: HistorySource, seen: Seen | None, since: datetime, page: int = CATCH_UP_PAGE
) -> FetchedHistory:
    """Everything after `seen` (or after `since` when no message was seen yet), paging
    while the pages are full. Raises what the source raises."""
    if seen is None:
        request: HistoryRequest | None = HistoryRequest(rfc3339(since), page)
    else:
        request = catch_up_request(seen, page)
    messages: list[ChatMessage] = []
    complete = True
    pages = 0
    while request is not None and pages < MAX_CATCH_UP_PAGES:
        try:
            answer = await source.history(request)
        except Exception as exc:
            if seen is None or pages or not isinstance(exc, UnknownMessage):
                raise
            request = by_time(seen, page)  # the history forgot the Id: by its SendTime
            answer = await source.history(request)
        pages += 1
        messages.extend(answer.messages)
        complete = complete and answer.complete
        request = next_page(request, answer.messages, answer.more)
    if request is not None:
        complete = False  # stopped at the bound: what is left is a gap
    return FetchedHistory(tuple(messages), complete)


class HistoryRelay:
    """Hands room events to `deliver`, with history fetched at each connect."""

    def __init__(
        self,
        source: HistorySource | None,
        deliver: Callable[[Delivered], None],
        *,
        on_join: int = DEFAULT_HISTORY_ON_JOIN,
        page: int = CATCH_UP_PAGE,
        clock: Clock = utc_now,
    ) -> None:
        self._source = source
        self._deliver = deliver
        self._on_join = on_join
        self._page = page
        self._clock = clock
        self.seen: Seen | None = None
        """The newest chat message handed on: where the next catch-up starts."""
        self._joined = False
        self._since: datetime | None = None  # the first connect, if no message is seen
        self._held: Held | None = None  # while a fetch runs
        self._again = False  # connected anew while a fetch ran: fetch once more
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> HistoryRelay:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def __call__(self, event: RoomEvent | ModerationNotice) -> None:
        if isinstance(event, StateChanged):
            self._deliver(event)
            if event.state is ConnectionState.CONNECTED:
                self._connected()
            return
        if self._held is not None:
            self._held.events.append(event)
            return
        self._hand_on(event)

    def _hand_on(self, event: RoomEvent | ModerationNotice) -> None:
        if isinstance(event, ChatMessage):
            self.seen = Seen.of(event)
        self._deliver(event)

    def _connected(self) -> None:
        if self._source is None:
            return
        if self._since is None:
            self._since = self._clock()
        if self._held is not None:
            self._again = True  # the running fetch may end before this link began
            return
        join = not self._joined
        self._joined = True
        if join and self._on_join <= 0:
            return
        self._held = Held()
        self._task = asyncio.create_task(self._fetch(join), name="chat-history")

    async def _fetch(self, join: bool) -> None:
        assert self._source is not None and self._held is not None
        while True:
            seen = self.seen
            try:
                if join:
                    answer = await self._source.history(join_request(self._on_join))
                else:
                    assert self._since is not None
                    answer = await fetch_missed(self._source, seen, self._since, self._page)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("fetching the chat history failed", exc_info=True)
                shown = HistoryShown(join, (), False, error_words(exc))
            else:
                messages = merge(answer.messages, self._held.messages(), None if join else seen)
                shown = HistoryShown(join, messages, answer.complete)
            self._deliver(shown)
            if shown.messages:
                self.seen = Seen.of(shown.messages[-1])
            held, self._held = self._held, Held()
            for event in held.events:
                self._hand_on(event)
            if not self._again:
                break
            self._again, join = False, False
        self._held = None


__all__ = [
    "DEFAULT_HISTORY_ON_JOIN",
    "Delivered",
    "HistoryRelay",
    "HistorySource",
    "fetch_missed",
]
