"""Settings of the local IVS stack."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.ivs.protocol import TOKEN_TTL_SECONDS

if TYPE_CHECKING:
    import ssl

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8089
"""Port of `ivs-chat-tui emulator` when none is given (clear of LocalStack's 4566)."""
REVIEW_TIMEOUT_MS = 200
"""IVS's limit for a message review: past it the fallback applies. On AWS it is fixed."""


@dataclass
class EmulatorConfig:
    region: str = "us-east-1"
    account_id: str = "123456789012"
    token_ttl_seconds: float = TOKEN_TTL_SECONDS
    """How long a chat token may wait before it is used (tests shorten it)."""
    session_seconds: float | None = None
    """If set, every chat session lasts this long, whatever sessionDurationInMinutes says."""
    public_url: str | None = None
    """Base URL to advertise in stage endpoints; else the URL the request came to."""
    read_timeout_seconds: float = 10.0
    """Own listener only (`Emulator.start`): how long a request's head, and then its body,
    may take to arrive before the client gets 408 (see `slow_clients`)."""
    slow_connections_per_address: int = 32
    """Own listener only: connections one address may have waiting for a request head at
    once; more are closed on arrival."""
    access_key_id: str | None = None
    """If set, the control plane (operations, tags) answers only requests signed with this
    AWS access key id, others get AccessDeniedException: the app server's local mode sets
    a random one, so viewers on its public port cannot call IVS as the broadcaster would.
    None (standalone `ivs-chat-tui emulator`): any access key id is accepted."""
    secret_access_key: str = "test"
    """The secret every control-plane request's SigV4 signature is checked with, whatever
    the key id. "test" by default, the secret boto3 users give local stand-ins; the app
    server's local mode sets a random one per start, with the key id."""
    review_handlers: dict[str, str] = field(default_factory=dict)
    """Lambda ARN -> the HTTP endpoint that stands in for it as a room's message review
    handler (`review`). A room whose handler has no endpoint gets its fallbackResult, as
    with a failing Lambda. Read when the stack is made; later, `Emulator.map_review_handler`
    (the app server's URL is known only once it listens)."""
    review_timeout_ms: float = REVIEW_TIMEOUT_MS
    """How long a review may take before the fallback applies: IVS's 200 ms. Raise it only
    for a loaded test machine; IVS's own cannot be changed."""
    review_secret: str | None = None
    """If set, every review call is signed with it (`tui.common.review_signature`), as the
    Lambda forwarder signs its calls; otherwise calls go unsigned."""
    review_ssl: ssl.SSLContext | None = None
    """The TLS context for https:// review endpoints, e.g. one that trusts the app
    server's own certificate; None: the system's trust store."""
    iam_policy: dict[str, Any] | None = None
    """An IAM identity policy (the JSON document): if set, every control-plane call must
    be allowed by it, or gets AccessDeniedException (`iam`). None: every call is allowed."""
