"""Fan-out of one frame to many sockets, serialised and framed once.

A room's frame is turned into JSON once and into WebSocket frame bytes once; the same
`bytes` object is then written to every socket's transport without awaiting anything
(frames of one loop turn are joined first, see `LiveRoom.broadcast`).
Compression is never negotiated (see `messaging`), so the bytes are identical for every
receiver. A receiver whose unsent backlog passes `SLOW_READER_BYTES` is cut off (its
transport aborted: an abnormal close, which clients retry) rather than allowed to grow
memory without bound; a slow reader never stalls the rest of the room.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Protocol

SLOW_READER_BYTES = 4 * 1024 * 1024
"""Unsent bytes a receiver may have queued before it is disconnected."""

_TEXT_FINAL = 0x81  # FIN bit + opcode 1 (text); server frames are never masked


def encode_text_frame(text: str) -> bytes:
    """One unmasked, unfragmented WebSocket text frame holding `text`."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", _TEXT_FINAL, size)
    elif size < 65536:
        header = struct.pack("!BBH", _TEXT_FINAL, 126, size)
    else:
        header = struct.pack("!BBQ", _TEXT_FINAL, 127, size)
    return header + payload


class Receiver(Protocol):
    def write(self, frame: bytes) -> bool:
        """Queue `frame` without waiting; False if the receiver is gone."""
        ...


def deliver(connections: Iterable[Receiver], frame: bytes) -> int:
    """Write `frame` to every open connection; return how many got it."""
    delivered = 0
    for conn in tuple(connections):
        if conn.write(frame):
            delivered += 1
    return delivered
