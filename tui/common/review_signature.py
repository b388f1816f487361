"""The signature on a message review call, so that only our own callers reach the app
server's review route (`POST /api/review`): the local stack when it calls a mapped handler,
and the Lambda forwarder on AWS. Standard library only: the forwarder ships this logic in
its zip, and the local stack may import nothing but `tui.common` and `tui.ivs.protocol`.

The header is `X-Ivs-Chat-Tui-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`. The time is inside what is signed, so a captured call cannot be replayed
once it is more than `MAX_SKEW_SECONDS` away from now.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Ivs-Chat-Tui-Signature"
MAX_SKEW_SECONDS = 60
"""How far the signed time may be from the server's clock, either way."""


class SignatureRefused(ValueError):
    """Why a review call's signature was refused, in words for the log (never the secret)."""


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, now: float) -> str:
    """The header value for `body`, signed at `now` (unix seconds)."""
    timestamp = int(now)
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str | None, now: float) -> None:
    """Return if `header` signs `body` with `secret` within `MAX_SKEW_SECONDS` of `now`;
    raise `SignatureRefused` saying why otherwise."""
    if not header:
        raise SignatureRefused(f"no {SIGNATURE_HEADER} header")
    fields: dict[str, str] = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(key, value)
    stamp, given = fields.get("t", ""), fields.get("v1", "")
    if not stamp.isdigit() or not given:
        raise SignatureRefused("the signature header is not t=<seconds>,v1=<hex>")
    timestamp = int(stamp)
    if abs(now - timestamp) > MAX_SKEW_SECONDS:
        raise SignatureRefused(f"the signature is more than {MAX_SKEW_SECONDS} s from now")
    if not hmac.compare_digest(_digest(secret, timestamp, body), given.lower()):
        raise SignatureRefused("the signature does not match")
