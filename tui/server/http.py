"""The app server's HTTP layer: thin aiohttp handlers over `AppService`.

Every answer from these routes is JSON (or the stage page), and every failure a clear
status and message: malformed bodies are 400, never a 500 or a traceback.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from tui.server import errors
from tui.server.errors import ServiceError
from tui.server.models import (
    ApiModel,
    ChatTokenRequest,
    DisconnectRequest,
    ErrorBody,
    InviteRequest,
    RedeemRequest,
    StageParticipants,
)
from tui.server.pages import (
    LOCAL_JOIN_PATH,
    LOCAL_LEAVE_PATH,
    PARTICIPANTS_PATH,
    Page,
    error_page,
    stage_page,
)
from tui.server.ratelimit import RateLimiter
from tui.server.service import AppService

log = logging.getLogger("tui.server")

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


AUTH_FAILURE_BURST = 5
AUTH_FAILURES_PER_MINUTE = 2.0
"""A wrong broadcaster key or session key (401/403) costs its address one of
`AUTH_FAILURE_BURST`; then authenticated routes answer 429 until the bucket refills. A
person who mistypes gets a few tries; a guesser gets ~3000 a day instead of unlimited."""


def _auth_limiter() -> RateLimiter:
    return RateLimiter(AUTH_FAILURES_PER_MINUTE, AUTH_FAILURE_BURST)


@dataclass
class ServerState:
    """What the handlers need. Filled in once the control plane is ready: in local mode
    the routes exist before the room does, since both live on one app."""

    limiter: RateLimiter
    service: AppService | None = None
    mode: str = "local"
    auth_failures: RateLimiter = field(default_factory=_auth_limiter)


STATE = web.AppKey("tui_server_state", ServerState)


def _json(
    status: int, body: ApiModel | dict[str, Any], headers: dict[str, str] | None = None
) -> web.Response:
    data = body.to_json() if isinstance(body, ApiModel) else body
    return web.json_response(data, status=status, headers=headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return _json(status, ErrorBody(status=status, message=message), headers)


def _page(page: Page) -> web.Response:
    return web.Response(
        status=page.status, text=page.body, content_type="text/html", headers=page.headers
    )


def _service(request: web.Request) -> AppService:
    service = request.app[STATE].service
    if service is None:
        raise errors.ServiceError(503, "the app server is still starting; try again")
    return service


def bearer(request: web.Request) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None when there is none."""
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def _body(request: web.Request, model: type[M]) -> M:
    raw = await request.read()
    if not raw.strip():
        raise errors.bad_request("the request needs a JSON body")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise errors.bad_request(f"the request body is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise errors.bad_request("the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors(include_url=False, include_input=False):
            where = ".".join(str(p) for p in err["loc"]) or "body"
            parts.append(f"{where}: {err['msg']}")
        raise errors.bad_request("invalid request: " + "; ".join(parts)) from None


def _guarded(handler: Handler, *, authenticates: bool = False) -> Handler:
    """Turn every failure into a JSON error; log the unexpected ones, show no trace.
    On a route that `authenticates` (takes a key), an address with too many wrong keys
    gets 429 before its key is even looked at."""

    async def answer(request: web.Request) -> web.StreamResponse:
        failures = request.app[STATE].auth_failures
        address = request.remote or "unknown"
        if authenticates and (wait := failures.wait(address)) > 0:
            seconds = max(1, math.ceil(wait))
            return _error(
                429,
                f"too many wrong keys from your address; try again in {seconds} s",
                {"Retry-After": str(seconds)},
            )
        try:
            return await handler(request)
        except ServiceError as exc:
            if authenticates and exc.status in (401, 403):
                failures.check(address)
            return _error(exc.status, exc.message)
        except web.HTTPRequestEntityTooLarge:
            return _error(413, "the request body is too large")
        except web.HTTPException:
            raise
        except Exception:
            log.exception("unexpected error in %s %s", request.method, request.path)
            return _error(500, "the app server had an unexpected error; see its log")

    async def guarded(request: web.Request) -> web.StreamResponse:
        response = await answer(request)
        # One line per request; the path only: a stage link's query holds its code.
        log.info("%s %s %d", request.method, request.path, response.status)
        return response

    return guarded


async def chat_token(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    wait = state.limiter.check(request.remote or "unknown")
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        return _error(
            429,
            f"too many token requests from your address; try again in {seconds} s",
            {"Retry-After": str(seconds)},
        )
    body = await _body(request, ChatTokenRequest)
    grant = await _service(request).chat_token(
        body.display_name, session_key=body.session_key, broadcaster_key=bearer(request)
    )
    return _json(200, grant)


async def invite(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    service.check_broadcaster(bearer(request))
    body = await _body(request, InviteRequest)
    return _json(201, await service.invite(body.user_id, body.broadcast_type))


async def redeem(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    key = bearer(request)
    service.viewer(key)  # 401 before looking at the body
    body = await _body(request, RedeemRequest)
    return _json(200, await service.redeem(key, body.invite_id))


async def disconnect(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    service.check_broadcaster(bearer(request))
    body = await _body(request, DisconnectRequest)
    return _json(200, await service.disconnect(body.user_id))


async def participants(request: web.Request) -> web.StreamResponse:
    found = await _service(request).participants(bearer(request))
    return _json(200, StageParticipants(participants=found))


async def join_local_stage(request: web.Request) -> web.StreamResponse:
    await _service(request).local_stage(bearer(request), "join")
    return _json(200, {"status": "joined"})


async def leave_local_stage(request: web.Request) -> web.StreamResponse:
    await _service(request).local_stage(bearer(request), "leave")
    return _json(200, {"status": "left"})


async def stage_link(request: web.Request) -> web.StreamResponse:
    try:
        service = _service(request)
        link = service.open_stage_link(
            request.match_info["broadcast_type"],
            request.match_info["stage"],
            request.query.get("code"),
        )
    except ServiceError as exc:
        return _page(error_page(exc.status, exc.message))
    try:
        found = await service.participants(link.invite.participant_token)
    except ServiceError as exc:
        log.warning("stage page: cannot list participants: %s", exc.message)
        found = None
    return _page(stage_page(link, found))


async def healthz(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    ready = state.service is not None
    return _json(
        200 if ready else 503, {"status": "ok" if ready else "starting", "mode": state.mode}
    )


async def no_such_api(request: web.Request) -> web.StreamResponse:
    return _error(404, f"no such API: {request.method} {request.path}")


def setup_routes(app: web.Application, state: ServerState) -> None:
    """Mount the app server's routes (/api/..., /multihost/..., /healthz) on `app`."""
    app[STATE] = state
    app.router.add_post("/api/chat/token", _guarded(chat_token, authenticates=True))
    app.router.add_post("/api/multihost/invite", _guarded(invite, authenticates=True))
    app.router.add_post("/api/multihost/redeem", _guarded(redeem, authenticates=True))
    app.router.add_post("/api/multihost/disconnect", _guarded(disconnect, authenticates=True))
    app.router.add_get(PARTICIPANTS_PATH, _guarded(participants, authenticates=True))
    app.router.add_post(LOCAL_JOIN_PATH, _guarded(join_local_stage, authenticates=True))
    app.router.add_post(LOCAL_LEAVE_PATH, _guarded(leave_local_stage, authenticates=True))
    app.router.add_get("/multihost/{broadcast_type}/{stage}", _guarded(stage_link))
    app.router.add_get("/healthz", _guarded(healthz))
    # Last: anything else under /api/ (a typo, a wrong method) still answers in JSON.
    app.router.add_route("*", "/api/{tail:.*}", _guarded(no_such_api))
