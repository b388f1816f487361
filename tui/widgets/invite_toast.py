"""The invite toast: shown to the invited viewer only, until they act on it or it expires.

It holds no network code: it holds the invite as one value (`stage`, a tui.chat.stage_invite
StageInvite) and asks for a join with `JoinRequested`; the screen redeems the invite and
tells the toast how it went.
The stage link is drawn as an OSC 8 hyperlink (a `link` style), so a terminal makes it
clickable even when no browser can be opened from here (SSH); the copy key also shows it
whole (tui/screens/dialogs/stage_link.py), for a terminal that passes no hyperlink.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

from tui.chat.stage_invite import EXPIRED_WORDS, StageInvite, ToastState, WhipSettings
from tui.ivs.invites import Invite
from tui.terminal.untrusted import clean, content_from


class InviteToast(Widget):
    """Clicking it does what ctrl+o does (the keyboard never needs the mouse)."""

    @dataclass
    class JoinRequested(Message):
        """The user asked to join the stage (a click on the invite)."""

        toast: InviteToast

    Clicked = JoinRequested  # its former name

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

    stage: reactive[StageInvite | None] = reactive(None, layout=True, bindings=True)
    """The invite showing, or None. The screen's keys depend on it (bindings=True)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Stage invite"

    def watch_stage(self, stage: StageInvite | None) -> None:
        state = stage.state if stage is not None else None
        self.set_class(stage is not None, "-shown")
        self.set_class(state is ToastState.EXPIRED, "-expired")
        self.set_class(state is ToastState.FAILED, "-failed")

    # --- reading it ---

    @property
    def showing(self) -> bool:
        return self.stage is not None

    @property
    def invite(self) -> Invite | None:
        return self.stage.invite if self.stage is not None else None

    @property
    def state(self) -> ToastState:
        return self.stage.state if self.stage is not None else ToastState.PENDING

    @property
    def expires_at(self) -> datetime | None:
        return self.stage.expires_at if self.stage is not None else None

    @property
    def link(self) -> str:
        return self.stage.link if self.stage is not None else ""

    @property
    def whip(self) -> WhipSettings | None:
        return self.stage.whip if self.stage is not None else None

    @property
    def detail(self) -> str:
        return self.stage.detail if self.stage is not None else ""

    @property
    def browser_opened(self) -> bool:
        return self.stage is not None and self.stage.browser_opened

    def is_overdue(self, now: datetime) -> bool:
        """Showing a usable invite whose time has passed at `now`."""
        return self.stage is not None and self.stage.is_overdue(now)

    # --- its steps: each a new value ---

    def show_invite(self, invite: Invite) -> None:
        self.stage = StageInvite.received(invite)

    def expire_by(self, when: datetime) -> None:
        if self.stage is not None:
            self.stage = self.stage.expire_by(when)

    def joining(self) -> None:
        if self.stage is not None:
            self.stage = self.stage.joining()

    def joined(self, link: str, whip: WhipSettings | None = None, *, browser_opened: bool) -> None:
        if self.stage is not None:
            self.stage = self.stage.joined(link, whip, browser_opened=browser_opened)

    def expired(self, words: str = EXPIRED_WORDS) -> None:
        """The invite can no longer be used: expired, or withdrawn (`words` says which)."""
        if self.stage is not None:
            self.stage = self.stage.expired(words)

    def failed(self, words: str) -> None:
        if self.stage is not None:
            self.stage = self.stage.failed(words)

    def dismiss(self) -> None:
        self.stage = None

    def on_click(self, event: events.Click) -> None:
        if self.invite is not None and self.state in (ToastState.PENDING, ToastState.FAILED):
            event.stop()
            self.post_message(self.JoinRequested(self))

    def _key(self, action: str, default: str) -> str:
        for active in self.screen.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return default

    def _link_line(self) -> Content:
        """The stage link on one line: wrapped inside the border, a mouse selection would
        copy "│" and a line break into it. When too long it is cut short on screen with
        "…"; the OSC 8 target (a click) and the copy key keep the whole link, and the
        copy key shows it whole, wrapped (tmux passes no hyperlink)."""
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
                    "[b]$copy[/b] copy and show link · [b]$obs[/b] OBS settings · "
                    "[b]$close[/b] close",
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


__all__ = ["EXPIRED_WORDS", "InviteToast", "ToastState"]
