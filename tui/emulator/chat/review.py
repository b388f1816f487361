"""The room's message review handler, run as IVS runs it (docs/ivs-protocol.md, *Message
review handler*).

A room with `messageReviewHandler {uri, fallbackResult}` has every SEND_MESSAGE that
passed the room's own checks reviewed before delivery. IVS invokes a Lambda; no Lambda
runs locally, so `Reviewer` maps a Lambda ARN to an HTTP endpoint
(`EmulatorConfig.review_handlers`, `ivs-chat-tui emulator --review-handler ARN=URL`) and
POSTs it the Lambda's event as JSON; the JSON body of the answer is the Lambda's answer.

- ALLOW delivers the message; a `Content` or `Attributes` in the answer replaces the
  message's own.
- DENY: the sender gets ERROR 406, nobody else sees the message. A `Reason` in the
  answer's `Attributes` is the error's message.
- An error (no mapping for the ARN, a refused connection, a status other than 200), an
  invalid answer, or no answer within the timeout (IVS's 200 ms unless
  `EmulatorConfig.review_timeout_ms` raises it) applies the room's `fallbackResult`.
- With `EmulatorConfig.review_secret`, each call carries the `review_signature` header.

`Reviewer` owns one aiohttp `ClientSession` (keep-alive) for every call: the review is on
the message's way to the room, so no call pays for a new connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import ssl as ssl_module
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tui.common.review_signature import SIGNATURE_HEADER, sign
from tui.common.text import for_log
from tui.emulator.config import REVIEW_TIMEOUT_MS
from tui.ivs.protocol import MESSAGE_ATTRIBUTES_MAX_BYTES, attributes_size, code_points

log = logging.getLogger("tui.emulator")

MAX_ANSWER_BYTES = 64 * 1024
"""The largest answer read. A valid one is far smaller: 500 characters of content and
1 KB of attributes."""
ALLOW, DENY = "ALLOW", "DENY"
DENIED = "message denied by review handler"
"""The ERROR 406's message when a DENY gives no `Reason` (and on a DENY fallback)."""
_LAMBDA_ARN = re.compile(r"arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:.+")


class InvalidAnswer(ValueError):
    """The handler's answer is not `{ReviewResult, Content?, Attributes?}` within bounds."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What happens to one message: delivered (with this content and attributes) or not."""

    allow: bool
    content: str
    attributes: dict[str, str]
    reason: str = ""
    """A DENY's `Reason`, the words of the sender's ERROR 406 ("" for none)."""
    fallback: str = ""
    """Why the room's fallbackResult decided instead of the handler ("" if it answered)."""

    @property
    def error_message(self) -> str:
        return self.reason or DENIED


def review_payload(
    *,
    content: str,
    message_id: str,
    room_arn: str,
    attributes: dict[str, str],
    sender_attributes: dict[str, str],
    user_id: str,
    ip: str,
) -> dict[str, Any]:
    """The Lambda event IVS sends for one message; `message_id` is the Id the message
    gets if it is allowed."""
    return {
        "Content": content,
        "MessageId": message_id,
        "RoomArn": room_arn,
        "Attributes": attributes,
        "Sender": {"Attributes": sender_attributes, "UserId": user_id, "Ip": ip},
    }


def parse_answer(body: bytes, content: str, attributes: dict[str, str], max_length: int) -> Verdict:
    """The verdict of a handler's answer on a message of `content` and `attributes`, in a
    room whose messages may have `max_length` code points. Raises `InvalidAnswer`.

    Strict, as IVS is with "a response that does not correspond to the syntax": a member
    of the wrong type (null included) makes the whole answer invalid. Members other than
    the three are ignored."""
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidAnswer("the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise InvalidAnswer("the answer is not a JSON object")
    result = answer.get("ReviewResult")
    if result not in (ALLOW, DENY):
        raise InvalidAnswer("ReviewResult is not ALLOW or DENY")
    if "Content" in answer:
        given = answer["Content"]
        if not isinstance(given, str) or not given:
            raise InvalidAnswer("Content is not a non-empty string")
        if code_points(given) > max_length:
            raise InvalidAnswer(f"Content is longer than the room's {max_length} characters")
        content = given
    if "Attributes" in answer:
        given = answer["Attributes"]
        if not isinstance(given, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in given.items()
        ):
            raise InvalidAnswer("Attributes is not a map of strings")
        if attributes_size(given) > MESSAGE_ATTRIBUTES_MAX_BYTES:
            raise InvalidAnswer(f"Attributes are over {MESSAGE_ATTRIBUTES_MAX_BYTES} bytes")
        attributes = given
    if result == DENY:
        return Verdict(False, content, attributes, reason=attributes.get("Reason", ""))
    return Verdict(True, content, attributes)


def fallback(result: str, content: str, attributes: dict[str, str], why: str) -> Verdict:
    """The room's fallbackResult: the message as sent, or denied."""
    return Verdict(result != DENY, content, attributes, fallback=why)


def lambda_arn(value: str) -> str:
    """`value` if it is a Lambda function ARN (the shape IVS accepts as a handler's uri);
    ValueError saying what is wrong otherwise."""
    if not _LAMBDA_ARN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)"
        )
    return value


