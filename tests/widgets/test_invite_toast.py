"""The stage invite toast against the clock: it comes down when the invite expires, and
says so. The app's clock is injected, so no test waits for real time to pass."""

from __future__ import annotations

from datetime import timedelta

from textual.geometry import Region
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from tests.app_helpers import (
    ALICE,
    HOST,
    T0,
    chat_message,
    invite_event,
    show_conversation,
    until,
)
from tui.chat.stage_invite import StageInvite, WhipSettings
from tui.ivs.invites import Invite
from tui.screens.dialogs.stage_link import StageLinkScreen
from tui.widgets.invite_toast import EXPIRED_WORDS, InviteToast, ToastState
from tui.widgets.message_list import MessageList

LINK = "http://127.0.0.1:8750/multihost/stage-0001?code=" + "c0dE" * 30


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


async def test_at_80_columns_the_footer_keeps_quit_and_help_with_an_invite(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot, invite_event(ALICE))
        # Joined: every invite key applies.
        app.chat.query_one(InviteToast).joined(LINK, browser_opened=False)
        await pilot.pause()
        footer = app.chat.query_one(Footer)
        palette = footer.query_one(".-command-palette").region
        keys = [key for key in footer.query(FooterKey) if key.region != palette]
        shown = {key.description: key.region for key in keys if key.description}
        assert {"Quit", "Help"} <= set(shown)
        for description, region in shown.items():
            assert region.right <= palette.x, f"{description!r} is cut off: {region}"
        # The invite's own keys are still there, spelled out in the toast.
        toast_text = app.chat.query_one(InviteToast).render().plain
        assert "^y copy and show link" in toast_text and "^n close" in toast_text


async def test_a_long_stage_link_stays_on_one_line_and_links_whole(make_app) -> None:
    app = make_app(ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot, invite_event(ALICE))
        toast = app.chat.query_one(InviteToast)
        toast.joined(LINK, browser_opened=False)
        await pilot.pause()
        rows = toast.render_lines(Region(0, 0, *toast.outer_size))
        linked = [row for row in rows if any(s.style is not None and s.style.link for s in row)]
        assert len(linked) == 1  # one row: no "│" or line break inside the link
        [row] = linked
        targets = {s.style.link for s in row if s.style is not None and s.style.link}
        assert targets == {LINK}
        shown = "".join(s.text for s in row if s.style is not None and s.style.link)
        assert shown.endswith("…") and LINK.startswith(shown[:-1])


async def test_the_copy_key_shows_the_whole_link_wrapped(make_app) -> None:
    # tmux passes no OSC 8 hyperlink: the cut link in the toast must be readable whole
    # somewhere, and ctrl+y shows it so, on screen, as well as copying it.
    app = make_app(ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_conversation(app, pilot, invite_event(ALICE))
        app.chat.toast.joined(LINK, browser_opened=False)
        await pilot.pause()
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == LINK
        assert isinstance(app.screen, StageLinkScreen)
        shown = app.screen.query_one("#link", Static)
        rows = shown.render_lines(Region(0, 0, *shown.outer_size))
        drawn = "".join(strip.text.strip() for strip in rows)
        assert drawn == LINK  # every character, over as many rows as it takes
        assert len(rows) > 1
        await pilot.press("escape")
        assert app.screen is app.chat


async def test_an_invite_whose_expiry_cannot_be_read_still_shows(make_app) -> None:
    app = make_app(ALICE)
    event = invite_event(ALICE)
    event.attributes["expiresAt"] = "0001-01-01T00:00:00+01:00"  # no UTC time holds it
    async with app.run_test() as pilot:
        await show_conversation(app, pilot, event, chat_message(7, HOST, "still here"))
        toast = app.chat.query_one(InviteToast)
        assert toast.showing and toast.state is ToastState.PENDING
        assert toast.expires_at is None
        assert app.chat.query_one(MessageList).lines[-1].endswith("Host still here")


async def test_a_naive_expiry_is_taken_as_utc(make_app) -> None:
    # The app server's redemption may carry a time without an offset: held against the
    # aware clock it must not raise inside the expiry timer.
    now = [T0]
    app = make_app(ALICE, clock=lambda: now[0])
    async with app.run_test() as pilot:
        await show_conversation(app, pilot, invite_event(ALICE))
        toast = app.chat.query_one(InviteToast)
        toast.expire_by((T0 + timedelta(minutes=1)).replace(tzinfo=None))
        assert not toast.is_overdue(now[0])
        naive = Invite(ALICE.user_id, "realtime", "stage", "inv-2", T0.replace(tzinfo=None))
        toast.show_invite(naive)
        assert toast.is_overdue(now[0])


def test_the_stage_invite_is_one_value_each_step_a_new_one() -> None:
    invite = Invite(ALICE.user_id, "realtime", "host-stage", "inv-1", T0.replace(tzinfo=None))
    stage = StageInvite.received(invite)
    assert stage.expires_at == T0  # a naive expiry is taken as UTC
    joined = stage.joining().joined(LINK, WhipSettings("https://whip", "tok"), browser_opened=True)
    assert joined.link == LINK and joined.whip is not None and stage.link == ""
    assert joined.expire_by(T0 + timedelta(hours=1)).expires_at == T0  # the earlier stays
    assert joined.expire_by(T0 - timedelta(minutes=1)).expires_at == T0 - timedelta(minutes=1)
    assert joined.is_overdue(T0) and not joined.is_overdue(T0 - timedelta(seconds=1))
    gone = joined.expired("withdrawn")
    assert (gone.state, gone.link, gone.whip, gone.detail) == (
        ToastState.EXPIRED,
        "",
        None,
        "withdrawn",
    )
    assert not gone.usable and not gone.is_overdue(T0)
