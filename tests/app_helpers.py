"""Fixed people, times and messages for the app's tests and snapshots: an injected clock,
fixed ids and an explicit time zone, so every run draws the same screen."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from tui.app import ChatApp
from tui.client.app_server import AppServerClient
from tui.client.session import ChatSession, SelfIdentity
from tui.config.settings import TuiSettings
from tui.ivs.events import ChatMessage, ConnectionState, CustomEvent, RoomEvent, StateChanged
from tui.ivs.invites import Invite
from tui.ivs.protocol import EVENT_MULTIHOST_INVITE
from tui.widgets.message_list import MessageList

T0 = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)
ROOM = "chat.example:8750"
HOST = SelfIdentity("user-host", "Host", "broadcaster", ROOM)
ALICE = SelfIdentity("viewer-alice", "Alice", "viewer", ROOM)
BOB = SelfIdentity("viewer-bob", "Bob", "viewer", ROOM)
CAROL = SelfIdentity("viewer-carol", "Carol", "viewer", ROOM)
JOIN_HINT = "ivs-chat-tui join --server http://127.0.0.1:8750 --name YOUR_NAME"
HOSTILE = "[@click=app.quit]x[/] [bold]loud \x1b[2J\x1b[H \x1b]52;c;aGk=\x07 \u202eevil [/"


def chat_message(
    n: int,
    sender: SelfIdentity,
    text: str,
    *,
    minutes: int = 0,
    name: str | None = None,
    role: str | None = None,
) -> ChatMessage:
    """`role`: the sender's role attribute, when it is not their identity's ("" for a
    sender the app server never gave a token)."""
    return ChatMessage(
        id=f"msg-{n:04d}",
        content=text,
        sender_id=sender.user_id,
        sender_attributes={
            "username": name or sender.name,
            "role": sender.role if role is None else role,
        },
        attributes={},
        send_time=T0 + timedelta(minutes=minutes),
    )


def conversation() -> list[ChatMessage]:
    return [
        chat_message(1, ALICE, "hi everyone!"),
        chat_message(2, BOB, "what keyboard is that?"),
        chat_message(3, HOST, "welcome! it is a split ergo board", minutes=1),
        chat_message(4, CAROL, "@Host can you show the config again?", minutes=1),
        chat_message(5, ALICE, "Bob: it looks like a Corne", minutes=2),
        chat_message(6, BOB, "GG", minutes=3),
    ]


def invite_event(
    user: SelfIdentity, invite_id: str = "inv-0001", *, expires_at: datetime | None = None
) -> CustomEvent:
    invite = Invite(user.user_id, "realtime", "host-stage", invite_id, expires_at)
    return CustomEvent(
        id="evt-0001", name=EVENT_MULTIHOST_INVITE, attributes=invite.attributes(), send_time=T0
    )


LIVE = StateChanged(ConnectionState.CONNECTED)


async def show_conversation(app: ChatApp, pilot: Pilot, *events: RoomEvent) -> None:
    """The room connected, the fixed conversation in it, then `events`; drawn."""
    app.deliver(LIVE)
    for message in conversation():
        app.deliver(message)
    for event in events:
        app.deliver(event)
    await pilot.pause()


@pytest.fixture
def make_app() -> Callable[..., ChatApp]:
    """A ChatApp that connects nowhere: the test hands it room events."""

    def make(
        identity: SelfIdentity = HOST,
        *,
        join_hint: str | None = None,
        clock: Callable[[], datetime] = lambda: T0,
        **settings: object,
    ) -> ChatApp:
        return ChatApp(
            identity=identity,
            settings=TuiSettings.model_construct(**settings),
            join_hint=join_hint,
            clock=clock,
            tz=UTC,
            browser=lambda url: False,
        )

    return make


# --- against a real stack (test_e2e.py, test_app_join.py) --------------------------------

DEADLINE = 20.0


async def until(check: Callable[[], object], what: str | Callable[[], str]) -> None:
    """Poll `check` (a coroutine function too, e.g. one asking a server) until it is true.
    `what` may be a function, to say in the failure what was seen by then."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + DEADLINE
    while True:
        done = check()
        if inspect.isawaitable(done):
            done = await done
        if done:
            return
        if loop.time() > give_up:
            raise AssertionError(f"never happened: {what if isinstance(what, str) else what()}")
        await asyncio.sleep(0.02)


def contents(app: ChatApp) -> list[str]:
    return [m.content for m in app.chat.query_one(MessageList).messages]


def lines(app: ChatApp) -> list[str]:
    return app.chat.query_one(MessageList).lines


def line_with(app: ChatApp, words: str) -> str:
    """The newest line of the list with `words` in it ("" if none). Wait on this, not on
    the last line: another line may follow the one awaited before the test looks."""
    return next((line for line in reversed(lines(app)) if words in line), "")


def joined_app(
    url: str, name: str, *, key: str | None = None, opened: list[str] | None = None
) -> ChatApp:
    def browser(link: str) -> bool:
        if opened is None:
            return False
        opened.append(link)
        return True

    session = ChatSession(AppServerClient(url, broadcaster_key=key), name)
    return ChatApp(session, settings=TuiSettings.model_construct(), browser=browser)


async def select(app: ChatApp, pilot, content: str) -> None:
    """Focus the list and move the selection to the newest message with `content`."""
    app.chat.composer.focus_input()
    await pilot.press("escape")
    listing = app.chat.query_one(MessageList)
    for _ in range(len(listing)):
        selected = listing.selected_message
        if selected is not None and selected.content == content:
            return
        await pilot.press("up")
    raise AssertionError(f"{content!r} is not in the list")


async def say(app: ChatApp, pilot, text: str) -> None:
    app.chat.composer.focus_input()
    app.chat.composer.input.value = text
    await pilot.press("enter")


async def armed(app: App[object]) -> None:
    """Until the confirmation on top takes a confirm: those that remove someone or make
    a moderator wait a moment first (tui/screens/dialogs/dialog.py, `arming`)."""
    await until(lambda: getattr(app.screen, "armed", True), "the confirmation armed")


_Dialog = TypeVar("_Dialog", bound=Screen[Any])


async def open_dialog(
    app: ChatApp, pilot, content: str, key: str, kind: type[_Dialog], what: str
) -> _Dialog:
    """Select the newest message with `content`, press `key` on it, and wait until the
    dialog of `kind` it opens is on top and takes a confirm."""
    await select(app, pilot, content)
    await pilot.press(key)
    await until(lambda: isinstance(app.screen, kind), what)
    await armed(app)
    screen = app.screen
    assert isinstance(screen, kind)
    return screen
