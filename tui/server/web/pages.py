"""The stage page (`GET /multihost/<broadcastType>/<stage>?code=…`) and its error page.

Every value put into HTML goes through `html.escape` first (`_e`): names and ids come
from other people. Scripts and styles are inline with a per-response CSP nonce, the only
outside script is the pinned IVS Web Broadcast SDK from its official CDN, and the token
travels in an escaped data attribute, never in script source.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from string import Template

from tui.common.roles import Role
from tui.server.models import StageParticipant
from tui.server.stage.invitations import StageLink

WEB_BROADCAST_SDK_VERSION = "1.36.0"
WEB_BROADCAST_SDK_URL = (
    f"https://web-broadcast.live-video.net/{WEB_BROADCAST_SDK_VERSION}/amazon-ivs-web-broadcast.js"
)
PARTICIPANTS_PATH = "/api/multihost/participants"
LOCAL_JOIN_PATH = "/api/multihost/stage/join"
LOCAL_LEAVE_PATH = "/api/multihost/stage/leave"


def _static(name: str) -> str:
    return (files("tui.server.web") / "static" / name).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    body: str
    headers: dict[str, str]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _headers(nonce: str, *, sdk: bool) -> dict[str, str]:
    script = f"'nonce-{nonce}'" + (" https://web-broadcast.live-video.net" if sdk else "")
    # The SDK talks to IVS over https and wss, and decodes media in blob workers.
    connect = "'self' https: wss:" if sdk else "'self'"
    csp = (
        f"default-src 'none'; script-src {script}; style-src 'nonce-{nonce}'; "
        f"connect-src {connect}; media-src 'self' blob: mediastream:; img-src 'self' data:; "
        f"worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        # The page holds a participant token: keep it out of caches and Referer headers.
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


_STYLE = _static("stage.css")

_ONE_TOKEN = (
    "Use this token in one place at a time: in this browser <em>or</em> in OBS. The browser "
    "and OBS cannot share one token: the stage keeps one connection per token, so whichever "
    "joins second knocks the other off."
)

# Shown by stage-sdk.js when the browser withholds the camera and microphone because the
# page is not a secure context (browsers expose navigator.mediaDevices only on HTTPS or
# on localhost). The server cannot tell: behind a TLS proxy it sees plain HTTP itself.
_INSECURE = (
    '<div id="insecure" class="error" hidden><strong>This page is not on HTTPS, so your '
    "browser will not let it use your camera or microphone.</strong> Browsers offer them only "
    "to pages served over https:// (or from this same computer). Ask the broadcaster to serve "
    "the app over HTTPS, with <code>serve --tls-cert FILE --tls-key FILE</code> or behind a "
    "TLS reverse proxy, and to send a new invitation. Until then you can join to watch and "
    "listen, or go on stage from OBS with the WHIP settings below.</div>"
)

_LIST_SCRIPT = _static("stage-list.js")

_LOCAL_SCRIPT = _static("stage-local.js")

_SDK_SCRIPT = _static("stage-sdk.js")

_DOCUMENT = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>$title</title>
<style nonce="$nonce">$style</style>
$head
</head>
<body>
<main>
$body
</main>
$scripts
</body>
</html>
""")


def _document(title: str, body: str, nonce: str, *, head: str = "", scripts: str = "") -> str:
    return _DOCUMENT.substitute(
        title=_e(title), nonce=nonce, style=_STYLE, head=head, body=body, scripts=scripts
    )


