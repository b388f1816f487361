"""Bad input gets a 400 that says why, never a 500; token requests are rate-limited."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tui.server.boot.startup import RunningServer, start_server
from tui.server.names import looks
from tui.server.settings import ServerSettings
from tui.server.web.http import AUTH_FAILURE_BURST

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "needs a JSON body"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"Alice"', "must be a JSON object"),
        (b"{}", "displayName: Field required"),
        (b'{"displayName": 7}', "displayName: Input should be a valid string"),
        (b'{"displayName": "A", "sessionKey": ["x"]}', "sessionKey"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
async def test_malformed_token_bodies(local: RunningServer, body: bytes, words: str) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(local.url + "/api/chat/token", data=body, headers=JSON) as resp,
    ):
        answer = await resp.json()
    assert resp.status == 400
    assert words in answer["message"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 33, "33 characters long; at most 32"),
        ("evil\x1b[2J", "control character (U+001B"),
        ("bell\x07", "control character (U+0007"),
        ("\u202eecilA", "bidi control character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
        ("iso\u2066late", "bidi control character (U+2066"),
        ("zero\u200bwidth", "invisible or unprintable character (U+200B"),
        ("c1\x9bchar", "control character (U+009B"),
        ("\u3164", "no visible characters (only blank fillers or marks, starting with U+3164"),
        ("\u3164\u3164 \u3164", "no visible characters"),
        ("\u115f\u1160", "no visible characters"),
        ("\uffa0", "no visible characters"),
        ("\u2800\u2800", "no visible characters"),
        ("\u034f", "no visible characters"),
        ("\u0301\u0301", "no visible characters"),  # combining acute accents alone
        ("\ufe0f\U000e0100", "no visible characters"),  # variation selectors
        ("\u20dd", "no visible characters"),  # an enclosing mark alone
    ],
)
async def test_display_names_refused_with_reason(
    local: RunningServer, name: str, words: str
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(local.url + "/api/chat/token", json={"displayName": name}) as resp,
    ):
        answer = await resp.json()
    assert resp.status == 400
    assert words in answer["message"]


@pytest.mark.parametrize(
    "name",
    ["Alice", "Zoë", "李小龍", "  spaced  ", "a" * 32, "🙂 emoji", "한글", "e\u0301", "❤\ufe0f"],
)
async def test_display_names_accepted(local: RunningServer, name: str) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(local.url + "/api/chat/token", json={"displayName": name}) as resp,
    ):
        answer = await resp.json()
    assert resp.status == 200
    assert answer["displayName"] == name.strip()


@pytest.mark.parametrize(
    ("path", "body", "auth"),
    [
        ("/api/multihost/invite", b"{oops", "broadcaster"),
        ("/api/multihost/invite", b'{"userId": ""}', "broadcaster"),
        ("/api/multihost/invite", b'{"userId": null}', "broadcaster"),
        ("/api/multihost/disconnect", b"[]", "broadcaster"),
        ("/api/multihost/redeem", b'{"inviteId": 5}', "viewer"),
    ],
)
async def test_malformed_bodies_elsewhere(
    local: RunningServer, path: str, body: bytes, auth: str
) -> None:
    async with aiohttp.ClientSession() as http:
        key = local.broadcaster_key
        if auth == "viewer":
            async with http.post(local.url + "/api/chat/token", json={"displayName": "V"}) as r:
                key = (await r.json())["sessionKey"]
        headers = {"Authorization": f"Bearer {key}", **JSON}
        async with http.post(local.url + path, data=body, headers=headers) as resp:
            answer = await resp.json()
    assert resp.status == 400
    assert answer["message"]


async def test_unknown_session_key_and_wrong_broadcaster_key(local: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        body = {"displayName": "Mallory", "sessionKey": "guessed"}
        async with http.post(local.url + "/api/chat/token", json=body) as resp:
            assert resp.status == 401
            assert "not known" in (await resp.json())["message"]
        headers = {"Authorization": "Bearer wrong"}
        body = {"displayName": "Mallory"}
        async with http.post(local.url + "/api/chat/token", json=body, headers=headers) as resp:
            assert resp.status == 401
            assert "broadcaster key" in (await resp.json())["message"]


async def test_token_requests_rate_limited_per_address(tmp_path: Path) -> None:
    settings = ServerSettings(
        mode="local", port=0, data_dir=tmp_path, token_burst=3, token_rate_per_minute=0.001
    )
    async with await start_server(settings) as server, aiohttp.ClientSession() as http:
        statuses = []
        for i in range(4):
            body = {"displayName": f"F{i}"}  # one name, one identity: each a new viewer
            async with http.post(server.url + "/api/chat/token", json=body) as r:
                statuses.append(r.status)
                last = r
                answer = await r.json()
        assert statuses == [200, 200, 200, 429]
        assert "too many token requests" in answer["message"]
        assert int(last.headers["Retry-After"]) >= 1
        # Only token requests are limited.
        async with http.get(server.url + "/healthz") as health:
            assert health.status == 200


def test_rate_limiter_refills_per_key() -> None:
    from tui.server.web.ratelimit import AddressBudget

    now = [0.0]
    limiter = AddressBudget(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.check("a"), limiter.check("a")] == [0.0, 0.0]
    assert limiter.check("a") == pytest.approx(1.0)
    assert limiter.check("b") == 0.0  # another address has its own bucket
    now[0] = 1.0
    assert limiter.check("a") == 0.0


async def test_guessing_the_broadcaster_key_is_cut_off_per_address(local: RunningServer) -> None:
    key = {"Authorization": f"Bearer {local.service.config.broadcaster_key}"}
    wrong = {"Authorization": "Bearer guess"}
    invite = local.url + "/api/multihost/invite"
    disconnect = local.url + "/api/multihost/disconnect"
    body = {"userId": "someone", "broadcastType": "realtime"}
    async with aiohttp.ClientSession() as http:
        statuses = []
        for i in range(AUTH_FAILURE_BURST + 1):
            url = invite if i % 2 else disconnect  # both routes draw on one budget
            async with http.post(url, json=body, headers=wrong) as resp:
                statuses.append(resp.status)
                answer = await resp.json()
                retry_after = resp.headers.get("Retry-After")
        assert statuses == [403] * AUTH_FAILURE_BURST + [429]
        assert answer["message"].startswith("too many wrong keys from your address")
        assert retry_after is not None and int(retry_after) >= 1
        # Now even the right key waits: the guesser cannot tell a hit from a miss.
        async with http.post(disconnect, json=body, headers=key) as resp:
            assert resp.status == 429
        async with http.get(local.url + "/healthz") as health:
            assert health.status == 200


async def test_right_keys_cost_nothing(local: RunningServer) -> None:
    key = {"Authorization": f"Bearer {local.service.config.broadcaster_key}"}
    async with aiohttp.ClientSession() as http:
        for _ in range(AUTH_FAILURE_BURST + 2):
            body = {"userId": "nobody-here"}
            async with http.post(
                local.url + "/api/multihost/disconnect", json=body, headers=key
            ) as resp:
                assert resp.status == 404  # past the key check: no such user, never 429


# --- JSON only: a cross-site "simple request" is never processed ------------------------

BODY_ROUTES = [
    ("POST", "/api/chat/token"),
    ("POST", "/api/multihost/invite"),
    ("POST", "/api/multihost/redeem"),
    ("POST", "/api/multihost/host"),
    ("POST", "/api/multihost/disconnect"),
    ("POST", "/api/multihost/stage/join"),
    ("POST", "/api/multihost/stage/leave"),
    ("POST", "/api/moderation/actions"),
    ("PUT", "/api/moderation/settings"),
    ("POST", "/api/moderation/shield"),
    ("POST", "/api/moderation/held/abcdefabcdef"),
    ("POST", "/api/no/such/route"),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
async def test_a_body_not_declared_json_is_415_on_every_route(
    local: RunningServer, method: str, path: str, content_type: str | None
) -> None:
    # What a web page can make a browser send to another site with no preflight: a
    # text/plain body that is JSON all the same, with the attacker's session key in it.
    body = b'{"displayName": "Victim", "sessionKey": "attackers-key", "userId": "x"}'
    headers = {"Authorization": f"Bearer {local.broadcaster_key}"}
    if content_type:
        headers["Content-Type"] = content_type
    async with (
        aiohttp.ClientSession(skip_auto_headers=["Content-Type"]) as http,
        http.request(method, local.url + path, data=body, headers=headers) as resp,
    ):
        answer = await resp.json()
    assert resp.status == 415
    assert answer["message"] == "the API takes JSON only: send Content-Type: application/json"
    assert not [h for h in resp.headers if h.lower().startswith("access-control-")]


async def test_a_text_plain_token_request_records_nothing(local: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        body = b'{"displayName": "Victim"}'
        headers = {"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://ev.il"}
        async with http.post(local.url + "/api/chat/token", data=body, headers=headers) as r:
            assert r.status == 415
            assert "Access-Control-Allow-Origin" not in r.headers
        assert local.service.store.name_holder(looks("Victim")) is None
        # JSON, with its charset, is taken.
        headers = {"Content-Type": "application/json; charset=utf-8"}
        async with http.post(local.url + "/api/chat/token", data=body, headers=headers) as r:
            assert r.status == 200
