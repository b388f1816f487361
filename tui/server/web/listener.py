"""The app server's listening socket, guarded against slow clients.

aiohttp has no timeout for a request's headers: a client that sends them a byte at a time
(or not at all) holds its connection for ever, and a few hundred such connections hold
the server's file descriptors. `SlowClientGuard` bounds both:

- a connection must finish a request's headers within `header_seconds` of opening (or of
  its previous answer, when kept alive), or it is closed;
- an address may have at most `per_address` new connections waiting for their first
  request's headers at once; more are closed as they open.

A body has its own deadline where it is read (`tui.server.web.http`). The guard sits between
asyncio and aiohttp's protocol (`GuardedTCPSite`), and learns that a request's headers
are in from the `request_started` middleware.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tui.common.text import for_log

log = logging.getLogger("tui.server")

HEADER_SECONDS = 10.0
SLOW_PER_ADDRESS = 32


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind a deadline and a count."""

    def __init__(self, guard: SlowClientGuard, inner: Any) -> None:
        self._guard = guard
        self._inner = inner
        self._transport: asyncio.Transport | None = None
        self._address = ""
        self._waiting = False
        self._deadline: asyncio.TimerHandle | None = None

    # asyncio's calls, passed on once the connection is let in
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        peer = transport.get_extra_info("peername")
        self._address = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        if self._guard.waiting[self._address] >= self._guard.per_address:
            log.warning(
                "closed a connection from %s: %d already wait for their headers",
                for_log(self._address),
                self._guard.per_address,
            )
            transport.abort()
            return
        self._transport = transport
        self._guard.protocols[self._inner] = self
        self.waiting_for_headers()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._transport is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._transport is not None else None

    def pause_writing(self) -> None:
        if self._transport is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._transport is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is None:
            return
        self.headers_in()
        self._guard.protocols.pop(self._inner, None)
        self._transport = None
        self._inner.connection_lost(exc)

    # the guard's own bookkeeping
    @property
    def is_open(self) -> bool:
        return self._transport is not None

    def waiting_for_headers(self, *, counted: bool = True) -> None:
        """Start the deadline; `counted`: the connection also counts towards its
        address's bound (a new one; not one idle between kept-alive requests, which
        clients' pools hold by design)."""
        if counted and not self._waiting:
            self._waiting = True
            self._guard.waiting[self._address] += 1
        if self._deadline is not None:
            self._deadline.cancel()
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_later(self._guard.header_seconds, self._too_slow)

    def headers_in(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if self._waiting:
            self._waiting = False
            self._guard.waiting[self._address] -= 1
            if self._guard.waiting[self._address] <= 0:
                del self._guard.waiting[self._address]

    def _too_slow(self) -> None:
        self._deadline = None
        if self._transport is not None:
            log.info(
                "closed a connection from %s: no request within %g s",
                for_log(self._address),
                self._guard.header_seconds,
            )
            self._transport.abort()


class SlowClientGuard:
    def __init__(
        self, *, header_seconds: float = HEADER_SECONDS, per_address: int = SLOW_PER_ADDRESS
    ) -> None:
        self.header_seconds = header_seconds
        self.per_address = per_address
        self.waiting: Counter[str] = Counter()
        """Per address: how many of its connections wait for a request's headers."""
        self.protocols: dict[Any, _Guarded] = {}

    def factory(self, inner: Callable[[], Any]) -> Callable[[], asyncio.Protocol]:
        return lambda: _Guarded(self, inner())

    @web.middleware
    async def request_started(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """The root app's outermost middleware: the headers are in, so the deadline
        stops; once answered, a kept-alive connection waits for headers again."""
        guarded = self.protocols.get(request.protocol)
        if guarded is not None:
            guarded.headers_in()
        try:
            return await handler(request)
        finally:
            if guarded is not None and guarded.is_open:
                guarded.waiting_for_headers(counted=False)


class GuardedTCPSite(web.TCPSite):
    """aiohttp's TCPSite, with each connection's protocol behind `guard`."""

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        guard: SlowClientGuard,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(runner, host, port, ssl_context=ssl_context)
        self._guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None
        self._server = await loop.create_server(
            self._guard.factory(server),
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port
