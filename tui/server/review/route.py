"""`POST /api/review`: the room's message review handler, as the app server answers it.

The body is IVS's Lambda payload; the answer is the Lambda's (`payload.py`). Only a
caller holding the review secret reaches the decision: the header
`X-Ivs-Chat-Tui-Signature` (`tui.common.review_signature`) must sign the body within
60 s of now. A refused call gets a bare 403, and the log says why.

No per-address limit applies (neither the token budget nor the wrong-key budget): every
call comes from the few addresses the Lambda runs at, or from the local stack.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from aiohttp import web

from tui.common.review_signature import SIGNATURE_HEADER, SignatureRefused, verify
from tui.common.text import for_log
from tui.server.domain_errors import InvalidRequest, NotReady
from tui.server.review.payload import parse_review_request, review_answer
from tui.server.review.reviewer import MessageReviewer
from tui.server.web.http import STATE, _address, _service, logged_when_refused

log = logging.getLogger("tui.server.review")

REVIEW_PATH = "/review"
"""Relative to the API's /api prefix."""


def _reviewer(request: web.Request) -> MessageReviewer:
    moderation = _service(request).moderation
    reviewer = moderation.reviewer if moderation is not None else None
    if reviewer is None:
        raise NotReady("message review is still starting")
    return reviewer


@logged_when_refused
async def review(request: web.Request) -> web.StreamResponse:
    reviewer = _reviewer(request)
    try:
        async with asyncio.timeout(request.app[STATE].body_seconds):
            raw = await request.read()
    except TimeoutError:
        raise web.HTTPRequestTimeout(reason="the request body did not arrive in time") from None
    try:
        verify(reviewer.secret, raw, request.headers.get(SIGNATURE_HEADER), time.time())
    except SignatureRefused as exc:
        log.warning(
            "review: refused a call from %s: %s", for_log(_address(request)), for_log(str(exc))
        )
        return web.json_response({"status": 403, "message": "forbidden"}, status=403)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest(f"the request body is not valid JSON ({exc})") from None
    verdict = reviewer.review(parse_review_request(body))
    return web.json_response(review_answer(verdict))


ROUTES = (web.post(REVIEW_PATH, review),)

__all__ = ["REVIEW_PATH", "ROUTES"]
