"""The AWS stage page's script (stage-sdk.js) in headless Chromium.

The app server runs in AWS mode against the local IVS stack and serves the real page (the
SDK page, as without `--endpoint-url`, by the `sdk_stage_page` setting). The
browser asks for the IVS Web Broadcast SDK at its CDN URL and gets tests/server/
fake_ivs_sdk.js instead (DevTools request interception): a stand-in with the SDK's names
that lets the test fire stage events. Everything asserted is what the page shows.

Media states are the browser's own, not overrides: Chromium's fake camera and microphone
(`FAKE_MEDIA`), no devices at all (plain headless), prompts denied (fake devices without
the auto-allow flag), a microphone without a camera (`device-count=0`), and a page that is
not a secure context: the server reached as `http://stage.test`, a name mapped to 127.0.0.1
by `--host-resolver-rules`, which unlike 127.0.0.1 or localhost is not potentially
trustworthy, so Chromium withholds `navigator.mediaDevices` exactly as on a remote host.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.server.browser import CHROMIUM, FAKE_MEDIA, Browser
from tests.server.conftest import start_aws_server
from tui.client.app_server import AppServerClient
from tui.emulator import Emulator
from tui.server.boot.startup import RunningServer
from tui.server.web.pages import WEB_BROADCAST_SDK_URL

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

FAKE_SDK = (Path(__file__).parent / "fake_ivs_sdk.js").read_bytes()
ROUTES = {WEB_BROADCAST_SDK_URL: ("text/javascript", FAKE_SDK)}
HOSTILE = '<img src=x onerror="document.title=1">'


@dataclass
class Invited:
    server: RunningServer
    join_url: str
    token: str


@pytest.fixture
async def invited(emulator: Emulator, tmp_path: Path) -> AsyncIterator[Invited]:
    # With --endpoint-url the server serves the local stand-in page (the local stack has
    # no media server); on AWS it serves the SDK page, which this setting asks for here.
    async with await start_aws_server(emulator, tmp_path / "data", sdk_stage_page=True) as server:
        host = AppServerClient(server.url, broadcaster_key=server.broadcaster_key)
        viewer = AppServerClient(server.url)
        try:
            await host.chat_token("Host")
            grant = await viewer.chat_token("Dana")
            invite = await host.invite(grant.user_id)
            redemption = await viewer.redeem(invite.invite_id)
            yield Invited(server, redemption.join_url, redemption.participant_token)
        finally:
            await host.close()
            await viewer.close()


def _page(url: str, profile: Path, *args: str) -> Browser:
    return Browser(url, profile, size=(900, 1400), args=args, routes=ROUTES)


async def _ready(page: Browser) -> str:
    """The devices line once the page has settled what it can send."""
    return await page.text_once("devices", '!text.startsWith("Asking")')


async def _fire(page: Browser, event: str, *args: str) -> None:
    """Fire a StageEvents member on the page's current stage; args are JS expressions."""
    await page.evaluate(f"fakeIvs.fire({json.dumps(event)}, {', '.join(args)})")


async def _tiles(page: Browser) -> list[dict[str, Any]]:
    return list(
        await page.evaluate(
            """[...document.querySelectorAll('#remote .tile')].map(t => ({
                label: t.querySelector('.label').textContent,
                tracks: t.querySelector('video').srcObject
                    ? t.querySelector('video').srcObject.getTracks().map(k => k.kind).sort()
                    : [],
            }))"""
        )
    )


async def _local_tracks(page: Browser) -> list[str]:
    return list(await page.evaluate("fakeIvs.localStreams.map(s => s.mediaStreamTrack.readyState)"))