def endpoint_url(value: str) -> str:
    """`value` if it is an http:// or https:// URL with a host; ValueError otherwise."""
    try:
        url = urlsplit(value)
        host = url.hostname
    except ValueError:
        host = None
    if host is None or url.scheme not in ("http", "https"):
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    return value


def parse_mapping(value: str) -> tuple[str, str]:
    """`ARN=URL` (the `--review-handler` flag) as (arn, url); ValueError saying why not."""
    arn, sep, url = value.partition("=")
    if not sep:
        raise ValueError(f"{value!r} is not ARN=URL")
    return lambda_arn(arn.strip()), endpoint_url(url.strip())


class Reviewer:
    """Calls the HTTP endpoints that stand in for review Lambdas, over one session."""

    def __init__(
        self,
        handlers: dict[str, str],
        *,
        timeout_ms: float = REVIEW_TIMEOUT_MS,
        secret: str | None = None,
        ssl: ssl_module.SSLContext | None = None,
    ) -> None:
        if timeout_ms <= 0:
            raise ValueError(f"the review timeout must be positive, not {timeout_ms} ms")
        self.timeout = timeout_ms / 1000
        self.secret = secret or None
        self.ssl: ssl_module.SSLContext | bool = ssl if ssl is not None else True
        self._session: aiohttp.ClientSession | None = None
        self._unmapped_said: set[str] = set()
        self.handlers: dict[str, str] = {}
        for arn, url in handlers.items():
            self.map(arn, url)

    def map(self, arn: str, url: str) -> None:
        """Calls for the Lambda `arn` go to `url` from now on (raises ValueError if either
        is malformed)."""
        self.handlers[lambda_arn(arn)] = endpoint_url(url)
        self._unmapped_said.discard(arn)

    def unmap(self, arn: str) -> None:
        """`arn` has no endpoint any more: its rooms get their fallback."""
        self.handlers.pop(arn, None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=60),
                timeout=aiohttp.ClientTimeout(total=None),  # `review` bounds each call
                auto_decompress=False,
            )
        return self._session

    async def review(
        self, handler: dict[str, str], payload: dict[str, Any], max_length: int
    ) -> Verdict:
        """The verdict on one message (`payload`, see `review_payload`) by the room's
        `handler` ({uri, fallbackResult}). Never raises for what the endpoint does."""
        content: str = payload["Content"]
        attributes: dict[str, str] = payload["Attributes"]
        uri = handler.get("uri", "")
        url = self.handlers.get(uri)
        try:
            if url is None:
                if uri not in self._unmapped_said:
                    self._unmapped_said.add(uri)
                    log.warning(
                        "no endpoint for the review handler %s (--review-handler ARN=URL): "
                        "its rooms get their fallback",
                        for_log(uri),
                    )
                raise InvalidAnswer("no endpoint is mapped for this Lambda")
            async with asyncio.timeout(self.timeout):
                body = await self._call(url, payload)
            return parse_answer(body, content, attributes, max_length)
        except Exception as exc:  # whatever went wrong, the Lambda failed: the fallback
            why = str(exc) or type(exc).__name__
            if isinstance(exc, TimeoutError):
                why = f"no answer within {self.timeout * 1000:g} ms"
            elif not isinstance(exc, InvalidAnswer | aiohttp.ClientError | OSError):
                log.exception("review call to %s failed", for_log(url))
            result = handler.get("fallbackResult", ALLOW)
            if url is not None:
                log.info(
                    "review of message %s by %s failed (%s): fallback %s",
                    for_log(payload["MessageId"]),
                    for_log(uri),
                    for_log(why),
                    result,
                )
            return fallback(result, content, attributes, why)

    async def _call(self, url: str, payload: dict[str, Any]) -> bytes:
        data = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, data, time.time())
        post = self._client().post(url, data=data, headers=headers, ssl=self.ssl)
        async with post as response:
            if response.status != 200:
                raise InvalidAnswer(f"the handler answered HTTP {response.status}")
            body = bytearray()
            async for chunk in response.content.iter_chunked(16 * 1024):
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise InvalidAnswer(f"the answer is over {MAX_ANSWER_BYTES} bytes")
            return bytes(body)
