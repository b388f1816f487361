"""The client's address through trusted proxies: the rightmost untrusted hop, never a
hop the client could have written, and no header believed from an untrusted peer."""

from __future__ import annotations

import pytest

from tui.server.web.client_address import client_address, parse_networks

PROXY = parse_networks(["10.0.0.0/8", "fd00::/8"])


def test_without_trusted_proxies_the_headers_are_ignored() -> None:
    assert client_address("203.0.113.9", (), x_forwarded_for=["198.51.100.1"]) == "203.0.113.9"
    assert client_address("203.0.113.9", (), forwarded=["for=198.51.100.1"]) == "203.0.113.9"


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client() -> None:
    assert client_address("203.0.113.9", PROXY, x_forwarded_for=["1.2.3.4"]) == "203.0.113.9"


@pytest.mark.parametrize(
    ("xff", "client"),
    [
        (["198.51.100.7"], "198.51.100.7"),
        # The client wrote 1.1.1.1 itself; the proxy appended what it saw.
        (["1.1.1.1, 198.51.100.7"], "198.51.100.7"),
        (["1.1.1.1", "198.51.100.7"], "198.51.100.7"),
        # Two proxies of ours in a row.
        (["1.1.1.1, 198.51.100.7, 10.1.2.3"], "198.51.100.7"),
        (["198.51.100.7:5555"], "198.51.100.7"),
        (["garbage, 198.51.100.7"], "198.51.100.7"),
        # Nothing readable said: the proxy itself is all that is known.
        (["not-an-address"], "10.0.0.2"),
        ([], "10.0.0.2"),
    ],
)
def test_x_forwarded_for_gives_the_rightmost_untrusted_hop(xff: list[str], client: str) -> None:
    assert client_address("10.0.0.2", PROXY, x_forwarded_for=xff) == client


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        (["for=198.51.100.7;proto=https"], "198.51.100.7"),
        (['for="[2001:db8::1]:4711"'], "2001:db8::1"),
        (["for=1.1.1.1, for=198.51.100.7;by=10.0.0.2"], "198.51.100.7"),
        (['For="198.51.100.7:80"'], "198.51.100.7"),
        (["for=1.1.1.1, for=198.51.100.7, for=10.9.9.9"], "198.51.100.7"),
    ],
)
def test_forwarded_gives_the_rightmost_untrusted_hop(forwarded: list[str], client: str) -> None:
    assert client_address("10.0.0.2", PROXY, forwarded=forwarded) == client


def test_forwarded_wins_over_x_forwarded_for() -> None:
    got = client_address(
        "10.0.0.2", PROXY, forwarded=["for=198.51.100.7"], x_forwarded_for=["203.0.113.1"]
    )
    assert got == "198.51.100.7"


def test_a_bad_trusted_proxy_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match="not an address or CIDR range"):
        parse_networks(["10.0.0.0/33"])
