"""AWS Signature Version 4, checked the way AWS checks it.

The control plane recomputes the signature of each request from what arrived (method,
raw path, query, the headers the client says it signed, the body) with the secret key it
knows, and compares. The request's `X-Amz-Date` must be within `MAX_SKEW_SECONDS` of
now, so a captured request cannot be replayed later. The canonical form follows
botocore's signer (`botocore.auth.SigV4Auth`), the client this stack is driven by.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from multidict import CIMultiDictProxy

MAX_SKEW_SECONDS = 300
"""AWS refuses a request dated more than 5 minutes from its own clock."""
_STAMP = "%Y%m%dT%H%M%SZ"
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<key_id>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<headers>[a-z0-9\-;]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


class SignatureError(Exception):
    """A request whose signature does not hold; `code` is the error type AWS answers."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Credential:
    """What the Authorization header claims."""

    key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def credential_of(authorization: str) -> Credential | None:
    """The parts of a SigV4 Authorization header, or None if it is not one."""
    found = _AUTHORIZATION.fullmatch(authorization.strip())
    if found is None:
        return None
    return Credential(
        key_id=found["key_id"],
        date=found["date"],
        region=found["region"],
        service=found["service"],
        signed_headers=tuple(found["headers"].split(";")),
        signature=found["signature"],
    )


def verify(
    credential: Credential,
    *,
    secret_key: str,
    method: str,
    raw_path: str,
    headers: CIMultiDictProxy[str],
    body: bytes,
    now: datetime,
) -> None:
    """Raise `SignatureError` unless `credential` signs this request with `secret_key`
    and its date is within `MAX_SKEW_SECONDS` of `now`."""
    stamp = headers.get("X-Amz-Date", "")
    try:
        signed_at = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(
            "IncompleteSignatureException", "The request must carry a valid X-Amz-Date header."
        ) from None
    window = timedelta(seconds=MAX_SKEW_SECONDS)
    if signed_at < now - window:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired: {stamp} is now earlier than {(now - window):{_STAMP}} "
            f"({now:{_STAMP}} - 5 min.)",
        )
    if signed_at > now + window:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature not yet current: {stamp} is still later than "
            f"{(now + window):{_STAMP}} ({now:{_STAMP}} + 5 min.)",
        )
    if credential.date != stamp[:8] or "host" not in credential.signed_headers:
        raise SignatureError(
            "IncompleteSignatureException",
            "The credential scope must be dated as X-Amz-Date and the host header signed.",
        )
    payload_hash = hashlib.sha256(body).hexdigest()
    if headers.get("X-Amz-Content-SHA256", payload_hash) != payload_hash:
        raise SignatureError(
            "InvalidSignatureException", "The body does not match its X-Amz-Content-SHA256."
        )
    path, _, query = raw_path.partition("?")
    canonical = "\n".join(
        (
            method.upper(),
            quote(path or "/", safe="/~"),
            _canonical_query(query),
            "".join(
                f"{name}:{','.join(' '.join(v.split()) for v in headers.getall(name, []))}\n"
                for name in credential.signed_headers
            ),
            ";".join(credential.signed_headers),
            payload_hash,
        )
    )
    scope = f"{credential.date}/{credential.region}/{credential.service}/aws4_request"
    to_sign = "\n".join(
        ("AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest())
    )
    key = f"AWS4{secret_key}".encode()
    for part in (credential.date, credential.region, credential.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, credential.signature):
        raise SignatureError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )


def _canonical_query(query: str) -> str:
    """The query as botocore signs it: its pairs, as sent, sorted."""
    if not query:
        return ""
    pairs = sorted(pair.partition("=")[::2] for pair in query.split("&"))
    return "&".join(f"{key}={value}" for key, value in pairs)
