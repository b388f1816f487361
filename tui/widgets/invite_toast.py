"""The invite toast: shown to the invited viewer only, until they act on it or it expires.

It holds no network code: the screen redeems the invite and tells the toast how it went.
The stage link is drawn as an OSC 8 hyperlink (a `link` style), so a terminal makes it
clickable even when no browser can be opened from here (SSH).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.style import Style
from textual.widget import Widget

from tui.ivs.invites import Invite
from tui.widgets.untrusted import clean, content_from


class ToastState(StrEnum):
    PENDING = "pending"
    JOINING = "joining"
    JOINED = "joined"
    EXPIRED = "expired"
    FAILED = "failed"


EXPIRED_WORDS = "Your invitation to this stream has expired."


def _aware(moment: datetime) -> datetime:
    """A naive time taken as UTC (the app server speaks UTC): comparing a naive time
    with the aware clock would raise inside a timer and end the app."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class InviteToast(Widget):
    """Clicking it does what ctrl+o does (the keyboard never needs the mouse)."""

    @dataclass
    class Clicked(Message):
        toast: InviteToast

    DEFAULT_CSS = """
    InviteToast {
        display: none;
        height: auto;
        margin: 0 1;
        padding: 0 1;
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
        background: $boost;
    }
    InviteToast.-shown {
        display: block;
    }
    InviteToast.-expired, InviteToast.-failed {
        border: round $error;
        border-title-color: $error;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Stage invite"
        self.invite: Invite | None = None
        self.expires_at: datetime | None = None
        self.state = ToastState.PENDING
        self.link = ""
        self.detail = ""
        self.browser_opened = False

    @property
    def showing(self) -> bool:
        return self.invite is not None

    def show_invite(self, invite: Invite) -> None:
        self.invite = invite
        self.expires_at = _aware(invite.expires_at) if invite.expires_at else None
        self.link = ""
        self.detail = ""
        self.browser_opened = False
        self._set_state(ToastState.PENDING)

    def expire_by(self, when: datetime) -> None:
        """The invite (or the stage link it became) stops working at `when` at the latest."""
        when = _aware(when)
        if self.expires_at is None or when < self.expires_at:
            self.expires_at = when

    def is_overdue(self, now: datetime) -> bool:
        """Showing a usable invite whose time has passed at `now`."""
        return (
            self.invite is not None
            and self.state is not ToastState.EXPIRED
            and self.expires_at is not None
            and now >= self.expires_at
        )

    def joining(self) -> None:
        self._set_state(ToastState.JOINING)

    def joined(self, link: str, *, browser_opened: bool) -> None:
        self.link = link
        self.browser_opened = browser_opened
        self._set_state(ToastState.JOINED)

    def expired(self, words: str = EXPIRED_WORDS) -> None:
        """The invite can no longer be used: expired, or withdrawn (`words` says which)."""
        self.detail = words
        self._set_state(ToastState.EXPIRED)

    def failed(self, words: str) -> None:
        self.detail = words
        self._set_state(ToastState.FAILED)

    def dismiss(self) -> None:
        self.invite = None
        self.expires_at = None
        self.remove_class("-shown")
        self._set_state(ToastState.PENDING)

    def on_click(self, event: events.Click) -> None:
        if self.invite is not None and self.state in (ToastState.PENDING, ToastState.FAILED):
            event.stop()
            self.post_message(self.Clicked(self))

    def _set_state(self, state: ToastState) -> None:
        self.state = state
        self.set_class(self.invite is not None, "-shown")
        self.set_class(state is ToastState.EXPIRED, "-expired")
        self.set_class(state is ToastState.FAILED, "-failed")
        self.refresh(layout=True)
        # The footer's keys depend on the toast's state.
        self.screen.refresh_bindings()

    def _key(self, action: str, default: str) -> str:
        for active in self.screen.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return default

    def _link_line(self) -> Content:
        """The stage link on one line: wrapped inside the border, a mouse selection would
        copy "│" and a line break into it. When too long it is cut short on screen with
        "…"; the OSC 8 target (a click) and the copy key keep the whole link."""
        text = clean(self.link)
        width = self.content_region.width
        if width > 1 and cell_len(text) > width:
            text = text[: width - 1] + "…"  # a safe link is ASCII: a character is a cell
        return Content(text).stylize(Style(link=self.link, underline=True))

    def render(self) -> Content:
        invite = self.invite
        if invite is None:
            return Content("")
        stage = invite.stage or "the stage"
        join = self._key("join_stage", "ctrl+o")
        close = self._key("dismiss_invite", "ctrl+n")
        obs = self._key("show_whip", "ctrl+g")
        if self.state is ToastState.PENDING:
            lines = [
                content_from(
                    "[b]You have been invited to join this stream[/b] ($stage)", stage=stage
                ),
                content_from(
                    "[b]$join[/b] join · [b]$obs[/b] OBS settings · [b]$close[/b] dismiss",
                    join=join,
                    obs=obs,
                    close=close,
                ),
            ]
        elif self.state is ToastState.JOINING:
            lines = [Content("Joining the stage…")]
        elif self.state is ToastState.JOINED:
            where = (
                "Opened in your browser. The link is yours alone and works once:"
                if self.browser_opened
                else "Open this link in a browser (it is yours alone and works once):"
            )
            lines = [
                Content(where),
                self._link_line(),
                content_from(
                    "[b]$copy[/b] copy link · [b]$obs[/b] OBS settings · [b]$close[/b] close",
                    copy=self._key("copy_stage_link", "ctrl+y"),
                    obs=obs,
                    close=close,
                ),
            ]
        elif self.state is ToastState.EXPIRED:
            lines = [
                content_from("[b]$words[/b]", words=self.detail),
                content_from("[b]$close[/b] close", close=close),
            ]
        else:
            lines = [
                content_from("Could not join: $words", words=self.detail),
                content_from(
                    "[b]$join[/b] try again · [b]$close[/b] close", join=join, close=close
                ),
            ]
        return Content("\n").join(lines)
