"""End to end: a broadcaster and two viewers, three real apps driven by Textual's pilot,
against one in-process local stack (emulator + app server on one loopback port).

Waiting on the network is done by polling what the user would see, with a generous
deadline that only turns a hang into a readable failure; nothing asserts a duration.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from textual.geometry import Region
from textual.widgets import Input, Static

from tests.app_helpers import (
    contents,
    joined_app,
    line_with,
    lines,
    open_dialog,
    say,
    select,
    until,
)
from tests.emulator.helpers import client
from tui.ivs.events import ConnectionState
from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.dialogs.confirm import ConfirmScreen
from tui.screens.dialogs.disconnected import DisconnectedScreen
from tui.screens.dialogs.stage_link import StageLinkScreen
from tui.server.boot.startup import RunningServer, start_local_stack
from tui.server.settings import DEFAULT_ROOM_NAME
from tui.widgets.composer import Composer
from tui.widgets.invite_toast import InviteToast, ToastState
from tui.widgets.message_list import MessageList
from tui.widgets.status_line import StatusLine


async def test_broadcaster_and_two_viewers(tmp_path: Path) -> None:
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path)
    opened: list[str] = []
    host = joined_app(stack.url, "Host", key=stack.broadcaster_key)
    alice = joined_app(stack.url, "Alice", opened=opened)
    bob = joined_app(stack.url, "Bob")
    everyone = (host, alice, bob)
    try:
        async with (
            host.run_test(size=(100, 30)) as hp,
            alice.run_test(size=(100, 30)) as ap,
            bob.run_test(size=(100, 30)) as bp,
        ):
            await until(
                lambda: all(
                    a.room is not None and a.room.state is ConnectionState.CONNECTED
                    for a in everyone
                ),
                "all three connected",
            )
            await until(
                lambda: all(a.chat.query_one(StatusLine).state_text == "live" for a in everyone),
                "all three status lines say live",
            )
            # The room is called by its IVS name (the app server's answer carries it).
            for app in everyone:
                shown = app.chat.query_one(StatusLine).render().plain
                assert shown.startswith(f"{DEFAULT_ROOM_NAME} · ● live")
                assert stack.url.removeprefix("http://") not in shown
            assert host.identity is not None and host.identity.is_broadcaster
            assert alice.identity is not None and alice.identity.role == "viewer"

            # A message appears on all three; the sender's composer empties.
            await say(alice, ap, "hello from Alice")
            await until(
                lambda: all("hello from Alice" in contents(a) for a in everyone),
                "Alice's message on all three",
            )
            await until(lambda: alice.chat.query_one(Composer).text == "", "composer cleared")

            # The broadcaster deletes it: gone on all three.
            await select(host, hp, "hello from Alice")
            await hp.press("d")
            await until(
                lambda: all("hello from Alice" not in contents(a) for a in everyone),
                "the deleted message gone on all three",
            )
            await until(lambda: line_with(host, "deleted Alice's message"), "delete reported")
            # Named by its first words, so a delete that hit the wrong one shows at once.
            assert line_with(host, "deleted").endswith("deleted Alice's message “hello from Alice”")
            assert "Deleted Alice's message “hello from Alice”" in [
                n.message for n in host._notifications
            ]
            assert any("the moderator deleted a message" in line for line in lines(bob))

            # The broadcaster invites Alice: her toast shows, Bob's does not.
            await say(alice, ap, "can I join?")
            await until(lambda: "can I join?" in contents(host), "Alice's question at the host")
            await select(host, hp, "can I join?")
            await hp.press("s")
            await until(lambda: line_with(host, "invite sent to Alice"), "invite reported")
            alice_toast = alice.chat.query_one(InviteToast)
            await until(lambda: alice_toast.showing, "Alice's invite toast")
            # Everything after the invite in the room reaches Bob after it: once he has the
            # next message, he has had the invite event too.
            await say(host, hp, "after the invite")
            await until(lambda: "after the invite" in contents(bob), "the next message at Bob")
            assert not bob.chat.query_one(InviteToast).showing

            # Alice joins: the invite is redeemed, the link opened and shown as a link.
            await ap.press("ctrl+o")
            await until(lambda: alice_toast.state is ToastState.JOINED, "Alice joined")
            [invite] = stack.service.store.invites_of(alice.identity.user_id)
            assert invite.redeemed_at is not None
            link = alice.chat.stage_link
            assert opened == [link]
            assert link.startswith(stack.url + "/multihost/")
            drawn = [
                seg.style.link
                for strip in alice_toast.render_lines(Region(0, 0, *alice_toast.size))
                for seg in strip
                if seg.style is not None and seg.style.link
            ]
            assert drawn and set(drawn) == {link}
            async with aiohttp.ClientSession() as web, web.get(link) as page:
                assert page.status == 200
            assert stack.service.store.invite(invite.invite_id).code_used_at is not None
            await ap.press("ctrl+y")
            assert alice.clipboard == link
            await until(lambda: isinstance(alice.screen, StageLinkScreen), "the link, whole")
            await ap.press("escape")

            # The broadcaster disconnects Bob: he sees the modal and stays disconnected.
            await say(bob, bp, "bob was here")
            await until(lambda: "bob was here" in contents(host), "Bob's message at the host")
            await open_dialog(host, hp, "bob was here", "x", ConfirmScreen, "the confirmation")
            await hp.press(*"too loud", "enter")
            await until(lambda: isinstance(bob.screen, DisconnectedScreen), "Bob's modal")
            assert bob.screen.reason == "too loud"
            await until(lambda: line_with(host, "disconnected Bob: too loud"), "reported")
            assert bob.chat.query_one(Composer).input.disabled
            await say(host, hp, "is Bob gone?")
            await until(lambda: "is Bob gone?" in contents(alice), "the next message at Alice")
            assert bob.room is not None and bob.room.state is ConnectionState.DISCONNECTED
            assert "is Bob gone?" not in contents(bob)
            assert any("the moderator disconnected Bob: too loud" in x for x in lines(alice))
            # Both went through the app server: in the log, with the broadcaster as actor.
            assert _logged(stack) == [
                ("disconnect", "Host", "Bob", "too loud"),
                ("delete", "Host", "Alice", None),
            ]
    finally:
        await stack.stop()


async def test_the_tuis_ban_takes_the_user_off_the_stage_in_the_one_action(
    tmp_path: Path,
) -> None:
    """`b` is one call to the app server, and the ban it makes ends the stage too: the
    invite revoked, the participant disconnected, the token refused if they rejoin."""
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path)
    host = joined_app(stack.url, "Host", key=stack.broadcaster_key)
    bob = joined_app(stack.url, "Bob")

    async def on_stage() -> bool:
        assert bob.identity is not None
        found = await stack.service.control.list_participants(stack.stage_arn)
        return any(p.user_id == bob.identity.user_id and p.state == "CONNECTED" for p in found)

    try:
        async with host.run_test(size=(100, 30)) as hp, bob.run_test(size=(100, 30)) as bp:
            await until(
                lambda: all(a.identity is not None and a.chat.identity for a in (host, bob)),
                "both joined",
            )
            assert bob.identity is not None and bob.controller.session is not None
            key = {"Authorization": f"Bearer {stack.broadcaster_key}"}
            session = {"Authorization": f"Bearer {bob.controller.session.client.session_key}"}
            async with aiohttp.ClientSession() as web:
                body = {"userId": bob.identity.user_id}
                async with web.post(
                    stack.url + "/api/multihost/invite", json=body, headers=key
                ) as r:
                    invite = await r.json()
                body = {"inviteId": invite["inviteId"]}
                async with web.post(
                    stack.url + "/api/multihost/redeem", json=body, headers=session
                ) as r:
                    token = (await r.json())["participantToken"]
                stage = {"Authorization": f"Bearer {token}"}
                async with web.post(stack.url + "/api/multihost/stage/join", headers=stage) as r:
                    assert r.status == 200
                assert await on_stage()
                await say(bob, bp, "on stage now")
                await until(lambda: "on stage now" in contents(host), "Bob's line at the host")
                await open_dialog(host, hp, "on stage now", "b", BanConfirm, "the ban confirmation")
                await hp.press(*"raid", "enter")
                await until(lambda: line_with(host, "banned Bob: raid"), "the ban reported")
                assert not await on_stage()
                [revoked] = stack.service.store.invites_of(bob.identity.user_id)
                assert revoked.revoked_at is not None
                async with web.post(stack.url + "/api/multihost/stage/join", headers=stage) as r:
                    assert r.status in (403, 410)
                assert not await on_stage()
    finally:
        await stack.stop()


async def test_the_ban_dialog_names_the_address_a_ban_would_take(tmp_path: Path) -> None:
    """Before "Also ban their address" is ticked, the dialog says which address that is and
    how many identities use it, as the app server knows them."""
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path)
    host = joined_app(stack.url, "Host", key=stack.broadcaster_key)
    bob = joined_app(stack.url, "Bob")
    try:
        async with host.run_test(size=(100, 30)) as hp, bob.run_test(size=(100, 30)) as bp:
            await until(
                lambda: all(a.identity is not None and a.chat.identity for a in (host, bob)),
                "both joined",
            )
            await say(bob, bp, "from home")
            await until(lambda: "from home" in contents(host), "Bob's line at the host")
            await select(host, hp, "from home")
            await hp.press("b")
            await until(lambda: isinstance(host.screen, BanConfirm), "the ban confirmation")

            def said() -> str:
                words = str(host.screen.query_one("#address-after", Static).render())
                return " ".join(words.split())

            await until(lambda: "Looking up" not in said(), "the address looked up")
            assert "Their address: 127.0.0.1, used by 2 identities" in said()
            await hp.press("escape")
    finally:
        await stack.stop()


def _logged(stack: RunningServer) -> list[tuple[str, str, str, str | None]]:
    """The deletes and disconnects in the server's moderation log, newest first."""
    assert stack.service.moderation is not None
    return [
        (r.action.value, r.actor.display_name, r.target.display_name, r.reason)
        for r in stack.service.moderation.store.log()
        if r.action.value in ("delete", "disconnect")
    ]


