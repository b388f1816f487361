"""The chat screen runs on any `Controls` (tui/controller.py): here a fake that records
what the screen asks, with no app server, no room and no ChatApp."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC

from textual.app import App

from tests.app_helpers import BOB, HOST, LIVE, T0, chat_message, conversation
from tui.client.app_server import InviteGrant, Redemption
from tui.client.session import SelfIdentity
from tui.controller import ChatController, Controls
from tui.ivs.events import (
    ChatMessage,
    ConnectionState,
    CustomEvent,
    NotConnected,
    RoomEvent,
    StateChanged,
    UserDisconnected,
)
from tui.ivs.moderation_notice import EVENT_MODERATION, ModerationNotice, read_notice
from tui.screens.chat import ChatScreen
from tui.widgets.message_list import MessageList


class FakeControls:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    async def send(self, text: str) -> ChatMessage:
        self.calls.append(("send", text))
        return chat_message(50, HOST, text)

    async def delete(self, message_id: str, reason: str | None = None) -> None:
        self.calls.append(("delete", message_id))

    async def disconnect(self, user_id: str, reason: str | None = None) -> None:
        self.calls.append(("disconnect", user_id))

    async def invite(self, user_id: str) -> InviteGrant:
        raise NotConnected("no app server in this test")

    async def redeem(self, invite_id: str) -> Redemption:
        raise NotConnected("no app server in this test")

    async def go_on_stage(self) -> Redemption:
        raise NotConnected("no app server in this test")

    async def leave(self) -> None:
        self.calls.append(("leave", None))

    async def open_in_browser(self, url: str) -> bool:
        return False

    def copy(self, text: str) -> None:
        self.calls.append(("copy", text))


class ScreenOnly(App[None]):
    def __init__(self, controls: Controls) -> None:
        super().__init__()
        self.chat = ChatScreen(controls, identity=HOST, clock=lambda: T0, tz=UTC, scrollback=100)

    def on_mount(self) -> None:
        self.push_screen(self.chat)


async def test_the_chat_screen_runs_on_a_fake_controller() -> None:
    fake = FakeControls()
    app = ScreenOnly(fake)
    async with app.run_test() as pilot:
        for event in (LIVE, *conversation()):
            app.chat.deliver(event, HOST)
        await pilot.pause()
        await pilot.press(*"hello", "enter")
        await pilot.press("escape", "d")  # Bob's "GG", the newest
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake.calls == [("send", "hello"), ("delete", "msg-0006")]
        lines = app.chat.query_one(MessageList).lines
        assert lines[-1].endswith("deleted Bob's message “GG”")


def test_the_controller_is_a_controls() -> None:
    controls: Controls = ChatController(browser=lambda url: False)  # type-checked
    assert isinstance(controls, ChatController)


def test_the_controller_imports_no_textual() -> None:
    probe = "import sys, tui.controller; print(sorted(m for m in sys.modules if 'textual' in m))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_renewals_are_the_controller_s_alone() -> None:
    """A disconnect that follows a renew notice renews that user's connection: the
    controller swallows it, for another user (back at once with a new token: nothing for
    the screen to say) as for us (the room is renewed); once, a later one is handed on."""
    controller = ChatController(browser=lambda url: False)
    controller.identity = HOST
    identified: list[SelfIdentity] = []

    def handed_on(event: RoomEvent) -> bool:
        return controller._follow(event, identified.append) is not None

    def renew(target: SelfIdentity) -> CustomEvent:
        notice = ModerationNotice("mod", 1, "user-x", "X", target.user_id, target.name)
        return CustomEvent("evt", EVENT_MODERATION, notice.attributes(), T0)

    assert handed_on(renew(BOB))  # the notice itself is shown
    assert not handed_on(UserDisconnected(BOB.user_id, "renewing"))
    assert handed_on(UserDisconnected(BOB.user_id, "spamming"))  # a disconnect again
    assert handed_on(renew(HOST))
    assert not handed_on(UserDisconnected(HOST.user_id, "renewing"))
    assert not handed_on(StateChanged(ConnectionState.DISCONNECTED))  # the old room ends


def test_a_notice_is_read_once_by_the_controller() -> None:
    """The controller hands on the notice it read, not the event that carried it: the
    screen reads nothing again; other events pass as they are, a notice read passes too."""
    controller = ChatController(browser=lambda url: False)
    controller.identity = HOST
    notice = ModerationNotice("timeout", 1, "user-x", "X", BOB.user_id, BOB.name)
    carried = CustomEvent("evt", EVENT_MODERATION, notice.attributes(), T0)
    assert controller._follow(carried, lambda me: None) == notice
    assert read_notice(notice) is notice
    other = CustomEvent("evt2", "something-else", {}, T0)
    assert controller._follow(other, lambda me: None) is other
