"""What a client needs to open one chat connection, however the token was obtained
(the app server, or CreateChatToken directly)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ChatToken:
    token: str
    url: str
    """The messaging WebSocket URL: `wss://edge.ivschat.<region>.amazonaws.com` or the
    local stack's `ws://…/`."""
    token_expiration_time: datetime | None = None
    session_expiration_time: datetime | None = None
    user_id: str | None = None
    """Whose token this is, when the caller knows it: the room then takes an
    aws:DISCONNECT_USER naming it as the end of the session, however the close goes."""


TokenProvider = Callable[[], Awaitable[ChatToken]]
"""Gives a fresh, unused token for every connection (tokens are single use)."""
