"""The stage: an invite shown in the toast and held against the clock, joining it, the
broadcaster's own stage link, the WHIP settings and the link copied."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.timer import Timer

from tui.chat.room_messages import InviteReceived
from tui.chat.stage_invite import EXPIRED_WORDS, StageInvite, WhipSettings
from tui.client.app_server import InviteExpired
from tui.error_words import error_words
from tui.screens.chat.base import ChatBase
from tui.screens.chat.words import NOT_A_LINK_WORDS
from tui.screens.dialogs.stage_link import StageLinkScreen
from tui.screens.dialogs.whip import WhipScreen
from tui.terminal.untrusted import clean
from tui.widgets.invite_toast import InviteToast, ToastState

# How often a showing invite is held against the (injected) clock: a timer per deadline
# would run on the real clock, which tests and snapshots replace.
EXPIRY_CHECK_SECONDS = 0.25


def safe_link(url: str) -> str | None:
    """The stage link if it is a plain http(s) URL we can hand to a terminal and a
    browser; None otherwise (it must never carry escape sequences into OSC 8)."""
    if not url.startswith(("https://", "http://")) or clean(url) != url or " " in url:
        return None
    return url


class StageFlows(ChatBase):
    _expiry_check: Timer | None = None

    @property
    def stage_link(self) -> str:
        """The stage link of the invite showing, once redeemed ("" before)."""
        return self.toast.link

    @on(InviteReceived)
    def _invite_received(self, event: InviteReceived) -> None:
        if self.ended:
            return
        self.toast.show_invite(event.invite)
        self.system("you have been invited to join the stream on stage")
        self._watch_expiry()

    def _watch_expiry(self) -> None:
        """Hold the showing invite against the clock until it is used up or gone."""
        if not self._check_expiry() and self._expiry_check is None:
            self._expiry_check = self.set_interval(EXPIRY_CHECK_SECONDS, self._check_expiry)

    def _check_expiry(self) -> bool:
        """Take the invite down if its time has passed; True when there is nothing left
        to watch (then the periodic check stops)."""
        toast = self.toast
        if toast.is_overdue(self._clock()):
            own = toast.stage is not None and toast.stage.own
            toast.expired("Your stage link has expired." if own else EXPIRED_WORDS)
            self.system(f"your stage {'link' if own else 'invite'} has expired", error=True)
        if toast.showing and toast.state is not ToastState.EXPIRED:
            return False
        if self._expiry_check is not None:
            self._expiry_check.stop()
            self._expiry_check = None
        return True

    def action_join_stage(self) -> None:
        self._join(then=None)

    @on(InviteToast.JoinRequested)
    def _toast_clicked(self) -> None:
        self._join(then=None)

    def action_show_whip(self) -> None:
        if (whip := self.toast.whip) is not None:
            self.app.push_screen(WhipScreen(whip.server, whip.token))
        else:
            self._join(then=lambda: self.action_show_whip() if self.toast.whip else None)

    def action_copy_stage_link(self) -> None:
        """Copy the link (OSC 52) and show it whole: the toast cuts a long one, and a
        terminal may pass neither the hyperlink nor the copy (tmux, by default)."""
        if link := self.toast.link:
            self.controls.copy(link)
            self.app.push_screen(StageLinkScreen(link))

    def action_dismiss_invite(self) -> None:
        self.toast.dismiss()

    def action_go_on_stage(self) -> None:
        self._go_on_stage()

    @work(group="stage", exclusive=True)
    async def _go_on_stage(self) -> None:
        """The broadcaster's own stage link, shown in the toast like a joined invite."""
        try:
            redemption = await self.controls.go_on_stage()
        except Exception as exc:
            self._failed(f"could not go on stage: {error_words(exc)}")
            return
        link = safe_link(redemption.join_url)
        if link is None or self.identity is None:
            self.system(NOT_A_LINK_WORDS, error=True)
            return
        opened = await self.controls.open_in_browser(link)
        whip = WhipSettings(redemption.whip_url, redemption.participant_token)
        self.toast.stage = StageInvite.hosting(
            self.identity.user_id, link, whip, redemption.expires_at, opened=opened
        )
        self._watch_expiry()
        self.system("your stage link is ready (asking again takes this one off the stage)")

    @work(group="stage", exclusive=True)
    async def _join(self, then: Callable[[], object] | None) -> None:
        toast = self.toast
        invite = toast.invite
        if invite is None:
            return
        toast.joining()
        try:
            redemption = await self.controls.redeem(invite.invite_id)
        except Exception as exc:
            if isinstance(exc, InviteExpired):
                toast.expired()
                self.system("your stage invite has expired", error=True)
            else:
                toast.failed(error_words(exc))
            return
        link = safe_link(redemption.join_url)
        if link is None:
            toast.failed(NOT_A_LINK_WORDS)
            return
        toast.expire_by(redemption.expires_at)
        opened = False
        if then is None:
            opened = await self.controls.open_in_browser(link)
        whip = WhipSettings(redemption.whip_url, redemption.participant_token)
        toast.joined(link, whip, browser_opened=opened)
        self._watch_expiry()
        if then is not None:
            then()
