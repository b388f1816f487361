"""The raid routes, mounted under /api with the moderation routes:

- `GET /api/moderation/shield`: `{on, until, settings}` (`until` RFC 3339, or null while
  off; `settings` `{minutes, minIdentityAgeSeconds, slowModeSeconds}`, the room's
  defaults, changed with `PUT /api/moderation/settings` `{shield: {...}}`);
- `POST /api/moderation/shield` `{on, minutes?}`: answers the same;
- `GET /api/moderation/held`: `{messages: [{id, at, sender: {userId, displayName},
  content, reason, term, expiresAt}]}`, oldest first;
- `POST /api/moderation/held/{id}` `{decision: "approve" | "deny"}`: `{id, decision,
  messageId?}` (404 when it is no longer held);
- `GET /api/moderation/events`: `text/event-stream` (`events.py`).

`Authorization: Bearer` the broadcaster key or a moderator's session key, behind the
wrong-key budget, as the other moderation routes. Thin: `RaidDesk` decides.
"""

from __future__ import annotations

from aiohttp import web

from tui.server.domain_errors import NotReady
from tui.server.models import HeldDecisionRequest, ShieldRequest
from tui.server.raid.desk import RaidDesk
from tui.server.raid.events import EVENTS_PATH, stream_news
from tui.server.web.http import STATE, _body, _json, _service, bearer
from tui.server.web.keyed import keyed


def _desk(request: web.Request) -> RaidDesk:
    found = _service(request).raid
    if found is None:
        raise NotReady("moderation is still starting; try again")
    return found


@keyed
async def get_shield(request: web.Request) -> web.StreamResponse:
    return _json(200, _desk(request).shield(bearer(request)))


@keyed
async def post_shield(request: web.Request) -> web.StreamResponse:
    desk = _desk(request)
    key = bearer(request)
    desk.moderation.caller(key)  # 401 / 403 before reading the body
    body = await _body(request, ShieldRequest)
    return _json(200, desk.set_shield(key, body.on, body.minutes))


@keyed
async def get_held(request: web.Request) -> web.StreamResponse:
    messages = _desk(request).held(bearer(request))
    return _json(200, {"messages": [message.to_json() for message in messages]})


@keyed
async def post_held(request: web.Request) -> web.StreamResponse:
    desk = _desk(request)
    key = bearer(request)
    desk.moderation.caller(key)
    body = await _body(request, HeldDecisionRequest)
    answer = await desk.decide(key, request.match_info["held_id"], body.decision)
    return _json(200, answer)


@keyed
async def events(request: web.Request) -> web.StreamResponse:
    return await stream_news(request, _desk(request), bearer(request))


ROUTES = (
    web.get("/moderation/shield", get_shield),
    web.post("/moderation/shield", post_shield),
    web.get("/moderation/held", get_held),
    web.post("/moderation/held/{held_id}", post_held),
    web.get(EVENTS_PATH, events),
)
"""Relative to the API's /api prefix."""


async def on_shutdown(app: web.Application) -> None:
    """The app's `on_shutdown`: every news stream ends (before aiohttp waits for the
    handlers, so none is cut off mid-event)."""
    state = app[STATE]
    service = state.service
    if service is not None and service.raid is not None:
        service.raid.close()


__all__ = ["ROUTES", "on_shutdown"]
