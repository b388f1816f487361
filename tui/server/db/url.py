"""A Postgres URL in words that never show its password: in the banner, a log line or an
error, whether the URL is well formed or not.

The driver's own words about a URL it cannot read quote the part it choked on, and that
part is often the password (`invalid percent-encoded token: "DbS3%cretPw"`) or the whole
URL (an unclosed `[`). So every message about a URL goes through `masked`: the password,
as written and as decoded, becomes `***`, and so does any quoted token that is not
part of the URL with its password taken out. `url_problem` says what is wrong with a URL
before the driver ever sees it, in words that quote nothing of it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'')
_QUERY_PASSWORD = re.compile(r"(?:^|&)password=([^&]*)")
# What the driver cannot take unencoded in a user name or password (it takes the rest).
_USERINFO_BAD = re.compile(r"%(?![0-9A-Fa-f]{2})|[@/\[\]\s\x00-\x1f\x7f]")
ENCODE_HINT = (
    "percent-encode these characters in the user name and password: % as %25, @ as %40, "
    "/ as %2F, ? as %3F, [ as %5B, ] as %5D, space as %20"
)


def _split(url: str) -> tuple[str, str | None, str]:
    """(scheme://, userinfo or None, the rest), leniently: the userinfo runs to the last
    '@' before the query, as a person who did not encode an '@' or '/' meant it."""
    scheme = _SCHEME.match(url)
    if scheme is None:
        return "", None, url
    rest = url[scheme.end() :]
    head, question, query = rest.partition("?")
    userinfo, at, host_and_path = head.rpartition("@")
    if not at:
        return scheme.group(), None, rest
    return scheme.group(), userinfo, host_and_path + question + query


def _secrets(url: str) -> list[str]:
    """Every form of a password the URL may hold, longest first."""
    found: set[str] = set()
    _, userinfo, rest = _split(url)
    if userinfo is not None:
        _, colon, password = userinfo.partition(":")
        if colon and password:
            found.add(password)
    _, _, query = rest.partition("?")
    found.update(m.group(1) for m in _QUERY_PASSWORD.finditer(query) if m.group(1))
    try:
        from psycopg.conninfo import conninfo_to_dict

        parsed = conninfo_to_dict(url).get("password")
    except Exception:  # any driver complaint: the lenient forms above remain
        parsed = None
    if isinstance(parsed, str) and parsed:
        found.add(parsed)
    found.update({unquote(s) for s in found} | {s.replace("+", " ") for s in found})
    return sorted((s for s in found if s), key=len, reverse=True)


def _public(url: str) -> str:
    """The URL with its user name's password taken out (and any query password)."""
    scheme, userinfo, rest = _split(url)
    user = "" if userinfo is None else userinfo.partition(":")[0] + "@"
    return scheme + user + _QUERY_PASSWORD.sub("", rest)


def masked(text: str, url: str | None) -> str:
    """`text` (a driver's error, a log line) with no trace of `url`'s password: each form
    of it, and each quoted token that is not part of the URL without its password."""
    if not url:
        return text
    for secret in _secrets(url):
        text = text.replace(secret, MASK)
    public = _public(url)

    def quoted(match: re.Match[str]) -> str:
        token = match.group()
        inner = token[1:-1]
        if inner in public or (len(inner) == 1 and not inner.isalnum()):  # a "]" it wants
            return token
        return token[0] + MASK + token[-1]

    return _QUOTED.sub(quoted, text)


def url_problem(url: str) -> str | None:
    """Why the driver cannot take `url` as meant, in words quoting none of it; None when
    it can."""
    _, userinfo, _ = _split(url)
    if userinfo is not None and _USERINFO_BAD.search(userinfo):
        return f"the user name or password holds a character the URL must encode: {ENCODE_HINT}"
    try:
        from psycopg.conninfo import conninfo_to_dict

        conninfo_to_dict(url)
    except Exception as exc:
        words = masked(str(exc).strip(), url)
        return f"the driver cannot read it ({words}); if the password is the cause, {ENCODE_HINT}"
    return None


def redacted(url: str) -> str:
    """A database URL fit for a log line, a banner or an error: no password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:
        return "the database URL (unreadable)"
    host = str(info.get("host") or "localhost")
    if "@" in host:  # an '@' of the password, not encoded: the driver took it for the host
        host = MASK
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    return masked(f"postgresql://{user}{host}{port}/{info.get('dbname') or ''}", url)
