"""A listening address as a URL names it (stdlib only: the app server and the local stack
both use it).

A server bound to a wildcard address (`0.0.0.0`, `::`, or "" for every address) is not
reachable *at* that address from every client, so its URL names loopback instead; an IPv6
literal goes in brackets (RFC 3986 §3.2.2).
"""

from __future__ import annotations

_WILDCARD_V4 = ("", "0.0.0.0")
_WILDCARD_V6 = "::"


def url_host(host: str) -> str:
    """`host` as the host part of a URL: `0.0.0.0` and "" become `127.0.0.1`, `::`
    becomes `[::1]`, another IPv6 address `[addr]`; names and IPv4 stay as they are."""
    shown = "127.0.0.1" if host in _WILDCARD_V4 else "::1" if host == _WILDCARD_V6 else host
    return f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown


__all__ = ["url_host"]
