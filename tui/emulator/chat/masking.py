"""RFC 6455 §5.1: a server must fail the connection on an unmasked client frame.

aiohttp's WebSocket reader unmasks what is masked and accepts what is not, so the
messaging socket puts `MaskedFramesOnly` in front of it: it reads just the frame headers
of the bytes going by (the payloads are skipped, not copied), passes everything up to an
unmasked frame on to aiohttp's reader, and then closes the connection with 1002
(protocol error) and reads nothing more.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from aiohttp import web

CLOSE_PROTOCOL_ERROR = 1002
_MASKED = 0x80


def close_frame(code: int, reason: bytes = b"") -> bytes:
    """An unmasked server close frame (reason at most 123 bytes)."""
    payload = struct.pack("!H", code) + reason
    return struct.pack("!BB", 0x88, len(payload)) + payload


def _header_size(head: bytes) -> int:
    """Bytes of the frame header that starts with `head` (2 until the length is read)."""
    if len(head) < 2:
        return 2
    length = head[1] & 0x7F
    extended = 2 if length == 126 else 8 if length == 127 else 0
    return 2 + extended + (4 if head[1] & _MASKED else 0)


def _payload_size(head: bytes) -> int:
    length = head[1] & 0x7F
    if length == 126:
        return int(struct.unpack_from("!H", head, 2)[0])
    if length == 127:
        return int(struct.unpack_from("!Q", head, 2)[0])
    return length


class MaskedFramesOnly:
    """Stands where aiohttp's protocol expects its WebSocket parser, and forwards to it."""

    def __init__(self, parser: Any, transport: asyncio.Transport) -> None:
        self._parser = parser
        self._transport = transport
        self._head = b""  # the header read so far of the frame being read
        self._skip = 0  # payload bytes of the current frame still to go by
        self.failed = False

    def feed_eof(self) -> None:
        self._parser.feed_eof()

    def feed_data(self, data: bytes | bytearray | memoryview) -> tuple[bool, bytes]:
        if self.failed:
            return False, b""
        bad = self._unmasked_at(data)
        if bad is None:
            return self._parser.feed_data(data)
        self.failed = True
        if bad:
            self._parser.feed_data(bytes(data[:bad]))
        self._transport.write(close_frame(CLOSE_PROTOCOL_ERROR, b"unmasked client frame"))
        self._transport.close()
        return False, b""

    def _unmasked_at(self, data: bytes | bytearray | memoryview) -> int | None:
        """Where in `data` an unmasked frame starts (0 if its header began earlier)."""
        pos, end, start = 0, len(data), 0
        while pos < end:
            if self._skip:
                step = min(self._skip, end - pos)
                self._skip -= step
                pos += step
                continue
            if not self._head:
                start = pos
            take = min(_header_size(self._head) - len(self._head), end - pos)
            self._head += bytes(data[pos : pos + take])
            pos += take
            if len(self._head) >= 2 and not self._head[1] & _MASKED:
                return start
            if len(self._head) == _header_size(self._head):
                self._skip = _payload_size(self._head)
                self._head = b""
        return None


class MaskCheckingResponse(web.WebSocketResponse):
    """A WebSocketResponse whose reader refuses unmasked client frames.

    The guard goes in when aiohttp installs its reader (`_post_start`), before the bytes
    that came with the handshake are read, so no frame gets past it.
    """

    guard: MaskedFramesOnly | None = None

    def _post_start(self, request: web.BaseRequest, protocol: str | None, writer: Any) -> None:
        handler: Any = request.protocol
        tail, handler._message_tail = handler._message_tail, b""
        super()._post_start(request, protocol, writer)
        assert request.transport is not None  # prepared, so the connection is open
        self.guard = MaskedFramesOnly(handler._payload_parser, request.transport)
        handler._payload_parser = self.guard
        if tail:
            handler.data_received(tail)
