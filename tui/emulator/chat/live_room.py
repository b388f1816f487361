"""A room while people are in it: its open sockets, its outbox and its message rate.

`LiveRoom` is the one owner of what changes with every frame; the room's settings stay
plain data (`state.Room`). `ChatHub` keeps one `LiveRoom` per room with sockets open and
decides what is sent; a `LiveRoom` only knows how to send it: in order, framed once,
joined per loop turn, to every socket at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

from aiohttp import web

from tui.common.text import for_log
from tui.common.token_bucket import TokenBucket
from tui.emulator.chat.fanout import SLOW_READER_BYTES, deliver, encode_text_frame
from tui.emulator.state import IssuedChatToken, Room
from tui.ivs.protocol import ChatCapability

log = logging.getLogger("tui.emulator")


class Connection:
    """One open messaging socket: who is on it and how to write to it."""

    __slots__ = ("closing", "expiry", "grant", "ip", "live", "transport", "ws")

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        live: LiveRoom,
        grant: IssuedChatToken,
        ip: str = "",
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.live = live
        self.grant = grant
        self.ip = ip
        """The client's address as the stack saw it (a review handler's `Sender.Ip`)."""
        self.closing = False
        self.expiry: asyncio.TimerHandle | None = None

    @property
    def room(self) -> Room:
        return self.live.room

    @property
    def user_id(self) -> str:
        return self.grant.user_id

    def can(self, capability: ChatCapability) -> bool:
        return capability in self.grant.capabilities

    def write(self, frame: bytes) -> bool:
        """Queue one pre-built frame without waiting; False if the socket is gone.

        A receiver too far behind is cut off here (see `fanout.SLOW_READER_BYTES`).
        """
        if self.closing or self.transport.is_closing():
            return False
        if self.transport.get_write_buffer_size() > SLOW_READER_BYTES:
            log.warning("dropping slow reader %s in room %s", for_log(self.user_id), self.room.id)
            self.closing = True
            self.live.connections.discard(self)
            self.transport.abort()
            return False
        self.transport.write(frame)
        return True


class LiveRoom:
    """The sockets of one room, what is about to be written to them, and its rate."""

    __slots__ = ("connections", "limiter", "outbox", "room")

    def __init__(self, room: Room) -> None:
        self.room = room
        self.connections: set[Connection] = set()
        self.outbox: list[bytes] = []
        """WebSocket frames broadcast this loop turn, not yet written (see `flush`)."""
        rate = room.maximum_message_rate_per_second
        # IVS's room rate: `rate` a second, bursts of at most `rate`, shared by every socket.
        self.limiter = TokenBucket(rate, rate)

    def __iter__(self) -> Iterator[Connection]:
        return iter(tuple(self.connections))

    def broadcast(self, text: str) -> None:
        """Send one serialised frame to every socket of the room.

        The frame joins the outbox, which is flushed at the next turn of the event loop:
        frames broadcast in the same turn (a backlog of client frames read at once, when
        the emulator is behind) go out in one write per socket instead of one per frame,
        so a busy room catches up rather than falling further behind. When it is not
        behind, that costs one loop turn, microseconds.
        """
        self.outbox.append(encode_text_frame(text))
        if len(self.outbox) == 1:
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> int:
        """Write the outbox to every socket now; how many sockets got it."""
        if not self.outbox:
            return 0
        data = self.outbox[0] if len(self.outbox) == 1 else b"".join(self.outbox)
        self.outbox.clear()
        return deliver(self.connections, data)

    def send_to(self, conn: Connection, text: str) -> None:
        """One frame for one socket, after what was broadcast before it."""
        self.flush()
        conn.write(encode_text_frame(text))

    def leave(self, conn: Connection) -> None:
        """Nothing more goes to `conn` (closing, closed or cut)."""
        conn.closing = True
        self.connections.discard(conn)
        if conn.expiry is not None:
            conn.expiry.cancel()
