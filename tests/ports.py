"""Loopback ports for the tests that need nothing to be listening."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A loopback port nothing listens on: the OS just handed it out and took it back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