async def test_a_moderators_d_and_x_go_through_the_app_server(tmp_path: Path) -> None:
    """A moderator's chat token may only send: `d` and `x` are the app server's delete
    and disconnect, which check the role, log the moderator as actor, and (for `x`)
    withdraw the stage invite; every TUI shows the deletion and the disconnect as IVS
    announces them."""
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path)
    mia = joined_app(stack.url, "Mia")
    bob = joined_app(stack.url, "Bob")
    history = stack.service.history
    assert history is not None
    try:
        async with mia.run_test(size=(100, 30)) as mp, bob.run_test(size=(100, 30)) as bp:
            await until(
                lambda: all(a.identity is not None and a.chat.identity for a in (mia, bob)),
                "both joined",
            )
            assert mia.identity is not None and bob.identity is not None
            key = {"Authorization": f"Bearer {stack.broadcaster_key}"}
            async with aiohttp.ClientSession() as web:
                made = {"action": "mod", "userId": mia.identity.user_id}
                async with web.post(stack.url + "/api/moderation/actions", json=made, headers=key):
                    pass
                invite = {"userId": bob.identity.user_id}
                async with web.post(stack.url + "/api/multihost/invite", json=invite, headers=key):
                    pass
            await until(
                lambda: mia.chat.identity is not None and mia.chat.identity.is_moderator,
                "Mia a moderator",
            )
            await say(bob, bp, "buy my stuff")
            await until(lambda: "buy my stuff" in contents(mia), "Bob's message at Mia")
            await select(mia, mp, "buy my stuff")
            selected = mia.chat.query_one(MessageList).selected_message
            assert selected is not None
            await until(lambda: history.sender_of(selected.id), "the message in the history")
            await mp.press("d")
            await until(
                lambda: all("buy my stuff" not in contents(a) for a in (mia, bob)),
                "the deleted message gone on both",
            )
            await until(lambda: line_with(mia, "deleted Bob's message"), "delete reported")

            await say(bob, bp, "still here")
            await until(lambda: "still here" in contents(mia), "Bob's next message at Mia")
            await open_dialog(
                mia, mp, "still here", "x", ConfirmScreen, "the confirmation"
            )  # an Enter sooner is dropped
            await mp.press(*"cool off", "enter")
            await until(lambda: isinstance(bob.screen, DisconnectedScreen), "Bob's modal")
            assert bob.screen.reason == "cool off"
            await until(lambda: line_with(mia, "disconnected Bob: cool off"), "reported")
            [withdrawn] = stack.service.store.invites_of(bob.identity.user_id)
            assert withdrawn.revoked_at is not None
            assert _logged(stack) == [
                ("disconnect", "Mia", "Bob", "cool off"),
                ("delete", "Mia", "Bob", None),
            ]
    finally:
        await stack.stop()


