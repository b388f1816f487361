"""An approved message goes into the room as a real message from its sender.

The server makes a chat token for the sender's user id with their token's attributes,
connects, and sends the original content and attributes with one more attribute: a
marker signed with the review secret (HMAC-SHA256, bound to the sender, the held
message and the content). The review recognises it (`RaidReview.approved`), allows the
message and strips the marker, so the room, its history and every client get the
sender's message as it was. A marker is good once (`ApprovalStore.spend`) and for
`MARKER_SECONDS`: a marker sent again, or forged, is denied.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from tui.ivs.control import ControlError
from tui.ivs.events import ChatMessage
from tui.ivs.protocol import ChatCapability
from tui.ivs.room import ChatRoom
from tui.ivs.tokens import ChatToken
from tui.server.db import Database
from tui.server.raid.held import HeldMessage
from tui.server.stage.control_plane import ServiceControl

MARKER_ATTRIBUTE = "ivsChatTuiApproval"
MARKER_SECONDS = 120
"""How long a marker is good for: the approval sends it at once."""
SEND_SECONDS = 10.0
"""The approval's connect and send, each, at most."""


@dataclass(frozen=True, slots=True)
class Marker:
    held_id: str
    issued: int
    nonce: str
    signature: str

    def text(self) -> str:
        return f"{self.held_id}.{self.issued}.{self.nonce}.{self.signature}"


def _signature(
    secret: str, user_id: str, held_id: str, issued: int, nonce: str, content: str
) -> str:
    digest = hashlib.sha256(content.encode()).hexdigest()
    signed = f"ivs-chat-tui approval\n{user_id}\n{held_id}\n{issued}\n{nonce}\n{digest}"
    mac = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def new_marker(secret: str, message: HeldMessage, now: float) -> Marker:
    issued = int(now)
    nonce = secrets.token_urlsafe(12)
    signature = _signature(
        secret, message.sender.user_id, message.id, issued, nonce, message.content
    )
    return Marker(message.id, issued, nonce, signature)


def read_marker(secret: str, text: str, *, user_id: str, content: str, now: float) -> Marker | None:
    """The marker `text` if it is signed for this sender and content and still fresh;
    None otherwise (whether it was spent is the store's to say)."""
    parts = text.split(".")
    if len(parts) != 4 or not parts[1].isdigit():
        return None
    held_id, issued_text, nonce, signature = parts
    issued = int(issued_text)
    if not -5 <= now - issued <= MARKER_SECONDS:
        return None
    wanted = _signature(secret, user_id, held_id, issued, nonce, content)
    if not hmac.compare_digest(wanted.encode(), signature.encode()):
        return None
    return Marker(held_id, issued, nonce, signature)


class ApprovalStore:
    """The markers spent, on the moderation store's connection."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pruned_at = 0.0

    def spend(self, marker: Marker, now: float) -> bool:
        """True the first time `marker` is spent, across every instance."""
        row = self._db.execute(
            "INSERT INTO held_approvals (nonce, used_at) VALUES (?, ?)"
            " ON CONFLICT (nonce) DO NOTHING RETURNING nonce",
            (marker.nonce, now),
        ).fetchone()
        if now - self._pruned_at >= MARKER_SECONDS:  # a stale marker is refused anyway
            self._pruned_at = now
            self._db.execute(
                "DELETE FROM held_approvals WHERE used_at < ?", (now - 2 * MARKER_SECONDS,)
            )
        return row is not None


class ApprovalFailed(Exception):
    """The approved message could not be sent; `str()` says why."""


async def send_as_sender(
    control: ServiceControl,
    room_arn: str,
    chat_url: str,
    message: HeldMessage,
    marker: Marker,
) -> ChatMessage:
    """Send `message` into the room as its sender, with `marker`; its echo (the message
    as the room has it). Raises ApprovalFailed."""
    user_id = message.sender.user_id

    async def token() -> ChatToken:
        issued = await control.create_chat_token(
            room_arn,
            user_id,
            capabilities=(ChatCapability.SEND_MESSAGE,),
            attributes=dict(message.sender_attributes),
            session_minutes=1,
        )
        return ChatToken(
            issued.token,
            chat_url,
            issued.token_expiration_time,
            issued.session_expiration_time,
            user_id,
        )

    attributes: Mapping[str, str] = {**message.attributes, MARKER_ATTRIBUTE: marker.text()}
    room = ChatRoom(
        token, request_timeout=SEND_SECONDS, connect_timeout=SEND_SECONDS, max_attempts=2
    )
    try:
        async with room:
            return await room.send_message(message.content, dict(attributes))
    except ControlError as exc:
        raise ApprovalFailed(f"could not make a chat token for the sender: {exc}") from None
    except Exception as exc:  # ChatError, NotConnected, ChatTimeout: the room's words
        raise ApprovalFailed(f"could not send it into the room: {exc}") from None


__all__ = [
    "MARKER_ATTRIBUTE",
    "MARKER_SECONDS",
    "ApprovalFailed",
    "ApprovalStore",
    "Marker",
    "new_marker",
    "read_marker",
    "send_as_sender",
]