def _participant_items(participants: Sequence[StageParticipant], me: str) -> str:
    """Everyone connected, the broadcaster included; stage-list.js renders the same."""
    on = [p for p in participants if p.state == "CONNECTED"]
    if not on:
        return "<li>Nobody is on the stage yet.</li>"
    return "\n".join(
        f'<li>{_e(p.display_name or p.user_id)} <span class="state">({_e(p.user_id)})</span>'
        + (' <span class="host">host</span>' if p.role is Role.BROADCASTER else "")
        + (' <span class="you">you</span>' if p.user_id == me else "")
        + "</li>"
        for p in on
    )


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def stage_page(link: StageLink, participants: Sequence[StageParticipant] | None) -> Page:
    """The page for a valid link: local stand-in, or the web SDK on AWS."""
    nonce = secrets.token_urlsafe(16)
    invite = link.invite
    header = (
        f"<h1>On stage: {_e(invite.stage_name)}</h1>\n"
        # Worded for guests and for the broadcaster's own stage link alike.
        f'<p class="sub">You join as {_e(link.display_name)} ({_e(invite.user_id)}). '
        f"This link's invitation is valid until {_e(_when(invite.expires_at))}.</p>"
    )
    data = (
        f'<div id="stage" data-token="{_e(invite.participant_token)}" '
        f'data-user="{_e(invite.user_id)}" data-role="{_e(link.role)}" '
        f'data-participants="{_e(PARTICIPANTS_PATH)}" data-join="{_e(LOCAL_JOIN_PATH)}" '
        f'data-leave="{_e(LOCAL_LEAVE_PATH)}"></div>'
    )
    on_stage = (
        "<section><h2>On the stage now</h2>"
        f'<ul id="participants">{_participant_items(participants or [], invite.user_id)}</ul>'
        "</section>"
    )
    whip = (
        "<section><h2>Join from OBS (WHIP)</h2>"
        f'<p class="notice" id="one-token">{_ONE_TOKEN}</p><dl>'
        "<dt>Service</dt><dd>WHIP</dd>"
        f"<dt>Server</dt><dd><code>{_e(link.whip_url)}</code></dd>"
        "<dt>Bearer token</dt>"
        f'<dd><input class="secret" readonly value="{_e(invite.participant_token)}" '
        'aria-label="bearer token"></dd>'
        "</dl></section>"
    )
    if link.local:
        notice = (
            '<p class="notice"><strong>No media server runs here.</strong> This is the local '
            "IVS stack: it keeps track of who is on the stage, but it cannot carry camera, "
            "microphone or OBS video. Join below to show up on the stage without media.</p>"
        )
        controls = (
            '<section><button id="join">Join the stage</button>'
            '<button id="leave" disabled>Leave</button>'
            '<div id="status">Not on the stage.</div></section>'
        )
        body = "\n".join([header, notice, data, controls, on_stage, whip])
        scripts = f'<script nonce="{nonce}">{_LIST_SCRIPT}{_LOCAL_SCRIPT}</script>'
        return Page(
            200, _document("On stage", body, nonce, scripts=scripts), _headers(nonce, sdk=False)
        )
    media = (
        "<section><h2>Your camera</h2>"
        '<video id="preview" autoplay muted playsinline></video>'
        '<p><button id="join" disabled>Join</button>'
        '<button id="leave" disabled>Leave</button></p>'
        '<div id="devices">Asking for the camera and microphone…</div>'
        '<div id="status" role="status">Not on the stage.</div>'
        '<div id="alert" role="alert" hidden></div></section>'
        "<section><h2>With you on the stage</h2>"
        '<div id="remote"></div>'
        '<p id="alone" class="state">Once you join, the others on the stage show here.</p>'
        "</section>"
    )
    body = "\n".join([header, _INSECURE, data, media, on_stage, whip])
    head = f'<script nonce="{nonce}" src="{_e(WEB_BROADCAST_SDK_URL)}"></script>'
    scripts = f'<script nonce="{nonce}">{_LIST_SCRIPT}{_SDK_SCRIPT}</script>'
    return Page(
        200,
        _document("On stage", body, nonce, head=head, scripts=scripts),
        _headers(nonce, sdk=True),
    )


def error_page(status: int, message: str) -> Page:
    """Why the link does not work. It carries no token."""
    nonce = secrets.token_urlsafe(16)
    body = f'<h1>Cannot join the stage</h1>\n<p class="error">{_e(message)}</p>'
    return Page(status, _document("Cannot join the stage", body, nonce), _headers(nonce, sdk=False))
