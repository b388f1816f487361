"""Fan-out: one sender at the room's maximum rate, N receivers, send-to-receive latency.

The emulator runs in its own process. The sender and the N receivers share this
process: receivers are plain non-blocking sockets on one epoll, read by one thread, and
speak just enough WebSocket to read server frames, so the harness costs as little CPU as
it can on a 2-core machine that the emulator also needs.

Every message's Content is "<seq>:<time.time_ns() at send>". Two latencies are taken:
- `p50_ms`/`p99_ms`: send to arrival in the receiver's socket, from the kernel's receive
  timestamp (SO_TIMESTAMPNS, the same CLOCK_REALTIME as the stamp). This is the
  emulator's fan-out latency, free of how long this harness takes to get round to
  reading each of 1000 sockets.
- `p99_ms_read`: send to the moment the harness read the frame (includes the harness).

Returns {"fanout": [{clients, msgs_per_s, deliveries_per_s, p50_ms, p99_ms, ...}]} for
10, 100 and 1000 clients, then 100 clients again with the room's message review handler
on (`"review": true`): each message first goes to a trivial ALLOW handler, an aiohttp
server in a process of its own on loopback, as the stack calls a mapped Lambda; IVS's
200 ms review timeout stays. Bounded: about 5 s per row.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import resource
import secrets
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

CLIENT_COUNTS = (10, 100, 1000)
RATE = 100  # the room maximum, messages per second
SEND_SECONDS = 4.0
DRAIN_SECONDS = 2.0
SO_TIMESTAMPNS = 35  # Linux; the socket module does not name it
_TIMESPEC = struct.Struct("@ll")
_CONTENT = b'"Content":"'
_ROOT = Path(__file__).resolve().parent.parent

REVIEW_CLIENTS = 100
REVIEW_ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench-allow"

_SERVE = """
import asyncio, json, resource, sys
from tui.emulator import Emulator, EmulatorConfig
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
async def main():
    emulator = Emulator(
        EmulatorConfig(token_ttl_seconds=600, review_handlers=json.loads(sys.argv[1]))
    )
    await emulator.start("127.0.0.1", 0)
    print(emulator.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await emulator.stop()
asyncio.run(main())
"""

# A review handler that allows every message, as cheaply as aiohttp can answer.
_ALLOW = """
import asyncio, sys
from aiohttp import web
ANSWER = b'{"ReviewResult":"ALLOW"}'
async def allow(request):
    await request.read()
    return web.Response(body=ANSWER, content_type="application/json")
async def main():
    app = web.Application()
    app.router.add_post("/review", allow)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}/review", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()