async def test_composer_says_why_the_room_refused_and_keeps_the_text(tmp_path: Path) -> None:
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path) as stack:
        ivschat = client(
            "ivschat",
            stack.url,
            access_key_id=stack.control_access_key_id,
            secret_access_key=stack.control_secret_access_key,
        )

        async def update_room(**params: object) -> None:
            await asyncio.to_thread(ivschat.update_room, identifier=stack.room_arn, **params)

        alice = joined_app(stack.url, "Alice")
        async with alice.run_test() as pilot:
            await until(
                lambda: alice.room is not None and alice.room.state is ConnectionState.CONNECTED,
                "Alice connected",
            )
            composer = alice.chat.query_one(Composer)

            # A review handler that denies: 406. (No endpoint is mapped for this Lambda,
            # so it fails and the room's fallback denies.)
            deny = "arn:aws:lambda:us-east-1:123456789012:function:deny-all"
            await update_room(messageReviewHandler={"uri": deny, "fallbackResult": "DENY"})
            await say(alice, pilot, "please review me")
            await until(lambda: composer.error, "the refusal")
            assert composer.error == "1 not sent: ↑ to recall · blocked by moderation"
            assert composer.text == ""  # never put back under what is typed next
            await pilot.press("up")
            assert composer.text == "please review me"
            composer.input.value = ""  # taken back, then dropped

            # One message a second: the second of two quick sends is refused, 429. Typed
            # one after the other, so the composer sends the second as soon as the first
            # is answered; waiting to see the first drawn could take a loaded machine
            # past the second in which it is refused.
            await update_room(messageReviewHandler={"uri": ""}, maximumMessageRatePerSecond=1)
            await say(alice, pilot, "first")
            await say(alice, pilot, "second, too soon")
            await until(lambda: composer.error, "the rate limit")
            await until(lambda: "first" in contents(alice), "the first message")
            assert composer.error == "1 not sent: ↑ to recall · you are sending too fast"
            assert "second, too soon" not in contents(alice)
            await pilot.press("up")
            assert composer.text == "second, too soon"


