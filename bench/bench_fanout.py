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
10, 100 and 1000 clients. Bounded: about 5 s per row.
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

_SERVE = """
import asyncio, resource, sys
from tui.emulator import Emulator, EmulatorConfig
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
async def main():
    emulator = Emulator(EmulatorConfig(token_ttl_seconds=600))
    await emulator.start("127.0.0.1", 0)
    print(emulator.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await emulator.stop()
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


def _scenario(host: str, port: int, clients: int, server_pid: int) -> dict[str, Any]:
    api = Api(host, port)
    room = api.call(
        "CreateRoom", {"name": f"fanout-{clients}", "maximumMessageRatePerSecond": RATE}
    )
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
    expected = count * clients
    deadline = time.monotonic() + DRAIN_SECONDS
    while len(receivers.arrival_ns) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    receivers.stop()
    echoes.stop()

    arrival = sorted(receivers.arrival_ns)
    read = sorted(receivers.read_ns)
    accepted = len(echoes.arrival_ns)
    return {
        "clients": clients,
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


def run() -> dict[str, Any]:
    _raise_open_files_limit()
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=_ROOT,
        env={**os.environ, "PYTHONPATH": str(_ROOT)},
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the emulator process did not start")
        host, port = url.removeprefix("http://").rsplit(":", 1)
        rows = []
        for clients in CLIENT_COUNTS:
            rows.append(_scenario(host, int(port), clients, server.pid))
            print(f"  fanout {rows[-1]}", file=sys.stderr, flush=True)
        return {"fanout": rows}
    finally:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
