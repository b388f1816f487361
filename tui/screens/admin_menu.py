"""The broadcaster's admin menu for one message: only the actions that apply, each with
the key that does the same from the message list (StreamCat's menu, by keyboard)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.ivs.events import ChatMessage
from tui.screens.dialog import DialogScreen
from tui.session import ROLE_VIEWER, SelfIdentity
from tui.widgets.untrusted import content_from

DELETE = "delete"
DISCONNECT = "disconnect"
INVITE = "invite"


@dataclass(frozen=True, slots=True)
class AdminAction:
    id: str
    key: str
    label: str


def can_invite(message: ChatMessage) -> bool:
    """Whether the app server can invite the sender: it invites the viewers it gave a token
    (their token says `role: viewer`); not the broadcaster, not someone it never met."""
    return message.sender_attributes.get("role") == ROLE_VIEWER


def admin_actions(
    message: ChatMessage, me: SelfIdentity | None, gone: Collection[str] = ()
) -> list[AdminAction]:
    """The moderation actions that apply to `message` for `me` (none for a viewer).
    Senders in `gone` (already disconnected) can only have their messages deleted."""
    if me is None or not me.is_broadcaster:
        return []
    actions = [AdminAction(DELETE, "d", "Delete message")]
    if message.sender_id != me.user_id and message.sender_id not in gone:
        actions.append(AdminAction(DISCONNECT, "x", "Disconnect user…"))
        if can_invite(message):
            actions.append(AdminAction(INVITE, "s", "Invite to the stage"))
    return actions


class AdminMenu(DialogScreen[str | None]):
    """Dismisses with the chosen action id, or None."""

    DEFAULT_CSS = """
    AdminMenu > #dialog {
        width: 48;
        padding: 0 1;
    }
    AdminMenu #about {
        color: $text-muted;
        margin-bottom: 1;
    }
    AdminMenu OptionList, AdminMenu OptionList:focus {
        height: auto;
        border: none;
        padding: 0;
        background: $surface;
    }
    """

    BINDINGS = [
        Binding("escape", "choose('')", "Close", id="admin_menu.close"),
        Binding("d", "choose('delete')", "Delete", id="admin_menu.delete"),
        Binding("x", "choose('disconnect')", "Disconnect", id="admin_menu.disconnect"),
        Binding("s", "choose('invite')", "Invite", id="admin_menu.invite"),
    ]

    def __init__(self, message: ChatMessage, actions: list[AdminAction]) -> None:
        super().__init__()
        self.message = message
        self.actions = actions

    def compose(self) -> ComposeResult:
        with self.frame("Moderate", "enter choose · esc close"):
            preview = self.message.content
            if len(preview) > 60:
                preview = preview[:59] + "…"
            yield Static(
                content_from("[b]$name[/b]: $text", name=self.message.sender_name, text=preview),
                id="about",
            )
            yield OptionList(
                *(
                    Option(Content.from_markup(f"[b]{a.key}[/b]  {a.label}"), id=a.id)
                    for a in self.actions
                )
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters and parameters[0]:
            return any(a.id == parameters[0] for a in self.actions)
        return True

    def action_choose(self, action_id: str) -> None:
        self.dismiss(action_id or None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
