"""Reading a busy chat connection in batches, to wake up less often.

At IVS's 100 messages a second each frame arrives on its own, and the app woke up for
every one: on a small VM a wake-up costs more CPU before any work (cold caches) than
parsing the frame (the README's Benchmarks notes have the figures). When frames come
close together and in small reads (a busy room, not a backlog), `CoalescingConnection`
stops reading for `COALESCE_S` after each read: the kernel keeps what arrives meanwhile
and the next read takes it all at once. A quiet room is read at once (no pause after a
read that came long after the last one), and a backlog is read at full speed (a read of
`SMALL_READ_BYTES` or more means the app is behind, and a pause would only make it more
so).

Over TLS (wss://, as IVS is) asyncio's SSL layer reads the socket by itself, below the
transport the connection sees: pausing that transport only stops the decrypted data, and
the loop still woke for every frame. So the socket's own transport is paused as well,
found through asyncio's SSL protocol (`_ssl_protocol._transport`, CPython 3.11+). That is
a private detail, read defensively: where it is missing only the upper transport pauses.
"""

from __future__ import annotations

import asyncio
from typing import Final

from websockets.asyncio.client import ClientConnection

COALESCE_S: Final = 0.05
"""How long reading stops after a read of a busy link: at most 20 wake-ups a second for
the chat, each a few messages. The screen repaints a few times a second at most under
load (tui.terminal.output), so this adds no lag anyone sees."""
BUSY_GAP_S: Final = 2 * COALESCE_S
"""A read this soon after the previous one means the room is busy (more than 10 frames a
second). Twice the pause, so the read that ends a pause counts as busy too."""
SMALL_READ_BYTES: Final = 64 * 1024
"""A read this large or larger: the socket had a backlog; read on without a pause."""


class CoalescingConnection(ClientConnection):
    """A websockets client connection that reads a busy link in batches."""

    _resume: asyncio.TimerHandle | None = None
    _last_read: float = float("-inf")
    _batching = True
    _below: tuple[object, asyncio.ReadTransport] | None = None
    """Under TLS, the SSL protocol and the socket's transport (`below_tls`), found once."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._below = below_tls(transport)

    def read_at_once(self) -> None:
        """No more batches: read on now, and every read from now on at once."""
        self._batching = False
        if self._resume is not None:
            self._resume.cancel()
            self._read_again()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        now = self.loop.time()
        busy = now - self._last_read < BUSY_GAP_S
        self._last_read = now
        if busy and self._batching and len(data) < SMALL_READ_BYTES and self._resume is None:
            self.transport.pause_reading()
            if self._below is not None:
                self._below[1].pause_reading()
            self._resume = self.loop.call_later(COALESCE_S, self._read_again)

    def _read_again(self) -> None:
        self._resume = None
        if self._below is not None:
            ssl_protocol, socket_transport = self._below
            # Unless the SSL layer paused it itself, its buffer being full.
            if not getattr(ssl_protocol, "_ssl_reading_paused", False):
                socket_transport.resume_reading()
        # websockets pauses reading itself when its queue of frames is full; its own
        # resume, when the app has caught up, is the one that counts then.
        if not self.recv_messages.paused:
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        super().connection_lost(exc)


def read_at_once(ws: ClientConnection) -> None:
    """`CoalescingConnection.read_at_once` for any connection (a no-op on another)."""
    if isinstance(ws, CoalescingConnection):
        ws.read_at_once()


def below_tls(
    transport: asyncio.BaseTransport,
) -> tuple[object, asyncio.ReadTransport] | None:
    """Under TLS, asyncio's SSL protocol and the socket transport it reads; else None."""
    ssl_protocol = getattr(transport, "_ssl_protocol", None)
    below = getattr(ssl_protocol, "_transport", None)
    if isinstance(below, asyncio.ReadTransport) and below is not transport:
        return ssl_protocol, below
    return None


__all__ = [
    "BUSY_GAP_S",
    "COALESCE_S",
    "SMALL_READ_BYTES",
    "CoalescingConnection",
    "below_tls",
    "read_at_once",
]
