"""What keeps the history route from being a way to hold the server's memory: a request
budget per identity, at most `MAX_IN_FLIGHT` answers being written per identity, and an
answer written in pieces under a deadline, so a client that never reads is cut off and
its page let go instead of sitting in the server's write buffer.

Budgets are per identity (a session key's user, or the broadcaster), not per address:
behind a proxy every viewer shares one address. They are in this process's memory, as
the other budgets are.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aiohttp import web

from tui.server.web.ratelimit import AddressBudget

PAGES_PER_MINUTE = 60.0
PAGE_BURST = 20
"""A join is one page and a reconnect's catch-up a few; 20 at once covers a long gap."""
MAX_IN_FLIGHT = 2
"""Answers one identity may have being written at once."""
WRITE_SECONDS = 10.0
"""How long a client may take to read one answer before it is dropped."""
CHUNK_BYTES = 64 * 1024
"""aiohttp waits for the socket to drain past this much buffered, so at most about this
much of a page sits in the server's buffers for a client that does not read."""


class TooMany(Exception):
    """This identity is over its history budget or has too many answers in flight."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


class HistoryGuard:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._budget = AddressBudget(PAGES_PER_MINUTE, PAGE_BURST, clock=clock)
        self._in_flight: Counter[str] = Counter()

    @contextmanager
    def request(self, identity: str) -> Iterator[None]:
        """One history request of `identity`: `TooMany` when it may not have one now."""
        if self._in_flight[identity] >= MAX_IN_FLIGHT:
            raise TooMany(1.0)
        if (wait := self._budget.check(identity)) > 0:
            raise TooMany(wait)
        self._in_flight[identity] += 1
        try:
            yield
        finally:
            self._in_flight[identity] -= 1
            if not self._in_flight[identity]:
                del self._in_flight[identity]


async def write_within(
    request: web.Request, body: bytes, *, seconds: float = WRITE_SECONDS
) -> web.StreamResponse:
    """Send `body` as JSON in pieces; a client that has not read it all within `seconds`
    has its connection aborted, which drops what was buffered for it."""
    response = web.StreamResponse(
        headers={"Content-Type": "application/json", "Content-Length": str(len(body))}
    )
    try:
        async with asyncio.timeout(seconds):
            await response.prepare(request)
            view = memoryview(body)
            for start in range(0, len(body), CHUNK_BYTES):
                await response.write(view[start : start + CHUNK_BYTES])
            await response.write_eof()
    except TimeoutError:
        if request.transport is not None:
            request.transport.abort()
    return response


__all__ = ["HistoryGuard", "TooMany", "write_within"]
