"""HTTP/1.1 requests to one server with the standard library, for the TUI's app server
client (tui/client/app_server.py): blocking `http.client` calls, each run in a worker thread,
over keep-alive connections kept between calls.

No asyncio here and no words for the user: a failure is raised as `http.client` and the
socket raise it (an `OSError`, `TimeoutError` included, or an `HTTPException`), and the
client says what it means.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult

IDLE_REUSE_S: Final = 10.0
"""An idle connection older than this is closed, not reused: servers and proxies close
idle keep-alive connections after a while (aiohttp's web server after 75 s)."""
_CLOSED_BY_SERVER = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
"""What a request on a kept connection the server has since closed fails with."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    text: str


class HttpConnections:
    """Requests to the server at `url` (its scheme, host, port and path prefix), one at a
    time per connection; idle connections are kept for the next request. Thread-safe."""

    def __init__(self, url: SplitResult, timeout: float) -> None:
        if url.hostname is None:
            raise ValueError(f"no host in {url.geturl()!r}")
        self._https = url.scheme == "https"
        self._host = url.hostname
        self._port = url.port
        self._prefix = url.path.rstrip("/")
        self._timeout = timeout
        self._lock = threading.Lock()
        self._idle: list[tuple[http.client.HTTPConnection, float]] = []
        self._busy: set[http.client.HTTPConnection] = set()
        self._tls: ssl.SSLContext | None = None
        self._closed = False

    def exchange(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Answer:
        """`method path` and the whole answer. Blocks: run it in a worker thread."""
        while True:
            connection, reused = self._take()
            try:
                answer, keep = self._send(connection, method, path, body, headers)
            except _CLOSED_BY_SERVER:
                self._drop(connection)
                if reused:
                    continue  # the server had closed it while idle: on a new connection
                raise
            except BaseException:
                self._drop(connection)
                raise
            if keep:
                self._give_back(connection)
            else:
                self._drop(connection)
            return answer

    def open_stream(
        self, path: str, headers: dict[str, str], read_timeout: float
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """`GET path` on a connection of its own, for an answer read as it arrives (an
        event stream): the connection and the response, its head read. Reads then wait
        up to `read_timeout` each. Blocks: run it in a worker thread. The caller closes
        the connection."""
        connection = self._new()
        try:
            connection.request("GET", self._prefix + path, headers=headers)
            response = connection.getresponse()
            if connection.sock is not None:
                connection.sock.settimeout(read_timeout)
        except BaseException:
            connection.close()
            raise
        return connection, response

    def close(self) -> None:
        """Close every connection; a request under way fails at once (its socket is shut
        down), so no worker thread outlives the client by a timeout."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
        for connection, _since in idle:
            connection.close()
        for connection in busy:
            sock = connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _send(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> tuple[Answer, bool]:
        connection.request(method, self._prefix + path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        charset = response.headers.get_content_charset() or "utf-8"
        try:
            text = data.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            text = data.decode("utf-8", errors="replace")
        return Answer(response.status, text), not response.will_close

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        """A connection for one request, and whether it was used before."""
        with self._lock:
            now = time.monotonic()
            while self._idle:
                connection, since = self._idle.pop()
                if now - since < IDLE_REUSE_S:
                    self._busy.add(connection)
                    return connection, True
                connection.close()
            connection = self._new()
            self._busy.add(connection)
            return connection, False

    def _new(self) -> http.client.HTTPConnection:
        if not self._https:
            return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        if self._tls is None:
            # Made at the first https request, not before: the system's trust store as
            # SSL_CERT_FILE and SSL_CERT_DIR say then, so a private CA works.
            self._tls = ssl.create_default_context()
        return http.client.HTTPSConnection(
            self._host, self._port, timeout=self._timeout, context=self._tls
        )

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._busy.discard(connection)
            if not self._closed:
                self._idle.append((connection, time.monotonic()))
                return
        connection.close()

    def _drop(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._busy.discard(connection)
        connection.close()


__all__ = ["IDLE_REUSE_S", "Answer", "HttpConnections"]
