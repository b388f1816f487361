"""One link: a WebSocket connection to the chat server, opened with a fresh token.

`open_link` gets a token and connects; `read_link` hands every frame to the supervisor
until the connection closes; `settle` decides what its end means, in words. Which link
is current, and what to do next, is the supervisor's business (`tui.ivs.room`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import CloseCode
from websockets.typing import Subprotocol

from tui.ivs.connection.read_coalescing import CoalescingConnection
from tui.ivs.events import TokenRefused, UserDisconnected
from tui.ivs.protocol import CLOSE_NORMAL, MAX_FRAME_BYTES
from tui.ivs.tokens import ChatToken, TokenProvider

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # a library never prints to a user's terminal

CLOSE_TIMEOUT = 2.0
"""Seconds a closing handshake may take before the connection is dropped."""
_REFUSED_FRAME_WORDS: dict[int, str] = {
    CloseCode.MESSAGE_TOO_BIG: (
        f"the chat server sent a frame over {MAX_FRAME_BYTES // 1024} KiB, "
        "larger than any chat message"
    ),
    CloseCode.INVALID_DATA: "the chat server sent a frame that is not valid text",
    CloseCode.PROTOCOL_ERROR: "the chat server broke the WebSocket protocol",
}
"""The close codes websockets sends when it fails a connection over what the server sent."""


class Outcome(Enum):
    RETIRED = "retired"  # we closed it: refreshed away, or the room is closing
    EXPIRED = "expired"  # ERROR 401: the session is over, reconnect
    LOST = "lost"  # abnormal close or network failure, reconnect
    REFUSED = "refused"  # we failed it over a frame we refuse: reconnect, but not for ever
    MODERATOR = "moderator"  # clean server close 1000: disconnected by a moderator


@dataclass(eq=False, slots=True)
class Link:
    """One WebSocket connection and what happened on it."""

    ws: ClientConnection
    token: ChatToken
    finished: asyncio.Future[None]
    """Done once its reader has stopped and the link is settled."""
    retired: bool = False
    expired: bool = False
    outcome: Outcome = Outcome.LOST
    words: str = ""
    last_disconnect: UserDisconnected | None = None


class OpenFailed(Exception):
    def __init__(self, words: str, *, rejected: bool = False, final: bool = False) -> None:
        super().__init__(words)
        self.words = words
        self.rejected = rejected
        self.final = final
        """The token provider refused for good (`TokenRefused`): do not try again."""


def exc_words(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


async def open_link(
    provider: TokenProvider,
    *,
    token_timeout: float,
    connect_timeout: float,
    batch_reads: bool = False,
) -> Link:
    """A fresh token and a new connection with it. Raises `OpenFailed` in words.
    `batch_reads`: read a busy link in batches (`CoalescingConnection`)."""
    try:
        async with asyncio.timeout(token_timeout):
            token = await provider()
    except TimeoutError:
        raise OpenFailed(f"could not get a chat token in {token_timeout:g} s") from None
    except TokenRefused as exc:
        raise OpenFailed(str(exc), rejected=True, final=True) from None
    except Exception as exc:
        raise OpenFailed(f"could not get a chat token: {exc_words(exc)}") from None
    try:
        ws = await connect(
            token.url,
            subprotocols=[Subprotocol(token.token)],
            compression=None,  # IVS frames are small; deflate would only cost CPU
            open_timeout=connect_timeout,  # TCP, TLS and the WebSocket handshake
            close_timeout=CLOSE_TIMEOUT,
            max_queue=256,
            # The largest legitimate frame plus a margin (protocol.MAX_FRAME_BYTES):
            # anything larger closes this link with 1009, never the whole client.
            max_size=MAX_FRAME_BYTES,
            create_connection=CoalescingConnection if batch_reads else None,
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise OpenFailed(
            f"the chat server refused the token (HTTP {status})", rejected=status in (401, 403)
        ) from None
    except TimeoutError:
        raise OpenFailed(
            f"the chat server at {token.url} did not answer in {connect_timeout:g} s"
        ) from None
    except ConnectionRefusedError:
        raise OpenFailed(
            f"cannot reach the chat server at {token.url}: connection refused"
        ) from None
    except Exception as exc:
        raise OpenFailed(f"cannot reach the chat server: {exc_words(exc)}") from None
    return Link(ws, token, asyncio.get_running_loop().create_future())


async def read_link(link: Link, ingest: Callable[[str | bytes, Link], None]) -> None:
    """Hand every frame to `ingest` until the connection closes. Never raises: a surprise
    on one connection drops that connection, not the room."""
    ws = link.ws
    try:
        while True:
            ingest(await ws.recv(), link)
    except ConnectionClosed:
        pass
    except Exception as exc:
        log.warning("chat connection failed: %s", exc_words(exc), exc_info=True)
        ws.transport.abort()


def settle(
    link: Link, *, closing: bool, kicked: UserDisconnected | None, user_id: str | None
) -> None:
    """Decide what the end of `link` means (`outcome`, and `words` for the user).
    `closing`: the room is closing; `kicked`: the aws:DISCONNECT_USER naming us, if any."""
    protocol = link.ws.protocol
    if link.retired or closing:
        link.outcome = Outcome.RETIRED
    elif kicked is not None:
        # Our own aws:DISCONNECT_USER: over for good, even if the close was abnormal
        # (a server may send a close frame the client rejects, or none at all).
        link.outcome = Outcome.MODERATOR
        link.words = _moderator_words(kicked or link.last_disconnect, user_id)
    elif link.expired:
        link.outcome = Outcome.EXPIRED
        link.words = "the chat session ended"
    elif (refused := _refused_frame_words(link.ws)) is not None:
        link.outcome = Outcome.REFUSED
        link.words = refused
    elif (
        # A close the server started with 1000 (even if our reply did not get out).
        (rcvd := protocol.close_rcvd) is not None
        and rcvd.code == CLOSE_NORMAL
        and protocol.close_rcvd_then_sent is not False
    ):
        link.outcome = Outcome.MODERATOR
        link.words = _moderator_words(link.last_disconnect, user_id)
    else:
        link.outcome = Outcome.LOST
        code = link.ws.close_code
        link.words = "connection lost" + (f" (code {code})" if code else "")


def _refused_frame_words(ws: ClientConnection) -> str | None:
    """Words for a link we failed over a frame we refuse, else None."""
    sent = ws.protocol.close_sent
    return _REFUSED_FRAME_WORDS.get(sent.code) if sent is not None else None


def _moderator_words(event: UserDisconnected | None, user_id: str | None) -> str:
    if event is not None and (user_id is None or event.user_id == user_id):
        return "a moderator disconnected you" + (f": {event.reason}" if event.reason else "")
    return "the chat server closed the connection"


__all__ = [
    "CLOSE_TIMEOUT",
    "Link",
    "OpenFailed",
    "Outcome",
    "exc_words",
    "open_link",
    "read_link",
    "settle",
]
