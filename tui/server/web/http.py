"""The app server's HTTP layer: thin aiohttp handlers over `AppService`.

The API is a sub-application at `/api` whose middlewares do what every route needs:
`json_errors` turns the service's domain errors into statuses and JSON bodies (and
anything unexpected into a 500 with no traceback for the caller), and `key_budget` makes
wrong keys cost their address. The root app's `access_log` middleware writes one line
per request to the app server, every untrusted part escaped (`for_log`), so a request
path can neither write the operator's clipboard nor forge a log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from tui.common.text import for_log
from tui.common.validation import validation_words
from tui.server.db import DB_ERRORS
from tui.server.domain_errors import (
    InvalidRequest,
    IvsFailed,
    NoLongerValid,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    NotReady,
    ServiceError,
)
from tui.server.history.guard import HistoryGuard
from tui.server.models import (
    ApiModel,
    ChatTokenRequest,
    DisconnectRequest,
    ErrorBody,
    InviteRequest,
    RedeemRequest,
    StageParticipants,
)
from tui.server.service import AppService
from tui.server.web.client_address import Network, client_address
from tui.server.web.pages import (
    LOCAL_JOIN_PATH,
    LOCAL_LEAVE_PATH,
    PARTICIPANTS_PATH,
    Page,
    error_page,
    stage_page,
)
from tui.server.web.ratelimit import AddressBudget

log = logging.getLogger("tui.server")

M = TypeVar("M", bound=BaseModel)

API_PREFIX = "/api"
AUTH_FAILURE_BURST = 5
AUTH_FAILURES_PER_MINUTE = 2.0
"""The defaults (settings `wrong_key_burst`, `wrong_keys_per_minute`): a wrong broadcaster
key or session key (401/403) costs its address one of the burst; then keyed routes answer
429 until the bucket refills. A person who mistypes gets a few tries; a guesser gets ~3000
a day instead of unlimited."""
BODY_SECONDS = 10.0

STATUS: dict[type[ServiceError], int] = {
    InvalidRequest: 400,
    NotAuthenticated: 401,
    NotAllowed: 403,
    NotFound: 404,
    NoLongerValid: 410,
    IvsFailed: 502,
    NotReady: 503,
}
"""The one place a domain error becomes an HTTP status."""


def status_of(exc: ServiceError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _wrong_key_budget() -> AddressBudget:
    return AddressBudget(AUTH_FAILURES_PER_MINUTE, AUTH_FAILURE_BURST)


@dataclass
class ServerState:
    """What the handlers need. Filled in once the control plane is ready: in local mode
    the routes exist before the room does, since both live on one app."""

    token_requests: AddressBudget
    service: AppService | None = None
    mode: str = "local"
    wrong_keys: AddressBudget = field(default_factory=_wrong_key_budget)
    history_guard: HistoryGuard = field(default_factory=HistoryGuard)
    trusted_proxies: tuple[Network, ...] = ()
    """Proxies whose forwarding headers name the client (`--trusted-proxy`)."""
    body_seconds: float = BODY_SECONDS
    """How long a request body may take to arrive: a client that stalls mid-body gets
    408 instead of holding its connection."""


STATE = web.AppKey("tui_server_state", ServerState)


def _json(
    status: int, body: ApiModel | dict[str, Any], headers: dict[str, str] | None = None
) -> web.Response:
    data = body.to_json() if isinstance(body, ApiModel) else body
    return web.json_response(data, status=status, headers=headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return _json(status, ErrorBody(status=status, message=message), headers)


def _too_many(what: str, wait: float) -> web.Response:
    seconds = max(1, math.ceil(wait))
    return _error(
        429,
        f"too many {what} from your address; try again in {seconds} s",
        {"Retry-After": str(seconds)},
    )


def _page(page: Page) -> web.Response:
    return web.Response(
        status=page.status, text=page.body, content_type="text/html", headers=page.headers
    )


def _address(request: web.Request) -> str:
    """The client's address: the peer's, or through trusted proxies the one they forward."""
    return client_address(
        request.remote,
        request.app[STATE].trusted_proxies,
        request.headers.getall("Forwarded", ()),
        request.headers.getall("X-Forwarded-For", ()),
    )


def _service(request: web.Request) -> AppService:
    service = request.app[STATE].service
    if service is None:
        raise NotReady("the app server is still starting; try again")
    return service


def bearer(request: web.Request) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None when there is none.
    `NotAuthenticated` when the header's bytes are not UTF-8 (aiohttp hands them on as
    surrogates): no key of ours looks like that, and it must not crash the comparison."""
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        token.encode()
    except UnicodeEncodeError:
        raise NotAuthenticated(
            "the key in the Authorization header is not UTF-8 text: send the key exactly "
            "as the server gave it"
        ) from None
    return token.strip()