async def test_a_session_from_join_to_leave(invited: Invited, tmp_path: Path) -> None:
    async with _page(invited.join_url, tmp_path / "profile", *FAKE_MEDIA) as page:
        assert await _ready(page) == "Camera and microphone ready. Join when you are."
        assert await page.evaluate("document.getElementById('insecure').hidden") is True
        assert "cannot share one token" in await page.text("one-token")
        await page.click("join")
        assert await page.text_once("status", 'text.includes("live")') == (
            "You are live on the stage."
        )
        # The page published its camera and microphone.
        assert await page.evaluate("fakeIvs.stage.published.map(s => s.streamType).sort()") == [
            "audio",
            "video",
        ]

        # A guest with a hostile name joins and sends video and audio: one tile.
        guest = f"fakeIvs.participant('u-eve', {json.dumps(HOSTILE)})"
        await page.evaluate(f"window.eve = {guest}")
        await _fire(page, "STAGE_PARTICIPANT_JOINED", "eve")
        await page.evaluate(
            "window.v1 = fakeIvs.stream('video'); window.a1 = fakeIvs.stream('audio')"
        )
        await _fire(page, "STAGE_PARTICIPANT_STREAMS_ADDED", "eve", "[v1, a1]")
        assert await _tiles(page) == [{"label": HOSTILE, "tracks": ["audio", "video"]}]
        assert await page.evaluate("document.querySelectorAll('#remote img').length") == 0

        # Re-subscribing hands over new streams for the same participant: still one tile,
        # showing the new tracks only.
        await page.evaluate(
            "window.v2 = fakeIvs.stream('video', '#a62'); window.a2 = fakeIvs.stream('audio')"
        )
        await _fire(page, "STAGE_PARTICIPANT_STREAMS_ADDED", "eve", "[v2, a2]")
        await _fire(page, "STAGE_PARTICIPANT_STREAMS_ADDED", "eve", "[v2]")
        assert await _tiles(page) == [{"label": HOSTILE, "tracks": ["audio", "video"]}]
        assert await page.evaluate(
            "document.querySelector('#remote video').srcObject.getVideoTracks()[0] === "
            "v2.mediaStreamTrack"
        )

        # A stale removal (the old video) changes nothing; the current one leaves audio.
        await _fire(page, "STAGE_PARTICIPANT_STREAMS_REMOVED", "eve", "[v1]")
        assert (await _tiles(page))[0]["tracks"] == ["audio", "video"]
        await _fire(page, "STAGE_PARTICIPANT_STREAMS_REMOVED", "eve", "[v2]")
        assert await _tiles(page) == [{"label": f"{HOSTILE} (no video)", "tracks": ["audio"]}]

        # Mute changes show on the tile.
        await page.evaluate("a2.isMuted = true")
        await _fire(page, "STAGE_STREAM_MUTE_CHANGED", "eve", "a2")
        assert (await _tiles(page))[0]["label"] == f"{HOSTILE} (no video, muted)"

        # A second guest, then the first leaves.
        await page.evaluate("window.finn = fakeIvs.participant('u-finn', 'Finn')")
        await _fire(page, "STAGE_PARTICIPANT_JOINED", "finn")
        await page.evaluate("window.v3 = fakeIvs.stream('video', '#26a')")
        await _fire(
            page, "STAGE_PARTICIPANT_STREAMS_ADDED", "finn", "[v3, fakeIvs.stream('audio')]"
        )
        assert len(await _tiles(page)) == 2
        await page.screenshot(tmp_path / "sdk-live.png")
        await _fire(page, "STAGE_PARTICIPANT_LEFT", "eve")
        assert await _tiles(page) == [{"label": "Finn", "tracks": ["audio", "video"]}]

        # A subscribe failure reads on the tile; a publish failure on the page.
        await _fire(page, "STAGE_PARTICIPANT_SUBSCRIBE_STATE_CHANGED", "finn", "'errored'")
        assert "cannot receive their media" in (await _tiles(page))[0]["label"]
        await _fire(
            page, "STAGE_PARTICIPANT_PUBLISH_STATE_CHANGED", "fakeIvs.stage.local", "'errored'"
        )
        assert "could not be sent to the stage" in await page.text("alert")

        # Leave: no tiles, the camera and microphone stopped, the page says so.
        await page.click("leave")
        assert await page.text("status") == (
            "You left the stage. Your camera and microphone are off."
        )
        assert await _tiles(page) == []
        assert await _local_tracks(page) == ["ended", "ended"]
        assert await page.evaluate("document.getElementById('preview').srcObject") is None
        assert await page.evaluate("fakeIvs.stage.calls") == ["join", "leave"]
        await page.screenshot(tmp_path / "sdk-left.png")

        # Joining again asks for the camera anew and makes a fresh stage.
        await page.click("join")
        await page.text_once("status", 'text.includes("live")')
        assert await page.evaluate("fakeIvs.stages.length") == 2
        assert (await _local_tracks(page))[2:] == ["live", "live"]
        # Events of the stage left before change nothing.
        await page.evaluate("fakeIvs.stages[0].emit('stageParticipantJoined', finn)")
        assert await _tiles(page) == []


