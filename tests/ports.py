"""Loopback ports for the tests: one nothing listens on, and aiohttp apps served on one."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


def closed_port() -> int:
    """A loopback port nothing listens on: the OS just handed it out and took it back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """`app` on a loopback port the OS picks, for the block: its http://127.0.0.1:PORT."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
