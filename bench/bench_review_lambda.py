"""The review forwarder's round trip: what the Lambda adds on top of the app server's own
decision, measured here over TLS on loopback.

A server on a background thread answers ALLOW after checking the signature, as the app
server's route does before deciding. `cold` is a new forwarder's first call (TCP and TLS
handshakes included: a Lambda's first invocation after a deploy or a scale-out); `warm`
is every call after it, on the kept connection (what a busy room sees).

On AWS add the network between the Lambda and the server: about 1 ms a round trip within
a region (so warm calls stay well inside IVS's 200 ms), 60-150 ms across regions (so put
the Lambda and the server in the same region), and a cold start of the Lambda itself
(about 100-200 ms for a small Python function), which the fallback covers.

    .venv/bin/python -m bench.bench_review_lambda
"""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.certificates import make_certificate
from tui.common.review_signature import SIGNATURE_HEADER, verify
from tui.server.review_lambda.forwarder import Forwarder

SECRET = "bench-secret"
WARM_CALLS = 1_000
COLD_CALLS = 20
PAYLOAD = {
    "Content": "gg that was a great play, see you all next stream!",
    "MessageId": "abcdefghijkl",
    "RoomArn": "arn:aws:ivschat:us-east-1:123456789012:room/abcdefghijkl",
    "Attributes": {},
    "Sender": {"Attributes": {"displayName": "Ada"}, "UserId": "u-1", "Ip": "192.0.2.7"},
}


def _serve(cert: Path, key: Path, ready: threading.Event, box: dict[str, Any]) -> None:
    async def review(request: web.Request) -> web.Response:
        body = await request.read()
        verify(SECRET, body, request.headers.get(SIGNATURE_HEADER), time.time())
        json.loads(body)
        return web.json_response({"ReviewResult": "ALLOW"})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/api/review", review)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls).start()
        box["url"] = f"https://127.0.0.1:{runner.addresses[0][1]}/api/review"
        box["stop"] = asyncio.Event()
        box["loop"] = asyncio.get_running_loop()
        ready.set()
        await box["stop"].wait()
        await runner.cleanup()

    asyncio.run(main())


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (
        round(statistics.median(ordered) * 1000, 2),
        round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
    )


def run() -> dict[str, Any]:
    if shutil.which("openssl") is None:
        return {"review_forwarder_warm_p99_ms": "no openssl"}
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = make_certificate(Path(tmp))
        ready, box = threading.Event(), {}
        server = threading.Thread(target=_serve, args=(cert, key, ready, box), daemon=True)
        server.start()
        ready.wait(10)
        context = ssl.create_default_context(cafile=str(cert))
        try:
            cold = []
            for _ in range(COLD_CALLS):
                forwarder = Forwarder(box["url"], SECRET, context=context, budget=5.0)
                started = time.perf_counter()
                forwarder.review(PAYLOAD)
                cold.append(time.perf_counter() - started)
            warm = []
            for _ in range(WARM_CALLS):
                started = time.perf_counter()
                forwarder.review(PAYLOAD)
                warm.append(time.perf_counter() - started)
        finally:
            box["loop"].call_soon_threadsafe(box["stop"].set)
            server.join(10)
    warm_p50, warm_p99 = _ms(warm)
    cold_p50, _ = _ms(cold)
    return {
        "review_forwarder_warm_p50_ms": warm_p50,
        "review_forwarder_warm_p99_ms": warm_p99,
        "review_forwarder_cold_ms": cold_p50,
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
