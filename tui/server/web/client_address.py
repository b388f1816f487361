"""Who is asking: the client's address, through the reverse proxies the operator trusts.

Behind a TLS proxy every request comes from the proxy's address, so per-address budgets
and address bans would treat the whole audience as one client. With `--trusted-proxy
CIDR`, a request from a trusted address is taken at its word about the hops before it:
the client is the rightmost hop in `Forwarded` (RFC 7239) or `X-Forwarded-For` that is
not itself a trusted proxy. Everything to the left of that hop was written by the client,
so it counts for nothing. Without trusted proxies both headers are ignored: anyone can
send them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_FOR = re.compile(r'(?:^|;)\s*for\s*=\s*("[^"]*"|[^;,\s]+)', re.IGNORECASE)


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """`--trusted-proxy` values as networks; `ValueError` in words for a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"trusted proxy {value!r} is not an address or CIDR range "
                "such as 10.0.0.5 or 10.0.0.0/8"
            ) from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    """A hop as written in either header: bare, "quoted", [IPv6]:port or IPv4:port."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def forwarded_hops(forwarded: Sequence[str], x_forwarded_for: Sequence[str]) -> list[str]:
    """The hops the proxies say came before them, leftmost first: `Forwarded` when the
    request has one, else `X-Forwarded-For`. Several headers of a kind read as one list."""
    if forwarded:
        hops = []
        for header in forwarded:
            for element in header.split(","):
                match = _FOR.search(element)
                hops.append(match.group(1) if match else "")
        return hops
    return [hop for header in x_forwarded_for for hop in header.split(",")]


def client_address(
    peer: str | None,
    trusted: Sequence[Network],
    forwarded: Sequence[str] = (),
    x_forwarded_for: Sequence[str] = (),
) -> str:
    """The address to count and ban for a request from `peer` carrying these headers."""
    if not peer:
        return "unknown"
    if not trusted:
        return peer
    current = _address(peer)
    if current is None or not any(current in net for net in trusted):
        return peer
    for hop in reversed(forwarded_hops(forwarded, x_forwarded_for)):
        address = _address(hop)
        if address is None:
            # Unreadable: not written by a trusted proxy, so the trusted hop to its
            # right is as far as the chain can be believed.
            break
        current = address
        if not any(address in net for net in trusted):
            return str(address)
    return str(current)


__all__ = ["Network", "client_address", "forwarded_hops", "parse_networks"]
