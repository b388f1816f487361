"""The app server's API over HTTP, for the TUI (and tests).

Every failure is an `AppServerError` whose message is in the user's words: the server's
own message for a refusal, else words naming the server's URL ("cannot reach the app
server at URL", "the app server at URL answered 404"). A refusal the TUI acts on has its
own type (`InviteExpired`), so no caller compares HTTP statuses.

The requests go through the standard library's `http.client`, each in a worker thread
(`tui/server/http_exchange.py`), not aiohttp: the TUI makes a handful of calls (a token
per connection, history pages, moderation), and importing aiohttp took about a quarter
of a second of a start-up whose goal is the first painted chat within one second
(bench/bench_tty.py `first_paint_s`). The app server itself stays on aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import http.client
import json
import re
import socket
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

from tui.client.http_exchange import HttpConnections
from tui.common.errors import UserFacingError
from tui.ivs.events import TokenRefused
from tui.ivs.tokens import ChatToken, TokenProvider
from tui.server.models import ApiModel, ChatGrant, DisconnectResult, InviteGrant, Redemption

M = TypeVar("M", bound=ApiModel)
_T = TypeVar("_T")
DEFAULT_TIMEOUT = 15.0
REFUSED = (401, 403)
"""Statuses of /api/chat/token that asking again cannot change: the server does not know
our session key (it was restarted with other data) or does not take our broadcaster key."""
FORGOTTEN_SESSION = "the app server no longer knows this session (was it restarted?): join again"
REFUSED_BROADCASTER_KEY = "the app server refused the broadcaster key"
FORBIDDEN = 403
"""The app server will not give this identity a token: banned, in the server's words
("you are banned from this chat: <reason>"); a 401 is a key it does not know."""


# The words `request` falls back to when a refusal carries no message of its own.
_NO_MESSAGE = re.compile(r"the app server (at \S+ )?answered \d+")
GONE = 410  # the app server's answer for an invite that can no longer be used


class AppServerError(UserFacingError):
    """A request to the app server failed. `status` is the HTTP status, or None when the
    server could not be reached or gave no usable answer."""

    def __init__(self, status: int | None, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


class InviteExpired(AppServerError):
    """The stage invite can no longer be used: expired, withdrawn or already used."""


def _refusal(status: int, message: str) -> AppServerError:
    return InviteExpired(status, message) if status == GONE else AppServerError(status, message)


STREAM_SILENCE = 45.0
"""An event stream that sends nothing, not even its keep-alive comment (every 15 s), for
this long is taken as gone."""
MAX_EVENT_LINE = 64 * 1024


@dataclass(frozen=True, slots=True)
class ServerEvent:
    """One event of a `text/event-stream` answer: its `event` name and its `data`."""

    event: str
    data: str


TokenGrant = ChatGrant
"""The token answer: any of the three roles, and `timedOutUntil` when the token is
read-only (a timeout, or the new-identity wait)."""


class AppServerClient:
    def __init__(
        self,
        base_url: str,
        *,
        broadcaster_key: str | None = None,
        session_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.broadcaster_key = broadcaster_key
        self.session_key = session_key
        """Kept from the first chat token answer and sent on later calls: the same
        identity on every reconnect."""
        self.timeout = timeout
        self._http: HttpConnections | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    async def request(
        self,
        method: str,
        path: str,
        model: type[M] | None,
        body: dict[str, Any] | None = None,
        bearer: str | None = None,
    ) -> M | None:
        """One call to the app server, read into `model` (None: the answer is not read);
        every failure is an `AppServerError` in words (tui/client/moderation_api.py rides on it)."""
        connections = self._connections()
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        answer = await self._in_words(lambda: connections.exchange(method, path, payload, headers))
        text, status = answer.text, answer.status
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = None
        if status >= 400:
            message = data.get("message") if isinstance(data, dict) else None
            if not isinstance(message, str) or not message:
                message = f"the app server at {self.base_url} answered {status}"
            raise _refusal(status, message)
        if model is None:
            return None
        try:
            return model.model_validate(data)
        except ValueError:
            raise AppServerError(None, self._unreadable()) from None

    async def events(
        self, path: str, bearer: str | None = None
    ) -> AsyncGenerator[ServerEvent, None]:
        """The events of a `text/event-stream` route, as they come; it ends when the
        server ends the stream. A refusal, or a stream that breaks off, is an
        `AppServerError` in words. Its connection is its own, closed when the iteration
        ends (or is closed, or cancelled)."""
        connections = self._connections()
        headers = {"Accept": "text/event-stream"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        connection, response = await self._in_words(
            lambda: connections.open_stream(path, headers, STREAM_SILENCE)
        )
        try:
            if response.status >= 400:
                text = await asyncio.to_thread(response.read)
                try:
                    data = json.loads(text)
                except ValueError:
                    data = None
                message = data.get("message") if isinstance(data, dict) else None
                if not isinstance(message, str) or not message:
                    message = f"the app server at {self.base_url} answered {response.status}"
                raise _refusal(response.status, message)
            async for event in _read_events(response):
                yield event
        except (OSError, http.client.HTTPException) as exc:
            raise AppServerError(
                None, f"the app server at {self.base_url} stopped sending events: {exc}"
            ) from None
        finally:
            sock = connection.sock
            if sock is not None:  # a read under way in its thread ends at once
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _connections(self) -> HttpConnections:
        if not _is_http_url(self.base_url):
            raise AppServerError(None, self._not_a_url())
        if self._http is None:
            self._http = HttpConnections(urlsplit(self.base_url), self.timeout)
        return self._http

    async def _in_words(self, call: Callable[[], _T]) -> _T:
        """`call` (blocking) in a worker thread within the timeout; not reaching the app
        server, or no HTTP from it, is an `AppServerError` in words."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(call), self.timeout)
        except TimeoutError:  # the whole call, or one socket operation (socket.timeout)
            raise AppServerError(
                None, f"the app server at {self.base_url} did not answer in {self.timeout:g} s"
            ) from None
        except http.client.InvalidURL:
            raise AppServerError(None, self._not_a_url()) from None
        except OSError as exc:
            raise AppServerError(
                None, f"cannot reach the app server at {self.base_url}: {_why_unreachable(exc)}"
            ) from None
        except http.client.HTTPException:
            # Not HTTP, or HTTP broken off: something else is listening there.
            raise AppServerError(None, self._unreadable()) from None

    def _not_a_url(self) -> str:
        return f"{self.base_url} is not a URL: use http://HOST:PORT"

    def _unreadable(self) -> str:
        return f"the app server at {self.base_url} gave an answer this client cannot read"

    async def chat_token(self, display_name: str) -> TokenGrant:
        body: dict[str, Any] = {"displayName": display_name}
        if self.session_key:
            body["sessionKey"] = self.session_key
        grant = await self.request(
            "POST", "/api/chat/token", TokenGrant, body, bearer=self.broadcaster_key
        )
        assert grant is not None
        self.session_key = grant.session_key
        return grant

    def token_provider(self, display_name: str) -> TokenProvider:
        """A fresh chat token per connection, always for the same identity. A refusal for
        good (401/403) raises `TokenRefused`, so the room stops retrying; anything else
        (unreachable, 5xx, 429) stays an `AppServerError`, which the room retries."""

        async def provide() -> ChatToken:
            return (await self.chat_grant(display_name)).chat_token()

        return provide

    async def chat_grant(self, display_name: str) -> TokenGrant:
        """`chat_token`, with a refusal for good (401/403) as `TokenRefused` in words: a
        ban (403) in the server's own words, which give the reason."""
        try:
            return await self.chat_token(display_name)
        except AppServerError as exc:
            if exc.status not in REFUSED:
                raise
            if exc.status == FORBIDDEN and not _NO_MESSAGE.fullmatch(exc.message):
                words = exc.message
            elif self.broadcaster_key:
                words = REFUSED_BROADCASTER_KEY
            else:
                words = FORGOTTEN_SESSION
            raise TokenRefused(words, exc.status) from None

    async def invite(self, user_id: str, broadcast_type: str = "realtime") -> InviteGrant:
        grant = await self.request(
            "POST",
            "/api/multihost/invite",
            InviteGrant,
            {"userId": user_id, "broadcastType": broadcast_type},
            bearer=self.broadcaster_key,
        )
        assert grant is not None
        return grant

    async def redeem(self, invite_id: str) -> Redemption:
        if not self.session_key:
            raise AppServerError(None, "no chat identity yet: get a chat token first")
        redemption = await self.request(
            "POST",
            "/api/multihost/redeem",
            Redemption,
            {"inviteId": invite_id},
            bearer=self.session_key,
        )
        assert redemption is not None
        return redemption

    async def go_on_stage(self) -> Redemption:
        """The broadcaster's own stage link and WHIP settings (`POST /api/multihost/host`);
        asking again takes the earlier link's participant off the stage."""
        if not self.broadcaster_key:
            raise AppServerError(None, "only the broadcaster can go on stage this way")
        redemption = await self.request(
            "POST", "/api/multihost/host", Redemption, None, bearer=self.broadcaster_key
        )
        assert redemption is not None
        return redemption

    async def disconnect(self, user_id: str) -> None:
        await self.request(
            "POST",
            "/api/multihost/disconnect",
            DisconnectResult,
            {"userId": user_id},
            bearer=self.broadcaster_key,
        )

    async def healthy(self) -> bool:
        """True when the server answers /healthz with 200."""
        try:
            await self.request("GET", "/healthz", None)
        except AppServerError:
            return False
        return True


async def _read_events(response: http.client.HTTPResponse) -> AsyncIterator[ServerEvent]:
    """The events of a stream (the `event` and `data` fields; comments and other fields
    skipped), line by line, each read in a worker thread."""
    name, data = "message", list[str]()
    while True:
        raw = await asyncio.to_thread(response.readline, MAX_EVENT_LINE)
        if not raw:
            return
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data:
                yield ServerEvent(name, "\n".join(data))
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != -1
    except ValueError:  # a bad IPv6 literal, a port out of range
        return False


def _why_unreachable(exc: OSError) -> str:
    """A connection failure in a few plain words, not the socket call's own."""
    if isinstance(exc, socket.gaierror):
        return "no such host"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "it closed the connection without answering"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted here ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"the TLS handshake failed ({exc.reason or exc}): is it serving https?"
    if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
        return "connection refused — is it running?"
    if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "no route to that host — check the address and the network"
    return str(exc.strerror or exc).strip() or type(exc).__name__


__all__ = [
    "AppServerClient",
    "AppServerError",
    "ChatGrant",
    "InviteExpired",
    "InviteGrant",
    "Redemption",
    "ServerEvent",
    "TokenGrant",
]