async def test_a_disconnected_viewer_closes_the_room_even_with_a_long_reason(
    tmp_path: Path,
) -> None:
    # A reason longer than a WebSocket close frame can carry: whatever the room and the
    # emulator make of it, Bob's app is done with the room and it stays closed.
    stack = await start_local_stack("127.0.0.1", 0, data_dir=tmp_path)
    host = joined_app(stack.url, "Host", key=stack.broadcaster_key)
    bob = joined_app(stack.url, "Bob")
    try:
        async with host.run_test(size=(100, 30)) as hp, bob.run_test(size=(100, 30)) as bp:
            await until(
                lambda: all(
                    a.room is not None and a.room.state is ConnectionState.CONNECTED
                    for a in (host, bob)
                ),
                "both connected",
            )
            await say(bob, bp, "bob was here")
            await until(lambda: "bob was here" in contents(host), "Bob's message at the host")
            await open_dialog(host, hp, "bob was here", "x", ConfirmScreen, "the confirmation")
            host.screen.query_one("#reason", Input).value = "please stop spamming the chat " * 5
            await hp.press("enter")
            await until(lambda: isinstance(bob.screen, DisconnectedScreen), "Bob's modal")
            # The room's stream ends only when the room is closed for good.
            await until(
                lambda: not any(w.group == "room" and w.is_running for w in bob.workers),
                "Bob's room closed",
            )
            assert bob.room is not None and bob.room.state is ConnectionState.DISCONNECTED
            await say(host, hp, "after")
            await until(lambda: "after" in contents(host), "the host's next message")
            assert bob.room.state is ConnectionState.DISCONNECTED
            assert "after" not in contents(bob)
            status = bob.chat.query_one(StatusLine)
            assert status.state is ConnectionState.DISCONNECTED
            assert "reconnecting" not in status.state_text and status.state_text != "live"
    finally:
        await stack.stop()


async def test_the_broadcaster_goes_on_stage_from_the_tui(tmp_path: Path) -> None:
    """ctrl+t: the broadcaster's own stage link, opened and shown in the toast with the
    OBS settings; the stage page it opens knows them as the host. A viewer has no such
    key, and pressing it again replaces the link."""
    async with await start_local_stack("127.0.0.1", 0, data_dir=tmp_path) as stack:
        opened: list[str] = []
        host = joined_app(stack.url, "Hana", key=stack.broadcaster_key, opened=opened)
        viewer = joined_app(stack.url, "Ada")
        async with host.run_test(size=(80, 24)) as pilot, viewer.run_test() as vpilot:
            await until(lambda: host.identity is not None, "the host joined")
            await until(lambda: viewer.identity is not None, "the viewer joined")
            assert viewer.chat.check_action("go_on_stage", ()) is False
            await vpilot.press("ctrl+t")
            assert viewer.chat.toast.stage is None
            commands = [c.title for c in host.get_system_commands(host.chat)]
            assert "Go on stage" in commands

            await pilot.press("ctrl+t")
            toast = host.chat.query_one(InviteToast)
            await until(lambda: toast.state is ToastState.JOINED, "the host's stage link")
            assert opened == [toast.link]
            assert toast.whip is not None and toast.whip.token
            assert any("your stage link is ready" in line for line in lines(host))
            async with aiohttp.ClientSession() as http, http.get(toast.link) as page:
                assert page.status == 200
                assert "Hana" in await page.text()

            first = toast.link
            await pilot.press("ctrl+t")
            await until(lambda: toast.link and toast.link != first, "a new link")
            assert len(opened) == 2