async def json_body(request: web.Request) -> object:
    """The request's JSON body, or `InvalidRequest` in words: a body that stalls gets 408,
    one over aiohttp's client_max_size (1 MB) 413."""
    try:
        async with asyncio.timeout(request.app[STATE].body_seconds):
            raw = await request.read()
    except TimeoutError:
        raise web.HTTPRequestTimeout(reason="the request body did not arrive in time") from None
    if not raw.strip():
        raise InvalidRequest("the request needs a JSON body")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest(f"the request body is not valid JSON ({exc})") from None


async def _body(request: web.Request, model: type[M]) -> M:
    data = await json_body(request)
    if not isinstance(data, dict):
        raise InvalidRequest("the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest("invalid request: " + validation_words(exc)) from None


# --- middlewares ---------------------------------------------------------------------


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every failure of an API route as a JSON body with a clear status and message."""
    try:
        return await handler(request)
    except ServiceError as exc:
        return _error(status_of(exc), exc.message)
    except web.HTTPRequestEntityTooLarge:
        return _error(413, "the request body is too large")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(exc.status, exc.reason)
    except (ConnectionError, asyncio.IncompleteReadError) as exc:
        # The client hung up mid-body: nobody is left to read the answer, but the line
        # in the log says what happened, and no traceback.
        return _error(400, f"the request body ended early: {exc}")
    except DB_ERRORS as exc:
        # The database went away (a shared Postgres restarting): say so, try again later.
        log.error(
            "database error in %s %s: %s", request.method, for_log(request.path), for_log(str(exc))
        )
        return _error(503, "the app server cannot reach its database just now; try again shortly")
    except Exception as exc:
        # The traceback as one escaped line: an exception's words may quote the request.
        trace = "".join(traceback.format_exception(exc))
        log.error(
            "unexpected error in %s %s: %s",
            for_log(request.method),
            for_log(request.path),
            for_log(trace),
        )
        return _error(500, "the app server had an unexpected error; see its log")


JSON_TYPE = "application/json"
_NO_BODY_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


@web.middleware
async def json_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """A request that sends a body to the API declares it as JSON, or gets 415 before
    anything reads it. A web page may make another site's browser POST `text/plain` or a
    form with no CORS preflight (a "simple request"), so a body of JSON in such a post
    would otherwise be taken as the victim's own call. `Content-Type: application/json`
    is never simple: the browser asks first, and no CORS header here says yes. A request
    with no body (going on stage) carries nothing to take."""
    if request.method in _NO_BODY_METHODS or not request.body_exists:
        return await handler(request)
    if "Content-Type" not in request.headers or request.content_type != JSON_TYPE:
        return _error(415, f"the API takes JSON only: send Content-Type: {JSON_TYPE}")
    return await handler(request)


@web.middleware
async def key_budget(request: web.Request, handler: Any) -> web.StreamResponse:
    """On routes that take a key: an address past its budget of wrong keys gets 429
    before its key is looked at, and each 401/403 answer draws on the budget."""
    if request.match_info.route.handler not in _KEYED:
        return await handler(request)
    budget = request.app[STATE].wrong_keys
    address = _address(request)
    if (wait := budget.wait(address)) > 0:
        return _too_many("wrong keys", wait)
    response = await handler(request)
    if response.status in (401, 403):
        budget.check(address)
    return response


_Handler = TypeVar("_Handler")


@web.middleware
async def access_log(request: web.Request, handler: Any) -> web.StreamResponse:
    """One log line per request to the app server (the local IVS stack logs its own).
    The path only: a stage link's query holds its one-time code."""
    route = request.match_info.route
    logged = route.handler in _LOGGED or request.path.startswith(API_PREFIX + "/")
    if not logged and request.match_info.http_exception is None:
        return await handler(request)
    status: int | str = "-"
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        if not (status == 200 and route.handler in _LOGGED_WHEN_REFUSED):
            log.info("%s %s %s", for_log(request.method), for_log(request.path), status)


_LOGGED_WHEN_REFUSED: set[object] = set()
"""Handlers called once per chat message (the message review, up to the room's rate):
their answers are logged only when they are not 200, so a busy room does not bury the
log in one line per message."""


def logged_when_refused(handler: _Handler) -> _Handler:
    """Mark a route's handler as one whose 200 answers go unlogged."""
    _LOGGED_WHEN_REFUSED.add(handler)
    return handler


# --- the API ------------------------------------------------------------------------


async def chat_token(request: web.Request) -> web.StreamResponse:
    wait = request.app[STATE].token_requests.check(_address(request))
    if wait > 0:
        return _too_many("token requests", wait)
    key = bearer(request)
    body = await _body(request, ChatTokenRequest)
    grant = await _service(request).chat_token(
        body.display_name,
        session_key=body.session_key,
        broadcaster_key=key,
        address=_address(request),
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


async def host(request: web.Request) -> web.StreamResponse:
    """The broadcaster's own stage link: no body needed (any is ignored)."""
    service = _service(request)
    service.check_broadcaster(bearer(request))
    return _json(200, await service.go_on_stage())


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


async def no_such_api(request: web.Request) -> web.StreamResponse:
    return _error(404, f"no such API: {request.method} {request.path}")


# --- pages and health ----------------------------------------------------------------


async def stage_link(request: web.Request) -> web.StreamResponse:
    try:
        service = _service(request)
        link = service.open_stage_link(
            request.match_info["broadcast_type"],
            request.match_info["stage"],
            request.query.get("code"),
        )
    except ServiceError as exc:
        return _page(error_page(status_of(exc), exc.message))
    try:
        found = await service.participants(link.invite.participant_token)
    except ServiceError as exc:
        log.warning("stage page: cannot list participants: %s", for_log(exc.message))
        found = None
    return _page(stage_page(link, found))


async def healthz(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    ready = state.service is not None
    body: dict[str, Any] = {"status": "ok" if ready else "starting", "mode": state.mode}
    moderation = state.service.moderation if state.service is not None else None
    if moderation is not None and (keeper := moderation.health()) is not None:
        body["keeper"] = keeper.to_json()
    return _json(200 if ready else 503, body)


_KEYED = frozenset(
    (
        chat_token,
        invite,
        redeem,
        host,
        disconnect,
        participants,
        join_local_stage,
        leave_local_stage,
    )
)
"""The routes that take a key, and so draw on the wrong-key budget."""
_LOGGED = _KEYED | {no_such_api, stage_link, healthz}


def api_app(state: ServerState, extra: Iterable[web.AbstractRouteDef] = ()) -> web.Application:
    """The `/api` sub-application: its routes, the `extra` ones (paths relative to
    /api: the moderation and history routes), and the middlewares they share."""
    api = web.Application(middlewares=[json_only, key_budget, json_errors])
    api[STATE] = state
    router = api.router
    router.add_post("/chat/token", chat_token)
    router.add_post("/multihost/invite", invite)
    router.add_post("/multihost/redeem", redeem)
    router.add_post("/multihost/host", host)
    router.add_post("/multihost/disconnect", disconnect)
    router.add_get(PARTICIPANTS_PATH.removeprefix(API_PREFIX), participants)
    router.add_post(LOCAL_JOIN_PATH.removeprefix(API_PREFIX), join_local_stage)
    router.add_post(LOCAL_LEAVE_PATH.removeprefix(API_PREFIX), leave_local_stage)
    router.add_routes(extra)
    # Last: anything else under /api/ (a typo, a wrong method) still answers in JSON.
    router.add_route("*", "/{tail:.*}", no_such_api)
    return api


def setup_routes(
    app: web.Application, state: ServerState, extra: Iterable[web.AbstractRouteDef] = ()
) -> None:
    """Mount the app server on `app`: the API at /api/..., the stage page at
    /multihost/..., and /healthz. `app` needs the `access_log` middleware (see
    `new_app`)."""
    app[STATE] = state
    app.router.add_get("/multihost/{broadcast_type}/{stage}", stage_link)
    app.router.add_get("/healthz", healthz)
    app.add_subapp(API_PREFIX, api_app(state, extra))


def new_app(*outer: Any) -> web.Application:
    """The root application: the `outer` middlewares, then the app server's access log."""
    return web.Application(middlewares=[*outer, access_log])
