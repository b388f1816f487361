"""`GET /api/moderation/events`: the moderators' news, as `text/event-stream`.

Viewers must not see moderators' traffic, and SendEvent reaches the whole room, so the
broadcaster and moderators get this stream instead: the held count, shield mode's state,
the offences the moderation log records automatically (blocked term, flood), and the
room's ids of messages approved from the queue, never a message's content. Each stream
reads the shared store once a second, so what another instance changed arrives too, and
sends an event (`event: news`, `data:` one `ModerationNews` object) only when something
changed, the first at once; a comment line keeps an idle connection open through
proxies. The caller's key is checked again every
`RECHECK_SECONDS` (a moderator made a viewer is cut off), and every stream ends cleanly
when the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import web

from tui.common.text import for_log
from tui.server.db import DB_ERRORS
from tui.server.domain_errors import ServiceError
from tui.server.raid.desk import NewsState, RaidDesk

log = logging.getLogger("tui.server")

EVENTS_PATH = "/moderation/events"
"""Relative to the API's /api prefix."""
POLL_SECONDS = 1.0
"""At most one event a second."""
KEEP_ALIVE_SECONDS = 15.0
RECHECK_SECONDS = 10.0


def event_text(data: dict[str, object]) -> bytes:
    """One `news` event: a single data line (JSON has no raw newline)."""
    return f"event: news\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def stream_news(request: web.Request, desk: RaidDesk, key: str | None) -> web.StreamResponse:
    desk.moderation.caller(key)  # 401 / 403 as JSON, before the stream starts
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx: pass each event on at once
        }
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    last_id = desk.last_log_id()
    last_approved = desk.queue.last_approved()
    sent: NewsState | None = None
    wrote = checked = loop.time()
    try:
        while not desk.closing.is_set():
            now = loop.time()
            state: NewsState | None
            try:
                if now - checked >= RECHECK_SECONDS:
                    checked = now
                    desk.moderation.caller(key)
                state = desk.news_state()
                offences, last_id = desk.offences_after(last_id)
                approved, last_approved = desk.approved_after(last_approved)
            except ServiceError as exc:  # no longer a moderator, or banned
                log.info("moderation events: ended a stream: %s", for_log(exc.message))
                break
            except DB_ERRORS as exc:  # the database is back in a moment: keep the stream
                log.warning("moderation events: %s", for_log(str(exc)))
                state, offences, approved = sent, [], []
            if state is not None and (state != sent or offences or approved):
                news = desk.news(state, offences, approved)
                await response.write(event_text(news.to_json()))
                sent, wrote = state, now
            elif now - wrote >= KEEP_ALIVE_SECONDS:
                await response.write(b": keep-alive\n\n")
                wrote = now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(desk.closing.wait(), POLL_SECONDS)
        await response.write_eof()
    except ConnectionError:
        pass  # the moderator went away
    return response


__all__ = ["EVENTS_PATH", "KEEP_ALIVE_SECONDS", "POLL_SECONDS", "event_text", "stream_news"]
