"""`Emulator`: the local IVS stack on one aiohttp port.

Routes it owns (on its own app, or mounted with `setup` on an app server's app):
- `GET /`: the chat messaging WebSocket (`messaging`).
- `POST /<Operation>` for each ivschat and ivs-realtime operation emulated. The two
  services share the port: their operation names do not collide.
- `GET|POST|DELETE /tags/{resourceArn}`: the service is told by the ARN
  (`arn:aws:ivschat:` or `arn:aws:ivs:`).
- `/_local/...`: local-only stand-ins for a media server (`stage_api`).
- `POST /<Operation>` of an operation not emulated: UnknownOperationException (404), as
  AWS answers an operation it does not know.

Started on its own port (`start`), its listener has read deadlines and a bound on
stalled connections per address (`slow_clients`).

With an IAM policy (`EmulatorConfig.iam_policy`), every control-plane call it does not
allow gets AccessDeniedException (403), after the signature and the input are checked
(`iam`).

Every control-plane request must be signed with SigV4 as AWS checks it (`sigv4`): the
signature is verified with `EmulatorConfig.secret_access_key` ("test" unless set) and the
request's date must be within 5 minutes of now; otherwise InvalidSignatureException (403).
Standalone any access key id is accepted. With `EmulatorConfig.access_key_id` set (the app
server's local mode, where this port is public), only that key id is, with the random
secret the app server set; everyone else gets AccessDeniedException (403), unsigned
requests too. The messaging WebSocket stays open (chat tokens guard it), as do
`/_local/stage/*` (participant tokens guard them).

It logs one line per request on the "tui.emulator" logger at INFO (silent unless logging
is configured).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Self

from aiohttp import web

from tui.common.hosts import url_host
from tui.common.text import for_log
from tui.emulator import slow_clients
from tui.emulator.aws import iam
from tui.emulator.aws.error_shapes import (
    ApiError,
    access_denied,
    bad_request,
    check_account,
    not_found,
    validation_error,
)
from tui.emulator.aws.iam import IdentityPolicy
from tui.emulator.aws.request_validation import (
    CHAT_SERVICE,
    STAGE_SERVICE,
    operation_model,
    service_model,
    validate_input,
    validate_value,
)
from tui.emulator.aws.sigv4 import SignatureError, credential_of, verify
from tui.emulator.chat.api import ChatApi
from tui.emulator.chat.live_room import Connection
from tui.emulator.chat.messaging import CLOSE_GOING_AWAY, ChatHub
from tui.emulator.chat.review import Reviewer
from tui.emulator.config import DEFAULT_HOST, EmulatorConfig
from tui.emulator.stage_api import RequestContext, StageApi
from tui.emulator.state import EmulatorState
from tui.ivs.protocol import LOCAL_STAGE_PATH, messaging_url

log = logging.getLogger("tui.emulator")

KEEPALIVE_SECONDS = 75.0
"""Own listener: an idle keep-alive connection is closed after this long (aiohttp's
default is an hour)."""

_TAG_ACTIONS = {"GET": "ListTagsForResource", "POST": "TagResource", "DELETE": "UntagResource"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Operation = Callable[[dict[str, Any], RequestContext], dict[str, Any] | None]

_NO_MEDIA = (
    "The local IVS stack has no media server: nothing can publish or subscribe here. "
    "POST /_local/stage/join with the participant token as a Bearer token marks the "
    "participant as on the stage."
)


class Emulator:
    """The local stand-in for IVS Chat and IVS Real-Time; state in memory."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.state = EmulatorState()
        self.policy = (
            None if self.config.iam_policy is None else IdentityPolicy.parse(self.config.iam_policy)
        )
        """The IAM policy every control-plane call is checked against (None: no check)."""
        self.reviewer = Reviewer(
            self.config.review_handlers,
            timeout_ms=self.config.review_timeout_ms,
            secret=self.config.review_secret,
            ssl=self.config.review_ssl,
        )
        self.hub = ChatHub(self.state, self.reviewer)
        self.chat = ChatApi(self.config, self.state, self.hub)
        self.stages = StageApi(self.config, self.state)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.read_guard: slow_clients.Guard | None = None
        """The read deadlines of its own listener, once started (tests read `waiting`)."""

    # --- mounting and running ---------------------------------------------------------

    def setup(self, app: web.Application) -> None:
        """Add every emulator route, and the socket cleanup at shutdown, to `app`."""
        router = app.router
        router.add_get("/", self._logged(self.hub.handle))
        for name, op in self.chat.operations().items():
            router.add_post(f"/{name}", self._operation(CHAT_SERVICE, name, _ignore_ctx(op)))
        for name, stage_op in self.stages.operations().items():
            router.add_post(f"/{name}", self._operation(STAGE_SERVICE, name, stage_op))
        tags = self._logged(self._tags)
        for method in ("GET", "POST", "DELETE"):
            router.add_route(method, "/tags/{resource_arn:.+}", tags)
        router.add_post(f"{LOCAL_STAGE_PATH}/join", self._local(self.stages.join))
        router.add_post(f"{LOCAL_STAGE_PATH}/leave", self._local(self.stages.leave))
        for path in ("/_local/whip", "/_local/events"):
            router.add_route("*", path, self._logged(_no_media))
        # Last, so every emulated operation matched first.
        router.add_post("/{operation:[A-Z][A-Za-z0-9]*}", self._logged(self._unknown_operation))
        app.on_shutdown.append(self._on_shutdown)
        app.on_cleanup.append(self._on_cleanup)

    async def start(self, host: str = DEFAULT_HOST, port: int = 0) -> None:
        """Serve on its own app at host:port (0: a free port, see `url`)."""
        config = self.config
        app = web.Application(middlewares=[slow_clients.middleware(config.read_timeout_seconds)])
        self.setup(app)
        self._runner = web.AppRunner(
            app,
            access_log=None,
            shutdown_timeout=2.0,
            keepalive_timeout=KEEPALIVE_SECONDS,
            lingering_time=1.0,  # what is left of a refused body: not worth 10 s
        )
        await self._runner.setup()
        self.read_guard = slow_clients.Guard(
            config.read_timeout_seconds, config.slow_connections_per_address
        )
        site = slow_clients.GuardedSite(self._runner, host, port, self.read_guard)
        try:
            await site.start()
        except OSError:
            await self.stop()
            raise
        bound = self._runner.addresses[0]
        self._url = f"http://{url_host(host)}:{bound[1]}"
        log.info("local IVS stack listening on %s", self._url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`: the endpoint_url for boto3 (both services).

        Mounted with `setup` rather than started, it is `EmulatorConfig.public_url`."""
        url = self._url or self.config.public_url
        if url is None:
            raise RuntimeError("the emulator is not started; call start() first")
        return url.rstrip("/")

    @property
    def ws_url(self) -> str:
        """`ws://127.0.0.1:PORT/`: the chat messaging WebSocket."""
        return messaging_url(self.url)

    # --- message review handlers ------------------------------------------------------

    def map_review_handler(self, arn: str, url: str) -> None:
        """From now on, a room whose message review handler is the Lambda `arn` has its
        messages reviewed by POSTs to `url` (see `review`). Raises ValueError if `arn` is
        not a Lambda function ARN or `url` not an http(s) URL. For a caller whose URL is
        known only once it listens, such as the app server mounting this stack."""
        self.reviewer.map(arn, url)

    def unmap_review_handler(self, arn: str) -> None:
        """`arn` has no endpoint any more: its rooms get their fallbackResult."""
        self.reviewer.unmap(arn)

    # --- test aids: faults a real network or a real session end would cause ----------

    def drop_connections(self, user_id: str | None = None) -> int:
        """Cut messaging sockets (all, or one user's) without a close frame, as a network
        failure would; clients see an abnormal close. Returns how many were cut."""
        return self._each_connection(user_id, self.hub.abort)

    def end_sessions(self, user_id: str | None = None) -> int:
        """End sessions now (all, or one user's), as if their time were up: ERROR 401,
        then close 4401. Returns how many ended."""
        return self._each_connection(user_id, self.hub.expire)

    def _each_connection(self, user_id: str | None, act: Callable[[Connection], None]) -> int:
        # A list first: acting on a connection may take it out of the live set.
        chosen = [c for c in self.hub.connections() if user_id is None or c.user_id == user_id]
        for conn in chosen:
            act(conn)
        return len(chosen)

    async def _on_shutdown(self, app: web.Application) -> None:
        for room in self.state.rooms.values():
            self.hub.close_all(room, CLOSE_GOING_AWAY, "server shutting down")
        await self.hub.drain()

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.reviewer.close()

    # --- request plumbing -------------------------------------------------------------

    def _operation(self, service: str, name: str, op: Operation) -> Handler:
        model = operation_model(service, name)
        status = model.http.get("responseCode", 200)

        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                body = await request.read()
                caller = self._check_caller(request, body)
                params = _json_body(body)
                errors = validate_input(service, model.input_shape, params)
                if errors:
                    raise validation_error(errors)
                self._authorize(caller, service, name, params)
                result = op(params, RequestContext(base_url=self._base_url(request)))
            except ApiError as exc:
                return exc.response(service)
            except Exception:  # a bug here must still answer in the modelled shape
                log.exception("%s failed", name)
                return ApiError("InternalServerException", 500, "internal error").response(service)
            if status == 204:
                return web.Response(status=204)
            return web.json_response(result or {}, status=status)

        return self._logged(handler)

    async def _unknown_operation(self, request: web.Request) -> web.StreamResponse:
        """What AWS answers for an operation it does not have: UnknownOperationException
        (404), which boto3 raises as a ClientError that names it."""
        name = request.match_info["operation"]
        service = STAGE_SERVICE if name in service_model(STAGE_SERVICE).operation_names else ""
        service = service or (
            CHAT_SERVICE if name in service_model(CHAT_SERVICE).operation_names else ""
        )
        try:
            self._check_caller(request, await request.read())
        except ApiError as exc:
            return exc.response(service or CHAT_SERVICE)
        if service:
            why = f"{name} is an {service} operation that the local IVS stack does not emulate."
        else:
            why = f"{name} is not an operation of ivschat or ivs-realtime."
        return ApiError("UnknownOperationException", 404, why).response(service or CHAT_SERVICE)

    async def _tags(self, request: web.Request) -> web.StreamResponse:
        arn = request.match_info["resource_arn"]
        service = CHAT_SERVICE if arn.startswith("arn:aws:ivschat:") else STAGE_SERVICE
        try:
            body = await request.read()
            caller = self._check_caller(request, body)
            errors = validate_value(service, "ResourceArn", arn, "resourceArn")
            if errors:
                raise validation_error(errors)
            self._authorize(caller, service, _TAG_ACTIONS[request.method], {"resourceArn": arn})
            check_account(arn, self.config.account_id)
            resource = self.state.rooms.get(arn) or self.state.stages.get(arn)
            if resource is None:
                raise not_found(arn.rsplit("/", 1)[-1], "ROOM", "Resource")
            if request.method == "GET":
                return web.json_response({"tags": dict(resource.tags)})
            if request.method == "POST":
                params = _json_body(body)
                model = operation_model(service, "TagResource").input_shape
                errors = validate_input(service, model, {**params, "resourceArn": arn})
                if errors:
                    raise validation_error(errors)
                resource.tags.update(params["tags"])
            else:
                for key in request.query.getall("tagKeys", []):
                    resource.tags.pop(key, None)
            return web.json_response({})
        except ApiError as exc:
            return exc.response(service)

    def _authorize(self, caller: str, service: str, operation: str, params: dict[str, Any]) -> None:
        """AccessDeniedException unless the IAM policy (if one is set) allows the call."""
        if self.policy is None:
            return
        config = self.config
        for action, resource in iam.required(
            service, operation, params, config.region, config.account_id
        ):
            if not self.policy.allows(action, resource):
                who = f"arn:aws:iam::{config.account_id}:user/{caller}"
                raise access_denied(iam.denial(who, action, resource))

    def _check_caller(self, request: web.Request, body: bytes) -> str:
        """The access key id the request is signed with. AccessDeniedException unless it
        is an accepted one; InvalidSignatureException unless its SigV4 signature and date
        hold."""
        credential = credential_of(request.headers.get("Authorization", ""))
        expected = self.config.access_key_id
        if expected is not None and (
            credential is None
            or not hmac.compare_digest(credential.key_id.encode(), expected.encode())
        ):
            raise access_denied(
                "This local IVS stack takes control-plane calls only from the app server "
                "that runs it."
            )
        if credential is None:
            raise access_denied(
                "Missing Authentication Token: sign the request with AWS Signature V4 "
                '(boto3 does; this stack\'s secret key is "test" unless configured).'
            )
        try:
            verify(
                credential,
                secret_key=self.config.secret_access_key,
                method=request.method,
                raw_path=request.raw_path,
                headers=request.headers,
                body=body,
                now=datetime.now(UTC),
            )
        except SignatureError as exc:
            raise ApiError(exc.code, 403, exc.message) from None
        return credential.key_id

    def _local(self, action: Callable[[web.Request], dict[str, Any]]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.json_response(action(request))

        return self._logged(handler)

    def _logged(self, handler: Handler) -> Handler:
        async def logged(request: web.Request) -> web.StreamResponse:
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            finally:
                took = (time.perf_counter() - started) * 1000
                log.info(
                    "%s %s %d %.1fms", for_log(request.method), for_log(request.path), status, took
                )

        return logged

    def _base_url(self, request: web.Request) -> str:
        return self.config.public_url or self._url or str(request.url.origin())


def _ignore_ctx(
    op: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> Operation:
    return lambda params, _ctx: op(params)


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


async def _no_media(request: web.Request) -> web.StreamResponse:
    return web.json_response({"message": _NO_MEDIA}, status=501)
