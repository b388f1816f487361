"""url_host: what a URL calls the address a server listens on."""

from __future__ import annotations

import pytest

from tui.common.hosts import url_host


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),
        ("", "127.0.0.1"),
        ("::", "[::1]"),
        ("::1", "[::1]"),
        ("fe80::1%eth0", "[fe80::1%eth0]"),
        ("[::1]", "[::1]"),
        ("chat.example.com", "chat.example.com"),
    ],
)
def test_url_host(host: str, shown: str) -> None:
    assert url_host(host) == shown
