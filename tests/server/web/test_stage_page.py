"""The stage page: escaped, token only behind a valid code, and what a browser shows."""

from __future__ import annotations

import html
import re
from pathlib import Path

import aiohttp
import pytest

from tests.server.browser import CHROMIUM, Browser, run_chromium
from tui.client.app_server import AppServerClient
from tui.server.boot.startup import RunningServer, start_local_stack
from tui.server.models import Redemption, StageParticipant
from tui.server.stage.invitations import StageLink
from tui.server.store import InviteRecord
from tui.server.web.pages import WEB_BROADCAST_SDK_URL, error_page, stage_page

HOSTILE = '<img src=x onerror="alert(1)">'


async def _invited(server: RunningServer, name: str) -> tuple[AppServerClient, Redemption]:
    host = AppServerClient(server.url, broadcaster_key=server.broadcaster_key)
    viewer = AppServerClient(server.url)
    try:
        await host.chat_token("Host")
        grant = await viewer.chat_token(name)
        invite = await host.invite(grant.user_id)
        return viewer, await viewer.redeem(invite.invite_id)
    finally:
        await host.close()


def _record(**overrides: object) -> InviteRecord:
    values: dict[str, object] = {
        "invite_id": "inv1",
        "user_id": "viewer-1",
        "stage_arn": "arn:aws:ivs:us-east-1:123456789012:stage/AAAAAAAAAAAA",
        "stage_name": HOSTILE,
        "broadcast_type": "realtime",
        "participant_id": "p1",
        "participant_token": 'tok"en<',
        "created_at": 0.0,
        "expires_at": 3600.0,
    }
    values.update(overrides)
    return InviteRecord(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("local", [True, False])
def test_page_escapes_everything(local: bool) -> None:
    link = StageLink(_record(), display_name=HOSTILE, whip_url="https://w/?a=<b>", local=local)
    page = stage_page(
        link, [StageParticipant(user_id=HOSTILE, display_name=HOSTILE, state="CONNECTED")]
    )
    assert HOSTILE not in page.body and "<b>" not in page.body
    assert html.escape(HOSTILE) in page.body
    assert 'data-token="tok&quot;en&lt;"' in page.body
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    # Every script runs under this response's nonce; none is inline without it.
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"])
    assert nonce is not None
    scripts = re.findall(r"<script([^>]*)>", page.body)
    assert scripts and all(f'nonce="{nonce.group(1)}"' in attrs for attrs in scripts)
    # The page's own user is marked; its id is escaped like every other value.
    assert 'data-user="viewer-1"' in page.body
    assert f"You join as {html.escape(HOSTILE)} (viewer-1)." in page.body
    assert "The browser and OBS cannot share one token" in page.body
    if local:
        assert "No media server runs here" in page.body and WEB_BROADCAST_SDK_URL not in page.body
    else:
        assert f'src="{WEB_BROADCAST_SDK_URL}"' in page.body
        # Shown by the script when the browser withholds the camera (not a secure context).
        assert '<div id="insecure" class="error" hidden>' in page.body
        assert "serve --tls-cert FILE --tls-key FILE" in page.body
        assert re.search(r"/\d+\.\d+\.\d+/amazon-ivs-web-broadcast\.js$", WEB_BROADCAST_SDK_URL)
        assert 'id="join"' in page.body and 'id="leave"' in page.body


def test_own_entry_is_marked_in_the_list() -> None:
    link = StageLink(_record(user_id=HOSTILE), display_name="Me", whip_url="https://w", local=True)
    people = [
        StageParticipant(user_id="broadcaster-1", display_name="Hana", state="CONNECTED"),
        StageParticipant(user_id=HOSTILE, display_name="Me", state="CONNECTED"),
        StageParticipant(user_id="gone-1", display_name="Gone", state="DISCONNECTED"),
    ]
    page = stage_page(link, people)
    listed = re.search(r'<ul id="participants">(.*?)</ul>', page.body, re.S)
    assert listed is not None
    items = re.findall(r"<li>(.*?)</li>", listed.group(1))
    assert items == [
        'Hana <span class="state">(broadcaster-1)</span>',
        f'Me <span class="state">({html.escape(HOSTILE)})</span> <span class="you">you</span>',
    ]


def test_error_page_escapes_and_has_no_token() -> None:
    page = error_page(410, HOSTILE)
    assert page.status == 410 and HOSTILE not in page.body and "data-token" not in page.body


async def test_link_without_code_says_why(tmp_path: Path) -> None:
    async with await start_local_stack(port=0, data_dir=tmp_path) as server:
        viewer, redemption = await _invited(server, "Alice")
        await viewer.close()
        bare = redemption.join_url.partition("?")[0]
        async with aiohttp.ClientSession() as http, http.get(bare) as resp:
            text = await resp.text()
        assert resp.status == 401 and "no access code" in text
        assert redemption.participant_token not in text


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: no stage page screenshot")
async def test_local_stage_page_in_chromium(tmp_path: Path) -> None:
    async with await start_local_stack(port=0, data_dir=tmp_path / "data") as server:
        # Alice is on the stage already; Bob opens his link.
        alice, alice_link = await _invited(server, "Alice")
        async with aiohttp.ClientSession() as http:
            auth = {"Authorization": f"Bearer {alice_link.participant_token}"}
            async with http.post(server.url + "/api/multihost/stage/join", headers=auth) as r:
                assert r.status == 200
        bob, bob_link = await _invited(server, "Bob <b>B</b>")
        dom = await run_chromium("--dump-dom", bob_link.join_url)
        assert "No media server runs here" in dom
        assert "Bob &lt;b&gt;B&lt;/b&gt;" in dom  # shown as text, never markup
        assert re.search(r'<ul id="participants"><li>Alice <span', dom)
        assert bob_link.whip_url in dom and bob_link.participant_token in dom
        # The code was spent by that load: a second browser gets no token.
        again = await run_chromium("--dump-dom", bob_link.join_url)
        assert "used already" in again and bob_link.participant_token not in again
        # A fresh link for the screenshot.
        invite_id = server.service.store.invites_of((await bob.chat_token("Bob <b>B</b>")).user_id)[
            0
        ]
        fresh = await bob.redeem(invite_id.invite_id)
        shot = tmp_path / "stage-local.png"
        await run_chromium(f"--screenshot={shot}", fresh.join_url)
        assert shot.stat().st_size > 10_000
        await alice.close()
        await bob.close()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: no stage page screenshot")
async def test_join_button_puts_the_viewer_on_the_local_stage(tmp_path: Path) -> None:
    async with await start_local_stack(port=0, data_dir=tmp_path / "data") as server:
        viewer, link = await _invited(server, "Carol")
        await viewer.close()
        async with Browser(link.join_url, tmp_path / "profile") as page:
            assert await page.evaluate("document.getElementById('participants').innerText") == (
                "Nobody is on the stage yet."
            )
            await page.evaluate("document.getElementById('join').click()")
            listed = await page.text_once("participants", 'text.includes("Carol")')
            status = await page.evaluate("document.getElementById('status').innerText")
            await page.screenshot(tmp_path / "stage-joined.png")
            shown = re.fullmatch(r"Carol \((viewer-[^)]+)\) you", listed)
            assert shown is not None, listed
            assert status == "You are on the stage (no media: nothing is sent)."
            assert _stage_states(server) == [(shown.group(1), "CONNECTED")]

            await page.evaluate("document.getElementById('leave').click()")
            emptied = await page.text_once("participants", 'text.startsWith("Nobody")')
            assert emptied == "Nobody is on the stage yet."
            assert await page.evaluate("document.getElementById('status').innerText") == (
                "You left the stage."
            )
        assert [state for _, state in _stage_states(server)] == ["DISCONNECTED"]


def _stage_states(server: RunningServer) -> list[tuple[str, str]]:
    assert server.emulator is not None
    return [
        (p.user_id, p.state)
        for stage in server.emulator.state.stages.values()
        for session in stage.sessions.values()
        for p in session.values()
    ]