@pytest.mark.parametrize(
    ("reason", "words", "can_join"),
    [
        ("participant-disconnected", "The broadcaster took you off the stage.", False),
        ("token-reused", "The browser and OBS cannot share one token", True),
        ("stage-deleted", "The stage was deleted.", False),
        ("unknown", "The stage ended the connection.", True),
    ],
)
async def test_stage_left_says_why(
    invited: Invited, tmp_path: Path, reason: str, words: str, can_join: bool
) -> None:
    async with _page(invited.join_url, tmp_path / "profile", *FAKE_MEDIA) as page:
        await _ready(page)
        await page.click("join")
        await page.text_once("status", 'text.includes("live")')
        await page.evaluate("window.finn = fakeIvs.participant('u-finn', 'Finn')")
        await _fire(page, "STAGE_PARTICIPANT_STREAMS_ADDED", "finn", "[fakeIvs.stream('video')]")
        await _fire(page, "STAGE_LEFT", json.dumps(reason))
        status = await page.text("status")
        assert words in status and "You are live" not in status
        if reason == "token-reused":
            assert "knocked off" in status and "OBS" in status
            await page.screenshot(tmp_path / "sdk-token-reused.png")
        assert await _tiles(page) == []
        assert await _local_tracks(page) == ["ended", "ended"]
        assert await page.evaluate("document.getElementById('join').disabled") is (not can_join)
        assert await page.evaluate("document.getElementById('leave').disabled") is True


async def test_the_broadcaster_taken_off_by_their_newer_link_is_told_so(
    invited: Invited, tmp_path: Path
) -> None:
    auth = {"Authorization": f"Bearer {invited.server.broadcaster_key}"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(invited.server.url + "/api/multihost/host", headers=auth) as resp,
    ):
        link = await resp.json()
    async with _page(link["joinUrl"], tmp_path / "profile", *FAKE_MEDIA) as page:
        await _ready(page)
        await page.click("join")
        await page.text_once("status", 'text.includes("live")')
        await _fire(page, "STAGE_LEFT", json.dumps("participant-disconnected"))
        assert await page.text("status") == (
            "You are no longer on the stage: you went on stage again from your terminal, "
            "and only the newest stage link works."
        )
        assert await page.evaluate("document.getElementById('join').disabled") is True


async def test_errors_and_a_failed_connection(invited: Invited, tmp_path: Path) -> None:
    async with _page(invited.join_url, tmp_path / "profile", *FAKE_MEDIA) as page:
        await _ready(page)
        # Join fails: the SDK reports the error and join() rejects.
        await page.evaluate(
            "fakeIvs.joinError = {code: 2, category: 'JOIN_ERROR', message: 'Token expired'}"
        )
        await page.click("join")
        status = await page.text_once("status", 'text.startsWith("Could not join")')
        assert status == (
            "Could not join the stage: This invitation has expired. "
            "Ask the broadcaster for a new one."
        )
        assert await _local_tracks(page) == ["ended", "ended"]

        await page.click("join")
        await page.text_once("status", 'text.includes("live")')
        await _fire(page, "ERROR", "{code: 6, category: 'SUBSCRIBE_ERROR', message: 'full'}")
        assert (
            await page.text("alert")
            == "Could not receive someone's video or audio: The stage is full."
        )
        await _fire(
            page, "ERROR", f"{{code: 99, category: 'JOIN_ERROR', message: {json.dumps(HOSTILE)}}}"
        )
        assert await page.text("alert") == f"The stage reported a problem: {HOSTILE}"
        assert await page.text("status") == "You are live on the stage."
        await _fire(page, "STAGE_CONNECTION_STATE_CHANGED", "'disconnected'")
        assert await page.text("status") == "Not connected to the stage."
        await _fire(page, "STAGE_CONNECTION_STATE_CHANGED", "'connected'")
        assert await page.text("status") == "You are live on the stage."
        # The connection errors out: the page leaves, as AWS's samples do, and says so.
        await _fire(page, "STAGE_CONNECTION_STATE_CHANGED", "'errored'")
        assert (await page.text("status")).startswith("The connection to the stage failed.")
        assert await page.evaluate("fakeIvs.stage.calls") == ["join", "leave"]
        assert await _local_tracks(page) == ["ended", "ended", "ended", "ended"]


