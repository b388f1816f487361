"""Read deadlines for the stack's own listener (`Emulator.start`), against slow clients.

aiohttp waits for a request's headers and body as long as the client likes, so a client
that stalls mid-headers or mid-body holds a connection for ever. Here:
- a request's head must arrive within `EmulatorConfig.read_timeout_seconds` of its first
  byte (of the connection, for the first request), and its body within as long again;
  else the client gets 408 and the connection is closed;
- one address may have at most `EmulatorConfig.slow_connections_per_address`
  connections waiting for a request head at once; more are closed on arrival.

A connection idle between requests (keep-alive) is not waiting for anything: aiohttp's
keep-alive timeout closes it. In the app server's local mode the stack shares the app
server's listener, which guards itself; this module is not used there.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from enum import Enum, auto
from typing import Any

from aiohttp import web

_TOO_SLOW = b"The request took too long to arrive.\n"
_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(_TOO_SLOW), _TOO_SLOW)
)


class _Phase(Enum):
    HEAD = auto()  # waiting for a request head: counted, under a deadline
    ACTIVE = auto()  # a request is being answered (or the socket is a WebSocket)
    IDLE = auto()  # keep-alive between requests


class Guard:
    """The per-address count and the settings, shared by every connection of a site."""

    def __init__(self, timeout: float, per_address: int) -> None:
        self.timeout = timeout
        self.per_address = per_address
        self.waiting: Counter[str] = Counter()

    def protocol_factory(self, server: web.Server) -> Any:
        return lambda: GuardedProtocol(self, server())


class GuardedProtocol(asyncio.Protocol):
    """aiohttp's request handler behind a read deadline: every event is passed on."""

    def __init__(self, guard: Guard, handler: Any) -> None:
        self.guard = guard
        self.handler = handler
        self.transport: asyncio.Transport | None = None
        self.address = ""
        self.phase = _Phase.IDLE
        self._deadline: asyncio.TimerHandle | None = None
        self._admitted = False

    # --- asyncio.Protocol, forwarded ----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.address = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        if self.guard.waiting[self.address] >= self.guard.per_address:
            transport.abort()  # too many of this address's connections are stalled
            return
        self._admitted = True
        self.handler.connection_made(transport)
        self._wait_for_head()

    def data_received(self, data: bytes) -> None:
        if self.phase is _Phase.IDLE:
            self._wait_for_head()
        self.handler.data_received(data)

    def eof_received(self) -> bool | None:
        return self.handler.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        if self._admitted:
            self.handler.connection_lost(exc)

    def pause_writing(self) -> None:
        self.handler.pause_writing()

    def resume_writing(self) -> None:
        self.handler.resume_writing()

    # --- the phases ---------------------------------------------------------------------

    def request_started(self) -> None:
        """The head arrived (the middleware sees the request)."""
        self._stop_waiting()
        self.phase = _Phase.ACTIVE

    def request_done(self) -> None:
        self.phase = _Phase.IDLE

    def _wait_for_head(self) -> None:
        self.phase = _Phase.HEAD
        self.guard.waiting[self.address] += 1
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_later(self.guard.timeout, self.timed_out)

    def _stop_waiting(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
            self.guard.waiting[self.address] -= 1
            if self.guard.waiting[self.address] <= 0:
                del self.guard.waiting[self.address]

    def timed_out(self) -> None:
        self._stop_waiting()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_TIMED_OUT)
            self.transport.close()


def middleware(timeout: float) -> Any:
    """Marks each request's head as arrived, and reads its body under the deadline."""

    @web.middleware
    async def read_deadlines(request: web.Request, handler: Any) -> web.StreamResponse:
        transport = request.transport
        guarded = transport.get_protocol() if transport is not None else None
        if not isinstance(guarded, GuardedProtocol):
            return await handler(request)
        guarded.request_started()
        try:
            if request.can_read_body:
                try:
                    async with asyncio.timeout(timeout):
                        await request.read()  # kept: the handler's read() gets it
                except TimeoutError:
                    slow = web.Response(status=408, body=_TOO_SLOW, content_type="text/plain")
                    slow.force_close()  # the rest of the body is not worth waiting for
                    return slow
            return await handler(request)
        finally:
            guarded.request_done()

    return read_deadlines


class GuardedSite(web.BaseSite):
    """A TCP site whose connections go through `GuardedProtocol`."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, guard: Guard) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._guard = guard

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._guard.protocol_factory(server), self._host, self._port
        )
