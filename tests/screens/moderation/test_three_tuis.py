"""Three TUIs under pilot: the broadcaster, a viewer the broadcaster makes a moderator,
and a viewer, against the real app server and local stack (`start_local_stack`): the
real moderation routes, tokens, notices and DisconnectUser, as `make run` serves them.

Shown: the `[mod]` badge after a role change that renewed the connection without a
restart; another moderator's system line; a timeout that expires, after which the
viewer's kept text sends; a ban that ends the session with its reason, and 403 in words
at the next join. Waiting is on what the user would see; nothing asserts a duration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.app_helpers import (
    armed,
    contents,
    joined_app,
    line_with,
    lines,
    open_dialog,
    say,
    select,
    until,
)
from tui.app import ChatApp
from tui.client.app_server import AppServerClient, AppServerError
from tui.client.session import ChatSession
from tui.ivs.events import ConnectionState
from tui.screens.dialogs.admin_menu import AdminMenu
from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.dialogs.confirm import ConfirmScreen
from tui.screens.dialogs.disconnected import DisconnectedScreen
from tui.screens.dialogs.timeout_picker import TimeoutPicker
from tui.server.boot.startup import start_local_stack
from tui.widgets.status_line import StatusLine

SIZE = (100, 30)


HOST_KEY = "host-key-for-tests"
TIMEOUT, TIMEOUT_WORDS = "12s", "12 s"  # as typed, as the system lines say it


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[str]:
    stack = await start_local_stack(
        "127.0.0.1", 0, data_dir=tmp_path, broadcaster_key=HOST_KEY, broadcaster_name="Host"
    )
    try:
        yield stack.url
    finally:
        await stack.stop()


def live(*apps: ChatApp) -> bool:
    return all(
        a.room is not None
        and a.room.state is ConnectionState.CONNECTED
        and a.chat.query_one(StatusLine).state_text == "live"
        for a in apps
    )


async def choose(app: ChatApp, pilot, key: str) -> None:
    """From the selected message: the admin menu, then `key` there."""
    await pilot.press("enter")
    await until(lambda: isinstance(app.screen, AdminMenu), "the admin menu")
    await pilot.press(key)


async def test_a_moderator_times_out_a_viewer_and_sending_resumes(room) -> None:
    url = room
    host = joined_app(url, "Host", key=HOST_KEY)
    mia = joined_app(url, "Mia")
    bob = joined_app(url, "Bob")
    async with (
        host.run_test(size=SIZE) as hp,
        mia.run_test(size=SIZE) as mp,
        bob.run_test(size=SIZE) as bp,
    ):
        await until(lambda: live(host, mia, bob), "all three live")
        assert mia.identity is not None and mia.identity.role == "viewer"
        assert not mia.chat.check_action("timeout", ())

        # The broadcaster makes Mia a moderator: her connection is renewed, no restart.
        await say(mia, mp, "hi from Mia")
        await until(lambda: "hi from Mia" in contents(host), "Mia's line at the host")
        await select(host, hp, "hi from Mia")
        await choose(host, hp, "o")
        await until(lambda: isinstance(host.screen, ConfirmScreen), "asked first")
        await armed(host)
        await hp.press("tab", "enter")  # from Cancel to "Make moderator"
        await until(lambda: line_with(host, "made Mia a moderator"), "mod reported")
        await until(
            lambda: mia.identity is not None and mia.identity.role == "moderator",
            "Mia's TUI knows she is a moderator",
        )
        await until(lambda: live(mia), "Mia live again")
        assert "moderator" in mia.chat.query_one(StatusLine).render().plain
        await say(mia, mp, "now a mod")
        await until(lambda: "now a mod" in contents(bob), "Mia's next line at Bob")
        assert "[mod] Mia now a mod" in [line.split(" ", 1)[1] for line in lines(bob)]

        # Mia times Bob out from her own TUI; the host sees it as a system line.
        await say(bob, bp, "SPAM SPAM")
        await until(lambda: "SPAM SPAM" in contents(mia), "Bob's line at Mia")
        # Bob is typing when the timeout lands. Every change of his composer is recorded
        # as it happens: the read-only spell is short, and a loaded machine may take
        # longer than that to get through the waits below.
        bob.chat.composer.input.value = "sorry, back now"
        seen: list[tuple[bool, bool, str]] = []

        def note(disabled: bool) -> None:
            timed_out = bob.identity is not None and bob.identity.timed_out_until is not None
            seen.append((disabled, timed_out, bob.chat.composer.text))

        bob.chat.watch(bob.chat.composer.input, "disabled", note, init=False)
        await select(mia, mp, "SPAM SPAM")
        assert mia.chat.check_action("timeout", ())  # a moderator now: she may
        await mp.press("t")
        await until(lambda: isinstance(mia.screen, TimeoutPicker), "the timeout picker")
        picker = mia.screen
        picker.query_one("#duration", Input).focus()
        await armed(mia)
        # Long enough to outlast Bob's renewal: the server disconnects him, and only the
        # token he fetches next is read-only. On a loaded machine that took over 3 s, and
        # a token fetched after the timeout ends sends as before: he was never read-only.
        await mp.press(*TIMEOUT, "enter", *"calm down", "enter")
        said = f"timed out Bob for {TIMEOUT_WORDS}: calm down"
        await until(
            lambda: any(said in line for line in lines(mia)),
            "the timeout reported at Mia",
        )
        await until(
            lambda: any(f"Mia {said}" in line for line in lines(host)),
            "another moderator's action as a system line at the host",
        )
        await until(
            lambda: any(f"Mia timed out you for {TIMEOUT_WORDS}" in line for line in lines(bob)),
            "Bob told",
        )
        # Read-only with his text kept, then sending again with it still there.
        await until(
            lambda: (True, True, "sorry, back now") in seen,
            lambda: (
                f"Bob read-only, his text kept (his composer went {seen}, his lines end "
                f"{lines(bob)[-3:]})"
            ),
        )
        assert bob.chat.composer.text == "sorry, back now"
        await until(lambda: live(bob) and not bob.chat.composer.input.disabled, "Bob may send")
        assert bob.chat.composer.text == "sorry, back now"
        assert bob.identity.timed_out_until is None
        bob.chat.composer.focus_input()
        await bp.press("enter")
        await until(lambda: "sorry, back now" in contents(host), "Bob's message after it")
        # Never a restart: each app is the one that started, its room client renewed.
        assert not isinstance(bob.screen, DisconnectedScreen)


async def test_a_ban_ends_the_session_with_its_reason(room) -> None:
    url = room
    host = joined_app(url, "Host", key=HOST_KEY)
    bob = joined_app(url, "Bob")
    async with host.run_test(size=SIZE) as hp, bob.run_test(size=SIZE) as bp:
        await until(lambda: live(host, bob), "both live")
        await say(bob, bp, "buy followers")
        await until(lambda: "buy followers" in contents(host), "Bob's line at the host")
        await open_dialog(host, hp, "buy followers", "b", BanConfirm, "the ban confirmation")
        await hp.press(*"selling", "enter")
        await until(lambda: line_with(host, "banned Bob: selling"), "the ban reported")
        await until(lambda: isinstance(bob.screen, DisconnectedScreen), "Bob's modal")
        # The host's own next line comes back after the ban's disconnect (one socket keeps
        # its order): by then the ban has been said once, as the host's action.
        await say(host, hp, "moving on")
        await until(lambda: "moving on" in contents(host), "the host's next line")
        assert [line for line in lines(host) if "Bob" in line and "buy" not in line] == [
            line_with(host, "banned Bob: selling")
        ]
        shown = [str(w.render()) for w in bob.screen.query("Static")]
        assert "You have been banned from this chat." in shown
        assert "Reason: selling" in shown
        assert bob.chat.status.reason == "banned by Host"  # the broadcaster, by name
        assert bob.chat.composer.input.disabled
        # Joining again: refused in words, with the reason.
        again = ChatSession(
            AppServerClient(url, session_key=bob.controller.session.client.session_key),
            "Bob",
        )
        with pytest.raises(AppServerError) as refused:
            await again.open()
        await again.close()
        assert refused.value.message == "you are banned from this chat: selling"
