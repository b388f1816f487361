"""The review handler's Lambda: sign the IVS payload, POST it to the app server, return
the answer. Standard library only, so the zip is two files and needs no layer.

Settings (the function's environment): `REVIEW_URL`, the server's `--public-url` plus
`/api/review`; `REVIEW_SECRET`, the server's review secret.

IVS waits 200 ms for an answer and then applies the room's `fallbackResult`. The forwarder
gives up at `BUDGET_SECONDS` (150 ms), so a slow or dead server ends in the fallback IVS
was told to use, not in a Lambda timeout racing IVS's. The TLS connection is kept between
invocations (a warm Lambda reuses the module), so a warm call costs one round trip.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import time
import urllib.parse
from typing import Any

try:  # in the repository
    from tui.common.review_signature import SIGNATURE_HEADER, sign
except ImportError:  # in the Lambda zip, where it sits beside this file
    from review_signature import SIGNATURE_HEADER, sign  # type: ignore[no-redef]  # the zip's copy

BUDGET_SECONDS = 0.150
"""Under IVS's 200 ms, with room for Lambda's own overhead."""

RESULTS = ("ALLOW", "DENY")


class ForwardFailed(RuntimeError):
    """The review could not be forwarded in time, or the answer is not one IVS accepts.
    Raised out of the handler: IVS then applies the room's fallback result."""


class Forwarder:
    """One app server's review route, over one kept connection."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        budget: float = BUDGET_SECONDS,
        context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"REVIEW_URL must be an https:// URL, not {url!r}")
        if not secret:
            raise ValueError("REVIEW_SECRET is empty")
        self.url = url
        self._secure = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path or "/"
        self._secret = secret
        self.budget = budget
        self._context = context
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        if self._connection is None:
            if self._secure:
                context = self._context or ssl.create_default_context()
                self._connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=timeout, context=context
                )
            else:
                self._connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=timeout
                )
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def review(self, payload: dict[str, Any], *, now: float | None = None) -> dict[str, Any]:
        """The server's answer to `payload`; `ForwardFailed` when there is none in time."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, body, time.time() if now is None else now),
        }
        deadline = time.monotonic() + self.budget
        reused = self._connection is not None and self._connection.sock is not None
        try:
            return self._exchange(body, headers, deadline)
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            # A kept connection the server has since closed fails at once: try a fresh
            # one, within the same budget. A fresh one that failed is not tried again.
            if not reused or time.monotonic() >= deadline:
                raise ForwardFailed(f"no answer from {self.url}: {error}") from error
        try:
            return self._exchange(body, headers, deadline)
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            raise ForwardFailed(f"no answer from {self.url}: {error}") from error

    def _exchange(self, body: bytes, headers: dict[str, str], deadline: float) -> dict[str, Any]:
        def left() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"over the {self.budget * 1000:.0f} ms budget")
            return remaining

        connection = self._connect(left())
        if connection.sock is None:
            connection.timeout = left()
            connection.connect()
        assert connection.sock is not None
        connection.sock.settimeout(left())
        connection.request("POST", self._path, body=body, headers=headers)
        connection.sock.settimeout(left())
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise ForwardFailed(f"{self.url} answered {response.status}")
        return _checked(data)


def _checked(data: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(data)
    except ValueError as error:
        raise ForwardFailed("the server's answer is not JSON") from error
    if not isinstance(answer, dict) or answer.get("ReviewResult") not in RESULTS:
        raise ForwardFailed("the server's answer has no ReviewResult of ALLOW or DENY")
    return {k: v for k, v in answer.items() if k in ("ReviewResult", "Content", "Attributes")}


_forwarder: Forwarder | None = None


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """The Lambda entry point (`forwarder.lambda_handler`)."""
    global _forwarder
    if _forwarder is None:
        _forwarder = Forwarder(os.environ["REVIEW_URL"], os.environ["REVIEW_SECRET"])
    return _forwarder.review(event)