async def test_no_camera_or_microphone_joins_to_watch(invited: Invited, tmp_path: Path) -> None:
    async with _page(invited.join_url, tmp_path / "profile") as page:
        assert (await _ready(page)).startswith("No camera or microphone found.")
        assert await page.text("join") == "Join to watch"
        await page.click("join")
        assert await page.text_once("status", 'text.includes("watching")') == (
            "You are on the stage, watching and listening: this browser sends nothing."
        )
        assert await page.evaluate("fakeIvs.stage.strategy.shouldPublishParticipant()") is False
        await page.evaluate("window.finn = fakeIvs.participant('u-finn', 'Finn')")
        await _fire(page, "STAGE_PARTICIPANT_STREAMS_ADDED", "finn", "[fakeIvs.stream('video')]")
        assert await _tiles(page) == [{"label": "Finn (no audio)", "tracks": ["video"]}]


async def test_microphone_without_camera_joins_audio_only(invited: Invited, tmp_path: Path) -> None:
    flags = ("--use-fake-device-for-media-stream=device-count=0", "--use-fake-ui-for-media-stream")
    async with _page(invited.join_url, tmp_path / "profile", *flags) as page:
        assert await _ready(page) == "No camera found: you will join with your microphone only."
        assert await page.text("join") == "Join with audio only"
        await page.click("join")
        assert await page.text_once("status", 'text.includes("live")') == (
            "You are live on the stage."
        )
        assert await page.evaluate("fakeIvs.stage.published.map(s => s.streamType)") == ["audio"]


async def test_permission_denied_is_told_apart(invited: Invited, tmp_path: Path) -> None:
    # Fake devices exist, but headless Chromium answers the permission prompt "block".
    async with _page(invited.join_url, tmp_path / "profile", FAKE_MEDIA[0]) as page:
        words = await _ready(page)
        assert words.startswith("The camera and microphone are blocked: permission was denied.")
        assert "reload" in words
        assert await page.text("join") == "Join to watch"
        assert await page.evaluate("document.getElementById('insecure').hidden") is True


async def test_not_https_says_what_to_do(invited: Invited, tmp_path: Path) -> None:
    insecure_url = invited.join_url.replace("://127.0.0.1:", "://stage.test:")
    assert insecure_url != invited.join_url
    flags = (*FAKE_MEDIA, "--host-resolver-rules=MAP stage.test 127.0.0.1")
    async with _page(insecure_url, tmp_path / "profile", *flags) as page:
        assert await page.evaluate("window.isSecureContext") is False
        words = await _ready(page)
        assert "not on HTTPS" in words
        warning = await page.text("insecure")
        assert warning.startswith("This page is not on HTTPS, so your browser will not let it")
        assert "serve --tls-cert FILE --tls-key FILE" in warning and "reverse proxy" in warning
        assert await page.text("join") == "Join to watch"
        await page.screenshot(tmp_path / "sdk-not-https.png")
        await page.click("join")
        assert "watching" in await page.text_once("status", 'text.includes("watching")')


async def test_without_the_sdk_the_page_says_so(invited: Invited, tmp_path: Path) -> None:
    # The CDN's answer defines no IVSBroadcastClient, as when the script did not load.
    routes = {WEB_BROADCAST_SDK_URL: ("text/javascript", b"")}
    async with Browser(invited.join_url, tmp_path / "profile", routes=routes) as page:
        status = await page.text("status")
        assert status.startswith("The IVS Web Broadcast SDK did not load")
        assert "OBS" in status
        assert await page.evaluate("document.getElementById('join').disabled") is True
