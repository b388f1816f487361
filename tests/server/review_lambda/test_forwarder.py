"""The review handler's Lambda forwarder against a real TLS server on loopback: it signs,
keeps its connection, gives up rather than outlast IVS's wait, and its zip runs on the
standard library alone."""

from __future__ import annotations

import asyncio
import inspect
import json
import ssl
import subprocess
import sys
import time
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.certificates import make_certificate
from tui.common.review_signature import SIGNATURE_HEADER, SignatureRefused, verify
from tui.server.review_lambda.forwarder import Forwarder, ForwardFailed
from tui.server.review_lambda.package import build

SECRET = "review-secret-for-tests"
PAYLOAD = {
    "Content": "hello",
    "MessageId": "abcdefghijkl",
    "RoomArn": "arn:aws:ivschat:us-east-1:123456789012:room/abcdefghijkl",
    "Attributes": {},
    "Sender": {"Attributes": {"displayName": "Ada"}, "UserId": "u-1", "Ip": "192.0.2.7"},
}


@dataclass
class ReviewServer:
    url: str
    cert: Path
    seen: list[dict[str, Any]] = field(default_factory=list)
    transports: dict[int, asyncio.BaseTransport] = field(default_factory=dict)
    answer: Callable[[dict[str, Any]], Any] | None = None
    stall: asyncio.Event = field(default_factory=asyncio.Event)

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture
async def review_server(tmp_path: Path) -> AsyncIterator[ReviewServer]:
    cert, key = make_certificate(tmp_path)
    server = ReviewServer(url="", cert=cert)

    async def review(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            verify(SECRET, body, request.headers.get(SIGNATURE_HEADER), time.time())
        except SignatureRefused:
            return web.json_response({"message": "bad signature"}, status=401)
        assert request.transport is not None
        server.transports[id(request.transport)] = request.transport
        payload = json.loads(body)
        server.seen.append(payload)
        if server.answer is not None:
            reply = server.answer(payload)
            return await reply if inspect.isawaitable(reply) else reply
        verdict = "DENY" if "scam" in payload["Content"] else "ALLOW"
        return web.json_response({"ReviewResult": verdict, "Attributes": {"Reason": "x"}})

    app = web.Application()
    app.router.add_post("/api/review", review)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    server.url = f"https://127.0.0.1:{runner.addresses[0][1]}/api/review"
    try:
        yield server
    finally:
        server.stall.set()
        await runner.cleanup()


def forwarder_for(server: ReviewServer, **options: Any) -> Forwarder:
    return Forwarder(server.url, SECRET, context=server.context(), **options)


async def test_it_signs_forwards_and_returns_the_servers_answer(
    review_server: ReviewServer,
) -> None:
    forwarder = forwarder_for(review_server)
    allowed = await asyncio.to_thread(forwarder.review, PAYLOAD)
    denied = await asyncio.to_thread(forwarder.review, {**PAYLOAD, "Content": "buy a scam"})
    assert allowed["ReviewResult"] == "ALLOW"
    assert denied == {"ReviewResult": "DENY", "Attributes": {"Reason": "x"}}
    assert review_server.seen[0] == PAYLOAD


async def test_one_tls_connection_serves_every_call(review_server: ReviewServer) -> None:
    forwarder = forwarder_for(review_server)
    for _ in range(5):
        await asyncio.to_thread(forwarder.review, PAYLOAD)
    assert len(review_server.seen) == 5
    assert len(review_server.transports) == 1


async def test_a_connection_the_server_closed_is_replaced_within_the_call(
    review_server: ReviewServer,
) -> None:
    forwarder = forwarder_for(review_server)
    await asyncio.to_thread(forwarder.review, PAYLOAD)
    for transport in review_server.transports.values():
        transport.close()
    answer = await asyncio.to_thread(forwarder.review, PAYLOAD)
    assert answer["ReviewResult"] == "ALLOW"
    assert len(review_server.seen) == 2
    assert len(review_server.transports) == 2


async def test_a_server_that_does_not_answer_ends_in_failure_not_a_hang(
    review_server: ReviewServer,
) -> None:
    async def stall(payload: dict[str, Any]) -> web.StreamResponse:
        await review_server.stall.wait()
        return web.json_response({"ReviewResult": "ALLOW"})

    review_server.answer = stall
    with pytest.raises(ForwardFailed, match="no answer"):
        await asyncio.to_thread(forwarder_for(review_server).review, PAYLOAD)


@pytest.mark.parametrize(
    "reply",
    [
        lambda: web.json_response({"ReviewResult": "MAYBE"}),
        lambda: web.Response(text="not json", content_type="application/json"),
        lambda: web.json_response({"message": "down"}, status=503),
    ],
    ids=["unknown result", "not json", "503"],
)
async def test_an_answer_ivs_would_not_take_is_a_failure(
    review_server: ReviewServer, reply: Callable[[], web.StreamResponse]
) -> None:
    review_server.answer = lambda payload: reply()
    with pytest.raises(ForwardFailed):
        await asyncio.to_thread(forwarder_for(review_server).review, PAYLOAD)


def test_a_url_that_is_not_http_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="https:// URL"):
        Forwarder("ftp://example.com/api/review", SECRET)
    with pytest.raises(ValueError, match="REVIEW_SECRET"):
        Forwarder("https://example.com/api/review", "")


async def test_the_zip_runs_on_the_standard_library_alone(
    review_server: ReviewServer, tmp_path: Path
) -> None:
    archive = build(tmp_path / "handler.zip")
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == ["forwarder.py", "review_signature.py"]
        opened.extractall(tmp_path / "lambda")
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import forwarder;"
        "print(json.dumps(forwarder.lambda_handler(json.loads(sys.argv[2]), None)))"
    )
    env = {
        "REVIEW_URL": review_server.url,
        "REVIEW_SECRET": SECRET,
        "SSL_CERT_FILE": str(review_server.cert),
    }
    # -I -S: no site-packages, no environment-driven imports: what Lambda's runtime has.
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-I", "-S", "-c", script, str(tmp_path / "lambda"), json.dumps(PAYLOAD)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ReviewResult"] == "ALLOW"
    assert review_server.seen == [PAYLOAD]


def test_the_package_command_writes_the_zip_where_asked(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "review-handler", "package", "--out", "out/h.zip"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "forwarder.lambda_handler" in done.stdout
    with zipfile.ZipFile(tmp_path / "out" / "h.zip") as opened:
        assert "forwarder.py" in opened.namelist()
    # Built twice, the zip is the same bytes: a deploy is only a change when the code is.
    assert build(tmp_path / "a.zip").read_bytes() == build(tmp_path / "b.zip").read_bytes()
