"""The moderation routes, mounted under /api by `tui.server.web.http.api_app`:

- `POST /api/moderation/actions` `{action, userId, reason?, durationSeconds?,
  banAddress?, purgeSeconds?}`, `{action: "delete", messageId, reason?}` or `{action:
  "disconnect", userId, reason?}`: 200 and the log record (a delete of a message the
  history does not hold is 404; a purge's record has `purgeQueued`,
  `tui.server.raid.purge`);
- `GET /api/moderation/log?userId=&limit=`: `{records: [...]}`, newest first;
- `GET /api/moderation/users/{userId}`: `{userId, displayName, role, bannedUntil?,
  timedOutUntil?, createdAt, address, addressSharedBy, offences}`;
- `GET` / `PUT /api/moderation/settings`: `{blockedTerms, flood, newIdentityWaitSeconds,
  holdTerms, shield, maxMessageRate, maxMessageLength}`; the last two are the IVS room's
  own limits (`tui.server.room_limits`: GetRoom, and UpdateRoom on the broadcaster's PUT).

Shield mode, the held queue and the moderators' news are `tui.server.raid.routes`'.

`Authorization: Bearer` the broadcaster key or a moderator's session key; viewers, and
a banned moderator, get 403. Thin: `ModerationService` decides, the API's `json_errors`
words the refusals.
"""

from __future__ import annotations

from aiohttp import web

from tui.server.room_limits import LiveRoomLimits, parse_limits
from tui.server.web.http import _service, bearer, json_body
from tui.server.web.keyed import keyed, moderation


def _limits(request: web.Request) -> LiveRoomLimits | None:
    return _service(request).room_limits


def _ok(body: dict[str, object]) -> web.Response:
    return web.json_response(body)


@keyed
async def actions(request: web.Request) -> web.StreamResponse:
    service = moderation(request)
    key = bearer(request)
    service.caller(key)  # 401 / 403 before reading the body
    record = await service.act(key, await json_body(request))
    return _ok(record.to_json())


@keyed
async def moderation_log(request: web.Request) -> web.StreamResponse:
    records = moderation(request).log(
        bearer(request), request.query.get("userId"), request.query.get("limit")
    )
    return _ok({"records": [record.to_json() for record in records]})


@keyed
async def user(request: web.Request) -> web.StreamResponse:
    return _ok(moderation(request).user(bearer(request), request.match_info["user_id"]))


@keyed
async def get_settings(request: web.Request) -> web.StreamResponse:
    body = moderation(request).read_settings(bearer(request)).to_json()
    if (limits := _limits(request)) is not None:  # the room's own, read with GetRoom
        body.update((await limits.read()).to_json())
    return _ok(body)


@keyed
async def put_settings(request: web.Request) -> web.StreamResponse:
    service = moderation(request)
    key = bearer(request)
    service.caller(key)
    raw = await json_body(request)
    wanted = parse_limits(raw)  # refused before anything changes
    settings = await service.put_settings(key, raw)
    body = settings.to_json()
    if (limits := _limits(request)) is not None:  # the broadcaster's: UpdateRoom
        body.update((await limits.change(wanted)).to_json())
    return _ok(body)


ROUTES = (
    web.post("/moderation/actions", actions),
    web.get("/moderation/log", moderation_log),
    web.get("/moderation/users/{user_id}", user),
    web.get("/moderation/settings", get_settings),
    web.put("/moderation/settings", put_settings),
)
"""Relative to the API's /api prefix."""

__all__ = ["ROUTES"]
