"""The stage invite toast against the clock: it comes down when the invite expires, and
says so. The app's clock is injected, so no test waits for real time to pass."""

from __future__ import annotations

from datetime import timedelta

from tests.tui.conftest import ALICE, T0, invite_event, show_conversation, until
from tui.widgets.invite_toast import EXPIRED_WORDS, InviteToast, ToastState
from tui.widgets.message_list import MessageList


async def test_the_invite_toast_expires_on_the_clock(make_app) -> None:
    now = [T0]
    app = make_app(ALICE, clock=lambda: now[0])
    async with app.run_test() as pilot:
        await show_conversation(
            app, pilot, invite_event(ALICE, expires_at=T0 + timedelta(minutes=5))
        )
        toast = app.chat.query_one(InviteToast)
        assert toast.state is ToastState.PENDING
        assert app.chat.check_action("join_stage", ())
        now[0] = T0 + timedelta(minutes=4, seconds=59)
        await pilot.pause()
        assert toast.state is ToastState.PENDING
        now[0] = T0 + timedelta(minutes=5)
        await until(lambda: toast.state is ToastState.EXPIRED, "the toast to expire")
        assert toast.detail == EXPIRED_WORDS
        assert toast.showing  # it says so until closed
        assert not app.chat.check_action("join_stage", ())
        assert not app.chat.check_action("show_whip", ())
        assert app.chat.query_one(MessageList).lines[-1].endswith("your stage invite has expired")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not toast.showing


async def test_an_invite_that_arrives_expired_says_so_at_once(make_app) -> None:
    app = make_app(ALICE, clock=lambda: T0)
    async with app.run_test() as pilot:
        await show_conversation(
            app, pilot, invite_event(ALICE, expires_at=T0 - timedelta(seconds=1))
        )
        toast = app.chat.query_one(InviteToast)
        assert toast.state is ToastState.EXPIRED
        assert not app.chat.check_action("join_stage", ())