asyncio.run(main())
"""


def _raise_open_files_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Api:
    """The few control-plane calls the benchmark needs, over one keep-alive connection."""

    def __init__(self, host: str, port: int) -> None:
        self._conn = http.client.HTTPConnection(host, port, timeout=30)
        self._url = f"http://{host}:{port}"

    def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        # Signed as boto3 signs, with the local stack's default "test" secret.
        data = json.dumps(body).encode()
        request = AWSRequest(
            "POST", f"{self._url}/{operation}", {"Content-Type": "application/json"}, data
        )
        SigV4Auth(Credentials("test", "test"), "ivschat", "us-east-1").add_auth(request)
        self._conn.request("POST", f"/{operation}", data, dict(request.headers))
        response = self._conn.getresponse()
        answer = json.loads(response.read() or b"{}")
        if response.status != 200:
            raise RuntimeError(f"{operation}: {response.status} {answer}")
        return answer

    def close(self) -> None:
        self._conn.close()


def open_socket(host: str, port: int, token: str) -> tuple[socket.socket, bytes]:
    """A messaging WebSocket after its handshake, and any bytes read past the headers."""
    sock = socket.create_connection((host, port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    sock.sendall(
        f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: {token}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        head += chunk
    headers, rest = head.split(b"\r\n\r\n", 1)
    if not headers.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(headers.decode(errors="replace"))
    return sock, rest


def masked_text_frame(text: str) -> bytes:
    payload = text.encode()
    assert len(payload) < 126
    mask = secrets.token_bytes(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


class Receivers:
    """N sockets on one epoll, read by one thread; records both latencies per frame."""

    def __init__(self) -> None:
        self.arrival_ns: list[int] = []
        self.read_ns: list[int] = []
        self.errors = 0
        self._poll = select.epoll()
        self._socks: dict[int, socket.socket] = {}
        self._buffers: dict[int, bytearray] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def add(self, sock: socket.socket, rest: bytes) -> None:
        sock.setblocking(False)
        fd = sock.fileno()
        self._socks[fd] = sock
        self._buffers[fd] = bytearray(rest)
        self._poll.register(fd, select.EPOLLIN)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self._socks.values():
            sock.close()
        self._poll.close()

    def _run(self) -> None:
        space = socket.CMSG_SPACE(_TIMESPEC.size)
        while not self._stop.is_set():
            for fd, _ in self._poll.poll(0.05):
                try:
                    data, ancillary, _, _ = self._socks[fd].recvmsg(1 << 18, space)
                except BlockingIOError:
                    continue
                if not data:
                    self._poll.unregister(fd)
                    continue
                arrived = 0
                for level, kind, value in ancillary:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                        seconds, nanos = _TIMESPEC.unpack(value[: _TIMESPEC.size])
                        arrived = seconds * 1_000_000_000 + nanos
                buf = self._buffers[fd]
                buf += data
                self._frames(buf, arrived, time.time_ns())

    def _frames(self, buf: bytearray, arrived: int, read: int) -> None:
        pos, size = 0, len(buf)
        while size - pos >= 2:
            length, head = buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if size - pos < head + length:
                break
            start, pos = pos + head, pos + head + length
            at = buf.find(_CONTENT, start, pos)
            if at < 0:
                self.errors += buf.find(b'"ERROR"', start, pos) >= 0
                continue
            colon = buf.find(b":", at + len(_CONTENT), pos)
            sent = int(buf[colon + 1 : buf.find(b'"', colon, pos)])
            self.arrival_ns.append((arrived or read) - sent)
            self.read_ns.append(read - sent)
        del buf[:pos]


def _percentile(ordered: list[int], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6, 2)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _scenario(
    host: str, port: int, clients: int, server_pid: int, *, review_pid: int | None = None
) -> dict[str, Any]:
    """One row; with `review_pid` (the ALLOW handler's process), the room has a review
    handler."""
    review = review_pid is not None
    api = Api(host, port)
    settings: dict[str, Any] = {"name": f"fanout-{clients}", "maximumMessageRatePerSecond": RATE}
    if review:
        settings["messageReviewHandler"] = {"uri": REVIEW_ARN}
    room = api.call("CreateRoom", settings)
    tokens = [
        api.call(
            "CreateChatToken",
            {"roomIdentifier": room["arn"], "userId": f"user{i}", "capabilities": ["SEND_MESSAGE"]},
        )["token"]
        for i in range(clients + 1)
    ]
    api.close()
    receivers = Receivers()
    for token in tokens[:clients]:
        receivers.add(*open_socket(host, port, token))
    sender, _ = open_socket(host, port, tokens[-1])
    receivers.start()
    # The sender's own echoes and any ERROR answers are read by a thread of their own.
    echoes = Receivers()
    echoes.add(sender, b"")
    echoes.start()
    time.sleep(0.2)

    count = int(SEND_SECONDS * RATE)
    cpu_before = (_cpu_seconds(server_pid), _own_cpu_seconds())
    handler_before = _cpu_seconds(review_pid) if review_pid else 0.0
    began = time.perf_counter()
    for seq in range(count):
        delay = began + seq / RATE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        frame = (
            f'{{"Action":"SEND_MESSAGE","RequestId":"r{seq}","Content":"{seq}:{time.time_ns()}"}}'
        )
        os.write(sender.fileno(), masked_text_frame(frame))
    sent_seconds = time.perf_counter() - began
    emulator_cpu = _cpu_seconds(server_pid) - cpu_before[0]
    harness_cpu = _own_cpu_seconds() - cpu_before[1]
    handler_cpu = _cpu_seconds(review_pid) - handler_before if review_pid else 0.0
    expected = count * clients
    deadline = time.monotonic() + DRAIN_SECONDS
    while len(receivers.arrival_ns) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    receivers.stop()
    echoes.stop()

    arrival = sorted(receivers.arrival_ns)
    read = sorted(receivers.read_ns)
    accepted = len(echoes.arrival_ns)
    row: dict[str, Any] = {
        "clients": clients,
        "review": review,
        "msgs_per_s": round(accepted / sent_seconds, 1),
        "deliveries_per_s": round(len(arrival) / sent_seconds, 1),
        "p50_ms": _percentile(arrival, 0.50),
        "p99_ms": _percentile(arrival, 0.99),
        "max_ms": _percentile(arrival, 1.0),
        "p99_ms_read": _percentile(read, 0.99),
        "delivered": len(arrival),
        "expected": expected,
        "rejected": echoes.errors,
        "emulator_cpu_pct": round(100 * emulator_cpu / sent_seconds),
        "harness_cpu_pct": round(100 * harness_cpu / sent_seconds),
    }
    if review:
        row["review_handler_cpu_pct"] = round(100 * handler_cpu / sent_seconds)
    return row


def _start(script: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    """A Python process running `script`, and the URL it prints first."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=_ROOT,
        env={**os.environ, "PYTHONPATH": str(_ROOT)},
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        _stop(proc)
        raise RuntimeError("a benchmark process did not start")
    return proc, url


def _stop(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run() -> dict[str, Any]:
    _raise_open_files_limit()
    handler, review_url = _start(_ALLOW)
    try:
        server, url = _start(_SERVE, json.dumps({REVIEW_ARN: review_url}))
        try:
            host, port = url.removeprefix("http://").rsplit(":", 1)
            rows = []
            for clients in CLIENT_COUNTS:
                rows.append(_scenario(host, int(port), clients, server.pid))
                print(f"  fanout {rows[-1]}", file=sys.stderr, flush=True)
            rows.append(
                _scenario(host, int(port), REVIEW_CLIENTS, server.pid, review_pid=handler.pid)
            )
            print(f"  fanout, review handler on {rows[-1]}", file=sys.stderr, flush=True)
            return {"fanout": rows}
        finally:
            _stop(server)
    finally:
        _stop(handler)


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
